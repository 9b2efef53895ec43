//! The broker against the captured ubusd traffic, frame by frame.
//!
//! Every scenario of `testdata/vectors/ubus` is replayed in order on one broker (the captures ran
//! against one ubusd instance, so later scenarios rely on objects registered by earlier ones):
//! each frame a client sent is fed to the broker, and the frames the broker sends each
//! connection must equal, in order and byte for byte, what ubusd sent that connection. ubusd's
//! ids are random, so ids (client, object and type ids: in the header peer, in `OBJID`,
//! `OBJTYPE`, `TARGET`, `SUBSCRIBERS`, and in the blobmsg `id`/`object` members of events) are
//! compared through a one-to-one mapping learnt as they first appear. A connection whose last
//! captured message has passed is closed when it owns no named object (the CLI processes exit;
//! the object servers keep running), and closing it must send nothing.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, VecDeque};

use cwmp_bench::ubusd::Broker;
use cwmp_core::ubus::blob::{Attr, Attrs, Walk};
use cwmp_core::ubus::blobmsg::{Field, Value};
use cwmp_core::ubus::msg::{AttrId, Frame, MsgType, SYSTEM_OBJECT_MAX};
use serde_json::Value as Json;

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/ubus");

struct Message {
    label: String,
    conn: String,
    to_ubusd: bool,
    bytes: Vec<u8>,
}

fn messages() -> Vec<Message> {
    let list: Json =
        serde_json::from_slice(&std::fs::read(format!("{VECTORS}/scenarios.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for entry in list.as_array().unwrap() {
        let scenario = entry[0].as_str().unwrap();
        let doc: Json = serde_json::from_slice(
            &std::fs::read(format!("{VECTORS}/{scenario}/messages.json")).unwrap(),
        )
        .unwrap();
        for m in doc["messages"].as_array().unwrap() {
            let file = m["file"].as_str().unwrap();
            out.push(Message {
                label: format!("{scenario}/{file}"),
                conn: m["conn"].as_str().unwrap().to_owned(),
                to_ubusd: m["direction"].as_str().unwrap() == "client->ubusd",
                bytes: std::fs::read(format!("{VECTORS}/{scenario}/{file}")).unwrap(),
            });
        }
    }
    out
}

/// Byte offsets of the ids in a frame.
fn id_offsets(bytes: &[u8]) -> Vec<usize> {
    let frame = Frame::new_checked(bytes).unwrap();
    let mut out = Vec::new();
    if frame.peer() >= SYSTEM_OBJECT_MAX {
        out.push(4);
    }
    walk_attrs(bytes, frame.body(), &mut out);
    out
}

fn offset_of(base: &[u8], part: &[u8]) -> usize {
    part.as_ptr() as usize - base.as_ptr() as usize
}

fn walk_attrs(frame: &[u8], body: &[u8], out: &mut Vec<usize>) {
    for attr in Attrs::new(body, Walk::Strict) {
        let attr = attr.unwrap();
        match AttrId::from_u8(attr.id()) {
            Some(AttrId::ObjId | AttrId::ObjType | AttrId::Target)
                if u32_at(attr.payload()) >= SYSTEM_OBJECT_MAX =>
            {
                out.push(offset_of(frame, attr.payload()));
            }
            Some(AttrId::Subscribers) => {
                for sub in Attrs::new(attr.payload(), Walk::Strict) {
                    out.push(offset_of(frame, sub.unwrap().payload()));
                }
            }
            Some(AttrId::Data) => walk_blobmsg(frame, attr.payload(), out),
            _ => {}
        }
    }
}

fn walk_blobmsg(frame: &[u8], members: &[u8], out: &mut Vec<usize>) {
    for attr in Attrs::new(members, Walk::Strict) {
        let attr: Attr<'_> = attr.unwrap();
        let field = Field::parse(attr).unwrap();
        match field.value {
            Value::Int32(v)
                if (field.name == b"id" || field.name == b"object")
                    && v as u32 >= SYSTEM_OBJECT_MAX =>
            {
                let payload = attr.payload();
                out.push(offset_of(frame, &payload[payload.len() - 4..]));
            }
            Value::Table(t) => walk_blobmsg(frame, t.as_bytes(), out),
            Value::Array(a) => walk_blobmsg(frame, a.as_bytes(), out),
            _ => {}
        }
    }
}

fn u32_at(b: &[u8]) -> u32 {
    u32::from_be_bytes(b[..4].try_into().unwrap())
}

/// captured id <-> broker id, one to one.
#[derive(Default)]
struct IdMap {
    to_broker: HashMap<u32, u32>,
    to_captured: HashMap<u32, u32>,
}

impl IdMap {
    fn learn(&mut self, captured: u32, broker: u32, what: &str) {
        match (self.to_broker.get(&captured), self.to_captured.get(&broker)) {
            (Some(&b), _) => assert_eq!(b, broker, "{what}: id {captured:08x} maps elsewhere"),
            (None, Some(&c)) => panic!("{what}: broker id {broker:08x} already stands for {c:08x}"),
            (None, None) => {
                self.to_broker.insert(captured, broker);
                self.to_captured.insert(broker, captured);
            }
        }
    }

    /// A captured client frame with the ids the broker knows them by.
    fn translate(&self, captured: &[u8]) -> Vec<u8> {
        let mut out = captured.to_vec();
        for at in id_offsets(captured) {
            let id = u32_at(&captured[at..]);
            if let Some(b) = self.to_broker.get(&id) {
                out[at..at + 4].copy_from_slice(&b.to_be_bytes());
            }
        }
        out
    }

    /// Checks a broker frame against the captured one, learning ids.
    fn compare(&mut self, expected: &[u8], actual: &[u8], what: &str) {
        assert_eq!(
            expected.len(),
            actual.len(),
            "{what}: length\n expected {}\n actual   {}",
            hex(expected),
            hex(actual)
        );
        let ids = id_offsets(expected);
        assert_eq!(ids, id_offsets(actual), "{what}: id positions");
        let mut masked_e = expected.to_vec();
        let mut masked_a = actual.to_vec();
        for &at in &ids {
            self.learn(u32_at(&expected[at..]), u32_at(&actual[at..]), what);
            masked_e[at..at + 4].fill(0);
            masked_a[at..at + 4].fill(0);
        }
        assert_eq!(
            hex(&masked_e),
            hex(&masked_a),
            "{what}: bytes differ outside ids"
        );
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[test]
fn broker_matches_every_captured_ubusd_frame() {
    let messages = messages();
    assert_eq!(messages.len(), 177);
    let last_index: HashMap<&str, usize> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| (m.conn.as_str(), i))
        .collect();
    let mut broker = Broker::new(0x1234_5678);
    let mut ids = IdMap::default();
    let mut conns: HashMap<String, u32> = HashMap::new();
    let mut queues: HashMap<u32, VecDeque<Vec<u8>>> = HashMap::new();
    let mut compared = 0;
    let mut fed = 0;

    for (i, m) in messages.iter().enumerate() {
        let kind = Frame::new_checked(&m.bytes).unwrap().kind();
        if !m.to_ubusd && kind == Some(MsgType::Hello) {
            assert!(!conns.contains_key(&m.conn), "{}: second HELLO", m.label);
            let (id, out) = broker.connect("root", "root");
            conns.insert(m.conn.clone(), id);
            for o in out {
                queues.entry(o.to).or_default().push_back(o.frame);
            }
        }
        let id = conns[&m.conn];
        if m.to_ubusd {
            let frame = ids.translate(&m.bytes);
            for o in broker.receive(id, &frame) {
                queues.entry(o.to).or_default().push_back(o.frame);
            }
            fed += 1;
        } else {
            let actual = queues
                .get_mut(&id)
                .and_then(|q| q.pop_front())
                .unwrap_or_else(|| panic!("{}: the broker sent nothing", m.label));
            ids.compare(&m.bytes, &actual, &m.label);
            compared += 1;
        }
        if last_index[m.conn.as_str()] == i && !broker.owns_named_object(id) {
            let out = broker.disconnect(id);
            assert!(out.is_empty(), "{}: closing sent {out:?}", m.label);
        }
    }
    for (conn, id) in &conns {
        let left = queues.get(id).map_or(0, |q| q.len());
        assert_eq!(
            left, 0,
            "{conn}: the broker sent {left} frames ubusd did not"
        );
    }
    assert_eq!(compared + fed, 177);
    assert_eq!(compared, messages.iter().filter(|m| !m.to_ubusd).count());
}
