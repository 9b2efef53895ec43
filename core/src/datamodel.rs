//! The interface between the agent and whatever holds the device's parameters, plus parameter
//! path rules (TR-106 §3.2, digest §12 "Path semantics").
//!
//! The agent owns `Device.ManagementServer.` itself; everything else goes through a
//! [`DataModel`]: a backend in the platform (the built-in store, bbfdm over ubus) or a test
//! double. Backends report problems as CWMP [`FaultCode`]s, which the agent forwards. This module
//! does not decide which RPC calls what; see `agent`.

use core::ops::ControlFlow;

use crate::soap::{FaultCode, ValueType};

/// One parameter as a backend reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Param<'x> {
    /// Full parameter name.
    pub name: &'x str,
    /// Value in its TR-106 lexical form.
    pub value: &'x str,
    /// Its type.
    pub value_type: ValueType,
    /// Whether the ACS may set it.
    pub writable: bool,
}

/// One node as GetParameterNames reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Node<'x> {
    /// A parameter name, or an object path ending in `.`.
    pub name: &'x str,
    /// Parameter: settable. Table object: AddObject allowed. Instance: DeleteObject allowed.
    pub writable: bool,
}

/// Whether a change took effect at once (CWMP `Status` 0) or will after a restart or a
/// service reload that the backend arranges (`Status` 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// Applied: `Status` 0.
    Now,
    /// Committed, applied later: `Status` 1.
    Later,
}

impl Applied {
    /// The CWMP `Status` value.
    pub const fn status(self) -> u8 {
        match self {
            Applied::Now => 0,
            Applied::Later => 1,
        }
    }

    /// `Later` if either is.
    pub const fn combine(self, other: Applied) -> Applied {
        match (self, other) {
            (Applied::Now, Applied::Now) => Applied::Now,
            _ => Applied::Later,
        }
    }
}

/// A device data model the agent can read and change.
///
/// Paths given to the backend never fall under `Device.ManagementServer.`. Visitors return
/// [`ControlFlow::Break`] to stop a walk early (the backend then returns `Ok`). Walks must be
/// deterministic: walking the same subtree twice without a change in between yields the same
/// names in the same order, because the agent counts entries before it writes them.
pub trait DataModel {
    /// Visits every parameter named `path` (a full parameter name) or under it (a partial path
    /// ending in `.`; `""` is the whole tree). An unknown path is `Err(9005)`.
    fn get(
        &mut self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode>;

    /// Visits names for GetParameterNames: with `next_level`, the immediate children of the
    /// object `path`; otherwise `path` itself and everything under it. An unknown path is
    /// `Err(9005)`; `next_level` on a parameter is `Err(9003)`.
    fn names(
        &mut self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode>;

    /// Checks that `value` could be set on `name` without setting it: 9005 unknown name, 9008
    /// not writable, 9006 wrong type, 9007 bad value.
    fn check(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode>;

    /// Starts a transaction; [`DataModel::stage`] values, then [`DataModel::commit`] or
    /// [`DataModel::abort`].
    fn begin(&mut self) -> Result<(), FaultCode>;

    /// Adds a value to the open transaction (it was checked before).
    fn stage(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode>;

    /// Applies everything staged, all or nothing.
    fn commit(&mut self) -> Result<Applied, FaultCode>;

    /// Drops everything staged.
    fn abort(&mut self);

    /// Adds an instance to the table `path` (ending in `.`) and returns its number.
    fn add_object(&mut self, path: &str) -> Result<(u32, Applied), FaultCode>;

    /// Deletes the instance `path` (ending in `.`) and everything under it.
    fn delete_object(&mut self, path: &str) -> Result<Applied, FaultCode>;
}

/// Why a string is not a parameter path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathError {
    /// Empty segment, bad character, or a segment that is neither a name nor an instance.
    Syntax,
    /// Longer than [`crate::limits::PATH_MAX_LEN`].
    TooLong,
}

/// True for a partial path (an object path: ends in `.`), including the empty path.
pub fn is_partial(path: &str) -> bool {
    path.is_empty() || path.ends_with('.')
}

/// Checks the syntax of a parameter name or partial path (TR-106 §3.1): dot-separated segments,
/// each a name (`[A-Za-z_][A-Za-z0-9_-]*`), an instance number (`1`..) or an alias (`[…]`).
/// The empty path (the whole tree) is valid.
pub fn check_path(path: &str) -> Result<(), PathError> {
    if path.len() > crate::limits::PATH_MAX_LEN {
        return Err(PathError::TooLong);
    }
    if path.is_empty() {
        return Ok(());
    }
    let body = path.strip_suffix('.').unwrap_or(path);
    for seg in body.split('.') {
        let ok = match seg.as_bytes() {
            [] => false,
            [b'[', inner @ .., b']'] => !inner.is_empty() && !inner.contains(&b']'),
            [first, ..] if first.is_ascii_digit() => {
                seg.bytes().all(|b| b.is_ascii_digit()) && *first != b'0'
            }
            [first, rest @ ..] => {
                (first.is_ascii_alphabetic() || *first == b'_')
                    && rest
                        .iter()
                        .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            }
        };
        if !ok {
            return Err(PathError::Syntax);
        }
    }
    Ok(())
}

/// True when `name` is `prefix` itself or lies under the partial path `prefix`.
pub fn is_under(name: &str, prefix: &str) -> bool {
    if prefix.is_empty() {
        return true;
    }
    if is_partial(prefix) {
        name.starts_with(prefix)
    } else {
        name == prefix
    }
}

/// The immediate child of the object `parent` (partial path) that leads to `name`: a
/// parameter name, or an object path ending in `.`. `None` if `name` is not below `parent`.
pub fn child_of<'n>(parent: &str, name: &'n str) -> Option<&'n str> {
    let rest = name.strip_prefix(parent)?;
    if rest.is_empty() {
        return None;
    }
    match rest.find('.') {
        Some(dot) => name.get(..parent.len() + dot + 1),
        None => Some(name),
    }
}

/// The instance number at the end of an instance path (`Device.IP.Interface.3.` → 3).
pub fn instance_number(path: &str) -> Option<u32> {
    let body = path.strip_suffix('.')?;
    let last = body.rsplit('.').next()?;
    if last.starts_with('0') {
        return None;
    }
    last.parse().ok()
}

/// The table path of an instance path (`Device.IP.Interface.3.` → `Device.IP.Interface.`).
pub fn table_of(path: &str) -> Option<&str> {
    let body = path.strip_suffix('.')?;
    let dot = body.rfind('.')?;
    path.get(..dot + 1)
}

/// FNV-1a, 64 bits: a stable hash for names and values kept instead of the strings themselves.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_syntax() {
        for ok in [
            "",
            "Device.",
            "Device.DeviceInfo.SoftwareVersion",
            "Device.IP.Interface.1.IPv4Address.2.",
            "Device.IP.Interface.[wan].Enable",
            "Device.X_ACME-Com_Foo.",
            "InternetGatewayDevice.",
        ] {
            assert_eq!(check_path(ok), Ok(()), "{ok}");
        }
        for bad in [
            "Device..X",
            ".Device",
            "Device.0.",
            "Device.01.",
            "Device.1a.",
            "Device.a b",
            "Device.[].",
            "Device.é",
        ] {
            assert_eq!(check_path(bad), Err(PathError::Syntax), "{bad}");
        }
        let long = std::format!("Device.{}", "a".repeat(crate::limits::PATH_MAX_LEN));
        assert_eq!(check_path(&long), Err(PathError::TooLong));
    }

    #[test]
    fn partial_paths_and_membership() {
        assert!(is_partial("Device."));
        assert!(is_partial(""));
        assert!(!is_partial("Device.A"));
        assert!(is_under("Device.A.B", "Device.A."));
        assert!(is_under("Device.A.B", ""));
        assert!(is_under("Device.A", "Device.A"));
        assert!(!is_under("Device.AB", "Device.A"));
        assert!(!is_under("Device.AB.C", "Device.A."));
    }

    #[test]
    fn next_level_children() {
        assert_eq!(
            child_of("Device.", "Device.DeviceInfo.Manufacturer"),
            Some("Device.DeviceInfo.")
        );
        assert_eq!(
            child_of("Device.DeviceInfo.", "Device.DeviceInfo.Manufacturer"),
            Some("Device.DeviceInfo.Manufacturer")
        );
        assert_eq!(child_of("", "Device.X"), Some("Device."));
        assert_eq!(child_of("Device.A.", "Device.B.C"), None);
        assert_eq!(child_of("Device.A.", "Device.A."), None);
    }

    #[test]
    fn instances() {
        assert_eq!(instance_number("Device.NAT.PortMapping.12."), Some(12));
        assert_eq!(instance_number("Device.NAT.PortMapping."), None);
        assert_eq!(instance_number("Device.NAT.PortMapping.0."), None);
        assert_eq!(
            table_of("Device.NAT.PortMapping.12."),
            Some("Device.NAT.PortMapping.")
        );
        assert_eq!(table_of("Device."), None);
    }

    #[test]
    fn applied_combines_to_later() {
        assert_eq!(Applied::Now.combine(Applied::Now), Applied::Now);
        assert_eq!(Applied::Now.combine(Applied::Later).status(), 1);
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_ne!(fnv1a(b"Device.A"), fnv1a(b"Device.B"));
    }
}
