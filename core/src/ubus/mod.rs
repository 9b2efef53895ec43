//! ubus: OpenWrt's message bus, as seen by a client of ubusd.
//!
//! Responsible for the wire codec ([`blob`], [`blobmsg`], [`msg`]), object signatures
//! ([`object`]) and the sans-IO client protocol ([`client`]). Every view over received bytes is
//! checked once and cannot panic afterwards; every size is bounded by `crate::limits`. Not
//! responsible for sockets (the platform layer) nor for what our `tr069` methods do
//! (`crate::control`).
//!
//! The wire facts come from the captures in `testdata/vectors/ubus` (PROTOCOL.md there), taken
//! from ubusd, libubus and libubox.

pub mod blob;
pub mod blobmsg;
pub mod client;
pub mod msg;
pub mod object;

#[cfg(test)]
mod vectors;

pub use blob::{EncodeError, Writer};
pub use blobmsg::{Table, Type, Value};
pub use client::{Client, Config, Event, Invoke, InvokeToken, RequestId};
pub use msg::{Frame, Framing, MsgType, Status};
pub use object::{ArgDef, MethodDef, ObjectDef};
