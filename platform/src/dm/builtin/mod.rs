//! The built-in data model: the default backend, needing no other daemon.
//!
//! Responsible for serving `Device.` (everything but `Device.ManagementServer.`, which the
//! agent owns) from three sources: the read-only identity `Device.RootDataModelVersion` and
//! `Device.DeviceInfo.{Manufacturer, ManufacturerOUI, ProductClass, SerialNumber,
//! HardwareVersion, SoftwareVersion, ModelName, Description}` from a [`DeviceInfo`] the daemon
//! fills (UCI, then `/etc/openwrt_release`); `Device.DeviceInfo.UpTime` from `/proc/uptime` and
//! `Device.Time.CurrentLocalTime` from the system clock (in UTC, which TR-106 `dateTime`
//! allows; the zone rules are not read) at each read; and a persisted parameter store for
//! everything else, `ProvisioningCode` included (read-write, created empty when the store
//! lacks it). The store is seeded from a JSON file
//! (format: [`file`](mod@file)) and every committed change (SetParameterValues, AddObject,
//! DeleteObject) is written to the state file atomically before it is acknowledged; once the
//! state file exists it takes precedence over the seed. Not responsible for the protocol
//! rules around these calls (the agent: duplicate names, ParameterKey, fault lists).

pub mod device;
pub mod file;
pub mod store;

use std::borrow::Cow;
use std::fmt;
use std::fs::{self, File};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use cwmp_core::datamodel::{Applied, DataModel, Node, Param};
use cwmp_core::soap::{FaultCode, ValueType};
use cwmp_core::time::{DateTime, UnixTime};

pub use device::{DeviceInfo, OpenWrtRelease, read_uptime};
pub use store::ParamStore;

use crate::dm::json;
use crate::dm::limits::{STAGE_MAX_VALUES, STORE_FILE_MAX_LEN};
use crate::dm::syntax::{self, Constraint};
use crate::fsutil;
use store::{Leaf, ParamSpec};

/// The subtree the agent serves itself; entries for it in a store file are dropped.
const AGENT_SUBTREE: &str = "Device.ManagementServer.";

/// `Device.DeviceInfo.ProvisioningCode`: read-write, persisted, `string(64)`.
const PROVISIONING_CODE: &str = "Device.DeviceInfo.ProvisioningCode";

/// The parameters whose values come from outside the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum External {
    RootDataModelVersion,
    Manufacturer,
    ManufacturerOui,
    ProductClass,
    SerialNumber,
    HardwareVersion,
    SoftwareVersion,
    ModelName,
    Description,
    UpTime,
    CurrentLocalTime,
}

const EXTERNALS: [(External, &str, ValueType); 11] = [
    (
        External::RootDataModelVersion,
        "Device.RootDataModelVersion",
        ValueType::String,
    ),
    (
        External::Manufacturer,
        "Device.DeviceInfo.Manufacturer",
        ValueType::String,
    ),
    (
        External::ManufacturerOui,
        "Device.DeviceInfo.ManufacturerOUI",
        ValueType::String,
    ),
    (
        External::ProductClass,
        "Device.DeviceInfo.ProductClass",
        ValueType::String,
    ),
    (
        External::SerialNumber,
        "Device.DeviceInfo.SerialNumber",
        ValueType::String,
    ),
    (
        External::HardwareVersion,
        "Device.DeviceInfo.HardwareVersion",
        ValueType::String,
    ),
    (
        External::SoftwareVersion,
        "Device.DeviceInfo.SoftwareVersion",
        ValueType::String,
    ),
    (
        External::ModelName,
        "Device.DeviceInfo.ModelName",
        ValueType::String,
    ),
    (
        External::Description,
        "Device.DeviceInfo.Description",
        ValueType::String,
    ),
    (
        External::UpTime,
        "Device.DeviceInfo.UpTime",
        ValueType::UnsignedInt,
    ),
    (
        External::CurrentLocalTime,
        "Device.Time.CurrentLocalTime",
        ValueType::DateTime,
    ),
];

/// How to build the built-in backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuiltinConfig {
    /// The identity reported under `Device.DeviceInfo.`.
    pub device: DeviceInfo,
    /// `Device.RootDataModelVersion` (TR-181 version the model follows).
    pub root_data_model_version: String,
    /// The operator's seed file, read when there is no state file yet.
    pub seed_path: Option<PathBuf>,
    /// The state file every committed change is written to (e.g. `/etc/cwmpd/params.json`).
    pub state_path: PathBuf,
    /// Where the uptime is read (`/proc/uptime`).
    pub uptime_path: PathBuf,
}

impl BuiltinConfig {
    /// A configuration with `device` and `state_path`, no seed, TR-181 2.15 and
    /// `/proc/uptime`.
    pub fn new(device: DeviceInfo, state_path: impl Into<PathBuf>) -> BuiltinConfig {
        BuiltinConfig {
            device,
            root_data_model_version: "2.15".to_string(),
            seed_path: None,
            state_path: state_path.into(),
            uptime_path: PathBuf::from("/proc/uptime"),
        }
    }
}

/// Which file the store came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The state file.
    State,
    /// The seed file (no usable state file).
    Seed,
    /// Neither: the store holds only the built-in parameters.
    Empty,
}

/// Why a store file could not be used.
#[derive(Debug)]
pub enum SourceError {
    /// Opening or reading failed (the contents may be fine).
    Io(String),
    /// The contents are not a valid store file.
    Format(file::Error),
}

impl SourceError {
    /// The error prefixed with the file it is about: `FILE:LINE:COLUMN: what` for format
    /// errors, `FILE: what` for I/O errors.
    pub fn in_file<'a>(&'a self, path: &'a Path) -> impl fmt::Display + 'a {
        struct InFile<'a>(&'a SourceError, &'a Path);
        impl fmt::Display for InFile<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.0 {
                    SourceError::Io(e) => write!(f, "{}: {e}", self.1.display()),
                    SourceError::Format(e) => write!(f, "{}:{e}", self.1.display()),
                }
            }
        }
        InFile(self, path)
    }
}

/// Something worth telling the operator about while loading.
#[derive(Debug)]
pub enum Problem {
    /// The state file is unusable: moved aside to `moved_to` (when that worked) and the seed
    /// used instead.
    StateUnusable {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        error: SourceError,
        /// Where it was moved.
        moved_to: Option<PathBuf>,
    },
    /// The seed file does not exist.
    SeedMissing(PathBuf),
    /// The seed file is unusable.
    SeedUnusable {
        /// The seed file.
        path: PathBuf,
        /// What is wrong with it.
        error: SourceError,
    },
    /// Store entries under `Device.ManagementServer.` were dropped: the agent serves them.
    AgentSubtreeDropped(usize),
    /// A store entry was replaced by the built-in parameter of the same name.
    Replaced(&'static str),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::StateUnusable {
                path,
                error,
                moved_to,
            } => {
                write!(f, "state file {}; ", error.in_file(path))?;
                match moved_to {
                    Some(to) => write!(f, "moved to {}, ", to.display())?,
                    None => f.write_str("left in place, ")?,
                }
                f.write_str("falling back to the seed")
            }
            Problem::SeedMissing(p) => write!(f, "seed file {} does not exist", p.display()),
            Problem::SeedUnusable { path, error } => {
                write!(f, "seed file {}; ignored", error.in_file(path))
            }
            Problem::AgentSubtreeDropped(n) => write!(
                f,
                "{n} store parameters under {AGENT_SUBTREE} ignored (cwmpd serves them itself)"
            ),
            Problem::Replaced(name) => {
                write!(f, "store entry {name} ignored: it is built in")
            }
        }
    }
}

/// What [`Builtin::open`] found.
#[derive(Debug)]
pub struct LoadReport {
    /// Where the store came from.
    pub origin: Origin,
    /// What went wrong on the way (already logged).
    pub problems: Vec<Problem>,
}

/// The built-in backend; see the module documentation.
#[derive(Debug)]
pub struct Builtin {
    store: ParamStore,
    device: DeviceInfo,
    root_version: String,
    uptime_path: PathBuf,
    state_path: PathBuf,
    /// The open SetParameterValues transaction: names and checked values.
    stage: Option<Vec<(Box<str>, Box<str>)>>,
}

/// Reads a store file; `Ok(None)` when it does not exist.
fn load(path: &Path) -> Result<Option<ParamStore>, SourceError> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SourceError::Io(e.to_string())),
    };
    file::read(f, STORE_FILE_MAX_LEN)
        .map(Some)
        .map_err(|e| match e.kind {
            file::ErrorKind::Json(json::ErrorKind::Io(msg)) => SourceError::Io(msg),
            _ => SourceError::Format(e),
        })
}

impl Builtin {
    /// Builds the backend: the state file if it is usable, else the seed (a broken state file
    /// is moved to `<state>.corrupt`), else an empty store; then the built-in parameters.
    /// Never fails: every problem is logged and listed in the report.
    pub fn open(config: BuiltinConfig) -> (Builtin, LoadReport) {
        let mut problems = Vec::new();
        let from_state = match load(&config.state_path) {
            Ok(s) => s,
            Err(error) => {
                let aside = PathBuf::from(format!("{}.corrupt", config.state_path.display()));
                let moved_to = match error {
                    SourceError::Format(_) => {
                        fs::rename(&config.state_path, &aside).ok().map(|()| aside)
                    }
                    SourceError::Io(_) => None,
                };
                problems.push(Problem::StateUnusable {
                    path: config.state_path.clone(),
                    error,
                    moved_to,
                });
                None
            }
        };
        let (mut store, origin) = match from_state {
            Some(s) => (s, Origin::State),
            None => match &config.seed_path {
                None => (ParamStore::new(), Origin::Empty),
                Some(seed) => match load(seed) {
                    Ok(Some(s)) => (s, Origin::Seed),
                    Ok(None) => {
                        problems.push(Problem::SeedMissing(seed.clone()));
                        (ParamStore::new(), Origin::Empty)
                    }
                    Err(error) => {
                        problems.push(Problem::SeedUnusable {
                            path: seed.clone(),
                            error,
                        });
                        (ParamStore::new(), Origin::Empty)
                    }
                },
            },
        };
        let dropped = store.prune(AGENT_SUBTREE);
        if dropped > 0 {
            problems.push(Problem::AgentSubtreeDropped(dropped));
        }
        for (i, (_, name, ty)) in EXTERNALS.iter().enumerate() {
            let spec = ParamSpec {
                ty: *ty,
                writable: false,
                constraint: Constraint::default(),
            };
            // Sixteen bits hold the eleven ids.
            match store.set_external(name, spec, i as u16) {
                Ok(true) => problems.push(Problem::Replaced(name)),
                Ok(false) => {}
                Err(e) => log::error!("built-in parameter {name}: {e}"),
            }
        }
        if store.param(PROVISIONING_CODE).is_err() {
            let spec = ParamSpec {
                ty: ValueType::String,
                writable: true,
                constraint: Constraint {
                    max_length: Some(64),
                    ..Constraint::default()
                },
            };
            if let Err(e) = store.add_param(PROVISIONING_CODE, spec, "") {
                log::error!("{PROVISIONING_CODE}: {e}");
            }
        }
        store.shrink();
        for p in &problems {
            match p {
                Problem::StateUnusable { .. } | Problem::SeedUnusable { .. } => {
                    log::error!("data model: {p}")
                }
                _ => log::warn!("data model: {p}"),
            }
        }
        if let Some(dir) = config.state_path.parent()
            && !dir.as_os_str().is_empty()
            && let Err(e) = fs::create_dir_all(dir)
        {
            log::error!("data model: cannot create {}: {e}", dir.display());
        }
        log::info!(
            "data model: {} parameters from {:?}",
            store.param_count(),
            origin
        );
        let backend = Builtin {
            store,
            device: config.device,
            root_version: config.root_data_model_version,
            uptime_path: config.uptime_path,
            state_path: config.state_path,
            stage: None,
        };
        (backend, LoadReport { origin, problems })
    }

    /// The parameter tree (for measurements and diagnostics).
    pub fn store(&self) -> &ParamStore {
        &self.store
    }

    fn external_value(&self, id: u16) -> Result<Cow<'_, str>, FaultCode> {
        let d = &self.device;
        let which = EXTERNALS
            .get(usize::from(id))
            .map(|e| e.0)
            .ok_or(FaultCode::INTERNAL_ERROR)?;
        Ok(Cow::Borrowed(match which {
            External::RootDataModelVersion => &self.root_version,
            External::Manufacturer => &d.manufacturer,
            External::ManufacturerOui => &d.manufacturer_oui,
            External::ProductClass => &d.product_class,
            External::SerialNumber => &d.serial_number,
            External::HardwareVersion => &d.hardware_version,
            External::SoftwareVersion => &d.software_version,
            External::ModelName => &d.model_name,
            External::Description => &d.description,
            External::CurrentLocalTime => {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
                return Ok(Cow::Owned(DateTime::from_unix(UnixTime(secs)).to_string()));
            }
            External::UpTime => {
                return read_uptime(&self.uptime_path)
                    .map(|s| Cow::Owned(s.to_string()))
                    .map_err(|e| {
                        log::error!("data model: UpTime: {e}");
                        FaultCode::INTERNAL_ERROR
                    });
            }
        }))
    }

    /// Writes the store to the state file; 9002 when that fails.
    fn persist(&self) -> Result<(), FaultCode> {
        fsutil::write_atomic_with(&self.state_path, |w| file::write(&self.store, w)).map_err(|e| {
            log::error!(
                "data model: writing {} failed, change not applied: {e}",
                self.state_path.display()
            );
            FaultCode::INTERNAL_ERROR
        })
    }

    /// Checks a value for a parameter and returns it as it is to be stored.
    fn checked<'v>(
        &self,
        name: &str,
        value: &'v str,
        value_type: ValueType,
    ) -> Result<&'v str, FaultCode> {
        let (spec, leaf) = self.store.param(name)?;
        if matches!(leaf, Leaf::External(_)) || !spec.writable {
            return Err(FaultCode::NON_WRITABLE_PARAMETER);
        }
        syntax::check(spec.ty, &spec.constraint, value, value_type)
    }
}

impl DataModel for Builtin {
    fn get(
        &mut self,
        path: &str,
        visit: &mut dyn FnMut(&Param<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        let mut failed = None;
        let this = &*self;
        this.store.get(path, &mut |name, spec, leaf| {
            let value = match leaf {
                Leaf::Stored(v) => Cow::Borrowed(v),
                Leaf::External(id) => match this.external_value(id) {
                    Ok(v) => v,
                    Err(f) => {
                        failed = Some(f);
                        return ControlFlow::Break(());
                    }
                },
            };
            visit(&Param {
                name,
                value: &value,
                value_type: spec.ty,
                writable: spec.writable,
            })
        })?;
        failed.map_or(Ok(()), Err)
    }

    fn names(
        &mut self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&Node<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        self.store.names(path, next_level, &mut |name, writable| {
            visit(&Node { name, writable })
        })
    }

    fn check(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode> {
        self.checked(name, value, value_type).map(|_| ())
    }

    fn begin(&mut self) -> Result<(), FaultCode> {
        self.stage = Some(Vec::new());
        Ok(())
    }

    fn stage(&mut self, name: &str, value: &str, value_type: ValueType) -> Result<(), FaultCode> {
        let v = self.checked(name, value, value_type)?;
        let entry = (Box::<str>::from(name), Box::<str>::from(v));
        let stage = self.stage.as_mut().ok_or(FaultCode::INTERNAL_ERROR)?;
        if stage.len() >= STAGE_MAX_VALUES {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        stage.push(entry);
        Ok(())
    }

    fn commit(&mut self) -> Result<Applied, FaultCode> {
        let stage = self.stage.take().ok_or(FaultCode::INTERNAL_ERROR)?;
        let mut undos = Vec::with_capacity(stage.len());
        for (name, value) in &stage {
            match self.store.set_value(name, value) {
                Ok(u) => undos.push(u),
                Err(f) => {
                    for u in undos.into_iter().rev() {
                        self.store.undo_value(u);
                    }
                    return Err(f);
                }
            }
        }
        if let Err(f) = self.persist() {
            for u in undos.into_iter().rev() {
                self.store.undo_value(u);
            }
            return Err(f);
        }
        for u in undos {
            self.store.settle_value(u);
        }
        self.store.compact_if_worthwhile();
        Ok(Applied::Now)
    }

    fn abort(&mut self) {
        self.stage = None;
    }

    fn add_object(&mut self, path: &str) -> Result<(u32, Applied), FaultCode> {
        let (n, undo) = self.store.add_instance(path)?;
        if let Err(f) = self.persist() {
            self.store.revert(undo);
            return Err(f);
        }
        self.store.settle(undo);
        Ok((n, Applied::Now))
    }

    fn delete_object(&mut self, path: &str) -> Result<Applied, FaultCode> {
        let undo = self.store.delete_instance(path)?;
        if let Err(f) = self.persist() {
            self.store.revert(undo);
            return Err(f);
        }
        self.store.settle(undo);
        Ok(Applied::Now)
    }
}
