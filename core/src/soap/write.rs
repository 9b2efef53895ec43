//! Writing CWMP messages (CPE → ACS) into a [`Sink`].
//!
//! [`encode`] writes a whole envelope: the XML declaration, the `Envelope` with the five usual
//! namespace declarations, a `Header` with `cwmp:ID` (and `SessionTimeout` /
//! `SupportedCWMPVersions` when given), and the body produced by a [`Message`].
//!
//! Lists are [`Entries`]: something that can say how many entries it has and then write them.
//! The count goes into `soap-enc:arrayType` before the first entry is written, so a list can be
//! produced on the fly (from a data-model walk, say) without being held in memory; writing is
//! checked against the count and a mismatch is an [`EncodeError`], never a wrong envelope.
//! Encoding is deterministic and repeatable, so the caller may encode once into a
//! [`crate::sink::CountingSink`] to learn the length and again to send.

use core::marker::PhantomData;

use super::fault::FaultCode;
use super::value::ValueType;
use super::{CwmpNs, SOAP_ENC, SOAP_ENV, XSD, XSI};
use crate::sink::{Full, Sink};
use crate::time::DateTime;
use crate::xml::escape_text;

/// Why a message could not be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The sink had no room.
    Full,
    /// A list wrote a different number of entries than it declared.
    CountMismatch {
        /// What [`Entries::count`] said.
        declared: usize,
        /// What [`Entries::write`] wrote.
        written: usize,
    },
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EncodeError::Full => f.write_str("output buffer full"),
            EncodeError::CountMismatch { declared, written } => {
                write!(f, "list declared {declared} entries but wrote {written}")
            }
        }
    }
}

impl From<Full> for EncodeError {
    fn from(_: Full) -> Self {
        EncodeError::Full
    }
}

type Result<T = ()> = core::result::Result<T, EncodeError>;

/// The header entries of an outgoing envelope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeaderOut<'x> {
    /// `cwmp:ID` (mustUnderstand="1"): a fresh one on requests, the peer's on responses.
    pub id: Option<&'x str>,
    /// `cwmp:SessionTimeout` (CWMP 1.3+, in the Inform).
    pub session_timeout: Option<u32>,
    /// `cwmp:SupportedCWMPVersions` (CWMP 1.4, in the Inform), e.g. `1.0,1.1,1.2,1.3,1.4`.
    pub supported_cwmp_versions: Option<&'x str>,
}

/// The body of one outgoing message.
pub trait Message {
    /// Writes the element(s) inside `soap-env:Body`.
    fn write(&self, w: &mut Writer<'_>) -> Result;
}

/// Writes a complete envelope carrying `body`.
pub fn encode(
    sink: &mut dyn Sink,
    ns: CwmpNs,
    header: &HeaderOut<'_>,
    body: &dyn Message,
) -> Result {
    envelope_open(sink, ns, header)?;
    body.write(&mut Writer { sink: &mut *sink })?;
    envelope_close(sink)
}

/// Writes everything before the message element: the XML declaration, the `Envelope` start
/// tag with its namespace declarations, the `Header`, and the `Body` start tag. For callers that
/// write a body piece by piece (see [`EntryWriter::new`]).
pub fn envelope_open(sink: &mut dyn Sink, ns: CwmpNs, header: &HeaderOut<'_>) -> Result {
    let mut w = Writer { sink };
    w.raw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap-env:Envelope xmlns:soap-env=\"")?;
    w.raw(SOAP_ENV)?;
    w.raw("\" xmlns:soap-enc=\"")?;
    w.raw(SOAP_ENC)?;
    w.raw("\" xmlns:xsd=\"")?;
    w.raw(XSD)?;
    w.raw("\" xmlns:xsi=\"")?;
    w.raw(XSI)?;
    w.raw("\" xmlns:cwmp=\"")?;
    w.raw(ns.uri())?;
    w.raw("\">")?;
    if header.id.is_some()
        || header.session_timeout.is_some()
        || header.supported_cwmp_versions.is_some()
    {
        w.raw("<soap-env:Header>")?;
        if let Some(id) = header.id {
            w.raw("<cwmp:ID soap-env:mustUnderstand=\"1\">")?;
            w.text(id)?;
            w.raw("</cwmp:ID>")?;
        }
        if let Some(t) = header.session_timeout {
            w.raw("<cwmp:SessionTimeout soap-env:mustUnderstand=\"0\">")?;
            w.sink.write_u64(u64::from(t))?;
            w.raw("</cwmp:SessionTimeout>")?;
        }
        if let Some(v) = header.supported_cwmp_versions {
            w.raw("<cwmp:SupportedCWMPVersions soap-env:mustUnderstand=\"0\">")?;
            w.text(v)?;
            w.raw("</cwmp:SupportedCWMPVersions>")?;
        }
        w.raw("</soap-env:Header>")?;
    }
    w.raw("<soap-env:Body>")
}

/// Writes everything after the message element.
pub fn envelope_close(sink: &mut dyn Sink) -> Result {
    Ok(sink.write_str("</soap-env:Body></soap-env:Envelope>")?)
}

/// Writes the elements of a message body.
pub struct Writer<'s> {
    sink: &'s mut dyn Sink,
}

impl<'s> Writer<'s> {
    /// A writer over `sink`, for bodies written outside [`encode`].
    pub fn new(sink: &'s mut dyn Sink) -> Self {
        Writer { sink }
    }

    fn raw(&mut self, s: &str) -> Result {
        Ok(self.sink.write_str(s)?)
    }

    fn text(&mut self, s: &str) -> Result {
        Ok(escape_text(self.sink, s)?)
    }

    /// `<tag>`.
    pub fn open(&mut self, tag: &str) -> Result {
        self.raw("<")?;
        self.raw(tag)?;
        self.raw(">")
    }

    /// `</tag>`.
    pub fn close(&mut self, tag: &str) -> Result {
        self.raw("</")?;
        self.raw(tag)?;
        self.raw(">")
    }

    /// `<cwmp:name>`.
    pub fn open_method(&mut self, name: &str) -> Result {
        self.raw("<cwmp:")?;
        self.raw(name)?;
        self.raw(">")
    }

    /// `</cwmp:name>`.
    pub fn close_method(&mut self, name: &str) -> Result {
        self.raw("</cwmp:")?;
        self.raw(name)?;
        self.raw(">")
    }

    /// `<cwmp:name/>`.
    pub fn empty_method(&mut self, name: &str) -> Result {
        self.raw("<cwmp:")?;
        self.raw(name)?;
        self.raw("/>")
    }

    /// `<tag>escaped text</tag>`.
    pub fn string(&mut self, tag: &str, value: &str) -> Result {
        self.open(tag)?;
        self.text(value)?;
        self.close(tag)
    }

    /// `<tag>decimal</tag>`.
    pub fn unsigned(&mut self, tag: &str, value: u64) -> Result {
        self.open(tag)?;
        self.sink.write_u64(value)?;
        self.close(tag)
    }

    /// `<tag>decimal</tag>` for a signed value.
    pub fn signed(&mut self, tag: &str, value: i64) -> Result {
        self.open(tag)?;
        self.sink.write_i64(value)?;
        self.close(tag)
    }

    /// `<tag>1</tag>` or `<tag>0</tag>` (the form icwmp and the vectors use).
    pub fn boolean(&mut self, tag: &str, value: bool) -> Result {
        self.string(tag, if value { "1" } else { "0" })
    }

    /// `<tag>dateTime</tag>`.
    pub fn datetime(&mut self, tag: &str, value: &DateTime) -> Result {
        self.open(tag)?;
        value.write(self.sink)?;
        self.close(tag)
    }

    /// An array element: `<tag soap-enc:arrayType="TYPE[N]">` entries `</tag>`, where the
    /// entries come from `entries` and N is their declared count.
    pub fn array<K: EntryKind>(&mut self, tag: &str, entries: &dyn Entries<K>) -> Result {
        let declared = entries.count();
        self.raw("<")?;
        self.raw(tag)?;
        self.raw(" soap-enc:arrayType=\"")?;
        self.raw(K::ARRAY_TYPE)?;
        self.raw("[")?;
        self.sink.write_u64(declared as u64)?;
        self.raw("]\">")?;
        let written = self.entries(entries)?;
        if written != declared {
            return Err(EncodeError::CountMismatch { declared, written });
        }
        self.close(tag)
    }

    /// `<tag soap-enc:arrayType="TYPE[count]">`, for lists written entry by entry.
    pub fn array_open<K: EntryKind>(&mut self, tag: &str, count: usize) -> Result {
        self.raw("<")?;
        self.raw(tag)?;
        self.raw(" soap-enc:arrayType=\"")?;
        self.raw(K::ARRAY_TYPE)?;
        self.raw("[")?;
        self.sink.write_u64(count as u64)?;
        self.raw("]\">")
    }

    /// Writes the entries of a list without an array wrapper; returns how many were written.
    pub fn entries<K: EntryKind>(&mut self, entries: &dyn Entries<K>) -> Result<usize> {
        let mut out = EntryWriter {
            w: Writer {
                sink: &mut *self.sink,
            },
            written: 0,
            _kind: PhantomData,
        };
        entries.write(&mut out)?;
        Ok(out.written)
    }
}

// ---------------------------------------------------------------------------------------------
// Lists

/// The kind of entry a list holds: it fixes the `soap-enc:arrayType` and which
/// [`EntryWriter::push`] applies.
pub trait EntryKind {
    /// The array type written before `[N]`.
    const ARRAY_TYPE: &'static str;
}

/// A list the encoder can count and then write.
pub trait Entries<K: EntryKind> {
    /// How many entries [`Entries::write`] will write.
    fn count(&self) -> usize;
    /// Writes every entry.
    fn write(&self, out: &mut EntryWriter<'_, K>) -> Result;
}

impl<K: EntryKind, T: Entries<K> + ?Sized> Entries<K> for &T {
    fn count(&self) -> usize {
        (**self).count()
    }
    fn write(&self, out: &mut EntryWriter<'_, K>) -> Result {
        (**self).write(out)
    }
}

/// Writes the entries of one list, counting them.
pub struct EntryWriter<'s, K> {
    w: Writer<'s>,
    written: usize,
    _kind: PhantomData<K>,
}

impl<'s, K> EntryWriter<'s, K> {
    /// A writer for entries of kind `K` straight into `sink`, for bodies written piece by piece.
    pub fn new(sink: &'s mut dyn Sink) -> Self {
        EntryWriter {
            w: Writer { sink },
            written: 0,
            _kind: PhantomData,
        }
    }

    /// Entries written so far.
    pub fn written(&self) -> usize {
        self.written
    }
}

/// A list produced by a closure, with a count known in advance.
pub struct FnEntries<F> {
    count: usize,
    write: F,
}

impl<F> FnEntries<F> {
    /// A list of `count` entries written by `write`.
    pub fn new(count: usize, write: F) -> Self {
        FnEntries { count, write }
    }
}

impl<K: EntryKind, F: Fn(&mut EntryWriter<'_, K>) -> Result> Entries<K> for FnEntries<F> {
    fn count(&self) -> usize {
        self.count
    }
    fn write(&self, out: &mut EntryWriter<'_, K>) -> Result {
        (self.write)(out)
    }
}

macro_rules! entry_kind {
    ($(#[$doc:meta])* $name:ident, $array_type:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        impl EntryKind for $name {
            const ARRAY_TYPE: &'static str = $array_type;
        }
    };
}

entry_kind!(
    /// `cwmp:ParameterValueStruct` entries.
    ParameterValueStruct,
    "cwmp:ParameterValueStruct"
);
entry_kind!(
    /// `cwmp:ParameterInfoStruct` entries.
    ParameterInfoStruct,
    "cwmp:ParameterInfoStruct"
);
entry_kind!(
    /// `cwmp:ParameterAttributeStruct` entries.
    ParameterAttributeStruct,
    "cwmp:ParameterAttributeStruct"
);
entry_kind!(
    /// `cwmp:EventStruct` entries.
    EventStruct,
    "cwmp:EventStruct"
);
entry_kind!(
    /// `xsd:string` entries (`<string>`).
    StringEntry,
    "xsd:string"
);
entry_kind!(
    /// `cwmp:QueuedTransferStruct` entries.
    QueuedTransferStruct,
    "cwmp:QueuedTransferStruct"
);
entry_kind!(
    /// `cwmp:AllQueuedTransferStruct` entries.
    AllQueuedTransferStruct,
    "cwmp:AllQueuedTransferStruct"
);
entry_kind!(
    /// `cwmp:OptionStruct` entries.
    OptionStruct,
    "cwmp:OptionStruct"
);
entry_kind!(
    /// `cwmp:ArgStruct` entries.
    ArgStruct,
    "cwmp:ArgStruct"
);
entry_kind!(
    /// `SetParameterValuesFault` elements of a fault (not a SOAP array).
    SpvFaultEntry,
    "cwmp:SetParameterValuesFault"
);
entry_kind!(
    /// `Results` elements of a DU state change completion (not a SOAP array).
    OpResultEntry,
    "cwmp:OpResultStruct"
);

impl EntryWriter<'_, ParameterValueStruct> {
    /// One `ParameterValueStruct`.
    pub fn push(&mut self, name: &str, value: &str, value_type: ValueType) -> Result {
        let w = &mut self.w;
        w.raw("<ParameterValueStruct><Name>")?;
        w.text(name)?;
        w.raw("</Name><Value xsi:type=\"")?;
        w.raw(value_type.xsi_type())?;
        w.raw("\">")?;
        w.text(value)?;
        w.raw("</Value></ParameterValueStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, ParameterInfoStruct> {
    /// One `ParameterInfoStruct`.
    pub fn push(&mut self, name: &str, writable: bool) -> Result {
        let w = &mut self.w;
        w.raw("<ParameterInfoStruct>")?;
        w.string("Name", name)?;
        w.boolean("Writable", writable)?;
        w.raw("</ParameterInfoStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, ParameterAttributeStruct> {
    /// One `ParameterAttributeStruct`.
    pub fn push(
        &mut self,
        name: &str,
        notification: u8,
        access_list: &dyn Entries<StringEntry>,
    ) -> Result {
        let w = &mut self.w;
        w.raw("<ParameterAttributeStruct>")?;
        w.string("Name", name)?;
        w.unsigned("Notification", u64::from(notification))?;
        w.array("AccessList", access_list)?;
        w.raw("</ParameterAttributeStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, EventStruct> {
    /// One `EventStruct`.
    pub fn push(&mut self, code: &str, command_key: &str) -> Result {
        let w = &mut self.w;
        w.raw("<EventStruct>")?;
        w.string("EventCode", code)?;
        w.string("CommandKey", command_key)?;
        w.raw("</EventStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, StringEntry> {
    /// One `<string>`.
    pub fn push(&mut self, value: &str) -> Result {
        self.w.string("string", value)?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, QueuedTransferStruct> {
    /// One `QueuedTransferStruct`.
    pub fn push(&mut self, command_key: &str, state: u8) -> Result {
        let w = &mut self.w;
        w.raw("<QueuedTransferStruct>")?;
        w.string("CommandKey", command_key)?;
        w.unsigned("State", u64::from(state))?;
        w.raw("</QueuedTransferStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, AllQueuedTransferStruct> {
    /// One `AllQueuedTransferStruct`.
    pub fn push(&mut self, t: &AllQueuedTransferOut<'_>) -> Result {
        let w = &mut self.w;
        w.raw("<AllQueuedTransferStruct>")?;
        w.string("CommandKey", t.command_key)?;
        w.unsigned("State", u64::from(t.state))?;
        w.boolean("IsDownload", t.is_download)?;
        w.string("FileType", t.file_type)?;
        w.unsigned("FileSize", u64::from(t.file_size))?;
        w.string("TargetFileName", t.target_file_name)?;
        w.raw("</AllQueuedTransferStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, OptionStruct> {
    /// One `OptionStruct`.
    pub fn push(&mut self, o: &OptionOut<'_>) -> Result {
        let w = &mut self.w;
        w.raw("<OptionStruct>")?;
        w.string("OptionName", o.option_name)?;
        w.unsigned("VoucherSN", u64::from(o.voucher_sn))?;
        w.unsigned("State", u64::from(o.state))?;
        w.unsigned("Mode", u64::from(o.mode))?;
        w.datetime("StartDate", &o.start_date)?;
        if let Some(exp) = &o.expiration_date {
            w.datetime("ExpirationDate", exp)?;
        }
        w.boolean("IsTransferable", o.is_transferable)?;
        w.raw("</OptionStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, ArgStruct> {
    /// One `ArgStruct`.
    pub fn push(&mut self, name: &str, value: &str) -> Result {
        let w = &mut self.w;
        w.raw("<ArgStruct>")?;
        w.string("Name", name)?;
        w.string("Value", value)?;
        w.raw("</ArgStruct>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, SpvFaultEntry> {
    /// One `SetParameterValuesFault`.
    pub fn push(&mut self, name: &str, code: FaultCode, string: &str) -> Result {
        let w = &mut self.w;
        w.raw("<SetParameterValuesFault>")?;
        w.string("ParameterName", name)?;
        w.unsigned("FaultCode", u64::from(code.0))?;
        w.string("FaultString", string)?;
        w.raw("</SetParameterValuesFault>")?;
        self.written += 1;
        Ok(())
    }
}

impl EntryWriter<'_, OpResultEntry> {
    /// One `Results` element.
    pub fn push(&mut self, r: &OpResultOut<'_>) -> Result {
        let w = &mut self.w;
        w.raw("<Results>")?;
        w.string("UUID", r.uuid)?;
        w.string("DeploymentUnitRef", r.deployment_unit_ref)?;
        w.string("Version", r.version)?;
        w.string("CurrentState", r.current_state)?;
        w.boolean("Resolved", r.resolved)?;
        w.string("ExecutionUnitRefList", r.execution_unit_ref_list)?;
        w.datetime("StartTime", &r.start_time)?;
        w.datetime("CompleteTime", &r.complete_time)?;
        w.raw("<Fault>")?;
        w.unsigned("FaultCode", u64::from(r.fault.code.0))?;
        w.string("FaultString", r.fault.string)?;
        w.raw("</Fault>")?;
        if let Some(op) = r.operation_performed {
            w.string("OperationPerformed", op)?;
        }
        w.raw("</Results>")?;
        self.written += 1;
        Ok(())
    }
}

// Slices of plain values are lists too.

/// A `ParameterValueStruct` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterValueOut<'x> {
    /// Parameter path.
    pub name: &'x str,
    /// Value in its lexical form.
    pub value: &'x str,
    /// Its type.
    pub value_type: ValueType,
}

/// A `ParameterInfoStruct` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterInfoOut<'x> {
    /// Parameter or object path.
    pub name: &'x str,
    /// Writable.
    pub writable: bool,
}

/// A `ParameterAttributeStruct` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParameterAttributeOut<'x> {
    /// Parameter path.
    pub name: &'x str,
    /// Notification 0..=6.
    pub notification: u8,
    /// Access list.
    pub access_list: &'x [&'x str],
}

/// An `EventStruct` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventOut<'x> {
    /// Event code.
    pub code: &'x str,
    /// Command key.
    pub command_key: &'x str,
}

/// An `AllQueuedTransferStruct` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllQueuedTransferOut<'x> {
    /// Command key.
    pub command_key: &'x str,
    /// 1 not started, 2 in progress, 3 completed.
    pub state: u8,
    /// Download (true) or upload.
    pub is_download: bool,
    /// File type.
    pub file_type: &'x str,
    /// Size in bytes.
    pub file_size: u32,
    /// Target file name.
    pub target_file_name: &'x str,
}

/// An `OptionStruct` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionOut<'x> {
    /// Option name.
    pub option_name: &'x str,
    /// Voucher serial number.
    pub voucher_sn: u32,
    /// 0..=3.
    pub state: u8,
    /// 0..=2.
    pub mode: u8,
    /// Start date.
    pub start_date: DateTime,
    /// Expiration date, if any.
    pub expiration_date: Option<DateTime>,
    /// Transferable.
    pub is_transferable: bool,
}

/// A `SetParameterValuesFault` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpvFaultOut<'x> {
    /// The parameter.
    pub name: &'x str,
    /// 9005..=9008.
    pub code: FaultCode,
}

/// A transfer or DU `FaultStruct` to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferFaultOut<'x> {
    /// 0 on success.
    pub code: FaultCode,
    /// Reason; empty on success.
    pub string: &'x str,
}

impl TransferFaultOut<'_> {
    /// The success value: code 0, empty string.
    pub const SUCCESS: TransferFaultOut<'static> = TransferFaultOut {
        code: FaultCode::NONE,
        string: "",
    };
}

/// An `OpResultStruct` (or `AutonOpResultStruct` when `operation_performed` is set) to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpResultOut<'x> {
    /// Deployment unit UUID.
    pub uuid: &'x str,
    /// Its `DeploymentUnit.{i}` path.
    pub deployment_unit_ref: &'x str,
    /// Its version.
    pub version: &'x str,
    /// `Installed`, `Uninstalled` or `Failed`.
    pub current_state: &'x str,
    /// Dependencies resolved.
    pub resolved: bool,
    /// Comma-separated execution unit paths.
    pub execution_unit_ref_list: &'x str,
    /// Start.
    pub start_time: DateTime,
    /// Completion.
    pub complete_time: DateTime,
    /// Outcome.
    pub fault: TransferFaultOut<'x>,
    /// `Install`/`Update`/`Uninstall`, for autonomous results.
    pub operation_performed: Option<&'x str>,
}

macro_rules! slice_entries {
    ($kind:ty, $item:ty, |$out:ident, $e:ident| $push:expr) => {
        impl Entries<$kind> for [$item] {
            fn count(&self) -> usize {
                self.len()
            }
            fn write(&self, $out: &mut EntryWriter<'_, $kind>) -> Result {
                for $e in self {
                    $push?;
                }
                Ok(())
            }
        }
    };
}

slice_entries!(ParameterValueStruct, ParameterValueOut<'_>, |out, p| out
    .push(p.name, p.value, p.value_type));
slice_entries!(ParameterInfoStruct, ParameterInfoOut<'_>, |out, p| out
    .push(p.name, p.writable));
slice_entries!(
    ParameterAttributeStruct,
    ParameterAttributeOut<'_>,
    |out, p| out.push(p.name, p.notification, &p.access_list)
);
slice_entries!(EventStruct, EventOut<'_>, |out, e| out
    .push(e.code, e.command_key));
slice_entries!(StringEntry, &str, |out, s| out.push(s));
slice_entries!(QueuedTransferStruct, (&str, u8), |out, t| out
    .push(t.0, t.1));
slice_entries!(
    AllQueuedTransferStruct,
    AllQueuedTransferOut<'_>,
    |out, t| out.push(t)
);
slice_entries!(OptionStruct, OptionOut<'_>, |out, o| out.push(o));
slice_entries!(ArgStruct, (&str, &str), |out, a| out.push(a.0, a.1));
slice_entries!(SpvFaultEntry, SpvFaultOut<'_>, |out, f| out.push(
    f.name,
    f.code,
    f.code.description()
));
slice_entries!(OpResultEntry, OpResultOut<'_>, |out, r| out.push(r));

// ---------------------------------------------------------------------------------------------
// Messages

/// `DeviceIdStruct`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceIdOut<'x> {
    /// Manufacturer.
    pub manufacturer: &'x str,
    /// OUI, six upper-case hex digits.
    pub oui: &'x str,
    /// Product class.
    pub product_class: &'x str,
    /// Serial number.
    pub serial_number: &'x str,
}

/// `Inform`.
pub struct Inform<'x> {
    /// Who the CPE is.
    pub device_id: DeviceIdOut<'x>,
    /// Why the session was opened.
    pub events: &'x dyn Entries<EventStruct>,
    /// Always 1.
    pub max_envelopes: u32,
    /// The CPE's clock (Unknown Time if it has none).
    pub current_time: DateTime,
    /// Attempts of this session so far.
    pub retry_count: u32,
    /// Forced, notified and InformParameter values.
    pub parameters: &'x dyn Entries<ParameterValueStruct>,
}

impl Message for Inform<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("Inform")?;
        w.open("DeviceId")?;
        w.string("Manufacturer", self.device_id.manufacturer)?;
        w.string("OUI", self.device_id.oui)?;
        w.string("ProductClass", self.device_id.product_class)?;
        w.string("SerialNumber", self.device_id.serial_number)?;
        w.close("DeviceId")?;
        w.array("Event", self.events)?;
        w.unsigned("MaxEnvelopes", u64::from(self.max_envelopes))?;
        w.datetime("CurrentTime", &self.current_time)?;
        w.unsigned("RetryCount", u64::from(self.retry_count))?;
        w.array("ParameterList", self.parameters)?;
        w.close_method("Inform")
    }
}

fn transfer_fault(w: &mut Writer<'_>, tag: &str, f: &TransferFaultOut<'_>) -> Result {
    w.open(tag)?;
    w.unsigned("FaultCode", u64::from(f.code.0))?;
    w.string("FaultString", f.string)?;
    w.close(tag)
}

/// `TransferComplete`.
#[derive(Debug, Clone, Copy)]
pub struct TransferComplete<'x> {
    /// The transfer's command key.
    pub command_key: &'x str,
    /// Outcome.
    pub fault: TransferFaultOut<'x>,
    /// Start.
    pub start_time: DateTime,
    /// Completion.
    pub complete_time: DateTime,
}

impl Message for TransferComplete<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("TransferComplete")?;
        w.string("CommandKey", self.command_key)?;
        transfer_fault(w, "FaultStruct", &self.fault)?;
        w.datetime("StartTime", &self.start_time)?;
        w.datetime("CompleteTime", &self.complete_time)?;
        w.close_method("TransferComplete")
    }
}

/// `AutonomousTransferComplete`.
#[derive(Debug, Clone, Copy)]
pub struct AutonomousTransferComplete<'x> {
    /// Where the transfer was announced.
    pub announce_url: &'x str,
    /// Where the file came from or went to.
    pub transfer_url: &'x str,
    /// Download (true) or upload.
    pub is_download: bool,
    /// File type.
    pub file_type: &'x str,
    /// Size in bytes.
    pub file_size: u32,
    /// Target file name.
    pub target_file_name: &'x str,
    /// Outcome.
    pub fault: TransferFaultOut<'x>,
    /// Start.
    pub start_time: DateTime,
    /// Completion.
    pub complete_time: DateTime,
}

impl Message for AutonomousTransferComplete<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("AutonomousTransferComplete")?;
        w.string("AnnounceURL", self.announce_url)?;
        w.string("TransferURL", self.transfer_url)?;
        w.boolean("IsDownload", self.is_download)?;
        w.string("FileType", self.file_type)?;
        w.unsigned("FileSize", u64::from(self.file_size))?;
        w.string("TargetFileName", self.target_file_name)?;
        transfer_fault(w, "FaultStruct", &self.fault)?;
        w.datetime("StartTime", &self.start_time)?;
        w.datetime("CompleteTime", &self.complete_time)?;
        w.close_method("AutonomousTransferComplete")
    }
}

/// `DUStateChangeComplete`, or `AutonomousDUStateChangeComplete` when `command_key` is `None`.
pub struct DuStateChangeComplete<'x> {
    /// One result per operation, in order.
    pub results: &'x dyn Entries<OpResultEntry>,
    /// The ChangeDUState's command key; `None` for the autonomous message.
    pub command_key: Option<&'x str>,
}

impl Message for DuStateChangeComplete<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        let name = match self.command_key {
            Some(_) => "DUStateChangeComplete",
            None => "AutonomousDUStateChangeComplete",
        };
        w.open_method(name)?;
        w.entries(self.results)?;
        if let Some(key) = self.command_key {
            w.string("CommandKey", key)?;
        }
        w.close_method(name)
    }
}

/// `RequestDownload`.
pub struct RequestDownload<'x> {
    /// File type wanted.
    pub file_type: &'x str,
    /// Arguments (at most 16).
    pub args: &'x dyn Entries<ArgStruct>,
}

impl Message for RequestDownload<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("RequestDownload")?;
        w.string("FileType", self.file_type)?;
        w.array("FileTypeArg", self.args)?;
        w.close_method("RequestDownload")
    }
}

/// `Kicked` (deprecated).
#[derive(Debug, Clone, Copy)]
pub struct Kicked<'x> {
    /// Command.
    pub command: &'x str,
    /// Referring page.
    pub referer: &'x str,
    /// Argument.
    pub arg: &'x str,
    /// Next page.
    pub next: &'x str,
}

impl Message for Kicked<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("Kicked")?;
        w.string("Command", self.command)?;
        w.string("Referer", self.referer)?;
        w.string("Arg", self.arg)?;
        w.string("Next", self.next)?;
        w.close_method("Kicked")
    }
}

/// A message whose body is an empty method element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Empty {
    /// `GetRPCMethods` (CPE request).
    GetRPCMethods,
    /// `SetParameterAttributesResponse`.
    SetParameterAttributesResponse,
    /// `RebootResponse`.
    RebootResponse,
    /// `FactoryResetResponse`.
    FactoryResetResponse,
    /// `ScheduleInformResponse`.
    ScheduleInformResponse,
    /// `SetVouchersResponse`.
    SetVouchersResponse,
    /// `ScheduleDownloadResponse`.
    ScheduleDownloadResponse,
    /// `CancelTransferResponse`.
    CancelTransferResponse,
    /// `ChangeDUStateResponse`.
    ChangeDUStateResponse,
}

impl Empty {
    /// The method element's name.
    pub const fn name(self) -> &'static str {
        match self {
            Empty::GetRPCMethods => "GetRPCMethods",
            Empty::SetParameterAttributesResponse => "SetParameterAttributesResponse",
            Empty::RebootResponse => "RebootResponse",
            Empty::FactoryResetResponse => "FactoryResetResponse",
            Empty::ScheduleInformResponse => "ScheduleInformResponse",
            Empty::SetVouchersResponse => "SetVouchersResponse",
            Empty::ScheduleDownloadResponse => "ScheduleDownloadResponse",
            Empty::CancelTransferResponse => "CancelTransferResponse",
            Empty::ChangeDUStateResponse => "ChangeDUStateResponse",
        }
    }
}

impl Message for Empty {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        match self {
            // Requests are written open/close, responses as empty elements (as the vectors do).
            Empty::GetRPCMethods => {
                w.open_method(self.name())?;
                w.close_method(self.name())
            }
            _ => w.empty_method(self.name()),
        }
    }
}

/// `GetRPCMethodsResponse`.
pub struct GetRpcMethodsResponse<'x> {
    /// The methods the CPE supports.
    pub methods: &'x dyn Entries<StringEntry>,
}

impl Message for GetRpcMethodsResponse<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("GetRPCMethodsResponse")?;
        w.array("MethodList", self.methods)?;
        w.close_method("GetRPCMethodsResponse")
    }
}

/// A response whose only argument is `Status`: SetParameterValues and DeleteObject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusResponse {
    /// `SetParameterValuesResponse`.
    SetParameterValues(u8),
    /// `DeleteObjectResponse`.
    DeleteObject(u8),
}

impl Message for StatusResponse {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        let (name, status) = match *self {
            StatusResponse::SetParameterValues(s) => ("SetParameterValuesResponse", s),
            StatusResponse::DeleteObject(s) => ("DeleteObjectResponse", s),
        };
        w.open_method(name)?;
        w.unsigned("Status", u64::from(status))?;
        w.close_method(name)
    }
}

/// `GetParameterValuesResponse`.
pub struct GetParameterValuesResponse<'x> {
    /// The values.
    pub parameters: &'x dyn Entries<ParameterValueStruct>,
}

impl Message for GetParameterValuesResponse<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("GetParameterValuesResponse")?;
        w.array("ParameterList", self.parameters)?;
        w.close_method("GetParameterValuesResponse")
    }
}

/// `GetParameterNamesResponse`.
pub struct GetParameterNamesResponse<'x> {
    /// The names.
    pub parameters: &'x dyn Entries<ParameterInfoStruct>,
}

impl Message for GetParameterNamesResponse<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("GetParameterNamesResponse")?;
        w.array("ParameterList", self.parameters)?;
        w.close_method("GetParameterNamesResponse")
    }
}

/// `GetParameterAttributesResponse`.
pub struct GetParameterAttributesResponse<'x> {
    /// The attributes.
    pub parameters: &'x dyn Entries<ParameterAttributeStruct>,
}

impl Message for GetParameterAttributesResponse<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("GetParameterAttributesResponse")?;
        w.array("ParameterList", self.parameters)?;
        w.close_method("GetParameterAttributesResponse")
    }
}

/// `AddObjectResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddObjectResponse {
    /// The new instance number.
    pub instance_number: u32,
    /// 0 applied, 1 applied later.
    pub status: u8,
}

impl Message for AddObjectResponse {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("AddObjectResponse")?;
        w.unsigned("InstanceNumber", u64::from(self.instance_number))?;
        w.unsigned("Status", u64::from(self.status))?;
        w.close_method("AddObjectResponse")
    }
}

/// `DownloadResponse` or `UploadResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferResponse {
    /// Upload (true) or download.
    pub upload: bool,
    /// 0 completed, 1 not yet.
    pub status: u8,
    /// Start (Unknown Time with status 1).
    pub start_time: DateTime,
    /// Completion (Unknown Time with status 1).
    pub complete_time: DateTime,
}

impl TransferResponse {
    /// The usual answer: accepted, to be reported by TransferComplete.
    pub const fn pending(upload: bool) -> Self {
        TransferResponse {
            upload,
            status: 1,
            start_time: DateTime::UNKNOWN,
            complete_time: DateTime::UNKNOWN,
        }
    }
}

impl Message for TransferResponse {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        let name = if self.upload {
            "UploadResponse"
        } else {
            "DownloadResponse"
        };
        w.open_method(name)?;
        w.unsigned("Status", u64::from(self.status))?;
        w.datetime("StartTime", &self.start_time)?;
        w.datetime("CompleteTime", &self.complete_time)?;
        w.close_method(name)
    }
}

/// `GetQueuedTransfersResponse`.
pub struct GetQueuedTransfersResponse<'x> {
    /// The transfers (at most 16).
    pub transfers: &'x dyn Entries<QueuedTransferStruct>,
}

impl Message for GetQueuedTransfersResponse<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("GetQueuedTransfersResponse")?;
        w.array("TransferList", self.transfers)?;
        w.close_method("GetQueuedTransfersResponse")
    }
}

/// `GetAllQueuedTransfersResponse`.
pub struct GetAllQueuedTransfersResponse<'x> {
    /// The transfers (at most 16).
    pub transfers: &'x dyn Entries<AllQueuedTransferStruct>,
}

impl Message for GetAllQueuedTransfersResponse<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("GetAllQueuedTransfersResponse")?;
        w.array("TransferList", self.transfers)?;
        w.close_method("GetAllQueuedTransfersResponse")
    }
}

/// `GetOptionsResponse`.
pub struct GetOptionsResponse<'x> {
    /// The options.
    pub options: &'x dyn Entries<OptionStruct>,
}

impl Message for GetOptionsResponse<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.open_method("GetOptionsResponse")?;
        w.array("OptionList", self.options)?;
        w.close_method("GetOptionsResponse")
    }
}

/// A SOAP fault carrying a `cwmp:Fault` (digest §9.1).
pub struct Fault<'x> {
    /// The CWMP fault code; it also decides `faultcode` (`Client` or `Server`).
    pub code: FaultCode,
    /// The fault string; `None` writes the code's standard description.
    pub string: Option<&'x str>,
    /// Per-parameter faults (SetParameterValues with 9003 only).
    pub spv_faults: Option<&'x dyn Entries<SpvFaultEntry>>,
}

impl<'x> Fault<'x> {
    /// A fault with the standard description and no parameter list.
    pub const fn new(code: FaultCode) -> Fault<'static> {
        Fault {
            code,
            string: None,
            spv_faults: None,
        }
    }
}

impl Message for Fault<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.raw("<soap-env:Fault>")?;
        w.string(
            "faultcode",
            if self.code.is_client() {
                "Client"
            } else {
                "Server"
            },
        )?;
        w.string("faultstring", "CWMP fault")?;
        w.raw("<detail><cwmp:Fault>")?;
        w.unsigned("FaultCode", u64::from(self.code.0))?;
        w.string(
            "FaultString",
            self.string.unwrap_or(self.code.description()),
        )?;
        if let Some(list) = self.spv_faults {
            w.entries(list)?;
        }
        w.raw("</cwmp:Fault></detail></soap-env:Fault>")
    }
}

/// The SOAP 1.1 `MustUnderstand` fault, for a header entry the CPE does not implement.
#[derive(Debug, Clone, Copy)]
pub struct MustUnderstandFault<'x> {
    /// Local name of the entry that was not understood.
    pub entry: &'x str,
}

impl Message for MustUnderstandFault<'_> {
    fn write(&self, w: &mut Writer<'_>) -> Result {
        w.raw("<soap-env:Fault><faultcode>soap-env:MustUnderstand</faultcode>")?;
        w.raw("<faultstring>Header entry not understood: ")?;
        w.text(self.entry)?;
        w.raw("</faultstring></soap-env:Fault>")
    }
}
