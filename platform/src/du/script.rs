//! The helper that installs, updates, removes and lists packages (`du_command`, by default
//! the shipped `/usr/libexec/cwmpd-du`), and what its answers mean.
//!
//! Responsible for running it as `/bin/sh -c CMD cwmpd VERB ARGS...` (the convention of every
//! command cwmpd runs) in its own process group, with bounded capture of its standard output
//! and error and a time limit ([`COMMAND_TIMEOUT`] in production); for mapping its exit status
//! to the CWMP fault of the operation; and for parsing what it prints. Runs on a worker
//! thread: everything here blocks. Not responsible for deciding what to run (`plan`).
//!
//! # The helper's contract
//!
//! | verb | arguments | prints on success |
//! |---|---|---|
//! | `install` | `FILE` (the downloaded package) | `name=`, `version=`, `vendor=`, `description=` lines of the installed package |
//! | `update` | `FILE NAME` (the new version of the installed package `NAME`) | the same lines, for the version now installed |
//! | `uninstall` | `NAME` | nothing |
//! | `list` | – | one line per user-installed package: `NAME<TAB>VERSION[<TAB>VENDOR]` |
//!
//! `name` and `version` are required; other keys are ignored; a key given twice is an error.
//! Exit status: 0 success; 3 already installed (9026); 4 no space left (9027); 5 not a valid
//! package (9018); 6 a downgrade refused (9030); 7 this version is already installed (9032);
//! 8 no such package installed (9028); 9 other packages need it (9029); anything else,
//! or death by a signal, is 9001 with the first line of standard error as FaultString.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use cwmp_core::soap::FaultCode;

use super::inventory::{FieldError, check_name, check_text, check_version, clean_description};
use super::limits::{FAULT_STRING_MAX, LIST_MAX, OUTPUT_MAX, STDERR_MAX, VENDOR_MAX};

/// How long the output readers may go on after the helper exited (a daemon it started may
/// hold the pipes open; what was read by then is used).
const READ_GRACE: Duration = Duration::from_secs(2);
/// How often the helper is checked for having exited.
const POLL: Duration = Duration::from_millis(20);

/// What to ask the helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb<'a> {
    /// `install FILE`.
    Install(&'a Path),
    /// `update FILE NAME`.
    Update(&'a Path, &'a str),
    /// `uninstall NAME`.
    Uninstall(&'a str),
    /// `list`.
    List,
}

/// A failed operation: the CWMP fault and its FaultString.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The fault code for `OpResult.Fault`.
    pub fault: FaultCode,
    /// The FaultString, at most [`FAULT_STRING_MAX`] bytes.
    pub message: String,
}

impl Failure {
    /// A failure with `fault` and `message` (cut to [`FAULT_STRING_MAX`] bytes).
    pub fn new(fault: FaultCode, message: &str) -> Failure {
        Failure {
            fault,
            message: fault_string(message),
        }
    }
}

/// 9001: the generic failure of a DU operation (9002 is not a DU fault code in the schema).
pub const GENERIC: FaultCode = FaultCode::REQUEST_DENIED;

/// The fault of a helper that exited with `code` (see the module documentation).
pub fn fault_for_exit(code: i32) -> FaultCode {
    match code {
        3 => FaultCode(9026),
        4 => FaultCode(9027),
        5 => FaultCode::FILE_CORRUPTED,
        6 => FaultCode(9030),
        7 => FaultCode(9032),
        8 => FaultCode(9028),
        9 => FaultCode(9029),
        _ => GENERIC,
    }
}

/// `s` as a FaultString: trimmed, control characters dropped, at most [`FAULT_STRING_MAX`]
/// bytes cut at a character boundary.
pub fn fault_string(s: &str) -> String {
    let mut out = String::new();
    for c in s.trim().chars().filter(|c| !c.is_control()) {
        if out.len() + c.len_utf8() > FAULT_STRING_MAX {
            break;
        }
        out.push(c);
    }
    out
}

/// Output captured from one pipe, bounded.
#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    /// More arrived than was kept.
    overflow: bool,
}

/// Reads `src` to its end, keeping at most `max` bytes in `into`.
fn drain(mut src: impl Read, max: usize, into: &Mutex<Captured>) {
    let mut chunk = [0u8; 4096];
    loop {
        match src.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                let mut c = into.lock().unwrap_or_else(PoisonError::into_inner);
                let room = max.saturating_sub(c.bytes.len());
                let keep = n.min(room);
                c.bytes.extend_from_slice(&chunk[..keep]);
                if keep < n {
                    c.overflow = true;
                }
            }
        }
    }
}

/// Runs the helper `command` with `verb`; its standard output when it exits with 0.
pub fn run(command: &str, verb: Verb<'_>, timeout: Duration) -> Result<Vec<u8>, Failure> {
    let mut c = Command::new("/bin/sh");
    c.arg("-c").arg(command).arg("cwmpd");
    match verb {
        Verb::Install(file) => c.arg("install").arg(file),
        Verb::Update(file, name) => c.arg("update").arg(file).arg(name),
        Verb::Uninstall(name) => c.arg("uninstall").arg(name),
        Verb::List => c.arg("list"),
    };
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = c
        .spawn()
        .map_err(|e| Failure::new(GENERIC, &format!("cannot run the DU helper: {e}")))?;
    let out = Arc::new(Mutex::new(Captured::default()));
    let err = Arc::new(Mutex::new(Captured::default()));
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let mut readers = 0;
    if let Some(pipe) = child.stdout.take() {
        let (into, done) = (Arc::clone(&out), done_tx.clone());
        if thread::Builder::new()
            .name("cwmp-du-out".into())
            .spawn(move || {
                drain(pipe, OUTPUT_MAX, &into);
                let _ = done.send(());
            })
            .is_ok()
        {
            readers += 1;
        }
    }
    if let Some(pipe) = child.stderr.take() {
        let (into, done) = (Arc::clone(&err), done_tx.clone());
        if thread::Builder::new()
            .name("cwmp-du-err".into())
            .spawn(move || {
                drain(pipe, STDERR_MAX, &into);
                let _ = done.send(());
            })
            .is_ok()
        {
            readers += 1;
        }
    }
    drop(done_tx);
    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => break None,
            Ok(None) => thread::sleep(POLL),
            Err(e) => {
                return Err(Failure::new(
                    GENERIC,
                    &format!("waiting for the DU helper: {e}"),
                ));
            }
        }
    };
    let Some(status) = status else {
        kill_group(child.id());
        let _ = child.kill();
        let _ = child.wait();
        return Err(Failure::new(
            GENERIC,
            &format!("the DU helper did not finish in {} s", timeout.as_secs()),
        ));
    };
    log::debug!("DU helper {verb:?} exited: {status}");
    let grace = Instant::now() + READ_GRACE;
    for _ in 0..readers {
        let left = grace.saturating_duration_since(Instant::now());
        if done_rx.recv_timeout(left).is_err() {
            log::warn!("the DU helper left its output open; using what it wrote so far");
            break;
        }
    }
    let take = |c: &Mutex<Captured>| {
        let mut c = c.lock().unwrap_or_else(PoisonError::into_inner);
        (std::mem::take(&mut c.bytes), c.overflow)
    };
    let (stdout, overflow) = take(&out);
    let (stderr, _) = take(&err);
    if !status.success() {
        let first = String::from_utf8_lossy(&stderr)
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .map(str::to_owned);
        return Err(match status.code() {
            Some(code) => Failure::new(
                fault_for_exit(code),
                &first.unwrap_or_else(|| format!("the DU helper exited with status {code}")),
            ),
            None => Failure::new(
                GENERIC,
                &first.unwrap_or_else(|| format!("the DU helper was killed ({status})")),
            ),
        });
    }
    if overflow {
        return Err(Failure::new(
            GENERIC,
            &format!("the DU helper printed more than {OUTPUT_MAX} bytes"),
        ));
    }
    Ok(stdout)
}

/// Kills the helper's process group (it may have started opkg and others).
fn kill_group(pid: u32) {
    let Some(pid) = i32::try_from(pid)
        .ok()
        .and_then(rustix::process::Pid::from_raw)
    else {
        return;
    };
    if let Err(e) = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL) {
        log::warn!("cannot kill the DU helper's process group: {e}");
    }
}

/// What `install` and `update` report about the package now installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageInfo {
    /// `name=`.
    pub name: String,
    /// `version=`.
    pub version: String,
    /// `vendor=` (empty when not printed).
    pub vendor: String,
    /// `description=` (empty when not printed; control characters become spaces, cut to
    /// `DESCRIPTION_MAX` bytes).
    pub description: String,
}

/// One package of `list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Its vendor (empty when the line has no third field).
    pub vendor: String,
}

/// Why the helper's output is not what the contract says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputError {
    /// Not UTF-8.
    NotUtf8,
    /// Line (from 1) is not `key=value` (or, for `list`, not `NAME<TAB>VERSION[<TAB>VENDOR]`).
    BadLine(usize),
    /// Line (from 1) repeats a key, or a package of `list`.
    Repeated(usize),
    /// A required key is missing.
    Missing(&'static str),
    /// A value breaks its field's rules.
    Field(FieldError),
    /// `list` printed more than [`LIST_MAX`] packages.
    TooManyLines,
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::NotUtf8 => f.write_str("not UTF-8"),
            OutputError::BadLine(n) => write!(f, "line {n} is malformed"),
            OutputError::Repeated(n) => write!(f, "line {n} repeats an entry"),
            OutputError::Missing(k) => write!(f, "no {k}= line"),
            OutputError::Field(e) => write!(f, "{e}"),
            OutputError::TooManyLines => write!(f, "more than {LIST_MAX} packages"),
        }
    }
}

impl From<FieldError> for OutputError {
    fn from(e: FieldError) -> Self {
        OutputError::Field(e)
    }
}

/// The non-empty lines of `out` with their numbers (from 1), `\r` line ends tolerated.
fn lines(out: &[u8]) -> Result<impl Iterator<Item = (usize, &str)>, OutputError> {
    let text = std::str::from_utf8(out).map_err(|_| OutputError::NotUtf8)?;
    Ok(text
        .split('\n')
        .enumerate()
        .map(|(i, l)| (i + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty()))
}

/// Parses the output of `install` / `update`.
pub fn parse_package(out: &[u8]) -> Result<PackageInfo, OutputError> {
    const KEYS: [&str; 4] = ["name", "version", "vendor", "description"];
    let mut values: [Option<&str>; 4] = [None; 4];
    for (n, line) in lines(out)? {
        let (key, value) = line.split_once('=').ok_or(OutputError::BadLine(n))?;
        let Some(i) = KEYS.iter().position(|k| *k == key.trim()) else {
            // Keys of later versions of the contract.
            continue;
        };
        if values[i].replace(value.trim()).is_some() {
            return Err(OutputError::Repeated(n));
        }
    }
    let name = values[0].ok_or(OutputError::Missing("name"))?;
    let version = values[1].ok_or(OutputError::Missing("version"))?;
    let vendor = values[2].unwrap_or("");
    check_name(name)?;
    check_version(version)?;
    check_text("vendor", vendor, VENDOR_MAX)?;
    Ok(PackageInfo {
        name: name.to_owned(),
        version: version.to_owned(),
        vendor: vendor.to_owned(),
        description: clean_description(values[3].unwrap_or("")),
    })
}

/// Parses the output of `list`.
pub fn parse_list(out: &[u8]) -> Result<Vec<Listed>, OutputError> {
    let mut listed: Vec<Listed> = Vec::new();
    for (n, line) in lines(out)? {
        if listed.len() >= LIST_MAX {
            return Err(OutputError::TooManyLines);
        }
        let mut fields = line.split('\t');
        let (Some(name), Some(version)) = (fields.next(), fields.next()) else {
            return Err(OutputError::BadLine(n));
        };
        let vendor = fields.next().unwrap_or("");
        if fields.next().is_some() {
            return Err(OutputError::BadLine(n));
        }
        let (name, version, vendor) = (name.trim(), version.trim(), vendor.trim());
        check_name(name)?;
        check_version(version)?;
        check_text("vendor", vendor, VENDOR_MAX)?;
        if listed.iter().any(|l| l.name == name) {
            return Err(OutputError::Repeated(n));
        }
        listed.push(Listed {
            name: name.to_owned(),
            version: version.to_owned(),
            vendor: vendor.to_owned(),
        });
    }
    Ok(listed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_output_with_every_key() {
        let info = parse_package(
            b"name=tcpdump\nversion=4.99.4-1\r\nvendor=openwrt.org\ndescription=Network monitoring\tand data acquisition tool\n\n",
        )
        .unwrap();
        assert_eq!(
            info,
            PackageInfo {
                name: "tcpdump".into(),
                version: "4.99.4-1".into(),
                vendor: "openwrt.org".into(),
                description: "Network monitoring and data acquisition tool".into(),
            }
        );
    }

    #[test]
    fn package_output_needs_name_and_version_only() {
        let info = parse_package(b"version=1\nname=x\nsize=1234\n").unwrap();
        assert_eq!((info.vendor.as_str(), info.description.as_str()), ("", ""));
        assert_eq!(
            parse_package(b"name=x\n"),
            Err(OutputError::Missing("version"))
        );
        assert_eq!(
            parse_package(b"version=1\n"),
            Err(OutputError::Missing("name"))
        );
        assert_eq!(parse_package(b""), Err(OutputError::Missing("name")));
    }

    #[test]
    fn hostile_package_output_is_refused() {
        assert_eq!(
            parse_package(b"name=x\nname=y\nversion=1\n"),
            Err(OutputError::Repeated(2))
        );
        assert_eq!(
            parse_package(b"name=x\nversion 1\n"),
            Err(OutputError::BadLine(2))
        );
        assert_eq!(
            parse_package(b"name=\xff\nversion=1\n"),
            Err(OutputError::NotUtf8)
        );
        assert!(matches!(
            parse_package(b"name=x; rm -rf /\nversion=1\n"),
            Err(OutputError::Field(FieldError::BadCharacter("name")))
        ));
        let long = format!("name=x\nversion={}\n", "1".repeat(33));
        assert!(matches!(
            parse_package(long.as_bytes()),
            Err(OutputError::Field(FieldError::TooLong("version", 32)))
        ));
        let vendor = format!("name=x\nversion=1\nvendor={}\n", "v".repeat(129));
        assert!(parse_package(vendor.as_bytes()).is_err());
        let desc = format!("name=x\nversion=1\ndescription={}\n", "d".repeat(10_000));
        assert_eq!(
            parse_package(desc.as_bytes()).unwrap().description.len(),
            256,
            "a long description is cut, not refused"
        );
    }

    #[test]
    fn list_output() {
        let l = parse_list(b"tcpdump\t4.99.4-1\nluci-app-x\tgit-24.1-r1\texample.com\n\n").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].name, "luci-app-x");
        assert_eq!(l[1].vendor, "example.com");
        assert_eq!(parse_list(b"").unwrap(), Vec::new());
        assert_eq!(parse_list(b"x\n"), Err(OutputError::BadLine(1)));
        assert_eq!(parse_list(b"x\t1\ta\tb\n"), Err(OutputError::BadLine(1)));
        assert_eq!(parse_list(b"x\t1\nx\t2\n"), Err(OutputError::Repeated(2)));
    }

    #[test]
    fn list_longer_than_the_limit_is_refused() {
        let text: String = (0..=LIST_MAX).map(|i| format!("p{i}\t1\n")).collect();
        assert_eq!(parse_list(text.as_bytes()), Err(OutputError::TooManyLines));
    }

    #[test]
    fn exit_statuses_map_to_du_faults() {
        assert_eq!(fault_for_exit(3), FaultCode(9026));
        assert_eq!(fault_for_exit(4), FaultCode(9027));
        assert_eq!(fault_for_exit(5), FaultCode(9018));
        assert_eq!(fault_for_exit(6), FaultCode(9030));
        assert_eq!(fault_for_exit(7), FaultCode(9032));
        assert_eq!(fault_for_exit(8), FaultCode(9028));
        assert_eq!(fault_for_exit(9), FaultCode(9029));
        for other in [1, 2, 10, 127, 255, -1] {
            assert_eq!(fault_for_exit(other), FaultCode(9001), "{other}");
        }
    }

    #[test]
    fn the_helper_gets_its_verb_and_arguments() {
        let out = run(
            "printf '%s|' \"$0\" \"$@\"",
            Verb::Update(Path::new("/tmp/a b.ipk"), "pkg"),
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(out, b"cwmpd|update|/tmp/a b.ipk|pkg|");
    }

    #[test]
    fn a_failing_helper_gives_its_fault_and_first_stderr_line() {
        let e = run(
            "echo 'progress' ; printf '\\n  Package x is already installed  \\nsecond\\n' >&2; exit 3",
            Verb::List,
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert_eq!(e.fault, FaultCode(9026));
        assert_eq!(e.message, "Package x is already installed");
        let e = run("exit 42", Verb::List, Duration::from_secs(10)).unwrap_err();
        assert_eq!(
            (e.fault, e.message.as_str()),
            (FaultCode(9001), "the DU helper exited with status 42")
        );
        let long = run(
            "head -c 5000 /dev/zero | tr '\\0' 'x' >&2; exit 1",
            Verb::List,
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert_eq!(long.message.len(), FAULT_STRING_MAX);
    }

    #[test]
    fn a_helper_killed_by_a_signal_is_a_generic_failure() {
        let e = run("kill -9 $$", Verb::List, Duration::from_secs(10)).unwrap_err();
        assert_eq!(e.fault, FaultCode(9001));
        assert!(e.message.contains("killed"), "{}", e.message);
    }

    #[test]
    fn output_beyond_the_limit_fails_without_holding_it() {
        let e = run(
            &format!("head -c {} /dev/zero", OUTPUT_MAX + 1),
            Verb::List,
            Duration::from_secs(10),
        )
        .unwrap_err();
        assert_eq!(e.fault, FaultCode(9001));
        assert!(e.message.contains("more than"), "{}", e.message);
        assert!(
            run(
                &format!("head -c {OUTPUT_MAX} /dev/zero"),
                Verb::List,
                Duration::from_secs(10)
            )
            .is_ok()
        );
    }

    #[test]
    fn a_helper_that_hangs_is_killed_with_what_it_started() {
        let started = Instant::now();
        // The shell waits for a child that would sleep far longer than the limit.
        let e = run("sleep 30; true", Verb::List, Duration::from_millis(300)).unwrap_err();
        assert_eq!(e.fault, FaultCode(9001));
        assert!(e.message.contains("did not finish"), "{}", e.message);
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_helper_that_leaves_its_output_open_does_not_hold_the_operation() {
        let started = Instant::now();
        let out = run(
            "echo name=x; (sleep 20 &) ; exit 0",
            Verb::List,
            Duration::from_secs(10),
        )
        .unwrap();
        assert_eq!(out, b"name=x\n");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_helper_that_cannot_start_is_a_generic_failure() {
        let e = run("/nonexistent/helper", Verb::List, Duration::from_secs(10)).unwrap_err();
        assert_eq!(e.fault, FaultCode(9001));
    }
}
