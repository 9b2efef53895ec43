//! A ubusd-compatible broker for tests on machines without ubusd.
//!
//! Responsible for behaving like ubusd (openwrt/ubus @ 3cc98db, the build the vectors in
//! `testdata/vectors/ubus` were captured from) on the wire: HELLO with a random client id
//! ≥ 1024, LOOKUP (exact, `*` prefix, all), ADD_OBJECT (with a signature, reusing a type, or
//! anonymous), REMOVE_OBJECT, INVOKE routing with ubusd's peer/seq rewriting and USER/GROUP
//! attributes, DATA/STATUS relaying, the event object (id 1: `register`, `send`, and the
//! `ubus.object.add`/`remove` events), SUBSCRIBE/UNSUBSCRIBE/NOTIFY, PING, and the status codes
//! ubusd itself answers with. [`Broker`] is the sans-IO core (deterministic with a seed, which is
//! how it is checked frame by frame against the vectors); [`Ubusd`] serves it on a Unix socket,
//! one reader and one writer thread per client.
//!
//! Not implemented, on purpose: ACL files (every client may do everything, as root may on a
//! router), the monitor object (id 3 answers `PERMISSION_DENIED` to everyone, as ubusd does to a
//! non-root client) and file descriptor passing (the bytes are relayed, descriptors are not).
//! The ACL object (id 2) answers `query` with an empty list. USER and GROUP are the names the
//! broker is configured with (default `root`), not looked up from the peer's credentials.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{self, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

use cwmp_core::limits::UBUS_MAX_MSG_LEN;
use cwmp_core::ubus::blob::{Attrs, EncodeError, Walk, Writer};
use cwmp_core::ubus::blobmsg::{Field, Type, Value};
use cwmp_core::ubus::msg::{
    ACL_OBJECT_ID, AttrId, EVENT_OBJECT_ID, Frame, FrameError, Framing, Header, MONITOR_OBJECT_ID,
    MsgAttrs, MsgType, SYSTEM_OBJECT_MAX, Status, frame_len, write_frame,
};

/// A frame the broker sends, and to which client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// Destination client id.
    pub to: u32,
    /// The whole frame.
    pub frame: Vec<u8>,
}

/// xorshift64*: ids only need to be unpredictable enough for tests, and reproducible by seed.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn next_u32(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

#[derive(Debug)]
struct ClientState {
    user: Vec<u8>,
    group: Vec<u8>,
    /// Newest first (ubusd `list_add`).
    objects: Vec<u32>,
}

#[derive(Debug)]
struct ObjType {
    refcount: u32,
    /// Each method's blobmsg attribute as registered (type id, name, value bytes).
    methods: Vec<(u8, Vec<u8>, Vec<u8>)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum System {
    Event,
    Acl,
    Monitor,
}

#[derive(Debug)]
struct Object {
    /// `None` for ubusd's own objects.
    client: Option<u32>,
    system: Option<System>,
    path: Option<Vec<u8>>,
    type_id: Option<u32>,
    /// Subscriber object ids, newest first.
    subscribers: Vec<u32>,
    /// Objects this one subscribes to, newest first.
    targets: Vec<u32>,
    invoke_seq: u16,
    event_seen: u64,
    /// Keys of this object's event patterns.
    patterns: Vec<(Vec<u8>, u64)>,
}

impl Object {
    fn new(client: Option<u32>, system: Option<System>) -> Object {
        Object {
            client,
            system,
            path: None,
            type_id: None,
            subscribers: Vec::new(),
            targets: Vec::new(),
            invoke_seq: 0,
            event_seen: 0,
            patterns: Vec::new(),
        }
    }
}

#[derive(Debug)]
struct Pattern {
    obj: u32,
    partial: bool,
}

/// A method call to forward to an object's owner.
#[derive(Clone, Copy)]
struct Call<'a> {
    method: &'a [u8],
    data: Option<&'a [u8]>,
    no_reply: bool,
}

/// What a handler leaves to the common tail: a bare STATUS, or nothing (it answered itself).
enum Ret {
    Status(Status),
    Silent,
}

/// The broker's state: clients, objects, types, event patterns. Deterministic for a given seed.
#[derive(Debug)]
pub struct Broker {
    rng: Rng,
    clients: HashMap<u32, ClientState>,
    objects: HashMap<u32, Object>,
    paths: BTreeMap<Vec<u8>, u32>,
    types: HashMap<u32, ObjType>,
    patterns: BTreeMap<(Vec<u8>, u64), Pattern>,
    pattern_counter: u64,
    event_seq: u32,
    obj_event_seq: u64,
}

/// Builds a frame into a growing buffer.
fn build<F>(header: Header, body: F) -> Vec<u8>
where
    F: Fn(&mut Writer<'_>) -> Result<(), EncodeError>,
{
    let mut size = 4096;
    loop {
        let mut buf = vec![0u8; size];
        match write_frame(&mut buf, header, &body) {
            Ok(n) => {
                buf.truncate(n);
                return buf;
            }
            Err(EncodeError::Full) if size < 2 * UBUS_MAX_MSG_LEN => size *= 2,
            // Every name and payload comes from a frame within UBUS_MAX_MSG_LEN whose names had
            // 16-bit lengths, so neither limit can be hit.
            Err(e) => panic!("broker cannot encode a frame: {e}"),
        }
    }
}

/// ubusd's `ubus_strmatch_len`: the common prefix length, and whether both strings are equal.
fn strmatch_len(a: &[u8], b: &[u8]) -> (bool, usize) {
    let common = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    (common == a.len() && common == b.len(), common)
}

/// libubox `blobmsg_check_attr`: a well-formed blobmsg attribute, named when `named`.
fn blobmsg_ok(attr: cwmp_core::ubus::blob::Attr<'_>, named: bool) -> bool {
    match Field::parse(attr) {
        Ok(f) => !named || !f.name.is_empty(),
        Err(_) => false,
    }
}

/// libubox `blobmsg_parse` with a policy of `(name, type)`: the first matching member of each.
fn blobmsg_parse<'a, const N: usize>(
    data: &'a [u8],
    policy: [(&str, Type); N],
) -> [Option<Value<'a>>; N] {
    let mut out = [None; N];
    for attr in Attrs::new(data, Walk::Lenient).flatten() {
        if !blobmsg_ok(attr, false) {
            break;
        }
        let Ok(field) = Field::parse(attr) else {
            continue;
        };
        for (slot, (name, kind)) in out.iter_mut().zip(policy) {
            if slot.is_none() && field.value.kind() == kind && field.name == name.as_bytes() {
                *slot = Some(field.value);
            }
        }
    }
    out
}

impl Broker {
    /// A broker whose ids derive from `seed` (ubusd reads /dev/urandom).
    pub fn new(seed: u64) -> Broker {
        let mut broker = Broker {
            rng: Rng(seed | 1),
            clients: HashMap::new(),
            objects: HashMap::new(),
            paths: BTreeMap::new(),
            types: HashMap::new(),
            patterns: BTreeMap::new(),
            pattern_counter: 0,
            event_seq: 0,
            obj_event_seq: 1,
        };
        for (id, system) in [
            (EVENT_OBJECT_ID, System::Event),
            (ACL_OBJECT_ID, System::Acl),
            (MONITOR_OBJECT_ID, System::Monitor),
        ] {
            broker.objects.insert(id, Object::new(None, Some(system)));
        }
        broker
    }

    fn fresh_id(rng: &mut Rng, taken: impl Fn(u32) -> bool) -> u32 {
        loop {
            let id = rng.next_u32();
            if id >= SYSTEM_OBJECT_MAX && !taken(id) {
                return id;
            }
        }
    }

    /// A new connection from a peer known as `user`/`group`: its id and the HELLO to send.
    pub fn connect(&mut self, user: &str, group: &str) -> (u32, Vec<Output>) {
        let clients = &self.clients;
        let id = Self::fresh_id(&mut self.rng, |id| clients.contains_key(&id));
        self.clients.insert(
            id,
            ClientState {
                user: user.as_bytes().to_vec(),
                group: group.as_bytes().to_vec(),
                objects: Vec::new(),
            },
        );
        let hello = build(Header::new(MsgType::Hello, 0, id), |_| Ok(()));
        (
            id,
            vec![Output {
                to: id,
                frame: hello,
            }],
        )
    }

    /// The connection of client `id` is gone: its objects, subscriptions and patterns go too.
    pub fn disconnect(&mut self, id: u32) -> Vec<Output> {
        let mut out = Vec::new();
        let objects = self
            .clients
            .get(&id)
            .map(|c| c.objects.clone())
            .unwrap_or_default();
        for obj in objects {
            self.free_object(obj, &mut out);
        }
        self.clients.remove(&id);
        out
    }

    /// True when client `id` owns an object with a path.
    pub fn owns_named_object(&self, id: u32) -> bool {
        self.clients.get(&id).is_some_and(|c| {
            c.objects
                .iter()
                .any(|o| self.objects.get(o).is_some_and(|o| o.path.is_some()))
        })
    }

    /// Handles one whole frame from client `from` and returns what ubusd would send.
    pub fn receive(&mut self, from: u32, bytes: &[u8]) -> Vec<Output> {
        let mut out = Vec::new();
        let Ok(frame) = Frame::new_checked(bytes) else {
            return out;
        };
        let header = frame.header();
        let attrs = frame.attrs_lenient();
        let ret = match header.kind() {
            Some(MsgType::Ping) => {
                // The request echoed as DATA, then STATUS 0.
                let mut echo = bytes.to_vec();
                // A checked frame has at least 12 bytes; byte 1 is the type.
                echo[1] = MsgType::Data.to_u8();
                out.push(Output {
                    to: from,
                    frame: echo,
                });
                Ret::Status(Status::Ok)
            }
            Some(MsgType::AddObject) => self.add_object(from, header, &attrs, &mut out),
            Some(MsgType::RemoveObject) => self.remove_object(from, header, &attrs, &mut out),
            Some(MsgType::Lookup) => self.lookup(from, header, &attrs, &mut out),
            Some(MsgType::Invoke) => self.invoke(from, header, &attrs, &mut out),
            Some(MsgType::Status) | Some(MsgType::Data) => {
                self.response(from, bytes, header, &attrs, &mut out);
                Ret::Silent
            }
            Some(MsgType::Subscribe) => self.subscribe(from, &attrs, &mut out),
            Some(MsgType::Unsubscribe) => self.unsubscribe(from, &attrs, &mut out),
            Some(MsgType::Notify) => self.notify(from, header, &attrs, &mut out),
            Some(MsgType::Hello) | Some(MsgType::Monitor) | None => {
                Ret::Status(Status::InvalidCommand)
            }
        };
        if let Ret::Status(status) = ret {
            out.push(Output {
                to: from,
                frame: build(Header::new(MsgType::Status, header.seq, header.peer), |w| {
                    w.put_status(status)
                }),
            });
        }
        out
    }

    fn reply_data<F>(header: Header, to: u32, out: &mut Vec<Output>, body: F)
    where
        F: Fn(&mut Writer<'_>) -> Result<(), EncodeError>,
    {
        out.push(Output {
            to,
            frame: build(Header::new(MsgType::Data, header.seq, header.peer), body),
        });
    }

    fn create_type(&mut self, signature: &[u8]) -> Option<u32> {
        let mut methods = Vec::new();
        for attr in Attrs::new(signature, Walk::Lenient).flatten() {
            if !blobmsg_ok(attr, true) {
                return None;
            }
            let field = Field::parse(attr).ok()?;
            // The value starts after the padded name header, which `blobmsg_ok` found in place.
            let header = cwmp_core::ubus::blob::pad4(2 + field.name.len() + 1);
            let value = attr.payload().get(header..).unwrap_or(&[]);
            methods.push((attr.id(), field.name.to_vec(), value.to_vec()));
        }
        let types = &self.types;
        let id = Self::fresh_id(&mut self.rng, |id| types.contains_key(&id));
        self.types.insert(
            id,
            ObjType {
                refcount: 0,
                methods,
            },
        );
        Some(id)
    }

    fn unref_type(&mut self, id: u32) {
        if let Some(t) = self.types.get_mut(&id) {
            t.refcount = t.refcount.saturating_sub(1);
            if t.refcount == 0 {
                self.types.remove(&id);
            }
        }
    }

    fn add_object(
        &mut self,
        from: u32,
        header: Header,
        attrs: &MsgAttrs<'_>,
        out: &mut Vec<Output>,
    ) -> Ret {
        // A type that cannot be created or found leaves the object without one (ubusd_obj.c).
        let type_id = if let Some(t) = attrs.objtype() {
            self.types.contains_key(&t).then_some(t)
        } else if let Some(sig) = attrs.signature() {
            self.create_type(sig)
        } else {
            None
        };
        if let Some(t) = type_id.and_then(|t| self.types.get_mut(&t)) {
            t.refcount += 1;
        }
        let objects = &self.objects;
        let id = Self::fresh_id(&mut self.rng, |id| objects.contains_key(&id));
        let mut obj = Object::new(Some(from), None);
        obj.type_id = type_id;
        if let Some(path) = attrs.objpath() {
            if self.paths.contains_key(path) {
                if let Some(t) = type_id {
                    self.unref_type(t);
                }
                return Ret::Status(Status::InvalidArgument);
            }
            obj.path = Some(path.to_vec());
            self.paths.insert(path.to_vec(), id);
            self.objects.insert(id, obj);
            self.send_object_event(id, "ubus.object.add", out);
        } else {
            self.objects.insert(id, obj);
        }
        if let Some(c) = self.clients.get_mut(&from) {
            c.objects.insert(0, id);
        }
        let with_type = attrs.signature().is_some().then_some(type_id).flatten();
        Self::reply_data(header, from, out, |w| {
            w.put_attr_u32(AttrId::ObjId, id)?;
            if let Some(t) = with_type {
                w.put_attr_u32(AttrId::ObjType, t)?;
            }
            Ok(())
        });
        Ret::Status(Status::Ok)
    }

    fn remove_object(
        &mut self,
        from: u32,
        header: Header,
        attrs: &MsgAttrs<'_>,
        out: &mut Vec<Output>,
    ) -> Ret {
        let Some(id) = attrs.objid() else {
            return Ret::Status(Status::InvalidArgument);
        };
        let Some(obj) = self.objects.get(&id) else {
            return Ret::Status(Status::NotFound);
        };
        if obj.client != Some(from) {
            return Ret::Status(Status::PermissionDenied);
        }
        let dying_type = obj
            .type_id
            .filter(|t| self.types.get(t).is_some_and(|t| t.refcount == 1));
        Self::reply_data(header, from, out, |w| {
            w.put_attr_u32(AttrId::ObjId, id)?;
            if let Some(t) = dying_type {
                w.put_attr_u32(AttrId::ObjType, t)?;
            }
            Ok(())
        });
        self.free_object(id, out);
        Ret::Status(Status::Ok)
    }

    fn free_object(&mut self, id: u32, out: &mut Vec<Output>) {
        let (targets, subscribers) = match self.objects.get(&id) {
            Some(o) => (o.targets.clone(), o.subscribers.clone()),
            None => return,
        };
        for target in targets {
            self.unsubscribe_pair(id, target, out);
        }
        for sub in subscribers {
            self.notify_unsubscribe(sub, id, out);
        }
        let patterns = self
            .objects
            .get_mut(&id)
            .map(|o| std::mem::take(&mut o.patterns))
            .unwrap_or_default();
        for key in patterns {
            self.patterns.remove(&key);
        }
        if let Some(path) = self.objects.get(&id).and_then(|o| o.path.clone()) {
            self.send_object_event(id, "ubus.object.remove", out);
            self.paths.remove(&path);
        }
        if let Some(obj) = self.objects.remove(&id) {
            if let Some(c) = obj.client.and_then(|c| self.clients.get_mut(&c)) {
                c.objects.retain(|&o| o != id);
            }
            if let Some(t) = obj.type_id {
                self.unref_type(t);
            }
        }
    }

    fn send_obj(&self, header: Header, to: u32, id: u32, out: &mut Vec<Output>) {
        let Some(obj) = self.objects.get(&id) else {
            return;
        };
        let (Some(type_id), Some(path)) = (obj.type_id, obj.path.as_ref()) else {
            return;
        };
        let Some(t) = self.types.get(&type_id) else {
            return;
        };
        Self::reply_data(header, to, out, |w| {
            w.put_attr_string(AttrId::ObjPath, path)?;
            w.put_attr_u32(AttrId::ObjId, id)?;
            w.put_attr_u32(AttrId::ObjType, type_id)?;
            let sig = w.begin(AttrId::Signature.to_u8())?;
            for (kind, name, value) in &t.methods {
                w.put_raw_field(*kind, name, value)?;
            }
            w.end(sig);
            Ok(())
        });
    }

    fn lookup(
        &mut self,
        from: u32,
        header: Header,
        attrs: &MsgAttrs<'_>,
        out: &mut Vec<Output>,
    ) -> Ret {
        let Some(path) = attrs.objpath() else {
            for &id in self.paths.values() {
                self.send_obj(header, from, id, out);
            }
            return Ret::Status(Status::Ok);
        };
        match path.split_last() {
            None => Ret::Status(Status::InvalidArgument),
            Some((b'*', prefix)) => {
                let found: Vec<u32> = self
                    .paths
                    .range(prefix.to_vec()..)
                    .take_while(|(k, _)| k.starts_with(prefix))
                    .map(|(_, &id)| id)
                    .collect();
                if found.is_empty() {
                    return Ret::Status(Status::NotFound);
                }
                for id in found {
                    self.send_obj(header, from, id, out);
                }
                Ret::Status(Status::Ok)
            }
            Some(_) => match self.paths.get(path) {
                Some(&id) => {
                    self.send_obj(header, from, id, out);
                    Ret::Status(Status::Ok)
                }
                None => Ret::Status(Status::NotFound),
            },
        }
    }

    fn forward_invoke(
        &self,
        caller: u32,
        target: u32,
        header: Header,
        call: Call<'_>,
        out: &mut Vec<Output>,
    ) {
        let Call {
            method,
            data,
            no_reply,
        } = call;
        let (Some(obj), Some(cl)) = (self.objects.get(&target), self.clients.get(&caller)) else {
            return;
        };
        let Some(owner) = obj.client else {
            return;
        };
        let frame = build(Header::new(MsgType::Invoke, header.seq, caller), |w| {
            if no_reply {
                w.put_int8(AttrId::NoReply.to_u8(), 1)?;
            }
            w.put_attr_u32(AttrId::ObjId, target)?;
            w.put_attr_string(AttrId::Method, method)?;
            w.put_attr_string(AttrId::User, &cl.user)?;
            w.put_attr_string(AttrId::Group, &cl.group)?;
            if let Some(d) = data {
                w.put_data(|w| w.write_bytes(d))?;
            }
            Ok(())
        });
        out.push(Output { to: owner, frame });
    }

    fn invoke(
        &mut self,
        from: u32,
        header: Header,
        attrs: &MsgAttrs<'_>,
        out: &mut Vec<Output>,
    ) -> Ret {
        let (Some(method), Some(id)) = (attrs.method(), attrs.objid()) else {
            return Ret::Status(Status::InvalidArgument);
        };
        let Some(obj) = self.objects.get(&id) else {
            return Ret::Status(Status::NotFound);
        };
        if let Some(system) = obj.system {
            return Ret::Status(self.system_call(from, header, system, method, attrs, out));
        }
        let call = Call {
            method,
            data: attrs.data(),
            no_reply: false,
        };
        self.forward_invoke(from, id, header, call, out);
        Ret::Silent
    }

    fn system_call(
        &mut self,
        from: u32,
        header: Header,
        system: System,
        method: &[u8],
        attrs: &MsgAttrs<'_>,
        out: &mut Vec<Output>,
    ) -> Status {
        match (system, method) {
            (System::Event, b"register") => self.register_pattern(from, attrs.data()),
            (System::Event, b"send") => self.forward_event(from, attrs.data(), out),
            (System::Event, _) => Status::InvalidCommand,
            (System::Acl, b"query") => {
                Self::reply_data(header, from, out, |w| {
                    w.put_attr_u32(AttrId::ObjId, ACL_OBJECT_ID)?;
                    w.put_data(|w| {
                        w.put_i32("seq", 1)?;
                        w.array("acl", |_| Ok(()))
                    })
                });
                Status::Ok
            }
            (System::Acl, _) => Status::InvalidCommand,
            (System::Monitor, _) => Status::PermissionDenied,
        }
    }

    fn register_pattern(&mut self, from: u32, data: Option<&[u8]>) -> Status {
        let Some(data) = data else {
            return Status::InvalidArgument;
        };
        let [pattern, object] =
            blobmsg_parse(data, [("pattern", Type::String), ("object", Type::Int32)]);
        let (Some(Value::String(pattern)), Some(Value::Int32(object))) = (pattern, object) else {
            return Status::InvalidArgument;
        };
        // The blobmsg int32 carries the id's bits.
        let id = object as u32;
        if id < SYSTEM_OBJECT_MAX {
            return Status::PermissionDenied;
        }
        let Some(obj) = self.objects.get(&id) else {
            return Status::NotFound;
        };
        if obj.client != Some(from) {
            return Status::PermissionDenied;
        }
        // ubusd stops at the first NUL.
        let pattern = pattern.split(|&b| b == 0).next().unwrap_or(&[]);
        if pattern.is_empty() {
            return Status::PermissionDenied;
        }
        let (key, partial) = match pattern.split_last() {
            Some((b'*', rest)) => (rest.to_vec(), true),
            _ => (pattern.to_vec(), false),
        };
        self.pattern_counter += 1;
        let key = (key, self.pattern_counter);
        self.patterns
            .insert(key.clone(), Pattern { obj: id, partial });
        if let Some(o) = self.objects.get_mut(&id) {
            o.patterns.insert(0, key);
        }
        Status::Ok
    }

    fn forward_event(&mut self, from: u32, data: Option<&[u8]>, out: &mut Vec<Output>) -> Status {
        let Some(data) = data else {
            return Status::InvalidArgument;
        };
        let [name, table] = blobmsg_parse(data, [("id", Type::String), ("data", Type::Table)]);
        let (Some(Value::String(name)), Some(Value::Table(table))) = (name, table) else {
            return Status::InvalidArgument;
        };
        let name = name.split(|&b| b == 0).next().unwrap_or(&[]).to_vec();
        if name.starts_with(b"ubus.") {
            return Status::PermissionDenied;
        }
        let members = table.as_bytes().to_vec();
        self.send_event(Some(from), &name, &members, out);
        Status::Ok
    }

    fn send_object_event(&mut self, id: u32, name: &str, out: &mut Vec<Output>) {
        let Some(path) = self.objects.get(&id).and_then(|o| o.path.clone()) else {
            return;
        };
        let mut buf = vec![0u8; path.len() + 64];
        let mut w = Writer::new(&mut buf);
        let written = w
            .put_i32("id", id as i32)
            .and_then(|()| w.put_bytes_str("path", &path));
        if written.is_ok() {
            let members = w.written().to_vec();
            self.send_event(None, name.as_bytes(), &members, out);
        }
    }

    /// ubusd_event.c `ubusd_send_event`: walks the sorted patterns while the match length grows.
    fn send_event(
        &mut self,
        from: Option<u32>,
        name: &[u8],
        members: &[u8],
        out: &mut Vec<Output>,
    ) {
        self.obj_event_seq += 1;
        let mut match_len = 0;
        let mut targets = Vec::new();
        for ((key, _), pattern) in &self.patterns {
            let (full, cur) = strmatch_len(name, key);
            if cur < match_len {
                break;
            }
            match_len = cur;
            if !full && (!pattern.partial || match_len != key.len()) {
                continue;
            }
            targets.push(pattern.obj);
        }
        for obj_id in targets {
            let Some(obj) = self.objects.get_mut(&obj_id) else {
                continue;
            };
            // Never back to the sender, and once per object per event.
            if from.is_some() && obj.client == from {
                continue;
            }
            if obj.event_seen == self.obj_event_seq {
                continue;
            }
            obj.event_seen = self.obj_event_seq;
            let Some(owner) = obj.client else {
                continue;
            };
            self.event_seq = self.event_seq.wrapping_add(1);
            // The header seq is ubusd's int counter truncated to 16 bits.
            let seq = self.event_seq as u16;
            let frame = build(Header::new(MsgType::Invoke, seq, 0), |w| {
                w.put_attr_u32(AttrId::ObjId, obj_id)?;
                w.put_attr_string(AttrId::Method, name)?;
                w.put_data(|w| w.write_bytes(members))
            });
            out.push(Output { to: owner, frame });
        }
    }

    fn response(
        &mut self,
        from: u32,
        bytes: &[u8],
        header: Header,
        attrs: &MsgAttrs<'_>,
        out: &mut Vec<Output>,
    ) {
        let Some(id) = attrs.objid() else {
            return;
        };
        let complete = match header.kind() {
            Some(MsgType::Status) => attrs.status().is_some(),
            _ => attrs.data().is_some(),
        };
        if !complete {
            return;
        }
        let Some(obj) = self.objects.get(&id) else {
            return;
        };
        if obj.client != Some(from) || !self.clients.contains_key(&header.peer) {
            return;
        }
        let mut frame = bytes.to_vec();
        // A checked frame has at least 12 bytes; bytes 4..8 are the header peer.
        frame[4..8].copy_from_slice(&id.to_be_bytes());
        out.push(Output {
            to: header.peer,
            frame,
        });
    }

    fn notify_subscription(&mut self, target: u32, out: &mut Vec<Output>) {
        let Some(obj) = self.objects.get_mut(&target) else {
            return;
        };
        let active = !obj.subscribers.is_empty();
        obj.invoke_seq = obj.invoke_seq.wrapping_add(1);
        let Some(owner) = obj.client else {
            return;
        };
        let frame = build(Header::new(MsgType::Notify, obj.invoke_seq, 0), |w| {
            w.put_attr_u32(AttrId::ObjId, target)?;
            w.put_int8(AttrId::Active.to_u8(), u8::from(active))
        });
        out.push(Output { to: owner, frame });
    }

    fn unsubscribe_pair(&mut self, subscriber: u32, target: u32, out: &mut Vec<Output>) {
        if let Some(s) = self.objects.get_mut(&subscriber) {
            s.targets.retain(|&t| t != target);
        }
        let now_empty = match self.objects.get_mut(&target) {
            Some(t) => {
                t.subscribers.retain(|&s| s != subscriber);
                t.subscribers.is_empty()
            }
            None => false,
        };
        if now_empty {
            self.notify_subscription(target, out);
        }
    }

    fn notify_unsubscribe(&mut self, subscriber: u32, target: u32, out: &mut Vec<Output>) {
        if let Some(s) = self.objects.get_mut(&subscriber) {
            s.invoke_seq = s.invoke_seq.wrapping_add(1);
            if let Some(owner) = s.client {
                let frame = build(Header::new(MsgType::Unsubscribe, s.invoke_seq, 0), |w| {
                    w.put_attr_u32(AttrId::ObjId, subscriber)?;
                    w.put_attr_u32(AttrId::Target, target)
                });
                out.push(Output { to: owner, frame });
            }
        }
        self.unsubscribe_pair(subscriber, target, out);
    }

    fn subscribe(&mut self, from: u32, attrs: &MsgAttrs<'_>, out: &mut Vec<Output>) -> Ret {
        let (Some(id), Some(target_id)) = (attrs.objid(), attrs.target()) else {
            return Ret::Status(Status::InvalidArgument);
        };
        let Some(obj) = self.objects.get(&id) else {
            return Ret::Status(Status::NotFound);
        };
        if obj.client != Some(from) {
            return Ret::Status(Status::InvalidArgument);
        }
        let Some(target) = self.objects.get(&target_id) else {
            return Ret::Status(Status::NotFound);
        };
        let Some(owner) = target.client else {
            return Ret::Status(Status::NotFound);
        };
        if owner == from {
            return Ret::Status(Status::InvalidArgument);
        }
        if target.path.is_none() {
            let (a, b) = (self.clients.get(&owner), self.clients.get(&from));
            if let (Some(a), Some(b)) = (a, b)
                && a.user != b.user
                && a.group != b.group
            {
                return Ret::Status(Status::NotFound);
            }
        }
        let first = target.subscribers.is_empty();
        if let Some(t) = self.objects.get_mut(&target_id) {
            t.subscribers.insert(0, id);
        }
        if let Some(s) = self.objects.get_mut(&id) {
            s.targets.insert(0, target_id);
        }
        if first {
            self.notify_subscription(target_id, out);
        }
        Ret::Status(Status::Ok)
    }

    fn unsubscribe(&mut self, from: u32, attrs: &MsgAttrs<'_>, out: &mut Vec<Output>) -> Ret {
        let (Some(id), Some(target)) = (attrs.objid(), attrs.target()) else {
            return Ret::Status(Status::InvalidArgument);
        };
        let Some(obj) = self.objects.get(&id) else {
            return Ret::Status(Status::NotFound);
        };
        if obj.client != Some(from) {
            return Ret::Status(Status::InvalidArgument);
        }
        if !obj.targets.contains(&target) {
            return Ret::Status(Status::NotFound);
        }
        self.unsubscribe_pair(id, target, out);
        Ret::Status(Status::Ok)
    }

    fn notify(
        &mut self,
        from: u32,
        header: Header,
        attrs: &MsgAttrs<'_>,
        out: &mut Vec<Output>,
    ) -> Ret {
        let (Some(method), Some(id)) = (attrs.method(), attrs.objid()) else {
            return Ret::Status(Status::InvalidArgument);
        };
        let no_reply = attrs.no_reply().unwrap_or(false);
        let Some(obj) = self.objects.get(&id) else {
            return Ret::Status(Status::NotFound);
        };
        if obj.client != Some(from) {
            return Ret::Status(Status::PermissionDenied);
        }
        let subscribers = obj.subscribers.clone();
        if !no_reply {
            let frame = build(Header::new(MsgType::Status, header.seq, header.peer), |w| {
                w.put_attr_u32(AttrId::ObjId, id)?;
                let list = w.begin(AttrId::Subscribers.to_u8())?;
                for &s in &subscribers {
                    w.put_int32(0, s)?;
                }
                w.end(list);
                w.put_status(Status::Ok)
            });
            out.push(Output { to: from, frame });
        }
        for s in subscribers {
            let call = Call {
                method,
                data: attrs.data(),
                no_reply,
            };
            self.forward_invoke(from, s, header, call, out);
        }
        Ret::Silent
    }
}

/// Shared between the server's threads.
struct Shared {
    state: Mutex<State>,
    stopping: AtomicBool,
}

struct State {
    broker: Broker,
    writers: HashMap<u32, Sender<Vec<u8>>>,
    streams: HashMap<u32, UnixStream>,
}

fn lock(shared: &Shared) -> MutexGuard<'_, State> {
    // A panicking test thread must not take the broker down with it.
    shared.state.lock().unwrap_or_else(|e| e.into_inner())
}

fn dispatch(state: &State, outputs: Vec<Output>) {
    for o in outputs {
        if let Some(w) = state.writers.get(&o.to) {
            // A writer whose client left has hung up; the frame is dropped, as ubusd would.
            let _ = w.send(o.frame);
        }
    }
}

/// Options of a [`Ubusd`].
#[derive(Debug, Clone)]
pub struct UbusdConfig {
    /// Seed of the id generator.
    pub seed: u64,
    /// USER attribute of every client's calls.
    pub user: String,
    /// GROUP attribute of every client's calls.
    pub group: String,
}

impl Default for UbusdConfig {
    fn default() -> Self {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0x5eed)
            ^ u64::from(std::process::id());
        UbusdConfig {
            seed,
            user: "root".into(),
            group: "root".into(),
        }
    }
}

/// The broker served on a Unix socket. Stops (and removes the socket) when dropped.
pub struct Ubusd {
    path: PathBuf,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl Ubusd {
    /// Listens on `path` with the default configuration.
    pub fn start(path: impl AsRef<Path>) -> io::Result<Ubusd> {
        Self::start_with(path, UbusdConfig::default())
    }

    /// Listens on `path` (an existing socket file is replaced, as ubusd does).
    pub fn start_with(path: impl AsRef<Path>, config: UbusdConfig) -> io::Result<Ubusd> {
        let path = path.as_ref().to_path_buf();
        let _ = std::fs::remove_file(&path);
        let listener = UnixListener::bind(&path)?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                broker: Broker::new(config.seed),
                writers: HashMap::new(),
                streams: HashMap::new(),
            }),
            stopping: AtomicBool::new(false),
        });
        let accept_shared = Arc::clone(&shared);
        let accept = thread::Builder::new()
            .name("ubusd-accept".into())
            .spawn(move || accept_loop(listener, accept_shared, config))?;
        Ok(Ubusd {
            path,
            shared,
            accept: Some(accept),
        })
    }

    /// The socket path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Number of connected clients.
    pub fn client_count(&self) -> usize {
        lock(&self.shared).streams.len()
    }

    /// Paths of the registered objects, sorted.
    pub fn object_paths(&self) -> Vec<String> {
        lock(&self.shared)
            .broker
            .paths
            .keys()
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .collect()
    }

    /// Stops accepting, disconnects every client and removes the socket.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = UnixStream::connect(&self.path);
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
        let state = lock(&self.shared);
        for s in state.streams.values() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        drop(state);
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Drop for Ubusd {
    fn drop(&mut self) {
        if self.accept.is_some() {
            self.shutdown();
        }
    }
}

fn accept_loop(listener: UnixListener, shared: Arc<Shared>, config: UbusdConfig) {
    for stream in listener.incoming() {
        if shared.stopping.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else {
            continue;
        };
        let (Ok(reader), Ok(mut writer), Ok(keep)) =
            (stream.try_clone(), stream.try_clone(), stream.try_clone())
        else {
            continue;
        };
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        let mut state = lock(&shared);
        let (id, hello) = state.broker.connect(&config.user, &config.group);
        state.writers.insert(id, tx);
        state.streams.insert(id, keep);
        dispatch(&state, hello);
        drop(state);
        let _ = thread::Builder::new()
            .name(format!("ubusd-tx-{id:08x}"))
            .spawn(move || {
                for frame in rx {
                    if writer.write_all(&frame).is_err() {
                        break;
                    }
                }
            });
        let reader_shared = Arc::clone(&shared);
        let _ = thread::Builder::new()
            .name(format!("ubusd-rx-{id:08x}"))
            .spawn(move || read_loop(reader, id, reader_shared));
    }
}

/// Reads frames from one client until it leaves or breaks the protocol.
fn read_loop(mut stream: UnixStream, id: u32, shared: Arc<Shared>) {
    let mut buf: VecDeque<u8> = VecDeque::new();
    let mut chunk = vec![0u8; 64 * 1024];
    'conn: loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        buf.extend(&chunk[..n]);
        loop {
            let bytes = buf.make_contiguous();
            match frame_len(bytes, UBUS_MAX_MSG_LEN) {
                Ok(Framing::Complete { len }) => {
                    let frame: Vec<u8> = buf.drain(..len).collect();
                    let state = &mut *lock(&shared);
                    let outputs = state.broker.receive(id, &frame);
                    dispatch(state, outputs);
                }
                Ok(Framing::Partial { .. }) => break,
                // ubusd disconnects a client announcing a root shorter than 4 bytes or one
                // larger than UBUS_MAX_MSGLEN.
                Err(FrameError::RootTooShort | FrameError::TooLarge { .. }) => break 'conn,
                Err(_) => break 'conn,
            }
        }
    }
    let state = &mut *lock(&shared);
    let outputs = state.broker.disconnect(id);
    state.writers.remove(&id);
    if let Some(s) = state.streams.remove(&id) {
        let _ = s.shutdown(std::net::Shutdown::Both);
    }
    dispatch(state, outputs);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_of(frame: &[u8]) -> Option<Status> {
        Frame::new_checked(frame).ok()?.attrs().ok()?.status()
    }

    #[test]
    fn ids_are_at_least_1024_and_unique() {
        let mut b = Broker::new(7);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            let (id, _) = b.connect("root", "root");
            assert!(id >= SYSTEM_OBJECT_MAX);
            assert!(seen.insert(id));
        }
    }

    #[test]
    fn hello_carries_the_client_id() {
        let mut b = Broker::new(1);
        let (id, out) = b.connect("root", "root");
        let f = Frame::new_checked(&out[0].frame).unwrap();
        assert_eq!((f.kind(), f.peer(), f.seq()), (Some(MsgType::Hello), id, 0));
        assert!(f.body().is_empty());
    }

    #[test]
    fn duplicate_path_is_invalid_argument() {
        let mut b = Broker::new(1);
        let (a, _) = b.connect("root", "root");
        let (c, _) = b.connect("root", "root");
        let add = build(Header::new(MsgType::AddObject, 1, 0), |w| {
            w.put_attr_string(AttrId::ObjPath, b"x")
        });
        let out = b.receive(a, &add);
        assert_eq!(status_of(&out.last().unwrap().frame), Some(Status::Ok));
        let out = b.receive(c, &add);
        assert_eq!(out.len(), 1);
        assert_eq!(status_of(&out[0].frame), Some(Status::InvalidArgument));
    }

    #[test]
    fn events_to_ubus_names_are_refused() {
        let mut b = Broker::new(1);
        let (a, _) = b.connect("root", "root");
        let send = build(Header::new(MsgType::Invoke, 1, EVENT_OBJECT_ID), |w| {
            w.put_attr_u32(AttrId::ObjId, EVENT_OBJECT_ID)?;
            w.put_attr_string(AttrId::Method, b"send")?;
            w.put_data(|w| {
                w.put_str("id", "ubus.fake")?;
                w.table("data", |_| Ok(()))
            })
        });
        let out = b.receive(a, &send);
        assert_eq!(status_of(&out[0].frame), Some(Status::PermissionDenied));
    }

    #[test]
    fn disconnect_removes_objects_and_announces_it() {
        let mut b = Broker::new(1);
        let (owner, _) = b.connect("root", "root");
        let (listener, _) = b.connect("root", "root");
        let anon = build(Header::new(MsgType::AddObject, 1, 0), |_| Ok(()));
        let out = b.receive(listener, &anon);
        let lid = Frame::new_checked(&out[0].frame)
            .unwrap()
            .attrs()
            .unwrap()
            .objid()
            .unwrap();
        let reg = build(Header::new(MsgType::Invoke, 2, EVENT_OBJECT_ID), |w| {
            w.put_attr_u32(AttrId::ObjId, EVENT_OBJECT_ID)?;
            w.put_attr_string(AttrId::Method, b"register")?;
            w.put_data(|w| {
                w.put_i32("object", lid as i32)?;
                w.put_str("pattern", "ubus.object.*")
            })
        });
        assert_eq!(
            status_of(&b.receive(listener, &reg)[0].frame),
            Some(Status::Ok)
        );
        let add = build(Header::new(MsgType::AddObject, 1, 0), |w| {
            w.put_attr_string(AttrId::ObjPath, b"gone")?;
            let sig = w.begin(AttrId::Signature.to_u8())?;
            w.table("m", |_| Ok(()))?;
            w.end(sig);
            Ok(())
        });
        let out = b.receive(owner, &add);
        assert_eq!(out[0].to, listener);
        assert!(b.owns_named_object(owner));
        let out = b.disconnect(owner);
        assert_eq!(out.len(), 1);
        let f = Frame::new_checked(&out[0].frame).unwrap();
        assert_eq!(
            f.attrs().unwrap().method(),
            Some(&b"ubus.object.remove"[..])
        );
        assert!(b.paths.is_empty());
        assert!(b.types.is_empty());
    }
}
