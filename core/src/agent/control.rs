//! The `tr069` control API (`status`, `inform`, `command`) served by the agent.

use super::events::EventCode;
use super::{Agent, Clock, Effect, LastOutcome, Output};
use crate::control::{
    Command, CommandOutcome, ControlHandler, CwmpInfo, InformEvent, InformOutcome, InformRequest,
    LastSession, NextSession, ServiceStatus, Statistics, StatusReply,
};
use crate::time::UnixTime;

impl InformEvent {
    fn code(self) -> EventCode {
        match self {
            InformEvent::Boot => EventCode::Boot,
            InformEvent::Periodic => EventCode::Periodic,
            InformEvent::Scheduled => EventCode::Scheduled,
            InformEvent::ValueChange => EventCode::ValueChange,
            InformEvent::ConnectionRequest => EventCode::ConnectionRequest,
            InformEvent::DiagnosticsComplete => EventCode::DiagnosticsComplete,
        }
    }
}

impl Agent {
    /// When the next session is due, in wall-clock time (for `status`).
    fn next_session_time(&self) -> Option<UnixTime> {
        let wall = self.now.wall?;
        let next = [
            self.retry_at,
            self.periodic_at,
            self.heartbeat_at,
            self.scheduled.iter().map(|s| s.due).min(),
        ]
        .into_iter()
        .flatten()
        .min()?;
        let ahead = next.saturating_since(self.now.mono).as_secs();
        Some(UnixTime(
            wall.secs()
                .saturating_add(i64::try_from(ahead).unwrap_or(i64::MAX)),
        ))
    }

    /// Refreshes the agent's idea of the time (the control API has no clock argument).
    pub fn set_clock(&mut self, clock: Clock) {
        self.now = clock;
    }
}

impl ControlHandler for Agent {
    fn status(&self) -> StatusReply<'_> {
        let last_session = match self.last {
            LastOutcome::None => LastSession::None,
            LastOutcome::Running(start) => LastSession::Running { start },
            LastOutcome::Success(start, end) => LastSession::Success { start, end },
            LastOutcome::Failure(start, end) => LastSession::Failure { start, end },
        };
        StatusReply {
            cwmp: CwmpInfo {
                acs_url: &self.ms.url,
                start_time: self.started,
                status: ServiceStatus::Up,
            },
            last_session,
            next_session: NextSession {
                start_time: self.next_session_time(),
            },
            statistics: Statistics {
                success_sessions: self.stats_success,
                failure_sessions: self.stats_failure,
            },
        }
    }

    fn inform(&mut self, request: InformRequest) -> InformOutcome<'_> {
        if !self.can_start() {
            return InformOutcome::Refused("CWMP is disabled or has no ACS URL");
        }
        let running = self.session.is_some();
        if request.get_rpc_methods {
            self.want_get_rpc_methods = true;
        }
        let code = request.effective_event().code();
        if !self.raise(code, "", None) {
            return InformOutcome::Refused("event queue full");
        }
        let clock = self.now;
        self.maybe_start_session(clock);
        self.flush_dirty();
        if running {
            InformOutcome::Queued
        } else {
            InformOutcome::Started
        }
    }

    fn command(&mut self, command: Command) -> CommandOutcome<'_> {
        let running = self.session.is_some();
        let clock = self.now;
        match command {
            Command::Reload => {
                if running {
                    self.end.reload = true;
                    CommandOutcome::AtSessionEnd
                } else {
                    self.push_output(Output::Effect(Effect::ReloadConfig));
                    CommandOutcome::Done
                }
            }
            Command::ReloadEndSession => {
                if running {
                    self.end.reload = true;
                } else {
                    self.push_output(Output::Effect(Effect::ReloadConfig));
                }
                CommandOutcome::Done
            }
            Command::RebootEndSession => {
                if running {
                    self.end.reboot_by_command = true;
                } else {
                    self.dirty = false;
                    self.push_output(Output::Persist);
                    self.push_output(Output::Effect(Effect::Reboot));
                }
                CommandOutcome::Done
            }
            Command::ActionEndSession => {
                // The actions an ACS scheduled (reboot, factory reset, applies) run at the end of
                // the session; with none running, run what is waiting now.
                if !running {
                    self.run_applies();
                }
                CommandOutcome::Done
            }
            Command::Exit => {
                self.shutdown(clock);
                CommandOutcome::Done
            }
        }
    }
}
