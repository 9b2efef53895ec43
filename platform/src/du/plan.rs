//! One ChangeDUState operation: what it acts on, the work it needs, and its result.
//!
//! Responsible for the rules of each operation against the inventory, in three steps that
//! keep the blocking part off the event loop: [`plan`] (on the loop: checks that fail at once,
//! such as an unknown UUID, give an [`Outcome`] without any work), [`perform`] (on a worker:
//! the download and the helper) and [`commit`] (on the loop: the inventory changes and the
//! result). Operations run one at a time, each planned after the previous one committed, so
//! the second operation of a change sees what the first one did.
//!
//! # Rules
//!
//! * **Install**: an `ExecutionEnvRef` other than `ExecEnv.1` is 9023; a UUID the inventory
//!   has is 9026; a full inventory is 9027. The URL is downloaded (the transfer's faults, with
//!   those the schema does not allow for DU results mapped to 9017) and given to `install`.
//!   The new unit gets the ACS's UUID, else the Annex C UUID of the Name and Vendor the helper
//!   reported.
//! * **Update**: the unit is the one with the UUID, else (no UUID) the one installed from the
//!   URL; neither given would mean "every unit", which is refused with 9003 (one result cannot
//!   report several units). No such unit is 9028, as is a `Version` other than the unit's:
//!   `Version` names the installed version to update (each package has one). The file comes
//!   from the operation's URL, else from the unit's; with neither, 9003. `update FILE NAME`
//!   runs; the unit keeps its UUID and takes the new version (and the URL, when one was given).
//! * **Uninstall**: 9023 as for Install; the unit is the one with the UUID (and the `Version`,
//!   when given), else 9028; `uninstall NAME` runs and the unit leaves the table.
//!
//! Results: `Installed` after an Install or Update, `Uninstalled` after an Uninstall; when an
//! operation fails, `Failed` for an Install or for a unit that does not exist, and `Installed`
//! for an Update or Uninstall of an existing unit (it is still there). A failed operation
//! without a unit reports no UUID: the agent puts the ACS's in, else a random one (the schema
//! requires one in every result).

use std::path::{Path, PathBuf};
use std::time::Duration;

use cwmp_core::soap::FaultCode;

use super::inventory::{Activity, DeploymentUnit};
use super::model::{SoftwareModules, is_our_exec_env};
use super::script::{self, Failure, GENERIC, PackageInfo, Verb};
use super::uuid::Uuid;
use crate::transfer::{Download, TransferHandle, TransferOptions, TransferRequest};

/// Which operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `InstallOpStruct`.
    Install,
    /// `UpdateOpStruct`.
    Update,
    /// `UninstallOpStruct`.
    Uninstall,
}

/// An operation as the ACS sent it (empty strings for absent arguments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// Which operation.
    pub kind: Kind,
    /// `URL`.
    pub url: &'a str,
    /// `UUID`.
    pub uuid: &'a str,
    /// `Version`.
    pub version: &'a str,
    /// `Username` for the file server.
    pub username: &'a str,
    /// `Password` for the file server.
    pub password: &'a str,
    /// `ExecutionEnvRef`.
    pub execution_env_ref: &'a str,
}

/// `CurrentState` of a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// `Installed`.
    Installed,
    /// `Uninstalled`.
    Uninstalled,
    /// `Failed`.
    Failed,
}

/// The result of one operation, for its `OpResultStruct`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `UUID`: `None` when no unit is known (the agent fills it in).
    pub uuid: Option<Uuid>,
    /// The unit's instance (`DeploymentUnitRef`); `None` when there is no unit.
    pub instance: Option<u32>,
    /// `Version`.
    pub version: String,
    /// `CurrentState`.
    pub state: State,
    /// `Resolved`.
    pub resolved: bool,
    /// `Fault`: `None` on success.
    pub failure: Option<Failure>,
}

/// What a planned operation does on the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Install,
    Update { instance: u32, name: String },
    Uninstall { instance: u32, name: String },
}

/// An operation that needs work off the loop; hand [`Job::work`] to a worker, then the result
/// to [`commit`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    action: Action,
    /// The URL to download (empty: nothing to download).
    url: String,
    username: String,
    password: String,
    /// The UUID the ACS gave (Install).
    uuid: Option<Uuid>,
}

/// The blocking part of an operation, for a worker thread.
#[derive(Debug, Clone)]
pub struct Work {
    /// The helper (`du_command`).
    pub command: String,
    /// The download, if any (its destination is the package file).
    pub download: Option<Download>,
    /// The package file.
    pub file: PathBuf,
    /// What to ask the helper: `install`, `update NAME` or `uninstall NAME`.
    pub action: WorkAction,
    /// The helper's time limit.
    pub timeout: Duration,
}

/// The helper verb of a [`Work`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkAction {
    /// `install FILE`.
    Install,
    /// `update FILE NAME`.
    Update(String),
    /// `uninstall NAME`.
    Uninstall(String),
}

/// What [`plan`] decided.
#[derive(Debug)]
pub enum Step {
    /// Finished without work (a check failed).
    Done(Outcome),
    /// Needs the download and the helper.
    Run(Job),
}

fn failed(uuid: Option<Uuid>, fault: FaultCode, message: &str) -> Step {
    Step::Done(Outcome {
        uuid,
        instance: None,
        version: String::new(),
        state: State::Failed,
        resolved: false,
        failure: Some(Failure::new(fault, message)),
    })
}

/// Checks `req` against the inventory: a result at once, or the work to do. A unit an Update
/// or Uninstall will act on shows `Updating` / `Uninstalling` until [`commit`].
pub fn plan(m: &mut SoftwareModules, req: &Request<'_>) -> Step {
    let inv = &mut m.inventory;
    let job = |action, url: &str| Job {
        action,
        url: url.to_owned(),
        username: req.username.to_owned(),
        password: req.password.to_owned(),
        uuid: Uuid::parse(req.uuid),
    };
    let ee_ok = req.execution_env_ref.is_empty() || is_our_exec_env(req.execution_env_ref);
    match req.kind {
        Kind::Install => {
            if !ee_ok {
                return failed(
                    None,
                    FaultCode(9023),
                    &format!("unknown execution environment {}", req.execution_env_ref),
                );
            }
            if let Some(u) = Uuid::parse(req.uuid).and_then(|id| inv.by_uuid(&id)) {
                return failed(
                    None,
                    FaultCode(9026),
                    &format!(
                        "deployment unit {} ({}) is already installed",
                        u.uuid, u.name
                    ),
                );
            }
            if inv.is_full() {
                return failed(None, FaultCode(9027), "no room for another deployment unit");
            }
            if req.url.is_empty() {
                return failed(None, FaultCode::INVALID_ARGUMENTS, "no URL to install from");
            }
            Step::Run(job(Action::Install, req.url))
        }
        Kind::Update => {
            let unit = if !req.uuid.is_empty() {
                Uuid::parse(req.uuid).and_then(|id| inv.by_uuid(&id))
            } else if !req.url.is_empty() {
                inv.by_url(req.url)
            } else {
                return failed(
                    None,
                    FaultCode::INVALID_ARGUMENTS,
                    "updating every deployment unit at once is not supported: give a UUID or a URL",
                );
            };
            let Some(unit) = unit else {
                return failed(None, FaultCode(9028), "no such deployment unit");
            };
            if !req.version.is_empty() && req.version != unit.version {
                return failed(
                    Some(unit.uuid),
                    FaultCode(9028),
                    &format!(
                        "deployment unit {} has version {}, not {}",
                        unit.name, unit.version, req.version
                    ),
                );
            }
            let url = if req.url.is_empty() {
                &unit.url
            } else {
                req.url
            };
            if url.is_empty() {
                return still_installed(
                    unit,
                    FaultCode::INVALID_ARGUMENTS,
                    "no URL to update from (the unit was not installed from one)",
                );
            }
            let action = Action::Update {
                instance: unit.instance,
                name: unit.name.clone(),
            };
            let j = job(action, url);
            let instance = unit.instance;
            inv.set_activity(Some((instance, Activity::Updating)));
            Step::Run(j)
        }
        Kind::Uninstall => {
            if !ee_ok {
                return failed(
                    None,
                    FaultCode(9023),
                    &format!("unknown execution environment {}", req.execution_env_ref),
                );
            }
            let unit = Uuid::parse(req.uuid).and_then(|id| inv.by_uuid(&id));
            let Some(unit) = unit.filter(|u| req.version.is_empty() || req.version == u.version)
            else {
                return failed(None, FaultCode(9028), "no such deployment unit");
            };
            let action = Action::Uninstall {
                instance: unit.instance,
                name: unit.name.clone(),
            };
            let j = job(action, "");
            let instance = unit.instance;
            inv.set_activity(Some((instance, Activity::Uninstalling)));
            Step::Run(j)
        }
    }
}

/// A failed Update or Uninstall of a unit that is still installed.
fn still_installed(unit: &DeploymentUnit, fault: FaultCode, message: &str) -> Step {
    Step::Done(Outcome {
        uuid: Some(unit.uuid),
        instance: Some(unit.instance),
        version: unit.version.clone(),
        state: State::Installed,
        resolved: true,
        failure: Some(Failure::new(fault, message)),
    })
}

impl Job {
    /// The blocking part: `file` is where the package is downloaded to.
    pub fn work(&self, command: &str, file: &Path, timeout: Duration) -> Work {
        let download = (!self.url.is_empty()).then(|| Download {
            url: self.url.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            file_size: 0,
            destination: file.to_path_buf(),
        });
        let action = match &self.action {
            Action::Install => WorkAction::Install,
            Action::Update { name, .. } => WorkAction::Update(name.clone()),
            Action::Uninstall { name, .. } => WorkAction::Uninstall(name.clone()),
        };
        Work {
            command: command.to_owned(),
            download,
            file: file.to_path_buf(),
            action,
            timeout,
        }
    }
}

/// A transfer fault as a DU fault: the codes `DeploymentUnitFaultStruct` allows pass, the
/// others (9010 generic download failure, 9019...) become 9017 "unable to complete download".
pub fn download_fault(f: FaultCode) -> FaultCode {
    match f.0 {
        9012 | 9013 | 9015..=9018 => f,
        _ => FaultCode::DOWNLOAD_INCOMPLETE,
    }
}

/// Runs `work` (blocking: call it on a worker thread): the download, then the helper. The
/// package file is removed afterwards. `Some` package information after `install`/`update`.
pub fn perform(work: &Work, options: TransferOptions) -> Result<Option<PackageInfo>, Failure> {
    let result = perform_steps(work, options);
    if work.download.is_some() {
        let _ = std::fs::remove_file(&work.file);
    }
    result
}

fn perform_steps(work: &Work, options: TransferOptions) -> Result<Option<PackageInfo>, Failure> {
    if let Some(d) = &work.download {
        if let Some(dir) = d.destination.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let handle = TransferHandle::spawn(TransferRequest::Download(d.clone()), options, None)
            .map_err(|e| Failure::new(GENERIC, &format!("cannot start the download: {e}")))?;
        let r = handle
            .wait()
            .ok_or_else(|| Failure::new(GENERIC, "the download stopped"))?;
        if r.fault != FaultCode::NONE {
            return Err(Failure::new(download_fault(r.fault), &r.fault_string));
        }
    }
    let verb = match &work.action {
        WorkAction::Install => Verb::Install(&work.file),
        WorkAction::Update(name) => Verb::Update(&work.file, name),
        WorkAction::Uninstall(name) => Verb::Uninstall(name),
    };
    let out = script::run(&work.command, verb, work.timeout)?;
    match work.action {
        WorkAction::Uninstall(_) => Ok(None),
        _ => script::parse_package(&out)
            .map(Some)
            .map_err(|e| Failure::new(GENERIC, &format!("the DU helper's output: {e}"))),
    }
}

/// Applies the finished `job` to the inventory (and writes it) and gives the result.
pub fn commit(
    m: &mut SoftwareModules,
    job: Job,
    result: Result<Option<PackageInfo>, Failure>,
) -> Outcome {
    let inv = &mut m.inventory;
    inv.set_activity(None);
    let outcome = match (job.action, result) {
        (Action::Install, Ok(Some(info))) => {
            let uuid = job
                .uuid
                .unwrap_or_else(|| Uuid::for_deployment_unit(&info.name, &info.vendor));
            let mut unit = DeploymentUnit {
                instance: 0,
                uuid,
                name: info.name,
                version: info.version,
                vendor: info.vendor,
                description: info.description,
                url: job.url,
            };
            let clash = inv
                .by_uuid(&uuid)
                .filter(|u| u.name != unit.name)
                .map(|u| u.name.clone());
            if let Some(other) = clash {
                return install_failed(
                    Some(uuid),
                    FaultCode(9026),
                    &format!("UUID {uuid} belongs to deployment unit {other}"),
                );
            }
            // The helper reinstalled a package the table has (it should have refused with 3):
            // the unit is replaced in place.
            let existing = inv.by_name(&unit.name).map(|u| u.instance);
            let instance = match existing {
                Some(n) => {
                    unit.instance = n;
                    inv.replace(unit.clone());
                    n
                }
                None => match inv.insert(unit.clone()) {
                    Ok(n) => n,
                    Err(_) => {
                        return install_failed(
                            Some(uuid),
                            FaultCode(9027),
                            "no room for another deployment unit",
                        );
                    }
                },
            };
            Outcome {
                uuid: Some(uuid),
                instance: Some(instance),
                version: unit.version,
                state: State::Installed,
                resolved: true,
                failure: None,
            }
        }
        (Action::Install, Ok(None)) => install_failed(None, GENERIC, "no package information"),
        (Action::Install, Err(f)) => Outcome {
            uuid: None,
            instance: None,
            version: String::new(),
            state: State::Failed,
            resolved: false,
            failure: Some(f),
        },
        (Action::Update { instance, .. }, result) => {
            let Some(mut unit) = inv.get(instance).cloned() else {
                return install_failed(None, FaultCode(9028), "the unit went away");
            };
            let info = match result {
                Ok(Some(info)) if info.name == unit.name => info,
                Ok(Some(info)) => {
                    return unit_failed(
                        &unit,
                        FaultCode::FILE_CORRUPTED,
                        &format!("the file holds package {}, not {}", info.name, unit.name),
                    );
                }
                Ok(None) => return unit_failed(&unit, GENERIC, "no package information"),
                Err(f) => return unit_failed(&unit, f.fault, &f.message),
            };
            unit.version = info.version;
            unit.vendor = info.vendor;
            unit.description = info.description;
            unit.url = job.url;
            inv.replace(unit.clone());
            Outcome {
                uuid: Some(unit.uuid),
                instance: Some(instance),
                version: unit.version,
                state: State::Installed,
                resolved: true,
                failure: None,
            }
        }
        (Action::Uninstall { instance, .. }, result) => {
            let Some(unit) = inv.get(instance).cloned() else {
                return install_failed(None, FaultCode(9028), "the unit went away");
            };
            if let Err(f) = result {
                return unit_failed(&unit, f.fault, &f.message);
            }
            inv.remove(instance);
            Outcome {
                uuid: Some(unit.uuid),
                instance: Some(instance),
                version: unit.version,
                state: State::Uninstalled,
                resolved: true,
                failure: None,
            }
        }
    };
    if let Err(e) = inv.save() {
        // The package change happened; the table is right in memory and is written again
        // with the next change (and the next start's sync corrects the file).
        log::error!("cannot write {}: {e}", inv.path().display());
    }
    outcome
}

fn install_failed(uuid: Option<Uuid>, fault: FaultCode, message: &str) -> Outcome {
    Outcome {
        uuid,
        instance: None,
        version: String::new(),
        state: State::Failed,
        resolved: false,
        failure: Some(Failure::new(fault, message)),
    }
}

fn unit_failed(unit: &DeploymentUnit, fault: FaultCode, message: &str) -> Outcome {
    Outcome {
        uuid: Some(unit.uuid),
        instance: Some(unit.instance),
        version: unit.version.clone(),
        state: State::Installed,
        resolved: true,
        failure: Some(Failure::new(fault, message)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::du::inventory::Inventory;
    use crate::du::limits::DU_MAX;
    use crate::du::model::ExecEnv;

    const URL: &str = "http://files.example/tcpdump_4.99_x86.ipk";

    fn modules(tag: &str) -> SoftwareModules {
        let dir = std::env::temp_dir().join(format!("cwmpd-du-plan-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        SoftwareModules {
            inventory: Inventory::new(dir.join("du.json")),
            exec_env: ExecEnv::openwrt("ACME", "1"),
        }
    }

    fn req(kind: Kind) -> Request<'static> {
        Request {
            kind,
            url: "",
            uuid: "",
            version: "",
            username: "",
            password: "",
            execution_env_ref: "",
        }
    }

    fn info(name: &str, version: &str) -> PackageInfo {
        PackageInfo {
            name: name.into(),
            version: version.into(),
            vendor: "openwrt.org".into(),
            description: "d".into(),
        }
    }

    fn fault_of(step: Step) -> (u32, State) {
        match step {
            Step::Done(o) => (o.failure.expect("a failure").fault.0, o.state),
            Step::Run(j) => panic!("expected a failure, got {j:?}"),
        }
    }

    fn install(m: &mut SoftwareModules, name: &str, uuid: &'static str) -> Outcome {
        let mut r = req(Kind::Install);
        r.url = URL;
        r.uuid = uuid;
        let Step::Run(job) = plan(m, &r) else {
            panic!("install refused")
        };
        commit(m, job, Ok(Some(info(name, "1.0"))))
    }

    #[test]
    fn install_adds_a_unit_with_the_annex_c_uuid() {
        let mut m = modules("install");
        let o = install(&mut m, "tcpdump", "");
        assert_eq!(o.failure, None);
        assert_eq!(o.state, State::Installed);
        assert_eq!(o.instance, Some(1));
        assert_eq!(
            o.uuid,
            Some(Uuid::for_deployment_unit("tcpdump", "openwrt.org"))
        );
        let u = &m.inventory.units()[0];
        assert_eq!((u.name.as_str(), u.url.as_str()), ("tcpdump", URL));
        // Written: a new start sees it.
        let (back, _) = Inventory::open(m.inventory.path());
        assert_eq!(back.units(), m.inventory.units());
    }

    #[test]
    fn install_keeps_the_acs_uuid_and_refuses_it_twice() {
        let mut m = modules("dup");
        let id = "11111111-2222-5333-8444-555555555555";
        let o = install(&mut m, "tcpdump", id);
        assert_eq!(o.uuid.unwrap().to_string(), id);
        let mut r = req(Kind::Install);
        r.url = URL;
        r.uuid = "11111111-2222-5333-8444-555555555555";
        assert_eq!(fault_of(plan(&mut m, &r)), (9026, State::Failed));
    }

    #[test]
    fn install_into_a_full_table_is_9027() {
        let mut m = modules("full");
        for i in 0..DU_MAX {
            let mut r = req(Kind::Install);
            r.url = URL;
            let Step::Run(job) = plan(&mut m, &r) else {
                panic!()
            };
            commit(&mut m, job, Ok(Some(info(&format!("p{i}"), "1"))));
        }
        let mut r = req(Kind::Install);
        r.url = URL;
        assert_eq!(fault_of(plan(&mut m, &r)), (9027, State::Failed));
    }

    #[test]
    fn install_on_another_execution_environment_is_9023() {
        let mut m = modules("ee");
        let mut r = req(Kind::Install);
        r.url = URL;
        r.execution_env_ref = "Device.SoftwareModules.ExecEnv.2";
        assert_eq!(fault_of(plan(&mut m, &r)), (9023, State::Failed));
        r.execution_env_ref = "Device.SoftwareModules.ExecEnv.1.";
        assert!(matches!(plan(&mut m, &r), Step::Run(_)));
    }

    #[test]
    fn failed_install_reports_failed_without_a_uuid_of_its_own() {
        let mut m = modules("fail");
        let mut r = req(Kind::Install);
        r.url = URL;
        let Step::Run(job) = plan(&mut m, &r) else {
            panic!()
        };
        let o = commit(
            &mut m,
            job,
            Err(Failure::new(FaultCode(9016), "404 Not Found")),
        );
        assert_eq!(o.state, State::Failed);
        assert_eq!(o.uuid, None, "the agent puts one in");
        assert_eq!(o.failure.unwrap().message, "404 Not Found");
        assert!(m.inventory.units().is_empty());
    }

    #[test]
    fn update_by_uuid_takes_the_new_version_and_keeps_the_uuid() {
        let mut m = modules("update");
        let first = install(&mut m, "tcpdump", "");
        let id = first.uuid.unwrap().to_string();
        let mut r = req(Kind::Update);
        r.uuid = &id;
        let Step::Run(job) = plan(&mut m, &r) else {
            panic!()
        };
        assert_eq!(m.inventory.status(1), "Updating");
        let w = job.work("helper", Path::new("/tmp/f.ipk"), Duration::from_secs(1));
        assert_eq!(
            w.download.as_ref().map(|d| d.url.as_str()),
            Some(URL),
            "the unit's URL"
        );
        assert_eq!(w.action, WorkAction::Update("tcpdump".into()));
        let o = commit(&mut m, job, Ok(Some(info("tcpdump", "2.0"))));
        assert_eq!(
            (o.uuid, o.version.as_str(), o.state),
            (first.uuid, "2.0", State::Installed)
        );
        assert_eq!(m.inventory.status(1), "Installed");
        assert_eq!(m.inventory.units()[0].version, "2.0");
    }

    #[test]
    fn update_by_url_alone_finds_the_unit_installed_from_it() {
        let mut m = modules("byurl");
        install(&mut m, "tcpdump", "");
        let mut r = req(Kind::Update);
        r.url = URL;
        assert!(matches!(plan(&mut m, &r), Step::Run(_)));
        r.url = "http://elsewhere/x.ipk";
        assert_eq!(fault_of(plan(&mut m, &r)), (9028, State::Failed));
    }

    #[test]
    fn update_without_uuid_or_url_is_refused() {
        let mut m = modules("all");
        install(&mut m, "tcpdump", "");
        assert_eq!(
            fault_of(plan(&mut m, &req(Kind::Update))),
            (9003, State::Failed)
        );
    }

    #[test]
    fn update_of_an_unknown_unit_or_version_is_9028() {
        let mut m = modules("unknown");
        let first = install(&mut m, "tcpdump", "");
        let mut r = req(Kind::Update);
        r.uuid = "11111111-2222-5333-8444-555555555555";
        assert_eq!(fault_of(plan(&mut m, &r)), (9028, State::Failed));
        let id = first.uuid.unwrap().to_string();
        r.uuid = &id;
        r.version = "0.9";
        assert_eq!(fault_of(plan(&mut m, &r)), (9028, State::Failed));
    }

    #[test]
    fn failed_update_leaves_the_unit_installed() {
        let mut m = modules("updfail");
        let first = install(&mut m, "tcpdump", "");
        let id = first.uuid.unwrap().to_string();
        let mut r = req(Kind::Update);
        r.uuid = &id;
        let Step::Run(job) = plan(&mut m, &r) else {
            panic!()
        };
        let o = commit(&mut m, job, Err(Failure::new(FaultCode(9030), "downgrade")));
        assert_eq!((o.state, o.version.as_str()), (State::Installed, "1.0"));
        assert_eq!(o.instance, Some(1));
        let Step::Run(job) = plan(&mut m, &r) else {
            panic!()
        };
        let o = commit(&mut m, job, Ok(Some(info("other-pkg", "3"))));
        assert_eq!(o.failure.unwrap().fault, FaultCode::FILE_CORRUPTED);
        assert_eq!(m.inventory.units()[0].version, "1.0");
    }

    #[test]
    fn uninstall_removes_the_unit_for_good() {
        let mut m = modules("uninstall");
        let first = install(&mut m, "tcpdump", "");
        let id = first.uuid.unwrap().to_string();
        let mut r = req(Kind::Uninstall);
        r.uuid = &id;
        r.version = "0.9";
        assert_eq!(fault_of(plan(&mut m, &r)), (9028, State::Failed));
        r.version = "1.0";
        r.execution_env_ref = "Device.SoftwareModules.ExecEnv.7";
        assert_eq!(fault_of(plan(&mut m, &r)), (9023, State::Failed));
        r.execution_env_ref = "";
        let Step::Run(job) = plan(&mut m, &r) else {
            panic!()
        };
        assert_eq!(m.inventory.status(1), "Uninstalling");
        let w = job.work("helper", Path::new("/tmp/x"), Duration::from_secs(1));
        assert!(w.download.is_none());
        assert_eq!(w.action, WorkAction::Uninstall("tcpdump".into()));
        let o = commit(&mut m, job, Ok(None));
        assert_eq!((o.state, o.instance), (State::Uninstalled, Some(1)));
        assert!(m.inventory.units().is_empty());
        assert_eq!(fault_of(plan(&mut m, &r)), (9028, State::Failed));
    }

    #[test]
    fn failed_uninstall_leaves_the_unit_installed() {
        let mut m = modules("unfail");
        let first = install(&mut m, "tcpdump", "");
        let id = first.uuid.unwrap().to_string();
        let mut r = req(Kind::Uninstall);
        r.uuid = &id;
        let Step::Run(job) = plan(&mut m, &r) else {
            panic!()
        };
        let o = commit(
            &mut m,
            job,
            Err(Failure::new(FaultCode(9029), "needed by luci")),
        );
        assert_eq!(o.state, State::Installed);
        assert_eq!(m.inventory.units().len(), 1);
        assert_eq!(m.inventory.status(1), "Installed");
    }

    #[test]
    fn download_faults_outside_the_du_list_become_9017() {
        assert_eq!(download_fault(FaultCode(9016)), FaultCode(9016));
        assert_eq!(download_fault(FaultCode(9015)), FaultCode(9015));
        assert_eq!(download_fault(FaultCode(9010)), FaultCode(9017));
        assert_eq!(download_fault(FaultCode(9019)), FaultCode(9017));
        assert_eq!(download_fault(FaultCode(9002)), FaultCode(9017));
    }
}
