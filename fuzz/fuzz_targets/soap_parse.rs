//! Arbitrary bytes through the SOAP reader: envelope, both message directions, every list and
//! every text decoded. Must never panic and never run away.
#![no_main]

use cwmp_core::soap::{AcsMessage, CpeMessage, Envelope, Text};
use libfuzzer_sys::fuzz_target;

fn touch(t: Text<'_>) -> usize {
    t.chars().count() + t.decoded_len()
}

fn acs(m: &AcsMessage<'_>) -> usize {
    match m {
        AcsMessage::SetParameterValues(spv) => {
            spv.parameters
                .iter()
                .map(|p| touch(p.name) + touch(p.value))
                .sum::<usize>()
                + touch(spv.parameter_key)
        }
        AcsMessage::GetParameterValues { names } | AcsMessage::GetParameterAttributes { names } => {
            names.iter().map(touch).sum()
        }
        AcsMessage::SetParameterAttributes { parameters } => parameters
            .iter()
            .map(|p| touch(p.name) + p.access_list.iter().map(touch).sum::<usize>())
            .sum(),
        AcsMessage::ScheduleDownload(sd) => sd.time_windows.iter().map(|w| touch(w.mode)).sum(),
        AcsMessage::ChangeDUState { operations, .. } => operations.iter().count(),
        AcsMessage::SetVouchers { vouchers } => vouchers.iter().map(|v| touch(v.0)).sum(),
        AcsMessage::GetRPCMethodsResponse { methods } => methods.iter().map(touch).sum(),
        AcsMessage::Fault(f) => f.spv_faults.iter().map(|x| touch(x.name)).sum(),
        _ => 0,
    }
}

fn cpe(m: &CpeMessage<'_>) -> usize {
    match m {
        CpeMessage::Inform(i) => {
            i.events.iter().map(|e| touch(e.code)).sum::<usize>()
                + i.parameters.iter().map(|p| touch(p.value)).sum::<usize>()
        }
        CpeMessage::GetParameterValuesResponse { parameters } => parameters.iter().count(),
        CpeMessage::GetParameterNamesResponse { parameters } => parameters.iter().count(),
        CpeMessage::GetParameterAttributesResponse { parameters } => parameters
            .iter()
            .map(|p| p.access_list.iter().count())
            .sum(),
        CpeMessage::DUStateChangeComplete { results, .. } => results.iter().count(),
        CpeMessage::GetOptionsResponse { options } => options.iter().count(),
        _ => 0,
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(env) = Envelope::parse(data) else {
        return;
    };
    if let Some(id) = env.header.id {
        touch(id);
    }
    if let Ok(m) = env.acs_message() {
        acs(&m);
    }
    if let Ok(m) = env.cpe_message() {
        cpe(&m);
    }
});
