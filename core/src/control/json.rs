//! The JSON codec of the control API, for the local control socket on hosts without ubusd.
//!
//! Responsible for the control socket's framing and for mapping JSON onto the same validation as
//! the ubus codec, so that equivalent input gives the same [`Request`]; not responsible for the
//! socket itself (the platform layer) nor for the rules (the parent module).
//!
//! # Framing
//!
//! A stream socket carrying one request per line and one reply per line, in order. A request is
//! a JSON object terminated by `\n` (a `\r` before it is tolerated), at most
//! [`CONTROL_MAX_LINE`] bytes including the newline:
//!
//! ```text
//! {"method":"status"}
//! {"method":"inform","args":{"GetRPCMethods":true,"event":"6 CONNECTION REQUEST"}}
//! {"method":"command","args":{"command":"reload"}}
//! ```
//!
//! `method` is one of `command`, `inform`, `status`; `args` is the same object `ubus call tr069
//! <method>` takes (absent = `{}`); no other member is allowed. The reply is one line, either
//! `{"result":<output>}` where `<output>` is exactly the object ubus would return, or
//! `{"error":{"code":<ubus status>,"message":"<libubus text>"}}`:
//!
//! ```text
//! {"result":{"status":0,"info":"cwmpd config reloaded"}}
//! {"error":{"code":2,"message":"Invalid argument"}}
//! ```
//!
//! Error codes: 12 (`PARSE_ERROR`) for a line that is not a request object (bad JSON, no
//! `method`, an unknown member, a line longer than the limit), 3 (`METHOD_NOT_FOUND`) for an
//! unknown method, 2 (`INVALID_ARGUMENT`) for arguments the seed does not allow. After a line
//! that is too long the server answers once and closes the connection.

use core::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeStruct, Serializer};
use serde_json_core::de::Error as DeError;

use super::{
    ArgName, Args, ControlError, ControlHandler, Method, NextSession, Reply, Request, StatusReply,
    TimeText, dispatch,
};
use crate::limits::{CONTROL_MAX_LINE, CONTROL_UNESCAPE_BUF};
use crate::sink::Full;

/// Where the next request line ends in a receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// No newline yet; read more.
    Partial,
    /// The first `len` bytes are one line, newline included.
    Complete {
        /// Line length including the newline.
        len: usize,
    },
    /// No newline within [`CONTROL_MAX_LINE`] bytes: answer [`ControlError::ParseError`] and
    /// close the connection.
    TooLong,
}

/// Finds the first request line in `buf`.
pub fn line_len(buf: &[u8]) -> Line {
    let window = buf.get(..CONTROL_MAX_LINE).unwrap_or(buf);
    match window.iter().position(|&b| b == b'\n') {
        Some(i) => Line::Complete { len: i + 1 },
        None if buf.len() >= CONTROL_MAX_LINE => Line::TooLong,
        None => Line::Partial,
    }
}

/// A short string from the request, unescaped into a fixed buffer; `None` when it is longer than
/// any name the API knows (it can then match nothing).
struct Text(Option<heapless::String<32>>);

impl Text {
    fn as_bytes(&self) -> &[u8] {
        self.0.as_ref().map_or(&[0xff][..], |s| s.as_bytes())
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                let mut s = heapless::String::new();
                Ok(Text(s.push_str(v).ok().map(|()| s)))
            }
        }
        d.deserialize_str(TextVisitor)
    }
}

/// Pass 1: the method name, everything else skipped.
struct Envelope {
    method: Text,
}

impl<'de> Deserialize<'de> for Envelope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Envelope, D::Error> {
        struct EnvelopeVisitor;
        impl<'de> Visitor<'de> for EnvelopeVisitor {
            type Value = Envelope;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Envelope, A::Error> {
                let mut method = None;
                let mut args = false;
                while let Some(key) = map.next_key::<Text>()? {
                    match key.as_bytes() {
                        b"method" if method.is_none() => method = Some(map.next_value::<Text>()?),
                        b"args" if !args => {
                            args = true;
                            map.next_value::<IgnoredAny>()?;
                        }
                        _ => return Err(de::Error::custom("unknown or repeated member")),
                    }
                }
                let method = method.ok_or_else(|| de::Error::missing_field("method"))?;
                Ok(Envelope { method })
            }
        }
        d.deserialize_map(EnvelopeVisitor)
    }
}

/// The arguments as JSON gives them, owned (strings may have been unescaped).
#[derive(Default)]
struct JsonArgs {
    command: Option<Text>,
    get_rpc_methods: Option<bool>,
    event: Option<Text>,
}

fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::custom("repeated argument"));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Deserialize<'de> for JsonArgs {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonArgs, D::Error> {
        struct ArgsVisitor;
        impl<'de> Visitor<'de> for ArgsVisitor {
            type Value = JsonArgs;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an argument object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonArgs, A::Error> {
                let mut out = JsonArgs::default();
                while let Some(key) = map.next_key::<Text>()? {
                    // Each value must have the declared type: `null` is none of them.
                    match ArgName::from_name(key.as_bytes()) {
                        Some(ArgName::Command) => once(&mut out.command, map.next_value()?)?,
                        Some(ArgName::GetRpcMethods) => {
                            once(&mut out.get_rpc_methods, map.next_value()?)?
                        }
                        Some(ArgName::Event) => once(&mut out.event, map.next_value()?)?,
                        None => return Err(de::Error::custom("unknown argument")),
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(ArgsVisitor)
    }
}

/// Pass 2: the arguments, the method skipped (pass 1 read it).
struct Arguments {
    args: JsonArgs,
}

impl<'de> Deserialize<'de> for Arguments {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Arguments, D::Error> {
        struct ArgumentsVisitor;
        impl<'de> Visitor<'de> for ArgumentsVisitor {
            type Value = Arguments;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a request object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Arguments, A::Error> {
                let mut args = JsonArgs::default();
                while let Some(key) = map.next_key::<Text>()? {
                    if key.as_bytes() == b"args" {
                        args = map.next_value()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Arguments { args })
            }
        }
        d.deserialize_map(ArgumentsVisitor)
    }
}

fn trim(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Decodes one request line (with or without its newline).
pub fn decode_request(line: &[u8]) -> Result<Request, ControlError> {
    let line = trim(line);
    let mut scratch = [0u8; CONTROL_UNESCAPE_BUF];
    let (envelope, _) = serde_json_core::from_slice_escaped::<Envelope>(line, &mut scratch)
        .map_err(|_| ControlError::ParseError)?;
    let method =
        Method::from_name(envelope.method.as_bytes()).ok_or(ControlError::MethodNotFound)?;
    let (arguments, _) = serde_json_core::from_slice_escaped::<Arguments>(line, &mut scratch)
        .map_err(|e| match e {
            // A well-formed line whose arguments have the wrong shape.
            DeError::InvalidType | DeError::CustomError => ControlError::InvalidArgument,
            _ => ControlError::ParseError,
        })?;
    let json = &arguments.args;
    let args = Args {
        command: json.command.as_ref().map(Text::as_bytes),
        get_rpc_methods: json.get_rpc_methods,
        event: json.event.as_ref().map(Text::as_bytes),
    };
    Request::from_args(method, args)
}

struct ResultOut<'a>(&'a Reply<'a>);
struct Cwmp<'a>(&'a StatusReply<'a>);
struct Session {
    status: &'static str,
    start: TimeText,
    end: TimeText,
}
struct Stats(super::Statistics);

impl Serialize for ResultOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Reply::Result(r) => {
                let mut st = s.serialize_struct("result", 2)?;
                st.serialize_field("status", &r.status)?;
                st.serialize_field("info", r.info)?;
                st.end()
            }
            Reply::Status(r) => {
                let last = &r.last_session;
                let mut st = s.serialize_struct("status", 4)?;
                st.serialize_field("cwmp", &Cwmp(r))?;
                st.serialize_field(
                    "last_session",
                    &Session {
                        status: last.status_str(),
                        start: TimeText::new(last.start_time()),
                        end: TimeText::new(last.end_time()),
                    },
                )?;
                st.serialize_field(
                    "next_session",
                    &Session {
                        status: NextSession::STATUS,
                        start: TimeText::new(r.next_session.start_time),
                        end: TimeText::new(None),
                    },
                )?;
                st.serialize_field("statistics", &Stats(r.statistics))?;
                st.end()
            }
        }
    }
}

impl Serialize for Cwmp<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = &self.0.cwmp;
        let mut st = s.serialize_struct("cwmp", 3)?;
        st.serialize_field("status", c.status.as_str())?;
        st.serialize_field("start_time", TimeText::new(c.start_time).as_str())?;
        st.serialize_field("acs_url", c.acs_url)?;
        st.end()
    }
}

impl Serialize for Session {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("session", 3)?;
        st.serialize_field("status", self.status)?;
        st.serialize_field("start_time", self.start.as_str())?;
        st.serialize_field("end_time", self.end.as_str())?;
        st.end()
    }
}

impl Serialize for Stats {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("statistics", 3)?;
        st.serialize_field("success_sessions", &self.0.success_sessions)?;
        st.serialize_field("failure_sessions", &self.0.failure_sessions)?;
        st.serialize_field("total_sessions", &self.0.total_sessions())?;
        st.end()
    }
}

struct Wrapped<'a> {
    reply: Result<&'a Reply<'a>, ControlError>,
}

struct ErrorOut(ControlError);

impl Serialize for ErrorOut {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let status = self.0.status();
        let mut st = s.serialize_struct("error", 2)?;
        st.serialize_field("code", &status.code())?;
        st.serialize_field("message", status.text())?;
        st.end()
    }
}

impl Serialize for Wrapped<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("reply", 1)?;
        match self.reply {
            Ok(reply) => st.serialize_field("result", &ResultOut(reply))?,
            Err(e) => st.serialize_field("error", &ErrorOut(e))?,
        }
        st.end()
    }
}

fn write_line(value: &Wrapped<'_>, out: &mut [u8]) -> Result<usize, Full> {
    let n = serde_json_core::to_slice(value, out).map_err(|_| Full)?;
    let nl = out.get_mut(n).ok_or(Full)?;
    *nl = b'\n';
    Ok(n + 1)
}

/// Writes the reply line for `reply` into `out`; returns its length, newline included.
pub fn encode_reply(reply: &Reply<'_>, out: &mut [u8]) -> Result<usize, Full> {
    write_line(&Wrapped { reply: Ok(reply) }, out)
}

/// Writes the error line for `error` into `out`; returns its length, newline included.
pub fn encode_error(error: ControlError, out: &mut [u8]) -> Result<usize, Full> {
    write_line(&Wrapped { reply: Err(error) }, out)
}

/// Answers one request line: decodes it, lets `handler` act, writes the reply line into `out`.
pub fn serve<H: ControlHandler + ?Sized>(
    line: &[u8],
    handler: &mut H,
    out: &mut [u8],
) -> Result<usize, Full> {
    match decode_request(line) {
        Ok(request) => encode_reply(&dispatch(handler, request), out),
        Err(e) => encode_error(e, out),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::FakeAgent;
    use super::super::{Command, InformEvent, InformRequest};
    use super::*;

    fn reply_line(line: &str) -> std::string::String {
        let mut agent = FakeAgent::new();
        let mut out = [0u8; 1024];
        let n = serve(line.as_bytes(), &mut agent, &mut out).unwrap();
        std::string::String::from_utf8(out[..n].to_vec()).unwrap()
    }

    #[test]
    fn status_request_and_reply() {
        assert_eq!(
            decode_request(b"{\"method\":\"status\"}\n"),
            Ok(Request::Status)
        );
        assert_eq!(
            reply_line("{\"method\":\"status\",\"args\":{}}\n"),
            concat!(
                "{\"result\":{",
                "\"cwmp\":{\"status\":\"up\",\"start_time\":\"2024-01-01T00:00:00Z\",",
                "\"acs_url\":\"http://127.0.0.1:7547/\"},",
                "\"last_session\":{\"status\":\"success\",\"start_time\":\"2024-01-01T00:00:05Z\",",
                "\"end_time\":\"2024-01-01T00:00:07Z\"},",
                "\"next_session\":{\"status\":\"waiting\",\"start_time\":\"2024-01-01T00:05:05Z\",",
                "\"end_time\":\"N/A\"},",
                "\"statistics\":{\"success_sessions\":3,\"failure_sessions\":0,\"total_sessions\":3}",
                "}}\n"
            )
        );
    }

    #[test]
    fn inform_request_decodes() {
        assert_eq!(
            decode_request(
                b"{\"method\":\"inform\",\"args\":{\"GetRPCMethods\":true,\"event\":\"8 DIAGNOSTICS COMPLETE\"}}"
            ),
            Ok(Request::Inform(InformRequest {
                get_rpc_methods: true,
                event: Some(InformEvent::DiagnosticsComplete)
            }))
        );
    }

    #[test]
    fn escaped_strings_are_unescaped() {
        assert_eq!(
            decode_request(b"{\"method\":\"inform\",\"args\":{\"event\":\"1\\u0020BOOT\"}}"),
            Ok(Request::Inform(InformRequest {
                get_rpc_methods: false,
                event: Some(InformEvent::Boot)
            }))
        );
    }

    #[test]
    fn command_reply_line() {
        assert_eq!(
            reply_line("{\"args\":{\"command\":\"reload\"},\"method\":\"command\"}\r\n"),
            "{\"result\":{\"status\":0,\"info\":\"cwmpd config reloaded\"}}\n"
        );
    }

    #[test]
    fn wrong_types_and_values_are_invalid_argument() {
        for line in [
            r#"{"method":"command","args":{"command":"reboot"}}"#,
            r#"{"method":"command","args":{"command":1}}"#,
            r#"{"method":"command","args":{"command":null}}"#,
            r#"{"method":"command","args":{}}"#,
            r#"{"method":"command"}"#,
            r#"{"method":"command","args":{"command":"reload","command":"exit"}}"#,
            r#"{"method":"command","args":{"command":"reload","force":true}}"#,
            r#"{"method":"inform","args":{"GetRPCMethods":"true"}}"#,
            r#"{"method":"inform","args":{"GetRPCMethods":1}}"#,
            r#"{"method":"inform","args":{"event":"0 BOOTSTRAP"}}"#,
            r#"{"method":"inform","args":{"event":{}}}"#,
            r#"{"method":"inform","args":null}"#,
            r#"{"method":"inform","args":[]}"#,
            r#"{"method":"status","args":{"event":"1 BOOT"}}"#,
        ] {
            assert_eq!(
                decode_request(line.as_bytes()),
                Err(ControlError::InvalidArgument),
                "{line}"
            );
        }
    }

    #[test]
    fn unknown_method_is_method_not_found() {
        assert_eq!(
            decode_request(br#"{"method":"nosuch","args":{}}"#),
            Err(ControlError::MethodNotFound)
        );
        assert_eq!(
            reply_line("{\"method\":\"nosuch\"}\n"),
            "{\"error\":{\"code\":3,\"message\":\"Method not found\"}}\n"
        );
    }

    #[test]
    fn lines_that_are_not_requests_are_parse_errors() {
        for line in [
            "",
            "status",
            "{",
            "{\"method\":\"status\"",
            "{\"args\":{}}",
            "{\"method\":5}",
            "{\"method\":\"status\",\"extra\":1}",
            "{\"method\":\"status\",\"method\":\"status\"}",
            "[\"status\"]",
            "{\"method\":\"status\"} trailing",
        ] {
            assert_eq!(
                decode_request(line.as_bytes()),
                Err(ControlError::ParseError),
                "{line}"
            );
        }
        assert_eq!(
            reply_line("nonsense\n"),
            "{\"error\":{\"code\":12,\"message\":\"Parsing message data failed\"}}\n"
        );
    }

    #[test]
    fn refused_request_reply_line() {
        let mut agent = FakeAgent::new();
        agent.inform_outcome = super::super::InformOutcome::Refused("event queue full");
        let mut out = [0u8; 256];
        let n = serve(br#"{"method":"inform"}"#, &mut agent, &mut out).unwrap();
        assert_eq!(
            &out[..n],
            b"{\"result\":{\"status\":-1,\"info\":\"event queue full\"}}\n"
        );
        assert_eq!(agent.informs, [InformRequest::default()]);
    }

    #[test]
    fn info_is_escaped() {
        let mut agent = FakeAgent::new();
        agent.command_outcome = super::super::CommandOutcome::Refused("bad \"url\"\n");
        let mut out = [0u8; 256];
        let n = serve(
            br#"{"method":"command","args":{"command":"exit"}}"#,
            &mut agent,
            &mut out,
        )
        .unwrap();
        assert_eq!(
            &out[..n],
            b"{\"result\":{\"status\":-1,\"info\":\"bad \\\"url\\\"\\n\"}}\n"
        );
        assert_eq!(agent.commands, [Command::Exit]);
    }

    #[test]
    fn reply_that_does_not_fit_is_full() {
        let mut agent = FakeAgent::new();
        let mut out = [0u8; 16];
        assert_eq!(
            serve(br#"{"method":"status"}"#, &mut agent, &mut out),
            Err(Full)
        );
    }

    #[test]
    fn line_framing() {
        assert_eq!(line_len(b"{\"method\""), Line::Partial);
        assert_eq!(line_len(b"{}\n{}"), Line::Complete { len: 3 });
        let long = [b' '; CONTROL_MAX_LINE];
        assert_eq!(line_len(&long), Line::TooLong);
        let mut ok = [b' '; CONTROL_MAX_LINE];
        ok[CONTROL_MAX_LINE - 1] = b'\n';
        assert_eq!(
            line_len(&ok),
            Line::Complete {
                len: CONTROL_MAX_LINE
            }
        );
    }

    #[test]
    fn overlong_strings_cannot_match() {
        let long = std::format!(
            "{{\"method\":\"inform\",\"args\":{{\"event\":\"{}\"}}}}",
            "x".repeat(100)
        );
        assert_eq!(
            decode_request(long.as_bytes()),
            Err(ControlError::InvalidArgument)
        );
        let escaped = std::format!("{{\"method\":\"{}\"}}", "\\u0041".repeat(200));
        assert_eq!(
            decode_request(escaped.as_bytes()),
            Err(ControlError::ParseError)
        );
    }
}
