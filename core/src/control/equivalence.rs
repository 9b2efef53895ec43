//! The two codecs agree: the same arguments, as `ubus call` would convert them from JSON to
//! blobmsg (libubox `blobmsg_add_json_element`) and as a control-socket line, decode to the same
//! request or the same error.

use serde_json::Value as Json;

use super::{ControlError, Request, blobmsg, json};
use crate::ubus::blob::{EncodeError, Writer};
use crate::ubus::blobmsg::Table;

/// libubox's JSON to blobmsg conversion, as `ubus call` applies it.
fn put_json(w: &mut Writer<'_>, name: &str, v: &Json) -> Result<(), EncodeError> {
    match v {
        Json::Null => w.put_null(name),
        Json::Bool(b) => w.put_bool(name, *b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => match i32::try_from(i) {
                Ok(small) => w.put_i32(name, small),
                Err(_) => w.put_i64(name, i),
            },
            None => w.put_f64(name, n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => w.put_str(name, s),
        Json::Array(items) => w.array(name, |w| {
            for item in items {
                put_json(w, "", item)?;
            }
            Ok(())
        }),
        Json::Object(map) => w.table(name, |w| {
            for (k, item) in map {
                put_json(w, k, item)?;
            }
            Ok(())
        }),
    }
}

fn via_blobmsg(method: &str, args: &str) -> Result<Request, ControlError> {
    let parsed: Json = serde_json::from_str(args).unwrap();
    let mut buf = [0u8; 1024];
    let mut w = Writer::new(&mut buf);
    for (k, v) in parsed.as_object().unwrap() {
        put_json(&mut w, k, v).unwrap();
    }
    let table = Table::new_checked(w.written()).unwrap();
    blobmsg::decode_request(method.as_bytes(), table)
}

fn via_json(method: &str, args: &str) -> Result<Request, ControlError> {
    let line = std::format!("{{\"method\":\"{method}\",\"args\":{args}}}\n");
    json::decode_request(line.as_bytes())
}

const ARGS: &[&str] = &[
    "{}",
    r#"{"command":"reload_end_session"}"#,
    r#"{"command":"reload"}"#,
    r#"{"command":"reboot_end_session"}"#,
    r#"{"command":"action_end_session"}"#,
    r#"{"command":"exit"}"#,
    r#"{"command":"reboot"}"#,
    r#"{"command":""}"#,
    r#"{"command":1}"#,
    r#"{"command":5000000000}"#,
    r#"{"command":true}"#,
    r#"{"command":null}"#,
    r#"{"command":["reload"]}"#,
    r#"{"command":{"x":"reload"}}"#,
    r#"{"command":"reload","extra":1}"#,
    r#"{"GetRPCMethods":true}"#,
    r#"{"GetRPCMethods":false}"#,
    r#"{"GetRPCMethods":1}"#,
    r#"{"GetRPCMethods":0.5}"#,
    r#"{"GetRPCMethods":"true"}"#,
    r#"{"event":"1 BOOT"}"#,
    r#"{"event":"2 PERIODIC"}"#,
    r#"{"event":"3 SCHEDULED"}"#,
    r#"{"event":"4 VALUE CHANGE"}"#,
    r#"{"event":"6 CONNECTION REQUEST"}"#,
    r#"{"event":"8 DIAGNOSTICS COMPLETE"}"#,
    r#"{"event":"0 BOOTSTRAP"}"#,
    r#"{"event":"1 BOOT\n"}"#,
    r#"{"event":"1 Boot"}"#,
    r#"{"event":null}"#,
    r#"{"GetRPCMethods":true,"event":"8 DIAGNOSTICS COMPLETE"}"#,
    r#"{"event":"6 CONNECTION REQUEST","GetRPCMethods":false}"#,
    r#"{"event":"1 BOOT","command":"reload"}"#,
    r#"{"GetRPCMethods":true,"unknown":"x"}"#,
];

#[test]
fn both_codecs_decode_the_same_requests() {
    let mut accepted = 0;
    for method in ["command", "inform", "status", "nosuch"] {
        for args in ARGS {
            let b = via_blobmsg(method, args);
            let j = via_json(method, args);
            assert_eq!(b, j, "{method} {args}");
            accepted += usize::from(b.is_ok());
        }
    }
    // The list covers both outcomes: 5 commands, 11 informs and 1 status are valid.
    assert_eq!(accepted, 17);
}

#[test]
fn escaped_json_matches_plain_blobmsg() {
    let args = r#"{"event":"6 CONNECTION\u0020REQUEST"}"#;
    let plain = r#"{"event":"6 CONNECTION REQUEST"}"#;
    assert_eq!(via_json("inform", args), via_blobmsg("inform", plain));
}
