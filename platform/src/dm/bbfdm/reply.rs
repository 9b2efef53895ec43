//! The shapes of bbfdm's replies and the meaning of its fault codes.
//!
//! Responsible for reading the `results` arrays every bbfdm method answers with (entries of
//! `path`, `data`, `type`, `fault`, `fault_msg`, as documented in bbfdm's
//! `docs/api/ubus/bbfdm.json` and shown in `testdata/vectors/ubus/c4_call_bbfdm_get`), the
//! `transaction` reply (`status`, `transaction_id`), bbfdm's type names and fault codes. With
//! `"proto": "cwmp"` bbfdm reports the CWMP codes themselves (9005, 9007…, `FAULT_9xxx` in
//! libbbfdm-api); the USP codes (7xxx) it uses otherwise are mapped to their CWMP meaning.
//! Not responsible for making calls (`conn`).

use cwmp_core::soap::{FaultCode, ValueType};
use cwmp_core::ubus::blobmsg::{Table, Value};

/// One entry of a `results` array.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Entry<'a> {
    /// `path`: a parameter name, an object path, or the path the call was about.
    pub path: &'a str,
    /// `data`: a value, an instance number, or `"1"`/`"0"` (writable, done).
    pub data: Option<&'a str>,
    /// `type`: `xsd:string`… or `xsd:object`.
    pub ty: Option<&'a str>,
    /// `fault`: a fault code.
    pub fault: Option<u32>,
    /// `fault_msg`: bbfdm's explanation.
    pub fault_msg: Option<&'a str>,
}

impl Entry<'_> {
    /// True for an object (`type` `xsd:object`, or a path ending in `.`).
    pub fn is_object(&self) -> bool {
        self.ty == Some("xsd:object") || self.path.ends_with('.')
    }

    /// True when `data` says writable / done (`"1"` or `"true"`).
    pub fn data_true(&self) -> bool {
        matches!(self.data, Some("1" | "true"))
    }
}

fn text<'a>(v: Value<'a>) -> Option<&'a str> {
    v.as_str()
}

fn number(v: Value<'_>) -> Option<i64> {
    v.as_i64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

/// Every entry of every `results` array in one reply table (bbfdm may repeat the member, as
/// `add` with `obj_path` does).
pub fn entries<'a>(data: Table<'a>) -> impl Iterator<Item = Entry<'a>> {
    data.iter()
        .filter(|f| f.name == b"results")
        .filter_map(|f| f.value.as_array())
        .flat_map(|a| a.iter())
        .filter_map(|v| v.as_table())
        .map(|t| {
            let mut e = Entry::default();
            for f in t.iter() {
                match f.name {
                    b"path" => e.path = text(f.value).unwrap_or(""),
                    b"data" => e.data = text(f.value),
                    b"type" => e.ty = text(f.value),
                    b"fault" => e.fault = number(f.value).and_then(|n| u32::try_from(n).ok()),
                    b"fault_msg" => e.fault_msg = text(f.value),
                    _ => {}
                }
            }
            e
        })
}

/// The first fault in a reply, mapped to CWMP, with bbfdm's message.
pub fn first_fault<'a>(data: Table<'a>) -> Option<(FaultCode, &'a str, &'a str)> {
    entries(data).find_map(|e| {
        e.fault
            .map(|f| (fault_code(f), e.path, e.fault_msg.unwrap_or("")))
    })
}

/// The CWMP fault for a bbfdm fault code: CWMP codes as they are, USP codes (TR-369 Table 28)
/// by meaning, anything else 9002.
pub fn fault_code(code: u32) -> FaultCode {
    match code {
        9000..=9899 => FaultCode(code),
        // Request denied, permission denied, object not deletable.
        7002 | 7006 | 7020 => FaultCode::REQUEST_DENIED,
        // Message not understood, invalid arguments.
        7001 | 7004 => FaultCode::INVALID_ARGUMENTS,
        7005 => FaultCode::RESOURCES_EXCEEDED,
        // Invalid path, unsupported parameter, object does not exist, not a table or not
        // creatable, path not in the schema.
        7008 | 7010 | 7016 | 7018 | 7019 | 7026 => FaultCode::INVALID_PARAMETER_NAME,
        7011 => FaultCode::INVALID_PARAMETER_TYPE,
        7012 => FaultCode::INVALID_PARAMETER_VALUE,
        7013 => FaultCode::NON_WRITABLE_PARAMETER,
        _ => FaultCode::INTERNAL_ERROR,
    }
}

/// A bbfdm `type` (`xsd:unsignedInt`) as a value type; unknown names are strings.
pub fn value_type(ty: Option<&str>) -> ValueType {
    ty.and_then(|t| t.strip_prefix("xsd:"))
        .and_then(ValueType::from_name)
        .unwrap_or(ValueType::String)
}

/// The `transaction` reply: its `status` and, for `start`, the `transaction_id`.
pub fn transaction(data: Table<'_>) -> (bool, Option<u32>) {
    let status = data.get("status").is_some_and(|v| match v {
        Value::Int8(b) => b != 0,
        other => number(other).is_some_and(|n| n != 0),
    });
    // An int32 on the wire; ids above i32::MAX arrive negative and keep their bits.
    let id = data
        .get("transaction_id")
        .and_then(number)
        .map(|n| n as u32);
    (status, id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use cwmp_core::ubus::blob::Writer;

    fn table(
        build: impl FnOnce(&mut Writer<'_>) -> Result<(), cwmp_core::ubus::EncodeError>,
    ) -> Vec<u8> {
        let mut buf = vec![0u8; 4096];
        let mut w = Writer::new(&mut buf);
        build(&mut w).unwrap();
        let n = w.len();
        buf.truncate(n);
        buf
    }

    #[test]
    fn reads_the_c4_vector_reply() {
        // testdata/vectors/ubus/c4_call_bbfdm_get, message 07: the object's DATA.
        let raw = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/vectors/ubus/c4_call_bbfdm_get/07_C2_c2u_DATA.bin"
        ))
        .unwrap();
        let frame = cwmp_core::ubus::Frame::new_checked(&raw[..]).unwrap();
        let data = frame.attrs().unwrap().data_table().unwrap().unwrap();
        let got: Vec<(String, Option<String>, ValueType)> = entries(data)
            .map(|e| {
                (
                    e.path.to_string(),
                    e.data.map(str::to_string),
                    value_type(e.ty),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    "Device.DeviceInfo.Manufacturer".to_string(),
                    Some("OpenWrt".to_string()),
                    ValueType::String
                ),
                (
                    "Device.DeviceInfo.SerialNumber".to_string(),
                    Some("SN0001".to_string()),
                    ValueType::String
                ),
                (
                    "Device.DeviceInfo.UpTime".to_string(),
                    Some("4242".to_string()),
                    ValueType::UnsignedInt
                ),
            ]
        );
        assert_eq!(first_fault(data), None);
    }

    #[test]
    fn faults_are_found_and_mapped() {
        let bytes = table(|w| {
            w.array("results", |w| {
                w.table("", |w| {
                    w.put_str("path", "Device.Firewall.Config")?;
                    w.put_i32("fault", 9007)?;
                    w.put_str("fault_msg", "only 'Advanced'")
                })
            })
        });
        let t = Table::new_checked(&bytes).unwrap();
        assert_eq!(
            first_fault(t),
            Some((
                FaultCode::INVALID_PARAMETER_VALUE,
                "Device.Firewall.Config",
                "only 'Advanced'"
            ))
        );
    }

    #[test]
    fn usp_codes_map_to_their_cwmp_meaning() {
        assert_eq!(fault_code(9005), FaultCode::INVALID_PARAMETER_NAME);
        assert_eq!(fault_code(9008), FaultCode::NON_WRITABLE_PARAMETER);
        assert_eq!(fault_code(7026), FaultCode::INVALID_PARAMETER_NAME);
        assert_eq!(fault_code(7011), FaultCode::INVALID_PARAMETER_TYPE);
        assert_eq!(fault_code(7012), FaultCode::INVALID_PARAMETER_VALUE);
        assert_eq!(fault_code(7003), FaultCode::INTERNAL_ERROR);
        assert_eq!(fault_code(1), FaultCode::INTERNAL_ERROR);
    }

    #[test]
    fn repeated_results_members_are_all_read() {
        let bytes = table(|w| {
            w.array("results", |w| {
                w.table("", |w| {
                    w.put_str("path", "Device.T.")?;
                    w.put_str("data", "12")
                })
            })?;
            w.array("results", |w| {
                w.table("", |w| {
                    w.put_str("path", "Device.T.12.Enable")?;
                    w.put_str("data", "1")
                })
            })
        });
        let t = Table::new_checked(&bytes).unwrap();
        assert_eq!(entries(t).count(), 2);
    }

    #[test]
    fn transaction_replies() {
        let bytes = table(|w| {
            w.put_bool("status", true)?;
            w.put_i32("transaction_id", -1)
        });
        let t = Table::new_checked(&bytes).unwrap();
        assert_eq!(transaction(t), (true, Some(u32::MAX)));
        let bytes = table(|w| w.put_bool("status", false));
        assert_eq!(
            transaction(Table::new_checked(&bytes).unwrap()),
            (false, None)
        );
    }
}
