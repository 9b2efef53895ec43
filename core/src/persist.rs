//! The agent's state snapshot: what must survive a restart, as JSON (serde-json-core).
//!
//! Undelivered events with their command keys, transfers and their results, scheduled informs,
//! attribute rules and notification baselines, `Device.ManagementServer.` values (with the
//! configuration they were set against), and the URL the last `0 BOOTSTRAP` was delivered to.
//! Times are stored as wall-clock instants when the clock is known and as seconds remaining
//! otherwise. This module only defines the format and its encoding; the agent fills and reads it.

use heapless::{String, Vec};
use serde::{Deserialize, Serialize};

use crate::limits::{
    ATC_FILE_TYPES_MAX, ATTR_RULES_MAX, CREDENTIAL_MAX, DU_AUTONOMOUS_MAX, DU_CHANGES_MAX,
    DU_EE_REF_MAX, DU_EU_LIST_MAX, DU_FAULT_CODES_MAX, DU_FAULT_STRING_MAX, DU_OPS_MAX, DU_REF_MAX,
    DU_UUID_LEN, DU_VERSION_MAX, EVENT_KEY_MAX, EVENT_QUEUE_MAX, INFORM_PARAMS_MAX,
    NOTIFY_TRACKED_MAX, PATH_MAX_LEN, SCHEDULED_INFORMS_MAX, SNAPSHOT_STRING_SCRATCH,
    TRANSFERS_MAX, URL_MAX,
};

/// The format version written and understood.
pub const FORMAT_VERSION: u32 = 1;

/// A stored `xsd:dateTime` (its canonical text; empty = none).
pub type TimeText = String<40>;

/// One undelivered event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRec {
    /// Event code (`M Download`...).
    pub code: String<48>,
    /// Command key.
    pub key: String<EVENT_KEY_MAX>,
    /// Transfer slot of an `M` transfer event.
    pub link: Option<u8>,
}

/// One transfer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRec {
    /// Slot.
    pub id: u8,
    /// 0 Download, 1 Upload, 2 ScheduleDownload.
    pub kind: u8,
    /// Command key.
    pub key: String<EVENT_KEY_MAX>,
    /// FileType.
    pub file_type: String<64>,
    /// URL.
    pub url: String<URL_MAX>,
    /// File server user name.
    pub username: String<CREDENTIAL_MAX>,
    /// File server password.
    pub password: String<CREDENTIAL_MAX>,
    /// FileSize.
    pub file_size: u32,
    /// TargetFileName.
    pub target: String<128>,
    /// When it may start: wall-clock seconds since the epoch, if known.
    pub due_at: Option<i64>,
    /// When it may start: seconds after the snapshot.
    pub due_in: u64,
    /// ScheduleDownload window end: wall-clock seconds, if known.
    pub deadline_at: Option<i64>,
    /// ScheduleDownload window end: seconds after the snapshot.
    pub deadline_in: Option<u64>,
    /// 1 queued, 2 in progress, 3 done.
    pub state: u8,
    /// Fault code when done.
    pub fault: u32,
    /// Start time when done.
    pub start: TimeText,
    /// Completion time when done.
    pub complete: TimeText,
}

/// One pending ScheduleInform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledRec {
    /// Command key.
    pub key: String<EVENT_KEY_MAX>,
    /// Due: wall-clock seconds since the epoch, if known.
    pub due_at: Option<i64>,
    /// Due: seconds after the snapshot.
    pub due_in: u64,
}

/// One attribute rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRec {
    /// Name or partial path.
    pub path: String<PATH_MAX_LEN>,
    /// Notification.
    pub notification: u8,
    /// AccessList holds `Subscriber`.
    pub subscriber: bool,
}

/// One watched parameter: hashes of name and last reported value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrackedRec {
    /// Name hash.
    pub name: u64,
    /// Value hash.
    pub value: u64,
    /// Changed, not yet reported.
    pub changed: bool,
}

/// One `InformParameter.{i}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InformParamRec {
    /// Instance number.
    pub instance: u32,
    /// Enable.
    pub enable: bool,
    /// Alias.
    pub alias: String<64>,
    /// ParameterName.
    pub name: String<PATH_MAX_LEN>,
    /// EventList.
    pub events: String<128>,
}

/// `Device.ManagementServer.` values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MsRec {
    /// EnableCWMP.
    pub enable: bool,
    /// URL.
    pub url: String<URL_MAX>,
    /// Username.
    pub username: String<CREDENTIAL_MAX>,
    /// Password.
    pub password: String<CREDENTIAL_MAX>,
    /// PeriodicInformEnable.
    pub periodic_enable: bool,
    /// PeriodicInformInterval.
    pub periodic_interval: u32,
    /// PeriodicInformTime.
    pub periodic_time: TimeText,
    /// ParameterKey.
    pub parameter_key: String<32>,
    /// ConnectionRequestUsername.
    pub cr_username: String<CREDENTIAL_MAX>,
    /// ConnectionRequestPassword.
    pub cr_password: String<CREDENTIAL_MAX>,
    /// UpgradesManaged.
    pub upgrades_managed: bool,
    /// DefaultActiveNotificationThrottle.
    pub throttle: u32,
    /// CWMPRetryMinimumWaitInterval.
    pub retry_min_wait: u32,
    /// CWMPRetryIntervalMultiplier.
    pub retry_multiplier: u32,
    /// HeartbeatPolicy.Enable.
    pub heartbeat_enable: bool,
    /// HeartbeatPolicy.ReportingInterval.
    pub heartbeat_interval: u32,
    /// HeartbeatPolicy.InitiationTime.
    pub heartbeat_time: TimeText,
    /// InformParameter entries.
    pub inform_params: Vec<InformParamRec, INFORM_PARAMS_MAX>,
    /// Next InformParameter instance number.
    pub next_inform_instance: u32,
    /// `AutonomousTransferCompletePolicy.Enable` (absent in older snapshots).
    #[serde(default)]
    pub atc_enable: bool,
    /// `AutonomousTransferCompletePolicy.TransferTypeFilter`.
    #[serde(default)]
    pub atc_transfer_type: String<8>,
    /// `AutonomousTransferCompletePolicy.ResultTypeFilter`.
    #[serde(default)]
    pub atc_result_type: String<8>,
    /// `AutonomousTransferCompletePolicy.FileTypeFilter`.
    #[serde(default)]
    pub atc_file_types: String<ATC_FILE_TYPES_MAX>,
    /// `DUStateChangeComplPolicy.Enable` (absent in older snapshots).
    #[serde(default)]
    pub du_enable: bool,
    /// `DUStateChangeComplPolicy.OperationTypeFilter`.
    #[serde(default)]
    pub du_operations: String<32>,
    /// `DUStateChangeComplPolicy.ResultTypeFilter`.
    #[serde(default)]
    pub du_result_type: String<8>,
    /// `DUStateChangeComplPolicy.FaultCodeFilter`.
    #[serde(default)]
    pub du_fault_codes: String<DU_FAULT_CODES_MAX>,
}

/// The result of one DU operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuResultRec {
    /// UUID.
    pub uuid: String<DU_UUID_LEN>,
    /// DeploymentUnitRef.
    pub du_ref: String<DU_REF_MAX>,
    /// Version.
    pub version: String<DU_VERSION_MAX>,
    /// CurrentState: 0 Installed, 1 Uninstalled, 2 Failed.
    pub state: u8,
    /// Resolved.
    pub resolved: bool,
    /// ExecutionUnitRefList.
    pub eu_refs: String<DU_EU_LIST_MAX>,
    /// StartTime.
    pub start: TimeText,
    /// CompleteTime.
    pub complete: TimeText,
    /// FaultCode (0: success).
    pub fault: u32,
    /// FaultString.
    pub fault_string: String<DU_FAULT_STRING_MAX>,
}

/// One operation of a ChangeDUState. Once it has a result its arguments are no longer needed
/// and are stored empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuOpRec {
    /// 0 Install, 1 Update, 2 Uninstall.
    pub kind: u8,
    /// URL.
    pub url: String<URL_MAX>,
    /// UUID.
    pub uuid: String<DU_UUID_LEN>,
    /// Version.
    pub version: String<DU_VERSION_MAX>,
    /// Username.
    pub username: String<CREDENTIAL_MAX>,
    /// Password.
    pub password: String<CREDENTIAL_MAX>,
    /// ExecutionEnvRef.
    pub ee: String<DU_EE_REF_MAX>,
    /// The result, once known.
    pub result: Option<DuResultRec>,
}

/// A ChangeDUState not yet reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuChangeRec {
    /// Slot.
    pub id: u8,
    /// CommandKey.
    pub key: String<EVENT_KEY_MAX>,
    /// Operations, in order.
    pub ops: Vec<DuOpRec, DU_OPS_MAX>,
}

/// A DU change made without the ACS, not yet reported.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuAutonomousRec {
    /// OperationPerformed: 0 Install, 1 Update, 2 Uninstall.
    pub kind: u8,
    /// Its result.
    pub result: DuResultRec,
}

/// A transfer the ACS did not request, waiting for its AutonomousTransferComplete.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutonomousRec {
    /// AnnounceURL.
    pub announce_url: String<URL_MAX>,
    /// TransferURL.
    pub transfer_url: String<URL_MAX>,
    /// IsDownload.
    pub is_download: bool,
    /// FileType.
    pub file_type: String<64>,
    /// FileSize.
    pub file_size: u32,
    /// TargetFileName.
    pub target: String<128>,
    /// FaultCode (0: success).
    pub fault: u32,
    /// StartTime.
    pub start: TimeText,
    /// CompleteTime.
    pub complete: TimeText,
}

/// Everything the agent persists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// Wall-clock time of writing (seconds since the epoch), if known.
    pub written_at: Option<i64>,
    /// The URL the last `0 BOOTSTRAP` was delivered to.
    pub bootstrapped_url: String<URL_MAX>,
    /// Undelivered events that survive a restart.
    pub events: Vec<EventRec, EVENT_QUEUE_MAX>,
    /// Transfers.
    pub transfers: Vec<TransferRec, TRANSFERS_MAX>,
    /// Pending ScheduleInforms.
    pub scheduled: Vec<ScheduledRec, SCHEDULED_INFORMS_MAX>,
    /// Attribute rules.
    pub rules: Vec<RuleRec, ATTR_RULES_MAX>,
    /// Notification baselines.
    pub tracked: Vec<TrackedRec, NOTIFY_TRACKED_MAX>,
    /// ManagementServer values in force.
    pub ms: MsRec,
    /// The configured ManagementServer values those were set against.
    pub ms_base: MsRec,
    /// `Device.DeviceInfo.SoftwareVersion` when last checked (absent in older snapshots).
    #[serde(default)]
    pub software_version: String<64>,
    /// The autonomous transfer waiting to be reported, if any.
    #[serde(default)]
    pub autonomous: Option<AutonomousRec>,
    /// ChangeDUStates not yet reported (absent in older snapshots).
    #[serde(default)]
    pub du: Vec<DuChangeRec, DU_CHANGES_MAX>,
    /// Autonomous DU changes not yet reported.
    #[serde(default)]
    pub du_autonomous: Vec<DuAutonomousRec, DU_AUTONOMOUS_MAX>,
}

/// Why a snapshot could not be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotError {
    /// Not JSON of the expected shape, truncated, or a value beyond its capacity.
    Corrupt,
    /// Written by a newer format.
    Version(u32),
    /// The output buffer is too small.
    Full,
}

impl core::fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SnapshotError::Corrupt => f.write_str("state snapshot is corrupt or truncated"),
            SnapshotError::Version(v) => write!(f, "state snapshot has unknown format version {v}"),
            SnapshotError::Full => f.write_str("state snapshot does not fit the buffer"),
        }
    }
}

/// Writes `snapshot` as JSON into `buf`; returns the length.
pub fn encode(snapshot: &Snapshot, buf: &mut [u8]) -> Result<usize, SnapshotError> {
    serde_json_core::to_slice(snapshot, buf).map_err(|_| SnapshotError::Full)
}

/// Reads a snapshot.
pub fn decode(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
    let mut scratch = [0u8; SNAPSHOT_STRING_SCRATCH];
    let (s, _) = serde_json_core::from_slice_escaped::<Snapshot>(bytes, &mut scratch)
        .map_err(|_| SnapshotError::Corrupt)?;
    if s.version != FORMAT_VERSION {
        return Err(SnapshotError::Version(s.version));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Snapshot {
        let mut s = Snapshot {
            version: FORMAT_VERSION,
            written_at: Some(1_700_000_000),
            ..Default::default()
        };
        s.bootstrapped_url
            .push_str("http://acs.example:7547/\"q\"\\")
            .unwrap();
        s.events
            .push(EventRec {
                code: "M Reboot".try_into().unwrap(),
                key: "key \"with\" é".try_into().unwrap(),
                link: None,
            })
            .unwrap();
        s.transfers
            .push(TransferRec {
                id: 2,
                kind: 0,
                state: 3,
                fault: 9010,
                url: "http://f/x".try_into().unwrap(),
                ..Default::default()
            })
            .unwrap();
        s.tracked
            .push(TrackedRec {
                name: u64::MAX,
                value: 7,
                changed: true,
            })
            .unwrap();
        s.ms.url.push_str("https://acs/").unwrap();
        s.ms.inform_params
            .push(InformParamRec {
                instance: 3,
                enable: true,
                ..Default::default()
            })
            .unwrap();
        s
    }

    #[test]
    fn snapshot_round_trips_with_awkward_strings() {
        let s = sample();
        let mut buf = std::vec![0u8; 64 * 1024];
        let n = encode(&s, &mut buf).unwrap();
        assert_eq!(decode(&buf[..n]).unwrap(), s);
    }

    #[test]
    fn a_snapshot_from_before_the_autonomous_transfer_fields_still_reads() {
        let s = Snapshot {
            version: FORMAT_VERSION,
            ..Default::default()
        };
        let mut buf = [0u8; 4096];
        let n = encode(&s, &mut buf).unwrap();
        let text = core::str::from_utf8(&buf[..n]).unwrap();
        let old = text
            .replace(
                ",\"atc_enable\":false,\"atc_transfer_type\":\"\",\"atc_result_type\":\"\",\"atc_file_types\":\"\"",
                "",
            )
            .replace(",\"software_version\":\"\",\"autonomous\":null", "")
            .replace(
                ",\"du_enable\":false,\"du_operations\":\"\",\"du_result_type\":\"\",\"du_fault_codes\":\"\"",
                "",
            )
            .replace(",\"du\":[],\"du_autonomous\":[]", "");
        assert!(
            !old.contains("atc_") && !old.contains("autonomous") && !old.contains("\"du"),
            "{old}"
        );
        assert_eq!(decode(old.as_bytes()).unwrap(), s);
    }

    #[test]
    fn truncated_or_garbage_snapshot_is_corrupt() {
        let s = sample();
        let mut buf = std::vec![0u8; 64 * 1024];
        let n = encode(&s, &mut buf).unwrap();
        for cut in [0, 1, n / 2, n - 1] {
            assert_eq!(
                decode(&buf[..cut]),
                Err(SnapshotError::Corrupt),
                "cut at {cut}"
            );
        }
        assert_eq!(decode(b"\xff\xfe garbage"), Err(SnapshotError::Corrupt));
        assert_eq!(decode(b"{\"version\":1}"), Err(SnapshotError::Corrupt));
    }

    #[test]
    fn other_version_is_refused() {
        let s = Snapshot {
            version: 99,
            ..Default::default()
        };
        let mut buf = std::vec![0u8; 64 * 1024];
        let n = encode(&s, &mut buf).unwrap();
        assert_eq!(decode(&buf[..n]), Err(SnapshotError::Version(99)));
    }

    #[test]
    fn small_buffer_is_full_not_a_panic() {
        let mut buf = [0u8; 16];
        assert_eq!(encode(&sample(), &mut buf), Err(SnapshotError::Full));
    }

    #[test]
    fn over_capacity_value_is_corrupt() {
        let long = std::format!(
            "{{\"version\":1,\"written_at\":null,\"bootstrapped_url\":\"{}\"}}",
            "x".repeat(URL_MAX + 1)
        );
        assert_eq!(decode(long.as_bytes()), Err(SnapshotError::Corrupt));
    }

    /// A string of capacity `N` full of `c`.
    fn full<const N: usize>(c: char) -> String<N> {
        let mut s = String::new();
        while s.push(c).is_ok() {}
        s
    }

    /// Every table at its capacity, every string at its capacity, every number at its widest.
    fn worst_case(c: char) -> Snapshot {
        let ms = || MsRec {
            enable: true,
            url: full(c),
            username: full(c),
            password: full(c),
            periodic_enable: true,
            periodic_interval: u32::MAX,
            periodic_time: full(c),
            parameter_key: full(c),
            cr_username: full(c),
            cr_password: full(c),
            upgrades_managed: true,
            throttle: u32::MAX,
            retry_min_wait: u32::MAX,
            retry_multiplier: u32::MAX,
            heartbeat_enable: true,
            heartbeat_interval: u32::MAX,
            heartbeat_time: full(c),
            inform_params: (0..INFORM_PARAMS_MAX)
                .map(|_| InformParamRec {
                    instance: u32::MAX,
                    enable: true,
                    alias: full(c),
                    name: full(c),
                    events: full(c),
                })
                .collect(),
            next_inform_instance: u32::MAX,
            atc_enable: true,
            atc_transfer_type: full(c),
            atc_result_type: full(c),
            atc_file_types: full(c),
            du_enable: true,
            du_operations: full(c),
            du_result_type: full(c),
            du_fault_codes: full(c),
        };
        let du_result = || DuResultRec {
            uuid: full(c),
            du_ref: full(c),
            version: full(c),
            state: u8::MAX,
            resolved: true,
            eu_refs: full(c),
            start: full(c),
            complete: full(c),
            fault: u32::MAX,
            fault_string: full(c),
        };
        Snapshot {
            version: FORMAT_VERSION,
            written_at: Some(i64::MIN),
            bootstrapped_url: full(c),
            events: (0..EVENT_QUEUE_MAX)
                .map(|_| EventRec {
                    code: full(c),
                    key: full(c),
                    link: Some(u8::MAX),
                })
                .collect(),
            transfers: (0..TRANSFERS_MAX)
                .map(|_| TransferRec {
                    id: u8::MAX,
                    kind: u8::MAX,
                    key: full(c),
                    file_type: full(c),
                    url: full(c),
                    username: full(c),
                    password: full(c),
                    file_size: u32::MAX,
                    target: full(c),
                    due_at: Some(i64::MIN),
                    due_in: u64::MAX,
                    deadline_at: Some(i64::MIN),
                    deadline_in: Some(u64::MAX),
                    state: u8::MAX,
                    fault: u32::MAX,
                    start: full(c),
                    complete: full(c),
                })
                .collect(),
            scheduled: (0..SCHEDULED_INFORMS_MAX)
                .map(|_| ScheduledRec {
                    key: full(c),
                    due_at: Some(i64::MIN),
                    due_in: u64::MAX,
                })
                .collect(),
            rules: (0..ATTR_RULES_MAX)
                .map(|_| RuleRec {
                    path: full(c),
                    notification: u8::MAX,
                    subscriber: true,
                })
                .collect(),
            tracked: (0..NOTIFY_TRACKED_MAX)
                .map(|_| TrackedRec {
                    name: u64::MAX,
                    value: u64::MAX,
                    changed: true,
                })
                .collect(),
            ms: ms(),
            ms_base: ms(),
            software_version: full(c),
            autonomous: Some(AutonomousRec {
                announce_url: full(c),
                transfer_url: full(c),
                is_download: true,
                file_type: full(c),
                file_size: u32::MAX,
                target: full(c),
                fault: u32::MAX,
                start: full(c),
                complete: full(c),
            }),
            // The agent stores either an operation's arguments or its result: the arguments
            // are the larger.
            du: (0..DU_CHANGES_MAX)
                .map(|i| DuChangeRec {
                    id: i as u8,
                    key: full(c),
                    ops: (0..DU_OPS_MAX)
                        .map(|_| DuOpRec {
                            kind: u8::MAX,
                            url: full(c),
                            uuid: full(c),
                            version: full(c),
                            username: full(c),
                            password: full(c),
                            ee: full(c),
                            result: None,
                        })
                        .collect(),
                })
                .collect(),
            du_autonomous: (0..DU_AUTONOMOUS_MAX)
                .map(|_| DuAutonomousRec {
                    kind: u8::MAX,
                    result: du_result(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_largest_possible_snapshot_fits_snapshot_max_and_reads_back() {
        // '\u{1}' is the most expensive character to write (six bytes, `\u0001`); a real
        // snapshot cannot even hold it everywhere (XML forbids it in what the ACS sends).
        for c in ['\u{1}', '"', '\u{10FFFF}', 'a'] {
            let s = worst_case(c);
            let mut buf = std::vec![0u8; crate::limits::SNAPSHOT_MAX];
            let n = encode(&s, &mut buf).unwrap_or_else(|e| panic!("{c:?}: {e}"));
            assert_eq!(decode(&buf[..n]).unwrap(), s, "{c:?}");
        }
    }
}
