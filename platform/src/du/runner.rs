//! What the event loop does for software modules: the sync at start and the ChangeDUState
//! operations, each blocking step on a worker thread.
//!
//! Responsible for ordering: the sync (`list`) runs first, then the changes the agent hands
//! over ([`Effect::ChangeDuState`](cwmp_core::agent::Effect::ChangeDuState)) in the order
//! they came, one operation at a time; each result goes to the agent as soon as it is known
//! (the agent persists it, so a power cut loses at most the running operation, which the agent
//! hands over again at the next start). Workers report through a channel and the loop's
//! waker; nothing here blocks the loop. Not responsible for the rules of an operation (`plan`)
//! nor for what a sync reports (`sync`).

use std::collections::VecDeque;
use std::path::Path;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::thread;

use cwmp_core::agent::du::{DuState, OpResult};
use cwmp_core::agent::{Agent, Clock};
use cwmp_core::soap::FaultCode;
use cwmp_core::time::DateTime;
use log::{error, info, warn};
use mio::Waker;

use super::DuSettings;
use super::model::WithSoftwareModules;
use super::plan::{self, Job, Step};
use super::report;
use super::script::{self, Failure, GENERIC, Listed, PackageInfo, Verb};
use super::sync;
use crate::net::{ConnectOptions, TlsConfig};
use crate::transfer::TransferOptions;

/// What the loop lends for one call.
pub struct Context<'a> {
    /// The DU settings (`None`: software modules are off).
    pub settings: Option<&'a DuSettings>,
    /// Where package files are downloaded to.
    pub transfer_dir: &'a Path,
    /// TLS for `https:` package URLs.
    pub tls: Option<&'a TlsConfig>,
    /// Connection timeouts of downloads.
    pub connect: ConnectOptions,
    /// `User-Agent` of downloads.
    pub user_agent: &'a str,
    /// Woken by workers when they finish.
    pub waker: &'a Arc<Waker>,
    /// Now.
    pub clock: Clock,
}

/// The operation running on a worker.
struct Running {
    id: u8,
    index: usize,
    job: Job,
    start: DateTime,
    result: Receiver<Result<Option<PackageInfo>, Failure>>,
}

/// The loop's software-module state; see the module documentation.
#[derive(Default)]
pub struct Runner {
    /// ChangeDUState requests handed over, in order (the first is the one running).
    queue: VecDeque<u8>,
    running: Option<Running>,
    /// The `list` of the sync at start, while it runs.
    listing: Option<Receiver<Result<Vec<Listed>, String>>>,
    /// The sync handed changes to the agent: the inventory is written once the agent's
    /// snapshot holds them ([`Runner::save_after_persist`]).
    inventory_unsaved: bool,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("queue", &self.queue)
            .field("running", &self.running.as_ref().map(|r| (r.id, r.index)))
            .field("listing", &self.listing.is_some())
            .field("inventory_unsaved", &self.inventory_unsaved)
            .finish()
    }
}

/// `.ipk`-style extension of the file a URL names (the package managers look at it), or "".
fn extension(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or("");
    let file = path.rsplit('/').next().unwrap_or("");
    match file.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (1..=8).contains(&ext.len())
                && ext.bytes().all(|b| b.is_ascii_alphanumeric()) =>
        {
            format!(".{ext}")
        }
        _ => String::new(),
    }
}

impl Runner {
    /// Nothing running, nothing queued.
    pub fn new() -> Runner {
        Runner::default()
    }

    /// True while a worker runs (the loop then wakes at least once a second as a safety net).
    pub fn is_busy(&self) -> bool {
        self.running.is_some() || self.listing.is_some()
    }

    /// Starts the sync at start: `list` on a worker. Operations wait until it is done.
    pub fn start_sync(&mut self, ctx: &Context<'_>) {
        let Some(settings) = ctx.settings else {
            return;
        };
        if let Some(helper) = missing_helper(&settings.command) {
            warn!(
                "software modules: the helper {} is not installed: ChangeDUState operations \
                 will fail (9001) until it is (or set cwmpd.software_modules 0)",
                helper.display()
            );
            return;
        }
        let (tx, rx) = mpsc::channel();
        let (command, timeout, waker) = (
            settings.command.clone(),
            settings.timeout,
            ctx.waker.clone(),
        );
        let spawned = thread::Builder::new()
            .name("cwmp-du-list".into())
            .spawn(move || {
                let listed = script::run(&command, Verb::List, timeout)
                    .map_err(|f| f.message)
                    .and_then(|out| script::parse_list(&out).map_err(|e| e.to_string()));
                let _ = tx.send(listed);
                let _ = waker.wake();
            });
        match spawned {
            Ok(_) => self.listing = Some(rx),
            Err(e) => error!("software modules: cannot list the packages: {e}"),
        }
    }

    /// The agent handed over ChangeDUState `id`.
    pub fn change(
        &mut self,
        id: u8,
        agent: &mut Agent,
        dm: &mut WithSoftwareModules<'_>,
        ctx: &Context<'_>,
    ) {
        if ctx.settings.is_none() || dm.modules().is_none() {
            refuse(id, agent, ctx.clock);
            return;
        }
        if !self.queue.contains(&id) {
            self.queue.push_back(id);
        }
        self.pump(agent, dm, ctx);
    }

    /// Writes the inventory the sync changed. Call after the agent's snapshot was written: a
    /// power cut in between then reports a change twice rather than never.
    pub fn save_after_persist(&mut self, dm: &mut WithSoftwareModules<'_>) {
        if !std::mem::take(&mut self.inventory_unsaved) {
            return;
        }
        if let Some(m) = dm.modules_mut()
            && let Err(e) = m.inventory.save()
        {
            error!("cannot write {}: {e}", m.inventory.path().display());
        }
    }

    /// Collects what workers finished (call when the loop's waker fired).
    pub fn collect(
        &mut self,
        agent: &mut Agent,
        dm: &mut WithSoftwareModules<'_>,
        ctx: &Context<'_>,
    ) {
        if let Some(rx) = &self.listing {
            let listed = match rx.try_recv() {
                Ok(r) => Some(r),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => Some(Err("the list worker died".to_owned())),
            };
            if let Some(listed) = listed {
                self.listing = None;
                self.inventory_unsaved = finish_sync(listed, agent, dm, ctx.clock);
                self.pump(agent, dm, ctx);
            }
        }
        if let Some(r) = &self.running {
            let result = match r.result.try_recv() {
                Ok(result) => Some(result),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => {
                    Some(Err(Failure::new(GENERIC, "the DU worker died")))
                }
            };
            if let Some(result) = result
                && let Some(r) = self.running.take()
            {
                if let Some(m) = dm.modules_mut() {
                    let outcome = plan::commit(m, r.job, result);
                    let reported = report::op_result(&outcome, r.start, ctx.clock.datetime());
                    log_result(r.id, r.index, &reported);
                    agent.du_operation_done(r.id, r.index, reported, ctx.clock);
                }
                self.pump(agent, dm, ctx);
            }
        }
    }

    /// Plans operations until one needs a worker (or none is left).
    fn pump(&mut self, agent: &mut Agent, dm: &mut WithSoftwareModules<'_>, ctx: &Context<'_>) {
        if self.is_busy() {
            return;
        }
        let Some(settings) = ctx.settings else {
            return;
        };
        while let Some(&id) = self.queue.front() {
            let Some((index, op)) = agent
                .du_change(id)
                .and_then(|c| c.pending().next())
                .map(|(i, op)| (i, op.clone()))
            else {
                self.queue.pop_front();
                continue;
            };
            let Some(m) = dm.modules_mut() else {
                return;
            };
            let start = ctx.clock.datetime();
            let outcome = match plan::plan(m, &report::request_of(&op)) {
                Step::Done(outcome) => outcome,
                Step::Run(job) => {
                    let file = ctx
                        .transfer_dir
                        .join(format!("du-{id}-{index}{}", extension(&op.url)));
                    match spawn(&job, settings, &file, ctx) {
                        Ok(result) => {
                            info!("ChangeDUState {id}: operation {index} starts");
                            self.running = Some(Running {
                                id,
                                index,
                                job,
                                start,
                                result,
                            });
                            return;
                        }
                        Err(e) => {
                            let failure =
                                Failure::new(GENERIC, &format!("cannot start a DU worker: {e}"));
                            plan::commit(m, job, Err(failure))
                        }
                    }
                }
            };
            let reported = report::op_result(&outcome, start, ctx.clock.datetime());
            log_result(id, index, &reported);
            agent.du_operation_done(id, index, reported, ctx.clock);
            let recorded = agent
                .du_change(id)
                .and_then(|c| c.operations.get(index))
                .is_none_or(|o| o.result.is_some());
            if !recorded {
                // Never expected: without it the same operation would be planned forever.
                error!("ChangeDUState {id}: the agent did not take result {index}");
                self.queue.pop_front();
            }
        }
    }
}

/// Starts the worker of a planned operation; the channel its result comes on.
fn spawn(
    job: &Job,
    settings: &DuSettings,
    file: &Path,
    ctx: &Context<'_>,
) -> std::io::Result<Receiver<Result<Option<PackageInfo>, Failure>>> {
    let work = job.work(&settings.command, file, settings.timeout);
    let options = TransferOptions {
        tls: ctx.tls.cloned(),
        connect: ctx.connect,
        user_agent: ctx.user_agent.to_owned(),
        ..TransferOptions::default()
    };
    let (tx, rx) = mpsc::channel();
    let waker = ctx.waker.clone();
    thread::Builder::new()
        .name("cwmp-du".into())
        .spawn(move || {
            let _ = tx.send(plan::perform(&work, options));
            let _ = waker.wake();
        })
        .map(|_| rx)
}

/// Every pending operation of `id` fails: software modules are off (they were turned off
/// while the change waited, or the backend is not the builtin one).
fn refuse(id: u8, agent: &mut Agent, clock: Clock) {
    let pending: Vec<usize> = match agent.du_change(id) {
        Some(c) => c.pending().map(|(i, _)| i).collect(),
        None => return,
    };
    warn!("ChangeDUState {id}: software modules are off; its operations fail");
    let now = clock.datetime();
    for i in pending {
        let mut r = OpResult::new(DuState::Failed, GENERIC, now, now);
        r.resolved = false;
        let _ = r.fault_string.push_str("software modules are turned off");
        agent.du_operation_done(id, i, r, clock);
    }
}

fn log_result(id: u8, index: usize, r: &OpResult) {
    if r.fault == FaultCode::NONE {
        info!(
            "ChangeDUState {id}: operation {index} done: {} {} {}",
            r.current_state.as_str(),
            r.deployment_unit_ref,
            r.version
        );
    } else {
        warn!(
            "ChangeDUState {id}: operation {index} failed with {}: {}",
            r.fault.0,
            r.fault_text()
        );
    }
}

/// The program of `command` when it is an absolute path that does not exist (the package's
/// helper on a machine without it, e.g. a development host); `None` otherwise.
fn missing_helper(command: &str) -> Option<&Path> {
    let first = command.split_whitespace().next()?;
    let path = Path::new(first.trim_matches(|c| c == '"' || c == '\''));
    (path.is_absolute() && !path.exists()).then_some(path)
}

/// Applies the sync's package list (see `sync` for the rule). True when the inventory changed
/// with changes handed to the agent: the caller writes it after the agent's snapshot.
fn finish_sync(
    listed: Result<Vec<Listed>, String>,
    agent: &mut Agent,
    dm: &mut WithSoftwareModules<'_>,
    clock: Clock,
) -> bool {
    let Some(m) = dm.modules_mut() else {
        return false;
    };
    let listed = match listed {
        Ok(l) => l,
        Err(e) => {
            error!(
                "software modules: cannot list the installed packages ({e}); packages changed \
                 without the ACS are looked for again at the next start"
            );
            return false;
        }
    };
    let inv = &mut m.inventory;
    if !inv.synced() {
        let left_out = sync::adopt(inv, &listed);
        if left_out > 0 {
            warn!("software modules: {left_out} packages left out: the table is full");
        }
        // Said once the baseline is on disk: a crash before that adopts again at the next start.
        match inv.save() {
            Ok(()) => info!(
                "software modules: {} installed packages taken as deployment units",
                inv.units().len()
            ),
            Err(e) => error!("cannot write {}: {e}", inv.path().display()),
        }
        false
    } else {
        let changes = sync::diff(inv, &listed);
        if changes.is_empty() {
            info!("software modules: the installed packages match the deployment units");
            return false;
        }
        for c in &changes {
            let (kind, result) = report::autonomous_result(c);
            match agent.du_autonomous_change(kind, result, clock) {
                Ok(()) => {
                    info!(
                        "software modules: {} {} {} without the ACS",
                        c.unit.name,
                        c.unit.version,
                        kind.as_str()
                    );
                    sync::apply(inv, c);
                }
                Err(_) => {
                    warn!(
                        "software modules: the agent holds enough unreported changes; {} and \
                         the rest are reported after the next start",
                        c.unit.name
                    );
                    break;
                }
            }
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_files_keep_the_extension_of_their_url() {
        assert_eq!(extension("http://h/p/tcpdump_4.99_x86.ipk"), ".ipk");
        assert_eq!(extension("https://h/a.apk?token=x.y"), ".apk");
        assert_eq!(extension("http://h/download?id=3"), "");
        assert_eq!(extension("http://h/.hidden"), "");
        assert_eq!(extension("http://h/p.tar.gz#frag"), ".gz");
        assert_eq!(extension("http://h/p.x;rm"), "");
    }

    #[test]
    fn a_helper_named_by_a_missing_absolute_path_is_reported_missing() {
        let missing = "/nonexistent/cwmpd-du \"$@\"";
        assert_eq!(
            missing_helper(missing),
            Some(Path::new("/nonexistent/cwmpd-du"))
        );
        assert_eq!(
            missing_helper("'/nonexistent/du' \"$@\""),
            Some(Path::new("/nonexistent/du"))
        );
        // Present, relative (found through PATH by the shell) or a shell construct: run it.
        assert_eq!(missing_helper("/bin/sh -c true"), None);
        assert_eq!(missing_helper("cwmpd-du \"$@\""), None);
        assert_eq!(missing_helper(""), None);
    }
}
