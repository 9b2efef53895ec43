//! Software-module management (TR-069 ChangeDUState, TR-181 `Device.SoftwareModules.`) on a
//! device whose software comes as packages (opkg or apk on OpenWrt).
//!
//! Responsible for everything between the agent's DU operations and the package manager: the
//! table of deployment units and its file ([`inventory`]), the parameters built from it
//! ([`model`]), the rules of Install/Update/Uninstall and the split of each operation into
//! loop and worker parts ([`plan`]), the helper command that talks to the package manager
//! ([`script`], whose contract is documented there and at the top of the shipped
//! `cwmpd-du`), the packages changed without the ACS ([`sync`]), and the name-based UUIDs of
//! units ([`uuid`], [`sha1`]). The event loop (`runtime`) drives them: it runs one operation
//! at a time on a worker thread and reports each result to the agent as soon as it is known.
//! Not responsible for the protocol (the ChangeDUState request, the results' delivery, the
//! autonomous-change policy): the agent in cwmp-core does that.

pub mod inventory;
pub mod limits;
pub mod model;
pub mod plan;
pub mod report;
pub mod runner;
pub mod script;
pub mod sha1;
pub mod sync;
pub mod uuid;

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use inventory::Inventory;
pub use model::{ExecEnv, SoftwareModules, WithSoftwareModules};

/// Name of the inventory file in the state directory.
pub const INVENTORY_FILE: &str = "du.json";

/// How the daemon runs software-module operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuSettings {
    /// The helper (`cwmpd.du_command`).
    pub command: String,
    /// What `ExecEnv.1.` reports.
    pub exec_env: ExecEnv,
    /// How long the helper may run.
    pub timeout: Duration,
}

impl DuSettings {
    /// The helper `command` for the execution environment `exec_env`, with the standard time
    /// limit.
    pub fn new(command: &str, exec_env: ExecEnv) -> DuSettings {
        DuSettings {
            command: command.to_owned(),
            exec_env,
            timeout: limits::COMMAND_TIMEOUT,
        }
    }
}

/// The inventory file in `state_dir`.
pub fn inventory_path(state_dir: &Path) -> PathBuf {
    state_dir.join(INVENTORY_FILE)
}
