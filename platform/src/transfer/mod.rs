//! File transfers for the Download and Upload RPCs, each in its own worker thread.
//!
//! Responsible for carrying out one transfer away from the event loop (HTTP/HTTPS GET into a
//! file or PUT from a file, with the same TLS settings as the ACS connection, redirects, Basic
//! and Digest file-server authentication, bounded memory: one [`TRANSFER_BUFFER_SIZE`] buffer
//! per transfer) and reporting a [`TransferResult`] with the CWMP fault code, the start and
//! completion times and the file's path, through a channel plus the loop's `mio::Waker`.
//! Dropping the [`TransferHandle`] stops the worker promptly. Not responsible for scheduling,
//! `DelaySeconds`, persistence of pending transfers, `TransferComplete` or applying a file:
//! the agent in core and the daemon do those.
//!
//! # How the loop uses it
//!
//! 1. [`TransferHandle::spawn`] with the request, the [`TransferOptions`] and a clone of the
//!    loop's waker (keep the loop's own `Arc`: a `mio::Waker` unregisters itself when the
//!    last reference is dropped, and the worker drops its clone when it ends).
//! 2. When the waker fires, call [`TransferHandle::poll_result`] on every running transfer;
//!    `Some(result)` ends that transfer (drop the handle).
//! 3. On exit, drop the handles: each stops its worker and waits for it.

mod blocking;
pub mod chunked;
mod download;
mod exchange;
mod failure;
mod request;
pub mod space;
mod upload;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cwmp_core::soap::FaultCode;
use cwmp_core::time::UnixTime;
use mio::{Poll, Waker};

use crate::net::{ConnectOptions, TlsConfig};
use blocking::{Reactor, WAKE};
use failure::{Direction, Stop};

/// Size of the one buffer a transfer moves its bytes through (request head, response head,
/// body blocks): big enough for any head core accepts (`HTTP_MAX_HEAD_BYTES`) and for one TLS
/// record, small enough for a router.
pub const TRANSFER_BUFFER_SIZE: usize = 16 * 1024;

/// Stack of a transfer worker: rustls and ring need more than the 64 KiB many small-thread
/// setups give, far less than std's 2 MiB default.
const WORKER_STACK: usize = 512 * 1024;

/// A Download RPC, as the worker needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// `URL` (`http:` or `https:`).
    pub url: String,
    /// `Username` for the file server (empty: none).
    pub username: String,
    /// `Password` for the file server.
    pub password: String,
    /// `FileSize` announced by the ACS; 0 when not given.
    pub file_size: u64,
    /// Where the file ends up; it is written to `<destination>.part` first.
    pub destination: PathBuf,
}

/// An Upload RPC, as the worker needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// `URL` (`http:` or `https:`).
    pub url: String,
    /// `Username` for the file server (empty: none).
    pub username: String,
    /// `Password` for the file server.
    pub password: String,
    /// The local file to send.
    pub source: PathBuf,
}

/// One transfer to carry out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferRequest {
    /// GET into a file.
    Download(Download),
    /// PUT from a file.
    Upload(Upload),
}

/// How transfers connect and how long they wait.
#[derive(Debug, Clone)]
pub struct TransferOptions {
    /// TLS configuration for `https:` URLs (the ACS connection's); `None` refuses them.
    pub tls: Option<TlsConfig>,
    /// Resolution, connect and handshake timeouts.
    pub connect: ConnectOptions,
    /// Longest time without any byte moving once connected before the transfer fails.
    pub silence_timeout: Duration,
    /// `User-Agent` value; empty omits the header.
    pub user_agent: String,
    /// Free bytes in a directory; [`space::filesystem_free_space`] unless a test or a
    /// platform with its own accounting says otherwise.
    pub free_space: fn(&Path) -> io::Result<u64>,
}

impl Default for TransferOptions {
    fn default() -> Self {
        TransferOptions {
            tls: None,
            connect: ConnectOptions::default(),
            silence_timeout: Duration::from_secs(30),
            user_agent: String::new(),
            free_space: space::filesystem_free_space,
        }
    }
}

/// Figures about a finished transfer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferStats {
    /// Body bytes received (download) or sent (upload).
    pub bytes: u64,
    /// Largest block written to the file or the connection at once: never more than
    /// [`TRANSFER_BUFFER_SIZE`], whatever the file size.
    pub largest_block: usize,
}

/// The outcome of a transfer, for `TransferComplete`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferResult {
    /// `FaultStruct.FaultCode`: 0 on success.
    pub fault: FaultCode,
    /// `FaultStruct.FaultString`: empty on success.
    pub fault_string: String,
    /// `StartTime`.
    pub start: UnixTime,
    /// `CompleteTime`.
    pub complete: UnixTime,
    /// The downloaded file (downloads that succeeded only).
    pub path: Option<PathBuf>,
    /// Byte counts.
    pub stats: TransferStats,
}

/// A running transfer. Dropping it cancels the worker and waits for it to stop.
pub struct TransferHandle {
    cancel: Arc<AtomicBool>,
    waker: Arc<Waker>,
    result: Receiver<TransferResult>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for TransferHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TransferHandle")
            .field("running", &self.thread.is_some())
            .finish_non_exhaustive()
    }
}

impl TransferHandle {
    /// Starts the transfer in a worker thread. When it ends, its result is queued and
    /// `notify` (the event loop's waker) is woken.
    pub fn spawn(
        request: TransferRequest,
        options: TransferOptions,
        notify: Option<Arc<Waker>>,
    ) -> io::Result<TransferHandle> {
        let poll = Poll::new()?;
        let waker = Arc::new(Waker::new(poll.registry(), WAKE)?);
        let cancel = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::sync_channel(1);
        let mut reactor = Reactor::new(poll, waker.clone(), cancel.clone());
        let thread = thread::Builder::new()
            .name("cwmp-transfer".into())
            .stack_size(WORKER_STACK)
            .spawn(move || {
                let Some(result) = execute(&request, &options, &mut reactor) else {
                    log::info!("transfer cancelled");
                    return;
                };
                if tx.send(result).is_ok()
                    && let Some(notify) = notify
                    && let Err(e) = notify.wake()
                {
                    log::warn!("transfer cannot wake the event loop: {e}");
                }
            })?;
        Ok(TransferHandle {
            cancel,
            waker,
            result: rx,
            thread: Some(thread),
        })
    }

    /// The result, once the worker has finished (call after the loop's waker fired).
    pub fn poll_result(&mut self) -> Option<TransferResult> {
        match self.result.try_recv() {
            Ok(result) => {
                self.join();
                Some(result)
            }
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => None,
        }
    }

    /// Blocks until the worker has finished and returns its result (`None` if it was
    /// cancelled or died). For shutdown paths and tests; the loop uses `poll_result`.
    pub fn wait(mut self) -> Option<TransferResult> {
        let result = self.result.recv().ok();
        self.join();
        result
    }

    /// Asks the worker to stop and waits for it; a cancelled transfer reports nothing and
    /// leaves no partial file.
    pub fn cancel(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.cancel.store(true, Ordering::Release);
        if let Err(e) = self.waker.wake() {
            log::warn!("cannot wake the transfer worker: {e}");
        }
        self.join();
    }

    fn join(&mut self) {
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            log::error!("transfer worker panicked");
        }
    }
}

impl Drop for TransferHandle {
    fn drop(&mut self) {
        if self.thread.is_some() {
            self.stop();
        }
    }
}

fn unix_now() -> UnixTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    UnixTime(secs)
}

/// Runs one transfer; `None` when cancelled.
fn execute(
    request: &TransferRequest,
    options: &TransferOptions,
    reactor: &mut Reactor,
) -> Option<TransferResult> {
    let start = unix_now();
    let mut buf = vec![0u8; TRANSFER_BUFFER_SIZE];
    let mut stats = TransferStats::default();
    let (outcome, direction) = match request {
        TransferRequest::Download(d) => (
            download::run(reactor, d, options, &mut buf, &mut stats).map(Some),
            Direction::Download,
        ),
        TransferRequest::Upload(u) => (
            upload::run(reactor, u, options, &mut buf, &mut stats).map(|()| None),
            Direction::Upload,
        ),
    };
    let complete = unix_now();
    let (fault, fault_string, path) = match outcome {
        Ok(path) => (FaultCode::NONE, String::new(), path),
        Err(Stop::Cancelled) => return None,
        Err(Stop::Failed(f)) => {
            log::warn!("{direction:?} failed with {}: {}", f.code.0, f.message);
            (f.code, f.message, None)
        }
    };
    Some(TransferResult {
        fault,
        fault_string,
        start,
        complete,
        path,
        stats,
    })
}
