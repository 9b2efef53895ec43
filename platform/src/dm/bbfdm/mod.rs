//! The bbfdm backend: the data model of iopsys and prplOS routers, served by `bbfdmd` on ubus.
//!
//! Responsible for mapping each [`DataModel`] call onto the `bbfdm` object's methods, always
//! with `"optional": {"proto": "cwmp", "format": "raw"}` so replies are flat `results` lists
//! with CWMP fault codes:
//! - `get {path}` for GetParameterValues (the empty path is `Device.`);
//! - `schema {path, first_level}` for GetParameterNames (`data` `"1"` = writable) and for
//!   checking a name, its access and its type before a set;
//! - `set {path, value}` inside `transaction {cmd: start|commit|abort}` when the object
//!   announces `transaction` (older bbfdmd): values are staged in bbfdm's transaction and
//!   committed or aborted as a whole. Newer bbfdmd has no `transaction` method and applies
//!   each `set` at once; then values are staged here and applied at commit, and a value bbfdm
//!   refuses half way makes the backend set the already applied ones back to the values it
//!   read before (best effort: bbfdm offers nothing stronger);
//! - `add {path}` and `del {path}` for AddObject and DeleteObject (each in its own
//!   transaction when transactions exist).
//!
//! bbfdm's own `Device.ManagementServer.` is hidden: the agent serves that subtree. The calls
//! go over a connection of their own ([`conn::Caller`]) with a timeout; a timeout, a lost
//! connection or an unexpected reply is 9002. Not responsible for the agent's own `tr069`
//! object or for `operate` (diagnostics are not mapped yet).
//!
//! bbfdm's `get` does not say whether a parameter is writable, so [`Param::writable`] is
//! `false` in what [`DataModel::get`] reports; writability comes from `schema`, which is what
//! GetParameterNames and the set path use.

pub mod conn;
pub mod reply;

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Duration;

use cwmp_core::datamodel::{
    Applied, DataModel, Node, Param, check_path, child_of, is_partial, is_under,
};
use cwmp_core::soap::{FaultCode, ValueType};
use cwmp_core::ubus::blob::{EncodeError, Writer};
use cwmp_core::ubus::blobmsg::Table;
use cwmp_core::ubus::msg::Status;

use crate::dm::limits::STAGE_MAX_VALUES;
use crate::dm::syntax::{self, Constraint};
use conn::{CallError, Caller, Target};

/// The subtree the agent serves itself.
const AGENT_SUBTREE: &str = "Device.ManagementServer.";

/// The root a bbfdm path must start from.
const ROOT: &str = "Device.";

/// How to reach bbfdm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BbfdmConfig {
    /// The ubusd socket.
    pub socket: PathBuf,
    /// The object name (`bbfdm`).
    pub object: String,
    /// Longest wait for one call.
    pub timeout: Duration,
}

impl BbfdmConfig {
    /// The `bbfdm` object on ubusd at `socket`, with a 10 s timeout per call.
    pub fn new(socket: impl Into<PathBuf>) -> BbfdmConfig {
        BbfdmConfig {
            socket: socket.into(),
            object: "bbfdm".to_string(),
            timeout: Duration::from_secs(10),
        }
    }
}

impl Default for BbfdmConfig {
    fn default() -> Self {
        BbfdmConfig::new("/var/run/ubus/ubus.sock")
    }
}

/// The open SetParameterValues transaction.
#[derive(Debug)]
enum Txn {
    Idle,
    /// bbfdm holds the staged values under this id.
    Remote(u32),
    /// bbfdm has no transactions: the values wait here.
    Local(Vec<(Box<str>, Box<str>)>),
}

/// The bbfdm backend; see the module documentation.
#[derive(Debug)]
pub struct Bbfdm {
    object: String,
    caller: Caller,
    target: Option<Target>,
    txn: Txn,
}

fn internal(e: &CallError) -> FaultCode {
    log::error!("bbfdm: {e}");
    FaultCode::INTERNAL_ERROR
}

/// Writes the `optional` table every call carries.
fn optional(w: &mut Writer<'_>, txn: Option<u32>) -> Result<(), EncodeError> {
    w.table("optional", |w| {
        w.put_str("proto", "cwmp")?;
        w.put_str("format", "raw")?;
        match txn {
            // The id travels as int32, bit for bit.
            Some(id) => w.put_i32("transaction_id", id as i32),
            None => Ok(()),
        }
    })
}

/// Records a reply's first fault in `fault` (keeping an earlier one); true when there is one.
fn note_fault(data: Table<'_>, fault: &mut Option<FaultCode>) -> bool {
    if fault.is_some() {
        return true;
    }
    if let Some((code, path, msg)) = reply::first_fault(data) {
        log::info!("bbfdm: {path}: fault {code}: {msg}");
        *fault = Some(code);
        return true;
    }
    false
}

impl Bbfdm {
    /// A backend for `config`; nothing is connected until the first call.
    pub fn new(config: BbfdmConfig) -> Bbfdm {
        Bbfdm {
            object: config.object,
            caller: Caller::new(config.socket, config.timeout),
            target: None,
            txn: Txn::Idle,
        }
    }

    fn target(&mut self) -> Result<Target, FaultCode> {
        if let Some(t) = &self.target {
            return Ok(t.clone());
        }
        let t = self.caller.lookup(&self.object).map_err(|e| internal(&e))?;
        self.target = Some(t.clone());
        Ok(t)
    }

    fn has_transactions(&mut self) -> Result<bool, FaultCode> {
        Ok(self.target()?.methods.iter().any(|m| m == "transaction"))
    }

    /// Calls `method`; if bbfdm was restarted (stale id), looks it up once more and retries.
    fn invoke(
        &mut self,
        method: &str,
        args: &dyn Fn(&mut Writer<'_>) -> Result<(), EncodeError>,
        on_data: &mut dyn FnMut(Table<'_>),
    ) -> Result<(), FaultCode> {
        for attempt in 0..2 {
            let target = self.target()?;
            match self.caller.call(target.id, method, args, on_data) {
                Ok(()) => return Ok(()),
                Err(CallError::Status(Status::NotFound)) if attempt == 0 => {
                    self.target = None;
                }
                Err(e) => {
                    if matches!(e, CallError::Io(_) | CallError::Protocol(_)) {
                        self.target = None;
                    }
                    return Err(internal(&e));
                }
            }
        }
        Err(FaultCode::INTERNAL_ERROR)
    }

    /// `transaction {cmd}`: the status and the id (for `start`).
    fn transaction(&mut self, cmd: &str, id: Option<u32>) -> Result<Option<u32>, FaultCode> {
        let mut result = (false, None);
        self.invoke(
            "transaction",
            &|w| {
                w.put_str("cmd", cmd)?;
                if cmd == "commit" {
                    w.put_bool("restart_services", true)?;
                }
                optional(w, id)
            },
            &mut |data| result = reply::transaction(data),
        )?;
        match result {
            (true, got) => Ok(got),
            (false, _) => {
                log::error!("bbfdm: transaction {cmd} refused");
                Err(FaultCode::INTERNAL_ERROR)
            }
        }
    }

    /// `set {path, value}`, in bbfdm's transaction `txn` if there is one.
    fn set(&mut self, name: &str, value: &str, txn: Option<u32>) -> Result<(), FaultCode> {
        let mut fault = None;
        self.invoke(
            "set",
            &|w| {
                w.put_str("path", name)?;
                w.put_str("value", value)?;
                optional(w, txn)
            },
            &mut |data| {
                note_fault(data, &mut fault);
            },
        )?;
        fault.map_or(Ok(()), Err)
    }

    /// The current value of one parameter.
    fn value_of(&mut self, name: &str) -> Result<String, FaultCode> {
        let mut got = None;
        self.get(name, &mut |p| {
            got = Some(p.value.to_string());
            ControlFlow::Break(())
        })?;
        got.ok_or(FaultCode::INVALID_PARAMETER_NAME)
    }

    /// `add`/`del` of one object, in a transaction of its own when bbfdm has them; returns the
    /// `data` of the reply entry.
    fn structural(&mut self, method: &str, path: &str) -> Result<String, FaultCode> {
        if !is_partial(path) || path.is_empty() || is_under(path, AGENT_SUBTREE) {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        check_path(path).map_err(|_| FaultCode::INVALID_PARAMETER_NAME)?;
        let txn = if self.has_transactions()? {
            self.transaction("start", None)?
        } else {
            None
        };
        let mut fault = None;
        let mut data = None;
        let called = self.invoke(
            method,
            &|w| {
                w.put_str("path", path)?;
                optional(w, txn)
            },
            &mut |reply| {
                if !note_fault(reply, &mut fault) && data.is_none() {
                    data = reply::entries(reply)
                        .find(|e| e.path == path)
                        .and_then(|e| e.data.map(str::to_string));
                }
            },
        );
        let outcome = called.and_then(|()| fault.map_or(Ok(()), Err));
        if let Some(id) = txn {
            match outcome {
                Ok(()) => {
                    self.transaction("commit", Some(id))?;
                }
                Err(_) => {
                    let _ = self.transaction("abort", Some(id));
                }
            }
        }
        outcome?;
        data.ok_or_else(|| {
            log::error!("bbfdm: {method} {path}: reply without data");
            FaultCode::INTERNAL_ERROR
        })
    }
}

impl DataModel for Bbfdm {
    fn get(
        &mut self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        check_path(path).map_err(|_| FaultCode::INVALID_PARAMETER_NAME)?;
        let query = if path.is_empty() { ROOT } else { path };
        let mut fault = None;
        let mut stopped = false;
        self.invoke(
            "get",
            &|w| {
                w.put_str("path", query)?;
                optional(w, None)
            },
            &mut |data| {
                if stopped || note_fault(data, &mut fault) {
                    return;
                }
                for e in reply::entries(data) {
                    if e.is_object() || is_under(e.path, AGENT_SUBTREE) {
                        continue;
                    }
                    let p = Param {
                        name: e.path,
                        value: e.data.unwrap_or(""),
                        value_type: reply::value_type(e.ty),
                        writable: false,
                    };
                    if visit(&p).is_break() {
                        stopped = true;
                        return;
                    }
                }
            },
        )?;
        fault.map_or(Ok(()), Err)
    }

    fn names(
        &mut self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        check_path(path).map_err(|_| FaultCode::INVALID_PARAMETER_NAME)?;
        if path.is_empty() && next_level {
            let _ = visit(&Node {
                name: ROOT,
                writable: false,
            });
            return Ok(());
        }
        let query = if path.is_empty() { ROOT } else { path };
        let partial = is_partial(query);
        let mut fault = None;
        let mut pending: Option<(Box<str>, bool)> = None;
        let mut stopped = false;
        self.invoke(
            "schema",
            &|w| {
                w.put_str("path", query)?;
                w.put_bool("first_level", next_level && partial)?;
                optional(w, None)
            },
            &mut |data| {
                if note_fault(data, &mut fault) {
                    return;
                }
                for e in reply::entries(data) {
                    if is_under(e.path, AGENT_SUBTREE) && e.path != query {
                        continue;
                    }
                    if !partial {
                        // A parameter: report it only once its existence is certain.
                        if e.path == query {
                            pending = Some((e.path.into(), e.data_true()));
                        }
                        continue;
                    }
                    let wanted = if next_level {
                        child_of(query, e.path) == Some(e.path)
                    } else {
                        is_under(e.path, query)
                    };
                    if !wanted || stopped {
                        continue;
                    }
                    let node = Node {
                        name: e.path,
                        writable: e.data_true(),
                    };
                    if visit(&node).is_break() {
                        stopped = true;
                    }
                }
            },
        )?;
        if let Some(f) = fault {
            return Err(f);
        }
        if !partial {
            let (name, writable) = pending.ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
            if next_level {
                return Err(FaultCode::INVALID_ARGUMENTS);
            }
            let _ = visit(&Node {
                name: &name,
                writable,
            });
        }
        Ok(())
    }

    fn check(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode> {
        if name.is_empty() || is_partial(name) || is_under(name, AGENT_SUBTREE) {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        check_path(name).map_err(|_| FaultCode::INVALID_PARAMETER_NAME)?;
        let mut fault = None;
        let mut found = None;
        self.invoke(
            "schema",
            &|w| {
                w.put_str("path", name)?;
                optional(w, None)
            },
            &mut |data| {
                if note_fault(data, &mut fault) || found.is_some() {
                    return;
                }
                found = reply::entries(data)
                    .find(|e| e.path == name && !e.is_object())
                    .map(|e| (e.data_true(), reply::value_type(e.ty)));
            },
        )?;
        if let Some(f) = fault {
            return Err(f);
        }
        let (writable, declared) = found.ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        if !writable {
            return Err(FaultCode::NON_WRITABLE_PARAMETER);
        }
        // bbfdm checks ranges and enumerations itself when the value is set.
        syntax::check(declared, &Constraint::default(), value, value_type).map(|_| ())
    }

    fn begin(&mut self) -> Result<(), FaultCode> {
        self.abort();
        self.txn = if self.has_transactions()? {
            let id = self
                .transaction("start", None)?
                .ok_or(FaultCode::INTERNAL_ERROR)?;
            Txn::Remote(id)
        } else {
            Txn::Local(Vec::new())
        };
        Ok(())
    }

    fn stage(&mut self, name: &str, value: &str, _value_type: ValueType) -> Result<(), FaultCode> {
        match &mut self.txn {
            Txn::Idle => Err(FaultCode::INTERNAL_ERROR),
            Txn::Remote(id) => {
                let id = *id;
                self.set(name, value, Some(id))
            }
            Txn::Local(staged) => {
                if staged.len() >= STAGE_MAX_VALUES {
                    return Err(FaultCode::RESOURCES_EXCEEDED);
                }
                staged.push((name.into(), value.into()));
                Ok(())
            }
        }
    }

    fn commit(&mut self) -> Result<Applied, FaultCode> {
        match std::mem::replace(&mut self.txn, Txn::Idle) {
            Txn::Idle => Err(FaultCode::INTERNAL_ERROR),
            Txn::Remote(id) => {
                self.transaction("commit", Some(id))?;
                Ok(Applied::Now)
            }
            Txn::Local(staged) => {
                let mut before = Vec::with_capacity(staged.len());
                for (name, _) in &staged {
                    before.push(self.value_of(name)?);
                }
                for (k, (name, value)) in staged.iter().enumerate() {
                    if let Err(f) = self.set(name, value, None) {
                        for ((name, _), old) in staged.iter().zip(&before).take(k).rev() {
                            if let Err(e) = self.set(name, old, None) {
                                log::error!("bbfdm: could not set {name} back: fault {e}");
                            }
                        }
                        return Err(f);
                    }
                }
                Ok(Applied::Now)
            }
        }
    }

    fn abort(&mut self) {
        if let Txn::Remote(id) = std::mem::replace(&mut self.txn, Txn::Idle)
            && let Err(f) = self.transaction("abort", Some(id))
        {
            log::warn!("bbfdm: transaction abort failed: fault {f}");
        }
    }

    fn add_object(&mut self, path: &str) -> Result<(u32, Applied), FaultCode> {
        let data = self.structural("add", path)?;
        let n = data.parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
            log::error!("bbfdm: add {path}: instance {data:?} is not a number");
            FaultCode::INTERNAL_ERROR
        })?;
        Ok((n, Applied::Now))
    }

    fn delete_object(&mut self, path: &str) -> Result<Applied, FaultCode> {
        self.structural("del", path)?;
        Ok(Applied::Now)
    }
}
