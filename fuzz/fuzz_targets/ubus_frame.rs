//! Arbitrary bytes as ubus traffic: frame splitting, the checked frame view, every message
//! attribute accessor, recursive blobmsg walks (checked and unchecked), and the client state
//! machine serving `tr069` (through the control API) and calling other objects.
#![no_main]

use cwmp_core::control::{
    self, Command, CommandOutcome, ControlHandler, CwmpInfo, InformOutcome, InformRequest,
    LastSession, NextSession, ServiceStatus, Statistics, StatusReply,
};
use cwmp_core::limits::UBUS_MAX_MSG_LEN;
use cwmp_core::time::{Instant, UnixTime};
use cwmp_core::ubus::blobmsg::{Array, Table, Value};
use cwmp_core::ubus::client::{Client, Config, Event};
use cwmp_core::ubus::msg::{
    AttrId, Frame, Framing, Header, MsgType, Status, frame_len, write_frame,
};
use libfuzzer_sys::fuzz_target;

struct Agent;

impl ControlHandler for Agent {
    fn status(&self) -> StatusReply<'_> {
        StatusReply {
            cwmp: CwmpInfo {
                acs_url: "http://acs/",
                start_time: Some(UnixTime(0)),
                status: ServiceStatus::Up,
            },
            last_session: LastSession::Running { start: UnixTime(1) },
            next_session: NextSession { start_time: None },
            statistics: Statistics::default(),
        }
    }
    fn inform(&mut self, _: InformRequest) -> InformOutcome<'_> {
        InformOutcome::Queued
    }
    fn command(&mut self, _: Command) -> CommandOutcome<'_> {
        CommandOutcome::Refused("no")
    }
}

fn walk(value: Value<'_>, sum: &mut u64) {
    match value {
        Value::Table(t) => walk_table(t, sum),
        Value::Array(a) => walk_array(a, sum),
        Value::String(s) => *sum = sum.wrapping_add(s.len() as u64),
        other => *sum = sum.wrapping_add(other.as_i64().unwrap_or(1) as u64),
    }
}

fn walk_table(t: Table<'_>, sum: &mut u64) {
    for f in t.iter() {
        *sum = sum.wrapping_add(f.name.len() as u64);
        walk(f.value, sum);
    }
}

fn walk_array(a: Array<'_>, sum: &mut u64) {
    for v in a.iter() {
        walk(v, sum);
    }
}

fn inspect(bytes: &[u8]) -> u64 {
    let mut sum = 0u64;
    let Ok(frame) = Frame::new_checked(bytes) else {
        return sum;
    };
    let _ = (frame.kind(), frame.seq(), frame.peer(), frame.header());
    for attrs in [frame.attrs().ok(), Some(frame.attrs_lenient())]
        .into_iter()
        .flatten()
    {
        let _ = (
            attrs.status(),
            attrs.objpath(),
            attrs.objid(),
            attrs.method(),
        );
        let _ = (
            attrs.objtype(),
            attrs.target(),
            attrs.active(),
            attrs.no_reply(),
        );
        let _ = (attrs.user(), attrs.group());
        if let Some(subs) = attrs.subscribers() {
            sum = sum.wrapping_add(subs.count() as u64);
        }
        for payload in [attrs.data(), attrs.signature()].into_iter().flatten() {
            match Table::new_checked(payload) {
                Ok(t) => walk_table(t, &mut sum),
                // Unchecked views must stop quietly on the same bytes.
                Err(_) => walk_table(Table::new_unchecked(payload), &mut sum),
            }
            if let Ok(a) = Array::new_checked(payload) {
                walk_array(a, &mut sum);
            }
        }
    }
    sum
}

const OBJ: u32 = 0x7e54_ec4b;

/// ubusd's greeting and its answer to our registration, so INVOKEs can reach the object.
fn greet(client: &mut Client, tx: &mut [u8]) {
    let mut buf = [0u8; 64];
    let hello = Header::new(MsgType::Hello, 0, 0x26ac_7a0f);
    if let Ok(n) = write_frame(&mut buf, hello, |_| Ok(())) {
        let _ = client.handle_frame(&buf[..n]);
    }
    while let Ok(Some(_)) = client.poll_transmit(Instant::ZERO, tx) {}
    let data = Header::new(MsgType::Data, 1, 0);
    if let Ok(n) = write_frame(&mut buf, data, |w| w.put_attr_u32(AttrId::ObjId, OBJ)) {
        let _ = client.handle_frame(&buf[..n]);
    }
    let status = Header::new(MsgType::Status, 1, 0);
    if let Ok(n) = write_frame(&mut buf, status, |w| w.put_status(Status::Ok)) {
        let _ = client.handle_frame(&buf[..n]);
    }
}

fuzz_target!(|data: &[u8]| {
    let _ = inspect(data);

    static PATTERNS: [&str; 2] = ["*", "tr069.*"];
    let mut config = Config::new(Some(&control::TR069_OBJECT));
    config.event_patterns = &PATTERNS;
    config.max_frame_len = 64 * 1024;
    let Ok(mut client) = Client::new(config) else {
        return;
    };
    let mut agent = Agent;
    let mut tx = [0u8; 2048];
    greet(&mut client, &mut tx);

    let mut now = 0u64;
    let mut rest = data;
    while !rest.is_empty() {
        let len = match frame_len(rest, UBUS_MAX_MSG_LEN.min(64 * 1024)) {
            Ok(Framing::Complete { len }) => len,
            _ => break,
        };
        let (frame, tail) = rest.split_at(len);
        rest = tail;
        let _ = inspect(frame);
        now += 1000;
        match client.handle_frame(frame) {
            Ok(Some(Event::Invoke(invoke))) => {
                let _ = control::blobmsg::serve(&client, &invoke, &mut agent, &mut tx);
            }
            Ok(Some(Event::Connected { .. })) => {
                // A frame that was itself a HELLO after a reset; nothing to add.
            }
            Ok(_) => {}
            Err(e) if e.is_fatal() => {
                client.reset();
                greet(&mut client, &mut tx);
            }
            Err(_) => {}
        }
        let t = Instant::from_millis(now);
        while let Ok(Some(_)) = client.poll_transmit(t, &mut tx) {}
        // Requests of every kind, so replies in the input can match them.
        let _ = client.lookup(Some("bbfdm"), t, &mut tx);
        let _ = client.invoke(OBJ, "status", &[], t, &mut tx);
        let _ = client.ping(t, &mut tx);
        while client.poll_event(Instant::from_millis(now * 40)).is_some() {}
        let _ = client.poll_timeout();
    }
});
