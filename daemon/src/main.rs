//! cwmpd: the TR-069 (CWMP) CPE agent for OpenWrt, and its command-line client.

mod args;
mod identity;
mod setup;

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use cwmp_core::datamodel::DataModel;
use cwmp_core::soap::ValueType;
use cwmp_platform::dm::bbfdm::Bbfdm;
use cwmp_platform::dm::builtin::Builtin;
use cwmp_platform::runtime::{ExitReason, Runtime};
use log::{error, info, warn};

use args::{Action, Invocation};
use setup::{DataModelSetup, Setup, SystemFiles};

/// The seed of the built-in data model used when none is installed.
const DEFAULT_SEED: &[u8] = include_bytes!("../openwrt/cwmpd-params.json");

fn main() -> ExitCode {
    let inv = match args::parse(std::env::args_os().skip(1)) {
        Ok(inv) => inv,
        Err(e) => {
            eprintln!("cwmpd: {e}\n\n{}", args::USAGE);
            return ExitCode::from(2);
        }
    };
    match &inv.action {
        Action::Help => {
            print!("{}", args::USAGE);
            ExitCode::SUCCESS
        }
        Action::Version => {
            println!("cwmpd {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Action::Run => run(&inv),
        Action::Status | Action::Inform { .. } | Action::Command(_) => client(&inv),
    }
}

/// Loads the file and maps it; warnings are logged, an error stops the caller.
fn load(inv: &Invocation) -> Result<Setup, String> {
    let loaded = setup::read_config(&inv.config)?;
    if !loaded.found {
        info!(
            "{} does not exist; using the built-in defaults",
            inv.config.display()
        );
    }
    for w in &loaded.warnings {
        warn!("{w}");
    }
    let s = setup::build(&loaded.config, inv, &SystemFiles::default())?;
    for w in &s.warnings {
        warn!("{w}");
    }
    Ok(s)
}

fn init_logging(s: &Setup) {
    use cwmp_platform::logging::{Facility, LogTarget, init};
    let target = if s.log.console {
        LogTarget::Stderr
    } else if s.log.syslog {
        LogTarget::Syslog {
            ident: "cwmpd".into(),
            facility: Facility::Daemon,
        }
    } else {
        log::set_max_level(log::LevelFilter::Off);
        return;
    };
    if let Err(e) = init(target, s.log.level) {
        eprintln!("cwmpd: logging: {e}");
    }
}

fn run(inv: &Invocation) -> ExitCode {
    // The file decides where logs go, so it is read before logging starts; its errors and
    // warnings are printed once logging is up (or on stderr if it cannot be).
    let first = setup::read_config(&inv.config);
    let setup = match first
        .as_ref()
        .map_err(Clone::clone)
        .and_then(|l| setup::build(&l.config, inv, &SystemFiles::default()))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cwmpd: {e}");
            return ExitCode::FAILURE;
        }
    };
    init_logging(&setup);
    if let Ok(l) = &first {
        if !l.found {
            info!(
                "{} does not exist; using the built-in defaults",
                inv.config.display()
            );
        }
        for w in &l.warnings {
            warn!("{w}");
        }
    }
    for w in &setup.warnings {
        warn!("{w}");
    }
    info!("cwmpd {} starting", env!("CARGO_PKG_VERSION"));
    let mut dm: Box<dyn DataModel> = match open_datamodel(&setup, inv) {
        Ok(dm) => dm,
        Err(e) => {
            error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    apply_provisioning_code(dm.as_mut(), &setup.provisioning_code);
    let mut rt = match Runtime::new(setup.settings, dm.as_mut()) {
        Ok(rt) => rt,
        Err(e) => {
            error!("{e}");
            return ExitCode::FAILURE;
        }
    };
    let mut reload = || -> Result<cwmp_platform::runtime::Settings, String> {
        let s = load(inv)?;
        log::set_max_level(s.log.level);
        Ok(s.settings)
    };
    match rt.run(&mut reload) {
        Ok(reason) => {
            info!("stopping: {}", describe(reason));
            ExitCode::SUCCESS
        }
        Err(e) => {
            error!("event loop: {e}");
            ExitCode::FAILURE
        }
    }
}

fn describe(r: ExitReason) -> &'static str {
    match r {
        ExitReason::Stopped => "asked to",
        ExitReason::Rebooted => "the device is rebooting",
        ExitReason::FactoryReset => "the device is being reset",
        ExitReason::FirmwareApplied => "the new firmware is being installed",
    }
}

/// Builds the data-model back end. The built-in one falls back to the embedded seed when no
/// seed file is installed.
fn open_datamodel(s: &Setup, inv: &Invocation) -> Result<Box<dyn DataModel>, String> {
    match &s.datamodel {
        DataModelSetup::Builtin(cfg) => {
            let mut cfg = (**cfg).clone();
            if let Some(seed) = &cfg.seed_path
                && !seed.exists()
            {
                let embedded = inv.run_dir.join("params.seed.json");
                write_embedded_seed(&embedded)?;
                cfg.seed_path = Some(embedded);
            }
            let (b, report) = Builtin::open(cfg);
            for p in &report.problems {
                warn!("data model: {p}");
            }
            Ok(Box::new(b))
        }
        DataModelSetup::Bbfdm(cfg) => Ok(Box::new(Bbfdm::new(cfg.clone()))),
    }
}

fn write_embedded_seed(path: &Path) -> Result<(), String> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    cwmp_platform::fsutil::write_atomic(path, DEFAULT_SEED)
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// Sets `DeviceInfo.ProvisioningCode` from the file when the device has none yet (a value the
/// ACS set later is kept).
fn apply_provisioning_code(dm: &mut dyn DataModel, code: &str) {
    const NAME: &str = "Device.DeviceInfo.ProvisioningCode";
    if code.is_empty() {
        return;
    }
    let mut current = None;
    let _ = dm.get(NAME, &mut |p| {
        current = Some(p.value.to_string());
        std::ops::ControlFlow::Break(())
    });
    if current.as_deref().is_some_and(|v| !v.is_empty()) {
        return;
    }
    let done = dm
        .begin()
        .and_then(|()| dm.stage(NAME, code, ValueType::String))
        .and_then(|()| dm.commit());
    if let Err(f) = done {
        dm.abort();
        warn!("provisioning_code: the data model refused it (fault {f})");
    }
}

/// `status`, `inform` and `command`: one call to the running daemon, the answer on stdout.
/// Exit status 0, or the ubus status of a refused call (as `ubus call` does), or 1.
fn client(inv: &Invocation) -> ExitCode {
    use cwmp_core::control::Method;
    use cwmp_platform::client::{self, Args, ClientError};
    // The ubusd socket is the file's unless the command line names one; a file cwmpd could
    // not read does not stop the client (the daemon would not be running on it either).
    let ubus_socket = inv.overrides.ubus_socket.clone().unwrap_or_else(|| {
        setup::read_config(&inv.config)
            .map(|l| std::path::PathBuf::from(l.config.cpe.ubus_socket.as_str()))
            .unwrap_or_else(|_| std::path::PathBuf::from("/var/run/ubus/ubus.sock"))
    });
    let (method, call_args) = match &inv.action {
        Action::Status => (Method::Status, Args::new()),
        Action::Inform {
            event,
            get_rpc_methods,
        } => {
            let mut a = Args::new();
            if *get_rpc_methods {
                a = a.boolean("GetRPCMethods", true);
            }
            if let Some(e) = event {
                a = a.string("event", e);
            }
            (Method::Inform, a)
        }
        Action::Command(name) => (Method::Command, Args::new().string("command", name)),
        Action::Run | Action::Help | Action::Version => return ExitCode::FAILURE,
    };
    let result = if inv.overrides.no_ubus {
        client::call_control(
            &inv.control_socket,
            method,
            &call_args,
            client::DEFAULT_TIMEOUT,
        )
    } else {
        client::call(
            &ubus_socket,
            &inv.control_socket,
            method,
            &call_args,
            client::DEFAULT_TIMEOUT,
        )
    };
    match result {
        Ok(text) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(text.as_bytes());
            if !text.is_empty() && !text.ends_with('\n') {
                let _ = out.write_all(b"\n");
            }
            let _ = out.flush();
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cwmpd: {e}");
            match e {
                // As the ubus CLI: the status code itself (4 "Not found" without the object).
                ClientError::Status(code, _) => {
                    ExitCode::from(u8::try_from(code).ok().filter(|c| *c != 0).unwrap_or(1))
                }
                ClientError::NoObject { .. } => ExitCode::from(4),
                _ => ExitCode::FAILURE,
            }
        }
    }
}
