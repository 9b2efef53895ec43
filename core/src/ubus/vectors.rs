//! Every captured frame in `testdata/vectors/ubus` against the codec: it decodes to what its
//! annotation (`messages.json`, the `ubus monitor` view) says, and re-encoding the decoded
//! content with our writer gives the captured bytes back.

use serde_json::{Map, Value as Json, json};
use std::borrow::ToOwned;
use std::string::String;
use std::vec::Vec;

use super::blob::{Attr, Attrs, EncodeError, Walk, Writer};
use super::blobmsg::{Field, Table, Value};
use super::msg::{AttrId, Frame, MsgAttrs, Status};

const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/ubus");

struct Message {
    scenario: String,
    file: String,
    meta: Json,
    bytes: Vec<u8>,
}

fn all_messages() -> Vec<Message> {
    let list: Json =
        serde_json::from_slice(&std::fs::read(std::format!("{VECTORS}/scenarios.json")).unwrap())
            .unwrap();
    let mut out = Vec::new();
    for entry in list.as_array().unwrap() {
        let scenario = entry[0].as_str().unwrap().to_owned();
        let doc: Json = serde_json::from_slice(
            &std::fs::read(std::format!("{VECTORS}/{scenario}/messages.json")).unwrap(),
        )
        .unwrap();
        let messages = doc["messages"].as_array().unwrap();
        assert_eq!(messages.len() as u64, entry[2].as_u64().unwrap());
        for meta in messages {
            let file = meta["file"].as_str().unwrap().to_owned();
            let bytes = std::fs::read(std::format!("{VECTORS}/{scenario}/{file}")).unwrap();
            out.push(Message {
                scenario: scenario.clone(),
                file,
                meta: meta.clone(),
                bytes,
            });
        }
    }
    out
}

/// blobmsg as libubus prints it (int8 as a boolean, int32 signed).
fn to_json(value: Value<'_>) -> Json {
    match value {
        Value::Unspec([]) => Json::Null,
        Value::Unspec(b) => Json::String(b.iter().map(|x| std::format!("{x:02x}")).collect()),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Table(t) => table_json(t),
        Value::String(s) => Json::String(String::from_utf8(s.to_vec()).unwrap()),
        Value::Int64(v) => json!(v),
        Value::Int32(v) => json!(v),
        Value::Int16(v) => json!(v),
        Value::Int8(v) => json!(v != 0),
        Value::Double(v) => json!(v),
    }
}

fn table_json(t: Table<'_>) -> Json {
    let mut map = Map::new();
    for f in t.iter() {
        map.insert(
            String::from_utf8(f.name.to_vec()).unwrap(),
            to_json(f.value),
        );
    }
    Json::Object(map)
}

/// The body the way decode.py's `monitor_view` (and `ubus monitor`) shows it.
fn monitor_view(attrs: &MsgAttrs<'_>) -> Json {
    let mut map = Map::new();
    let signed = |v: u32| json!(v as i32);
    if let Some(s) = attrs.status() {
        map.insert("status".into(), json!(s.code()));
    }
    if let Some(p) = attrs.objpath() {
        map.insert(
            "objpath".into(),
            json!(String::from_utf8(p.to_vec()).unwrap()),
        );
    }
    if let Some(v) = attrs.objid() {
        map.insert("objid".into(), signed(v));
    }
    if let Some(m) = attrs.method() {
        map.insert(
            "method".into(),
            json!(String::from_utf8(m.to_vec()).unwrap()),
        );
    }
    if let Some(v) = attrs.objtype() {
        map.insert("objtype".into(), signed(v));
    }
    if let Some(sig) = attrs.signature() {
        map.insert(
            "signature".into(),
            table_json(Table::new_checked(sig).unwrap()),
        );
    }
    if let Some(data) = attrs.data_table() {
        map.insert("data".into(), table_json(data.unwrap()));
    }
    if let Some(a) = attrs.active() {
        map.insert("active".into(), json!(a));
    }
    if let Some(n) = attrs.no_reply() {
        map.insert("no_reply".into(), json!(n));
    }
    if let Some(u) = attrs.user() {
        map.insert("user".into(), json!(String::from_utf8(u.to_vec()).unwrap()));
    }
    if let Some(g) = attrs.group() {
        map.insert(
            "group".into(),
            json!(String::from_utf8(g.to_vec()).unwrap()),
        );
    }
    Json::Object(map)
}

#[test]
fn every_captured_frame_decodes_to_its_annotation() {
    let messages = all_messages();
    assert_eq!(messages.len(), 177);
    for m in &messages {
        let what = std::format!("{}/{}", m.scenario, m.file);
        let frame = Frame::new_checked(&m.bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            m.bytes.len() as u64,
            m.meta["length"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(
            u64::from(frame.header().msg_type),
            m.meta["type"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(
            u64::from(frame.seq()),
            m.meta["seq"].as_u64().unwrap(),
            "{what}"
        );
        assert_eq!(
            u64::from(frame.peer()),
            m.meta["peer"].as_u64().unwrap(),
            "{what}"
        );
        let hex: String = m.bytes.iter().map(|b| std::format!("{b:02x}")).collect();
        assert_eq!(hex, m.meta["hex"].as_str().unwrap(), "{what}");
        let attrs = frame.attrs().unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(attrs, frame.attrs_lenient(), "{what}");
        assert_eq!(monitor_view(&attrs), m.meta["body"], "{what}");
    }
}

#[test]
fn subscribers_list_decodes() {
    let m = all_messages()
        .into_iter()
        .find(|m| m.file == "02_C19_u2c_STATUS.bin" && m.scenario.starts_with("g4"))
        .unwrap();
    let frame = Frame::new_checked(&m.bytes).unwrap();
    let attrs = frame.attrs().unwrap();
    assert_eq!(
        attrs.subscribers().unwrap().collect::<Vec<_>>(),
        [0xa394_ca68]
    );
    assert_eq!(attrs.status(), Some(Status::Ok));
}

fn reencode_blobmsg(w: &mut Writer<'_>, field: Field<'_>) -> Result<(), EncodeError> {
    let name = core::str::from_utf8(field.name).unwrap();
    match field.value {
        Value::Unspec(b) => w.put_field(super::blobmsg::Type::Unspec, name, b),
        Value::Array(a) => w.array(name, |w| {
            for attr in Attrs::new(a.as_bytes(), Walk::Strict) {
                reencode_blobmsg(w, Field::parse(attr.unwrap()).unwrap())?;
            }
            Ok(())
        }),
        Value::Table(t) => w.table(name, |w| reencode_list(w, t.as_bytes())),
        Value::String(s) => w.put_bytes_str(name, s),
        Value::Int64(v) => w.put_i64(name, v),
        Value::Int32(v) => w.put_i32(name, v),
        Value::Int16(v) => w.put_i16(name, v),
        Value::Int8(v) => w.put_i8(name, v),
        Value::Double(v) => w.put_f64(name, v),
    }
}

fn reencode_list(w: &mut Writer<'_>, members: &[u8]) -> Result<(), EncodeError> {
    for attr in Attrs::new(members, Walk::Strict) {
        reencode_blobmsg(w, Field::parse(attr.unwrap()).unwrap())?;
    }
    Ok(())
}

fn reencode_attr(w: &mut Writer<'_>, attr: Attr<'_>) -> Result<(), EncodeError> {
    let id = AttrId::from_u8(attr.id()).unwrap();
    let p = attr.payload();
    match id {
        AttrId::Data | AttrId::Signature => {
            let nest = w.begin(id.to_u8())?;
            reencode_list(w, p)?;
            w.end(nest);
            Ok(())
        }
        AttrId::Subscribers => {
            let nest = w.begin(id.to_u8())?;
            for sub in Attrs::new(p, Walk::Strict) {
                let sub = sub.unwrap();
                let v = u32::from_be_bytes(sub.payload().try_into().unwrap());
                w.put_int32(0, v)?;
            }
            w.end(nest);
            Ok(())
        }
        AttrId::ObjPath | AttrId::Method | AttrId::User | AttrId::Group => {
            w.put_cstring(id.to_u8(), &p[..p.len() - 1])
        }
        AttrId::Active | AttrId::NoReply => w.put_int8(id.to_u8(), p[0]),
        _ => w.put_int32(id.to_u8(), u32::from_be_bytes(p.try_into().unwrap())),
    }
}

#[test]
fn every_captured_frame_reencodes_byte_for_byte() {
    for m in all_messages() {
        let frame = Frame::new_checked(&m.bytes).unwrap();
        let mut buf = std::vec![0u8; m.bytes.len() + 64];
        let n = super::msg::write_frame(&mut buf, frame.header(), |w| {
            for attr in Attrs::new(frame.body(), Walk::Strict) {
                reencode_attr(w, attr.unwrap())?;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(&buf[..n], &m.bytes[..], "{}/{}", m.scenario, m.file);
    }
}
