//! `Device.ManagementServer.`: the parameters the agent owns itself (digest §12).
//!
//! Values start from the configuration and may be changed by the ACS (SetParameterValues,
//! AddObject/DeleteObject on `InformParameter.`); the changed values are persisted by the agent.
//! This module knows the names, types, ranges and writability; it does not decide when a change
//! takes effect (the agent applies URL and schedule changes when the session ends).

use core::fmt::Write as _;
use core::ops::ControlFlow;

use crate::datamodel::{Node, Param, check_path};
use crate::limits::{CREDENTIAL_MAX, INFORM_PARAMS_MAX, PATH_MAX_LEN, URL_MAX};
use crate::soap::{FaultCode, ValueType};
use crate::time::DateTime;

/// The path of the subtree.
pub const PREFIX: &str = "Device.ManagementServer.";
const INFORM_PARAMETER: &str = "Device.ManagementServer.InformParameter.";
const HEARTBEAT: &str = "Device.ManagementServer.HeartbeatPolicy.";
const ATC_POLICY: &str = "Device.ManagementServer.AutonomousTransferCompletePolicy.";
const DU_POLICY: &str = "Device.ManagementServer.DUStateChangeComplPolicy.";

/// Minimum `HeartbeatPolicy.ReportingInterval` (TR-181: 30 s).
pub const HEARTBEAT_MIN_INTERVAL: u32 = 30;

/// A fixed-capacity string for a URL.
pub type UrlString = heapless::String<URL_MAX>;
/// A fixed-capacity string for a user name or password.
pub type Credential = heapless::String<CREDENTIAL_MAX>;

/// One `InformParameter.{i}` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformParam {
    /// Instance number.
    pub instance: u32,
    /// Whether it is used.
    pub enable: bool,
    /// Alias.
    pub alias: heapless::String<64>,
    /// Parameter name, possibly with `*` instance wildcards.
    pub parameter_name: heapless::String<PATH_MAX_LEN>,
    /// Comma-separated event codes; empty = every event but `4 VALUE CHANGE`.
    pub event_list: heapless::String<128>,
}

/// The values of `Device.ManagementServer.`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagementServer {
    /// `EnableCWMP`.
    pub enable_cwmp: bool,
    /// `URL`.
    pub url: UrlString,
    /// `Username`.
    pub username: Credential,
    /// `Password` (reads back empty).
    pub password: Credential,
    /// `PeriodicInformEnable`.
    pub periodic_enable: bool,
    /// `PeriodicInformInterval`, seconds, >= 1.
    pub periodic_interval: u32,
    /// `PeriodicInformTime` (`None` = Unknown Time).
    pub periodic_time: Option<DateTime>,
    /// `ParameterKey`.
    pub parameter_key: heapless::String<32>,
    /// `ConnectionRequestURL` (set by the platform from the listener's address).
    pub cr_url: UrlString,
    /// `ConnectionRequestUsername`.
    pub cr_username: Credential,
    /// `ConnectionRequestPassword` (reads back empty).
    pub cr_password: Credential,
    /// `UpgradesManaged`.
    pub upgrades_managed: bool,
    /// `DefaultActiveNotificationThrottle`, seconds.
    pub notification_throttle: u32,
    /// `CWMPRetryMinimumWaitInterval`, 1..=65535.
    pub retry_min_wait: u32,
    /// `CWMPRetryIntervalMultiplier`, 1000..=65535.
    pub retry_multiplier: u32,
    /// `HeartbeatPolicy.Enable`.
    pub heartbeat_enable: bool,
    /// `HeartbeatPolicy.ReportingInterval`, >= 30.
    pub heartbeat_interval: u32,
    /// `HeartbeatPolicy.InitiationTime` (`None` = Unknown Time: a random phase).
    pub heartbeat_time: Option<DateTime>,
    /// `AutonomousTransferCompletePolicy.Enable`.
    pub atc_enable: bool,
    /// `AutonomousTransferCompletePolicy.TransferTypeFilter`: `Upload`, `Download` or `Both`.
    pub atc_transfer_type: heapless::String<8>,
    /// `AutonomousTransferCompletePolicy.ResultTypeFilter`: `Success`, `Failure` or `Both`.
    pub atc_result_type: heapless::String<8>,
    /// `AutonomousTransferCompletePolicy.FileTypeFilter`: the file types reported,
    /// comma-separated.
    pub atc_file_types: heapless::String<{ crate::limits::ATC_FILE_TYPES_MAX }>,
    /// `DUStateChangeComplPolicy.Enable`.
    pub du_policy_enable: bool,
    /// `DUStateChangeComplPolicy.OperationTypeFilter`: `Install`, `Update`, `Uninstall`,
    /// comma-separated.
    pub du_policy_operations: heapless::String<32>,
    /// `DUStateChangeComplPolicy.ResultTypeFilter`: `Success`, `Failure` or `Both`.
    pub du_policy_result_type: heapless::String<8>,
    /// `DUStateChangeComplPolicy.FaultCodeFilter`: the fault codes of failures reported,
    /// comma-separated; empty: every fault.
    pub du_policy_fault_codes: heapless::String<{ crate::limits::DU_FAULT_CODES_MAX }>,
    /// `InformParameter.{i}`.
    pub inform_params: heapless::Vec<InformParam, INFORM_PARAMS_MAX>,
    /// The next `InformParameter` instance number (never reused).
    pub next_inform_instance: u32,
}

impl Default for ManagementServer {
    fn default() -> Self {
        ManagementServer {
            enable_cwmp: true,
            url: UrlString::new(),
            username: Credential::new(),
            password: Credential::new(),
            periodic_enable: true,
            periodic_interval: 86_400,
            periodic_time: None,
            parameter_key: heapless::String::new(),
            cr_url: UrlString::new(),
            cr_username: Credential::new(),
            cr_password: Credential::new(),
            upgrades_managed: false,
            notification_throttle: 0,
            retry_min_wait: super::retry::DEFAULT_MIN_WAIT,
            retry_multiplier: super::retry::DEFAULT_MULTIPLIER,
            heartbeat_enable: false,
            heartbeat_interval: 300,
            heartbeat_time: None,
            atc_enable: false,
            atc_transfer_type: super::copy_str("Both"),
            atc_result_type: super::copy_str("Both"),
            atc_file_types: super::copy_str(FIRMWARE_FILE_TYPE),
            du_policy_enable: false,
            du_policy_operations: super::copy_str("Install,Update,Uninstall"),
            du_policy_result_type: super::copy_str("Both"),
            du_policy_fault_codes: heapless::String::new(),
            inform_params: heapless::Vec::new(),
            next_inform_instance: 1,
        }
    }
}

/// The leaves directly under the prefix, in the order they are reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaf {
    EnableCwmp,
    Url,
    Username,
    Password,
    PeriodicEnable,
    PeriodicInterval,
    PeriodicTime,
    ParameterKey,
    CrUrl,
    CrUsername,
    CrPassword,
    UpgradesManaged,
    Throttle,
    RetryMinWait,
    RetryMultiplier,
    AliasBasedAddressing,
    InstanceMode,
    AutoCreateInstances,
    SupportedConnReqMethods,
    InformParameterNumberOfEntries,
}

const LEAVES: [(&str, Leaf); 20] = [
    ("EnableCWMP", Leaf::EnableCwmp),
    ("URL", Leaf::Url),
    ("Username", Leaf::Username),
    ("Password", Leaf::Password),
    ("PeriodicInformEnable", Leaf::PeriodicEnable),
    ("PeriodicInformInterval", Leaf::PeriodicInterval),
    ("PeriodicInformTime", Leaf::PeriodicTime),
    ("ParameterKey", Leaf::ParameterKey),
    ("ConnectionRequestURL", Leaf::CrUrl),
    ("ConnectionRequestUsername", Leaf::CrUsername),
    ("ConnectionRequestPassword", Leaf::CrPassword),
    ("UpgradesManaged", Leaf::UpgradesManaged),
    ("DefaultActiveNotificationThrottle", Leaf::Throttle),
    ("CWMPRetryMinimumWaitInterval", Leaf::RetryMinWait),
    ("CWMPRetryIntervalMultiplier", Leaf::RetryMultiplier),
    ("AliasBasedAddressing", Leaf::AliasBasedAddressing),
    ("InstanceMode", Leaf::InstanceMode),
    ("AutoCreateInstances", Leaf::AutoCreateInstances),
    ("SupportedConnReqMethods", Leaf::SupportedConnReqMethods),
    (
        "InformParameterNumberOfEntries",
        Leaf::InformParameterNumberOfEntries,
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum HeartbeatLeaf {
    Enable,
    ReportingInterval,
    InitiationTime,
}

const HEARTBEAT_LEAVES: [(&str, HeartbeatLeaf); 3] = [
    ("Enable", HeartbeatLeaf::Enable),
    ("ReportingInterval", HeartbeatLeaf::ReportingInterval),
    ("InitiationTime", HeartbeatLeaf::InitiationTime),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtcLeaf {
    Enable,
    TransferTypeFilter,
    ResultTypeFilter,
    FileTypeFilter,
}

const ATC_LEAVES: [(&str, AtcLeaf); 4] = [
    ("Enable", AtcLeaf::Enable),
    ("TransferTypeFilter", AtcLeaf::TransferTypeFilter),
    ("ResultTypeFilter", AtcLeaf::ResultTypeFilter),
    ("FileTypeFilter", AtcLeaf::FileTypeFilter),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DuLeaf {
    Enable,
    OperationTypeFilter,
    ResultTypeFilter,
    FaultCodeFilter,
}

const DU_LEAVES: [(&str, DuLeaf); 4] = [
    ("Enable", DuLeaf::Enable),
    ("OperationTypeFilter", DuLeaf::OperationTypeFilter),
    ("ResultTypeFilter", DuLeaf::ResultTypeFilter),
    ("FaultCodeFilter", DuLeaf::FaultCodeFilter),
];

/// The fault codes `DUStateChangeComplPolicy.FaultCodeFilter` may list (TR-181).
const DU_FILTER_FAULTS: [&str; 19] = [
    "9001", "9003", "9012", "9013", "9015", "9016", "9017", "9018", "9022", "9023", "9024", "9025",
    "9026", "9027", "9028", "9029", "9030", "9031", "9032",
];

/// The FileType of a firmware image.
pub const FIRMWARE_FILE_TYPE: &str = "1 Firmware Upgrade Image";

/// True for a FileTypeFilter entry: a TR-069 file type (`1 Firmware Upgrade Image` …
/// `5 Ringer File`, `X <OUI> …` vendor types).
fn acceptable_file_type(t: &str) -> bool {
    matches!(
        t,
        "1 Firmware Upgrade Image"
            | "2 Web Content"
            | "3 Vendor Configuration File"
            | "4 Tone File"
            | "5 Ringer File"
    ) || t.strip_prefix("X ").is_some_and(|r| r.len() > 7)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum InformLeaf {
    Enable,
    Alias,
    ParameterName,
    EventList,
}

const INFORM_LEAVES: [(&str, InformLeaf); 4] = [
    ("Enable", InformLeaf::Enable),
    ("Alias", InformLeaf::Alias),
    ("ParameterName", InformLeaf::ParameterName),
    ("EventList", InformLeaf::EventList),
];

/// A parameter of the subtree, resolved from its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Leaf(Leaf),
    Heartbeat(HeartbeatLeaf),
    Atc(AtcLeaf),
    DuPolicy(DuLeaf),
    Inform(usize, InformLeaf),
}

/// Scratch space for formatting a value.
type ValueBuf = heapless::String<40>;

/// The Forced Inform parameters of `Device:2` that this subtree holds (digest §4.3).
pub const FORCED: [&str; 3] = [
    "Device.ManagementServer.ParameterKey",
    "Device.ManagementServer.ConnectionRequestURL",
    "Device.ManagementServer.AliasBasedAddressing",
];

fn parse_bool(v: &str) -> Option<bool> {
    match v.trim() {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

fn parse_u32(v: &str) -> Option<u32> {
    let v = v.trim();
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    v.parse().ok()
}

fn parse_time(v: &str) -> Option<Option<DateTime>> {
    let t = DateTime::parse(v).ok()?;
    Some(if t.is_unknown() { None } else { Some(t) })
}

fn copy_into<const N: usize>(s: &mut heapless::String<N>, v: &str) -> Result<(), FaultCode> {
    let mut out = heapless::String::<N>::new();
    out.push_str(v)
        .map_err(|_| FaultCode::INVALID_PARAMETER_VALUE)?;
    *s = out;
    Ok(())
}

/// True for a URL the agent can contact: `http://` or `https://` with a host.
fn acceptable_url(v: &str) -> bool {
    let rest = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("https://"));
    matches!(rest, Some(r) if !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

/// True when every code in a comma-separated event list is a valid event code.
fn acceptable_event_list(v: &str) -> bool {
    v.trim().is_empty()
        || v.split(',')
            .all(|c| super::events::EventCode::parse(c.trim()).is_some())
}

impl ManagementServer {
    /// Whether `AutonomousTransferCompletePolicy` asks for a transfer like this one to be
    /// reported.
    pub fn reports_autonomous(&self, is_download: bool, success: bool, file_type: &str) -> bool {
        let direction = if is_download { "Download" } else { "Upload" };
        let result = if success { "Success" } else { "Failure" };
        self.atc_enable
            && (self.atc_transfer_type == "Both" || self.atc_transfer_type == direction)
            && (self.atc_result_type == "Both" || self.atc_result_type == result)
            && self
                .atc_file_types
                .split(',')
                .any(|t| t.trim() == file_type)
    }

    /// Whether `DUStateChangeComplPolicy` asks for an autonomous DU change like this one to be
    /// reported (an empty FaultCodeFilter passes every fault).
    pub fn reports_du_change(&self, kind: super::du::OpKind, fault: FaultCode) -> bool {
        let success = fault == FaultCode::NONE;
        let result = if success { "Success" } else { "Failure" };
        let mut code = heapless::String::<10>::new();
        let _ = write!(code, "{}", fault.0);
        self.du_policy_enable
            && self
                .du_policy_operations
                .split(',')
                .any(|t| t.trim() == kind.as_str())
            && (self.du_policy_result_type == "Both" || self.du_policy_result_type == result)
            && (success
                || self.du_policy_fault_codes.trim().is_empty()
                || self
                    .du_policy_fault_codes
                    .split(',')
                    .any(|t| t.trim() == code.as_str()))
    }

    fn target(&self, name: &str) -> Option<Target> {
        let rest = name.strip_prefix(PREFIX)?;
        if let Some(leaf) = rest.strip_prefix("AutonomousTransferCompletePolicy.") {
            return ATC_LEAVES
                .iter()
                .find(|(n, _)| *n == leaf)
                .map(|(_, l)| Target::Atc(*l));
        }
        if let Some(leaf) = rest.strip_prefix("DUStateChangeComplPolicy.") {
            return DU_LEAVES
                .iter()
                .find(|(n, _)| *n == leaf)
                .map(|(_, l)| Target::DuPolicy(*l));
        }
        if let Some(leaf) = rest.strip_prefix("HeartbeatPolicy.") {
            return HEARTBEAT_LEAVES
                .iter()
                .find(|(n, _)| *n == leaf)
                .map(|(_, l)| Target::Heartbeat(*l));
        }
        if let Some(inst) = rest.strip_prefix("InformParameter.") {
            let (num, leaf) = inst.split_once('.')?;
            let num: u32 = num.parse().ok()?;
            let idx = self.inform_params.iter().position(|p| p.instance == num)?;
            return INFORM_LEAVES
                .iter()
                .find(|(n, _)| *n == leaf)
                .map(|(_, l)| Target::Inform(idx, *l));
        }
        LEAVES
            .iter()
            .find(|(n, _)| *n == rest)
            .map(|(_, l)| Target::Leaf(*l))
    }

    /// Calls `f` with the parameter's value, type and writability.
    fn with_value<R>(&self, t: Target, f: impl FnOnce(&str, ValueType, bool) -> R) -> R {
        let mut buf = ValueBuf::new();
        let b = |v: bool| if v { "1" } else { "0" };
        // Writes into a 40-byte buffer: u32 (10 digits) and dateTimes (at most 35) fit.
        let mut num = |n: u32| {
            let _ = write!(buf, "{n}");
        };
        let time = |t: &Option<DateTime>, buf: &mut ValueBuf| {
            let _ = write!(buf, "{}", t.unwrap_or(DateTime::UNKNOWN));
        };
        match t {
            Target::Leaf(l) => match l {
                Leaf::EnableCwmp => f(b(self.enable_cwmp), ValueType::Boolean, true),
                Leaf::Url => f(&self.url, ValueType::String, true),
                Leaf::Username => f(&self.username, ValueType::String, true),
                Leaf::Password => f("", ValueType::String, true),
                Leaf::PeriodicEnable => f(b(self.periodic_enable), ValueType::Boolean, true),
                Leaf::PeriodicInterval => {
                    num(self.periodic_interval);
                    f(&buf, ValueType::UnsignedInt, true)
                }
                Leaf::PeriodicTime => {
                    time(&self.periodic_time, &mut buf);
                    f(&buf, ValueType::DateTime, true)
                }
                Leaf::ParameterKey => f(&self.parameter_key, ValueType::String, false),
                Leaf::CrUrl => f(&self.cr_url, ValueType::String, false),
                Leaf::CrUsername => f(&self.cr_username, ValueType::String, true),
                Leaf::CrPassword => f("", ValueType::String, true),
                Leaf::UpgradesManaged => f(b(self.upgrades_managed), ValueType::Boolean, true),
                Leaf::Throttle => {
                    num(self.notification_throttle);
                    f(&buf, ValueType::UnsignedInt, true)
                }
                Leaf::RetryMinWait => {
                    num(self.retry_min_wait);
                    f(&buf, ValueType::UnsignedInt, true)
                }
                Leaf::RetryMultiplier => {
                    num(self.retry_multiplier);
                    f(&buf, ValueType::UnsignedInt, true)
                }
                Leaf::AliasBasedAddressing => f("0", ValueType::Boolean, false),
                Leaf::InstanceMode => f("InstanceNumber", ValueType::String, true),
                Leaf::AutoCreateInstances => f("0", ValueType::Boolean, true),
                Leaf::SupportedConnReqMethods => f("HTTP", ValueType::String, false),
                Leaf::InformParameterNumberOfEntries => {
                    // At most INFORM_PARAMS_MAX entries.
                    num(self.inform_params.len() as u32);
                    f(&buf, ValueType::UnsignedInt, false)
                }
            },
            Target::Heartbeat(h) => match h {
                HeartbeatLeaf::Enable => f(b(self.heartbeat_enable), ValueType::Boolean, true),
                HeartbeatLeaf::ReportingInterval => {
                    num(self.heartbeat_interval);
                    f(&buf, ValueType::UnsignedInt, true)
                }
                HeartbeatLeaf::InitiationTime => {
                    time(&self.heartbeat_time, &mut buf);
                    f(&buf, ValueType::DateTime, true)
                }
            },
            Target::Atc(a) => match a {
                AtcLeaf::Enable => f(b(self.atc_enable), ValueType::Boolean, true),
                AtcLeaf::TransferTypeFilter => f(&self.atc_transfer_type, ValueType::String, true),
                AtcLeaf::ResultTypeFilter => f(&self.atc_result_type, ValueType::String, true),
                AtcLeaf::FileTypeFilter => f(&self.atc_file_types, ValueType::String, true),
            },
            Target::DuPolicy(d) => match d {
                DuLeaf::Enable => f(b(self.du_policy_enable), ValueType::Boolean, true),
                DuLeaf::OperationTypeFilter => {
                    f(&self.du_policy_operations, ValueType::String, true)
                }
                DuLeaf::ResultTypeFilter => f(&self.du_policy_result_type, ValueType::String, true),
                DuLeaf::FaultCodeFilter => f(&self.du_policy_fault_codes, ValueType::String, true),
            },
            Target::Inform(i, l) => {
                let Some(p) = self.inform_params.get(i) else {
                    return f("", ValueType::String, false);
                };
                match l {
                    InformLeaf::Enable => f(b(p.enable), ValueType::Boolean, true),
                    InformLeaf::Alias => f(&p.alias, ValueType::String, true),
                    InformLeaf::ParameterName => f(&p.parameter_name, ValueType::String, true),
                    InformLeaf::EventList => f(&p.event_list, ValueType::String, true),
                }
            }
        }
    }

    /// True when `path` (a parameter or partial path) is this subtree or inside it.
    pub fn covers(path: &str) -> bool {
        path.starts_with(PREFIX) || PREFIX.starts_with(path) && crate::datamodel::is_partial(path)
    }

    /// True when `path` lies inside the subtree (so no backend is asked about it).
    pub fn owns(path: &str) -> bool {
        path.starts_with(PREFIX) || path == "Device.ManagementServer"
    }

    /// Visits the parameters at or under `path` that belong to this subtree. A path inside the
    /// subtree that names nothing is `Err(9005)`.
    pub fn get(
        &self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        let mut found = false;
        let mut emit = |name: &str, t: Target| -> ControlFlow<()> {
            if !crate::datamodel::is_under(name, path) {
                return ControlFlow::Continue(());
            }
            found = true;
            self.with_value(t, |value, value_type, writable| {
                visit(&Param {
                    name,
                    value,
                    value_type,
                    writable,
                })
            })
        };
        let _ = self.walk(&mut emit);
        if !found && Self::owns(path) {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        Ok(())
    }

    /// Walks every parameter of the subtree in report order.
    fn walk(&self, emit: &mut dyn FnMut(&str, Target) -> ControlFlow<()>) -> ControlFlow<()> {
        let mut name = heapless::String::<PATH_MAX_LEN>::new();
        for (n, l) in LEAVES {
            name.clear();
            let _ = name.push_str(PREFIX);
            let _ = name.push_str(n);
            emit(&name, Target::Leaf(l))?;
        }
        for (n, l) in HEARTBEAT_LEAVES {
            name.clear();
            let _ = name.push_str(HEARTBEAT);
            let _ = name.push_str(n);
            emit(&name, Target::Heartbeat(l))?;
        }
        for (n, l) in ATC_LEAVES {
            name.clear();
            let _ = name.push_str(ATC_POLICY);
            let _ = name.push_str(n);
            emit(&name, Target::Atc(l))?;
        }
        for (n, l) in DU_LEAVES {
            name.clear();
            let _ = name.push_str(DU_POLICY);
            let _ = name.push_str(n);
            emit(&name, Target::DuPolicy(l))?;
        }
        for (i, p) in self.inform_params.iter().enumerate() {
            for (n, l) in INFORM_LEAVES {
                name.clear();
                let _ = write!(name, "{INFORM_PARAMETER}{}.{n}", p.instance);
                emit(&name, Target::Inform(i, l))?;
            }
        }
        ControlFlow::Continue(())
    }

    /// Visits names for GetParameterNames at or under `path` (see [`crate::datamodel::DataModel::names`]).
    pub fn names(
        &self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        // Objects of the subtree, in report order, with their writability (AddObject /
        // DeleteObject allowed).
        let mut objects: heapless::Vec<(heapless::String<64>, bool), { 5 + INFORM_PARAMS_MAX }> =
            heapless::Vec::new();
        let obj = |s: &str, w: bool| {
            let mut o = heapless::String::<64>::new();
            let _ = o.push_str(s);
            (o, w)
        };
        // At most 5 + INFORM_PARAMS_MAX objects: the pushes cannot fail.
        let _ = objects.push(obj(PREFIX, false));
        let _ = objects.push(obj(HEARTBEAT, false));
        let _ = objects.push(obj(ATC_POLICY, false));
        let _ = objects.push(obj(DU_POLICY, false));
        let _ = objects.push(obj(INFORM_PARAMETER, true));
        for p in &self.inform_params {
            let mut o = heapless::String::<64>::new();
            let _ = write!(o, "{INFORM_PARAMETER}{}.", p.instance);
            let _ = objects.push((o, true));
        }
        let known = path.is_empty()
            || objects.iter().any(|(o, _)| o.as_str() == path)
            || self.target(path).is_some()
            || (PREFIX.starts_with(path) && crate::datamodel::is_partial(path));
        if !known {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        if next_level && !crate::datamodel::is_partial(path) {
            return Err(FaultCode::INVALID_ARGUMENTS);
        }
        let wanted = |name: &str| -> bool {
            if next_level {
                crate::datamodel::child_of(path, name) == Some(name)
            } else {
                crate::datamodel::is_under(name, path) || name == path
            }
        };
        // Objects and leaves interleaved as a tree walk: object, its leaves, its sub-objects.
        let emit_obj = |o: &str, w: bool, visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>| {
            if wanted(o) {
                visit(&Node {
                    name: o,
                    writable: w,
                })
            } else {
                ControlFlow::Continue(())
            }
        };
        let leaves = |prefix: &str, visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>| {
            self.walk(&mut |name, t| {
                if crate::datamodel::child_of(prefix, name) != Some(name) || !wanted(name) {
                    return ControlFlow::Continue(());
                }
                self.with_value(t, |_, _, writable| visit(&Node { name, writable }))
            })
        };
        let _ = (|| {
            emit_obj(PREFIX, false, visit)?;
            leaves(PREFIX, visit)?;
            emit_obj(HEARTBEAT, false, visit)?;
            leaves(HEARTBEAT, visit)?;
            emit_obj(ATC_POLICY, false, visit)?;
            leaves(ATC_POLICY, visit)?;
            emit_obj(DU_POLICY, false, visit)?;
            leaves(DU_POLICY, visit)?;
            emit_obj(INFORM_PARAMETER, true, visit)?;
            for (o, w) in objects.iter().skip(5) {
                emit_obj(o, *w, visit)?;
                leaves(o, visit)?;
            }
            ControlFlow::Continue(())
        })();
        Ok(())
    }

    /// Checks that `value` could be set on `name`: 9005 unknown, 9008 read-only, 9007 bad value.
    pub fn check(&self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode> {
        let t = self.target(name).ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        let (expected, writable) = self.with_value(t, |_, ty, w| (ty, w));
        if !writable {
            return Err(FaultCode::NON_WRITABLE_PARAMETER);
        }
        if value_type != expected && value_type != ValueType::String {
            return Err(FaultCode::INVALID_PARAMETER_TYPE);
        }
        let ok = match t {
            Target::Leaf(Leaf::Url) => acceptable_url(value),
            Target::Leaf(Leaf::Username | Leaf::Password | Leaf::CrUsername | Leaf::CrPassword) => {
                value.len() <= CREDENTIAL_MAX
            }
            Target::Leaf(Leaf::PeriodicInterval) => parse_u32(value).is_some_and(|v| v >= 1),
            Target::Leaf(Leaf::PeriodicTime) | Target::Heartbeat(HeartbeatLeaf::InitiationTime) => {
                parse_time(value).is_some()
            }
            Target::Leaf(Leaf::Throttle) => parse_u32(value).is_some(),
            Target::Leaf(Leaf::RetryMinWait) => {
                parse_u32(value).is_some_and(|v| (1..=65_535).contains(&v))
            }
            Target::Leaf(Leaf::RetryMultiplier) => {
                parse_u32(value).is_some_and(|v| (1000..=65_535).contains(&v))
            }
            Target::Leaf(Leaf::InstanceMode) => value == "InstanceNumber",
            Target::Leaf(Leaf::AutoCreateInstances) => parse_bool(value) == Some(false),
            Target::Heartbeat(HeartbeatLeaf::ReportingInterval) => {
                parse_u32(value).is_some_and(|v| v >= HEARTBEAT_MIN_INTERVAL)
            }
            Target::Atc(AtcLeaf::TransferTypeFilter) => {
                matches!(value, "Upload" | "Download" | "Both")
            }
            Target::Atc(AtcLeaf::ResultTypeFilter) => {
                matches!(value, "Success" | "Failure" | "Both")
            }
            Target::Atc(AtcLeaf::FileTypeFilter) => {
                value.len() <= crate::limits::ATC_FILE_TYPES_MAX
                    && (value.trim().is_empty()
                        || value.split(',').all(|t| acceptable_file_type(t.trim())))
            }
            Target::DuPolicy(DuLeaf::OperationTypeFilter) => {
                value.len() <= 32
                    && (value.trim().is_empty()
                        || value
                            .split(',')
                            .all(|t| super::du::OpKind::parse(t.trim()).is_some()))
            }
            Target::DuPolicy(DuLeaf::ResultTypeFilter) => {
                matches!(value, "Success" | "Failure" | "Both")
            }
            Target::DuPolicy(DuLeaf::FaultCodeFilter) => {
                value.len() <= crate::limits::DU_FAULT_CODES_MAX
                    && (value.trim().is_empty()
                        || value
                            .split(',')
                            .all(|t| DU_FILTER_FAULTS.contains(&t.trim())))
            }
            Target::Inform(_, InformLeaf::Alias) => value.len() <= 64,
            Target::Inform(_, InformLeaf::ParameterName) => {
                let pattern_ok = value.is_empty() || {
                    let mut probe = heapless::String::<PATH_MAX_LEN>::new();
                    // Wildcards stand for instance numbers: check the path with `1` in their place.
                    value.split('*').enumerate().all(|(i, part)| {
                        (i == 0 || probe.push('1').is_ok()) && probe.push_str(part).is_ok()
                    }) && check_path(&probe).is_ok()
                };
                // Forced parameters are reported anyway and must not be listed (digest §4.3).
                pattern_ok && !super::inform::is_forced(value)
            }
            Target::Inform(_, InformLeaf::EventList) => {
                value.len() <= 128 && acceptable_event_list(value)
            }
            _ => match expected {
                ValueType::Boolean => parse_bool(value).is_some(),
                _ => true,
            },
        };
        if ok {
            Ok(())
        } else {
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        }
    }

    /// Sets a value that [`ManagementServer::check`] accepted.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), FaultCode> {
        let t = self.target(name).ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        let bool_of = |v: &str| parse_bool(v).ok_or(FaultCode::INVALID_PARAMETER_VALUE);
        let u32_of = |v: &str| parse_u32(v).ok_or(FaultCode::INVALID_PARAMETER_VALUE);
        let time_of = |v: &str| parse_time(v).ok_or(FaultCode::INVALID_PARAMETER_VALUE);
        match t {
            Target::Leaf(l) => match l {
                Leaf::EnableCwmp => self.enable_cwmp = bool_of(value)?,
                Leaf::Url => copy_into(&mut self.url, value)?,
                Leaf::Username => copy_into(&mut self.username, value)?,
                Leaf::Password => copy_into(&mut self.password, value)?,
                Leaf::PeriodicEnable => self.periodic_enable = bool_of(value)?,
                Leaf::PeriodicInterval => self.periodic_interval = u32_of(value)?.max(1),
                Leaf::PeriodicTime => self.periodic_time = time_of(value)?,
                Leaf::CrUsername => copy_into(&mut self.cr_username, value)?,
                Leaf::CrPassword => copy_into(&mut self.cr_password, value)?,
                Leaf::UpgradesManaged => self.upgrades_managed = bool_of(value)?,
                Leaf::Throttle => self.notification_throttle = u32_of(value)?,
                Leaf::RetryMinWait => self.retry_min_wait = u32_of(value)?.clamp(1, 65_535),
                Leaf::RetryMultiplier => self.retry_multiplier = u32_of(value)?.clamp(1000, 65_535),
                Leaf::InstanceMode | Leaf::AutoCreateInstances => {}
                Leaf::ParameterKey
                | Leaf::CrUrl
                | Leaf::AliasBasedAddressing
                | Leaf::SupportedConnReqMethods
                | Leaf::InformParameterNumberOfEntries => {
                    return Err(FaultCode::NON_WRITABLE_PARAMETER);
                }
            },
            Target::Heartbeat(h) => match h {
                HeartbeatLeaf::Enable => self.heartbeat_enable = bool_of(value)?,
                HeartbeatLeaf::ReportingInterval => {
                    self.heartbeat_interval = u32_of(value)?.max(HEARTBEAT_MIN_INTERVAL)
                }
                HeartbeatLeaf::InitiationTime => self.heartbeat_time = time_of(value)?,
            },
            Target::Atc(a) => match a {
                AtcLeaf::Enable => self.atc_enable = bool_of(value)?,
                AtcLeaf::TransferTypeFilter => copy_into(&mut self.atc_transfer_type, value)?,
                AtcLeaf::ResultTypeFilter => copy_into(&mut self.atc_result_type, value)?,
                AtcLeaf::FileTypeFilter => copy_into(&mut self.atc_file_types, value)?,
            },
            Target::DuPolicy(d) => match d {
                DuLeaf::Enable => self.du_policy_enable = bool_of(value)?,
                DuLeaf::OperationTypeFilter => copy_into(&mut self.du_policy_operations, value)?,
                DuLeaf::ResultTypeFilter => copy_into(&mut self.du_policy_result_type, value)?,
                DuLeaf::FaultCodeFilter => copy_into(&mut self.du_policy_fault_codes, value)?,
            },
            Target::Inform(i, l) => {
                let p = self
                    .inform_params
                    .get_mut(i)
                    .ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
                match l {
                    InformLeaf::Enable => p.enable = bool_of(value)?,
                    InformLeaf::Alias => copy_into(&mut p.alias, value)?,
                    InformLeaf::ParameterName => copy_into(&mut p.parameter_name, value)?,
                    InformLeaf::EventList => copy_into(&mut p.event_list, value)?,
                }
            }
        }
        Ok(())
    }

    /// AddObject on `InformParameter.`: the new instance number, or 9004 when the table is full.
    pub fn add_inform_parameter(&mut self, path: &str) -> Result<u32, FaultCode> {
        if path != INFORM_PARAMETER {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        let instance = self.next_inform_instance;
        self.inform_params
            .push(InformParam {
                instance,
                enable: false,
                alias: heapless::String::new(),
                parameter_name: heapless::String::new(),
                event_list: heapless::String::new(),
            })
            .map_err(|_| FaultCode::RESOURCES_EXCEEDED)?;
        self.next_inform_instance = instance.saturating_add(1);
        Ok(instance)
    }

    /// DeleteObject on `InformParameter.{i}.`.
    pub fn delete_inform_parameter(&mut self, path: &str) -> Result<(), FaultCode> {
        let num = path
            .strip_prefix(INFORM_PARAMETER)
            .and_then(|r| r.strip_suffix('.'))
            .and_then(|n| n.parse::<u32>().ok())
            .ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        let idx = self
            .inform_params
            .iter()
            .position(|p| p.instance == num)
            .ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        self.inform_params.remove(idx);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::{String, ToString};
    use std::vec::Vec;

    fn get_all(
        ms: &ManagementServer,
        path: &str,
    ) -> Result<Vec<(String, String, ValueType, bool)>, FaultCode> {
        let mut out = Vec::new();
        ms.get(path, &mut |p| {
            out.push((
                p.name.to_string(),
                p.value.to_string(),
                p.value_type,
                p.writable,
            ));
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    fn names(
        ms: &ManagementServer,
        path: &str,
        next: bool,
    ) -> Result<Vec<(String, bool)>, FaultCode> {
        let mut out = Vec::new();
        ms.names(path, next, &mut |n| {
            out.push((n.name.to_string(), n.writable));
            ControlFlow::Continue(())
        })?;
        Ok(out)
    }

    #[test]
    fn passwords_read_back_empty() {
        let mut ms = ManagementServer::default();
        ms.set("Device.ManagementServer.Password", "secret")
            .unwrap();
        ms.set("Device.ManagementServer.ConnectionRequestPassword", "cr")
            .unwrap();
        let all = get_all(&ms, "Device.ManagementServer.Password").unwrap();
        assert_eq!(
            all,
            [(
                "Device.ManagementServer.Password".into(),
                "".into(),
                ValueType::String,
                true
            )]
        );
        assert_eq!(ms.password, "secret");
        assert_eq!(ms.cr_password, "cr");
    }

    #[test]
    fn du_policy_filters_fit_every_allowed_value_and_refuse_longer_ones() {
        let mut ms = ManagementServer::default();
        let p = "Device.ManagementServer.DUStateChangeComplPolicy.";
        let all = DU_FILTER_FAULTS.join(",");
        assert!(all.len() <= crate::limits::DU_FAULT_CODES_MAX);
        let codes = format!("{p}FaultCodeFilter");
        assert_eq!(ms.check(&codes, &all, ValueType::String), Ok(()));
        ms.set(&codes, &all).unwrap();
        assert_eq!(ms.du_policy_fault_codes, all.as_str());
        let repeated = ["9018"; 20].join(",");
        assert!(repeated.len() > crate::limits::DU_FAULT_CODES_MAX);
        assert_eq!(
            ms.check(&codes, &repeated, ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        let ops = format!("{p}OperationTypeFilter");
        assert_eq!(
            ms.check(&ops, "Install,Update,Uninstall", ValueType::String),
            Ok(())
        );
        assert_eq!(
            ms.check(&ops, &["Install"; 5].join(","), ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
    }

    #[test]
    fn whole_subtree_has_typed_values() {
        let ms = ManagementServer::default();
        let all = get_all(&ms, "Device.").unwrap();
        assert_eq!(
            all.len(),
            LEAVES.len() + HEARTBEAT_LEAVES.len() + ATC_LEAVES.len() + DU_LEAVES.len()
        );
        let find = |n: &str| all.iter().find(|p| p.0 == n).unwrap().clone();
        assert_eq!(
            find("Device.ManagementServer.PeriodicInformInterval").1,
            "86400"
        );
        assert_eq!(
            find("Device.ManagementServer.PeriodicInformTime").1,
            "0001-01-01T00:00:00Z"
        );
        assert!(!find("Device.ManagementServer.ParameterKey").3);
        assert_eq!(
            find("Device.ManagementServer.HeartbeatPolicy.ReportingInterval").2,
            ValueType::UnsignedInt
        );
        assert_eq!(get_all(&ms, "Device.DeviceInfo.").unwrap(), []);
        assert_eq!(
            get_all(&ms, "Device.ManagementServer.Nope"),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
    }

    #[test]
    fn checks_enforce_ranges_and_access() {
        let ms = ManagementServer::default();
        let c = |n: &str, v: &str, t| ms.check(&std::format!("Device.ManagementServer.{n}"), v, t);
        assert_eq!(
            c("PeriodicInformInterval", "0", ValueType::UnsignedInt),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            c("PeriodicInformInterval", "600", ValueType::UnsignedInt),
            Ok(())
        );
        assert_eq!(
            c("PeriodicInformInterval", "600", ValueType::Boolean),
            Err(FaultCode::INVALID_PARAMETER_TYPE)
        );
        assert_eq!(
            c("CWMPRetryIntervalMultiplier", "999", ValueType::UnsignedInt),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            c(
                "CWMPRetryMinimumWaitInterval",
                "65536",
                ValueType::UnsignedInt
            ),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            c("ParameterKey", "x", ValueType::String),
            Err(FaultCode::NON_WRITABLE_PARAMETER)
        );
        assert_eq!(
            c("ConnectionRequestURL", "x", ValueType::String),
            Err(FaultCode::NON_WRITABLE_PARAMETER)
        );
        assert_eq!(
            c("URL", "ftp://acs", ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            c("URL", "https://acs.example.com:7547/", ValueType::String),
            Ok(())
        );
        assert_eq!(
            c(
                "PeriodicInformTime",
                "2024-06-01T12:00:00.000Z",
                ValueType::DateTime
            ),
            Ok(())
        );
        assert_eq!(
            c("PeriodicInformTime", "noon", ValueType::DateTime),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            c(
                "HeartbeatPolicy.ReportingInterval",
                "29",
                ValueType::UnsignedInt
            ),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            c("PeriodicInformEnable", "maybe", ValueType::Boolean),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            c("Bogus", "1", ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
    }

    #[test]
    fn genieacs_vector_values_apply() {
        // The SetParameterValues of vector 05.
        let mut ms = ManagementServer::default();
        for (n, v, t) in [
            ("ConnectionRequestPassword", "cr-secret", ValueType::String),
            ("PeriodicInformEnable", "false", ValueType::Boolean),
            ("PeriodicInformInterval", "600", ValueType::UnsignedInt),
            (
                "PeriodicInformTime",
                "2024-06-01T12:00:00.000Z",
                ValueType::DateTime,
            ),
        ] {
            let name = std::format!("Device.ManagementServer.{n}");
            ms.check(&name, v, t).unwrap();
            ms.set(&name, v).unwrap();
        }
        assert!(!ms.periodic_enable);
        assert_eq!(ms.periodic_interval, 600);
        assert_eq!(
            ms.periodic_time.unwrap().to_string(),
            "2024-06-01T12:00:00Z"
        );
        assert_eq!(ms.cr_password, "cr-secret");
    }

    #[test]
    fn inform_parameter_table_add_set_delete() {
        let mut ms = ManagementServer::default();
        let i = ms
            .add_inform_parameter("Device.ManagementServer.InformParameter.")
            .unwrap();
        assert_eq!(i, 1);
        let name = "Device.ManagementServer.InformParameter.1.ParameterName";
        assert_eq!(
            ms.check(
                name,
                "Device.IP.Interface.*.IPv4Address.*.IPAddress",
                ValueType::String
            ),
            Ok(())
        );
        assert_eq!(
            ms.check(name, "Device.DeviceInfo.SoftwareVersion", ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        assert_eq!(
            ms.check(name, "Device..bad", ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        ms.set(name, "Device.IP.Interface.*.IPv4Address.*.IPAddress")
            .unwrap();
        let ev = "Device.ManagementServer.InformParameter.1.EventList";
        assert_eq!(ms.check(ev, "1 BOOT,2 PERIODIC", ValueType::String), Ok(()));
        assert_eq!(
            ms.check(ev, "1 BOOT,99 NOPE", ValueType::String),
            Err(FaultCode::INVALID_PARAMETER_VALUE)
        );
        let n = names(&ms, "Device.ManagementServer.InformParameter.", true).unwrap();
        assert_eq!(
            n,
            [(
                "Device.ManagementServer.InformParameter.1.".to_string(),
                true
            )]
        );
        for _ in 1..INFORM_PARAMS_MAX {
            ms.add_inform_parameter("Device.ManagementServer.InformParameter.")
                .unwrap();
        }
        assert_eq!(
            ms.add_inform_parameter("Device.ManagementServer.InformParameter."),
            Err(FaultCode::RESOURCES_EXCEEDED)
        );
        ms.delete_inform_parameter("Device.ManagementServer.InformParameter.1.")
            .unwrap();
        assert_eq!(
            ms.delete_inform_parameter("Device.ManagementServer.InformParameter.1."),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
        // Instance numbers are never reused.
        let again = ms
            .add_inform_parameter("Device.ManagementServer.InformParameter.")
            .unwrap();
        assert_eq!(again, INFORM_PARAMS_MAX as u32 + 1);
    }

    #[test]
    fn names_next_level_and_full() {
        let ms = ManagementServer::default();
        let top = names(&ms, "Device.ManagementServer.", true).unwrap();
        assert_eq!(top.len(), LEAVES.len() + 4);
        assert!(top.contains(&(
            "Device.ManagementServer.DUStateChangeComplPolicy.".into(),
            false
        )));
        assert!(top.contains(&("Device.ManagementServer.HeartbeatPolicy.".into(), false)));
        assert!(top.contains(&(
            "Device.ManagementServer.AutonomousTransferCompletePolicy.".into(),
            false
        )));
        assert!(top.contains(&("Device.ManagementServer.InformParameter.".into(), true)));
        assert!(top.contains(&("Device.ManagementServer.URL".into(), true)));
        let all = names(&ms, "Device.ManagementServer.", false).unwrap();
        assert_eq!(all[0], ("Device.ManagementServer.".into(), false));
        assert_eq!(
            all.len(),
            1 + LEAVES.len()
                + 1
                + HEARTBEAT_LEAVES.len()
                + 1
                + ATC_LEAVES.len()
                + 1
                + DU_LEAVES.len()
                + 1
        );
        let one = names(&ms, "Device.ManagementServer.URL", false).unwrap();
        assert_eq!(one, [("Device.ManagementServer.URL".into(), true)]);
        assert_eq!(
            names(&ms, "Device.ManagementServer.URL", true),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
        assert_eq!(
            names(&ms, "Device.ManagementServer.X.", true),
            Err(FaultCode::INVALID_PARAMETER_NAME)
        );
        // From the top, only the subtree object itself is a next-level child of "Device.".
        let dev = names(&ms, "Device.", true).unwrap();
        assert_eq!(dev, [("Device.ManagementServer.".into(), false)]);
    }
}
