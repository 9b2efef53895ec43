//! Host-name resolution that never blocks the event loop.
//!
//! Responsible for turning a URL host into socket addresses: IP literals at once, names through
//! the system resolver (`getaddrinfo` via std's `ToSocketAddrs`) in a short-lived helper thread
//! whose answer comes back through a channel and wakes the loop with a `mio::Waker`; the loop
//! gives up at a deadline of its own. Not responsible for choosing among the addresses (the
//! connection tries them in the resolver's order) nor for caching.
//!
//! A lookup that misses its deadline is abandoned, not killed (`getaddrinfo` cannot be
//! interrupted): its thread ends when the system resolver gives up on its own and its answer is
//! dropped.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;
use std::time::Instant;

use mio::Waker;

/// Stack of a resolver thread: `getaddrinfo` with NSS modules needs more than musl's default
/// 128 KiB thread stack but far less than std's 2 MiB.
const RESOLVER_STACK: usize = 256 * 1024;

/// Why a host has no address.
#[derive(Debug)]
pub enum ResolveError {
    /// The resolver answered, but with no address (unknown name, no A/AAAA record).
    NotFound,
    /// No answer before the deadline.
    Timeout,
    /// The resolver failed (no resolver configured, or no thread could be started).
    Io(io::Error),
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::NotFound => f.write_str("host name not found"),
            ResolveError::Timeout => f.write_str("host name resolution timed out"),
            ResolveError::Io(e) => write!(f, "host name resolution failed: {e}"),
        }
    }
}

impl std::error::Error for ResolveError {}

/// Where a lookup stands.
#[derive(Debug)]
pub enum Lookup {
    /// No answer yet; poll again when woken or at [`Resolution::deadline`].
    Pending,
    /// The addresses, in the resolver's preference order (IPv4 and IPv6 mixed).
    Done(Vec<SocketAddr>),
    /// The lookup failed.
    Failed(ResolveError),
}

enum Source {
    /// Answered without a thread (IP literal), taken by the first poll.
    Ready(Option<Vec<SocketAddr>>),
    /// Waiting for the helper thread.
    Thread(Receiver<io::Result<Vec<SocketAddr>>>),
    /// The answer has been handed out.
    Finished,
}

/// One host-name lookup in progress.
pub struct Resolution {
    source: Source,
    deadline: Instant,
}

impl fmt::Debug for Resolution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Resolution")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl Resolution {
    /// Starts resolving `host` (a name, or an IPv4/IPv6 literal without brackets) for `port`.
    /// The thread wakes `waker` when it has an answer; the lookup fails at `deadline`.
    pub fn start(
        host: &str,
        port: u16,
        deadline: Instant,
        waker: Option<Arc<Waker>>,
    ) -> Result<Self, ResolveError> {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(Resolution {
                source: Source::Ready(Some(vec![SocketAddr::new(ip, port)])),
                deadline,
            });
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let name = host.to_owned();
        thread::Builder::new()
            .name("cwmp-resolve".into())
            .stack_size(RESOLVER_STACK)
            .spawn(move || {
                let answer = (name.as_str(), port)
                    .to_socket_addrs()
                    .map(|addrs| addrs.collect::<Vec<_>>());
                // The receiver is gone when the lookup was abandoned: nothing to tell then.
                if tx.send(answer).is_ok()
                    && let Some(waker) = waker
                    && let Err(e) = waker.wake()
                {
                    log::warn!("resolver cannot wake the event loop: {e}");
                }
            })
            .map_err(ResolveError::Io)?;
        Ok(Resolution {
            source: Source::Thread(rx),
            deadline,
        })
    }

    /// When the lookup gives up.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// Collects the answer if it has arrived, or the timeout if `now` is past the deadline.
    pub fn poll(&mut self, now: Instant) -> Lookup {
        let outcome = match &mut self.source {
            Source::Ready(addrs) => Some(addrs.take().map_or(Lookup::Pending, Lookup::Done)),
            Source::Thread(rx) => match rx.try_recv() {
                Ok(Ok(addrs)) if addrs.is_empty() => Some(Lookup::Failed(ResolveError::NotFound)),
                Ok(Ok(addrs)) => Some(Lookup::Done(addrs)),
                Ok(Err(e)) => Some(Lookup::Failed(classify(e))),
                Err(TryRecvError::Disconnected) => Some(Lookup::Failed(ResolveError::Io(
                    io::Error::other("resolver thread ended without an answer"),
                ))),
                Err(TryRecvError::Empty) if now >= self.deadline => {
                    Some(Lookup::Failed(ResolveError::Timeout))
                }
                Err(TryRecvError::Empty) => None,
            },
            Source::Finished => None,
        };
        match outcome {
            Some(lookup) => {
                self.source = Source::Finished;
                lookup
            }
            None => Lookup::Pending,
        }
    }
}

/// std reports "name not known" as an uncategorised error carrying the `getaddrinfo` text; any
/// answer that is not an OS error is the resolver saying the name does not exist.
fn classify(e: io::Error) -> ResolveError {
    if e.raw_os_error().is_none() && e.kind() != io::ErrorKind::InvalidInput {
        log::debug!("resolver: {e}");
        ResolveError::NotFound
    } else {
        ResolveError::Io(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn wait(r: &mut Resolution) -> Lookup {
        loop {
            match r.poll(Instant::now()) {
                Lookup::Pending => thread::sleep(Duration::from_millis(5)),
                other => return other,
            }
        }
    }

    #[test]
    fn ip_literals_resolve_without_a_thread() {
        let deadline = Instant::now();
        let mut r = Resolution::start("2001:db8::1", 443, deadline, None).unwrap();
        match r.poll(deadline) {
            Lookup::Done(addrs) => assert_eq!(addrs, ["[2001:db8::1]:443".parse().unwrap()]),
            other => panic!("{other:?}"),
        }
        assert!(matches!(r.poll(deadline), Lookup::Pending));
    }

    #[test]
    fn localhost_resolves_to_a_loopback_address() {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut r = Resolution::start("localhost", 7547, deadline, None).unwrap();
        match wait(&mut r) {
            Lookup::Done(addrs) => {
                assert!(
                    addrs
                        .iter()
                        .all(|a| a.ip().is_loopback() && a.port() == 7547)
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn past_deadline_without_answer_is_a_timeout() {
        let (_tx, rx) = mpsc::sync_channel(1);
        let now = Instant::now();
        let mut r = Resolution {
            source: Source::Thread(rx),
            deadline: now,
        };
        assert!(matches!(r.poll(now), Lookup::Failed(ResolveError::Timeout)));
    }
}
