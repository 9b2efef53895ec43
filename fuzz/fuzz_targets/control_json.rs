//! Arbitrary bytes as control-socket request lines: line framing, decoding, and the reply line.
#![no_main]

use cwmp_core::control::{
    Command, CommandOutcome, ControlHandler, CwmpInfo, InformOutcome, InformRequest, LastSession,
    NextSession, ServiceStatus, Statistics, StatusReply, json,
};
use cwmp_core::time::UnixTime;
use libfuzzer_sys::fuzz_target;

struct Agent;

impl ControlHandler for Agent {
    fn status(&self) -> StatusReply<'_> {
        StatusReply {
            cwmp: CwmpInfo {
                acs_url: "http://acs/\"quoted\"",
                start_time: Some(UnixTime(i64::MIN)),
                status: ServiceStatus::Up,
            },
            last_session: LastSession::None,
            next_session: NextSession {
                start_time: Some(UnixTime(i64::MAX)),
            },
            statistics: Statistics {
                success_sessions: u32::MAX,
                failure_sessions: 1,
            },
        }
    }
    fn inform(&mut self, _: InformRequest) -> InformOutcome<'_> {
        InformOutcome::Started
    }
    fn command(&mut self, _: Command) -> CommandOutcome<'_> {
        CommandOutcome::AtSessionEnd
    }
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    let mut out = [0u8; 1024];
    let mut agent = Agent;
    loop {
        match json::line_len(rest) {
            json::Line::Complete { len } => {
                let (line, tail) = rest.split_at(len);
                let _ = json::serve(line, &mut agent, &mut out);
                rest = tail;
            }
            json::Line::TooLong => {
                let _ = json::encode_error(cwmp_core::control::ControlError::ParseError, &mut out);
                break;
            }
            json::Line::Partial => {
                let _ = json::serve(rest, &mut agent, &mut out);
                break;
            }
        }
    }
});
