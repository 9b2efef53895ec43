//! The client against the captured ubusd traffic: what ubusd sent is fed in, what the captured
//! client sent must come out byte for byte.

use std::vec::Vec;

use super::*;
use crate::ubus::blobmsg::Value;
use crate::ubus::msg::{Framing, write_frame};
use crate::ubus::object::{ArgDef, MethodDef};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/ubus");

fn vector(name: &str) -> Vec<u8> {
    std::fs::read(std::format!("{VECTORS}/{name}")).unwrap()
}

const T0: Instant = Instant::ZERO;

fn at(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn transmit(client: &mut Client) -> Vec<Vec<u8>> {
    let mut buf = [0u8; 1024];
    let mut out = Vec::new();
    while let Some(n) = client.poll_transmit(T0, &mut buf).unwrap() {
        out.push(buf[..n].to_vec());
    }
    out
}

const RAWOBJ: ObjectDef = ObjectDef {
    name: "rawobj",
    methods: &[MethodDef {
        name: "ping",
        args: &[ArgDef {
            name: "msg",
            kind: blobmsg::Type::String,
        }],
    }],
};

fn caller() -> Client {
    Client::new(Config::new(None)).unwrap()
}

fn connect(client: &mut Client, hello: &str) -> u32 {
    match client.handle_frame(&vector(hello)) {
        Ok(Some(Event::Connected { client_id })) => client_id,
        other => panic!("{other:?}"),
    }
}

/// C19 from g1: `rawobj` registered with id 0x55fc4b52.
fn rawobj_owner() -> Client {
    let mut client = Client::new(Config::new(Some(&RAWOBJ))).unwrap();
    connect(
        &mut client,
        "g1_raw_add_object_and_ping/01_C19_u2c_HELLO.bin",
    );
    assert_eq!(
        transmit(&mut client),
        [vector(
            "g1_raw_add_object_and_ping/02_C19_c2u_ADD_OBJECT.bin"
        )]
    );
    let data = vector("g1_raw_add_object_and_ping/03_C19_u2c_DATA.bin");
    assert_eq!(client.handle_frame(&data), Ok(None));
    let status = vector("g1_raw_add_object_and_ping/04_C19_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&status),
        Ok(Some(Event::ObjectRegistered {
            obj_id: 0x55fc_4b52
        }))
    );
    client
}

#[test]
fn hello_gives_the_client_id() {
    let mut client = caller();
    assert_eq!(client.client_id(), None);
    assert_eq!(
        connect(&mut client, "a_hello/01_C1_u2c_HELLO.bin"),
        0xad6f_2b21
    );
    assert_eq!(client.client_id(), Some(0xad6f_2b21));
    assert!(transmit(&mut client).is_empty());
}

#[test]
fn first_frame_must_be_hello() {
    let mut client = caller();
    let status = vector("b1_add_object_tr069_python/04_C2_u2c_STATUS.bin");
    let err = client.handle_frame(&status).unwrap_err();
    assert_eq!(err, Error::ExpectedHello);
    assert!(err.is_fatal());
}

#[test]
fn hello_with_reserved_id_is_refused() {
    let mut client = caller();
    let hello = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 4];
    assert_eq!(client.handle_frame(&hello), Err(Error::BadHello(1)));
}

#[test]
fn second_hello_is_fatal() {
    let mut client = caller();
    connect(&mut client, "a_hello/01_C1_u2c_HELLO.bin");
    let err = client
        .handle_frame(&vector("a_hello/01_C1_u2c_HELLO.bin"))
        .unwrap_err();
    assert_eq!(err, Error::UnexpectedHello);
    assert!(err.is_fatal());
}

#[test]
fn registration_matches_vector_g1_and_ping_matches_too() {
    let mut client = rawobj_owner();
    let mut buf = [0u8; 64];
    let tx = client.ping(T0, &mut buf).unwrap();
    assert_eq!(
        &buf[..tx.len],
        &vector("g1_raw_add_object_and_ping/05_C19_c2u_PING.bin")[..]
    );
    let echo = vector("g1_raw_add_object_and_ping/06_C19_u2c_DATA.bin");
    assert_eq!(client.handle_frame(&echo), Ok(None));
    let status = vector("g1_raw_add_object_and_ping/07_C19_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&status),
        Ok(Some(Event::Done {
            request: tx.request,
            status: Status::Ok
        }))
    );
}

#[test]
fn refused_registration_is_reported_and_setup_goes_on() {
    static PATTERNS: [&str; 1] = ["tr069.*"];
    let mut config = Config::new(Some(&RAWOBJ));
    config.event_patterns = &PATTERNS;
    let mut client = Client::new(config).unwrap();
    connect(
        &mut client,
        "g1_raw_add_object_and_ping/01_C19_u2c_HELLO.bin",
    );
    let add = transmit(&mut client);
    assert_eq!(add.len(), 1);
    let mut buf = [0u8; 64];
    let n = write_frame(&mut buf, Header::new(MsgType::Status, 1, 0), |w| {
        w.put_status(Status::InvalidArgument)
    })
    .unwrap();
    assert_eq!(
        client.handle_frame(&buf[..n]),
        Ok(Some(Event::RegistrationFailed {
            what: Registration::Object,
            status: Status::InvalidArgument
        }))
    );
    assert_eq!(client.object_id(), None);
    // The listener comes next, as seq 2.
    let next = transmit(&mut client);
    let f = Frame::new_checked(&next[0]).unwrap();
    assert_eq!((f.kind(), f.seq()), (Some(MsgType::AddObject), 2));
    assert!(f.body().is_empty());
}

#[test]
fn listener_setup_matches_vector_e1() {
    static PATTERNS: [&str; 1] = ["*"];
    let mut config = Config::new(None);
    config.event_patterns = &PATTERNS;
    let mut client = Client::new(config).unwrap();
    connect(&mut client, "e1_listen_register/01_C13_u2c_HELLO.bin");
    assert_eq!(
        transmit(&mut client),
        [vector("e1_listen_register/02_C13_c2u_ADD_OBJECT.bin")]
    );
    // Only one registration step is in flight at a time.
    assert!(transmit(&mut client).is_empty());
    let data = vector("e1_listen_register/03_C13_u2c_DATA.bin");
    assert_eq!(client.handle_frame(&data), Ok(None));
    let status = vector("e1_listen_register/04_C13_u2c_STATUS.bin");
    assert_eq!(client.handle_frame(&status), Ok(None));
    assert_eq!(
        transmit(&mut client),
        [vector("e1_listen_register/05_C13_c2u_INVOKE.bin")]
    );
    let status = vector("e1_listen_register/06_C13_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&status),
        Ok(Some(Event::PatternRegistered { pattern: "*" }))
    );
    assert_eq!(client.poll_timeout(), None);

    // e2: an event arrives and is acknowledged exactly as libubus does.
    let invoke = vector("e2_send_event/05_C13_u2c_INVOKE.bin");
    let Ok(Some(Event::UbusEvent { name, data })) = client.handle_frame(&invoke) else {
        panic!("no event");
    };
    assert_eq!(name, b"tr069.event");
    assert_eq!(data.get("event").and_then(|v| v.as_str()), Some("1 BOOT"));
    let params = data.get("params").and_then(|v| v.as_table()).unwrap();
    assert_eq!(params.get("count"), Some(Value::Int32(2)));
    assert_eq!(params.get("ok").and_then(|v| v.as_bool()), Some(true));
    let list = data.get("list").and_then(|v| v.as_array()).unwrap();
    assert_eq!(
        list.iter().collect::<Vec<_>>(),
        [Value::String(b"a"), Value::String(b"b")]
    );
    assert_eq!(
        transmit(&mut client),
        [vector("e2_send_event/07_C13_c2u_STATUS.bin")]
    );

    // e3: ubusd's own object events reach the same listener.
    let add = vector("e3_object_add_remove_events/03_C13_u2c_INVOKE.bin");
    let Ok(Some(Event::UbusEvent { name, data })) = client.handle_frame(&add) else {
        panic!("no event");
    };
    assert_eq!(name, b"ubus.object.add");
    assert_eq!(data.get("path").and_then(|v| v.as_str()), Some("tr069.tmp"));
    assert_eq!(
        transmit(&mut client),
        [vector("e3_object_add_remove_events/04_C13_c2u_STATUS.bin")]
    );
}

#[test]
fn lookup_and_invoke_match_vector_c1() {
    let mut client = caller();
    connect(&mut client, "c1_call_tr069_status/01_C4_u2c_HELLO.bin");
    let mut buf = [0u8; 128];
    let lookup = client.lookup(Some("tr069"), T0, &mut buf).unwrap();
    assert_eq!(
        &buf[..lookup.len],
        &vector("c1_call_tr069_status/02_C4_c2u_LOOKUP.bin")[..]
    );
    let found = vector("c1_call_tr069_status/03_C4_u2c_DATA.bin");
    let Ok(Some(Event::Object { request, object })) = client.handle_frame(&found) else {
        panic!("no object");
    };
    assert_eq!(request, lookup.request);
    assert_eq!(object.path, b"tr069");
    assert_eq!(object.id, 0x7e54_ec4b);
    assert_eq!(object.type_id, Some(0x4b47_b77e));
    let sig = object.signature.unwrap();
    let inform = sig.get("inform").and_then(|v| v.as_table()).unwrap();
    assert_eq!(inform.get("GetRPCMethods"), Some(Value::Int32(7)));
    let done = vector("c1_call_tr069_status/04_C4_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&done),
        Ok(Some(Event::Done {
            request: lookup.request,
            status: Status::Ok
        }))
    );

    let call = client
        .invoke(object_id_of(&found), "status", &[], T0, &mut buf)
        .unwrap();
    assert_eq!(
        &buf[..call.len],
        &vector("c1_call_tr069_status/05_C4_c2u_INVOKE.bin")[..]
    );
    let data = vector("c1_call_tr069_status/09_C4_u2c_DATA.bin");
    let Ok(Some(Event::Data { request, data })) = client.handle_frame(&data) else {
        panic!("no data");
    };
    assert_eq!(request, call.request);
    assert_eq!(data.get("bytes_sent"), Some(Value::Int64(5_000_000_000)));
    assert_eq!(data.get("load"), Some(Value::Double(0.25)));
    assert_eq!(data.get("last_fault"), Some(Value::Unspec(&[])));
    assert_eq!(data.get("retry_count"), Some(Value::Int32(-1)));
    let status = vector("c1_call_tr069_status/10_C4_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&status),
        Ok(Some(Event::Done {
            request: call.request,
            status: Status::Ok
        }))
    );
    assert_eq!(client.poll_timeout(), None);
}

fn object_id_of(data_frame: &[u8]) -> u32 {
    Frame::new_checked(data_frame)
        .unwrap()
        .attrs()
        .unwrap()
        .objid()
        .unwrap()
}

#[test]
fn nested_arguments_match_vector_c4() {
    let mut client = caller();
    connect(&mut client, "c4_call_bbfdm_get/01_C7_u2c_HELLO.bin");
    let mut buf = [0u8; 512];
    client.lookup(Some("bbfdm"), T0, &mut buf).unwrap();
    let call = client
        .invoke_with(0x8d21_8729, "get", T0, &mut buf, |w| {
            w.put_str("path", "Device.DeviceInfo.")?;
            w.array("paths", |w| {
                w.put_str("", "Device.DeviceInfo.Manufacturer")?;
                w.put_str("", "Device.DeviceInfo.SerialNumber")
            })?;
            w.put_i32("maxdepth", 2)?;
            w.table("optional", |w| {
                w.put_str("format", "raw")?;
                w.put_str("proto", "cwmp")
            })
        })
        .unwrap();
    assert_eq!(
        &buf[..call.len],
        &vector("c4_call_bbfdm_get/05_C7_c2u_INVOKE.bin")[..]
    );
}

#[test]
fn lookup_of_unknown_object_ends_not_found() {
    let mut client = caller();
    connect(&mut client, "d2_unknown_object/01_C10_u2c_HELLO.bin");
    let mut buf = [0u8; 64];
    let lookup = client.lookup(Some("nosuchobj"), T0, &mut buf).unwrap();
    assert_eq!(
        &buf[..lookup.len],
        &vector("d2_unknown_object/02_C10_c2u_LOOKUP.bin")[..]
    );
    let status = vector("d2_unknown_object/03_C10_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&status),
        Ok(Some(Event::Done {
            request: lookup.request,
            status: Status::NotFound
        }))
    );
}

#[test]
fn lookup_of_everything_has_empty_body() {
    let mut client = caller();
    connect(&mut client, "f1_list_verbose/01_C17_u2c_HELLO.bin");
    let mut buf = [0u8; 64];
    let lookup = client.lookup(None, T0, &mut buf).unwrap();
    assert_eq!(
        &buf[..lookup.len],
        &vector("f1_list_verbose/02_C17_c2u_LOOKUP.bin")[..]
    );
    let mut paths = Vec::new();
    for f in ["03_C17_u2c_DATA", "04_C17_u2c_DATA", "05_C17_u2c_DATA"] {
        let bytes = vector(&std::format!("f1_list_verbose/{f}.bin"));
        let Ok(Some(Event::Object { object, .. })) = client.handle_frame(&bytes) else {
            panic!("no object");
        };
        paths.push(object.path.to_vec());
    }
    assert_eq!(paths, [&b"bbfdm"[..], b"test", b"tr069"]);
}

#[test]
fn send_event_matches_vector_e2() {
    let mut client = caller();
    connect(&mut client, "e2_send_event/01_C15_u2c_HELLO.bin");
    let mut buf = [0u8; 256];
    let tx = client
        .send_event("tr069.event", T0, &mut buf, |w| {
            w.put_str("event", "1 BOOT")?;
            w.table("params", |w| {
                w.put_i32("count", 2)?;
                w.put_bool("ok", true)
            })?;
            w.array("list", |w| {
                w.put_str("", "a")?;
                w.put_str("", "b")
            })
        })
        .unwrap();
    assert_eq!(
        &buf[..tx.len],
        &vector("e2_send_event/02_C15_c2u_INVOKE.bin")[..]
    );
    let status = vector("e2_send_event/06_C15_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&status),
        Ok(Some(Event::Done {
            request: tx.request,
            status: Status::Ok
        }))
    );
}

/// The mock object's answers in c1..c3 re-encoded with our writer: byte-identical.
#[test]
fn replies_match_captured_object_replies() {
    let mut client = Client::new(Config::new(Some(&crate::control::TR069_OBJECT))).unwrap();
    connect(
        &mut client,
        "b1_add_object_tr069_python/01_C2_u2c_HELLO.bin",
    );
    transmit(&mut client);
    client
        .handle_frame(&vector("b1_add_object_tr069_python/03_C2_u2c_DATA.bin"))
        .unwrap();
    client
        .handle_frame(&vector("b1_add_object_tr069_python/04_C2_u2c_STATUS.bin"))
        .unwrap();

    type Body = fn(&mut Writer<'_>) -> Result<(), EncodeError>;
    let cases: [(&str, Body); 3] = [
        ("c1_call_tr069_status", |w| {
            w.table("cwmp", |w| {
                w.put_str("status", "up")?;
                w.put_str("start_time", "2024-01-01T00:00:00Z")?;
                w.put_str("acs_url", "http://127.0.0.1:7547/")
            })?;
            w.table("last_session", |w| {
                w.put_str("status", "success")?;
                w.put_str("start_time", "2024-01-01T00:00:05Z")?;
                w.put_str("end_time", "2024-01-01T00:00:07Z")
            })?;
            w.table("next_session", |w| {
                w.put_str("status", "waiting")?;
                w.put_str("start_time", "2024-01-01T00:05:05Z")
            })?;
            w.table("statistics", |w| {
                w.put_i32("success_sessions", 3)?;
                w.put_i32("failure_sessions", 0)?;
                w.put_i32("total_sessions", 3)
            })?;
            w.array("pending_events", |w| {
                w.put_str("", "0 BOOTSTRAP")?;
                w.put_str("", "1 BOOT")
            })?;
            w.put_bool("enabled", true)?;
            w.put_i64("bytes_sent", 5_000_000_000)?;
            w.put_f64("load", 0.25)?;
            w.put_null("last_fault")?;
            w.put_i32("retry_count", -1)
        }),
        ("c2_call_tr069_inform", |w| {
            w.put_str("status", "Success")?;
            w.put_str("event", "1 BOOT")?;
            w.put_bool("GetRPCMethods", true)
        }),
        ("c3_call_tr069_command", |w| {
            w.put_str("status", "Success")?;
            w.put_str("info", "Session with ACS will be reloaded")?;
            w.put_str("command", "reload")
        }),
    ];
    for (scenario, body) in cases {
        let invoke = vector(&std::format!("{scenario}/06_C2_u2c_INVOKE.bin"));
        let Ok(Some(Event::Invoke(inv))) = client.handle_frame(&invoke) else {
            panic!("{scenario}: no invoke");
        };
        assert_eq!(inv.user, Some(&b"root"[..]));
        let mut buf = [0u8; 1024];
        let n = client
            .reply_with(&inv.token, Status::Ok, &mut buf, body)
            .unwrap();
        let mut expected = vector(&std::format!("{scenario}/07_C2_c2u_DATA.bin"));
        expected.extend(vector(&std::format!("{scenario}/08_C2_c2u_STATUS.bin")));
        assert_eq!(&buf[..n], &expected[..], "{scenario}");
    }
}

#[test]
fn call_times_out_and_late_reply_is_ignored() {
    let mut client = caller();
    connect(&mut client, "c1_call_tr069_status/01_C4_u2c_HELLO.bin");
    let mut buf = [0u8; 64];
    client.lookup(Some("tr069"), at(0), &mut buf).unwrap();
    let call = client
        .invoke(0x7e54_ec4b, "status", &[], at(1000), &mut buf)
        .unwrap();
    assert_eq!(client.poll_timeout(), Some(at(30_000)));
    assert_eq!(client.poll_event(at(29_999)), None);
    let Some(Event::Done { status, .. }) = client.poll_event(at(30_000)) else {
        panic!("lookup did not time out");
    };
    assert_eq!(status, Status::Timeout);
    assert_eq!(client.poll_timeout(), Some(at(31_000)));
    assert_eq!(
        client.poll_event(at(31_000)),
        Some(Event::Done {
            request: call.request,
            status: Status::Timeout
        })
    );
    assert_eq!(client.poll_timeout(), None);
    let late = vector("c1_call_tr069_status/10_C4_u2c_STATUS.bin");
    assert_eq!(client.handle_frame(&late), Ok(None));
}

#[test]
fn timeout_is_configurable() {
    let mut config = Config::new(None);
    config.request_timeout = Duration::from_millis(250);
    let mut client = Client::new(config).unwrap();
    connect(&mut client, "c1_call_tr069_status/01_C4_u2c_HELLO.bin");
    let mut buf = [0u8; 64];
    client.ping(at(10), &mut buf).unwrap();
    assert_eq!(client.poll_timeout(), Some(at(260)));
}

#[test]
fn reset_aborts_requests_and_registers_again() {
    let mut client = Client::new(Config::new(Some(&crate::control::TR069_OBJECT))).unwrap();
    connect(
        &mut client,
        "b1_add_object_tr069_python/01_C2_u2c_HELLO.bin",
    );
    let first = transmit(&mut client);
    client
        .handle_frame(&vector("b1_add_object_tr069_python/03_C2_u2c_DATA.bin"))
        .unwrap();
    client
        .handle_frame(&vector("b1_add_object_tr069_python/04_C2_u2c_STATUS.bin"))
        .unwrap();
    let invoke = vector("c1_call_tr069_status/06_C2_u2c_INVOKE.bin");
    let Ok(Some(Event::Invoke(inv))) = client.handle_frame(&invoke) else {
        panic!("no invoke");
    };
    let token = inv.token;
    let mut buf = [0u8; 128];
    let call = client.lookup(Some("bbfdm"), T0, &mut buf).unwrap();

    // ubusd goes away.
    client.reset();
    assert_eq!(client.client_id(), None);
    assert_eq!(client.object_id(), None);
    assert_eq!(client.poll_timeout(), Some(Instant::ZERO));
    assert_eq!(
        client.poll_event(T0),
        Some(Event::Done {
            request: call.request,
            status: Status::ConnectionFailed
        })
    );
    assert_eq!(client.poll_event(T0), None);
    assert_eq!(
        client.reply(&token, Status::Ok, &mut buf),
        Err(ReplyError::Stale)
    );
    assert_eq!(
        client.lookup(Some("x"), T0, &mut buf),
        Err(RequestError::NotConnected)
    );
    assert!(transmit(&mut client).is_empty());

    // It comes back: a new HELLO, and the same registration (seq 1 again) goes out.
    let id = connect(&mut client, "c1_call_tr069_status/01_C4_u2c_HELLO.bin");
    assert_eq!(id, 0x8dbf_485c);
    assert_eq!(transmit(&mut client), first);
}

#[test]
fn invoke_of_unknown_object_answers_not_found() {
    let mut client = rawobj_owner();
    let mut buf = [0u8; 128];
    let n = write_frame(&mut buf, Header::new(MsgType::Invoke, 9, 0x1234), |w| {
        w.put_attr_u32(AttrId::ObjId, 0xdead_beef)?;
        w.put_attr_string(AttrId::Method, b"ping")?;
        w.put_data(|_| Ok(()))
    })
    .unwrap();
    assert_eq!(client.handle_frame(&buf[..n]), Ok(None));
    let out = transmit(&mut client);
    let f = Frame::new_checked(&out[0]).unwrap();
    assert_eq!(
        (f.kind(), f.seq(), f.peer()),
        (Some(MsgType::Status), 9, 0x1234)
    );
    let a = f.attrs().unwrap();
    assert_eq!(a.status(), Some(Status::NotFound));
    assert_eq!(a.objid(), Some(0xdead_beef));
}

#[test]
fn invoke_from_vector_g2_reaches_the_caller() {
    let mut client = rawobj_owner();
    let invoke = vector("g2_call_raw_object/06_C19_u2c_INVOKE.bin");
    let Ok(Some(Event::Invoke(inv))) = client.handle_frame(&invoke) else {
        panic!("no invoke");
    };
    assert_eq!(inv.method, b"ping");
    assert_eq!(inv.method_index, 0);
    assert_eq!(inv.data.get("msg").and_then(|v| v.as_str()), Some("hi"));
    assert_eq!(inv.token.peer(), 0x35dc_2688);
    let mut buf = [0u8; 256];
    let n = client
        .reply_with(&inv.token, Status::Ok, &mut buf, |w| {
            w.put_str("echo", "hi")?;
            w.put_bool("ok", true)
        })
        .unwrap();
    let mut expected = vector("g2_call_raw_object/07_C19_c2u_DATA.bin");
    expected.extend(vector("g2_call_raw_object/08_C19_c2u_STATUS.bin"));
    assert_eq!(&buf[..n], &expected[..]);
}

fn invoke_rawobj(
    client: &mut Client,
    no_reply: bool,
    body: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<Option<Event<'static>>, Error> {
    let mut buf = [0u8; 256];
    let n = write_frame(
        &mut buf,
        Header::new(MsgType::Invoke, 3, 0x35dc_2688),
        |w| {
            if no_reply {
                w.put_int8(AttrId::NoReply.to_u8(), 1)?;
            }
            w.put_attr_u32(AttrId::ObjId, 0x55fc_4b52)?;
            body(w)
        },
    )
    .unwrap();
    let bytes: &'static [u8] = std::vec::Vec::leak(buf[..n].to_vec());
    client.handle_frame(bytes)
}

fn single_status(client: &mut Client) -> Status {
    let out = transmit(client);
    assert_eq!(out.len(), 1);
    Frame::new_checked(&out[0])
        .unwrap()
        .attrs()
        .unwrap()
        .status()
        .unwrap()
}

#[test]
fn unknown_method_missing_method_and_missing_data_are_answered_automatically() {
    let mut client = rawobj_owner();
    let r = invoke_rawobj(&mut client, false, |w| {
        w.put_attr_string(AttrId::Method, b"pong")?;
        w.put_data(|_| Ok(()))
    });
    assert_eq!(r, Ok(None));
    assert_eq!(single_status(&mut client), Status::MethodNotFound);

    let r = invoke_rawobj(&mut client, false, |w| w.put_data(|_| Ok(())));
    assert_eq!(r, Err(Error::MissingAttr(AttrId::Method)));
    assert_eq!(single_status(&mut client), Status::InvalidArgument);

    let r = invoke_rawobj(&mut client, false, |w| {
        w.put_attr_string(AttrId::Method, b"ping")
    });
    assert_eq!(r, Err(Error::MissingAttr(AttrId::Data)));
    assert_eq!(single_status(&mut client), Status::InvalidArgument);
}

#[test]
fn malformed_arguments_are_rejected_with_invalid_argument() {
    let mut client = rawobj_owner();
    let r = invoke_rawobj(&mut client, false, |w| {
        w.put_attr_string(AttrId::Method, b"ping")?;
        // A DATA member that is not blobmsg.
        w.put_data(|w| w.put_int32(3, 1))
    });
    assert_eq!(r, Err(Error::BadData(blobmsg::Error::NotExtended)));
    assert!(!r.unwrap_err().is_fatal());
    assert_eq!(single_status(&mut client), Status::InvalidArgument);
}

#[test]
fn no_reply_calls_get_no_answer() {
    let mut client = rawobj_owner();
    let r = invoke_rawobj(&mut client, true, |w| {
        w.put_attr_string(AttrId::Method, b"pong")?;
        w.put_data(|_| Ok(()))
    });
    assert_eq!(r, Ok(None));
    assert!(transmit(&mut client).is_empty());
    let Ok(Some(Event::Invoke(inv))) = invoke_rawobj(&mut client, true, |w| {
        w.put_attr_string(AttrId::Method, b"ping")?;
        w.put_data(|_| Ok(()))
    }) else {
        panic!("no invoke");
    };
    assert!(inv.token.no_reply());
    let mut buf = [0u8; 64];
    assert_eq!(client.reply(&inv.token, Status::Ok, &mut buf), Ok(0));
    assert_eq!(
        client.reply_with(&inv.token, Status::Ok, &mut buf, |_| Ok(())),
        Ok(0)
    );
}

#[test]
fn owed_replies_beyond_the_limit_are_dropped() {
    let mut client = rawobj_owner();
    for _ in 0..UBUS_MAX_OWED_REPLIES + 3 {
        let r = invoke_rawobj(&mut client, false, |w| {
            w.put_attr_string(AttrId::Method, b"pong")?;
            w.put_data(|_| Ok(()))
        });
        assert_eq!(r, Ok(None));
    }
    assert_eq!(transmit(&mut client).len(), UBUS_MAX_OWED_REPLIES);
}

#[test]
fn owed_reply_waits_for_a_big_enough_buffer() {
    let mut client = rawobj_owner();
    invoke_rawobj(&mut client, false, |w| {
        w.put_attr_string(AttrId::Method, b"pong")?;
        w.put_data(|_| Ok(()))
    })
    .unwrap();
    let mut small = [0u8; 8];
    assert_eq!(client.poll_transmit(T0, &mut small), Err(EncodeError::Full));
    assert_eq!(single_status(&mut client), Status::MethodNotFound);
}

#[test]
fn too_many_requests_are_refused() {
    let mut client = caller();
    connect(&mut client, "a_hello/01_C1_u2c_HELLO.bin");
    let mut buf = [0u8; 64];
    for _ in 0..UBUS_MAX_PENDING_REQUESTS {
        client.ping(T0, &mut buf).unwrap();
    }
    assert_eq!(
        client.ping(T0, &mut buf),
        Err(RequestError::TooManyRequests)
    );
}

#[test]
fn request_that_does_not_fit_is_not_registered() {
    let mut client = caller();
    connect(&mut client, "a_hello/01_C1_u2c_HELLO.bin");
    let mut small = [0u8; 16];
    assert_eq!(
        client.lookup(Some("tr069"), T0, &mut small),
        Err(RequestError::Encode(EncodeError::Full))
    );
    assert_eq!(client.poll_timeout(), None);
}

#[test]
fn subscription_state_of_our_object_is_reported() {
    let mut client = rawobj_owner();
    let notify = vector("g3_subscribe/09_C19_u2c_NOTIFY.bin");
    assert_eq!(
        client.handle_frame(&notify),
        Ok(Some(Event::SubscribersChanged { active: true }))
    );
    let gone = vector("g6_remove_object_unsubscribe/04_C19_u2c_NOTIFY.bin");
    assert_eq!(
        client.handle_frame(&gone),
        Ok(Some(Event::SubscribersChanged { active: false }))
    );
}

#[test]
fn unknown_and_unexpected_types_are_typed_errors() {
    let mut client = caller();
    connect(&mut client, "a_hello/01_C1_u2c_HELLO.bin");
    let type99 = vector("d4_raw_error_statuses/06_C12_c2u_TYPE99.bin");
    let err = client.handle_frame(&type99).unwrap_err();
    assert_eq!(err, Error::UnknownType(99));
    assert!(!err.is_fatal());
    let lookup = vector("d4_raw_error_statuses/08_C12_c2u_LOOKUP.bin");
    assert_eq!(
        client.handle_frame(&lookup),
        Err(Error::Unexpected(MsgType::Lookup))
    );
    // Still connected and working.
    assert!(client.client_id().is_some());
}

#[test]
fn malformed_frames_are_typed_errors() {
    let mut client = caller();
    connect(&mut client, "a_hello/01_C1_u2c_HELLO.bin");
    let status = vector("d2_unknown_object/03_C10_u2c_STATUS.bin");
    assert_eq!(
        client.handle_frame(&status[..status.len() - 1]),
        Err(Error::Frame(FrameError::LengthMismatch))
    );
    let mut bad_version = status.clone();
    bad_version[0] = 1;
    assert_eq!(client.handle_frame(&bad_version), Err(Error::BadVersion(1)));
    let mut bad_attr = status.clone();
    bad_attr[15] = 9; // STATUS attribute claims 9 bytes in an 8-byte container
    assert!(matches!(
        client.handle_frame(&bad_attr),
        Err(Error::Frame(_)) | Err(Error::Attr(_))
    ));
    let mut short_status = status.clone();
    short_status[15] = 6; // STATUS with a 2-byte payload
    assert_eq!(
        client.handle_frame(&short_status),
        Err(Error::Attr(AttrError::BadPayload(AttrId::Status)))
    );
}

#[test]
fn oversized_frame_is_refused_from_its_prefix() {
    let mut config = Config::new(None);
    config.max_frame_len = 64;
    let client = Client::new(config).unwrap();
    let big = vector("c1_call_tr069_status/09_C4_u2c_DATA.bin");
    assert_eq!(
        client.frame_len(&big[..12]),
        Err(FrameError::TooLarge { len: 624 })
    );
    let hello = vector("a_hello/01_C1_u2c_HELLO.bin");
    assert_eq!(client.frame_len(&hello), Ok(Framing::Complete { len: 12 }));
}

#[test]
fn config_limits_are_checked() {
    static MANY: [&str; UBUS_MAX_EVENT_PATTERNS + 1] = ["a"; UBUS_MAX_EVENT_PATTERNS + 1];
    let mut config = Config::new(None);
    config.event_patterns = &MANY;
    assert_eq!(
        Client::new(config).unwrap_err(),
        ConfigError::TooManyPatterns
    );
    static EMPTY: [&str; 1] = [""];
    config.event_patterns = &EMPTY;
    assert_eq!(Client::new(config).unwrap_err(), ConfigError::EmptyPattern);
}

#[test]
fn registration_step_times_out() {
    let mut client = Client::new(Config::new(Some(&RAWOBJ))).unwrap();
    connect(
        &mut client,
        "g1_raw_add_object_and_ping/01_C19_u2c_HELLO.bin",
    );
    let mut buf = [0u8; 128];
    client.poll_transmit(at(5), &mut buf).unwrap().unwrap();
    assert_eq!(client.poll_timeout(), Some(at(30_005)));
    assert_eq!(
        client.poll_event(at(30_005)),
        Some(Event::RegistrationFailed {
            what: Registration::Object,
            status: Status::Timeout
        })
    );
    assert_eq!(client.poll_timeout(), None);
}

#[test]
fn sequence_numbers_wrap_and_skip_zero() {
    let mut client = caller();
    connect(&mut client, "a_hello/01_C1_u2c_HELLO.bin");
    client.next_seq = u16::MAX;
    let mut buf = [0u8; 64];
    let a = client.ping(T0, &mut buf).unwrap();
    assert_eq!(Frame::new_checked(&buf[..a.len]).unwrap().seq(), u16::MAX);
    let b = client.ping(T0, &mut buf).unwrap();
    assert_eq!(Frame::new_checked(&buf[..b.len]).unwrap().seq(), 1);
}

#[test]
fn aborted_request_never_matches_a_reply_on_the_next_connection() {
    let mut client = caller();
    connect(&mut client, "c1_call_tr069_status/01_C4_u2c_HELLO.bin");
    let mut buf = [0u8; 64];
    let old = client.lookup(Some("tr069"), T0, &mut buf).unwrap();
    client.reset();
    connect(&mut client, "c1_call_tr069_status/01_C4_u2c_HELLO.bin");
    // seq 1 is still held by the aborted lookup, so the new request gets seq 2.
    let new = client.lookup(Some("tr069"), T0, &mut buf).unwrap();
    assert_eq!(Frame::new_checked(&buf[..new.len]).unwrap().seq(), 2);
    // A reply with seq 1 belongs to nobody now.
    let status = vector("c1_call_tr069_status/04_C4_u2c_STATUS.bin");
    assert_eq!(client.handle_frame(&status), Ok(None));
    assert_eq!(
        client.poll_event(T0),
        Some(Event::Done {
            request: old.request,
            status: Status::ConnectionFailed
        })
    );
}

#[test]
fn client_state_stays_small() {
    // The agent's state must stay a few KiB (DESIGN.md); the ubus client is a small part of it.
    // About 520 bytes on 64-bit targets, most of it the pending and owed queues.
    assert!(
        core::mem::size_of::<Client>() <= 640,
        "{}",
        core::mem::size_of::<Client>()
    );
}
