//! Capacity limits of software-module management, each with the reason for its size.
//!
//! Exceeding one is a defined outcome with a test: a CWMP fault for the operation, an error
//! naming the file position, or a warning in the log; never a panic.

use std::time::Duration;

/// Deployment units the inventory holds (ACS-installed and adopted packages together). A
/// router's user-installed packages number a few dozen (each with its dependencies); 128 leaves
/// room while bounding the inventory to about 64 KiB of memory at the worst. An Install beyond
/// it fails with 9027; a package found beyond it at a sync is left out with a warning.
pub const DU_MAX: usize = 128;

/// `DeploymentUnit.{i}.Name` and `DUID`: `string(64)` (TR-181).
pub const NAME_MAX: usize = 64;
/// `DeploymentUnit.{i}.Version`: `string(32)` (TR-181; also `Version` of `OpResultStruct`).
pub const VERSION_MAX: usize = 32;
/// `DeploymentUnit.{i}.Vendor`: `string(128)` (TR-181).
pub const VENDOR_MAX: usize = 128;
/// `DeploymentUnit.{i}.Description`: `string(256)` (TR-181). A longer description from the
/// package manager is cut at a character boundary.
pub const DESCRIPTION_MAX: usize = 256;
/// `DeploymentUnit.{i}.URL`: `string(1024)` (TR-181, and the `URL` of the operations).
pub const URL_MAX: usize = 1024;

/// Largest inventory file read: [`DU_MAX`] records with every field at its maximum take about
/// 200 KiB of JSON.
pub const INVENTORY_FILE_MAX: u64 = 256 * 1024;

/// Most standard output kept from one run of the helper. `install` and `update` print four
/// short lines; `list` prints one line per package, and 64 KiB holds 2,000 of them.
pub const OUTPUT_MAX: usize = 64 * 1024;
/// Most lines `list` may print (packages listed). More is refused as hostile output.
pub const LIST_MAX: usize = 4096;
/// Most bytes of the helper's standard error kept; the first line becomes the FaultString.
pub const STDERR_MAX: usize = 4096;
/// Longest FaultString made from the helper's standard error (`OpResult.fault_string` holds
/// 128 bytes).
pub const FAULT_STRING_MAX: usize = 128;

/// Longest a helper may run before it is killed (with its process group) and the operation
/// fails: opkg on slow flash takes minutes for a large package, never this long.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(600);
