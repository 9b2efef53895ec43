//! The CWMP message layer: SOAP 1.1 envelopes carrying TR-069 RPCs.
//!
//! * [`Envelope::parse`] checks the envelope and its header; [`Envelope::acs_message`] then gives
//!   what an ACS sends a CPE (every request of CWMP 1.4, the responses to CPE requests, a SOAP
//!   fault) and [`Envelope::cpe_message`] what a CPE sends an ACS. Both borrow from the input:
//!   strings are [`Text`] views decoded on demand and lists are lazy iterators over the input, so
//!   a thousand-parameter request costs no memory.
//! * [`write`] encodes every CPE message and fault into a [`crate::sink::Sink`]. Lists are
//!   written from sources that are counted first, so `soap-enc:arrayType` carries the right size
//!   without the list ever being held in memory.
//!
//! Namespaces are matched by URI, never by prefix; `urn:dslforum-org:cwmp-1-0` to `cwmp-1-4` are
//! accepted. This module does not decide what to do with a message (see `agent`), nor move bytes.

mod envelope;
mod fault;
pub mod read;
mod value;
pub mod write;

#[cfg(test)]
mod tests;

pub use envelope::{Envelope, Header, HeaderEntry};
pub use fault::FaultCode;
pub use read::{AcsMessage, ArgError, ArgErrorKind, CpeMessage, List};
pub use value::ValueType;

pub use crate::xml::Text;

use core::fmt;

use crate::xml::XmlError;

/// SOAP 1.1 envelope namespace.
pub const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// SOAP 1.1 encoding namespace (`soap-enc:arrayType`).
pub const SOAP_ENC: &str = "http://schemas.xmlsoap.org/soap/encoding/";
/// SOAP 1.2 envelope namespace, which CWMP does not use.
pub const SOAP12_ENV: &str = "http://www.w3.org/2003/05/soap-envelope";
/// XML Schema namespace (`xsd:string`...).
pub const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// XML Schema instance namespace (`xsi:type`).
pub const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// One of the CWMP namespaces `urn:dslforum-org:cwmp-1-0` … `cwmp-1-4` (digest §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CwmpNs {
    /// `urn:dslforum-org:cwmp-1-0` (CWMP 1.0).
    V1_0,
    /// `urn:dslforum-org:cwmp-1-1` (CWMP 1.1).
    V1_1,
    /// `urn:dslforum-org:cwmp-1-2` (CWMP 1.2; also the normative namespace of 1.3 and 1.4).
    V1_2,
    /// `urn:dslforum-org:cwmp-1-3`, emitted by icwmp and understood by GenieACS as CWMP 1.4.
    V1_3,
    /// `urn:dslforum-org:cwmp-1-4`, emitted by icwmp; GenieACS 1.2 rejects it.
    V1_4,
}

impl CwmpNs {
    /// The namespace URI.
    pub const fn uri(self) -> &'static str {
        match self {
            CwmpNs::V1_0 => "urn:dslforum-org:cwmp-1-0",
            CwmpNs::V1_1 => "urn:dslforum-org:cwmp-1-1",
            CwmpNs::V1_2 => "urn:dslforum-org:cwmp-1-2",
            CwmpNs::V1_3 => "urn:dslforum-org:cwmp-1-3",
            CwmpNs::V1_4 => "urn:dslforum-org:cwmp-1-4",
        }
    }

    /// The namespace for a URI, if it is one of the CWMP ones.
    pub fn from_uri(uri: &str) -> Option<CwmpNs> {
        Some(match uri {
            "urn:dslforum-org:cwmp-1-0" => CwmpNs::V1_0,
            "urn:dslforum-org:cwmp-1-1" => CwmpNs::V1_1,
            "urn:dslforum-org:cwmp-1-2" => CwmpNs::V1_2,
            "urn:dslforum-org:cwmp-1-3" => CwmpNs::V1_3,
            "urn:dslforum-org:cwmp-1-4" => CwmpNs::V1_4,
            _ => return None,
        })
    }

    /// The highest protocol version a peer using this namespace can speak (digest §2.1: 1-2 is
    /// used by 1.2, 1.3 and 1.4; the headers tell them apart).
    pub const fn max_version(self) -> CwmpVersion {
        match self {
            CwmpNs::V1_0 => CwmpVersion::V1_0,
            CwmpNs::V1_1 => CwmpVersion::V1_1,
            CwmpNs::V1_2 | CwmpNs::V1_3 | CwmpNs::V1_4 => CwmpVersion::V1_4,
        }
    }
}

/// A CWMP protocol version (not a namespace: see [`CwmpNs`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CwmpVersion {
    /// CWMP 1.0 (TR-069 Issue 1 / Amendment 1).
    V1_0,
    /// CWMP 1.1 (Amendment 2).
    V1_1,
    /// CWMP 1.2 (Amendment 3).
    V1_2,
    /// CWMP 1.3 (Amendment 4): adds the `SessionTimeout` header.
    V1_3,
    /// CWMP 1.4 (Amendments 5 and 6): adds `SupportedCWMPVersions` / `UseCWMPVersion`.
    V1_4,
}

impl CwmpVersion {
    /// Every version, oldest first.
    pub const ALL: [CwmpVersion; 5] = [
        CwmpVersion::V1_0,
        CwmpVersion::V1_1,
        CwmpVersion::V1_2,
        CwmpVersion::V1_3,
        CwmpVersion::V1_4,
    ];

    /// `"1.0"` … `"1.4"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            CwmpVersion::V1_0 => "1.0",
            CwmpVersion::V1_1 => "1.1",
            CwmpVersion::V1_2 => "1.2",
            CwmpVersion::V1_3 => "1.3",
            CwmpVersion::V1_4 => "1.4",
        }
    }

    /// Parses `major.minor` (surrounding whitespace allowed).
    pub fn parse(s: &str) -> Option<CwmpVersion> {
        Some(match s.trim() {
            "1.0" => CwmpVersion::V1_0,
            "1.1" => CwmpVersion::V1_1,
            "1.2" => CwmpVersion::V1_2,
            "1.3" => CwmpVersion::V1_3,
            "1.4" => CwmpVersion::V1_4,
            _ => return None,
        })
    }

    /// The namespace the BBF schemas define for this version.
    pub const fn normative_ns(self) -> CwmpNs {
        match self {
            CwmpVersion::V1_0 => CwmpNs::V1_0,
            CwmpVersion::V1_1 => CwmpNs::V1_1,
            _ => CwmpNs::V1_2,
        }
    }
}

impl fmt::Display for CwmpVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an envelope could not be read at all (no CWMP fault can be addressed to it: the session
/// has failed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SoapError {
    /// The XML itself was refused.
    Xml(XmlError),
    /// The root element is a SOAP 1.2 envelope; CWMP uses SOAP 1.1.
    Soap12,
    /// The root element is not a SOAP 1.1 `Envelope`.
    NotEnvelope,
    /// The envelope has no `Body`, or the `Body` comes before the `Header`, or there are two.
    BadStructure,
    /// The `cwmp:ID` is longer than [`crate::limits::SOAP_MAX_ID_LEN`] and could not be echoed.
    IdTooLong,
}

impl From<XmlError> for SoapError {
    fn from(e: XmlError) -> Self {
        SoapError::Xml(e)
    }
}

impl fmt::Display for SoapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SoapError::Xml(e) => write!(f, "XML: {e}"),
            SoapError::Soap12 => f.write_str("SOAP 1.2 envelope (CWMP needs SOAP 1.1)"),
            SoapError::NotEnvelope => f.write_str("root element is not a SOAP envelope"),
            SoapError::BadStructure => f.write_str("envelope without a single Body"),
            SoapError::IdTooLong => f.write_str("cwmp:ID too long"),
        }
    }
}
