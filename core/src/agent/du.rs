//! Deployment-unit state changes (TR-069 ChangeDUState, digest §3 and §11.7): the operations
//! the ACS requested, their results until a DUStateChangeComplete has delivered them, and the
//! changes made without the ACS, waiting for an AutonomousDUStateChangeComplete.
//!
//! Installing, updating and removing software is the platform's job ([`super::Effect::ChangeDuState`]):
//! it knows the deployment units and the package manager. This module checks what can be
//! checked on receipt (the number of operations, URL schemes, UUID syntax, lengths), runs the
//! requests one at a time in order, and keeps each operation's result as soon as the platform
//! reports it, so that a restart resumes at the first operation without one.

use crate::limits::{
    CREDENTIAL_MAX, DU_CHANGES_MAX, DU_EE_REF_MAX, DU_EU_LIST_MAX, DU_FAULT_STRING_MAX, DU_OPS_MAX,
    DU_REF_MAX, DU_UUID_LEN, DU_VERSION_MAX, EVENT_KEY_MAX, URL_MAX,
};
use crate::soap::FaultCode;
use crate::soap::read::Operation as SoapOperation;
use crate::time::DateTime;
use crate::xml::Text;

/// What an operation does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpKind {
    /// `InstallOpStruct`.
    Install,
    /// `UpdateOpStruct`.
    Update,
    /// `UninstallOpStruct`.
    Uninstall,
}

impl OpKind {
    /// The `OperationPerformed` word.
    pub const fn as_str(self) -> &'static str {
        match self {
            OpKind::Install => "Install",
            OpKind::Update => "Update",
            OpKind::Uninstall => "Uninstall",
        }
    }

    /// The kind for its `OperationPerformed` word.
    pub fn parse(s: &str) -> Option<OpKind> {
        [OpKind::Install, OpKind::Update, OpKind::Uninstall]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The state a deployment unit is in after an operation (`CurrentState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuState {
    /// `Installed`.
    Installed,
    /// `Uninstalled`.
    Uninstalled,
    /// `Failed`: an Install that did not leave a deployment unit behind.
    Failed,
}

impl DuState {
    /// The `CurrentState` word.
    pub const fn as_str(self) -> &'static str {
        match self {
            DuState::Installed => "Installed",
            DuState::Uninstalled => "Uninstalled",
            DuState::Failed => "Failed",
        }
    }

    /// The state for its `CurrentState` word.
    pub fn parse(s: &str) -> Option<DuState> {
        [DuState::Installed, DuState::Uninstalled, DuState::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// The outcome of one operation (`OpResultStruct`), filled by the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpResult {
    /// UUID of the deployment unit (empty when none was involved).
    pub uuid: heapless::String<DU_UUID_LEN>,
    /// Its `Device.SoftwareModules.DeploymentUnit.{i}` path, without the final dot (empty when
    /// none).
    pub deployment_unit_ref: heapless::String<DU_REF_MAX>,
    /// Its version.
    pub version: heapless::String<DU_VERSION_MAX>,
    /// The state it is in now.
    pub current_state: DuState,
    /// Whether its dependencies are resolved.
    pub resolved: bool,
    /// Comma-separated `ExecutionUnit.{i}` paths.
    pub execution_unit_ref_list: heapless::String<DU_EU_LIST_MAX>,
    /// When the operation started.
    pub start: DateTime,
    /// When it completed.
    pub complete: DateTime,
    /// 0 on success.
    pub fault: FaultCode,
    /// The fault's text (the standard description when empty).
    pub fault_string: heapless::String<DU_FAULT_STRING_MAX>,
}

impl OpResult {
    /// A result with empty strings and `Resolved` true.
    pub fn new(state: DuState, fault: FaultCode, start: DateTime, complete: DateTime) -> OpResult {
        OpResult {
            uuid: heapless::String::new(),
            deployment_unit_ref: heapless::String::new(),
            version: heapless::String::new(),
            current_state: state,
            resolved: true,
            execution_unit_ref_list: heapless::String::new(),
            start,
            complete,
            fault,
            fault_string: heapless::String::new(),
        }
    }

    /// The FaultString to send: empty on success, else the platform's text or the standard one.
    pub fn fault_text(&self) -> &str {
        if self.fault == FaultCode::NONE {
            ""
        } else if self.fault_string.is_empty() {
            self.fault.description()
        } else {
            &self.fault_string
        }
    }
}

/// One requested operation, as the ACS sent it, and its result once known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// Install, Update or Uninstall.
    pub kind: OpKind,
    /// Install: the `http(s)` URL of the unit; Update: the new one (empty: the unit's own).
    pub url: heapless::String<URL_MAX>,
    /// The unit's UUID (empty when not given).
    pub uuid: heapless::String<DU_UUID_LEN>,
    /// Update: the version to update; Uninstall: the version to remove (empty: any).
    pub version: heapless::String<DU_VERSION_MAX>,
    /// File server user name.
    pub username: heapless::String<CREDENTIAL_MAX>,
    /// File server password.
    pub password: heapless::String<CREDENTIAL_MAX>,
    /// The execution environment (empty: the default one).
    pub execution_env_ref: heapless::String<DU_EE_REF_MAX>,
    /// The outcome, once the platform reported it.
    pub result: Option<OpResult>,
}

/// True for a UUID in its RFC 4122 text form (`8-4-4-4-12` hexadecimal digits).
pub fn valid_uuid(s: &str) -> bool {
    s.len() == DU_UUID_LEN
        && s.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        })
}

/// Writes the version-4 (random) UUID made of `bytes` into `out` (cleared first).
pub fn random_uuid(mut bytes: [u8; 16], out: &mut heapless::String<DU_UUID_LEN>) {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.clear();
    for (i, b) in bytes.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            // 32 digits and 4 dashes: exactly DU_UUID_LEN.
            let _ = out.push('-');
        }
        let _ = out.push(char::from(HEX[usize::from(b >> 4)]));
        let _ = out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
}

fn field<const N: usize>(
    t: Option<Text<'_>>,
    too_long: FaultCode,
) -> Result<heapless::String<N>, FaultCode> {
    match t {
        None => Ok(heapless::String::new()),
        Some(t) => t.to_heapless().map_err(|_| too_long),
    }
}

impl Operation {
    /// Checks one operation of a ChangeDUState and keeps it: 9003 for a missing URL or UUID,
    /// 9013 for a URL scheme other than http/https, 9022 for a malformed UUID, 9023 for an
    /// ExecutionEnvRef no environment of this CPE can have, 9004 for values longer than kept.
    pub fn from_request(op: &SoapOperation<'_>) -> Result<Operation, FaultCode> {
        let limit = FaultCode::RESOURCES_EXCEEDED;
        let (kind, url, uuid, version, username, password, ee) = match *op {
            SoapOperation::Install {
                url,
                uuid,
                username,
                password,
                execution_env_ref,
            } => (
                OpKind::Install,
                Some(url),
                uuid,
                None,
                username,
                password,
                execution_env_ref,
            ),
            SoapOperation::Update {
                uuid,
                version,
                url,
                username,
                password,
            } => (OpKind::Update, url, uuid, version, username, password, None),
            SoapOperation::Uninstall {
                uuid,
                version,
                execution_env_ref,
            } => (
                OpKind::Uninstall,
                None,
                Some(uuid),
                version,
                None,
                None,
                execution_env_ref,
            ),
        };
        let url: heapless::String<URL_MAX> = field(url, limit)?;
        let url_trimmed = url.trim();
        if kind == OpKind::Install && url_trimmed.is_empty() {
            return Err(FaultCode::INVALID_ARGUMENTS);
        }
        let http = url_trimmed.starts_with("http://") || url_trimmed.starts_with("https://");
        if !url_trimmed.is_empty() && !http {
            return Err(FaultCode::UNSUPPORTED_PROTOCOL);
        }
        // The parser bounds UUIDs to 36 characters; anything else of that length is malformed.
        let uuid: heapless::String<DU_UUID_LEN> = field(uuid, FaultCode::INVALID_UUID)?;
        if kind == OpKind::Uninstall && uuid.is_empty() {
            return Err(FaultCode::INVALID_ARGUMENTS);
        }
        if !uuid.is_empty() && !valid_uuid(&uuid) {
            return Err(FaultCode::INVALID_UUID);
        }
        let execution_env_ref = field(ee, FaultCode::UNKNOWN_EXEC_ENV)?;
        Ok(Operation {
            kind,
            url: {
                let mut u = heapless::String::new();
                // A trimmed copy is no longer than the original.
                let _ = u.push_str(url_trimmed);
                u
            },
            uuid,
            version: field(version, limit)?,
            username: field(username, limit)?,
            password: field(password, limit)?,
            execution_env_ref,
            result: None,
        })
    }
}

/// One ChangeDUState: its operations in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuChange {
    /// Slot number, stable for the request's life; links it to its `M ChangeDUState` event.
    pub id: u8,
    /// The request's command key.
    pub command_key: heapless::String<EVENT_KEY_MAX>,
    /// The operations, in the order the ACS listed them.
    pub operations: heapless::Vec<Operation, DU_OPS_MAX>,
    /// Handed to the platform and not finished (not persisted: a restart hands it over again).
    running: bool,
}

impl DuChange {
    /// A change as read back from a snapshot.
    pub fn restored(
        id: u8,
        command_key: heapless::String<EVENT_KEY_MAX>,
        operations: heapless::Vec<Operation, DU_OPS_MAX>,
    ) -> DuChange {
        DuChange {
            id,
            command_key,
            operations,
            running: false,
        }
    }

    /// The operations still without a result, in order, with their index.
    pub fn pending(&self) -> impl Iterator<Item = (usize, &Operation)> {
        self.operations
            .iter()
            .enumerate()
            .filter(|(_, o)| o.result.is_none())
    }

    /// True once every operation has a result.
    pub fn is_done(&self) -> bool {
        self.operations.iter().all(|o| o.result.is_some())
    }

    /// True while the platform carries it out.
    pub fn is_running(&self) -> bool {
        self.running
    }
}

/// The event link of change `id` (`M ChangeDUState`): kept apart from transfer slots, which
/// share the link field.
pub const fn event_link(id: u8) -> u8 {
    0x80 | id
}

/// No room for another autonomous change: the platform offers it again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// A change made without the ACS, waiting for its AutonomousDUStateChangeComplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AutonomousChange {
    /// `OperationPerformed`.
    pub kind: OpKind,
    /// Its outcome.
    pub result: OpResult,
}

/// The ChangeDUState requests, in the order they arrived.
#[derive(Debug, Clone, Default)]
pub struct DuChanges {
    items: heapless::Vec<DuChange, DU_CHANGES_MAX>,
}

impl DuChanges {
    /// None.
    pub const fn new() -> Self {
        DuChanges {
            items: heapless::Vec::new(),
        }
    }

    /// Queues a checked request; 9004 when [`DU_CHANGES_MAX`] are kept already.
    pub fn add(
        &mut self,
        command_key: &str,
        operations: heapless::Vec<Operation, DU_OPS_MAX>,
    ) -> Result<u8, FaultCode> {
        if self.items.is_full() {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        let id = (0..0x80u8)
            .find(|id| !self.items.iter().any(|c| c.id == *id))
            .ok_or(FaultCode::RESOURCES_EXCEEDED)?;
        let mut key = heapless::String::new();
        key.push_str(command_key)
            .map_err(|_| FaultCode::RESOURCES_EXCEEDED)?;
        self.items
            .push(DuChange {
                id,
                command_key: key,
                operations,
                running: false,
            })
            .map_err(|_| FaultCode::RESOURCES_EXCEEDED)?;
        Ok(id)
    }

    /// Puts back a change read from a snapshot; false (and dropped) if its slot is taken, its
    /// id is out of range or the table is full.
    pub fn restore(&mut self, c: DuChange) -> bool {
        if c.id >= 0x80 || self.items.iter().any(|x| x.id == c.id) {
            return false;
        }
        self.items.push(c).is_ok()
    }

    /// The change in slot `id`.
    pub fn get(&self, id: u8) -> Option<&DuChange> {
        self.items.iter().find(|c| c.id == id)
    }

    /// All changes, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &DuChange> {
        self.items.iter()
    }

    /// The oldest unfinished change, if none is running (changes run one at a time, in order).
    pub fn next_to_run(&self) -> Option<u8> {
        if self.items.iter().any(|c| c.running) {
            return None;
        }
        self.items.iter().find(|c| !c.is_done()).map(|c| c.id)
    }

    /// Marks a change as handed to the platform.
    pub fn start(&mut self, id: u8) {
        if let Some(c) = self.items.iter_mut().find(|c| c.id == id) {
            c.running = true;
        }
    }

    /// Records the result of operation `index` of change `id`. `None` if there is no such
    /// operation or it has a result already; else whether the change is now complete.
    pub fn record(&mut self, id: u8, index: usize, result: OpResult) -> Option<bool> {
        let c = self.items.iter_mut().find(|c| c.id == id)?;
        let op = c.operations.get_mut(index)?;
        if op.result.is_some() {
            return None;
        }
        op.result = Some(result);
        let done = c.is_done();
        if done {
            c.running = false;
        }
        Some(done)
    }

    /// Forgets a change whose DUStateChangeComplete was delivered.
    pub fn remove(&mut self, id: u8) {
        self.items.retain(|c| c.id != id);
    }

    /// Drops every change (bootstrap: they belonged to the old ACS).
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install(url: &str) -> SoapOperation<'_> {
        SoapOperation::Install {
            url: Text::verbatim(url),
            uuid: None,
            username: None,
            password: None,
            execution_env_ref: None,
        }
    }

    fn ok() -> OpResult {
        OpResult::new(
            DuState::Installed,
            FaultCode::NONE,
            DateTime::UNKNOWN,
            DateTime::UNKNOWN,
        )
    }

    #[test]
    fn uuid_syntax() {
        assert!(valid_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"));
        assert!(valid_uuid("6BA7B810-9DAD-11D1-80B4-00C04FD430C8"));
        assert!(!valid_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430c"));
        assert!(!valid_uuid("6ba7b810x9dad-11d1-80b4-00c04fd430c8"));
        assert!(!valid_uuid("6ba7b810-9dad-11d1-80b4-00c04fd430cg"));
        assert!(!valid_uuid(""));
    }

    #[test]
    fn random_uuids_are_version_4() {
        let mut s = heapless::String::new();
        random_uuid([0xff; 16], &mut s);
        assert_eq!(s, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        random_uuid([0; 16], &mut s);
        assert_eq!(s, "00000000-0000-4000-8000-000000000000");
        assert!(valid_uuid(&s));
    }

    #[test]
    fn operations_are_checked_on_receipt() {
        assert!(Operation::from_request(&install("http://h/p.ipk")).is_ok());
        assert_eq!(
            Operation::from_request(&install("  ")),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
        assert_eq!(
            Operation::from_request(&install("ftp://h/p.ipk")),
            Err(FaultCode::UNSUPPORTED_PROTOCOL)
        );
        let bad_uuid = SoapOperation::Uninstall {
            uuid: Text::verbatim("not-a-uuid"),
            version: None,
            execution_env_ref: None,
        };
        assert_eq!(
            Operation::from_request(&bad_uuid),
            Err(FaultCode::INVALID_UUID)
        );
        let empty_uuid = SoapOperation::Uninstall {
            uuid: Text::verbatim(""),
            version: None,
            execution_env_ref: None,
        };
        assert_eq!(
            Operation::from_request(&empty_uuid),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
        let long_ee = std::format!("Device.SoftwareModules.ExecEnv.{}", "1".repeat(64));
        let op = SoapOperation::Install {
            url: Text::verbatim("https://h/p"),
            uuid: None,
            username: None,
            password: None,
            execution_env_ref: Some(Text::verbatim(&long_ee)),
        };
        assert_eq!(
            Operation::from_request(&op),
            Err(FaultCode::UNKNOWN_EXEC_ENV)
        );
        let long_url = std::format!("http://h/{}", "a".repeat(URL_MAX));
        assert_eq!(
            Operation::from_request(&install(&long_url)),
            Err(FaultCode::RESOURCES_EXCEEDED)
        );
        // An Update needs neither URL nor UUID.
        let update = SoapOperation::Update {
            uuid: None,
            version: None,
            url: None,
            username: None,
            password: None,
        };
        let op = Operation::from_request(&update).unwrap();
        assert_eq!(op.kind, OpKind::Update);
        assert!(op.url.is_empty() && op.uuid.is_empty());
    }

    #[test]
    fn changes_run_one_at_a_time_and_resume_where_they_stopped() {
        let mut q = DuChanges::new();
        let op = Operation::from_request(&install("http://h/a")).unwrap();
        let ops: heapless::Vec<_, DU_OPS_MAX> = [op.clone(), op.clone()].into_iter().collect();
        let a = q.add("a", ops.clone()).unwrap();
        let b = q.add("b", ops).unwrap();
        assert_eq!(
            q.add("c", heapless::Vec::new()),
            Err(FaultCode::RESOURCES_EXCEEDED)
        );
        assert_eq!(q.next_to_run(), Some(a));
        q.start(a);
        assert_eq!(q.next_to_run(), None);
        assert_eq!(q.record(a, 0, ok()), Some(false));
        assert_eq!(q.record(a, 0, ok()), None, "one result per operation");
        assert_eq!(q.record(a, 5, ok()), None);
        assert_eq!(q.get(a).unwrap().pending().map(|(i, _)| i).next(), Some(1));
        assert_eq!(q.record(a, 1, ok()), Some(true));
        assert_eq!(q.next_to_run(), Some(b));
        q.remove(a);
        assert_eq!(q.iter().count(), 1);
        // A restart forgets "running": the half-done change is handed over again.
        q.start(b);
        q.record(b, 0, ok());
        let c = q.get(b).unwrap().clone();
        let mut q2 = DuChanges::new();
        assert!(q2.restore(DuChange::restored(c.id, c.command_key, c.operations)));
        assert_eq!(q2.next_to_run(), Some(b));
        assert_eq!(
            q2.get(b)
                .unwrap()
                .pending()
                .map(|(i, _)| i)
                .collect::<std::vec::Vec<_>>(),
            [1]
        );
        assert!(!q2.restore(DuChange::restored(
            b,
            heapless::String::new(),
            heapless::Vec::new()
        )));
        assert!(!q2.restore(DuChange::restored(
            0x80,
            heapless::String::new(),
            heapless::Vec::new()
        )));
    }

    #[test]
    fn words_round_trip() {
        for k in [OpKind::Install, OpKind::Update, OpKind::Uninstall] {
            assert_eq!(OpKind::parse(k.as_str()), Some(k));
        }
        for s in [DuState::Installed, DuState::Uninstalled, DuState::Failed] {
            assert_eq!(DuState::parse(s.as_str()), Some(s));
        }
        assert_eq!(OpKind::parse("Reinstall"), None);
        let mut r = ok();
        assert_eq!(r.fault_text(), "");
        r.fault = FaultCode::UNKNOWN_DU;
        assert_eq!(r.fault_text(), "Unknown Deployment Unit");
        r.fault_string.push_str("no such package").unwrap();
        assert_eq!(r.fault_text(), "no such package");
    }
}
