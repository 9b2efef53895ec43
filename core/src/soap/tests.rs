//! Tests of the SOAP layer against the GenieACS vectors, round trips and every rejection.

use std::path::{Path, PathBuf};
use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::read::*;
use super::write::{self, *};
use super::*;
use crate::sink::{Full, Sink};
use crate::time::{DateTime, UnixTime};

/// A growable sink for tests.
#[derive(Default)]
pub(crate) struct VecSink(pub Vec<u8>);

impl Sink for VecSink {
    fn write(&mut self, bytes: &[u8]) -> Result<(), Full> {
        self.0.extend_from_slice(bytes);
        Ok(())
    }
}

fn vectors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/vectors/genieacs")
}

fn vector(path: &str) -> Vec<u8> {
    std::fs::read(vectors().join(path)).unwrap()
}

fn files(pattern: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for scenario in std::fs::read_dir(vectors()).unwrap() {
        let scenario = scenario.unwrap().path();
        if !scenario.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&scenario).unwrap() {
            let f = f.unwrap().path();
            let name = f.file_name().unwrap().to_str().unwrap().to_string();
            if name.contains(pattern) && name.ends_with(".xml") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

fn acs(path: &str) -> (Envelope<'static>, AcsMessage<'static>) {
    let bytes: &'static [u8] = Vec::leak(vector(path));
    let env = Envelope::parse(bytes).unwrap();
    let msg = env.acs_message().unwrap();
    (env, msg)
}

fn strings<'a>(l: &List<'a, Text<'a>>) -> Vec<String> {
    l.iter().map(|t| t.to_string()).collect()
}

fn encode_to_vec(ns: CwmpNs, header: &HeaderOut<'_>, body: &dyn Message) -> Vec<u8> {
    let mut sink = VecSink::default();
    write::encode(&mut sink, ns, header, body).unwrap();
    sink.0
}

fn samples_dir() -> PathBuf {
    let dir = match std::env::var_os("CWMP_SAMPLES_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/cwmp-samples"),
    };
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes an encoded message where CI validates it against the XSDs.
fn sample(name: &str, bytes: &[u8]) {
    std::fs::write(samples_dir().join(format!("{name}.xml")), bytes).unwrap();
}

// ---------------------------------------------------------------------------------------------
// GenieACS → CPE messages

#[test]
fn genieacs_inform_responses_parse() {
    let found = files("_acs_InformResponse");
    assert_eq!(found.len(), 19);
    for f in found {
        let bytes = std::fs::read(&f).unwrap();
        let env = Envelope::parse(&bytes).unwrap();
        assert_eq!(env.header.id.unwrap(), "1", "{}", f.display());
        let expected_ns = if f.to_str().unwrap().contains("15b_") {
            CwmpNs::V1_3
        } else {
            CwmpNs::V1_2
        };
        assert_eq!(env.cwmp_ns(), Some(expected_ns));
        assert!(env.header.use_cwmp_version.is_none());
        assert!(env.header.hold_requests.is_none());
        match env.acs_message().unwrap() {
            AcsMessage::InformResponse { max_envelopes } => assert_eq!(max_envelopes, 1),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn genieacs_get_rpc_methods_response() {
    let (env, msg) = acs("02_cpe_getrpcmethods/04_acs_GetRPCMethodsResponse.xml");
    assert_eq!(env.header.id.unwrap(), "2");
    let AcsMessage::GetRPCMethodsResponse { methods } = msg else {
        panic!()
    };
    assert_eq!(
        strings(&methods),
        ["Inform", "GetRPCMethods", "TransferComplete"]
    );
    assert!(!AcsMessage::GetRPCMethodsResponse { methods }.is_request());
}

#[test]
fn genieacs_get_parameter_names() {
    let cases = [
        (
            "03_task_getParameterValues/04_acs_GetParameterNames.xml",
            "1a2147097100000",
            "Device.",
            false,
        ),
        (
            "04_task_refreshObject/04_acs_GetParameterNames.xml",
            "1a214709fce0000",
            "Device.ManagementServer.",
            true,
        ),
        (
            "06_connection_request_and_addObject/08_acs_GetParameterNames.xml",
            "1a21470b7210001",
            "Device.NAT.PortMapping.",
            true,
        ),
        (
            "07_task_addObject_with_values/04_acs_GetParameterNames.xml",
            "1a21470c10a0000",
            "Device.NAT.PortMapping.1.",
            true,
        ),
        (
            "07_task_addObject_with_values/14_acs_GetParameterNames.xml",
            "1a21470c10a0005",
            "Device.NAT.PortMapping.",
            true,
        ),
        (
            "09_cpe_fault_9005/06_acs_GetParameterNames.xml",
            "1a21470d2700101",
            "Device.Time.",
            false,
        ),
        (
            "16_default_presets_bootstrap/04_acs_GetParameterNames.xml",
            "1a214715e550000",
            "",
            true,
        ),
        (
            "16_default_presets_bootstrap/06_acs_GetParameterNames.xml",
            "1a214715e550001",
            "Device.ManagementServer.",
            true,
        ),
    ];
    for (file, id, want_path, want_next) in cases {
        let (env, msg) = acs(file);
        assert_eq!(env.header.id.unwrap(), id);
        let AcsMessage::GetParameterNames { path, next_level } = msg else {
            panic!("{file}")
        };
        assert_eq!(path, want_path, "{file}");
        assert_eq!(next_level, want_next, "{file}");
        assert!(AcsMessage::GetParameterNames { path, next_level }.is_request());
    }
    assert_eq!(files("_acs_GetParameterNames").len(), cases.len());
}

#[test]
fn genieacs_get_parameter_values() {
    let cases: [(&str, &[&str]); 6] = [
        (
            "03_task_getParameterValues/06_acs_GetParameterValues.xml",
            &["Device.DeviceInfo.UpTime", "Device.Time.NTPServer1"],
        ),
        (
            "04_task_refreshObject/06_acs_GetParameterValues.xml",
            &[
                "Device.ManagementServer.ConnectionRequestPassword",
                "Device.ManagementServer.ConnectionRequestUsername",
                "Device.ManagementServer.PeriodicInformEnable",
                "Device.ManagementServer.PeriodicInformInterval",
                "Device.ManagementServer.PeriodicInformTime",
                "Device.ManagementServer.URL",
            ],
        ),
        (
            "07_task_addObject_with_values/06_acs_GetParameterValues.xml",
            &[
                "Device.NAT.PortMapping.1.Description",
                "Device.NAT.PortMapping.1.Enable",
                "Device.NAT.PortMapping.1.ExternalPort",
            ],
        ),
        (
            "07_task_addObject_with_values/10_acs_GetParameterValues.xml",
            &[
                "Device.NAT.PortMapping.2.Description",
                "Device.NAT.PortMapping.2.Enable",
                "Device.NAT.PortMapping.2.ExternalPort",
            ],
        ),
        (
            "09_cpe_fault_9005/04_acs_GetParameterValues.xml",
            &["Device.Time.Enable"],
        ),
        (
            "16_default_presets_bootstrap/08_acs_GetParameterValues.xml",
            &[
                "Device.ManagementServer.ConnectionRequestUsername",
                "Device.ManagementServer.ConnectionRequestPassword",
                "Device.ManagementServer.PeriodicInformEnable",
                "Device.ManagementServer.PeriodicInformInterval",
                "Device.ManagementServer.PeriodicInformTime",
            ],
        ),
    ];
    for (file, want) in cases {
        let (_, msg) = acs(file);
        let AcsMessage::GetParameterValues { names } = msg else {
            panic!("{file}")
        };
        assert_eq!(names.len(), want.len());
        assert_eq!(strings(&names), want, "{file}");
    }
    // 09 has the same request twice (before and after re-discovery).
    assert_eq!(files("_acs_GetParameterValues").len(), cases.len() + 1);
}

fn spv(file: &str) -> (String, Vec<(String, String, ValueType)>, String) {
    let (env, msg) = acs(file);
    let AcsMessage::SetParameterValues(spv) = msg else {
        panic!("{file}")
    };
    let params = spv
        .parameters
        .iter()
        .map(|p| (p.name.to_string(), p.value.to_string(), p.value_type))
        .collect::<Vec<_>>();
    assert_eq!(params.len(), spv.parameters.len());
    (
        env.header.id.unwrap().to_string(),
        params,
        spv.parameter_key.to_string(),
    )
}

#[test]
fn genieacs_set_parameter_values_keep_types() {
    let (id, params, key) = spv("05_task_setParameterValues/04_acs_SetParameterValues.xml");
    assert_eq!(id, "1a21470a8810000");
    assert_eq!(key, "");
    let s = |n: &str, v: &str, t| (n.to_string(), v.to_string(), t);
    assert_eq!(
        params,
        [
            s(
                "Device.DeviceInfo.ProvisioningCode",
                "vec-prov-1",
                ValueType::String
            ),
            s(
                "Device.ManagementServer.ConnectionRequestPassword",
                "cr-secret",
                ValueType::String
            ),
            s(
                "Device.ManagementServer.PeriodicInformEnable",
                "false",
                ValueType::Boolean
            ),
            s(
                "Device.ManagementServer.PeriodicInformInterval",
                "600",
                ValueType::UnsignedInt
            ),
            s(
                "Device.ManagementServer.PeriodicInformTime",
                "2024-06-01T12:00:00.000Z",
                ValueType::DateTime
            ),
        ]
    );
    let (_, params, _) = spv("07_task_addObject_with_values/12_acs_SetParameterValues.xml");
    assert_eq!(
        params,
        [
            s(
                "Device.NAT.PortMapping.2.Description",
                "vec-rule",
                ValueType::String
            ),
            s(
                "Device.NAT.PortMapping.2.Enable",
                "true",
                ValueType::Boolean
            ),
            s(
                "Device.NAT.PortMapping.2.ExternalPort",
                "8080",
                ValueType::UnsignedInt
            ),
        ]
    );
    let (_, params, _) = spv("10_cpe_fault_9003_spv/04_acs_SetParameterValues.xml");
    assert_eq!(
        params,
        [s(
            "Device.Time.NTPServer1",
            "bad host name!",
            ValueType::String
        )]
    );
    let (_, params, _) = spv("16_default_presets_bootstrap/10_acs_SetParameterValues.xml");
    assert_eq!(params.len(), 3);
    assert_eq!(
        params[2],
        s(
            "Device.ManagementServer.PeriodicInformTime",
            "1970-01-01T08:06:06.185Z",
            ValueType::DateTime
        )
    );
    assert_eq!(files("_acs_SetParameterValues").len(), 4);
}

#[test]
fn genieacs_add_and_delete_object() {
    for file in [
        "06_connection_request_and_addObject/06_acs_AddObject.xml",
        "07_task_addObject_with_values/08_acs_AddObject.xml",
    ] {
        let (_, msg) = acs(file);
        let AcsMessage::AddObject {
            object_name,
            parameter_key,
        } = msg
        else {
            panic!()
        };
        assert_eq!(object_name, "Device.NAT.PortMapping.");
        assert_eq!(parameter_key, "");
    }
    let (env, msg) = acs("08_task_deleteObject/04_acs_DeleteObject.xml");
    assert_eq!(env.header.id.unwrap(), "1a21470c9c00000");
    let AcsMessage::DeleteObject {
        object_name,
        parameter_key,
    } = msg
    else {
        panic!()
    };
    assert_eq!(object_name, "Device.NAT.PortMapping.1.");
    assert!(parameter_key.is_empty());
}

#[test]
fn genieacs_reboot_factory_reset_download() {
    let (env, msg) = acs("11_task_reboot/04_acs_Reboot.xml");
    assert_eq!(env.header.id.unwrap(), "1a21470e3f70000");
    let AcsMessage::Reboot { command_key } = msg else {
        panic!()
    };
    assert!(command_key.is_empty());

    let (_, msg) = acs("13_task_factoryReset/04_acs_FactoryReset.xml");
    assert!(matches!(msg, AcsMessage::FactoryReset));

    let (_, msg) = acs("12_task_download/04_acs_Download.xml");
    let AcsMessage::Download(d) = msg else {
        panic!()
    };
    assert_eq!(d.command_key, "1a214710cdd0000");
    assert_eq!(d.file_type, "1 Firmware Upgrade Image");
    assert_eq!(d.url, "http://127.0.0.1:17567/vec-fw-23.05.1.bin");
    assert!(d.username.is_empty() && d.password.is_empty());
    assert_eq!(d.file_size, 4096);
    assert!(d.target_file_name.is_empty());
    assert_eq!(d.delay_seconds, 0);
    assert!(d.success_url.is_empty() && d.failure_url.is_empty());

    let (env, msg) = acs("12b_transfer_complete/04_acs_TransferCompleteResponse.xml");
    assert_eq!(env.header.id.unwrap(), "2");
    assert!(matches!(msg, AcsMessage::TransferCompleteResponse));
}

#[test]
fn every_genieacs_acs_message_is_covered() {
    // Each ACS file is asserted by one of the tests above; this keeps the list complete.
    let covered = [
        "InformResponse",
        "GetRPCMethodsResponse",
        "GetParameterNames",
        "GetParameterValues",
        "SetParameterValues",
        "AddObject",
        "DeleteObject",
        "Reboot",
        "FactoryReset",
        "Download",
        "TransferCompleteResponse",
    ];
    for f in files("_acs_") {
        let name = f.file_name().unwrap().to_str().unwrap();
        let rpc = name.split("_acs_").nth(1).unwrap().trim_end_matches(".xml");
        assert!(covered.contains(&rpc), "{name}");
    }
}

// ---------------------------------------------------------------------------------------------
// CPE → GenieACS: our encoder reproduces what GenieACS accepted, byte for byte.

fn s(t: Text<'_>) -> String {
    t.to_string()
}

/// Re-encodes a parsed CPE message with our encoder.
fn reencode(bytes: &[u8]) -> Vec<u8> {
    let env = Envelope::parse(bytes).unwrap();
    let ns = env.cwmp_ns().unwrap();
    let id = env.header.id.map(s);
    let supported = env.header.supported_cwmp_versions.map(s);
    let header = HeaderOut {
        id: id.as_deref(),
        session_timeout: env.header.session_timeout,
        supported_cwmp_versions: supported.as_deref(),
    };
    let enc = |body: &dyn Message| encode_to_vec(ns, &header, body);
    match env.cpe_message().unwrap() {
        CpeMessage::Inform(i) => {
            let d = i.device_id;
            let (m, o, p, sn) = (
                s(d.manufacturer),
                s(d.oui),
                s(d.product_class),
                s(d.serial_number),
            );
            let events: Vec<(String, String)> = i
                .events
                .iter()
                .map(|e| (s(e.code), s(e.command_key)))
                .collect();
            let events: Vec<EventOut<'_>> = events
                .iter()
                .map(|(c, k)| EventOut {
                    code: c,
                    command_key: k,
                })
                .collect();
            let params: Vec<(String, String, ValueType)> = i
                .parameters
                .iter()
                .map(|p| (s(p.name), s(p.value), p.value_type))
                .collect();
            let params: Vec<ParameterValueOut<'_>> = params
                .iter()
                .map(|(n, v, t)| ParameterValueOut {
                    name: n,
                    value: v,
                    value_type: *t,
                })
                .collect();
            enc(&write::Inform {
                device_id: DeviceIdOut {
                    manufacturer: &m,
                    oui: &o,
                    product_class: &p,
                    serial_number: &sn,
                },
                events: &events.as_slice(),
                max_envelopes: i.max_envelopes,
                current_time: i.current_time,
                retry_count: i.retry_count,
                parameters: &params.as_slice(),
            })
        }
        CpeMessage::GetRPCMethods => enc(&Empty::GetRPCMethods),
        CpeMessage::GetParameterNamesResponse { parameters } => {
            let v: Vec<(String, bool)> =
                parameters.iter().map(|p| (s(p.name), p.writable)).collect();
            let v: Vec<ParameterInfoOut<'_>> = v
                .iter()
                .map(|(n, w)| ParameterInfoOut {
                    name: n,
                    writable: *w,
                })
                .collect();
            enc(&GetParameterNamesResponse {
                parameters: &v.as_slice(),
            })
        }
        CpeMessage::GetParameterValuesResponse { parameters } => {
            let v: Vec<(String, String, ValueType)> = parameters
                .iter()
                .map(|p| (s(p.name), s(p.value), p.value_type))
                .collect();
            let v: Vec<ParameterValueOut<'_>> = v
                .iter()
                .map(|(n, val, t)| ParameterValueOut {
                    name: n,
                    value: val,
                    value_type: *t,
                })
                .collect();
            enc(&GetParameterValuesResponse {
                parameters: &v.as_slice(),
            })
        }
        CpeMessage::SetParameterValuesResponse { status } => {
            enc(&StatusResponse::SetParameterValues(status))
        }
        CpeMessage::DeleteObjectResponse { status } => enc(&StatusResponse::DeleteObject(status)),
        CpeMessage::AddObjectResponse {
            instance_number,
            status,
        } => enc(&AddObjectResponse {
            instance_number,
            status,
        }),
        CpeMessage::RebootResponse => enc(&Empty::RebootResponse),
        CpeMessage::FactoryResetResponse => enc(&Empty::FactoryResetResponse),
        CpeMessage::DownloadResponse {
            status,
            start_time,
            complete_time,
        } => enc(&TransferResponse {
            upload: false,
            status,
            start_time,
            complete_time,
        }),
        CpeMessage::TransferComplete(t) => {
            let (key, fs) = (s(t.command_key), s(t.fault.string));
            enc(&write::TransferComplete {
                command_key: &key,
                fault: TransferFaultOut {
                    code: t.fault.code,
                    string: &fs,
                },
                start_time: t.start_time,
                complete_time: t.complete_time,
            })
        }
        CpeMessage::Fault(f) => {
            let fs = s(f.string);
            let spv: Vec<(String, FaultCode)> =
                f.spv_faults.iter().map(|x| (s(x.name), x.code)).collect();
            let spv: Vec<SpvFaultOut<'_>> = spv
                .iter()
                .map(|(n, c)| SpvFaultOut { name: n, code: *c })
                .collect();
            let list = spv.as_slice();
            enc(&write::Fault {
                code: f.code,
                string: Some(&fs),
                spv_faults: if spv.is_empty() { None } else { Some(&list) },
            })
        }
        other => panic!("no vector expected for {other:?}"),
    }
}

#[test]
fn genieacs_cpe_messages_reencode_byte_for_byte() {
    let found = files("_cpe_");
    assert_eq!(found.len(), 47);
    for f in found {
        let bytes = std::fs::read(&f).unwrap();
        let ours = reencode(&bytes);
        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&bytes),
            "{}",
            f.display()
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips: encode → parse → equal, for every CPE message type, with awkward text.

const AWKWARD: &str = "a&b <c> \"q\" 'a' é€😀 ]]> tab\tcr\r\nend";
/// Awkward text that fits a 32-character key.
const AWKWARD_KEY: &str = "&<>\"' é€😀]]>\r\n";

fn t0() -> DateTime {
    UnixTime(1_717_243_200).to_datetime()
}

fn round_trip(name: &str, ns: CwmpNs, body: &dyn Message) -> Vec<u8> {
    let header = HeaderOut {
        id: Some(AWKWARD),
        session_timeout: None,
        supported_cwmp_versions: None,
    };
    let bytes = encode_to_vec(ns, &header, body);
    let env = Envelope::parse(&bytes)
        .unwrap_or_else(|e| panic!("{name}: {e}\n{}", String::from_utf8_lossy(&bytes)));
    assert_eq!(env.header.id.unwrap(), AWKWARD);
    assert_eq!(env.cwmp_ns(), Some(ns));
    bytes
}

fn parsed(bytes: &[u8]) -> CpeMessage<'_> {
    Envelope::parse(bytes).unwrap().cpe_message().unwrap()
}

#[test]
fn round_trip_inform_with_versions_header() {
    let events = [
        EventOut {
            code: "0 BOOTSTRAP",
            command_key: "",
        },
        EventOut {
            code: "M Reboot",
            command_key: "k&<>",
        },
    ];
    let params = [
        ParameterValueOut {
            name: "Device.DeviceInfo.SoftwareVersion",
            value: AWKWARD,
            value_type: ValueType::String,
        },
        ParameterValueOut {
            name: "Device.X.Empty",
            value: "",
            value_type: ValueType::String,
        },
        ParameterValueOut {
            name: "Device.X.Flag",
            value: "true",
            value_type: ValueType::Boolean,
        },
        ParameterValueOut {
            name: "Device.X.Count",
            value: "4294967295",
            value_type: ValueType::UnsignedInt,
        },
        ParameterValueOut {
            name: "Device.X.Big",
            value: "-9223372036854775808",
            value_type: ValueType::Long,
        },
        ParameterValueOut {
            name: "Device.X.When",
            value: "2024-05-01T12:00:00Z",
            value_type: ValueType::DateTime,
        },
        ParameterValueOut {
            name: "Device.X.Hex",
            value: "0aFF",
            value_type: ValueType::HexBinary,
        },
    ];
    let body = write::Inform {
        device_id: DeviceIdOut {
            manufacturer: AWKWARD,
            oui: "00D09E",
            product_class: "",
            serial_number: "SN<1>",
        },
        events: &events.as_slice(),
        max_envelopes: 1,
        current_time: t0(),
        retry_count: 7,
        parameters: &params.as_slice(),
    };
    let header = HeaderOut {
        id: Some("cpe-1"),
        session_timeout: Some(60),
        supported_cwmp_versions: Some("1.0,1.1,1.2,1.3,1.4"),
    };
    let bytes = encode_to_vec(CwmpNs::V1_2, &header, &body);
    sample("inform_1_4", &bytes);
    let env = Envelope::parse(&bytes).unwrap();
    assert_eq!(env.header.session_timeout, Some(60));
    assert_eq!(
        env.header.supported_cwmp_versions.unwrap(),
        "1.0,1.1,1.2,1.3,1.4"
    );
    let CpeMessage::Inform(i) = env.cpe_message().unwrap() else {
        panic!()
    };
    assert_eq!(i.device_id.manufacturer, AWKWARD);
    assert_eq!(i.device_id.oui, "00D09E");
    assert!(i.device_id.product_class.is_empty());
    assert_eq!(i.device_id.serial_number, "SN<1>");
    let got: Vec<(String, String)> = i
        .events
        .iter()
        .map(|e| (s(e.code), s(e.command_key)))
        .collect();
    assert_eq!(
        got,
        [
            ("0 BOOTSTRAP".into(), "".into()),
            ("M Reboot".into(), "k&<>".into())
        ]
    );
    assert_eq!(i.max_envelopes, 1);
    assert_eq!(i.current_time, t0());
    assert_eq!(i.retry_count, 7);
    let got: Vec<ParameterValueOut<'_>> = i
        .parameters
        .iter()
        .map(|p| ParameterValueOut {
            name: p.name.raw(),
            value: "",
            value_type: p.value_type,
        })
        .collect();
    assert_eq!(got.len(), params.len());
    for (p, want) in i.parameters.iter().zip(params.iter()) {
        assert_eq!(p.name, want.name);
        assert_eq!(p.value, want.value);
        assert_eq!(p.value_type, want.value_type);
    }
    // The same Inform as CWMP 1.0 (no optional headers) for the 1.0 schema.
    let bytes = encode_to_vec(
        CwmpNs::V1_0,
        &HeaderOut {
            id: Some("1"),
            ..Default::default()
        },
        &body,
    );
    sample("inform_1_0", &bytes);
    let bytes = encode_to_vec(
        CwmpNs::V1_1,
        &HeaderOut {
            id: Some("1"),
            ..Default::default()
        },
        &body,
    );
    sample("inform_1_1", &bytes);
}

#[test]
fn round_trip_transfer_complete_and_autonomous() {
    let tc = write::TransferComplete {
        command_key: AWKWARD_KEY,
        fault: TransferFaultOut {
            code: FaultCode::DOWNLOAD_INCOMPLETE,
            string: AWKWARD,
        },
        start_time: t0(),
        complete_time: DateTime::UNKNOWN,
    };
    let bytes = round_trip("TransferComplete", CwmpNs::V1_2, &tc);
    sample("transfer_complete", &bytes);
    let CpeMessage::TransferComplete(got) = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(got.command_key, AWKWARD_KEY);
    assert_eq!(got.fault.code, FaultCode(9017));
    assert_eq!(got.fault.string, AWKWARD);
    assert_eq!(got.start_time, t0());
    assert!(got.complete_time.is_unknown());

    let success = write::TransferComplete {
        fault: TransferFaultOut::SUCCESS,
        command_key: "",
        ..tc
    };
    let bytes = round_trip("TransferComplete", CwmpNs::V1_2, &success);
    sample("transfer_complete_success", &bytes);
    let CpeMessage::TransferComplete(got) = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(got.fault.code, FaultCode::NONE);
    assert!(got.fault.string.is_empty() && got.command_key.is_empty());

    let atc = write::AutonomousTransferComplete {
        announce_url: "http://acs/a?x=1&y=2",
        transfer_url: "http://files/f.bin",
        is_download: true,
        file_type: "1 Firmware Upgrade Image",
        file_size: 123,
        target_file_name: AWKWARD,
        fault: TransferFaultOut::SUCCESS,
        start_time: t0(),
        complete_time: t0(),
    };
    let bytes = round_trip("AutonomousTransferComplete", CwmpNs::V1_2, &atc);
    sample("autonomous_transfer_complete", &bytes);
    let CpeMessage::AutonomousTransferComplete(got) = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(got.announce_url, "http://acs/a?x=1&y=2");
    assert_eq!(got.transfer_url, "http://files/f.bin");
    assert!(got.is_download);
    assert_eq!(got.file_type, "1 Firmware Upgrade Image");
    assert_eq!(got.file_size, 123);
    assert_eq!(got.target_file_name, AWKWARD);
    assert_eq!(got.fault.code, FaultCode::NONE);
}

#[test]
fn round_trip_du_state_change_complete() {
    let result = OpResultOut {
        uuid: "6ba7b810-9dad-11d1-80b4-00c04fd430c8",
        deployment_unit_ref: "Device.SoftwareModules.DeploymentUnit.1",
        version: "1.0&b",
        current_state: "Installed",
        resolved: true,
        execution_unit_ref_list: "Device.SoftwareModules.ExecutionUnit.1,Device.SoftwareModules.ExecutionUnit.2",
        start_time: t0(),
        complete_time: t0(),
        fault: TransferFaultOut::SUCCESS,
        operation_performed: None,
    };
    let failed = OpResultOut {
        current_state: "Failed",
        resolved: false,
        fault: TransferFaultOut {
            code: FaultCode(9028),
            string: AWKWARD,
        },
        ..result
    };
    let results = [result, failed];
    let body = DuStateChangeComplete {
        results: &results.as_slice(),
        command_key: Some("ck"),
    };
    let bytes = round_trip("DUStateChangeComplete", CwmpNs::V1_2, &body);
    sample("du_state_change_complete", &bytes);
    let CpeMessage::DUStateChangeComplete {
        results: got,
        command_key,
    } = parsed(&bytes)
    else {
        panic!()
    };
    assert_eq!(command_key, "ck");
    let got: Vec<OpResult<'_>> = got.iter().collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].uuid, result.uuid);
    assert_eq!(got[0].deployment_unit_ref, result.deployment_unit_ref);
    assert_eq!(got[0].version, "1.0&b");
    assert_eq!(got[0].current_state, "Installed");
    assert!(got[0].resolved);
    assert_eq!(
        got[0].execution_unit_ref_list,
        result.execution_unit_ref_list
    );
    assert_eq!(got[1].fault.code, FaultCode(9028));
    assert_eq!(got[1].fault.string, AWKWARD);
    assert!(got[0].operation_performed.is_none());

    let auto = [OpResultOut {
        operation_performed: Some("Install"),
        ..result
    }];
    let body = DuStateChangeComplete {
        results: &auto.as_slice(),
        command_key: None,
    };
    let bytes = round_trip("AutonomousDUStateChangeComplete", CwmpNs::V1_2, &body);
    sample("autonomous_du_state_change_complete", &bytes);
    let CpeMessage::AutonomousDUStateChangeComplete { results } = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(
        results.iter().next().unwrap().operation_performed.unwrap(),
        "Install"
    );
}

#[test]
fn round_trip_requests_get_rpc_methods_request_download_kicked() {
    let bytes = round_trip("GetRPCMethods", CwmpNs::V1_2, &Empty::GetRPCMethods);
    sample("get_rpc_methods", &bytes);
    assert!(matches!(parsed(&bytes), CpeMessage::GetRPCMethods));

    let args = [("Version", AWKWARD), ("", "")];
    let body = RequestDownload {
        file_type: "1 Firmware Upgrade Image",
        args: &args.as_slice(),
    };
    let bytes = round_trip("RequestDownload", CwmpNs::V1_2, &body);
    sample("request_download", &bytes);
    let CpeMessage::RequestDownload {
        file_type,
        args: got,
    } = parsed(&bytes)
    else {
        panic!()
    };
    assert_eq!(file_type, "1 Firmware Upgrade Image");
    let got: Vec<(String, String)> = got.iter().map(|a| (s(a.name), s(a.value))).collect();
    assert_eq!(
        got,
        [("Version".into(), AWKWARD.into()), ("".into(), "".into())]
    );

    let body = write::Kicked {
        command: "cmd",
        referer: "r&",
        arg: AWKWARD,
        next: "http://x/?a=<b>",
    };
    let bytes = round_trip("Kicked", CwmpNs::V1_2, &body);
    sample("kicked", &bytes);
    let CpeMessage::Kicked(k) = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(
        (k.command, k.referer, k.arg, k.next),
        (
            Text::verbatim("cmd"),
            Text::verbatim("r&"),
            Text::verbatim(AWKWARD),
            Text::verbatim("http://x/?a=<b>")
        )
    );
}

#[test]
fn round_trip_parameter_responses() {
    let methods = ["GetRPCMethods", "SetParameterValues", AWKWARD];
    let bytes = round_trip(
        "GetRPCMethodsResponse",
        CwmpNs::V1_2,
        &GetRpcMethodsResponse {
            methods: &methods.as_slice(),
        },
    );
    sample("get_rpc_methods_response", &bytes);
    let CpeMessage::GetRPCMethodsResponse { methods: got } = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(strings(&got), methods);

    for status in [0, 1] {
        let bytes = round_trip(
            "SPVResponse",
            CwmpNs::V1_2,
            &StatusResponse::SetParameterValues(status),
        );
        sample(&format!("spv_response_{status}"), &bytes);
        assert!(
            matches!(parsed(&bytes), CpeMessage::SetParameterValuesResponse { status: s } if s == status)
        );
        let bytes = round_trip(
            "DeleteObjectResponse",
            CwmpNs::V1_2,
            &StatusResponse::DeleteObject(status),
        );
        sample(&format!("delete_object_response_{status}"), &bytes);
        assert!(
            matches!(parsed(&bytes), CpeMessage::DeleteObjectResponse { status: s } if s == status)
        );
    }

    let values = [
        ParameterValueOut {
            name: "Device.A",
            value: AWKWARD,
            value_type: ValueType::String,
        },
        ParameterValueOut {
            name: "Device.B",
            value: "-5",
            value_type: ValueType::Int,
        },
        ParameterValueOut {
            name: "Device.C",
            value: "18446744073709551615",
            value_type: ValueType::UnsignedLong,
        },
        ParameterValueOut {
            name: "Device.D",
            value: "1.5",
            value_type: ValueType::Decimal,
        },
    ];
    let bytes = round_trip(
        "GPVResponse",
        CwmpNs::V1_2,
        &GetParameterValuesResponse {
            parameters: &values.as_slice(),
        },
    );
    sample("gpv_response", &bytes);
    let CpeMessage::GetParameterValuesResponse { parameters } = parsed(&bytes) else {
        panic!()
    };
    let got: Vec<(String, String, ValueType)> = parameters
        .iter()
        .map(|p| (s(p.name), s(p.value), p.value_type))
        .collect();
    let want: Vec<(String, String, ValueType)> = values
        .iter()
        .map(|p| (p.name.into(), p.value.into(), p.value_type))
        .collect();
    assert_eq!(got, want);

    let empty: [ParameterValueOut<'_>; 0] = [];
    let bytes = round_trip(
        "GPVResponse",
        CwmpNs::V1_2,
        &GetParameterValuesResponse {
            parameters: &empty.as_slice(),
        },
    );
    sample("gpv_response_empty", &bytes);
    let CpeMessage::GetParameterValuesResponse { parameters } = parsed(&bytes) else {
        panic!()
    };
    assert!(parameters.is_empty());

    let infos = [
        ParameterInfoOut {
            name: "Device.",
            writable: false,
        },
        ParameterInfoOut {
            name: "Device.NAT.PortMapping.",
            writable: true,
        },
        ParameterInfoOut {
            name: AWKWARD,
            writable: true,
        },
    ];
    let bytes = round_trip(
        "GPNResponse",
        CwmpNs::V1_2,
        &GetParameterNamesResponse {
            parameters: &infos.as_slice(),
        },
    );
    sample("gpn_response", &bytes);
    let CpeMessage::GetParameterNamesResponse { parameters } = parsed(&bytes) else {
        panic!()
    };
    let got: Vec<(String, bool)> = parameters.iter().map(|p| (s(p.name), p.writable)).collect();
    let want: Vec<(String, bool)> = infos.iter().map(|p| (p.name.into(), p.writable)).collect();
    assert_eq!(got, want);

    let attrs = [
        ParameterAttributeOut {
            name: "Device.A",
            notification: 2,
            access_list: &["Subscriber"],
        },
        ParameterAttributeOut {
            name: "Device.B",
            notification: 0,
            access_list: &[],
        },
        ParameterAttributeOut {
            name: AWKWARD,
            notification: 6,
            access_list: &[],
        },
    ];
    let bytes = round_trip(
        "GPAResponse",
        CwmpNs::V1_2,
        &GetParameterAttributesResponse {
            parameters: &attrs.as_slice(),
        },
    );
    sample("gpa_response", &bytes);
    let CpeMessage::GetParameterAttributesResponse { parameters } = parsed(&bytes) else {
        panic!()
    };
    let got: Vec<(String, u8, Vec<String>)> = parameters
        .iter()
        .map(|p| (s(p.name), p.notification, strings(&p.access_list)))
        .collect();
    let want: Vec<(String, u8, Vec<String>)> = attrs
        .iter()
        .map(|a| {
            (
                a.name.into(),
                a.notification,
                a.access_list.iter().map(|x| x.to_string()).collect(),
            )
        })
        .collect();
    assert_eq!(got, want);

    let bytes = round_trip(
        "AddObjectResponse",
        CwmpNs::V1_2,
        &AddObjectResponse {
            instance_number: 4_294_967_295,
            status: 1,
        },
    );
    sample("add_object_response", &bytes);
    assert!(matches!(
        parsed(&bytes),
        CpeMessage::AddObjectResponse {
            instance_number: 4_294_967_295,
            status: 1
        }
    ));
}

#[test]
fn round_trip_empty_responses() {
    let all = [
        Empty::SetParameterAttributesResponse,
        Empty::RebootResponse,
        Empty::FactoryResetResponse,
        Empty::ScheduleInformResponse,
        Empty::SetVouchersResponse,
        Empty::ScheduleDownloadResponse,
        Empty::CancelTransferResponse,
        Empty::ChangeDUStateResponse,
    ];
    for e in all {
        let bytes = round_trip(e.name(), CwmpNs::V1_2, &e);
        sample(&e.name().to_lowercase(), &bytes);
        let got = parsed(&bytes);
        let ok = matches!(
            (e, &got),
            (
                Empty::SetParameterAttributesResponse,
                CpeMessage::SetParameterAttributesResponse
            ) | (Empty::RebootResponse, CpeMessage::RebootResponse)
                | (
                    Empty::FactoryResetResponse,
                    CpeMessage::FactoryResetResponse
                )
                | (
                    Empty::ScheduleInformResponse,
                    CpeMessage::ScheduleInformResponse
                )
                | (Empty::SetVouchersResponse, CpeMessage::SetVouchersResponse)
                | (
                    Empty::ScheduleDownloadResponse,
                    CpeMessage::ScheduleDownloadResponse
                )
                | (
                    Empty::CancelTransferResponse,
                    CpeMessage::CancelTransferResponse
                )
                | (
                    Empty::ChangeDUStateResponse,
                    CpeMessage::ChangeDUStateResponse
                )
        );
        assert!(ok, "{e:?} parsed as {got:?}");
    }
}

#[test]
fn round_trip_transfer_responses_and_queues() {
    for upload in [false, true] {
        let r = TransferResponse {
            upload,
            status: 0,
            start_time: t0(),
            complete_time: t0(),
        };
        let bytes = round_trip("TransferResponse", CwmpNs::V1_2, &r);
        sample(
            if upload {
                "upload_response"
            } else {
                "download_response"
            },
            &bytes,
        );
        match parsed(&bytes) {
            CpeMessage::UploadResponse {
                status,
                start_time,
                complete_time,
            } if upload => {
                assert_eq!((status, start_time, complete_time), (0, t0(), t0()))
            }
            CpeMessage::DownloadResponse {
                status,
                start_time,
                complete_time,
            } if !upload => {
                assert_eq!((status, start_time, complete_time), (0, t0(), t0()))
            }
            other => panic!("{other:?}"),
        }
        let bytes = round_trip(
            "TransferResponse",
            CwmpNs::V1_2,
            &TransferResponse::pending(upload),
        );
        let (CpeMessage::UploadResponse {
            status, start_time, ..
        }
        | CpeMessage::DownloadResponse {
            status, start_time, ..
        }) = parsed(&bytes)
        else {
            panic!()
        };
        assert_eq!(status, 1);
        assert!(start_time.is_unknown());
    }

    let queued = [("k1", 1u8), (AWKWARD_KEY, 2), ("", 3)];
    let bytes = round_trip(
        "GQT",
        CwmpNs::V1_2,
        &GetQueuedTransfersResponse {
            transfers: &queued.as_slice(),
        },
    );
    sample("get_queued_transfers_response", &bytes);
    let CpeMessage::GetQueuedTransfersResponse { transfers } = parsed(&bytes) else {
        panic!()
    };
    let got: Vec<(String, u8)> = transfers
        .iter()
        .map(|t| (s(t.command_key), t.state))
        .collect();
    assert_eq!(
        got,
        queued
            .iter()
            .map(|(k, st)| (k.to_string(), *st))
            .collect::<Vec<_>>()
    );

    let all = [
        AllQueuedTransferOut {
            command_key: "k",
            state: 1,
            is_download: true,
            file_type: "1 Firmware Upgrade Image",
            file_size: 9,
            target_file_name: AWKWARD,
        },
        AllQueuedTransferOut {
            command_key: "u",
            state: 2,
            is_download: false,
            file_type: "2 Vendor Log File",
            file_size: 0,
            target_file_name: "",
        },
    ];
    let bytes = round_trip(
        "GAQT",
        CwmpNs::V1_2,
        &GetAllQueuedTransfersResponse {
            transfers: &all.as_slice(),
        },
    );
    sample("get_all_queued_transfers_response", &bytes);
    let CpeMessage::GetAllQueuedTransfersResponse { transfers } = parsed(&bytes) else {
        panic!()
    };
    let got: Vec<AllQueuedTransfer<'_>> = transfers.iter().collect();
    assert_eq!(got.len(), 2);
    for (g, w) in got.iter().zip(all.iter()) {
        assert_eq!(g.command_key, w.command_key);
        assert_eq!(g.state, w.state);
        assert_eq!(g.is_download, w.is_download);
        assert_eq!(g.file_type, w.file_type);
        assert_eq!(g.file_size, w.file_size);
        assert_eq!(g.target_file_name, w.target_file_name);
    }
}

#[test]
fn round_trip_get_options_response() {
    let options = [
        OptionOut {
            option_name: AWKWARD,
            voucher_sn: 7,
            state: 3,
            mode: 2,
            start_date: t0(),
            expiration_date: Some(DateTime::INFINITE),
            is_transferable: true,
        },
        OptionOut {
            option_name: "b",
            voucher_sn: 0,
            state: 0,
            mode: 0,
            start_date: DateTime::UNKNOWN,
            expiration_date: None,
            is_transferable: false,
        },
    ];
    let bytes = round_trip(
        "GetOptionsResponse",
        CwmpNs::V1_2,
        &GetOptionsResponse {
            options: &options.as_slice(),
        },
    );
    sample("get_options_response", &bytes);
    let CpeMessage::GetOptionsResponse { options: got } = parsed(&bytes) else {
        panic!()
    };
    let got: Vec<OptionInfo<'_>> = got.iter().collect();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].option_name, AWKWARD);
    assert_eq!(
        (
            got[0].voucher_sn,
            got[0].state,
            got[0].mode,
            got[0].is_transferable
        ),
        (7, 3, 2, true)
    );
    assert_eq!(got[0].expiration_date, Some(DateTime::INFINITE));
    assert_eq!(got[1].expiration_date, None);
    assert!(!got[1].is_transferable);
}

#[test]
fn round_trip_faults() {
    let spv = [
        SpvFaultOut {
            name: "Device.ManagementServer.PeriodicInformInterval",
            code: FaultCode::INVALID_PARAMETER_VALUE,
        },
        SpvFaultOut {
            name: AWKWARD,
            code: FaultCode::NON_WRITABLE_PARAMETER,
        },
        SpvFaultOut {
            name: "Device.Nope",
            code: FaultCode::INVALID_PARAMETER_NAME,
        },
        SpvFaultOut {
            name: "Device.Int",
            code: FaultCode::INVALID_PARAMETER_TYPE,
        },
    ];
    let list = spv.as_slice();
    let body = write::Fault {
        code: FaultCode::INVALID_ARGUMENTS,
        string: None,
        spv_faults: Some(&list),
    };
    let bytes = round_trip("Fault", CwmpNs::V1_2, &body);
    sample("fault_9003_spv", &bytes);
    let CpeMessage::Fault(f) = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(f.faultcode, "Client");
    assert_eq!(f.faultstring, "CWMP fault");
    assert_eq!(f.code, FaultCode(9003));
    assert_eq!(f.string, "Invalid arguments");
    let got: Vec<(String, FaultCode, String)> = f
        .spv_faults
        .iter()
        .map(|x| (s(x.name), x.code, s(x.string)))
        .collect();
    let want: Vec<(String, FaultCode, String)> = spv
        .iter()
        .map(|x| (x.name.to_string(), x.code, x.code.description().to_string()))
        .collect();
    assert_eq!(got, want);

    for code in (9000..=9032).map(FaultCode) {
        let bytes = round_trip("Fault", CwmpNs::V1_2, &write::Fault::new(code));
        let CpeMessage::Fault(f) = parsed(&bytes) else {
            panic!()
        };
        assert_eq!(f.code, code);
        assert_eq!(
            f.faultcode,
            if code.is_client() { "Client" } else { "Server" }
        );
        assert_eq!(f.string, code.description());
        assert!(f.spv_faults.is_empty());
        if code.0 == 9000 || code.0 == 9005 {
            sample(&format!("fault_{}", code.0), &bytes);
        }
    }
    let custom = write::Fault {
        code: FaultCode(9800),
        string: Some(AWKWARD),
        spv_faults: None,
    };
    let bytes = round_trip("Fault", CwmpNs::V1_2, &custom);
    sample("fault_vendor", &bytes);
    let CpeMessage::Fault(f) = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(f.string, AWKWARD);
}

#[test]
fn must_understand_fault_is_soap_fault() {
    let bytes = encode_to_vec(
        CwmpNs::V1_2,
        &HeaderOut {
            id: Some("9"),
            ..Default::default()
        },
        &MustUnderstandFault { entry: "Foo" },
    );
    sample("fault_must_understand", &bytes);
    let env = Envelope::parse(&bytes).unwrap();
    assert!(env.is_fault());
    let f = env.method_element();
    assert_eq!(
        f.child("faultcode").unwrap().text().unwrap(),
        "soap-env:MustUnderstand"
    );
    assert!(
        f.child("faultstring")
            .unwrap()
            .text()
            .unwrap()
            .to_string()
            .contains("Foo")
    );
}

#[test]
fn encoding_is_repeatable_and_counting_matches() {
    let values = [ParameterValueOut {
        name: "Device.A",
        value: AWKWARD,
        value_type: ValueType::String,
    }];
    let body = GetParameterValuesResponse {
        parameters: &values.as_slice(),
    };
    let header = HeaderOut {
        id: Some("x"),
        ..Default::default()
    };
    let mut counter = crate::sink::CountingSink::new();
    write::encode(&mut counter, CwmpNs::V1_2, &header, &body).unwrap();
    let a = encode_to_vec(CwmpNs::V1_2, &header, &body);
    let b = encode_to_vec(CwmpNs::V1_2, &header, &body);
    assert_eq!(a, b);
    assert_eq!(counter.count(), a.len());
}

#[test]
fn list_written_on_the_fly_declares_its_count() {
    let list = FnEntries::new(3, |out: &mut EntryWriter<'_, ParameterValueStruct>| {
        for i in 0..3u32 {
            let name = format!("Device.Gen.{i}");
            out.push(&name, &i.to_string(), ValueType::UnsignedInt)?;
        }
        Ok(())
    });
    let bytes = encode_to_vec(
        CwmpNs::V1_2,
        &HeaderOut::default(),
        &GetParameterValuesResponse { parameters: &list },
    );
    assert!(String::from_utf8_lossy(&bytes).contains("cwmp:ParameterValueStruct[3]"));
    let CpeMessage::GetParameterValuesResponse { parameters } = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(
        parameters.iter().map(|p| s(p.value)).collect::<Vec<_>>(),
        ["0", "1", "2"]
    );
}

#[test]
fn list_count_mismatch_is_an_error() {
    let list = FnEntries::new(2, |out: &mut EntryWriter<'_, ParameterValueStruct>| {
        out.push("Device.A", "", ValueType::String)
    });
    let mut sink = VecSink::default();
    let err = write::encode(
        &mut sink,
        CwmpNs::V1_2,
        &HeaderOut::default(),
        &GetParameterValuesResponse { parameters: &list },
    );
    assert_eq!(
        err,
        Err(EncodeError::CountMismatch {
            declared: 2,
            written: 1
        })
    );
}

#[test]
fn full_sink_is_an_error_not_a_panic() {
    let mut buf = [0u8; 100];
    let mut sink = crate::sink::SliceSink::new(&mut buf);
    let err = write::encode(
        &mut sink,
        CwmpNs::V1_2,
        &HeaderOut::default(),
        &Empty::RebootResponse,
    );
    assert_eq!(err, Err(EncodeError::Full));
}

#[test]
fn control_characters_are_replaced_not_emitted() {
    let values = [ParameterValueOut {
        name: "Device.A",
        value: "a\u{1}b",
        value_type: ValueType::String,
    }];
    let bytes = encode_to_vec(
        CwmpNs::V1_2,
        &HeaderOut::default(),
        &GetParameterValuesResponse {
            parameters: &values.as_slice(),
        },
    );
    let CpeMessage::GetParameterValuesResponse { parameters } = parsed(&bytes) else {
        panic!()
    };
    assert_eq!(parameters.iter().next().unwrap().value, "a\u{FFFD}b");
}

// ---------------------------------------------------------------------------------------------
// Namespaces, headers and versions

fn envelope(ns_decls: &str, header: &str, body: &str) -> String {
    format!(
        "<soap-env:Envelope xmlns:soap-env=\"http://schemas.xmlsoap.org/soap/envelope/\" {ns_decls}>\
         <soap-env:Header>{header}</soap-env:Header><soap-env:Body>{body}</soap-env:Body></soap-env:Envelope>"
    )
}

#[test]
fn any_prefix_and_default_namespace_are_accepted() {
    let docs = [
        "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"http://schemas.xmlsoap.org/soap/envelope/\" xmlns:c=\"urn:dslforum-org:cwmp-1-0\"><SOAP-ENV:Body><c:Reboot><CommandKey>x</CommandKey></c:Reboot></SOAP-ENV:Body></SOAP-ENV:Envelope>".to_string(),
        "<soap_env:Envelope xmlns:soap_env=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap_env:Body><Reboot xmlns=\"urn:dslforum-org:cwmp-1-1\"><CommandKey>x</CommandKey></Reboot></soap_env:Body></soap_env:Envelope>".to_string(),
        "<Envelope xmlns=\"http://schemas.xmlsoap.org/soap/envelope/\"><Body><cwmp:Reboot xmlns:cwmp=\"urn:dslforum-org:cwmp-1-4\"><CommandKey xmlns=\"\">x</CommandKey></cwmp:Reboot></Body></Envelope>".to_string(),
    ];
    let want = [CwmpNs::V1_0, CwmpNs::V1_1, CwmpNs::V1_4];
    for (doc, ns) in docs.iter().zip(want) {
        let env = Envelope::parse(doc.as_bytes()).unwrap();
        assert_eq!(env.cwmp_ns(), Some(ns));
        let AcsMessage::Reboot { command_key } = env.acs_message().unwrap() else {
            panic!("{doc}")
        };
        assert_eq!(command_key, "x");
    }
}

#[test]
fn every_cwmp_namespace_is_accepted() {
    for ns in [
        CwmpNs::V1_0,
        CwmpNs::V1_1,
        CwmpNs::V1_2,
        CwmpNs::V1_3,
        CwmpNs::V1_4,
    ] {
        let doc = envelope(
            &format!("xmlns:cwmp=\"{}\"", ns.uri()),
            "",
            "<cwmp:FactoryReset/>",
        );
        let env = Envelope::parse(doc.as_bytes()).unwrap();
        assert_eq!(env.cwmp_ns(), Some(ns));
        assert!(matches!(
            env.acs_message().unwrap(),
            AcsMessage::FactoryReset
        ));
    }
    let doc = envelope(
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-9\"",
        "",
        "<cwmp:FactoryReset/>",
    );
    let env = Envelope::parse(doc.as_bytes()).unwrap();
    assert_eq!(env.cwmp_ns(), None);
    assert!(matches!(
        env.acs_message().unwrap(),
        AcsMessage::Unknown {
            name: "FactoryReset"
        }
    ));
}

#[test]
fn cwmp_1_4_headers_are_read() {
    let header = "<cwmp:ID soap-env:mustUnderstand=\"1\">abc</cwmp:ID>\
        <cwmp:UseCWMPVersion soap-env:mustUnderstand=\"1\">1.4</cwmp:UseCWMPVersion>\
        <cwmp:HoldRequests soap-env:mustUnderstand=\"1\">true</cwmp:HoldRequests>\
        <cwmp:NoMoreRequests>1</cwmp:NoMoreRequests>\
        <cwmp:SessionTimeout>90</cwmp:SessionTimeout>\
        <cwmp:SupportedCWMPVersions>1.0,1.4</cwmp:SupportedCWMPVersions>";
    let doc = envelope(
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"",
        header,
        "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>",
    );
    let env = Envelope::parse(doc.as_bytes()).unwrap();
    let h = env.header;
    assert_eq!(h.id.unwrap(), "abc");
    assert_eq!(
        CwmpVersion::parse(h.use_cwmp_version.unwrap().raw()),
        Some(CwmpVersion::V1_4)
    );
    assert_eq!(h.hold_requests, Some(true));
    assert_eq!(h.no_more_requests, Some(true));
    assert_eq!(h.session_timeout, Some(90));
    assert_eq!(h.supported_cwmp_versions.unwrap(), "1.0,1.4");
    assert_eq!(h.not_understood, None);
    assert_eq!(h.cwmp_ns, Some(CwmpNs::V1_2));
}

#[test]
fn unknown_must_understand_header_is_reported() {
    let header = "<cwmp:ID soap-env:mustUnderstand=\"1\">7</cwmp:ID>\
        <x:Ignored xmlns:x=\"urn:vendor\" soap-env:mustUnderstand=\"0\">1</x:Ignored>\
        <x:Secret xmlns:x=\"urn:vendor\" soap-env:mustUnderstand=\"1\">1</x:Secret>";
    let doc = envelope(
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"",
        header,
        "<cwmp:FactoryReset/>",
    );
    let env = Envelope::parse(doc.as_bytes()).unwrap();
    assert_eq!(
        env.header.not_understood,
        Some(HeaderEntry {
            namespace: "urn:vendor",
            local: "Secret"
        })
    );
    assert_eq!(env.header.id.unwrap(), "7");
    // A malformed known entry that must be understood is reported the same way.
    let header = "<cwmp:HoldRequests soap-env:mustUnderstand=\"1\">maybe</cwmp:HoldRequests>";
    let doc = envelope(
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"",
        header,
        "<cwmp:FactoryReset/>",
    );
    let env = Envelope::parse(doc.as_bytes()).unwrap();
    assert_eq!(env.header.not_understood.unwrap().local, "HoldRequests");
    assert_eq!(env.header.hold_requests, None);
}

#[test]
fn soap_1_2_envelope_is_refused() {
    let doc =
        "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\"><e:Body/></e:Envelope>";
    assert_eq!(
        Envelope::parse(doc.as_bytes()).unwrap_err(),
        SoapError::Soap12
    );
}

#[test]
fn structural_errors_are_typed() {
    assert_eq!(
        Envelope::parse(b"<html/>").unwrap_err(),
        SoapError::NotEnvelope
    );
    let no_body = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header/></e:Envelope>";
    assert_eq!(
        Envelope::parse(no_body.as_bytes()).unwrap_err(),
        SoapError::BadStructure
    );
    let empty_body = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body></e:Body></e:Envelope>";
    assert_eq!(
        Envelope::parse(empty_body.as_bytes()).unwrap_err(),
        SoapError::BadStructure
    );
    let two_headers = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Header/><e:Header/><e:Body><x/></e:Body></e:Envelope>";
    assert_eq!(
        Envelope::parse(two_headers.as_bytes()).unwrap_err(),
        SoapError::BadStructure
    );
    let dtd = "<!DOCTYPE e [<!ENTITY x \"y\">]><e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body>&x;</e:Body></e:Envelope>";
    assert_eq!(
        Envelope::parse(dtd.as_bytes()).unwrap_err(),
        SoapError::Xml(crate::xml::XmlError::Dtd)
    );
    assert_eq!(
        Envelope::parse(b"\xff\xfe").unwrap_err(),
        SoapError::Xml(crate::xml::XmlError::InvalidUtf8)
    );
    let entity = envelope("", "", "<x>&bogus;</x>");
    assert_eq!(
        Envelope::parse(entity.as_bytes()).unwrap_err(),
        SoapError::Xml(crate::xml::XmlError::UndefinedEntity)
    );
}

#[test]
fn over_long_id_is_refused() {
    let id = "i".repeat(crate::limits::SOAP_MAX_ID_LEN + 1);
    let doc = envelope(
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"",
        &format!("<cwmp:ID>{id}</cwmp:ID>"),
        "<cwmp:FactoryReset/>",
    );
    assert_eq!(
        Envelope::parse(doc.as_bytes()).unwrap_err(),
        SoapError::IdTooLong
    );
    let id = "i".repeat(crate::limits::SOAP_MAX_ID_LEN);
    let doc = envelope(
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\"",
        &format!("<cwmp:ID>{id}</cwmp:ID>"),
        "<cwmp:FactoryReset/>",
    );
    assert!(Envelope::parse(doc.as_bytes()).is_ok());
}

// ---------------------------------------------------------------------------------------------
// Every ACS request, with its arguments

fn acs_body(body: &str) -> String {
    envelope(
        "xmlns:cwmp=\"urn:dslforum-org:cwmp-1-2\" xmlns:soap-enc=\"http://schemas.xmlsoap.org/soap/encoding/\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\"",
        "<cwmp:ID soap-env:mustUnderstand=\"1\">id-1</cwmp:ID>",
        body,
    )
}

fn with_acs<R>(body: &str, f: impl FnOnce(AcsMessage<'_>) -> R) -> R {
    let doc = acs_body(body);
    let env = Envelope::parse(doc.as_bytes()).unwrap_or_else(|e| panic!("{e}: {doc}"));
    f(env.acs_message().unwrap_or_else(|e| panic!("{e}: {doc}")))
}

fn acs_error(body: &str) -> ArgError {
    let doc = acs_body(body);
    let env = Envelope::parse(doc.as_bytes()).unwrap();
    env.acs_message().unwrap_err()
}

#[test]
fn value_without_type_is_string_and_unknown_type_is_flagged() {
    let body = "<cwmp:SetParameterValues><ParameterList soap-enc:arrayType=\"cwmp:ParameterValueStruct[3]\">\
        <ParameterValueStruct><Name>Device.A</Name><Value>plain</Value></ParameterValueStruct>\
        <ParameterValueStruct><Name>Device.B</Name><Value xsi:type=\"xsd:float\">1.5</Value></ParameterValueStruct>\
        <ParameterValueStruct><Name>Device.C</Name><Value xmlns:t=\"http://www.w3.org/2001/XMLSchema\" xsi:type=\"t:int\">-3</Value></ParameterValueStruct>\
        </ParameterList><ParameterKey>pk</ParameterKey></cwmp:SetParameterValues>";
    with_acs(body, |m| {
        let AcsMessage::SetParameterValues(spv) = m else {
            panic!()
        };
        assert_eq!(spv.parameter_key, "pk");
        let types: Vec<ValueType> = spv.parameters.iter().map(|p| p.value_type).collect();
        assert_eq!(
            types,
            [ValueType::String, ValueType::Unknown, ValueType::Int]
        );
    });
}

#[test]
fn every_acs_request_parses_with_arguments() {
    with_acs("<cwmp:GetRPCMethods/>", |m| {
        assert!(matches!(m, AcsMessage::GetRPCMethods))
    });
    with_acs(
        "<cwmp:SetParameterAttributes><ParameterList soap-enc:arrayType=\"cwmp:SetParameterAttributesStruct[1]\">\
        <SetParameterAttributesStruct><Name>Device.DeviceInfo.</Name><NotificationChange>true</NotificationChange>\
        <Notification>2</Notification><AccessListChange>0</AccessListChange>\
        <AccessList soap-enc:arrayType=\"xsd:string[1]\"><string>Subscriber</string></AccessList>\
        </SetParameterAttributesStruct></ParameterList></cwmp:SetParameterAttributes>",
        |m| {
            let AcsMessage::SetParameterAttributes { parameters } = m else {
                panic!()
            };
            let p = parameters.iter().next().unwrap();
            assert_eq!(p.name, "Device.DeviceInfo.");
            assert!(p.notification_change);
            assert_eq!(p.notification, 2);
            assert!(!p.access_list_change);
            assert_eq!(strings(&p.access_list), ["Subscriber"]);
        },
    );
    with_acs(
        "<cwmp:GetParameterAttributes><ParameterNames soap-enc:arrayType=\"xsd:string[2]\"><string>Device.A</string><string></string></ParameterNames></cwmp:GetParameterAttributes>",
        |m| {
            let AcsMessage::GetParameterAttributes { names } = m else {
                panic!()
            };
            assert_eq!(strings(&names), ["Device.A", ""]);
        },
    );
    with_acs(
        "<cwmp:Upload><CommandKey>up</CommandKey><FileType>2 Vendor Log File</FileType><URL>http://h/p?a=1&amp;b=2</URL>\
        <Username>u</Username><Password>p</Password><DelaySeconds>30</DelaySeconds></cwmp:Upload>",
        |m| {
            let AcsMessage::Upload(u) = m else { panic!() };
            assert_eq!(
                (
                    u.command_key,
                    u.file_type,
                    u.url,
                    u.username,
                    u.password,
                    u.delay_seconds
                ),
                (
                    Text::verbatim("up"),
                    Text::verbatim("2 Vendor Log File"),
                    Text::verbatim("http://h/p?a=1&b=2"),
                    Text::verbatim("u"),
                    Text::verbatim("p"),
                    30
                )
            );
        },
    );
    with_acs("<cwmp:GetQueuedTransfers/>", |m| {
        assert!(matches!(m, AcsMessage::GetQueuedTransfers))
    });
    with_acs(
        "<cwmp:GetAllQueuedTransfers></cwmp:GetAllQueuedTransfers>",
        |m| assert!(matches!(m, AcsMessage::GetAllQueuedTransfers)),
    );
    with_acs(
        "<cwmp:ScheduleInform><DelaySeconds>600</DelaySeconds><CommandKey>sched</CommandKey></cwmp:ScheduleInform>",
        |m| {
            let AcsMessage::ScheduleInform {
                delay_seconds,
                command_key,
            } = m
            else {
                panic!()
            };
            assert_eq!((delay_seconds, command_key), (600, Text::verbatim("sched")));
        },
    );
    with_acs(
        "<cwmp:SetVouchers><VoucherList soap-enc:arrayType=\"xsd:base64[2]\"><base64>QUJD</base64><base64>REVG</base64></VoucherList></cwmp:SetVouchers>",
        |m| {
            let AcsMessage::SetVouchers { vouchers } = m else {
                panic!()
            };
            assert_eq!(
                vouchers.iter().map(|v| s(v.0)).collect::<Vec<_>>(),
                ["QUJD", "REVG"]
            );
        },
    );
    with_acs(
        "<cwmp:GetOptions><OptionName>opt</OptionName></cwmp:GetOptions>",
        |m| {
            let AcsMessage::GetOptions { option_name } = m else {
                panic!()
            };
            assert_eq!(option_name, "opt");
        },
    );
    with_acs(
        "<cwmp:ScheduleDownload><CommandKey>sd</CommandKey><FileType>1 Firmware Upgrade Image</FileType><URL>http://f/x</URL>\
        <Username/><Password/><FileSize>10</FileSize><TargetFileName>t</TargetFileName>\
        <TimeWindowList soap-enc:arrayType=\"cwmp:TimeWindowStruct[2]\">\
        <TimeWindowStruct><WindowStart>0</WindowStart><WindowEnd>60</WindowEnd><WindowMode>1 At Any Time</WindowMode><UserMessage></UserMessage><MaxRetries>-1</MaxRetries></TimeWindowStruct>\
        <TimeWindowStruct><WindowStart>3600</WindowStart><WindowEnd>7200</WindowEnd><WindowMode>2 Immediately</WindowMode><UserMessage>hi</UserMessage><MaxRetries>3</MaxRetries></TimeWindowStruct>\
        </TimeWindowList></cwmp:ScheduleDownload>",
        |m| {
            let AcsMessage::ScheduleDownload(sd) = m else {
                panic!()
            };
            assert_eq!(sd.command_key, "sd");
            assert_eq!(sd.file_size, 10);
            assert_eq!(sd.target_file_name, "t");
            let w: Vec<TimeWindow<'_>> = sd.time_windows.iter().collect();
            assert_eq!(w.len(), 2);
            assert_eq!((w[0].start, w[0].end, w[0].max_retries), (0, 60, -1));
            assert_eq!(w[0].mode, "1 At Any Time");
            assert_eq!((w[1].start, w[1].end, w[1].max_retries), (3600, 7200, 3));
            assert_eq!(w[1].user_message, "hi");
        },
    );
    with_acs(
        "<cwmp:CancelTransfer><CommandKey>ck</CommandKey></cwmp:CancelTransfer>",
        |m| {
            let AcsMessage::CancelTransfer { command_key } = m else {
                panic!()
            };
            assert_eq!(command_key, "ck");
        },
    );
    with_acs(
        "<cwmp:ChangeDUState>\
        <Operations xsi:type=\"cwmp:InstallOpStruct\"><URL>http://du/a.ipk</URL><UUID>6ba7b810-9dad-11d1-80b4-00c04fd430c8</UUID><Username>u</Username><Password>p</Password><ExecutionEnvRef>Device.SoftwareModules.ExecEnv.1</ExecutionEnvRef></Operations>\
        <Operations xsi:type=\"cwmp:UpdateOpStruct\"><UUID>6ba7b810-9dad-11d1-80b4-00c04fd430c8</UUID><Version>2</Version></Operations>\
        <Operations xsi:type=\"cwmp:UninstallOpStruct\"><UUID>6ba7b810-9dad-11d1-80b4-00c04fd430c8</UUID></Operations>\
        <CommandKey>du</CommandKey></cwmp:ChangeDUState>",
        |m| {
            let AcsMessage::ChangeDUState {
                operations,
                command_key,
            } = m
            else {
                panic!()
            };
            assert_eq!(command_key, "du");
            let ops: Vec<Operation<'_>> = operations.iter().collect();
            assert_eq!(ops.len(), 3);
            let Operation::Install {
                url,
                uuid,
                username,
                password,
                execution_env_ref,
            } = ops[0]
            else {
                panic!()
            };
            assert_eq!(url, "http://du/a.ipk");
            assert_eq!(uuid.unwrap(), "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
            assert_eq!(
                (username.unwrap(), password.unwrap()),
                (Text::verbatim("u"), Text::verbatim("p"))
            );
            assert_eq!(
                execution_env_ref.unwrap(),
                "Device.SoftwareModules.ExecEnv.1"
            );
            let Operation::Update { version, url, .. } = ops[1] else {
                panic!()
            };
            assert_eq!(version.unwrap(), "2");
            assert!(url.is_none());
            assert!(matches!(ops[2], Operation::Uninstall { version: None, .. }));
        },
    );
}

#[test]
fn acs_responses_parse() {
    with_acs("<cwmp:AutonomousTransferCompleteResponse/>", |m| {
        assert!(matches!(m, AcsMessage::AutonomousTransferCompleteResponse))
    });
    with_acs("<cwmp:DUStateChangeCompleteResponse/>", |m| {
        assert!(matches!(m, AcsMessage::DUStateChangeCompleteResponse))
    });
    with_acs("<cwmp:AutonomousDUStateChangeCompleteResponse/>", |m| {
        assert!(matches!(
            m,
            AcsMessage::AutonomousDUStateChangeCompleteResponse
        ))
    });
    with_acs("<cwmp:RequestDownloadResponse/>", |m| {
        assert!(matches!(m, AcsMessage::RequestDownloadResponse))
    });
    with_acs(
        "<cwmp:KickedResponse><NextURL>http://n/</NextURL></cwmp:KickedResponse>",
        |m| {
            let AcsMessage::KickedResponse { next_url } = m else {
                panic!()
            };
            assert_eq!(next_url, "http://n/");
        },
    );
    for code in 8000..=8006 {
        let body = format!(
            "<soap-env:Fault><faultcode>Server</faultcode><faultstring>CWMP fault</faultstring>\
            <detail><cwmp:Fault><FaultCode>{code}</FaultCode><FaultString>why</FaultString></cwmp:Fault></detail></soap-env:Fault>"
        );
        let doc = acs_body(&body);
        let env = Envelope::parse(doc.as_bytes()).unwrap();
        assert!(env.is_fault());
        assert_eq!(env.cwmp_ns(), Some(CwmpNs::V1_2));
        let AcsMessage::Fault(f) = env.acs_message().unwrap() else {
            panic!()
        };
        assert_eq!(f.code, FaultCode(code));
        assert_eq!(f.string, "why");
        assert_eq!(f.faultcode, "Server");
    }
}

#[test]
fn unknown_methods_are_reported_by_name() {
    with_acs(
        "<cwmp:X_ACME_Frobnicate><A>1</A></cwmp:X_ACME_Frobnicate>",
        |m| {
            assert!(matches!(
                m,
                AcsMessage::Unknown {
                    name: "X_ACME_Frobnicate"
                }
            ));
            assert!(m.is_request());
        },
    );
    with_acs("<cwmp:FrobResponse/>", |m| assert!(!m.is_request()));
}

#[test]
fn argument_errors_are_typed() {
    let e = acs_error(
        "<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath><NextLevel>maybe</NextLevel></cwmp:GetParameterNames>",
    );
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::Invalid,
            field: "NextLevel"
        }
    );
    assert_eq!(e.fault_code(), FaultCode::INVALID_ARGUMENTS);
    let e = acs_error(
        "<cwmp:GetParameterNames><ParameterPath>Device.</ParameterPath></cwmp:GetParameterNames>",
    );
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::Missing,
            field: "NextLevel"
        }
    );
    let e = acs_error(
        "<cwmp:ScheduleInform><DelaySeconds>-1</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
    );
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::Invalid,
            field: "DelaySeconds"
        }
    );
    let e = acs_error(
        "<cwmp:ScheduleInform><DelaySeconds>4294967296</DelaySeconds><CommandKey/></cwmp:ScheduleInform>",
    );
    assert_eq!(e.kind, ArgErrorKind::Invalid);
    let e = acs_error(&format!(
        "<cwmp:Reboot><CommandKey>{}</CommandKey></cwmp:Reboot>",
        "k".repeat(33)
    ));
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::TooLong,
            field: "CommandKey"
        }
    );
    // 32 characters that take more than 32 bytes are fine.
    with_acs(
        &format!(
            "<cwmp:Reboot><CommandKey>{}</CommandKey></cwmp:Reboot>",
            "é".repeat(32)
        ),
        |m| {
            assert!(matches!(m, AcsMessage::Reboot { .. }));
        },
    );
    let e = acs_error(&format!(
        "<cwmp:AddObject><ObjectName>{}.</ObjectName><ParameterKey/></cwmp:AddObject>",
        "n".repeat(256)
    ));
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::TooLong,
            field: "ObjectName"
        }
    );
    let e = acs_error(
        "<cwmp:GetParameterValues><ParameterNames><string><b/></string></ParameterNames></cwmp:GetParameterValues>",
    );
    assert_eq!(e.kind, ArgErrorKind::Invalid);
    let e = acs_error(
        "<cwmp:ChangeDUState><Operations xsi:type=\"cwmp:BogusOpStruct\"><UUID>x</UUID></Operations></cwmp:ChangeDUState>",
    );
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::Invalid,
            field: "Operations"
        }
    );
    let e = acs_error("<cwmp:ChangeDUState><CommandKey/></cwmp:ChangeDUState>");
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::Missing,
            field: "Operations"
        }
    );
    let e = acs_error(
        "<cwmp:SetParameterAttributes><ParameterList><SetParameterAttributesStruct><Name>Device.A</Name>\
        <NotificationChange>1</NotificationChange><Notification>7</Notification><AccessListChange>0</AccessListChange>\
        <AccessList/></SetParameterAttributesStruct></ParameterList></cwmp:SetParameterAttributes>",
    );
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::Invalid,
            field: "Notification"
        }
    );
}

#[test]
fn genieacs_access_list_only_change_with_empty_notification_is_read() {
    // GenieACS writes <Notification></Notification> when it only changes the access list.
    with_acs(
        "<cwmp:SetParameterAttributes><ParameterList soap-enc:arrayType=\"cwmp:SetParameterAttributesStruct[1]\">\
        <SetParameterAttributesStruct><Name>Device.A</Name><NotificationChange>false</NotificationChange>\
        <Notification></Notification><AccessListChange>true</AccessListChange>\
        <AccessList soap-enc:arrayType=\"xsd:string[0]\"></AccessList></SetParameterAttributesStruct></ParameterList></cwmp:SetParameterAttributes>",
        |m| {
            let AcsMessage::SetParameterAttributes { parameters } = m else {
                panic!()
            };
            let p = parameters.iter().next().unwrap();
            assert!(!p.notification_change && p.access_list_change);
            assert!(p.access_list.is_empty());
        },
    );
    // When the notification is to be applied, it must be valid.
    let e = acs_error(
        "<cwmp:SetParameterAttributes><ParameterList><SetParameterAttributesStruct><Name>Device.A</Name>\
        <NotificationChange>true</NotificationChange><Notification></Notification><AccessListChange>false</AccessListChange>\
        </SetParameterAttributesStruct></ParameterList></cwmp:SetParameterAttributes>",
    );
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::Invalid,
            field: "Notification"
        }
    );
}

#[test]
fn list_limits_are_enforced() {
    let windows = "<TimeWindowStruct><WindowStart>0</WindowStart><WindowEnd>1</WindowEnd><WindowMode>1 At Any Time</WindowMode><UserMessage/><MaxRetries>0</MaxRetries></TimeWindowStruct>".repeat(3);
    let e = acs_error(&format!(
        "<cwmp:ScheduleDownload><CommandKey/><FileType>1 Firmware Upgrade Image</FileType><URL>http://x</URL><Username/><Password/><FileSize>0</FileSize><TargetFileName/><TimeWindowList>{windows}</TimeWindowList></cwmp:ScheduleDownload>"
    ));
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::TooMany,
            field: "TimeWindowList"
        }
    );
    assert_eq!(e.fault_code(), FaultCode::RESOURCES_EXCEEDED);
    let e = acs_error(
        "<cwmp:ScheduleDownload><CommandKey/><FileType>1 Firmware Upgrade Image</FileType><URL>http://x</URL><Username/><Password/><FileSize>0</FileSize><TargetFileName/><TimeWindowList/></cwmp:ScheduleDownload>",
    );
    assert_eq!(e.kind, ArgErrorKind::Missing);
    let names = "<string>Device.A</string>".repeat(crate::limits::SOAP_MAX_LIST_ITEMS + 1);
    let e = acs_error(&format!(
        "<cwmp:GetParameterValues><ParameterNames>{names}</ParameterNames></cwmp:GetParameterValues>"
    ));
    assert_eq!(
        e,
        ArgError {
            kind: ArgErrorKind::TooMany,
            field: "ParameterNames"
        }
    );
}

#[test]
fn large_set_parameter_values_reads_without_allocation() {
    let mut body = String::from(
        "<cwmp:SetParameterValues><ParameterList soap-enc:arrayType=\"cwmp:ParameterValueStruct[1000]\">",
    );
    for i in 0..1000 {
        body.push_str(&format!("<ParameterValueStruct><Name>Device.X.{i}.Value</Name><Value xsi:type=\"xsd:unsignedInt\">{i}</Value></ParameterValueStruct>"));
    }
    body.push_str("</ParameterList><ParameterKey>k</ParameterKey></cwmp:SetParameterValues>");
    with_acs(&body, |m| {
        let AcsMessage::SetParameterValues(spv) = m else {
            panic!()
        };
        assert_eq!(spv.parameters.len(), 1000);
        let sum: u64 = spv
            .parameters
            .iter()
            .map(|p| read::parse_u32(p.value).unwrap() as u64)
            .sum();
        assert_eq!(sum, 999 * 1000 / 2);
    });
}

#[test]
fn versions_and_namespaces_map_both_ways() {
    for v in CwmpVersion::ALL {
        assert_eq!(CwmpVersion::parse(v.as_str()), Some(v));
        assert!(v.normative_ns().max_version() >= v);
    }
    assert_eq!(CwmpVersion::parse(" 1.4 "), Some(CwmpVersion::V1_4));
    assert_eq!(CwmpVersion::parse("2.0"), None);
    assert_eq!(CwmpNs::V1_3.max_version(), CwmpVersion::V1_4);
    assert_eq!(CwmpNs::V1_1.max_version(), CwmpVersion::V1_1);
    for ns in [
        CwmpNs::V1_0,
        CwmpNs::V1_1,
        CwmpNs::V1_2,
        CwmpNs::V1_3,
        CwmpNs::V1_4,
    ] {
        assert_eq!(CwmpNs::from_uri(ns.uri()), Some(ns));
    }
    let _ = vec![0u8; 0];
}
