//! SOAP codec throughput: reading a 1,000-parameter SetParameterValues and writing a
//! 1,000-parameter GetParameterValuesResponse, next to the raw `xmlparser` tokenizer on the same
//! input (the floor any reader built on it can reach). Results: `benches/REPORT.md`.

// A benchmark that meets an error has nothing to measure: failing loudly is right.
#![allow(clippy::unwrap_used)]

use cwmp_core::sink::{CountingSink, SliceSink};
use cwmp_core::soap::write::{self, GetParameterValuesResponse, HeaderOut, ParameterValueOut};
use cwmp_core::soap::{AcsMessage, CwmpNs, Envelope, ValueType};
use divan::counter::BytesCount;
use divan::{Bencher, black_box};

fn main() {
    divan::main();
}

const N: usize = 1000;

/// A SetParameterValues as GenieACS writes it, with `N` parameters of mixed types.
fn spv_document() -> String {
    let mut s = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap-env:Envelope xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
         xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\">\
         <soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">1a21470a8810000</cwmp:ID></soap-env:Header>\
         <soap-env:Body><cwmp:SetParameterValues>",
    );
    s.push_str(&format!(
        "<ParameterList soap-enc:arrayType=\"cwmp:ParameterValueStruct[{N}]\">"
    ));
    for i in 0..N {
        let (ty, value) = match i % 4 {
            0 => ("xsd:string", format!("host-{i}.example.net")),
            1 => ("xsd:unsignedInt", format!("{}", i * 7)),
            2 => ("xsd:boolean", "true".to_string()),
            _ => ("xsd:dateTime", "2024-06-01T12:00:00.000Z".to_string()),
        };
        s.push_str(&format!(
            "<ParameterValueStruct><Name>Device.NAT.PortMapping.{}.Param{}</Name><Value xsi:type=\"{ty}\">{value}</Value></ParameterValueStruct>",
            i / 10 + 1,
            i % 10
        ));
    }
    s.push_str("</ParameterList><ParameterKey>bench</ParameterKey></cwmp:SetParameterValues></soap-env:Body></soap-env:Envelope>");
    s
}

/// Parses the envelope and reads every parameter (name, value, type) as the agent does.
#[divan::bench]
fn parse_spv_1000(bencher: Bencher<'_, '_>) {
    let doc = spv_document();
    bencher.counter(BytesCount::new(doc.len())).bench(|| {
        let env = Envelope::parse(black_box(doc.as_bytes())).unwrap();
        let AcsMessage::SetParameterValues(spv) = env.acs_message().unwrap() else {
            unreachable!()
        };
        let mut n = 0usize;
        for p in spv.parameters.iter() {
            n += p.name.raw().len() + p.value.raw().len() + p.value_type as usize;
        }
        black_box(n)
    });
}

/// The raw tokenizer over the same bytes, with no checks and nothing built.
#[divan::bench]
fn xmlparser_tokenize_spv_1000(bencher: Bencher<'_, '_>) {
    let doc = spv_document();
    bencher.counter(BytesCount::new(doc.len())).bench(|| {
        let mut n = 0usize;
        for t in xmlparser::Tokenizer::from(black_box(doc.as_str())) {
            let _ = black_box(t.unwrap());
            n += 1;
        }
        n
    });
}

fn gpv_values() -> Vec<(String, String, ValueType)> {
    (0..N)
        .map(|i| {
            let name = format!("Device.NAT.PortMapping.{}.Param{}", i / 10 + 1, i % 10);
            match i % 4 {
                0 => (
                    name,
                    format!("host-{i}.example.net & co"),
                    ValueType::String,
                ),
                1 => (name, format!("{}", i * 7), ValueType::UnsignedInt),
                2 => (name, "true".into(), ValueType::Boolean),
                _ => (name, "2024-06-01T12:00:00Z".into(), ValueType::DateTime),
            }
        })
        .collect()
}

/// Writes a GetParameterValuesResponse of `N` values into a fixed buffer.
#[divan::bench]
fn encode_gpv_response_1000(bencher: Bencher<'_, '_>) {
    let owned = gpv_values();
    let values: Vec<ParameterValueOut<'_>> = owned
        .iter()
        .map(|(n, v, t)| ParameterValueOut {
            name: n,
            value: v,
            value_type: *t,
        })
        .collect();
    let list = values.as_slice();
    let body = GetParameterValuesResponse { parameters: &list };
    let header = HeaderOut {
        id: Some("1a21470a8810000"),
        ..Default::default()
    };
    let mut counter = CountingSink::new();
    write::encode(&mut counter, CwmpNs::V1_2, &header, &body).unwrap();
    let mut buf = vec![0u8; counter.count()];
    bencher
        .counter(BytesCount::new(counter.count()))
        .bench_local(|| {
            let mut sink = SliceSink::new(&mut buf);
            write::encode(&mut sink, CwmpNs::V1_2, &header, black_box(&body)).unwrap();
            sink.len()
        });
}

/// The encoder into a counting sink: the cost of learning Content-Length first.
#[divan::bench]
fn count_gpv_response_1000(bencher: Bencher<'_, '_>) {
    let owned = gpv_values();
    let values: Vec<ParameterValueOut<'_>> = owned
        .iter()
        .map(|(n, v, t)| ParameterValueOut {
            name: n,
            value: v,
            value_type: *t,
        })
        .collect();
    let list = values.as_slice();
    let body = GetParameterValuesResponse { parameters: &list };
    let header = HeaderOut {
        id: Some("1a21470a8810000"),
        ..Default::default()
    };
    let mut counter = CountingSink::new();
    write::encode(&mut counter, CwmpNs::V1_2, &header, &body).unwrap();
    bencher
        .counter(BytesCount::new(counter.count()))
        .bench_local(|| {
            let mut sink = CountingSink::new();
            write::encode(&mut sink, CwmpNs::V1_2, &header, black_box(&body)).unwrap();
            sink.count()
        });
}
