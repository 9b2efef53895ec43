//! One `tr069` call over cwmpd's JSON control socket, blocking: one request line out, one
//! reply line back (framing in `cwmp_core::control::json`).
//!
//! Responsible for the exchange and for turning the reply line into the printed result or the
//! typed error it carries. Not responsible for the JSON grammar (`super::json`) nor for
//! choosing the control socket over ubus (`super::call`).

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use cwmp_core::control::Method;
use cwmp_core::ubus::msg::Status;

use super::json::{parse, request_line};
use super::pretty::JsonValue;
use super::{Args, ClientError};

/// Longest reply line accepted. The `status` reply is a few hundred bytes; the bound only
/// stops a peer that never sends a newline from growing the buffer without end.
pub(super) const MAX_REPLY_LINE: usize = 64 * 1024;

/// Shortest socket read timeout (a zero timeout would mean "block forever").
const MIN_WAIT: Duration = Duration::from_millis(1);

/// Calls `method` with `args` on the control socket at `socket`; the reply's `result`
/// pretty-printed, or its `error` as [`ClientError::Status`].
pub(super) fn call(
    socket: &Path,
    method: Method,
    args: &Args,
    timeout: Duration,
) -> Result<String, ClientError> {
    let mut stream = UnixStream::connect(socket).map_err(|error| ClientError::Connect {
        socket: socket.to_path_buf(),
        error,
    })?;
    let deadline = Instant::now() + timeout;
    stream
        .set_write_timeout(Some(timeout.max(MIN_WAIT)))
        .map_err(ClientError::Io)?;
    stream
        .write_all(request_line(method, args).as_bytes())
        .map_err(ClientError::Io)?;
    let line = read_line(&mut stream, deadline)?;
    interpret(&line)
}

/// Reads up to and including the first newline.
fn read_line(stream: &mut UnixStream, deadline: Instant) -> Result<Vec<u8>, ClientError> {
    let mut line = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(ClientError::Status(
                Status::Timeout.code(),
                Status::Timeout.text(),
            ));
        }
        stream
            .set_read_timeout(Some(left.max(MIN_WAIT)))
            .map_err(ClientError::Io)?;
        let n = match stream.read(&mut chunk) {
            Ok(0) => {
                return Err(ClientError::Protocol(
                    "the control socket closed without a reply".into(),
                ));
            }
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock
                        | io::ErrorKind::TimedOut
                        | io::ErrorKind::Interrupted
                ) =>
            {
                continue;
            }
            Err(e) => return Err(ClientError::Io(e)),
        };
        // `n` is at most the chunk's length.
        let got = &chunk[..n];
        if let Some(i) = got.iter().position(|&b| b == b'\n') {
            line.extend_from_slice(&got[..=i]);
            return Ok(line);
        }
        line.extend_from_slice(got);
        if line.len() > MAX_REPLY_LINE {
            return Err(ClientError::Protocol(format!(
                "reply line longer than {MAX_REPLY_LINE} bytes"
            )));
        }
    }
}

/// `{"result":…}` → the result printed; `{"error":{"code":N,…}}` → `Status(N, text)`.
fn interpret(line: &[u8]) -> Result<String, ClientError> {
    let reply = parse(line).map_err(|e| ClientError::Protocol(e.to_string()))?;
    if let Some(result) = reply.get("result") {
        return Ok(result.pretty());
    }
    let code = match reply.get("error").and_then(|e| e.get("code")) {
        Some(JsonValue::Number(n)) => n.parse::<i32>().ok(),
        _ => None,
    };
    match code {
        Some(0) => Err(ClientError::Protocol("error reply with code 0".into())),
        Some(code) => Err(ClientError::Status(code, Status::from_code(code).text())),
        None => Err(ClientError::Protocol(
            "reply has neither a result nor an error code".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_is_pretty_printed() {
        assert_eq!(
            interpret(b"{\"result\":{\"status\":1,\"info\":\"Session started\"}}\n").unwrap(),
            "{\n  \"status\": 1,\n  \"info\": \"Session started\"\n}"
        );
    }

    #[test]
    fn error_becomes_a_status_with_the_libubus_text() {
        let e = interpret(b"{\"error\":{\"code\":2,\"message\":\"whatever\"}}\n").unwrap_err();
        assert!(
            matches!(e, ClientError::Status(2, "Invalid argument")),
            "{e:?}"
        );
        let e = interpret(b"{\"error\":{\"code\":99}}").unwrap_err();
        assert!(
            matches!(e, ClientError::Status(99, "Unknown error")),
            "{e:?}"
        );
    }

    #[test]
    fn other_replies_are_protocol_errors() {
        for bad in [
            &b"{}"[..],
            b"{\"error\":{\"code\":\"2\"}}",
            b"{\"error\":{\"code\":2.5}}",
            b"{\"error\":{\"code\":0}}",
            b"[1]",
            b"not json",
        ] {
            assert!(
                matches!(interpret(bad), Err(ClientError::Protocol(_))),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }
}
