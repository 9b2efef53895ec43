//! The ubus codec of the control API: a request from an INVOKE's method name and `DATA` table,
//! a reply as the `DATA` table of the answer.
//!
//! Responsible for mapping blobmsg arguments onto the shared validation (names, types, each at
//! most once) and for encoding [`Reply`] with the field order icwmp uses; [`serve`] ties both to
//! the ubus [`Client`]. Not responsible for the rules themselves (the parent module) nor for the
//! connection (`crate::ubus::client`).
//!
//! Integers are encoded as blobmsg int32 (libubus `blobmsg_add_u32`); session counters above
//! `i32::MAX` are clamped so that ubus never prints them negative (the seed's minimum is 0).

use super::{
    ArgName, Args, ControlError, ControlHandler, Method, NextSession, Reply, Request, TimeText,
    dispatch, set_once,
};
use crate::ubus::blob::{EncodeError, Writer};
use crate::ubus::blobmsg::{Table, Value};
use crate::ubus::client::{Client, Invoke, ReplyError};
use crate::ubus::msg::Status;

/// Decodes the request an INVOKE of `method` with arguments `data` makes.
pub fn decode_request(method: &[u8], data: Table<'_>) -> Result<Request, ControlError> {
    let method = Method::from_name(method).ok_or(ControlError::MethodNotFound)?;
    let mut args = Args::default();
    for field in data.iter() {
        match (ArgName::from_name(field.name), field.value) {
            (Some(ArgName::Command), Value::String(s)) => set_once(&mut args.command, s)?,
            (Some(ArgName::GetRpcMethods), Value::Int8(v)) => {
                set_once(&mut args.get_rpc_methods, v != 0)?
            }
            (Some(ArgName::Event), Value::String(s)) => set_once(&mut args.event, s)?,
            // An unknown name, or a known one with the wrong type (null included).
            _ => return Err(ControlError::InvalidArgument),
        }
    }
    Request::from_args(method, args)
}

fn count(n: u32) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Writes the members of `reply`'s table.
pub fn encode_reply(reply: &Reply<'_>, w: &mut Writer<'_>) -> Result<(), EncodeError> {
    match reply {
        Reply::Result(r) => {
            w.put_i32("status", r.status)?;
            w.put_str("info", r.info)
        }
        Reply::Status(s) => {
            w.table("cwmp", |w| {
                w.put_str("status", s.cwmp.status.as_str())?;
                w.put_str("start_time", TimeText::new(s.cwmp.start_time).as_str())?;
                w.put_str("acs_url", s.cwmp.acs_url)
            })?;
            w.table("last_session", |w| {
                let last = &s.last_session;
                w.put_str("status", last.status_str())?;
                w.put_str("start_time", TimeText::new(last.start_time()).as_str())?;
                w.put_str("end_time", TimeText::new(last.end_time()).as_str())
            })?;
            w.table("next_session", |w| {
                w.put_str("status", NextSession::STATUS)?;
                w.put_str(
                    "start_time",
                    TimeText::new(s.next_session.start_time).as_str(),
                )?;
                w.put_str("end_time", TimeText::new(None).as_str())
            })?;
            w.table("statistics", |w| {
                let st = &s.statistics;
                w.put_i32("success_sessions", count(st.success_sessions))?;
                w.put_i32("failure_sessions", count(st.failure_sessions))?;
                w.put_i32("total_sessions", count(st.total_sessions()))
            })
        }
    }
}

/// Answers a call of the `tr069` object: decodes it, lets `handler` act, and writes the answer
/// frames into `buf` (DATA + STATUS 0, or a bare STATUS with the error's code; `NO_MEMORY` when
/// the reply does not fit `buf`). Returns the bytes to send (0 for a no-reply call).
pub fn serve<H: ControlHandler + ?Sized>(
    client: &Client,
    invoke: &Invoke<'_>,
    handler: &mut H,
    buf: &mut [u8],
) -> Result<usize, ReplyError> {
    let request = match decode_request(invoke.method, invoke.data) {
        Ok(request) => request,
        Err(e) => {
            debug!("tr069: refused call, status {}", e.status().code());
            return client.reply(&invoke.token, e.status(), buf);
        }
    };
    let reply = dispatch(handler, request);
    match client.reply_with(&invoke.token, Status::Ok, buf, |w| encode_reply(&reply, w)) {
        Err(ReplyError::Encode(_)) => {
            warn!("tr069: reply does not fit the transmit buffer");
            client.reply(&invoke.token, Status::NoMemory, buf)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::FakeAgent;
    use super::super::{
        Command, CommandOutcome, InformEvent, InformOutcome, InformRequest, LastSession,
        TR069_OBJECT,
    };
    use super::*;
    use crate::time::UnixTime;
    use crate::ubus::client::{Config, Event};
    use crate::ubus::msg::{AttrId, Frame, Header, MsgType, write_frame};
    use std::vec::Vec;

    const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/ubus");

    fn vector(name: &str) -> Vec<u8> {
        std::fs::read(std::format!("{VECTORS}/{name}")).unwrap()
    }

    const OBJ: u32 = 0x7e54_ec4b;
    const CALLER: u32 = 0x8dbf_485c;

    /// Our client, registered exactly as in vector b1.
    fn registered() -> Client {
        let mut client = Client::new(Config::new(Some(&TR069_OBJECT))).unwrap();
        let hello = vector("b1_add_object_tr069_python/01_C2_u2c_HELLO.bin");
        assert!(matches!(
            client.handle_frame(&hello),
            Ok(Some(Event::Connected { .. }))
        ));
        let mut buf = [0u8; 256];
        let n = client
            .poll_transmit(crate::time::Instant::ZERO, &mut buf)
            .unwrap()
            .unwrap();
        assert_eq!(
            &buf[..n],
            &vector("b1_add_object_tr069_python/02_C2_c2u_ADD_OBJECT.bin")[..]
        );
        let data = vector("b1_add_object_tr069_python/03_C2_u2c_DATA.bin");
        assert_eq!(client.handle_frame(&data), Ok(None));
        let status = vector("b1_add_object_tr069_python/04_C2_u2c_STATUS.bin");
        assert_eq!(
            client.handle_frame(&status),
            Ok(Some(Event::ObjectRegistered { obj_id: OBJ }))
        );
        client
    }

    fn invoke_frame(
        method: &str,
        args: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
    ) -> Vec<u8> {
        let mut buf = [0u8; 512];
        let n = write_frame(&mut buf, Header::new(MsgType::Invoke, 7, CALLER), |w| {
            w.put_attr_u32(AttrId::ObjId, OBJ)?;
            w.put_attr_string(AttrId::Method, method.as_bytes())?;
            w.put_attr_string(AttrId::User, b"root")?;
            w.put_attr_string(AttrId::Group, b"root")?;
            w.put_data(args)
        })
        .unwrap();
        buf[..n].to_vec()
    }

    /// Feeds an INVOKE and returns the frames we answer with (through serve or automatically).
    fn call(client: &mut Client, agent: &mut FakeAgent, frame: &[u8]) -> Vec<Vec<u8>> {
        let mut buf = [0u8; 2048];
        let mut out = Vec::new();
        let event = client.handle_frame(frame).ok().flatten();
        if let Some(Event::Invoke(inv)) = event {
            let n = serve(client, &inv, agent, &mut buf).unwrap();
            out.extend(split(&buf[..n]));
        }
        while let Some(n) = client
            .poll_transmit(crate::time::Instant::ZERO, &mut buf)
            .unwrap()
        {
            out.push(buf[..n].to_vec());
        }
        out
    }

    fn split(mut bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while !bytes.is_empty() {
            let crate::ubus::msg::Framing::Complete { len } =
                crate::ubus::msg::frame_len(bytes, 1 << 20).unwrap()
            else {
                panic!("partial frame")
            };
            out.push(bytes[..len].to_vec());
            bytes = &bytes[len..];
        }
        out
    }

    fn status_of(frame: &[u8], seq: u16, peer: u32) -> Status {
        let f = Frame::new_checked(frame).unwrap();
        assert_eq!(f.kind(), Some(MsgType::Status));
        assert_eq!((f.seq(), f.peer()), (seq, peer));
        let a = f.attrs().unwrap();
        assert_eq!(a.objid(), Some(OBJ));
        a.status().unwrap()
    }

    fn data_of(frame: &[u8], seq: u16, peer: u32) -> Table<'_> {
        let f = Frame::new_checked(frame).unwrap();
        assert_eq!(f.kind(), Some(MsgType::Data));
        assert_eq!((f.seq(), f.peer()), (seq, peer));
        let a = f.attrs().unwrap();
        assert_eq!(a.objid(), Some(OBJ));
        a.data_table().unwrap().unwrap()
    }

    fn str_of<'a>(t: &Table<'a>, name: &str) -> &'a str {
        t.get(name).and_then(|v| v.as_str()).unwrap()
    }

    fn table_of<'a>(t: &Table<'a>, name: &str) -> Table<'a> {
        t.get(name).and_then(|v| v.as_table()).unwrap()
    }

    #[test]
    fn status_reply_has_every_seed_field() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        let invoke = vector("c1_call_tr069_status/06_C2_u2c_INVOKE.bin");
        let out = call(&mut client, &mut agent, &invoke);
        assert_eq!(out.len(), 2);
        let data = data_of(&out[0], 2, CALLER);
        let names: Vec<&[u8]> = data.iter().map(|f| f.name).collect();
        assert_eq!(
            names,
            [
                &b"cwmp"[..],
                b"last_session",
                b"next_session",
                b"statistics"
            ]
        );
        let cwmp = table_of(&data, "cwmp");
        assert_eq!(str_of(&cwmp, "status"), "up");
        assert_eq!(str_of(&cwmp, "start_time"), "2024-01-01T00:00:00Z");
        assert_eq!(str_of(&cwmp, "acs_url"), "http://127.0.0.1:7547/");
        let last = table_of(&data, "last_session");
        assert_eq!(str_of(&last, "status"), "success");
        assert_eq!(str_of(&last, "start_time"), "2024-01-01T00:00:05Z");
        assert_eq!(str_of(&last, "end_time"), "2024-01-01T00:00:07Z");
        let next = table_of(&data, "next_session");
        assert_eq!(str_of(&next, "status"), "waiting");
        assert_eq!(str_of(&next, "start_time"), "2024-01-01T00:05:05Z");
        assert_eq!(str_of(&next, "end_time"), "N/A");
        let stats = table_of(&data, "statistics");
        assert_eq!(stats.get("success_sessions"), Some(Value::Int32(3)));
        assert_eq!(stats.get("failure_sessions"), Some(Value::Int32(0)));
        assert_eq!(stats.get("total_sessions"), Some(Value::Int32(3)));
        assert_eq!(status_of(&out[1], 2, CALLER), Status::Ok);
    }

    #[test]
    fn status_before_any_session_is_not_available() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        agent.status.last_session = LastSession::None;
        agent.status.next_session.start_time = None;
        agent.status.cwmp.start_time = None;
        let invoke = vector("c1_call_tr069_status/06_C2_u2c_INVOKE.bin");
        let out = call(&mut client, &mut agent, &invoke);
        let data = data_of(&out[0], 2, CALLER);
        let last = table_of(&data, "last_session");
        assert_eq!(
            [
                str_of(&last, "status"),
                str_of(&last, "start_time"),
                str_of(&last, "end_time")
            ],
            ["N/A"; 3]
        );
        assert_eq!(
            str_of(&table_of(&data, "next_session"), "start_time"),
            "N/A"
        );
        assert_eq!(str_of(&table_of(&data, "cwmp"), "start_time"), "N/A");
    }

    #[test]
    fn inform_from_vector_c2_reaches_the_agent() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        let invoke = vector("c2_call_tr069_inform/06_C2_u2c_INVOKE.bin");
        let out = call(&mut client, &mut agent, &invoke);
        assert_eq!(
            agent.informs,
            [InformRequest {
                get_rpc_methods: true,
                event: Some(InformEvent::Boot)
            }]
        );
        let data = data_of(&out[0], 2, 0x4dd7_3199);
        assert_eq!(data.get("status"), Some(Value::Int32(1)));
        assert_eq!(
            str_of(&data, "info"),
            "Session with GetRPCMethods will start"
        );
        let f = Frame::new_checked(&out[1]).unwrap();
        assert_eq!(f.attrs().unwrap().status(), Some(Status::Ok));
    }

    #[test]
    fn command_from_vector_c3_reaches_the_agent() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        let invoke = vector("c3_call_tr069_command/06_C2_u2c_INVOKE.bin");
        let out = call(&mut client, &mut agent, &invoke);
        assert_eq!(agent.commands, [Command::Reload]);
        let data = data_of(&out[0], 2, 0x4ae3_00ad);
        assert_eq!(data.get("status"), Some(Value::Int32(0)));
        assert_eq!(str_of(&data, "info"), "cwmpd config reloaded");
        let names: Vec<&[u8]> = data.iter().map(|f| f.name).collect();
        assert_eq!(names, [&b"status"[..], b"info"]);
    }

    #[test]
    fn unknown_method_answers_like_vector_d1() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        let invoke = vector("d1_unknown_method/06_C2_u2c_INVOKE.bin");
        let out = call(&mut client, &mut agent, &invoke);
        assert_eq!(out, [vector("d1_unknown_method/07_C2_c2u_STATUS.bin")]);
    }

    #[test]
    fn inform_with_event_only_is_valid_unlike_the_d3_mock() {
        // The PyPI mock in d3 demanded every signature argument and answered 2; the seed makes
        // both inform arguments optional, so cwmpd accepts the call.
        let mut client = registered();
        let mut agent = FakeAgent::new();
        agent.inform_outcome = InformOutcome::Queued;
        let invoke = vector("d3_invalid_argument/06_C2_u2c_INVOKE.bin");
        let out = call(&mut client, &mut agent, &invoke);
        assert_eq!(
            agent.informs,
            [InformRequest {
                get_rpc_methods: false,
                event: Some(InformEvent::Boot)
            }]
        );
        let data = data_of(&out[0], 2, 0x3069_40a3);
        assert_eq!(data.get("status"), Some(Value::Int32(1)));
        assert_eq!(
            str_of(&data, "info"),
            "Session already running, event will be sent at the end of the session"
        );
        assert_eq!(status_of(&out[1], 2, 0x3069_40a3), Status::Ok);
    }

    fn assert_invalid(method: &str, args: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>) {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        let out = call(&mut client, &mut agent, &invoke_frame(method, args));
        assert_eq!(out.len(), 1, "{method}");
        assert_eq!(status_of(&out[0], 7, CALLER), Status::InvalidArgument);
        assert!(agent.informs.is_empty() && agent.commands.is_empty());
    }

    #[test]
    fn invalid_arguments_answer_status_2() {
        assert_invalid("command", |_| Ok(()));
        assert_invalid("command", |w| w.put_str("command", "reboot"));
        assert_invalid("command", |w| w.put_i32("command", 1));
        assert_invalid("command", |w| w.put_null("command"));
        assert_invalid("command", |w| {
            w.put_str("command", "reload")?;
            w.put_str("command", "exit")
        });
        assert_invalid("command", |w| {
            w.put_str("command", "reload")?;
            w.put_bool("force", true)
        });
        assert_invalid("inform", |w| w.put_str("event", "0 BOOTSTRAP"));
        assert_invalid("inform", |w| w.put_str("GetRPCMethods", "true"));
        assert_invalid("inform", |w| w.put_i32("GetRPCMethods", 1));
        assert_invalid("inform", |w| w.table("event", |_| Ok(())));
        assert_invalid("status", |w| w.put_str("command", "reload"));
    }

    #[test]
    fn valid_calls_reach_the_agent() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        for cmd in Command::ALL {
            let out = call(
                &mut client,
                &mut agent,
                &invoke_frame("command", |w| w.put_str("command", cmd.name())),
            );
            let data = data_of(&out[0], 7, CALLER);
            assert_eq!(data.get("status"), Some(Value::Int32(0)));
        }
        assert_eq!(agent.commands, Command::ALL);
        let out = call(&mut client, &mut agent, &invoke_frame("inform", |_| Ok(())));
        assert_eq!(
            data_of(&out[0], 7, CALLER).get("status"),
            Some(Value::Int32(1))
        );
        assert_eq!(agent.informs, [InformRequest::default()]);
    }

    #[test]
    fn refused_command_answers_minus_one() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        agent.command_outcome = CommandOutcome::Refused("cwmpd config reload failed");
        let out = call(
            &mut client,
            &mut agent,
            &invoke_frame("command", |w| w.put_str("command", "reload")),
        );
        let data = data_of(&out[0], 7, CALLER);
        assert_eq!(data.get("status"), Some(Value::Int32(-1)));
        assert_eq!(str_of(&data, "info"), "cwmpd config reload failed");
    }

    #[test]
    fn reply_too_big_for_buffer_answers_no_memory() {
        let mut client = registered();
        let mut agent = FakeAgent::new();
        let frame = vector("c1_call_tr069_status/06_C2_u2c_INVOKE.bin");
        let Ok(Some(Event::Invoke(inv))) = client.handle_frame(&frame) else {
            panic!("no invoke");
        };
        let mut small = [0u8; 64];
        let n = serve(&client, &inv, &mut agent, &mut small).unwrap();
        assert_eq!(status_of(&small[..n], 2, CALLER), Status::NoMemory);
    }

    #[test]
    fn huge_counters_are_clamped_to_int32() {
        let mut agent = FakeAgent::new();
        agent.status.statistics.success_sessions = u32::MAX;
        let reply = dispatch(&mut agent, Request::Status);
        let mut buf = [0u8; 1024];
        let mut w = Writer::new(&mut buf);
        encode_reply(&reply, &mut w).unwrap();
        let table = Table::new_checked(w.written()).unwrap();
        let stats = table.get("statistics").and_then(|v| v.as_table()).unwrap();
        assert_eq!(stats.get("success_sessions"), Some(Value::Int32(i32::MAX)));
        assert_eq!(stats.get("total_sessions"), Some(Value::Int32(i32::MAX)));
    }

    #[test]
    fn last_session_running_reports_running() {
        let mut agent = FakeAgent::new();
        agent.status.last_session = LastSession::Running {
            start: UnixTime(1_704_067_200),
        };
        let reply = dispatch(&mut agent, Request::Status);
        let mut buf = [0u8; 1024];
        let mut w = Writer::new(&mut buf);
        encode_reply(&reply, &mut w).unwrap();
        let table = Table::new_checked(w.written()).unwrap();
        let last = table
            .get("last_session")
            .and_then(|v| v.as_table())
            .unwrap();
        assert_eq!(str_of(&last, "status"), "running");
        assert_eq!(str_of(&last, "end_time"), "N/A");
    }
}
