//! A scripted ACS for end-to-end tests of the real `cwmpd`: behaves like GenieACS 1.2.16 on the
//! wire (the captures in `testdata/vectors/genieacs`) unless a test asks otherwise.
//!
//! [`Acs::start`] listens on 127.0.0.1 over HTTP or HTTPS (a throw-away CA from `rcgen`, whose
//! PEM tests hand to the daemon). Each session opens with an Inform (InformResponse, cookie
//! `session=<16 hex>`, the Inform's `cwmp:ID` echoed); CPE requests are answered; on the empty
//! POST the queued [`Task`]s go out one per response and the session ends with
//! `204 No Content` + `Connection: close`. Everything is recorded: every HTTP exchange with
//! timestamps, and per session the parsed Inform, CPE requests and the CPE's reply to each task
//! as owned values ([`Session`], [`Message`]). [`AcsOptions`] adds authentication (Basic,
//! Digest), and [`Intercept`]s play protocol corners: 8005 faults, HoldRequests, redirects,
//! HTTP errors, silence, dropped connections; [`ConnectionMode`] closes after every response;
//! [`Acs::stop`] makes connections fail (refused) until [`Acs::restart`].
//!
//! Not here: a Connection Request client (tests use curl), a data model, file serving.
//!
//! ```no_run
//! use std::time::Duration;
//! use cwmp_bench::acs::{Acs, AcsOptions, Message, Task};
//!
//! let acs = Acs::start(AcsOptions::default());
//! // … start cwmpd with acs.url() …
//! acs.wait_for_sessions(1, Duration::from_secs(10));
//! acs.push(Task::set_parameter_values(
//!     &[("Device.ManagementServer.PeriodicInformInterval", "600", "xsd:unsignedInt")],
//!     "key-1",
//! ));
//! // … trigger a session (Connection Request with curl) …
//! let sessions = acs.wait_for_sessions(2, Duration::from_secs(10));
//! assert_eq!(
//!     sessions[1].reply_to("SetParameterValues"),
//!     Some(&Message::SetParameterValuesResponse { status: 0 })
//! );
//! ```

mod auth;
mod options;
mod record;
mod server;
mod session;
mod task;
mod tls;
mod wire;

pub use auth::Auth;
pub use cwmp_core::http::digest::Algorithm as DigestAlgorithm;
pub use options::{AcsOptions, Action, ConnectionMode, Intercept, TlsOptions, When};
pub use record::{
    AutonomousTransferComplete, ConnectionInfo, DeviceId, Event, Exchange, Fault, HttpRequest,
    HttpResponse, Inform, Message, OpResult, Outcome, ParameterAttribute, ParameterInfo,
    ParameterValue, QueuedTransfer, SentTask, Session, SpvFault, TransferComplete, TransferFault,
};
pub use session::Record;
pub use task::{
    DEFAULT_NAMESPACE, Download, DuOperation, EnvelopeHeader, SetAttribute, SetValue, Task, Upload,
    envelope,
};
pub use tls::TestPki;

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use server::{Listener, Shared};
use session::State;

/// Polls `cond` every 10 ms until it holds or `timeout` passes; true if it held (for state
/// outside the ACS, such as files the daemon writes; use [`Acs::wait_for`] for the record).
pub fn wait_until(mut cond: impl FnMut() -> bool, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if cond() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// A running test ACS. Dropping it stops it.
#[derive(Debug)]
pub struct Acs {
    shared: Arc<Shared>,
    listener: Option<Listener>,
    addr: SocketAddr,
    pki: Option<TestPki>,
    tls: Option<Arc<rustls::ServerConfig>>,
    scheme: &'static str,
    url_host: String,
    path: String,
}

impl Acs {
    /// Starts the ACS.
    ///
    /// # Panics
    /// When the port cannot be bound or the certificates cannot be generated (a test cannot
    /// go on without its ACS); [`Acs::try_start`] returns the error instead.
    pub fn start(options: AcsOptions) -> Acs {
        match Acs::try_start(options) {
            Ok(a) => a,
            Err(e) => panic!("cannot start the test ACS: {e}"),
        }
    }

    /// Starts the ACS, or says why it cannot.
    pub fn try_start(options: AcsOptions) -> io::Result<Acs> {
        let (pki, tls) = match &options.tls {
            Some(t) => {
                let pki = TestPki::generate(&t.names)?;
                let cfg = pki.server_config(t.require_client_cert)?;
                (Some(pki), Some(cfg))
            }
            None => (None, None),
        };
        let url_host = options.url_host.clone();
        let ipv6 = options.ipv6;
        let path = options.path.clone();
        let port = options.port;
        let shared = Shared::new(State::new(options));
        let listener = Listener::start(
            &shared,
            if ipv6 {
                SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port))
            } else {
                SocketAddr::from(([127, 0, 0, 1], port))
            },
            tls.clone(),
        )?;
        Ok(Acs {
            addr: listener.addr(),
            shared,
            listener: Some(listener),
            scheme: if pki.is_some() { "https" } else { "http" },
            pki,
            tls,
            url_host,
            path,
        })
    }

    /// The ACS URL (`http://127.0.0.1:PORT/`).
    pub fn url(&self) -> String {
        self.url_with_path(&self.path)
    }

    /// The URL of `path` on this ACS (for redirects to another path).
    pub fn url_with_path(&self, path: &str) -> String {
        format!(
            "{}://{}:{}{}",
            self.scheme,
            self.url_host,
            self.addr.port(),
            path
        )
    }

    /// The listening address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The test CA certificate (PEM) of an HTTPS ACS.
    pub fn ca_pem(&self) -> Option<&str> {
        self.pki.as_ref().map(|p| p.ca_pem.as_str())
    }

    /// The test CA certificate (DER) of an HTTPS ACS.
    pub fn ca_der(&self) -> Option<&[u8]> {
        self.pki.as_ref().map(|p| p.ca_der.as_slice())
    }

    /// Writes the CA certificate PEM to `path` (for the daemon's `ssl_capath`).
    pub fn write_ca_pem(&self, path: &Path) -> io::Result<()> {
        let pem = self
            .ca_pem()
            .ok_or_else(|| io::Error::other("the ACS is not HTTPS"))?;
        std::fs::write(path, pem)
    }

    /// Writes a client certificate the test CA signed, and its key, as PEM files.
    pub fn write_client_identity(&self, cert: &Path, key: &Path) -> io::Result<()> {
        let pki = self
            .pki
            .as_ref()
            .ok_or_else(|| io::Error::other("the ACS is not HTTPS"))?;
        std::fs::write(cert, &pki.client_cert_pem)?;
        std::fs::write(key, &pki.client_key_pem)
    }

    /// Queues a task for the next session of any device.
    pub fn push(&self, task: Task) {
        self.shared.update(|st| st.push(task));
    }

    /// Queues a task for one device (`OUI-ProductClass-Serial`, see [`DeviceId::acs_id`]);
    /// a device's own tasks go before the shared ones.
    pub fn push_for(&self, device: &str, task: Task) {
        self.shared.update(|st| st.push_for(device, task));
    }

    /// Tasks not sent yet.
    pub fn pending_tasks(&self) -> usize {
        self.shared.lock().pending_tasks()
    }

    /// Drops every queued task.
    pub fn clear_tasks(&self) {
        self.shared.update(State::clear_tasks);
    }

    /// Adds an intercept (after those already there).
    pub fn intercept(&self, i: Intercept) {
        self.shared.update(|st| st.options.intercepts.push(i));
    }

    /// Removes every intercept.
    pub fn clear_intercepts(&self) {
        self.shared.update(|st| st.options.intercepts.clear());
    }

    /// Changes how the CPE must authenticate from now on (connections already authenticated
    /// stay so).
    pub fn set_auth(&self, auth: Auth) {
        self.shared.update(|st| st.options.auth = auth);
    }

    /// A copy of everything recorded.
    pub fn record(&self) -> Record {
        self.shared.lock().record.clone()
    }

    /// Every session so far.
    pub fn sessions(&self) -> Vec<Session> {
        self.shared.lock().record.sessions.clone()
    }

    /// Every HTTP exchange so far (also those outside any session).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.shared.lock().record.exchanges.clone()
    }

    /// Every connection so far.
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        self.shared.lock().record.connections.clone()
    }

    /// Problems not tied to a session.
    pub fn errors(&self) -> Vec<String> {
        self.shared.lock().record.errors.clone()
    }

    /// The most recent Inform received.
    pub fn last_inform(&self) -> Option<Inform> {
        let st = self.shared.lock();
        st.record
            .sessions
            .iter()
            .rev()
            .find_map(|s| s.inform.clone())
    }

    /// Waits until `f` returns `Some` for the record (checked after every change), or
    /// `timeout` passes.
    pub fn wait_for<T>(
        &self,
        timeout: Duration,
        mut f: impl FnMut(&Record) -> Option<T>,
    ) -> Option<T> {
        let deadline = Instant::now() + timeout;
        let mut st = self.shared.lock();
        loop {
            if let Some(v) = f(&st.record) {
                return Some(v);
            }
            let now = Instant::now();
            if now >= deadline {
                return None;
            }
            st = match self.shared.changed.wait_timeout(st, deadline - now) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }

    /// Waits until `n` sessions have ended (any outcome) and returns all sessions.
    pub fn try_wait_for_sessions(&self, n: usize, timeout: Duration) -> Option<Vec<Session>> {
        self.wait_for(timeout, |r| {
            let ended = r
                .sessions
                .iter()
                .filter(|s| s.outcome != Outcome::InProgress)
                .count();
            (ended >= n).then(|| r.sessions.clone())
        })
    }

    /// Like [`Acs::try_wait_for_sessions`].
    ///
    /// # Panics
    /// When fewer than `n` sessions ended in time; the message shows what was recorded.
    pub fn wait_for_sessions(&self, n: usize, timeout: Duration) -> Vec<Session> {
        match self.try_wait_for_sessions(n, timeout) {
            Some(s) => s,
            None => panic!(
                "{n} ended ACS sessions expected within {timeout:?}; recorded: {:#?}",
                summary(&self.record())
            ),
        }
    }

    /// Stops listening and closes every connection: connecting is refused until
    /// [`Acs::restart`]. What was recorded and queued is kept.
    pub fn stop(&mut self) {
        if let Some(mut l) = self.listener.take() {
            l.stop(&self.shared);
        }
    }

    /// Listens again on the same port after [`Acs::stop`].
    pub fn restart(&mut self) -> io::Result<()> {
        if self.listener.is_none() {
            self.listener = Some(Listener::start(&self.shared, self.addr, self.tls.clone())?);
        }
        Ok(())
    }

    /// True while listening.
    pub fn is_running(&self) -> bool {
        self.listener.is_some()
    }
}

impl Drop for Acs {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A short view of the record for failure messages.
fn summary(r: &Record) -> Vec<String> {
    r.sessions
        .iter()
        .map(|s| {
            let posts: Vec<String> = s
                .exchanges
                .iter()
                .map(|x| {
                    format!(
                        "{} {} -> {}",
                        x.request.method,
                        if x.request.body.is_empty() {
                            "(empty)"
                        } else {
                            "(envelope)"
                        },
                        x.response
                            .as_ref()
                            .map_or("none".to_owned(), |r| r.status.to_string())
                    )
                })
                .collect();
            format!(
                "session {}: {:?}, events {:?}, tasks {:?}, errors {:?}, exchanges {:?}",
                s.index,
                s.outcome,
                s.event_codes(),
                s.tasks
                    .iter()
                    .map(|t| t.method.as_str())
                    .collect::<Vec<_>>(),
                s.errors,
                posts
            )
        })
        .chain(r.errors.iter().map(|e| format!("error: {e}")))
        .collect()
}
