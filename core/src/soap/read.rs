//! Reading CWMP messages into borrowed, typed values.
//!
//! Every argument is checked when the message is read (presence, type, XSD length limits), so
//! a message that reads without error can be acted on. Lists are checked item by item and then
//! handed out as [`List`]s that walk the input again on demand; nothing is collected.
//! Argument problems are [`ArgError`]s, which the agent turns into CWMP faults (9003/9004).

use core::fmt;
use core::marker::PhantomData;

use super::fault::FaultCode;
use super::value::ValueType;
use super::{SOAP_ENV, XSI};
use crate::limits::{
    SOAP_MAX_EVENTS, SOAP_MAX_LIST_ITEMS, SOAP_MAX_OPERATIONS, SOAP_MAX_TIME_WINDOWS,
    SOAP_MAX_TRANSFERS, XML_MAX_TEXT_LEN,
};
use crate::time::DateTime;
use crate::xml::{Element, Text};

/// What is wrong with an argument of an otherwise readable message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgErrorKind {
    /// A required argument is absent.
    Missing,
    /// The argument is not of its type (a number, boolean, date, enumeration...).
    Invalid,
    /// The argument is longer than its XSD `maxLength`.
    TooLong,
    /// A list has more entries than allowed.
    TooMany,
}

/// An argument error, naming the argument.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgError {
    /// What is wrong.
    pub kind: ArgErrorKind,
    /// The element name of the argument.
    pub field: &'static str,
}

impl ArgError {
    const fn new(kind: ArgErrorKind, field: &'static str) -> Self {
        ArgError { kind, field }
    }

    /// The CWMP fault that answers a request with this error.
    pub const fn fault_code(&self) -> FaultCode {
        match self.kind {
            ArgErrorKind::TooMany => FaultCode::RESOURCES_EXCEEDED,
            _ => FaultCode::INVALID_ARGUMENTS,
        }
    }
}

impl fmt::Display for ArgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            ArgErrorKind::Missing => "missing",
            ArgErrorKind::Invalid => "invalid",
            ArgErrorKind::TooLong => "too long",
            ArgErrorKind::TooMany => "too many entries",
        };
        write!(f, "{}: {what}", self.field)
    }
}

type Result<T> = core::result::Result<T, ArgError>;

// ---------------------------------------------------------------------------------------------
// Scalars

/// Decodes a short scalar (number, boolean) into `buf`, trimmed of XML whitespace.
fn scalar<'b>(t: Text<'_>, buf: &'b mut [u8; 48]) -> Option<&'b str> {
    let s = t.decode_into(buf).ok()?;
    Some(s.trim_matches(|c: char| matches!(c, ' ' | '\t' | '\r' | '\n')))
}

/// `xsd:boolean`: `true`, `false`, `1`, `0`.
pub fn parse_bool(t: Text<'_>) -> Option<bool> {
    let mut buf = [0u8; 48];
    match scalar(t, &mut buf)? {
        "true" | "1" => Some(true),
        "false" | "0" => Some(false),
        _ => None,
    }
}

/// `xsd:unsignedInt`.
pub fn parse_u32(t: Text<'_>) -> Option<u32> {
    let mut buf = [0u8; 48];
    let s = scalar(t, &mut buf)?;
    let s = s.strip_prefix('+').unwrap_or(s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `xsd:int`.
pub fn parse_i32(t: Text<'_>) -> Option<i32> {
    let mut buf = [0u8; 48];
    let s = scalar(t, &mut buf)?;
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.strip_prefix('+').unwrap_or(s).parse().ok()
}

/// `xsd:dateTime`.
pub fn parse_datetime(t: Text<'_>) -> Option<DateTime> {
    let mut buf = [0u8; 48];
    DateTime::parse(scalar(t, &mut buf)?).ok()
}

/// The arguments of one element, looked up by name. Arguments come in XSD order, so each lookup
/// continues where the previous one stopped and a well-ordered element is walked once; an
/// argument out of order is still found by starting over.
struct Args<'a> {
    element: Element<'a>,
    iter: crate::xml::Children<'a>,
}

impl<'a> Args<'a> {
    fn new(element: &Element<'a>) -> Self {
        Args {
            element: element.clone(),
            iter: element.children(),
        }
    }

    fn find(&mut self, name: &str) -> Option<Element<'a>> {
        if let Some(c) = self.iter.by_ref().find(|c| c.local_name() == name) {
            return Some(c);
        }
        self.iter = self.element.children();
        self.iter.by_ref().find(|c| c.local_name() == name)
    }
}

fn child<'a>(e: &mut Args<'a>, field: &'static str) -> Result<Element<'a>> {
    e.find(field)
        .ok_or(ArgError::new(ArgErrorKind::Missing, field))
}

fn text_of<'a>(e: &mut Args<'a>, field: &'static str) -> Result<Text<'a>> {
    child(e, field)?
        .text()
        .map_err(|_| ArgError::new(ArgErrorKind::Invalid, field))
}

/// A string argument of at most `max` characters.
fn string<'a>(e: &mut Args<'a>, field: &'static str, max: usize) -> Result<Text<'a>> {
    let t = text_of(e, field)?;
    check_len(t, field, max)?;
    Ok(t)
}

fn check_len(t: Text<'_>, field: &'static str, max: usize) -> Result<()> {
    // Cheap upper bound first: a character takes at least one byte of raw input.
    if t.raw().len() > max && t.chars().count() > max {
        return Err(ArgError::new(ArgErrorKind::TooLong, field));
    }
    Ok(())
}

/// A string argument that may be absent.
fn opt_string<'a>(e: &mut Args<'a>, field: &'static str, max: usize) -> Result<Option<Text<'a>>> {
    let Some(c) = e.find(field) else {
        return Ok(None);
    };
    let t = c
        .text()
        .map_err(|_| ArgError::new(ArgErrorKind::Invalid, field))?;
    check_len(t, field, max)?;
    Ok(Some(t))
}

/// A key argument (`CommandKey`, `ParameterKey`): required by the XSD, but some ACSs leave it
/// out; an absent key reads as the empty key.
fn key<'a>(e: &mut Args<'a>, field: &'static str) -> Result<Text<'a>> {
    Ok(opt_string(e, field, 32)?.unwrap_or(Text::empty()))
}

fn typed<T>(e: &mut Args<'_>, field: &'static str, f: fn(Text<'_>) -> Option<T>) -> Result<T> {
    f(text_of(e, field)?).ok_or(ArgError::new(ArgErrorKind::Invalid, field))
}

fn u32_arg(e: &mut Args<'_>, field: &'static str) -> Result<u32> {
    typed(e, field, parse_u32)
}

fn i32_arg(e: &mut Args<'_>, field: &'static str) -> Result<i32> {
    typed(e, field, parse_i32)
}

fn bool_arg(e: &mut Args<'_>, field: &'static str) -> Result<bool> {
    typed(e, field, parse_bool)
}

fn datetime_arg(e: &mut Args<'_>, field: &'static str) -> Result<DateTime> {
    typed(e, field, parse_datetime)
}

/// An integer argument restricted to `0..=max`.
fn small_arg(e: &mut Args<'_>, field: &'static str, max: u8) -> Result<u8> {
    let v = i32_arg(e, field)?;
    u8::try_from(v)
        .ok()
        .filter(|v| *v <= max)
        .ok_or(ArgError::new(ArgErrorKind::Invalid, field))
}

// ---------------------------------------------------------------------------------------------
// Lists

/// One entry type of a [`List`].
pub trait Item<'a>: Sized {
    /// Local name of the elements that hold the entries.
    const TAG: &'static str;
    /// Reads one entry.
    fn read(e: &Element<'a>) -> Result<Self>;
}

/// A checked list of entries, read from the input on demand.
#[derive(Clone)]
pub struct List<'a, T> {
    parent: Option<Element<'a>>,
    len: usize,
    _item: PhantomData<fn() -> T>,
}

impl<T> fmt::Debug for List<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "List(len {})", self.len)
    }
}

impl<'a, T: Item<'a>> List<'a, T> {
    /// The empty list.
    pub fn empty() -> Self {
        List {
            parent: None,
            len: 0,
            _item: PhantomData,
        }
    }

    /// Checks every `T::TAG` child of `parent` (other children are ignored).
    fn read(parent: Element<'a>, field: &'static str, max: usize) -> Result<Self> {
        let mut len = 0usize;
        for c in parent.children().filter(|c| c.local_name() == T::TAG) {
            T::read(&c)?;
            len += 1;
            if len > max {
                return Err(ArgError::new(ArgErrorKind::TooMany, field));
            }
        }
        Ok(List {
            parent: Some(parent),
            len,
            _item: PhantomData,
        })
    }

    /// The list held by the child element `field` of `e`.
    fn child_array(e: &mut Args<'a>, field: &'static str, max: usize) -> Result<Self> {
        List::read(child(e, field)?, field, max)
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The entries, in document order.
    pub fn iter(&self) -> ListIter<'a, T> {
        ListIter {
            children: self.parent.as_ref().map(|p| p.children()),
            _item: PhantomData,
        }
    }
}

impl<'a, T: Item<'a>> IntoIterator for &List<'a, T> {
    type Item = T;
    type IntoIter = ListIter<'a, T>;
    fn into_iter(self) -> ListIter<'a, T> {
        self.iter()
    }
}

/// Iterator over a [`List`].
pub struct ListIter<'a, T> {
    children: Option<crate::xml::Children<'a>>,
    _item: PhantomData<fn() -> T>,
}

impl<'a, T: Item<'a>> Iterator for ListIter<'a, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let children = self.children.as_mut()?;
        // Entries were checked when the list was read, so `read` succeeds here.
        children
            .filter(|c| c.local_name() == T::TAG)
            .find_map(|c| T::read(&c).ok())
    }
}

/// `string` entries of `ParameterNames`, `MethodList` and `AccessList`.
impl<'a> Item<'a> for Text<'a> {
    const TAG: &'static str = "string";
    fn read(e: &Element<'a>) -> Result<Self> {
        let t = e
            .text()
            .map_err(|_| ArgError::new(ArgErrorKind::Invalid, "string"))?;
        check_len(t, "string", 256)?;
        Ok(t)
    }
}

// ---------------------------------------------------------------------------------------------
// Structures

/// `ParameterValueStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterValue<'a> {
    /// Parameter path.
    pub name: Text<'a>,
    /// The value, still in its lexical form.
    pub value: Text<'a>,
    /// Its `xsi:type` (`String` when absent).
    pub value_type: ValueType,
}

impl<'a> Item<'a> for ParameterValue<'a> {
    const TAG: &'static str = "ParameterValueStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        let name = string(e, "Name", 256)?;
        let v = child(e, "Value")?;
        let value = v
            .text()
            .map_err(|_| ArgError::new(ArgErrorKind::Invalid, "Value"))?;
        check_len(value, "Value", XML_MAX_TEXT_LEN)?;
        let value_type = match v.attribute(XSI, "type") {
            None => ValueType::String,
            Some(t) => match v.resolve_qname(t) {
                Some((ns, local)) => ValueType::from_qname(ns, local),
                None => ValueType::Unknown,
            },
        };
        Ok(ParameterValue {
            name,
            value,
            value_type,
        })
    }
}

/// `ParameterInfoStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterInfo<'a> {
    /// Parameter or object path.
    pub name: Text<'a>,
    /// Writable (for an object: can be added to / deleted).
    pub writable: bool,
}

impl<'a> Item<'a> for ParameterInfo<'a> {
    const TAG: &'static str = "ParameterInfoStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(ParameterInfo {
            name: string(e, "Name", 256)?,
            writable: bool_arg(e, "Writable")?,
        })
    }
}

/// `ParameterAttributeStruct`.
#[derive(Debug, Clone)]
pub struct ParameterAttribute<'a> {
    /// Parameter path.
    pub name: Text<'a>,
    /// Notification 0..=6.
    pub notification: u8,
    /// Entities besides the ACS allowed to write it.
    pub access_list: List<'a, Text<'a>>,
}

impl<'a> Item<'a> for ParameterAttribute<'a> {
    const TAG: &'static str = "ParameterAttributeStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(ParameterAttribute {
            name: string(e, "Name", 256)?,
            notification: small_arg(e, "Notification", 6)?,
            access_list: List::child_array(e, "AccessList", SOAP_MAX_LIST_ITEMS)?,
        })
    }
}

/// `SetParameterAttributesStruct`.
#[derive(Debug, Clone)]
pub struct SetParameterAttribute<'a> {
    /// Parameter path or partial path.
    pub name: Text<'a>,
    /// Whether `notification` is to be applied.
    pub notification_change: bool,
    /// Notification 0..=6.
    pub notification: u8,
    /// Whether `access_list` is to be applied.
    pub access_list_change: bool,
    /// The new access list.
    pub access_list: List<'a, Text<'a>>,
}

impl<'a> Item<'a> for SetParameterAttribute<'a> {
    const TAG: &'static str = "SetParameterAttributesStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        let name = string(e, "Name", 256)?;
        let notification_change = bool_arg(e, "NotificationChange")?;
        // GenieACS writes an empty <Notification/> when only the access list changes: the value
        // is checked only when it is to be applied.
        let notification = match small_arg(e, "Notification", 6) {
            Ok(n) => n,
            Err(_) if !notification_change => 0,
            Err(err) => return Err(err),
        };
        let access_list_change = bool_arg(e, "AccessListChange")?;
        let access_list = match List::child_array(e, "AccessList", SOAP_MAX_LIST_ITEMS) {
            Ok(l) => l,
            Err(_) if !access_list_change => List::empty(),
            Err(err) => return Err(err),
        };
        Ok(SetParameterAttribute {
            name,
            notification_change,
            notification,
            access_list_change,
            access_list,
        })
    }
}

/// `EventStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event<'a> {
    /// Event code (`0 BOOTSTRAP`, `M Reboot`...).
    pub code: Text<'a>,
    /// Command key of an `M` event.
    pub command_key: Text<'a>,
}

impl<'a> Item<'a> for Event<'a> {
    const TAG: &'static str = "EventStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(Event {
            code: string(e, "EventCode", 64)?,
            command_key: key(e, "CommandKey")?,
        })
    }
}

/// `DeviceIdStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceId<'a> {
    /// Manufacturer name.
    pub manufacturer: Text<'a>,
    /// Organizationally unique identifier, six hex digits.
    pub oui: Text<'a>,
    /// Product class.
    pub product_class: Text<'a>,
    /// Serial number.
    pub serial_number: Text<'a>,
}

/// `FaultStruct` of TransferComplete (and the `Fault` of DU results).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferFault<'a> {
    /// 0 on success.
    pub code: FaultCode,
    /// Human-readable reason; empty on success.
    pub string: Text<'a>,
}

fn transfer_fault<'a>(e: &mut Args<'a>, field: &'static str) -> Result<TransferFault<'a>> {
    let f = &mut Args::new(&child(e, field)?);
    Ok(TransferFault {
        code: FaultCode(u32_arg(f, "FaultCode")?),
        string: opt_string(f, "FaultString", 256)?.unwrap_or(Text::empty()),
    })
}

/// `QueuedTransferStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuedTransfer<'a> {
    /// Command key of the transfer.
    pub command_key: Text<'a>,
    /// 1 not started, 2 in progress, 3 completed.
    pub state: u8,
}

impl<'a> Item<'a> for QueuedTransfer<'a> {
    const TAG: &'static str = "QueuedTransferStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(QueuedTransfer {
            command_key: key(e, "CommandKey")?,
            state: transfer_state(e)?,
        })
    }
}

fn transfer_state(e: &mut Args<'_>) -> Result<u8> {
    match small_arg(e, "State", 3)? {
        0 => Err(ArgError::new(ArgErrorKind::Invalid, "State")),
        s => Ok(s),
    }
}

/// `AllQueuedTransferStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllQueuedTransfer<'a> {
    /// Command key of the transfer.
    pub command_key: Text<'a>,
    /// 1 not started, 2 in progress, 3 completed.
    pub state: u8,
    /// Download (true) or upload.
    pub is_download: bool,
    /// File type.
    pub file_type: Text<'a>,
    /// File size in bytes.
    pub file_size: u32,
    /// Target file name.
    pub target_file_name: Text<'a>,
}

impl<'a> Item<'a> for AllQueuedTransfer<'a> {
    const TAG: &'static str = "AllQueuedTransferStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(AllQueuedTransfer {
            command_key: key(e, "CommandKey")?,
            state: transfer_state(e)?,
            is_download: bool_arg(e, "IsDownload")?,
            file_type: string(e, "FileType", 64)?,
            file_size: u32_arg(e, "FileSize")?,
            target_file_name: string(e, "TargetFileName", 256)?,
        })
    }
}

/// `TimeWindowStruct` of ScheduleDownload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow<'a> {
    /// Seconds after the request when the window opens.
    pub start: u32,
    /// Seconds after the request when the window closes.
    pub end: u32,
    /// `1 At Any Time`, `2 Immediately`, `3 When Idle`, `4 Confirmation Needed`, `X ...`.
    pub mode: Text<'a>,
    /// Message for the user (mode 4).
    pub user_message: Text<'a>,
    /// Retries allowed within the window (-1 = CPE decides).
    pub max_retries: i32,
}

impl<'a> Item<'a> for TimeWindow<'a> {
    const TAG: &'static str = "TimeWindowStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(TimeWindow {
            start: u32_arg(e, "WindowStart")?,
            end: u32_arg(e, "WindowEnd")?,
            mode: string(e, "WindowMode", 64)?,
            user_message: opt_string(e, "UserMessage", 256)?.unwrap_or(Text::empty()),
            max_retries: i32_arg(e, "MaxRetries")?,
        })
    }
}

/// One operation of ChangeDUState, chosen by its `xsi:type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation<'a> {
    /// `InstallOpStruct`.
    Install {
        /// Where to fetch the deployment unit.
        url: Text<'a>,
        /// Its UUID, if given.
        uuid: Option<Text<'a>>,
        /// File server user name.
        username: Option<Text<'a>>,
        /// File server password.
        password: Option<Text<'a>>,
        /// Target execution environment.
        execution_env_ref: Option<Text<'a>>,
    },
    /// `UpdateOpStruct`.
    Update {
        /// Unit to update.
        uuid: Option<Text<'a>>,
        /// Version to update.
        version: Option<Text<'a>>,
        /// Where to fetch the new version.
        url: Option<Text<'a>>,
        /// File server user name.
        username: Option<Text<'a>>,
        /// File server password.
        password: Option<Text<'a>>,
    },
    /// `UninstallOpStruct`.
    Uninstall {
        /// Unit to remove.
        uuid: Text<'a>,
        /// Version to remove.
        version: Option<Text<'a>>,
        /// Execution environment it is in.
        execution_env_ref: Option<Text<'a>>,
    },
}

impl<'a> Item<'a> for Operation<'a> {
    const TAG: &'static str = "Operations";
    fn read(e: &Element<'a>) -> Result<Self> {
        let ty = e.attribute(XSI, "type").and_then(|t| e.resolve_qname(t));
        let e = &mut Args::new(e);
        let invalid = ArgError::new(ArgErrorKind::Invalid, "Operations");
        let (ns, local) = ty.ok_or(invalid)?;
        if super::CwmpNs::from_uri(ns).is_none() {
            return Err(invalid);
        }
        Ok(match local {
            "InstallOpStruct" => Operation::Install {
                url: string(e, "URL", 1024)?,
                uuid: opt_string(e, "UUID", 36)?,
                username: opt_string(e, "Username", 256)?,
                password: opt_string(e, "Password", 256)?,
                execution_env_ref: opt_string(e, "ExecutionEnvRef", 256)?,
            },
            "UpdateOpStruct" => Operation::Update {
                uuid: opt_string(e, "UUID", 36)?,
                version: opt_string(e, "Version", 32)?,
                url: opt_string(e, "URL", 1024)?,
                username: opt_string(e, "Username", 256)?,
                password: opt_string(e, "Password", 256)?,
            },
            "UninstallOpStruct" => Operation::Uninstall {
                uuid: string(e, "UUID", 36)?,
                version: opt_string(e, "Version", 32)?,
                execution_env_ref: opt_string(e, "ExecutionEnvRef", 256)?,
            },
            _ => return Err(invalid),
        })
    }
}

/// `OpResultStruct` / `AutonOpResultStruct`: the result of one DU operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpResult<'a> {
    /// UUID of the deployment unit.
    pub uuid: Text<'a>,
    /// Path of its `SoftwareModules.DeploymentUnit.{i}` instance.
    pub deployment_unit_ref: Text<'a>,
    /// Its version.
    pub version: Text<'a>,
    /// `Installed`, `Uninstalled` or `Failed`.
    pub current_state: Text<'a>,
    /// Whether its dependencies were resolved.
    pub resolved: bool,
    /// Comma-separated execution unit paths.
    pub execution_unit_ref_list: Text<'a>,
    /// When the operation started.
    pub start_time: DateTime,
    /// When it completed.
    pub complete_time: DateTime,
    /// 0 on success.
    pub fault: TransferFault<'a>,
    /// `Install`, `Update` or `Uninstall` (autonomous results only).
    pub operation_performed: Option<Text<'a>>,
}

impl<'a> Item<'a> for OpResult<'a> {
    const TAG: &'static str = "Results";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(OpResult {
            uuid: string(e, "UUID", 36)?,
            deployment_unit_ref: string(e, "DeploymentUnitRef", 256)?,
            version: string(e, "Version", 32)?,
            current_state: string(e, "CurrentState", 16)?,
            resolved: bool_arg(e, "Resolved")?,
            execution_unit_ref_list: string(e, "ExecutionUnitRefList", XML_MAX_TEXT_LEN)?,
            start_time: datetime_arg(e, "StartTime")?,
            complete_time: datetime_arg(e, "CompleteTime")?,
            fault: transfer_fault(e, "Fault")?,
            operation_performed: opt_string(e, "OperationPerformed", 16)?,
        })
    }
}

/// `OptionStruct` of GetOptionsResponse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionInfo<'a> {
    /// Option name.
    pub option_name: Text<'a>,
    /// Serial number of the voucher that enabled it.
    pub voucher_sn: u32,
    /// 0..=3.
    pub state: u8,
    /// 0..=2.
    pub mode: u8,
    /// When it became effective.
    pub start_date: DateTime,
    /// When it expires, if it does.
    pub expiration_date: Option<DateTime>,
    /// Whether it may be transferred.
    pub is_transferable: bool,
}

impl<'a> Item<'a> for OptionInfo<'a> {
    const TAG: &'static str = "OptionStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(OptionInfo {
            option_name: string(e, "OptionName", 64)?,
            voucher_sn: u32_arg(e, "VoucherSN")?,
            state: small_arg(e, "State", 3)?,
            mode: small_arg(e, "Mode", 2)?,
            start_date: datetime_arg(e, "StartDate")?,
            expiration_date: match e.find("ExpirationDate") {
                Some(c) => Some(
                    c.text()
                        .ok()
                        .and_then(parse_datetime)
                        .ok_or(ArgError::new(ArgErrorKind::Invalid, "ExpirationDate"))?,
                ),
                None => None,
            },
            is_transferable: small_arg(e, "IsTransferable", 1)? == 1,
        })
    }
}

/// `ArgStruct` of RequestDownload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg<'a> {
    /// Argument name.
    pub name: Text<'a>,
    /// Argument value.
    pub value: Text<'a>,
}

impl<'a> Item<'a> for Arg<'a> {
    const TAG: &'static str = "ArgStruct";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(Arg {
            name: string(e, "Name", 64)?,
            value: string(e, "Value", 256)?,
        })
    }
}

/// A `base64` voucher of SetVouchers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Voucher<'a>(pub Text<'a>);

impl<'a> Item<'a> for Voucher<'a> {
    const TAG: &'static str = "base64";
    fn read(e: &Element<'a>) -> Result<Self> {
        let t = e
            .text()
            .map_err(|_| ArgError::new(ArgErrorKind::Invalid, "base64"))?;
        Ok(Voucher(t))
    }
}

/// `SetParameterValuesFault`: the fault of one parameter of a refused SetParameterValues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpvFault<'a> {
    /// The parameter.
    pub name: Text<'a>,
    /// 9005..=9008 (or another code).
    pub code: FaultCode,
    /// Human-readable reason.
    pub string: Text<'a>,
}

impl<'a> Item<'a> for SpvFault<'a> {
    const TAG: &'static str = "SetParameterValuesFault";
    fn read(e: &Element<'a>) -> Result<Self> {
        let e = &mut Args::new(e);
        Ok(SpvFault {
            name: string(e, "ParameterName", 256)?,
            code: FaultCode(u32_arg(e, "FaultCode")?),
            string: opt_string(e, "FaultString", 256)?.unwrap_or(Text::empty()),
        })
    }
}

/// A SOAP fault carrying a `cwmp:Fault`.
#[derive(Debug, Clone)]
pub struct Fault<'a> {
    /// SOAP `faultcode` (`Client` or `Server`).
    pub faultcode: Text<'a>,
    /// SOAP `faultstring` (`CWMP fault`).
    pub faultstring: Text<'a>,
    /// The CWMP fault code.
    pub code: FaultCode,
    /// The CWMP fault string.
    pub string: Text<'a>,
    /// Per-parameter faults of a SetParameterValues.
    pub spv_faults: List<'a, SpvFault<'a>>,
}

fn read_fault<'a>(e: &Element<'a>) -> Result<Fault<'a>> {
    let e = &mut Args::new(e);
    let faultcode = text_of(e, "faultcode")?;
    let faultstring = opt_string(e, "faultstring", XML_MAX_TEXT_LEN)?.unwrap_or(Text::empty());
    let detail = child(e, "detail")?;
    let f = detail
        .children()
        .find(|c| c.local_name() == "Fault")
        .ok_or(ArgError::new(ArgErrorKind::Missing, "Fault"))?;
    Ok(Fault {
        faultcode,
        faultstring,
        spv_faults: List::read(f.clone(), "SetParameterValuesFault", SOAP_MAX_LIST_ITEMS)?,
        code: FaultCode(u32_arg(&mut Args::new(&f), "FaultCode")?),
        string: opt_string(&mut Args::new(&f), "FaultString", XML_MAX_TEXT_LEN)?
            .unwrap_or(Text::empty()),
    })
}

// ---------------------------------------------------------------------------------------------
// Messages an ACS sends

/// `SetParameterValues`.
#[derive(Debug, Clone)]
pub struct SetParameterValues<'a> {
    /// The parameters to set, all or nothing.
    pub parameters: List<'a, ParameterValue<'a>>,
    /// Becomes `ManagementServer.ParameterKey` on success.
    pub parameter_key: Text<'a>,
}

/// `Download`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Download<'a> {
    /// Echoed in TransferComplete.
    pub command_key: Text<'a>,
    /// `1 Firmware Upgrade Image`, `3 Vendor Configuration File`...
    pub file_type: Text<'a>,
    /// Where to fetch the file.
    pub url: Text<'a>,
    /// File server user name.
    pub username: Text<'a>,
    /// File server password.
    pub password: Text<'a>,
    /// Size in bytes (0 = unknown).
    pub file_size: u32,
    /// Name to store the file under.
    pub target_file_name: Text<'a>,
    /// Seconds to wait before starting.
    pub delay_seconds: u32,
    /// Browser redirect on success (not used by CPEs without a user).
    pub success_url: Text<'a>,
    /// Browser redirect on failure.
    pub failure_url: Text<'a>,
}

/// `Upload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upload<'a> {
    /// Echoed in TransferComplete.
    pub command_key: Text<'a>,
    /// `1 Vendor Configuration File`, `2 Vendor Log File`...
    pub file_type: Text<'a>,
    /// Where to put the file.
    pub url: Text<'a>,
    /// File server user name.
    pub username: Text<'a>,
    /// File server password.
    pub password: Text<'a>,
    /// Seconds to wait before starting.
    pub delay_seconds: u32,
}

/// `ScheduleDownload`.
#[derive(Debug, Clone)]
pub struct ScheduleDownload<'a> {
    /// Echoed in TransferComplete.
    pub command_key: Text<'a>,
    /// File type.
    pub file_type: Text<'a>,
    /// Where to fetch the file.
    pub url: Text<'a>,
    /// File server user name.
    pub username: Text<'a>,
    /// File server password.
    pub password: Text<'a>,
    /// Size in bytes.
    pub file_size: u32,
    /// Name to store the file under.
    pub target_file_name: Text<'a>,
    /// One or two time windows.
    pub time_windows: List<'a, TimeWindow<'a>>,
}

/// A message an ACS sends to a CPE: a request, the response to a CPE request, or a fault.
#[derive(Debug, Clone)]
pub enum AcsMessage<'a> {
    /// `GetRPCMethods` request.
    GetRPCMethods,
    /// `SetParameterValues`.
    SetParameterValues(SetParameterValues<'a>),
    /// `GetParameterValues`.
    GetParameterValues {
        /// Parameter names and partial paths.
        names: List<'a, Text<'a>>,
    },
    /// `GetParameterNames`.
    GetParameterNames {
        /// A parameter, a partial path, or empty for the whole tree.
        path: Text<'a>,
        /// Only the immediate children.
        next_level: bool,
    },
    /// `SetParameterAttributes`.
    SetParameterAttributes {
        /// The changes.
        parameters: List<'a, SetParameterAttribute<'a>>,
    },
    /// `GetParameterAttributes`.
    GetParameterAttributes {
        /// Parameter names and partial paths.
        names: List<'a, Text<'a>>,
    },
    /// `AddObject`.
    AddObject {
        /// Table path ending in `.`.
        object_name: Text<'a>,
        /// Becomes `ParameterKey` on success.
        parameter_key: Text<'a>,
    },
    /// `DeleteObject`.
    DeleteObject {
        /// Instance path ending in `.`.
        object_name: Text<'a>,
        /// Becomes `ParameterKey` on success.
        parameter_key: Text<'a>,
    },
    /// `Reboot`.
    Reboot {
        /// Echoed in the `M Reboot` event.
        command_key: Text<'a>,
    },
    /// `Download`.
    Download(Download<'a>),
    /// `Upload`.
    Upload(Upload<'a>),
    /// `FactoryReset`.
    FactoryReset,
    /// `GetQueuedTransfers` (deprecated).
    GetQueuedTransfers,
    /// `GetAllQueuedTransfers`.
    GetAllQueuedTransfers,
    /// `ScheduleInform`.
    ScheduleInform {
        /// Seconds until the scheduled session.
        delay_seconds: u32,
        /// Echoed in the `M ScheduleInform` event.
        command_key: Text<'a>,
    },
    /// `SetVouchers` (deprecated).
    SetVouchers {
        /// The vouchers, base64.
        vouchers: List<'a, Voucher<'a>>,
    },
    /// `GetOptions` (deprecated).
    GetOptions {
        /// Option name, or empty for all.
        option_name: Text<'a>,
    },
    /// `ScheduleDownload`.
    ScheduleDownload(ScheduleDownload<'a>),
    /// `CancelTransfer`.
    CancelTransfer {
        /// The transfer to cancel.
        command_key: Text<'a>,
    },
    /// `ChangeDUState`.
    ChangeDUState {
        /// Operations, in order.
        operations: List<'a, Operation<'a>>,
        /// Echoed in DUStateChangeComplete.
        command_key: Text<'a>,
    },
    /// `InformResponse`.
    InformResponse {
        /// Always 1.
        max_envelopes: u32,
    },
    /// `TransferCompleteResponse`.
    TransferCompleteResponse,
    /// `AutonomousTransferCompleteResponse`.
    AutonomousTransferCompleteResponse,
    /// `GetRPCMethodsResponse` (the ACS's methods).
    GetRPCMethodsResponse {
        /// Method names.
        methods: List<'a, Text<'a>>,
    },
    /// `DUStateChangeCompleteResponse`.
    DUStateChangeCompleteResponse,
    /// `AutonomousDUStateChangeCompleteResponse`.
    AutonomousDUStateChangeCompleteResponse,
    /// `RequestDownloadResponse`.
    RequestDownloadResponse,
    /// `KickedResponse`.
    KickedResponse {
        /// Where to send the browser next.
        next_url: Text<'a>,
    },
    /// A SOAP fault answering a CPE request.
    Fault(Fault<'a>),
    /// A method this agent does not know (answered with 9000 if it is a request).
    Unknown {
        /// Its local name.
        name: &'a str,
    },
}

impl AcsMessage<'_> {
    /// True for the messages that are requests to the CPE (and need a response).
    pub fn is_request(&self) -> bool {
        !matches!(
            self,
            AcsMessage::InformResponse { .. }
                | AcsMessage::TransferCompleteResponse
                | AcsMessage::AutonomousTransferCompleteResponse
                | AcsMessage::GetRPCMethodsResponse { .. }
                | AcsMessage::DUStateChangeCompleteResponse
                | AcsMessage::AutonomousDUStateChangeCompleteResponse
                | AcsMessage::RequestDownloadResponse
                | AcsMessage::KickedResponse { .. }
                | AcsMessage::Fault(_)
        ) && !matches!(self, AcsMessage::Unknown { name } if name.ends_with("Response"))
    }
}

pub(super) fn acs_message<'a>(m: &Element<'a>, cwmp: bool) -> Result<AcsMessage<'a>> {
    if m.is(SOAP_ENV, "Fault") {
        return Ok(AcsMessage::Fault(read_fault(m)?));
    }
    let name = m.local_name();
    if !cwmp {
        return Ok(AcsMessage::Unknown { name });
    }
    let el = m;
    let m = &mut Args::new(el);
    Ok(match name {
        "GetRPCMethods" => AcsMessage::GetRPCMethods,
        "SetParameterValues" => AcsMessage::SetParameterValues(SetParameterValues {
            parameters: List::child_array(m, "ParameterList", SOAP_MAX_LIST_ITEMS)?,
            parameter_key: key(m, "ParameterKey")?,
        }),
        "GetParameterValues" => AcsMessage::GetParameterValues {
            names: List::child_array(m, "ParameterNames", SOAP_MAX_LIST_ITEMS)?,
        },
        "GetParameterNames" => AcsMessage::GetParameterNames {
            path: opt_string(m, "ParameterPath", 256)?.unwrap_or(Text::empty()),
            next_level: bool_arg(m, "NextLevel")?,
        },
        "SetParameterAttributes" => AcsMessage::SetParameterAttributes {
            parameters: List::child_array(m, "ParameterList", SOAP_MAX_LIST_ITEMS)?,
        },
        "GetParameterAttributes" => AcsMessage::GetParameterAttributes {
            names: List::child_array(m, "ParameterNames", SOAP_MAX_LIST_ITEMS)?,
        },
        "AddObject" => AcsMessage::AddObject {
            object_name: string(m, "ObjectName", 256)?,
            parameter_key: key(m, "ParameterKey")?,
        },
        "DeleteObject" => AcsMessage::DeleteObject {
            object_name: string(m, "ObjectName", 256)?,
            parameter_key: key(m, "ParameterKey")?,
        },
        "Reboot" => AcsMessage::Reboot {
            command_key: key(m, "CommandKey")?,
        },
        "Download" => AcsMessage::Download(Download {
            command_key: key(m, "CommandKey")?,
            file_type: string(m, "FileType", 64)?,
            url: string(m, "URL", 1024)?,
            username: opt_string(m, "Username", 256)?.unwrap_or(Text::empty()),
            password: opt_string(m, "Password", 256)?.unwrap_or(Text::empty()),
            file_size: u32_arg(m, "FileSize")?,
            target_file_name: opt_string(m, "TargetFileName", 256)?.unwrap_or(Text::empty()),
            delay_seconds: u32_arg(m, "DelaySeconds")?,
            success_url: opt_string(m, "SuccessURL", 1024)?.unwrap_or(Text::empty()),
            failure_url: opt_string(m, "FailureURL", 1024)?.unwrap_or(Text::empty()),
        }),
        "Upload" => AcsMessage::Upload(Upload {
            command_key: key(m, "CommandKey")?,
            file_type: string(m, "FileType", 64)?,
            url: string(m, "URL", 1024)?,
            username: opt_string(m, "Username", 256)?.unwrap_or(Text::empty()),
            password: opt_string(m, "Password", 256)?.unwrap_or(Text::empty()),
            delay_seconds: u32_arg(m, "DelaySeconds")?,
        }),
        "FactoryReset" => AcsMessage::FactoryReset,
        "GetQueuedTransfers" => AcsMessage::GetQueuedTransfers,
        "GetAllQueuedTransfers" => AcsMessage::GetAllQueuedTransfers,
        "ScheduleInform" => AcsMessage::ScheduleInform {
            delay_seconds: u32_arg(m, "DelaySeconds")?,
            command_key: key(m, "CommandKey")?,
        },
        "SetVouchers" => AcsMessage::SetVouchers {
            vouchers: List::child_array(m, "VoucherList", SOAP_MAX_LIST_ITEMS)?,
        },
        "GetOptions" => AcsMessage::GetOptions {
            option_name: opt_string(m, "OptionName", 64)?.unwrap_or(Text::empty()),
        },
        "ScheduleDownload" => AcsMessage::ScheduleDownload(ScheduleDownload {
            command_key: key(m, "CommandKey")?,
            file_type: string(m, "FileType", 64)?,
            url: string(m, "URL", 1024)?,
            username: opt_string(m, "Username", 256)?.unwrap_or(Text::empty()),
            password: opt_string(m, "Password", 256)?.unwrap_or(Text::empty()),
            file_size: u32_arg(m, "FileSize")?,
            target_file_name: opt_string(m, "TargetFileName", 256)?.unwrap_or(Text::empty()),
            time_windows: {
                let l = List::child_array(m, "TimeWindowList", SOAP_MAX_TIME_WINDOWS)?;
                if l.is_empty() {
                    return Err(ArgError::new(ArgErrorKind::Missing, "TimeWindowStruct"));
                }
                l
            },
        }),
        "CancelTransfer" => AcsMessage::CancelTransfer {
            command_key: key(m, "CommandKey")?,
        },
        "ChangeDUState" => {
            let operations = List::read(el.clone(), "Operations", SOAP_MAX_OPERATIONS)?;
            if operations.is_empty() {
                return Err(ArgError::new(ArgErrorKind::Missing, "Operations"));
            }
            AcsMessage::ChangeDUState {
                operations,
                command_key: key(m, "CommandKey")?,
            }
        }
        "InformResponse" => AcsMessage::InformResponse {
            max_envelopes: u32_arg(m, "MaxEnvelopes").unwrap_or(1),
        },
        "TransferCompleteResponse" => AcsMessage::TransferCompleteResponse,
        "AutonomousTransferCompleteResponse" => AcsMessage::AutonomousTransferCompleteResponse,
        "GetRPCMethodsResponse" => AcsMessage::GetRPCMethodsResponse {
            methods: List::child_array(m, "MethodList", SOAP_MAX_LIST_ITEMS)?,
        },
        "DUStateChangeCompleteResponse" => AcsMessage::DUStateChangeCompleteResponse,
        "AutonomousDUStateChangeCompleteResponse" => {
            AcsMessage::AutonomousDUStateChangeCompleteResponse
        }
        "RequestDownloadResponse" => AcsMessage::RequestDownloadResponse,
        "KickedResponse" => AcsMessage::KickedResponse {
            next_url: opt_string(m, "NextURL", 1024)?.unwrap_or(Text::empty()),
        },
        _ => AcsMessage::Unknown { name },
    })
}

// ---------------------------------------------------------------------------------------------
// Messages a CPE sends

/// `Inform`.
#[derive(Debug, Clone)]
pub struct Inform<'a> {
    /// Who the CPE is.
    pub device_id: DeviceId<'a>,
    /// Why the session was opened.
    pub events: List<'a, Event<'a>>,
    /// Always 1.
    pub max_envelopes: u32,
    /// The CPE's clock.
    pub current_time: DateTime,
    /// Attempts of this session so far.
    pub retry_count: u32,
    /// Forced and notified parameters.
    pub parameters: List<'a, ParameterValue<'a>>,
}

/// `TransferComplete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferComplete<'a> {
    /// The Download/Upload's command key.
    pub command_key: Text<'a>,
    /// The outcome.
    pub fault: TransferFault<'a>,
    /// When the transfer started.
    pub start_time: DateTime,
    /// When it completed.
    pub complete_time: DateTime,
}

/// `AutonomousTransferComplete`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutonomousTransferComplete<'a> {
    /// Where the transfer was announced.
    pub announce_url: Text<'a>,
    /// Where the file came from or went to.
    pub transfer_url: Text<'a>,
    /// Download (true) or upload.
    pub is_download: bool,
    /// File type.
    pub file_type: Text<'a>,
    /// Size in bytes.
    pub file_size: u32,
    /// Target file name.
    pub target_file_name: Text<'a>,
    /// The outcome.
    pub fault: TransferFault<'a>,
    /// When it started.
    pub start_time: DateTime,
    /// When it completed.
    pub complete_time: DateTime,
}

/// `Kicked` (deprecated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kicked<'a> {
    /// Command.
    pub command: Text<'a>,
    /// Referring page.
    pub referer: Text<'a>,
    /// Argument.
    pub arg: Text<'a>,
    /// Next page.
    pub next: Text<'a>,
}

/// A message a CPE sends to an ACS: a request, the response to an ACS request, or a fault.
// Views are stack values that live for one message; boxing would need alloc.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum CpeMessage<'a> {
    /// `Inform`.
    Inform(Inform<'a>),
    /// `TransferComplete`.
    TransferComplete(TransferComplete<'a>),
    /// `AutonomousTransferComplete`.
    AutonomousTransferComplete(AutonomousTransferComplete<'a>),
    /// `GetRPCMethods` request.
    GetRPCMethods,
    /// `DUStateChangeComplete`.
    DUStateChangeComplete {
        /// One result per operation, in order.
        results: List<'a, OpResult<'a>>,
        /// The ChangeDUState's command key.
        command_key: Text<'a>,
    },
    /// `AutonomousDUStateChangeComplete`.
    AutonomousDUStateChangeComplete {
        /// The results.
        results: List<'a, OpResult<'a>>,
    },
    /// `RequestDownload`.
    RequestDownload {
        /// File type wanted.
        file_type: Text<'a>,
        /// Arguments.
        args: List<'a, Arg<'a>>,
    },
    /// `Kicked`.
    Kicked(Kicked<'a>),
    /// `GetRPCMethodsResponse` (the CPE's methods).
    GetRPCMethodsResponse {
        /// Method names.
        methods: List<'a, Text<'a>>,
    },
    /// `SetParameterValuesResponse`.
    SetParameterValuesResponse {
        /// 0 applied, 1 committed and applied later.
        status: u8,
    },
    /// `GetParameterValuesResponse`.
    GetParameterValuesResponse {
        /// The values.
        parameters: List<'a, ParameterValue<'a>>,
    },
    /// `GetParameterNamesResponse`.
    GetParameterNamesResponse {
        /// The names.
        parameters: List<'a, ParameterInfo<'a>>,
    },
    /// `SetParameterAttributesResponse`.
    SetParameterAttributesResponse,
    /// `GetParameterAttributesResponse`.
    GetParameterAttributesResponse {
        /// The attributes.
        parameters: List<'a, ParameterAttribute<'a>>,
    },
    /// `AddObjectResponse`.
    AddObjectResponse {
        /// The new instance.
        instance_number: u32,
        /// 0 or 1.
        status: u8,
    },
    /// `DeleteObjectResponse`.
    DeleteObjectResponse {
        /// 0 or 1.
        status: u8,
    },
    /// `RebootResponse`.
    RebootResponse,
    /// `DownloadResponse`.
    DownloadResponse {
        /// 0 done, 1 not yet.
        status: u8,
        /// Start (Unknown Time when status is 1).
        start_time: DateTime,
        /// Completion (Unknown Time when status is 1).
        complete_time: DateTime,
    },
    /// `UploadResponse`.
    UploadResponse {
        /// 0 done, 1 not yet.
        status: u8,
        /// Start.
        start_time: DateTime,
        /// Completion.
        complete_time: DateTime,
    },
    /// `FactoryResetResponse`.
    FactoryResetResponse,
    /// `GetQueuedTransfersResponse`.
    GetQueuedTransfersResponse {
        /// The transfers.
        transfers: List<'a, QueuedTransfer<'a>>,
    },
    /// `GetAllQueuedTransfersResponse`.
    GetAllQueuedTransfersResponse {
        /// The transfers.
        transfers: List<'a, AllQueuedTransfer<'a>>,
    },
    /// `ScheduleInformResponse`.
    ScheduleInformResponse,
    /// `SetVouchersResponse`.
    SetVouchersResponse,
    /// `GetOptionsResponse`.
    GetOptionsResponse {
        /// The options.
        options: List<'a, OptionInfo<'a>>,
    },
    /// `ScheduleDownloadResponse`.
    ScheduleDownloadResponse,
    /// `CancelTransferResponse`.
    CancelTransferResponse,
    /// `ChangeDUStateResponse`.
    ChangeDUStateResponse,
    /// A SOAP fault answering an ACS request.
    Fault(Fault<'a>),
    /// A method this reader does not know.
    Unknown {
        /// Its local name.
        name: &'a str,
    },
}

fn device_id<'a>(m: &mut Args<'a>) -> Result<DeviceId<'a>> {
    let d = &mut Args::new(&child(m, "DeviceId")?);
    let oui = string(d, "OUI", 6)?;
    Ok(DeviceId {
        manufacturer: string(d, "Manufacturer", 64)?,
        oui,
        product_class: string(d, "ProductClass", 64)?,
        serial_number: string(d, "SerialNumber", 64)?,
    })
}

fn status(m: &mut Args<'_>) -> Result<u8> {
    small_arg(m, "Status", 1)
}

pub(super) fn cpe_message<'a>(m: &Element<'a>, cwmp: bool) -> Result<CpeMessage<'a>> {
    if m.is(SOAP_ENV, "Fault") {
        return Ok(CpeMessage::Fault(read_fault(m)?));
    }
    let name = m.local_name();
    if !cwmp {
        return Ok(CpeMessage::Unknown { name });
    }
    let el = m;
    let m = &mut Args::new(el);
    Ok(match name {
        "Inform" => CpeMessage::Inform(Inform {
            device_id: device_id(m)?,
            events: List::child_array(m, "Event", SOAP_MAX_EVENTS)?,
            max_envelopes: u32_arg(m, "MaxEnvelopes")?,
            current_time: datetime_arg(m, "CurrentTime")?,
            retry_count: u32_arg(m, "RetryCount")?,
            parameters: List::child_array(m, "ParameterList", SOAP_MAX_LIST_ITEMS)?,
        }),
        "TransferComplete" => CpeMessage::TransferComplete(TransferComplete {
            command_key: key(m, "CommandKey")?,
            fault: transfer_fault(m, "FaultStruct")?,
            start_time: datetime_arg(m, "StartTime")?,
            complete_time: datetime_arg(m, "CompleteTime")?,
        }),
        "AutonomousTransferComplete" => {
            CpeMessage::AutonomousTransferComplete(AutonomousTransferComplete {
                announce_url: string(m, "AnnounceURL", 1024)?,
                transfer_url: string(m, "TransferURL", 1024)?,
                is_download: bool_arg(m, "IsDownload")?,
                file_type: string(m, "FileType", 64)?,
                file_size: u32_arg(m, "FileSize")?,
                target_file_name: string(m, "TargetFileName", 256)?,
                fault: transfer_fault(m, "FaultStruct")?,
                start_time: datetime_arg(m, "StartTime")?,
                complete_time: datetime_arg(m, "CompleteTime")?,
            })
        }
        "GetRPCMethods" => CpeMessage::GetRPCMethods,
        "DUStateChangeComplete" => CpeMessage::DUStateChangeComplete {
            results: List::read(el.clone(), "Results", SOAP_MAX_OPERATIONS)?,
            command_key: key(m, "CommandKey")?,
        },
        "AutonomousDUStateChangeComplete" => CpeMessage::AutonomousDUStateChangeComplete {
            results: List::read(el.clone(), "Results", SOAP_MAX_OPERATIONS)?,
        },
        "RequestDownload" => CpeMessage::RequestDownload {
            file_type: string(m, "FileType", 64)?,
            args: List::child_array(m, "FileTypeArg", 16)?,
        },
        "Kicked" => CpeMessage::Kicked(Kicked {
            command: string(m, "Command", 32)?,
            referer: string(m, "Referer", 64)?,
            arg: string(m, "Arg", 256)?,
            next: string(m, "Next", 1024)?,
        }),
        "GetRPCMethodsResponse" => CpeMessage::GetRPCMethodsResponse {
            methods: List::child_array(m, "MethodList", SOAP_MAX_LIST_ITEMS)?,
        },
        "SetParameterValuesResponse" => {
            CpeMessage::SetParameterValuesResponse { status: status(m)? }
        }
        "GetParameterValuesResponse" => CpeMessage::GetParameterValuesResponse {
            parameters: List::child_array(m, "ParameterList", SOAP_MAX_LIST_ITEMS)?,
        },
        "GetParameterNamesResponse" => CpeMessage::GetParameterNamesResponse {
            parameters: List::child_array(m, "ParameterList", SOAP_MAX_LIST_ITEMS)?,
        },
        "SetParameterAttributesResponse" => CpeMessage::SetParameterAttributesResponse,
        "GetParameterAttributesResponse" => CpeMessage::GetParameterAttributesResponse {
            parameters: List::child_array(m, "ParameterList", SOAP_MAX_LIST_ITEMS)?,
        },
        "AddObjectResponse" => CpeMessage::AddObjectResponse {
            instance_number: u32_arg(m, "InstanceNumber")?,
            status: status(m)?,
        },
        "DeleteObjectResponse" => CpeMessage::DeleteObjectResponse { status: status(m)? },
        "RebootResponse" => CpeMessage::RebootResponse,
        "DownloadResponse" => CpeMessage::DownloadResponse {
            status: status(m)?,
            start_time: datetime_arg(m, "StartTime")?,
            complete_time: datetime_arg(m, "CompleteTime")?,
        },
        "UploadResponse" => CpeMessage::UploadResponse {
            status: status(m)?,
            start_time: datetime_arg(m, "StartTime")?,
            complete_time: datetime_arg(m, "CompleteTime")?,
        },
        "FactoryResetResponse" => CpeMessage::FactoryResetResponse,
        "GetQueuedTransfersResponse" => CpeMessage::GetQueuedTransfersResponse {
            transfers: List::child_array(m, "TransferList", SOAP_MAX_TRANSFERS)?,
        },
        "GetAllQueuedTransfersResponse" => CpeMessage::GetAllQueuedTransfersResponse {
            transfers: List::child_array(m, "TransferList", SOAP_MAX_TRANSFERS)?,
        },
        "ScheduleInformResponse" => CpeMessage::ScheduleInformResponse,
        "SetVouchersResponse" => CpeMessage::SetVouchersResponse,
        "GetOptionsResponse" => CpeMessage::GetOptionsResponse {
            options: List::child_array(m, "OptionList", SOAP_MAX_LIST_ITEMS)?,
        },
        "ScheduleDownloadResponse" => CpeMessage::ScheduleDownloadResponse,
        "CancelTransferResponse" => CpeMessage::CancelTransferResponse,
        "ChangeDUStateResponse" => CpeMessage::ChangeDUStateResponse,
        _ => CpeMessage::Unknown { name },
    })
}
