//! The queue of file transfers the ACS requested (Download, Upload, ScheduleDownload) and their
//! results until a TransferComplete has delivered them (digest §11.5).
//!
//! The transfer itself (HTTP GET/PUT, applying a firmware image) is the platform's job; this
//! module validates requests, decides when each transfer is due, and keeps the outcome.

use crate::limits::{CREDENTIAL_MAX, EVENT_KEY_MAX, TRANSFERS_MAX, URL_MAX};
use crate::soap::FaultCode;
use crate::time::{DateTime, Instant};

/// What kind of transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `Download`.
    Download,
    /// `Upload`.
    Upload,
    /// `ScheduleDownload`.
    ScheduleDownload,
}

impl Kind {
    /// True for the downloads.
    pub const fn is_download(self) -> bool {
        !matches!(self, Kind::Upload)
    }
}

/// What is to be transferred, as the platform understands it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// `1 Firmware Upgrade Image` (download, then apply and reboot).
    Firmware,
    /// `2 Web Content`.
    WebContent,
    /// `3 Vendor Configuration File` (download, then apply) or, for Upload, `1 Vendor
    /// Configuration File` / `3 Vendor Configuration File <i>`.
    VendorConfig,
    /// Upload `2 Vendor Log File` / `4 Vendor Log File <i>`.
    VendorLog,
}

impl FileType {
    /// The file type of a Download/ScheduleDownload; `None` if not supported (9003).
    pub fn for_download(s: &str) -> Option<FileType> {
        Some(match s {
            "1 Firmware Upgrade Image" => FileType::Firmware,
            "2 Web Content" => FileType::WebContent,
            "3 Vendor Configuration File" => FileType::VendorConfig,
            _ => return None,
        })
    }

    /// The file type of an Upload; `None` if not supported (9003).
    pub fn for_upload(s: &str) -> Option<FileType> {
        let indexed = |prefix: &str| {
            s.strip_prefix(prefix)
                .and_then(|r| r.strip_prefix(' '))
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        };
        if s == "1 Vendor Configuration File" || indexed("3 Vendor Configuration File") {
            Some(FileType::VendorConfig)
        } else if s == "2 Vendor Log File" || indexed("4 Vendor Log File") {
            Some(FileType::VendorLog)
        } else {
            None
        }
    }
}

/// Where a transfer stands (CWMP `State`: 1, 2, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Not yet started (1).
    Queued,
    /// In progress (2).
    InProgress,
    /// Finished, successfully or not; waiting for its TransferComplete to be delivered (3).
    Done {
        /// 0 on success.
        fault: FaultCode,
        /// When it started.
        start: DateTime,
        /// When it completed.
        complete: DateTime,
    },
}

impl State {
    /// The CWMP `State` value.
    pub const fn code(&self) -> u8 {
        match self {
            State::Queued => 1,
            State::InProgress => 2,
            State::Done { .. } => 3,
        }
    }
}

/// One transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transfer {
    /// Slot number, stable for the transfer's life; links it to its `M` event.
    pub id: u8,
    /// Download, Upload or ScheduleDownload.
    pub kind: Kind,
    /// The request's command key.
    pub command_key: heapless::String<EVENT_KEY_MAX>,
    /// The request's FileType string.
    pub file_type: heapless::String<64>,
    /// Where from / to.
    pub url: heapless::String<URL_MAX>,
    /// File server user name.
    pub username: heapless::String<CREDENTIAL_MAX>,
    /// File server password.
    pub password: heapless::String<CREDENTIAL_MAX>,
    /// Announced size (0 = unknown).
    pub file_size: u32,
    /// Requested target file name.
    pub target_file_name: heapless::String<128>,
    /// When it may start (monotonic).
    pub due: Instant,
    /// ScheduleDownload: when the last window closes (monotonic); missing it gives 9020.
    pub deadline: Option<Instant>,
    /// Progress.
    pub state: State,
}

impl Transfer {
    /// The parsed file type.
    pub fn file(&self) -> Option<FileType> {
        match self.kind {
            Kind::Upload => FileType::for_upload(&self.file_type),
            _ => FileType::for_download(&self.file_type),
        }
    }
}

/// The arguments of a transfer request, borrowed from the RPC.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Download, Upload or ScheduleDownload.
    pub kind: Kind,
    /// Command key.
    pub command_key: &'a str,
    /// FileType.
    pub file_type: &'a str,
    /// URL.
    pub url: &'a str,
    /// Username.
    pub username: &'a str,
    /// Password.
    pub password: &'a str,
    /// FileSize.
    pub file_size: u32,
    /// TargetFileName.
    pub target_file_name: &'a str,
    /// When it may start.
    pub due: Instant,
    /// ScheduleDownload: end of the last window.
    pub deadline: Option<Instant>,
}

fn copy<const N: usize>(v: &str) -> Result<heapless::String<N>, FaultCode> {
    let mut s = heapless::String::new();
    // Longer than the agent keeps: a resource limit of this CPE, not a bad argument.
    s.push_str(v).map_err(|_| FaultCode::RESOURCES_EXCEEDED)?;
    Ok(s)
}

/// The transfers, in the order they were requested.
#[derive(Debug, Clone, Default)]
pub struct Transfers {
    items: heapless::Vec<Transfer, TRANSFERS_MAX>,
}

impl Transfers {
    /// No transfers.
    pub const fn new() -> Self {
        Transfers {
            items: heapless::Vec::new(),
        }
    }

    /// Checks and queues a request (digest §11.5 step 1): 9003 bad file type, 9013 scheme
    /// other than http/https, 9004 queue full or arguments longer than kept.
    pub fn add(&mut self, r: &Request<'_>) -> Result<u8, FaultCode> {
        let supported = match r.kind {
            Kind::Upload => FileType::for_upload(r.file_type).is_some(),
            _ => FileType::for_download(r.file_type).is_some(),
        };
        if !supported {
            return Err(FaultCode::INVALID_ARGUMENTS);
        }
        if r.url.trim().is_empty() {
            return Err(FaultCode::INVALID_ARGUMENTS);
        }
        if !(r.url.starts_with("http://") || r.url.starts_with("https://")) {
            return Err(FaultCode::UNSUPPORTED_PROTOCOL);
        }
        if self.items.is_full() {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        let id = (0..=u8::MAX)
            .find(|id| !self.items.iter().any(|t| t.id == *id))
            .ok_or(FaultCode::RESOURCES_EXCEEDED)?;
        let t = Transfer {
            id,
            kind: r.kind,
            command_key: copy(r.command_key)?,
            file_type: copy(r.file_type)?,
            url: copy(r.url)?,
            username: copy(r.username)?,
            password: copy(r.password)?,
            file_size: r.file_size,
            target_file_name: copy(r.target_file_name)?,
            due: r.due,
            deadline: r.deadline,
            state: State::Queued,
        };
        self.items
            .push(t)
            .map_err(|_| FaultCode::RESOURCES_EXCEEDED)?;
        Ok(id)
    }

    /// Puts back a transfer read from a snapshot; false (and dropped) if its slot is taken or
    /// the queue is full.
    pub fn restore(&mut self, t: Transfer) -> bool {
        if self.items.iter().any(|x| x.id == t.id) {
            return false;
        }
        self.items.push(t).is_ok()
    }

    /// The transfer in slot `id`.
    pub fn get(&self, id: u8) -> Option<&Transfer> {
        self.items.iter().find(|t| t.id == id)
    }

    /// All transfers, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Transfer> {
        self.items.iter()
    }

    /// Number of transfers.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The oldest queued transfer that may start at `now`, if no transfer is in progress
    /// (transfers run one at a time).
    pub fn due(&self, now: Instant) -> Option<u8> {
        if self.items.iter().any(|t| t.state == State::InProgress) {
            return None;
        }
        self.items
            .iter()
            .find(|t| t.state == State::Queued && t.due <= now)
            .map(|t| t.id)
    }

    /// The earliest time a queued transfer becomes due or misses its window.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.items
            .iter()
            .filter(|t| t.state == State::Queued)
            .flat_map(|t| [Some(t.due), t.deadline])
            .flatten()
            .min()
    }

    /// Marks a transfer as started.
    pub fn start(&mut self, id: u8) {
        if let Some(t) = self.items.iter_mut().find(|t| t.id == id) {
            t.state = State::InProgress;
        }
    }

    /// Records the outcome of a transfer; false if there is no such transfer in progress or
    /// queued.
    pub fn finish(
        &mut self,
        id: u8,
        fault: FaultCode,
        start: DateTime,
        complete: DateTime,
    ) -> bool {
        match self.items.iter_mut().find(|t| t.id == id) {
            Some(t) if !matches!(t.state, State::Done { .. }) => {
                t.state = State::Done {
                    fault,
                    start,
                    complete,
                };
                true
            }
            _ => false,
        }
    }

    /// Replaces the outcome of a finished transfer (its file could not be applied).
    pub fn set_fault(&mut self, id: u8, fault: FaultCode, complete: DateTime) -> bool {
        match self.items.iter_mut().find(|t| t.id == id) {
            Some(t) => match t.state {
                State::Done { start, .. } => {
                    t.state = State::Done {
                        fault,
                        start,
                        complete,
                    };
                    true
                }
                _ => false,
            },
            None => false,
        }
    }

    /// Queued ScheduleDownloads whose last window closed before they could start: finished
    /// with 9020. Returns the ids so the caller can raise their events.
    pub fn expire(
        &mut self,
        now: Instant,
        wall: DateTime,
        out: &mut heapless::Vec<u8, TRANSFERS_MAX>,
    ) {
        for t in self.items.iter_mut() {
            if t.state == State::Queued && t.deadline.is_some_and(|d| d <= now) {
                t.state = State::Done {
                    fault: FaultCode::WINDOW_MISSED,
                    start: wall,
                    complete: wall,
                };
                // At most TRANSFERS_MAX transfers, so `out` has room.
                let _ = out.push(t.id);
            }
        }
    }

    /// CancelTransfer: removes the queued transfers with this command key. 9021 if one has
    /// started already; 9003 if none has the key.
    pub fn cancel(
        &mut self,
        command_key: &str,
    ) -> Result<heapless::Vec<u8, TRANSFERS_MAX>, FaultCode> {
        let matching = self.items.iter().filter(|t| t.command_key == command_key);
        let mut any = false;
        for t in matching {
            any = true;
            if t.state != State::Queued {
                return Err(FaultCode::CANCEL_NOT_PERMITTED);
            }
        }
        if !any {
            return Err(FaultCode::INVALID_ARGUMENTS);
        }
        let mut removed = heapless::Vec::new();
        self.items.retain(|t| {
            let gone = t.command_key == command_key;
            if gone {
                // At most TRANSFERS_MAX transfers are removed.
                let _ = removed.push(t.id);
            }
            !gone
        });
        Ok(removed)
    }

    /// Forgets a transfer whose TransferComplete was delivered.
    pub fn remove(&mut self, id: u8) {
        self.items.retain(|t| t.id != id);
    }

    /// Drops every transfer (bootstrap: they belonged to the old ACS).
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(kind: Kind, key: &'static str, url: &'static str, ft: &'static str) -> Request<'static> {
        Request {
            kind,
            command_key: key,
            file_type: ft,
            url,
            username: "",
            password: "",
            file_size: 0,
            target_file_name: "",
            due: Instant::from_millis(1000),
            deadline: None,
        }
    }

    #[test]
    fn download_validation_faults() {
        let mut q = Transfers::new();
        let fw = "1 Firmware Upgrade Image";
        assert_eq!(
            q.add(&req(Kind::Download, "k", "ftp://x/f", fw)),
            Err(FaultCode::UNSUPPORTED_PROTOCOL)
        );
        assert_eq!(
            q.add(&req(Kind::Download, "k", "", fw)),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
        assert_eq!(
            q.add(&req(Kind::Download, "k", "http://x/f", "4 Tone File")),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
        assert_eq!(
            q.add(&req(Kind::Upload, "k", "http://x/f", fw)),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
        assert_eq!(
            q.add(&req(Kind::Upload, "k", "http://x/f", "4 Vendor Log File 2")),
            Ok(0)
        );
        assert_eq!(q.add(&req(Kind::Download, "k", "https://x/f", fw)), Ok(1));
    }

    #[test]
    fn queue_full_is_9004() {
        let mut q = Transfers::new();
        for _ in 0..TRANSFERS_MAX {
            q.add(&req(
                Kind::Download,
                "k",
                "http://x/f",
                "1 Firmware Upgrade Image",
            ))
            .unwrap();
        }
        assert_eq!(
            q.add(&req(
                Kind::Download,
                "k",
                "http://x/f",
                "1 Firmware Upgrade Image"
            )),
            Err(FaultCode::RESOURCES_EXCEEDED)
        );
        let long = std::format!("http://x/{}", "a".repeat(URL_MAX));
        let mut q = Transfers::new();
        let r = Request {
            url: &long,
            ..req(Kind::Download, "k", "http://x", "1 Firmware Upgrade Image")
        };
        assert_eq!(q.add(&r), Err(FaultCode::RESOURCES_EXCEEDED));
    }

    #[test]
    fn transfers_run_one_at_a_time_when_due() {
        let mut q = Transfers::new();
        let a = q
            .add(&req(
                Kind::Download,
                "a",
                "http://x/a",
                "3 Vendor Configuration File",
            ))
            .unwrap();
        let b = q
            .add(&req(Kind::Upload, "b", "http://x/b", "2 Vendor Log File"))
            .unwrap();
        assert_eq!(q.due(Instant::from_millis(999)), None);
        assert_eq!(q.next_deadline(), Some(Instant::from_millis(1000)));
        assert_eq!(q.due(Instant::from_millis(1000)), Some(a));
        q.start(a);
        assert_eq!(q.due(Instant::from_millis(5000)), None);
        assert!(q.finish(a, FaultCode::NONE, DateTime::UNKNOWN, DateTime::UNKNOWN));
        assert!(!q.finish(a, FaultCode::NONE, DateTime::UNKNOWN, DateTime::UNKNOWN));
        assert_eq!(q.due(Instant::from_millis(5000)), Some(b));
        assert_eq!(q.get(a).unwrap().state.code(), 3);
        q.remove(a);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn cancel_rules() {
        let mut q = Transfers::new();
        let a = q
            .add(&req(
                Kind::Download,
                "a",
                "http://x/a",
                "1 Firmware Upgrade Image",
            ))
            .unwrap();
        q.add(&req(
            Kind::Download,
            "b",
            "http://x/b",
            "1 Firmware Upgrade Image",
        ))
        .unwrap();
        assert_eq!(q.cancel("zzz"), Err(FaultCode::INVALID_ARGUMENTS));
        q.start(a);
        assert_eq!(q.cancel("a"), Err(FaultCode::CANCEL_NOT_PERMITTED));
        assert_eq!(q.cancel("b").unwrap().len(), 1);
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn missed_window_finishes_with_9020() {
        let mut q = Transfers::new();
        let r = Request {
            deadline: Some(Instant::from_millis(2000)),
            due: Instant::from_millis(1000),
            ..req(
                Kind::ScheduleDownload,
                "s",
                "http://x/s",
                "1 Firmware Upgrade Image",
            )
        };
        let id = q.add(&r).unwrap();
        let mut out = heapless::Vec::new();
        q.expire(Instant::from_millis(1999), DateTime::UNKNOWN, &mut out);
        assert!(out.is_empty());
        q.expire(Instant::from_millis(2000), DateTime::UNKNOWN, &mut out);
        assert_eq!(out.as_slice(), [id]);
        assert!(matches!(
            q.get(id).unwrap().state,
            State::Done {
                fault: FaultCode::WINDOW_MISSED,
                ..
            }
        ));
    }
}
