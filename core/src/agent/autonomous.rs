//! Transfers the ACS did not request (TR-069 `10 AUTONOMOUS TRANSFER COMPLETE`, digest §4.2):
//! a firmware image installed on the device by other means (LuCI, `sysupgrade` by hand, a
//! vendor updater) is seen as a change of `Device.DeviceInfo.SoftwareVersion` across a
//! restart, and reported with AutonomousTransferComplete when
//! `Device.ManagementServer.AutonomousTransferCompletePolicy.` asks for it.

use super::mgmt::FIRMWARE_FILE_TYPE;
use super::transfers::{FileType, State};
use super::{Agent, Clock};
use crate::datamodel::DataModel;
use crate::limits::URL_MAX;
use crate::soap::FaultCode;
use crate::time::DateTime;

/// The parameter whose change reveals a new firmware.
pub const SOFTWARE_VERSION: &str = "Device.DeviceInfo.SoftwareVersion";

/// One autonomous transfer waiting for its AutonomousTransferComplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Autonomous {
    /// `AnnounceURL` (empty: not announced).
    pub announce_url: heapless::String<URL_MAX>,
    /// `TransferURL` (empty: unknown).
    pub transfer_url: heapless::String<URL_MAX>,
    /// Download (true) or upload.
    pub is_download: bool,
    /// `FileType`.
    pub file_type: heapless::String<64>,
    /// `FileSize` (0: unknown).
    pub file_size: u32,
    /// `TargetFileName`.
    pub target_file_name: heapless::String<128>,
    /// The outcome (0: success).
    pub fault: FaultCode,
    /// `StartTime`.
    pub start: DateTime,
    /// `CompleteTime`.
    pub complete: DateTime,
}

impl Agent {
    /// Compares `Device.DeviceInfo.SoftwareVersion` with the version seen last time (kept in
    /// the snapshot). A new version that no firmware Download of the ACS explains is an
    /// autonomous firmware transfer: reported (`10 AUTONOMOUS TRANSFER COMPLETE`, then
    /// AutonomousTransferComplete) when the policy asks for it. Call it once at start, before
    /// the first session.
    pub fn check_software_version(&mut self, clock: Clock, dm: &mut dyn DataModel) {
        self.now = clock;
        let mut current: heapless::String<64> = heapless::String::new();
        let _ = dm.get(SOFTWARE_VERSION, &mut |p| {
            if p.name != SOFTWARE_VERSION {
                return core::ops::ControlFlow::Continue(());
            }
            // A version longer than kept is compared by its first 64 bytes.
            current = super::copy_str(p.value);
            core::ops::ControlFlow::Break(())
        });
        if current.is_empty() || current == self.software_version {
            return;
        }
        let first = self.software_version.is_empty();
        self.software_version = current;
        self.dirty = true;
        if first {
            // First start (or a snapshot from before this check): nothing to compare with.
            self.flush_dirty();
            return;
        }
        let ordered = self.transfers.iter().any(|t| {
            t.file() == Some(FileType::Firmware)
                && matches!(t.state, State::Done { fault, .. } if fault == FaultCode::NONE)
        });
        if ordered {
            debug!("new firmware from a Download of the ACS");
        } else if self.ms.reports_autonomous(true, true, FIRMWARE_FILE_TYPE) {
            info!("new firmware installed without the ACS; reporting it");
            self.autonomous = Some(Autonomous {
                announce_url: heapless::String::new(),
                transfer_url: heapless::String::new(),
                is_download: true,
                file_type: super::copy_str(FIRMWARE_FILE_TYPE),
                file_size: 0,
                target_file_name: heapless::String::new(),
                fault: FaultCode::NONE,
                start: DateTime::UNKNOWN,
                complete: clock.datetime(),
            });
            self.raise(
                super::events::EventCode::AutonomousTransferComplete,
                "",
                None,
            );
            self.maybe_start_session(clock);
        } else {
            debug!("new firmware installed without the ACS; the policy does not report it");
        }
        self.flush_dirty();
    }
}
