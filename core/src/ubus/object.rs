//! Object definitions: the name and method signatures a client registers with `ADD_OBJECT`.
//!
//! Responsible for describing an object statically ([`ObjectDef`], [`MethodDef`], [`ArgDef`]),
//! finding a method by name, and encoding the `SIGNATURE` attribute the way libubus does (one
//! blobmsg table per method, in registration order, whose int32 members map each argument name
//! to its expected [`Type`]). Not responsible for checking arguments: ubusd never enforces a
//! signature, the object's handler does (see `crate::control`).

use super::blob::{EncodeError, Writer};
use super::blobmsg::Type;
use super::msg::{AttrId, Header, MsgType, write_frame};

/// One argument of a method: its name and expected blobmsg type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgDef {
    /// Argument name.
    pub name: &'static str,
    /// Expected type (`Type::Unspec` means any).
    pub kind: Type,
}

/// One method: its name and arguments, in the order they are announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MethodDef {
    /// Method name.
    pub name: &'static str,
    /// Arguments.
    pub args: &'static [ArgDef],
}

/// An object: its path and methods, in registration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectDef {
    /// Object path (`tr069`).
    pub name: &'static str,
    /// Methods.
    pub methods: &'static [MethodDef],
}

impl ObjectDef {
    /// The method called `name` and its index.
    pub fn method(&self, name: &[u8]) -> Option<(usize, &'static MethodDef)> {
        self.methods
            .iter()
            .enumerate()
            .find(|(_, m)| m.name.as_bytes() == name)
    }

    /// Writes the `SIGNATURE` attribute.
    pub fn write_signature(&self, w: &mut Writer<'_>) -> Result<(), EncodeError> {
        let sig = w.begin(AttrId::Signature.to_u8())?;
        for method in self.methods {
            w.table(method.name, |w| {
                for arg in method.args {
                    w.put_i32(arg.name, i32::from(arg.kind.id()))?;
                }
                Ok(())
            })?;
        }
        w.end(sig);
        Ok(())
    }

    /// Writes the `ADD_OBJECT` frame registering this object (header peer 0).
    pub fn write_add_object(&self, buf: &mut [u8], seq: u16) -> Result<usize, EncodeError> {
        write_frame(buf, Header::new(MsgType::AddObject, seq, 0), |w| {
            w.put_attr_string(AttrId::ObjPath, self.name.as_bytes())?;
            self.write_signature(w)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ubus::blobmsg::{Table, Value};
    use crate::ubus::msg::Frame;

    const RAW: ObjectDef = ObjectDef {
        name: "rawobj",
        methods: &[MethodDef {
            name: "ping",
            args: &[ArgDef {
                name: "msg",
                kind: Type::String,
            }],
        }],
    };

    #[test]
    fn add_object_matches_vector_g1() {
        let captured = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/vectors/ubus/g1_raw_add_object_and_ping/02_C19_c2u_ADD_OBJECT.bin"
        ));
        let mut buf = [0u8; 128];
        let n = RAW.write_add_object(&mut buf, 1).unwrap();
        assert_eq!(&buf[..n], &captured[..]);
    }

    #[test]
    fn signature_lists_argument_types() {
        let mut buf = [0u8; 128];
        let n = RAW.write_add_object(&mut buf, 1).unwrap();
        let frame = Frame::new_checked(&buf[..n]).unwrap();
        let attrs = frame.attrs().unwrap();
        assert_eq!(attrs.objpath(), Some(&b"rawobj"[..]));
        let sig = Table::new_checked(attrs.signature().unwrap()).unwrap();
        let ping = sig.get("ping").and_then(|v| v.as_table()).unwrap();
        assert_eq!(ping.get("msg"), Some(Value::Int32(3)));
    }

    #[test]
    fn method_lookup_by_name() {
        assert_eq!(RAW.method(b"ping").map(|(i, _)| i), Some(0));
        assert!(RAW.method(b"pong").is_none());
    }
}
