//! The SOAP 1.1 envelope and the CWMP header entries (digest §2.3).

use super::read::{self, AcsMessage, ArgError, CpeMessage};
use super::{CwmpNs, SOAP_ENV, SOAP12_ENV, SoapError};
use crate::limits::SOAP_MAX_ID_LEN;
use crate::xml::{self, Element, Text};

/// A header entry the envelope named but this agent does not implement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeaderEntry<'a> {
    /// Namespace URI of the entry.
    pub namespace: &'a str,
    /// Local name of the entry.
    pub local: &'a str,
}

/// The CWMP header entries of an envelope.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Header<'a> {
    /// `cwmp:ID`, to be echoed in the response or fault.
    pub id: Option<Text<'a>>,
    /// `cwmp:HoldRequests` (ACS → CPE).
    pub hold_requests: Option<bool>,
    /// `cwmp:SessionTimeout` in seconds (CPE → ACS, CWMP 1.3+).
    pub session_timeout: Option<u32>,
    /// `cwmp:SupportedCWMPVersions`, comma-separated (CPE → ACS, CWMP 1.4).
    pub supported_cwmp_versions: Option<Text<'a>>,
    /// `cwmp:UseCWMPVersion` (ACS → CPE in the InformResponse, CWMP 1.4).
    pub use_cwmp_version: Option<Text<'a>>,
    /// `cwmp:NoMoreRequests` (CWMP 1.0, deprecated).
    pub no_more_requests: Option<bool>,
    /// The first entry with `mustUnderstand="1"` that is not one of the above or whose value
    /// is malformed: the receiver must answer with a SOAP `MustUnderstand` fault.
    pub not_understood: Option<HeaderEntry<'a>>,
    /// The CWMP namespace the header entries used, if any.
    pub cwmp_ns: Option<CwmpNs>,
}

/// A parsed SOAP envelope: its header and the element inside its `Body`.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// The header entries.
    pub header: Header<'a>,
    method: Element<'a>,
    ns: Option<CwmpNs>,
}

impl<'a> Envelope<'a> {
    /// Checks the XML and the envelope structure and reads the header.
    pub fn parse(input: &'a [u8]) -> Result<Envelope<'a>, SoapError> {
        let root = xml::parse(input)?;
        if root.namespace() == SOAP12_ENV {
            return Err(SoapError::Soap12);
        }
        if !root.is(SOAP_ENV, "Envelope") {
            return Err(SoapError::NotEnvelope);
        }
        // SOAP 1.1 §4: an optional Header, then the Body; anything after the Body is not read
        // (so a large body is not walked twice).
        let mut header = None;
        let mut body = None;
        for child in root.children() {
            if child.is(SOAP_ENV, "Header") {
                if header.is_some() {
                    return Err(SoapError::BadStructure);
                }
                header = Some(read_header(&child)?);
            } else if child.is(SOAP_ENV, "Body") {
                body = Some(child);
                break;
            }
        }
        let body = body.ok_or(SoapError::BadStructure)?;
        let method = body.children().next().ok_or(SoapError::BadStructure)?;
        let header = header.unwrap_or_default();
        let ns = if method.is(SOAP_ENV, "Fault") {
            method
                .child("detail")
                .and_then(|d| d.children().find(|c| c.local_name() == "Fault"))
                .and_then(|f| CwmpNs::from_uri(f.namespace()))
        } else {
            CwmpNs::from_uri(method.namespace())
        };
        Ok(Envelope {
            header,
            ns: ns.or(header.cwmp_ns),
            method,
        })
    }

    /// The local name of the message element (`Inform`, `GetParameterValues`, `Fault`...).
    pub fn method_name(&self) -> &'a str {
        self.method.local_name()
    }

    /// The CWMP namespace of the message (of its `cwmp:Fault` for a SOAP fault); a response
    /// must be written in the same one.
    pub fn cwmp_ns(&self) -> Option<CwmpNs> {
        self.ns
    }

    /// True when the body is a SOAP fault.
    pub fn is_fault(&self) -> bool {
        self.method.is(SOAP_ENV, "Fault")
    }

    /// The message element itself.
    pub fn method_element(&self) -> &Element<'a> {
        &self.method
    }

    /// The body as a message an ACS sends to a CPE.
    pub fn acs_message(&self) -> Result<AcsMessage<'a>, ArgError> {
        read::acs_message(&self.method, self.ns.is_some())
    }

    /// The body as a message a CPE sends to an ACS.
    pub fn cpe_message(&self) -> Result<CpeMessage<'a>, ArgError> {
        read::cpe_message(&self.method, self.ns.is_some())
    }
}

fn must_understand(e: &Element<'_>) -> bool {
    e.attribute(SOAP_ENV, "mustUnderstand")
        .is_some_and(|v| v.eq_str("1") || v.eq_str("true"))
}

fn read_header<'a>(header: &Element<'a>) -> Result<Header<'a>, SoapError> {
    let mut h = Header::default();
    for entry in header.children() {
        let ns = CwmpNs::from_uri(entry.namespace());
        let known = match ns {
            Some(ns) => {
                h.cwmp_ns.get_or_insert(ns);
                read_cwmp_entry(&mut h, &entry)
            }
            None => false,
        };
        if !known && must_understand(&entry) && h.not_understood.is_none() {
            h.not_understood = Some(HeaderEntry {
                namespace: entry.namespace(),
                local: entry.local_name(),
            });
        }
    }
    if let Some(id) = h.id {
        // The ID is echoed in every response; one that cannot be kept cannot be answered.
        if id.decoded_len() > SOAP_MAX_ID_LEN {
            return Err(SoapError::IdTooLong);
        }
    }
    Ok(h)
}

/// Reads one entry in a CWMP namespace into `h`; false if the entry is unknown or malformed.
fn read_cwmp_entry<'a>(h: &mut Header<'a>, entry: &Element<'a>) -> bool {
    let Ok(text) = entry.text() else {
        return false;
    };
    match entry.local_name() {
        "ID" => h.id = Some(text),
        "HoldRequests" => match read::parse_bool(text) {
            Some(v) => h.hold_requests = Some(v),
            None => return false,
        },
        "NoMoreRequests" => match read::parse_bool(text) {
            Some(v) => h.no_more_requests = Some(v),
            None => return false,
        },
        // GenieACS spells it `sessionTimeout` when reading; accept both.
        "SessionTimeout" | "sessionTimeout" => match read::parse_u32(text) {
            Some(v) => h.session_timeout = Some(v),
            None => return false,
        },
        "SupportedCWMPVersions" => h.supported_cwmp_versions = Some(text),
        "UseCWMPVersion" => h.use_cwmp_version = Some(text),
        _ => return false,
    }
    true
}
