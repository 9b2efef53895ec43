//! The `tr069` control API: the three methods of `seed/tr069-ubus-api.md` as one typed
//! request/reply API, shared by two codecs.
//!
//! Responsible for the typed requests ([`Request`], [`Command`], [`InformRequest`],
//! [`InformEvent`]) and their validation exactly per the seed, the typed replies
//! ([`StatusReply`], [`ResultReply`]) with the status and info values icwmp gives, the trait the
//! agent implements ([`ControlHandler`]) and [`dispatch`]. The codecs are [`blobmsg`] (ubus:
//! decode an INVOKE's method and `DATA`, encode the reply table) and [`json`] (the local control
//! socket on hosts without ubusd). Not responsible for doing anything: the agent behind
//! [`ControlHandler`] starts sessions, reloads and reboots.
//!
//! Validation: `command` must be one of [`Command`]'s names; `event` one of [`InformEvent`]'s;
//! `GetRPCMethods` a boolean. A wrong type, a value outside those lists, a missing `command`, an
//! unknown or repeated argument (the seed forbids additional properties) and `null` all give
//! [`ControlError::InvalidArgument`] (ubus status 2) before the agent sees the request. Both
//! `inform` arguments are optional: `{}` asks for a session now (see
//! [`InformRequest::effective_event`]). A valid request the agent refuses is answered with
//! `{status: -1, info}`.

pub mod blobmsg;
pub mod json;

#[cfg(test)]
mod equivalence;

use core::fmt;

use crate::sink::SliceSink;
use crate::time::UnixTime;
use crate::ubus::blobmsg::Type;
use crate::ubus::msg::Status;
use crate::ubus::object::{ArgDef, MethodDef, ObjectDef};

/// The `tr069` object as registered on ubus: method order and signature as icwmp's (vector b1).
pub const TR069_OBJECT: ObjectDef = ObjectDef {
    name: "tr069",
    methods: &[
        MethodDef {
            name: "status",
            args: &[],
        },
        MethodDef {
            name: "inform",
            args: &[
                ArgDef {
                    name: "GetRPCMethods",
                    kind: Type::BOOL,
                },
                ArgDef {
                    name: "event",
                    kind: Type::String,
                },
            ],
        },
        MethodDef {
            name: "command",
            args: &[ArgDef {
                name: "command",
                kind: Type::String,
            }],
        },
    ],
};

/// One of the three methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `command`: act on the daemon.
    Command,
    /// `inform`: start a session.
    Inform,
    /// `status`: report the daemon's state.
    Status,
}

impl Method {
    /// Every method.
    pub const ALL: [Method; 3] = [Method::Command, Method::Inform, Method::Status];

    /// The method called `name`.
    pub fn from_name(name: &[u8]) -> Option<Method> {
        Method::ALL
            .into_iter()
            .find(|m| m.name().as_bytes() == name)
    }

    /// The method's name.
    pub const fn name(self) -> &'static str {
        match self {
            Method::Command => "command",
            Method::Inform => "inform",
            Method::Status => "status",
        }
    }
}

/// The `command` argument's allowed values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// `reload_end_session`: reload the configuration once the current session ends.
    ReloadEndSession,
    /// `reload`: reload the configuration now, or at the end of a running session.
    Reload,
    /// `reboot_end_session`: reboot the device once the current session ends.
    RebootEndSession,
    /// `action_end_session`: run the scheduled end-of-session actions once the session ends.
    ActionEndSession,
    /// `exit`: stop the daemon.
    Exit,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 5] = [
        Command::ReloadEndSession,
        Command::Reload,
        Command::RebootEndSession,
        Command::ActionEndSession,
        Command::Exit,
    ];

    /// The command called `name`.
    pub fn from_name(name: &[u8]) -> Option<Command> {
        Command::ALL
            .into_iter()
            .find(|c| c.name().as_bytes() == name)
    }

    /// The command's name on the wire.
    pub const fn name(self) -> &'static str {
        match self {
            Command::ReloadEndSession => "reload_end_session",
            Command::Reload => "reload",
            Command::RebootEndSession => "reboot_end_session",
            Command::ActionEndSession => "action_end_session",
            Command::Exit => "exit",
        }
    }
}

/// The `event` argument's allowed values (TR-069 event codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InformEvent {
    /// `1 BOOT`.
    Boot,
    /// `2 PERIODIC`.
    Periodic,
    /// `3 SCHEDULED`.
    Scheduled,
    /// `4 VALUE CHANGE`.
    ValueChange,
    /// `6 CONNECTION REQUEST`.
    ConnectionRequest,
    /// `8 DIAGNOSTICS COMPLETE`.
    DiagnosticsComplete,
}

impl InformEvent {
    /// Every event.
    pub const ALL: [InformEvent; 6] = [
        InformEvent::Boot,
        InformEvent::Periodic,
        InformEvent::Scheduled,
        InformEvent::ValueChange,
        InformEvent::ConnectionRequest,
        InformEvent::DiagnosticsComplete,
    ];

    /// The event called `name`.
    pub fn from_name(name: &[u8]) -> Option<InformEvent> {
        InformEvent::ALL
            .into_iter()
            .find(|e| e.name().as_bytes() == name)
    }

    /// The event code as it appears in the request and on the CWMP wire.
    pub const fn name(self) -> &'static str {
        match self {
            InformEvent::Boot => "1 BOOT",
            InformEvent::Periodic => "2 PERIODIC",
            InformEvent::Scheduled => "3 SCHEDULED",
            InformEvent::ValueChange => "4 VALUE CHANGE",
            InformEvent::ConnectionRequest => "6 CONNECTION REQUEST",
            InformEvent::DiagnosticsComplete => "8 DIAGNOSTICS COMPLETE",
        }
    }
}

/// An `inform` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct InformRequest {
    /// `GetRPCMethods`: send a GetRPCMethods to the ACS in the session (absent = false).
    pub get_rpc_methods: bool,
    /// `event`: the event to report (absent = none given).
    pub event: Option<InformEvent>,
}

impl InformRequest {
    /// The event the session reports, as icwmp chooses it: the given one; else `2 PERIODIC` for a
    /// GetRPCMethods session; else `6 CONNECTION REQUEST` (an external request for a session).
    pub fn effective_event(&self) -> InformEvent {
        match (self.event, self.get_rpc_methods) {
            (Some(e), _) => e,
            (None, true) => InformEvent::Periodic,
            (None, false) => InformEvent::ConnectionRequest,
        }
    }
}

/// A validated request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Request {
    /// `command`.
    Command(Command),
    /// `inform`.
    Inform(InformRequest),
    /// `status`.
    Status,
}

impl Request {
    /// The method this request calls.
    pub fn method(&self) -> Method {
        match self {
            Request::Command(_) => Method::Command,
            Request::Inform(_) => Method::Inform,
            Request::Status => Method::Status,
        }
    }
}

/// Why a request was not accepted; each maps to the ubus status the caller sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlError {
    /// No such method (ubus 3, `METHOD_NOT_FOUND`).
    MethodNotFound,
    /// Arguments do not match the seed (ubus 2, `INVALID_ARGUMENT`).
    InvalidArgument,
    /// The JSON line is not a request object (ubus 12, `PARSE_ERROR`; JSON codec only).
    ParseError,
}

impl ControlError {
    /// The ubus status for this error.
    pub const fn status(self) -> Status {
        match self {
            ControlError::MethodNotFound => Status::MethodNotFound,
            ControlError::InvalidArgument => Status::InvalidArgument,
            ControlError::ParseError => Status::ParseError,
        }
    }
}

impl fmt::Display for ControlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.status().text())
    }
}

/// The arguments as both codecs extract them: known names only, each at most once, each of its
/// declared type. The codecs reject anything else with `InvalidArgument`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Args<'a> {
    pub command: Option<&'a [u8]>,
    pub get_rpc_methods: Option<bool>,
    pub event: Option<&'a [u8]>,
}

/// An argument name both codecs know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ArgName {
    Command,
    GetRpcMethods,
    Event,
}

impl ArgName {
    pub(crate) fn from_name(name: &[u8]) -> Option<ArgName> {
        match name {
            b"command" => Some(ArgName::Command),
            b"GetRPCMethods" => Some(ArgName::GetRpcMethods),
            b"event" => Some(ArgName::Event),
            _ => None,
        }
    }
}

/// Stores `value` in `slot`, refusing a second value for the same name.
pub(crate) fn set_once<T>(slot: &mut Option<T>, value: T) -> Result<(), ControlError> {
    if slot.is_some() {
        return Err(ControlError::InvalidArgument);
    }
    *slot = Some(value);
    Ok(())
}

impl Request {
    /// Validates the arguments of `method` per the seed.
    pub(crate) fn from_args(method: Method, args: Args<'_>) -> Result<Request, ControlError> {
        match method {
            Method::Status => match args {
                Args {
                    command: None,
                    get_rpc_methods: None,
                    event: None,
                } => Ok(Request::Status),
                _ => Err(ControlError::InvalidArgument),
            },
            Method::Command => match args {
                Args {
                    command: Some(name),
                    get_rpc_methods: None,
                    event: None,
                } => Command::from_name(name)
                    .map(Request::Command)
                    .ok_or(ControlError::InvalidArgument),
                _ => Err(ControlError::InvalidArgument),
            },
            Method::Inform => {
                if args.command.is_some() {
                    return Err(ControlError::InvalidArgument);
                }
                let event = match args.event {
                    Some(name) => {
                        Some(InformEvent::from_name(name).ok_or(ControlError::InvalidArgument)?)
                    }
                    None => None,
                };
                Ok(Request::Inform(InformRequest {
                    get_rpc_methods: args.get_rpc_methods.unwrap_or(false),
                    event,
                }))
            }
        }
    }
}

/// `cwmp.status`: the daemon's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceStatus {
    /// `up`: the daemon runs and answers (icwmp never reports anything else).
    Up,
}

impl ServiceStatus {
    /// The string on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Up => "up",
        }
    }
}

/// `cwmp`: the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CwmpInfo<'a> {
    /// `acs_url`: the ACS URL in use.
    pub acs_url: &'a str,
    /// `start_time`: when the daemon started (`N/A` when the clock was not known).
    pub start_time: Option<UnixTime>,
    /// `status`.
    pub status: ServiceStatus,
}

/// `last_session`: the most recent session since the daemon started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LastSession {
    /// No session yet: status, start and end are all `N/A`.
    None,
    /// `running`: a session is in progress (end `N/A`).
    Running {
        /// When it started.
        start: UnixTime,
    },
    /// `success`: the last session ended normally.
    Success {
        /// When it started.
        start: UnixTime,
        /// When it ended.
        end: UnixTime,
    },
    /// `failure`: the last session failed (it will be retried).
    Failure {
        /// When it started.
        start: UnixTime,
        /// When it ended.
        end: UnixTime,
    },
}

impl LastSession {
    /// The `status` string.
    pub const fn status_str(&self) -> &'static str {
        match self {
            LastSession::None => NOT_AVAILABLE,
            LastSession::Running { .. } => "running",
            LastSession::Success { .. } => "success",
            LastSession::Failure { .. } => "failure",
        }
    }

    /// `start_time`.
    pub const fn start_time(&self) -> Option<UnixTime> {
        match self {
            LastSession::None => None,
            LastSession::Running { start }
            | LastSession::Success { start, .. }
            | LastSession::Failure { start, .. } => Some(*start),
        }
    }

    /// `end_time`.
    pub const fn end_time(&self) -> Option<UnixTime> {
        match self {
            LastSession::None | LastSession::Running { .. } => None,
            LastSession::Success { end, .. } | LastSession::Failure { end, .. } => Some(*end),
        }
    }
}

/// `next_session`: the next scheduled session (status always `waiting`, end always `N/A`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NextSession {
    /// `start_time`: when it is due (periodic inform, retry or scheduled inform, whichever comes
    /// first; `N/A` when nothing is scheduled).
    pub start_time: Option<UnixTime>,
}

impl NextSession {
    /// The `status` string: a scheduled session is always `waiting`.
    pub const STATUS: &'static str = "waiting";
}

/// `statistics`: sessions since the daemon started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Statistics {
    /// `success_sessions`.
    pub success_sessions: u32,
    /// `failure_sessions`.
    pub failure_sessions: u32,
}

impl Statistics {
    /// `total_sessions`: finished sessions, success plus failure (a running one is not counted).
    pub const fn total_sessions(&self) -> u32 {
        self.success_sessions.saturating_add(self.failure_sessions)
    }
}

/// The `status` reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusReply<'a> {
    /// `cwmp`.
    pub cwmp: CwmpInfo<'a>,
    /// `last_session`.
    pub last_session: LastSession,
    /// `next_session`.
    pub next_session: NextSession,
    /// `statistics`.
    pub statistics: Statistics,
}

/// The `{status, info}` reply of `command` and `inform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResultReply<'a> {
    /// `status`: see [`InformOutcome`] and [`CommandOutcome`] for the values.
    pub status: i32,
    /// `info`: a human-readable explanation.
    pub info: &'a str,
}

/// Any reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reply<'a> {
    /// To `status`.
    Status(StatusReply<'a>),
    /// To `command` or `inform`.
    Result(ResultReply<'a>),
}

/// `status` value of an accepted `command` (icwmp).
pub const COMMAND_ACCEPTED: i32 = 0;
/// `status` value of an accepted `inform` (icwmp answers 1 here, not 0).
pub const INFORM_ACCEPTED: i32 = 1;
/// `status` value of a refused `command` or `inform` (icwmp).
pub const REFUSED: i32 = -1;

/// What the agent did with an `inform`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InformOutcome<'a> {
    /// A session starts now.
    Started,
    /// A session is running; the event goes into the next one, right after it.
    Queued,
    /// Refused (e.g. the event queue is full); the reason is the `info`.
    Refused(&'a str),
}

impl<'a> InformOutcome<'a> {
    /// The `{status, info}` answer to `request`.
    pub fn reply(self, request: &InformRequest) -> ResultReply<'a> {
        match self {
            InformOutcome::Started if request.get_rpc_methods => ResultReply {
                status: INFORM_ACCEPTED,
                info: "Session with GetRPCMethods will start",
            },
            InformOutcome::Started => ResultReply {
                status: INFORM_ACCEPTED,
                info: "Session started",
            },
            InformOutcome::Queued => ResultReply {
                status: INFORM_ACCEPTED,
                info: "Session already running, event will be sent at the end of the session",
            },
            InformOutcome::Refused(info) => ResultReply {
                status: REFUSED,
                info,
            },
        }
    }
}

/// What the agent did with a `command`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CommandOutcome<'a> {
    /// Done now (`reload`: configuration reloaded; `exit`: stopping after this answer), or, for
    /// the `*_end_session` commands, recorded for the end of the session.
    Done,
    /// A session is running: done at its end (`reload` during a session).
    AtSessionEnd,
    /// Refused (e.g. the configuration does not load); the reason is the `info`.
    Refused(&'a str),
}

impl<'a> CommandOutcome<'a> {
    /// The `{status, info}` answer to `command`.
    pub fn reply(self, command: Command) -> ResultReply<'a> {
        let info = match (self, command) {
            (CommandOutcome::Refused(info), _) => {
                return ResultReply {
                    status: REFUSED,
                    info,
                };
            }
            (CommandOutcome::Done, Command::Reload) => "cwmpd config reloaded",
            (CommandOutcome::AtSessionEnd, Command::Reload) => {
                "Session running, reload at the end of the session"
            }
            (_, Command::ReloadEndSession) => "cwmpd config will reload at the end of the session",
            (_, Command::RebootEndSession) => "cwmpd will reboot at the end of the session",
            (_, Command::ActionEndSession) => {
                "cwmpd will execute the scheduled action commands at the end of the session"
            }
            (_, Command::Exit) => "cwmpd daemon stopped",
        };
        ResultReply {
            status: COMMAND_ACCEPTED,
            info,
        }
    }
}

/// What the agent implements to serve the `tr069` object.
pub trait ControlHandler {
    /// The current state, for `status`.
    fn status(&self) -> StatusReply<'_>;
    /// Start (or queue) a session for `request`.
    fn inform(&mut self, request: InformRequest) -> InformOutcome<'_>;
    /// Carry out `command`. For [`Command::Exit`] the daemon stops after the answer is sent.
    fn command(&mut self, command: Command) -> CommandOutcome<'_>;
}

/// Hands a validated request to the agent and shapes its answer.
pub fn dispatch<H: ControlHandler + ?Sized>(handler: &mut H, request: Request) -> Reply<'_> {
    match request {
        Request::Status => Reply::Status(handler.status()),
        Request::Inform(req) => Reply::Result(handler.inform(req).reply(&req)),
        Request::Command(cmd) => Reply::Result(handler.command(cmd).reply(cmd)),
    }
}

/// What a time field holds when there is no time (icwmp's spelling).
pub const NOT_AVAILABLE: &str = "N/A";

/// A time field's text: `YYYY-MM-DDThh:mm:ssZ` (UTC) or `N/A`.
#[derive(Clone, Copy)]
pub struct TimeText {
    buf: [u8; 20],
    len: usize,
}

impl TimeText {
    /// Renders `t`.
    pub fn new(t: Option<UnixTime>) -> TimeText {
        let mut out = TimeText {
            buf: [0; 20],
            len: 0,
        };
        let Some(t) = t else {
            // "N/A" is 3 bytes, the buffer 20.
            out.buf[..3].copy_from_slice(NOT_AVAILABLE.as_bytes());
            out.len = 3;
            return out;
        };
        let mut sink = SliceSink::new(&mut out.buf);
        // from_unix clamps to years 1..=9999 and has no fraction: always exactly 20 bytes.
        let written = t.to_datetime().write(&mut sink).is_ok();
        out.len = if written { sink.len() } else { 0 };
        out
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        core::str::from_utf8(self.buf.get(..self.len).unwrap_or(&[])).unwrap_or(NOT_AVAILABLE)
    }
}

impl fmt::Debug for TimeText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A test double for the agent.

    use super::*;

    /// Records calls and answers with configured outcomes.
    #[derive(Debug)]
    pub struct FakeAgent {
        pub status: StatusReply<'static>,
        pub inform_outcome: InformOutcome<'static>,
        pub command_outcome: CommandOutcome<'static>,
        pub informs: std::vec::Vec<InformRequest>,
        pub commands: std::vec::Vec<Command>,
    }

    impl FakeAgent {
        pub fn new() -> Self {
            FakeAgent {
                status: StatusReply {
                    cwmp: CwmpInfo {
                        acs_url: "http://127.0.0.1:7547/",
                        start_time: Some(UnixTime(1_704_067_200)),
                        status: ServiceStatus::Up,
                    },
                    last_session: LastSession::Success {
                        start: UnixTime(1_704_067_205),
                        end: UnixTime(1_704_067_207),
                    },
                    next_session: NextSession {
                        start_time: Some(UnixTime(1_704_067_505)),
                    },
                    statistics: Statistics {
                        success_sessions: 3,
                        failure_sessions: 0,
                    },
                },
                inform_outcome: InformOutcome::Started,
                command_outcome: CommandOutcome::Done,
                informs: std::vec::Vec::new(),
                commands: std::vec::Vec::new(),
            }
        }
    }

    impl ControlHandler for FakeAgent {
        fn status(&self) -> StatusReply<'_> {
            self.status
        }
        fn inform(&mut self, request: InformRequest) -> InformOutcome<'_> {
            self.informs.push(request);
            self.inform_outcome
        }
        fn command(&mut self, command: Command) -> CommandOutcome<'_> {
            self.commands.push(command);
            self.command_outcome
        }
    }
}

#[cfg(test)]
mod tests {
    use super::testing::FakeAgent;
    use super::*;

    fn args<'a>(
        command: Option<&'a str>,
        get_rpc_methods: Option<bool>,
        event: Option<&'a str>,
    ) -> Args<'a> {
        Args {
            command: command.map(str::as_bytes),
            get_rpc_methods,
            event: event.map(str::as_bytes),
        }
    }

    #[test]
    fn every_seed_command_is_accepted() {
        for name in [
            "reload_end_session",
            "reload",
            "reboot_end_session",
            "action_end_session",
            "exit",
        ] {
            let req = Request::from_args(Method::Command, args(Some(name), None, None)).unwrap();
            assert_eq!(
                req,
                Request::Command(Command::from_name(name.as_bytes()).unwrap())
            );
        }
    }

    #[test]
    fn unknown_command_is_invalid_argument() {
        assert_eq!(
            Request::from_args(Method::Command, args(Some("reboot"), None, None)),
            Err(ControlError::InvalidArgument)
        );
    }

    #[test]
    fn command_is_required() {
        assert_eq!(
            Request::from_args(Method::Command, Args::default()),
            Err(ControlError::InvalidArgument)
        );
    }

    #[test]
    fn every_seed_event_is_accepted() {
        for name in [
            "1 BOOT",
            "2 PERIODIC",
            "3 SCHEDULED",
            "4 VALUE CHANGE",
            "6 CONNECTION REQUEST",
            "8 DIAGNOSTICS COMPLETE",
        ] {
            let req = Request::from_args(Method::Inform, args(None, None, Some(name))).unwrap();
            let Request::Inform(inform) = req else {
                panic!("not an inform");
            };
            assert_eq!(inform.event.map(InformEvent::name), Some(name));
        }
    }

    #[test]
    fn events_outside_the_seed_are_invalid_argument() {
        for name in [
            "0 BOOTSTRAP",
            "7 TRANSFER COMPLETE",
            "1 boot",
            "1 BOOT ",
            "",
        ] {
            assert_eq!(
                Request::from_args(Method::Inform, args(None, None, Some(name))),
                Err(ControlError::InvalidArgument),
                "{name:?}"
            );
        }
    }

    #[test]
    fn empty_inform_is_valid_and_means_connection_request() {
        let req = Request::from_args(Method::Inform, Args::default()).unwrap();
        let Request::Inform(inform) = req else {
            panic!("not an inform");
        };
        assert_eq!(inform, InformRequest::default());
        assert_eq!(inform.effective_event(), InformEvent::ConnectionRequest);
    }

    #[test]
    fn get_rpc_methods_alone_means_periodic() {
        let req = InformRequest {
            get_rpc_methods: true,
            event: None,
        };
        assert_eq!(req.effective_event(), InformEvent::Periodic);
    }

    #[test]
    fn status_takes_no_arguments() {
        assert_eq!(
            Request::from_args(Method::Status, Args::default()),
            Ok(Request::Status)
        );
        assert_eq!(
            Request::from_args(Method::Status, args(None, Some(true), None)),
            Err(ControlError::InvalidArgument)
        );
    }

    #[test]
    fn inform_refuses_command_argument() {
        assert_eq!(
            Request::from_args(Method::Inform, args(Some("reload"), None, None)),
            Err(ControlError::InvalidArgument)
        );
    }

    #[test]
    fn accepted_inform_answers_status_one_like_icwmp() {
        let mut agent = FakeAgent::new();
        let req = InformRequest {
            get_rpc_methods: false,
            event: Some(InformEvent::Boot),
        };
        let reply = dispatch(&mut agent, Request::Inform(req));
        assert_eq!(
            reply,
            Reply::Result(ResultReply {
                status: 1,
                info: "Session started"
            })
        );
        assert_eq!(agent.informs, [req]);
    }

    #[test]
    fn refused_requests_answer_minus_one_with_reason() {
        let mut agent = FakeAgent::new();
        agent.command_outcome = CommandOutcome::Refused("cwmpd config reload failed");
        let reply = dispatch(&mut agent, Request::Command(Command::Reload));
        assert_eq!(
            reply,
            Reply::Result(ResultReply {
                status: -1,
                info: "cwmpd config reload failed"
            })
        );
    }

    #[test]
    fn reload_during_session_is_deferred() {
        assert_eq!(
            CommandOutcome::AtSessionEnd.reply(Command::Reload),
            ResultReply {
                status: 0,
                info: "Session running, reload at the end of the session"
            }
        );
    }

    #[test]
    fn time_text_is_iso8601_utc_or_na() {
        assert_eq!(
            TimeText::new(Some(UnixTime(1_704_067_200))).as_str(),
            "2024-01-01T00:00:00Z"
        );
        assert_eq!(TimeText::new(None).as_str(), "N/A");
        assert_eq!(
            TimeText::new(Some(UnixTime(i64::MAX))).as_str(),
            "9999-12-31T23:59:59Z"
        );
    }

    #[test]
    fn total_sessions_is_success_plus_failure() {
        let s = Statistics {
            success_sessions: 3,
            failure_sessions: 2,
        };
        assert_eq!(s.total_sessions(), 5);
        let big = Statistics {
            success_sessions: u32::MAX,
            failure_sessions: 1,
        };
        assert_eq!(big.total_sessions(), u32::MAX);
    }

    #[test]
    fn last_session_fields_follow_its_state() {
        let none = LastSession::None;
        assert_eq!(
            (none.status_str(), none.start_time(), none.end_time()),
            ("N/A", None, None)
        );
        let running = LastSession::Running { start: UnixTime(5) };
        assert_eq!(
            (
                running.status_str(),
                running.start_time(),
                running.end_time()
            ),
            ("running", Some(UnixTime(5)), None)
        );
        let failed = LastSession::Failure {
            start: UnixTime(5),
            end: UnixTime(9),
        };
        assert_eq!(failed.status_str(), "failure");
        assert_eq!(failed.end_time(), Some(UnixTime(9)));
    }
}
