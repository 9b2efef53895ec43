//! Why a transfer failed, as the CWMP fault it is reported with (digest §9.2, §11.5).
//!
//! Responsible for the mapping from what went wrong to the `TransferComplete` fault code and a
//! fault string that says what happened: cannot resolve or connect → 9015, server
//! authentication → 9012, file not found or forbidden → 9016, transfer cut short or stalled →
//! 9017, too big or wrong size → 9010, unsupported scheme → 9013, anything else → 9010 for a
//! download and 9011 for an upload. Not responsible for detecting the failures.

use std::fmt;

use cwmp_core::soap::FaultCode;

use super::blocking::LinkError;
use super::exchange::ReadError;

/// Download or upload: decides the generic fault code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// Download: generic failure 9010.
    Download,
    /// Upload: generic failure 9011.
    Upload,
}

impl Direction {
    /// 9010 or 9011.
    pub(crate) fn generic(self) -> FaultCode {
        match self {
            Direction::Download => FaultCode::TRANSFER_FAILURE,
            Direction::Upload => FaultCode::UPLOAD_FAILURE,
        }
    }
}

/// A failed transfer: the fault code and its string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The CWMP fault code.
    pub code: FaultCode,
    /// Human-readable reason for FaultString.
    pub message: String,
}

/// The worker stopped because it was cancelled, or the transfer failed.
#[derive(Debug)]
pub(crate) enum Stop {
    /// Cancelled: nothing is reported.
    Cancelled,
    /// Failed with this fault.
    Failed(Failure),
}

impl Stop {
    /// A failure with `code`.
    pub(crate) fn fail(code: FaultCode, message: impl fmt::Display) -> Stop {
        Stop::Failed(Failure {
            code,
            message: message.to_string(),
        })
    }

    /// The connection to the file server could not be made (9015).
    pub(crate) fn connect(e: LinkError, host: &str) -> Stop {
        match e {
            LinkError::Cancelled => Stop::Cancelled,
            other => Stop::fail(
                FaultCode::CONTACT_SERVER_FAILURE,
                format_args!("cannot contact file server {host}: {other}"),
            ),
        }
    }

    /// The response head could not be read (the server did not really answer: 9015).
    pub(crate) fn head(e: ReadError, direction: Direction) -> Stop {
        match e {
            ReadError::Link(LinkError::Cancelled) => Stop::Cancelled,
            ReadError::Malformed(_) => Stop::fail(direction.generic(), e),
            other => Stop::fail(
                FaultCode::CONTACT_SERVER_FAILURE,
                format_args!("no answer from the file server: {other}"),
            ),
        }
    }

    /// The body could not be read to its end (9017 for a download).
    pub(crate) fn body(e: ReadError, direction: Direction) -> Stop {
        let code = match direction {
            Direction::Download => FaultCode::DOWNLOAD_INCOMPLETE,
            Direction::Upload => FaultCode::UPLOAD_FAILURE,
        };
        match e {
            ReadError::Link(LinkError::Cancelled) => Stop::Cancelled,
            other => Stop::fail(code, format_args!("transfer incomplete: {other}")),
        }
    }

    /// The request could not be sent.
    pub(crate) fn send(e: LinkError, direction: Direction) -> Stop {
        match e {
            LinkError::Cancelled => Stop::Cancelled,
            other => Stop::fail(
                direction.generic(),
                format_args!("cannot send the request: {other}"),
            ),
        }
    }

    /// The server answered with a status that ends the transfer.
    pub(crate) fn status(status: u16, direction: Direction) -> Stop {
        match status {
            403 | 404 | 410 => Stop::fail(
                FaultCode::ACCESS_FILE_FAILURE,
                format_args!("file server refused access: HTTP {status}"),
            ),
            _ => Stop::fail(
                direction.generic(),
                format_args!("file server answered HTTP {status}"),
            ),
        }
    }
}
