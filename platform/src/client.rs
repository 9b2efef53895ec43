//! What `cwmpd status`, `cwmpd inform` and `cwmpd command` use to talk to a running daemon:
//! one call of the `tr069` API over ubus, or over the JSON control socket where there is no
//! ubusd, answered with the reply printed as indented JSON.
//!
//! Responsible for the blocking client side of both transports ([`call_ubus`],
//! [`call_control`]), for choosing between them ([`call`]), for printing the reply the same way
//! whichever transport carried it (two-space indentation, member order kept), and for typed
//! errors ([`ClientError`]: ubus status codes with libubus's texts, unreachable sockets). Not
//! responsible for validating the arguments: the daemon does that, so the CLI answers exactly as
//! `ubus call tr069 …` would (a bad argument is status 2, `Invalid argument`). Not responsible
//! for command-line parsing or exit codes either (the daemon crate).
//!
//! No JSON library is linked for this: the binary must stay small. The printer and the parser
//! of the control socket's reply line are in this module.

mod control;
mod json;
mod pretty;
mod ubus;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cwmp_core::control::{Method, Request};

/// Default time a call may take (the `ubus` CLI's `-t 30`).
pub const DEFAULT_TIMEOUT: Duration = cwmp_core::ubus::client::DEFAULT_REQUEST_TIMEOUT;

/// One argument value as the CLI collects it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgValue {
    /// A string (blobmsg string, JSON string).
    String(String),
    /// A boolean (blobmsg bool, JSON `true`/`false`).
    Bool(bool),
}

/// The arguments of a call, in order: what `ubus call tr069 METHOD` takes as its JSON object.
///
/// They are sent as given, unchecked: the daemon validates them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Args {
    members: Vec<(String, ArgValue)>,
}

impl Args {
    /// No arguments (`{}`).
    pub fn new() -> Args {
        Args::default()
    }

    /// These arguments plus the string `name: value`.
    pub fn string(mut self, name: &str, value: &str) -> Args {
        self.members
            .push((name.to_owned(), ArgValue::String(value.to_owned())));
        self
    }

    /// These arguments plus the boolean `name: value`.
    pub fn boolean(mut self, name: &str, value: bool) -> Args {
        self.members.push((name.to_owned(), ArgValue::Bool(value)));
        self
    }

    /// The arguments in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ArgValue)> {
        self.members.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// True for `{}`.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }
}

impl From<&Request> for Args {
    /// The arguments that make the daemon decode exactly `request`.
    fn from(request: &Request) -> Args {
        match request {
            Request::Status => Args::new(),
            Request::Command(command) => Args::new().string("command", command.name()),
            Request::Inform(inform) => {
                let mut args = Args::new();
                if inform.get_rpc_methods {
                    args = args.boolean("GetRPCMethods", true);
                }
                if let Some(event) = inform.event {
                    args = args.string("event", event.name());
                }
                args
            }
        }
    }
}

/// Why a call gave no result.
#[derive(Debug)]
pub enum ClientError {
    /// Nothing usable listens on `socket`: it is missing, refuses the connection, or (ubus)
    /// does not greet with HELLO.
    Connect {
        /// The socket tried.
        socket: PathBuf,
        /// What went wrong.
        error: io::Error,
    },
    /// ubusd answers on `socket` but has no `tr069` object: cwmpd is not registered there.
    NoObject {
        /// The ubusd socket.
        socket: PathBuf,
    },
    /// Neither socket leads to cwmpd ([`call`] only).
    NotRunning {
        /// What the ubus attempt gave.
        ubus: Box<ClientError>,
        /// What the control-socket attempt gave.
        control: Box<ClientError>,
    },
    /// The call was answered with this non-zero ubus status and libubus's text for it (from
    /// ubusd, from cwmpd, or 7 `Request timed out` when no answer came in time).
    Status(i32, &'static str),
    /// The connection failed during the call.
    Io(io::Error),
    /// The peer's answer is not a valid reply.
    Protocol(String),
    /// The arguments do not fit one request.
    ArgumentsTooLarge,
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Connect { socket, error } => write!(f, "{}: {error}", socket.display()),
            ClientError::NoObject { socket } => {
                write!(f, "{}: no ubus object 'tr069'", socket.display())
            }
            ClientError::NotRunning { ubus, control } => write!(
                f,
                "cwmpd is not running? (ubus: {ubus}; control socket: {control})"
            ),
            ClientError::Status(_, text) => f.write_str(text),
            ClientError::Io(e) => write!(f, "{e}"),
            ClientError::Protocol(m) => write!(f, "invalid reply: {m}"),
            ClientError::ArgumentsTooLarge => f.write_str("arguments too large"),
        }
    }
}

impl std::error::Error for ClientError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Connect { error, .. } | ClientError::Io(error) => Some(error),
            _ => None,
        }
    }
}

/// Calls `method` of `tr069` with `args` through the ubusd at `socket` (HELLO, LOOKUP,
/// INVOKE, DATA until STATUS); the reply printed as indented JSON (several DATA messages one
/// after the other, an empty string for none). Each step waits at most `timeout`.
pub fn call_ubus(
    socket: &Path,
    method: Method,
    args: &Args,
    timeout: Duration,
) -> Result<String, ClientError> {
    ubus::call(socket, method, args, timeout)
}

/// Calls `method` with `args` on cwmpd's JSON control socket at `socket` (one request line,
/// one reply line); the `result` printed as indented JSON, an `error` as
/// [`ClientError::Status`]. The whole exchange takes at most `timeout`.
pub fn call_control(
    socket: &Path,
    method: Method,
    args: &Args,
    timeout: Duration,
) -> Result<String, ClientError> {
    control::call(socket, method, args, timeout)
}

/// Calls cwmpd over ubus when ubusd answers at `ubus_socket` and has the `tr069` object, else
/// over the control socket; [`ClientError::NotRunning`] when neither leads to cwmpd.
///
/// Once ubus has accepted the call, its answer is final (an error is not retried on the control
/// socket: the daemon may have acted on it).
pub fn call(
    ubus_socket: &Path,
    control_socket: &Path,
    method: Method,
    args: &Args,
    timeout: Duration,
) -> Result<String, ClientError> {
    match call_ubus(ubus_socket, method, args, timeout) {
        Err(ubus @ (ClientError::Connect { .. } | ClientError::NoObject { .. })) => {
            match call_control(control_socket, method, args, timeout) {
                Err(control @ ClientError::Connect { .. }) => Err(ClientError::NotRunning {
                    ubus: Box::new(ubus),
                    control: Box::new(control),
                }),
                other => other,
            }
        }
        other => other,
    }
}
