//! From `/etc/config/cwmp` (and the command line) to what the daemon runs with.
//!
//! Responsible for reading the UCI file with `cwmp_core::config` (a missing file means the
//! built-in defaults), applying the command-line overrides, finding the device identity the
//! file leaves open (OpenWrt's release file, board name, MAC address) and mapping all of it
//! onto the agent's configuration, the event loop's settings, the data-model back end and the
//! logging targets. Not responsible for running anything.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cwmp_core::agent::outgoing::MIN_TX_BUFFER;
use cwmp_core::agent::{AgentConfig, DeviceIdentity};
use cwmp_core::config::{self, Config, DataModelBackend, LogSeverity};
use cwmp_core::time::DateTime;
use cwmp_platform::dm::bbfdm::BbfdmConfig;
use cwmp_platform::dm::builtin::{BuiltinConfig, DeviceInfo, OpenWrtRelease};
use cwmp_platform::du::{DuSettings, ExecEnv};
#[cfg(feature = "tls")]
use cwmp_platform::net::{BundledRoots, TlsSettings, Verification};
use cwmp_platform::runtime::{Commands, Settings};

use crate::args::Invocation;
use crate::identity;

/// Largest configuration file read (icwmp's default file is about 1.5 KiB).
const CONFIG_FILE_MAX: u64 = 64 * 1024;
/// Room for the HTTP head of an ACS response on top of `max_envelope`.
const RESPONSE_HEAD_ROOM: usize = 8 * 1024;
/// The seed of the built-in store as the OpenWrt package installs it (the embedded copy is used
/// when it is missing).
pub const SEED_FILE: &str = "/usr/share/cwmpd/params.json";
/// The TR-181 version the built-in data model follows.
const ROOT_DATA_MODEL_VERSION: &str = "2.15";

/// Which data model serves `Device.` outside `ManagementServer`.
#[derive(Debug, Clone)]
pub enum DataModelSetup {
    /// The built-in store.
    Builtin(Box<BuiltinConfig>),
    /// bbfdm over ubus.
    Bbfdm(BbfdmConfig),
}

/// Where log messages go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LogSetup {
    /// Least severe level logged.
    pub level: log::LevelFilter,
    /// To syslog.
    pub syslog: bool,
    /// To standard error.
    pub console: bool,
}

/// Everything the daemon runs with.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The event loop's settings (the agent's configuration inside).
    pub settings: Settings,
    /// The data-model back end.
    pub datamodel: DataModelSetup,
    /// The logging targets.
    pub log: LogSetup,
    /// `DeviceInfo.ProvisioningCode` from the file (empty: leave the stored one).
    pub provisioning_code: String,
    /// Warnings found while mapping, for the log (logging may not be up yet while mapping).
    pub warnings: Vec<String>,
}

/// The configuration file as read: its contents and the warnings (already formatted).
#[derive(Debug)]
pub struct Loaded {
    /// The typed configuration.
    pub config: Config,
    /// `FILE:LINE: ...` warnings.
    pub warnings: Vec<String>,
    /// False when the file does not exist (the defaults apply).
    pub found: bool,
}

/// Reads and checks the configuration file; an unusable value is an error naming its line.
pub fn read_config(path: &Path) -> Result<Loaded, String> {
    let name = path.display().to_string();
    let bytes = match fs::metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Loaded {
                config: Config::default(),
                warnings: Vec::new(),
                found: false,
            });
        }
        Err(e) => return Err(format!("{name}: {e}")),
        Ok(m) if m.len() > CONFIG_FILE_MAX => {
            return Err(format!("{name}: larger than {CONFIG_FILE_MAX} bytes"));
        }
        Ok(_) => fs::read(path).map_err(|e| format!("{name}: {e}"))?,
    };
    let parsed = config::parse(&name, &bytes).map_err(|e| e.to_string())?;
    // "No ACS URL" is decided after the command line had its say (`build`).
    let mut warnings: Vec<String> = parsed
        .warnings
        .iter()
        .filter(|w| !matches!(w.kind, config::WarningKind::NoAcsUrl))
        .map(|w| w.to_string())
        .collect();
    if parsed.warnings.dropped() > 0 {
        warnings.push(format!(
            "{name}: {} more warnings not shown",
            parsed.warnings.dropped()
        ));
    }
    Ok(Loaded {
        config: parsed.config,
        warnings,
        found: true,
    })
}

/// Where the device facts the file may leave open are read (tests point these elsewhere).
#[derive(Debug, Clone)]
pub struct SystemFiles {
    /// `/etc/openwrt_release`.
    pub release: PathBuf,
    /// `/tmp/sysinfo` (board name, model).
    pub sysinfo: PathBuf,
    /// `/sys/class/net` (MAC addresses).
    pub net: PathBuf,
    /// `/etc/machine-id` (serial number of last resort).
    pub machine_id: PathBuf,
    /// `/proc/sys/kernel/osrelease` (software version when there is no release file).
    pub kernel_release: PathBuf,
}

impl Default for SystemFiles {
    fn default() -> Self {
        SystemFiles {
            release: PathBuf::from("/etc/openwrt_release"),
            sysinfo: PathBuf::from("/tmp/sysinfo"),
            net: PathBuf::from("/sys/class/net"),
            machine_id: PathBuf::from("/etc/machine-id"),
            kernel_release: PathBuf::from("/proc/sys/kernel/osrelease"),
        }
    }
}

/// Maps a configuration plus the command line onto the daemon's setup.
pub fn build(cfg: &Config, inv: &Invocation, sys: &SystemFiles) -> Result<Setup, String> {
    let acs = &cfg.acs;
    let cpe = &cfg.cpe;
    let d = &cfg.cwmpd;
    let ov = &inv.overrides;

    let device = device_info(cfg, sys);
    let mut agent = AgentConfig {
        device: DeviceIdentity {
            manufacturer: bounded(&device.manufacturer),
            oui: bounded(&device.manufacturer_oui),
            product_class: bounded(&device.product_class),
            serial_number: bounded(&device.serial_number),
        },
        ..AgentConfig::default()
    };

    let ms = &mut agent.management_server;
    ms.enable_cwmp = cpe.enable;
    let url = ov.acs_url.as_deref().unwrap_or(&acs.url);
    ms.url = heapless::String::try_from(url)
        .map_err(|_| format!("--acs-url: longer than {} bytes", ms.url.capacity()))?;
    // The file's limits equal the agent's (CONFIG_CREDENTIAL_LEN is CREDENTIAL_MAX), so these
    // conversions only fail if that stops being true; the error then names the option.
    let mut warnings = Vec::new();
    if ms.url.is_empty() && cpe.enable {
        warnings.push("no ACS URL (acs.url): no ACS is contacted until one is set".to_string());
    }
    ms.username = fit(&acs.userid, "acs.userid")?;
    ms.password = fit(&acs.passwd, "acs.passwd")?;
    ms.cr_username = fit(&cpe.userid, "cpe.userid")?;
    ms.cr_password = fit(&cpe.passwd, "cpe.passwd")?;
    ms.periodic_enable = acs.periodic_inform_enable;
    ms.periodic_interval = acs.periodic_inform_interval;
    ms.periodic_time = known(acs.periodic_inform_time);
    ms.retry_min_wait = u32::from(acs.retry_min_wait_interval);
    ms.retry_multiplier = u32::from(acs.retry_interval_multiplier);
    ms.heartbeat_enable = acs.heartbeat_enable;
    ms.heartbeat_interval = acs.heartbeat_interval;
    ms.heartbeat_time = known(acs.heartbeat_time);

    agent.cwmp_ns = d.cwmp_namespace;
    agent.cwmp_version = cpe.amd_version.cwmp_version();
    agent.session_timeout = cpe.session_timeout;
    agent.get_rpc_methods = acs.get_rpc_methods;
    agent.expect_continue = !acs.http_disable_100continue;
    let envelope = usize::try_from(d.max_envelope).unwrap_or(usize::MAX);
    agent.max_response_body = envelope;
    // The encoder needs room for the largest fixed part of a message; a smaller configured
    // buffer is raised to that (the file allows 1 KiB, which no message head fits).
    agent.tx_buffer = usize::try_from(d.tx_buffer)
        .unwrap_or(usize::MAX)
        .max(MIN_TX_BUFFER);
    agent.notify_check_interval = if cpe.periodic_notify_enable {
        cpe.periodic_notify_interval
    } else {
        0
    };
    agent.connection_request.enable = cpe.enable;
    agent.connection_request.path = fit(&cpe.path, "cpe.path")?;
    agent.connection_request.rate_limit = d.cr_rate_limit.requests;
    agent.connection_request.rate_window = d.cr_rate_limit.seconds;
    // ChangeDUState is carried out only where it really can be: the builtin backend serves
    // Device.SoftwareModules. (bbfdm's `operate` is not mapped) and a helper is configured.
    let du = (d.software_modules
        && d.datamodel == DataModelBackend::Builtin
        && !d.du_command.trim().is_empty())
    .then(|| {
        DuSettings::new(
            d.du_command.as_str(),
            ExecEnv::openwrt(&device.manufacturer, &device.software_version),
        )
    });
    agent.software_modules = du.is_some();

    let mut settings = Settings::new(agent);
    settings.du = du;
    settings.tls = tls_config(cfg, &mut warnings)?;
    settings.cr_port = Some(ov.cr_port.unwrap_or(cpe.port));
    settings.cr_timeout = Duration::from_secs(u64::from(cpe.cr_timeout));
    let ubus_socket = ov
        .ubus_socket
        .clone()
        .unwrap_or_else(|| PathBuf::from(cpe.ubus_socket.as_str()));
    settings.ubus_socket = (!ov.no_ubus).then(|| ubus_socket.clone());
    settings.control_socket = Some(inv.control_socket.clone());
    settings.state_dir = ov
        .state_dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(d.state_dir.as_str()));
    settings.transfer_dir = inv.run_dir.join("transfers");
    settings.commands = Commands {
        reboot: d.reboot_command.to_string(),
        factory_reset: d.factory_reset_command.to_string(),
        firmware_apply: d.firmware_apply_command.to_string(),
        config_apply: d.config_apply_command.to_string(),
        ..Commands::default()
    };
    settings.rx_buffer = envelope.saturating_add(RESPONSE_HEAD_ROOM);

    let datamodel = match d.datamodel {
        DataModelBackend::Builtin => {
            let mut b = BuiltinConfig::new(device, d.param_store.as_str());
            b.root_data_model_version = ROOT_DATA_MODEL_VERSION.to_string();
            b.seed_path = Some(PathBuf::from(SEED_FILE));
            DataModelSetup::Builtin(Box::new(b))
        }
        DataModelBackend::Bbfdm => DataModelSetup::Bbfdm(BbfdmConfig::new(ubus_socket)),
    };
    let level = if inv.verbose {
        log::LevelFilter::Debug
    } else {
        level(cpe.log_severity)
    };
    Ok(Setup {
        settings,
        datamodel,
        log: LogSetup {
            level,
            syslog: !inv.foreground && cpe.log_to_syslog,
            console: inv.foreground || cpe.log_to_console,
        },
        provisioning_code: cpe.provisioning_code.to_string(),
        warnings,
    })
}

#[cfg(feature = "tls")]
/// The TLS settings of `ssl_capath`, `insecure_enable` and the client certificate. A CA path
/// that does not exist leaves only the bundled roots (stock OpenWrt ships no
/// `/etc/ssl/certs`); one that exists but cannot be used is an error, as is a client
/// certificate without its key or the other way round.
fn tls(cfg: &Config, warnings: &mut Vec<String>) -> Result<TlsSettings, String> {
    let mut t = TlsSettings {
        client_identity: client_identity(cfg)?,
        ..TlsSettings::default()
    };
    let ca = Path::new(cfg.acs.ssl_capath.as_str());
    if ca.exists() {
        t.ca_path = Some(ca.to_path_buf());
    } else {
        warnings.push(format!(
            "ssl_capath {} does not exist; only the built-in CA roots are trusted",
            ca.display()
        ));
        t.bundled_roots = BundledRoots::Include;
    }
    if cfg.acs.insecure_enable {
        t.verification = Verification::Insecure;
    }
    Ok(t)
}

/// `ssl_client_cert` with `ssl_client_key`, if set (both or neither).
fn client_identity(cfg: &Config) -> Result<Option<cwmp_platform::net::ClientIdentity>, String> {
    let (cert, key) = (
        cfg.cwmpd.ssl_client_cert.as_str(),
        cfg.cwmpd.ssl_client_key.as_str(),
    );
    match (cert.is_empty(), key.is_empty()) {
        (true, true) => Ok(None),
        (false, false) => Ok(Some(cwmp_platform::net::ClientIdentity {
            cert: PathBuf::from(cert),
            key: PathBuf::from(key),
        })),
        _ => Err(
            "cwmpd.ssl_client_cert and cwmpd.ssl_client_key go together: set both or neither"
                .to_owned(),
        ),
    }
}

/// The built TLS configuration; `None` in a build without TLS (an `https:` ACS URL is then
/// refused when it is used, with an error saying why).
#[cfg(feature = "tls")]
fn tls_config(
    cfg: &Config,
    warnings: &mut Vec<String>,
) -> Result<Option<cwmp_platform::net::TlsConfig>, String> {
    tls(cfg, warnings)?
        .build()
        .map(Some)
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "tls"))]
fn tls_config(
    cfg: &Config,
    warnings: &mut Vec<String>,
) -> Result<Option<cwmp_platform::net::TlsConfig>, String> {
    let url = cfg.acs.url.as_str();
    if url.len() >= 6 && url[..6].eq_ignore_ascii_case("https:") {
        warnings.push(format!(
            "acs.url {url}: this cwmpd was built without TLS support"
        ));
    }
    if client_identity(cfg)?.is_some() {
        warnings.push("cwmpd.ssl_client_cert: this cwmpd was built without TLS support".to_owned());
    }
    Ok(None)
}

/// The log level of an icwmp severity.
fn level(s: LogSeverity) -> log::LevelFilter {
    match s {
        LogSeverity::Emerg | LogSeverity::Alert | LogSeverity::Critic | LogSeverity::Error => {
            log::LevelFilter::Error
        }
        LogSeverity::Warning => log::LevelFilter::Warn,
        LogSeverity::Notice | LogSeverity::Info => log::LevelFilter::Info,
        LogSeverity::Debug => log::LevelFilter::Debug,
    }
}

fn known(t: DateTime) -> Option<DateTime> {
    (t != DateTime::UNKNOWN).then_some(t)
}

fn fit<const N: usize>(s: &str, option: &str) -> Result<heapless::String<N>, String> {
    heapless::String::try_from(s).map_err(|_| format!("{option}: longer than {N} bytes"))
}

/// `s` cut to at most `N` bytes at a character boundary.
fn bounded<const N: usize>(s: &str) -> heapless::String<N> {
    let mut end = s.len().min(N);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = heapless::String::new();
    // `end <= N` bytes fit by construction.
    let _ = out.push_str(&s[..end]);
    out
}

/// The identity: the file's values, then OpenWrt's release file, then the hardware.
fn device_info(cfg: &Config, sys: &SystemFiles) -> DeviceInfo {
    let cpe = &cfg.cpe;
    let mut d = DeviceInfo {
        manufacturer: cpe.manufacturer.to_string(),
        manufacturer_oui: cpe.manufacturer_oui.to_string(),
        product_class: cpe.product_class.to_string(),
        serial_number: cpe.serial_number.to_string(),
        hardware_version: cpe.hardware_version.to_string(),
        software_version: cpe.software_version.to_string(),
        model_name: cpe.model_name.to_string(),
        description: cpe.description.to_string(),
    };
    match OpenWrtRelease::read(&sys.release) {
        Ok(r) => d.fill_from_release(&r),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => log::warn!("{}: {e}", sys.release.display()),
    }
    identity::fill_from_system(&mut d, sys, cpe.interface.as_str());
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args;
    use std::ffi::OsString;

    fn inv(extra: &[&str]) -> Invocation {
        args::parse(extra.iter().map(OsString::from)).unwrap()
    }

    fn no_system() -> SystemFiles {
        let none = PathBuf::from("/nonexistent/cwmpd-test");
        SystemFiles {
            release: none.clone(),
            sysinfo: none.clone(),
            net: none.clone(),
            machine_id: none.clone(),
            kernel_release: none,
        }
    }

    fn parse(text: &str) -> Config {
        config::parse("test", text.as_bytes()).unwrap().config
    }

    #[test]
    fn defaults_follow_icwmp() {
        let s = build(&Config::default(), &inv(&[]), &no_system()).unwrap();
        let a = &s.settings.agent;
        assert_eq!(s.settings.cr_port, Some(7547));
        assert_eq!(s.settings.state_dir, PathBuf::from("/etc/cwmpd"));
        assert_eq!(
            s.settings.ubus_socket,
            Some(PathBuf::from("/var/run/ubus/ubus.sock"))
        );
        assert!(!a.expect_continue, "sent only when configured");
        assert!(a.get_rpc_methods);
        assert_eq!(a.notify_check_interval, 10);
        assert_eq!(a.management_server.retry_min_wait, 5);
        assert_eq!(a.management_server.retry_multiplier, 2000);
        assert_eq!(a.management_server.periodic_time, None);
        assert_eq!(a.tx_buffer, 16_384);
        assert_eq!(s.settings.rx_buffer, 65_536 + RESPONSE_HEAD_ROOM);
        assert_eq!(s.log.level, log::LevelFilter::Info);
        assert!(s.log.syslog && !s.log.console);
        match s.datamodel {
            DataModelSetup::Builtin(b) => {
                assert_eq!(b.state_path, PathBuf::from("/etc/cwmpd/params.json"));
                assert_eq!(b.seed_path, Some(PathBuf::from(SEED_FILE)));
            }
            DataModelSetup::Bbfdm(_) => panic!("builtin is the default"),
        }
    }

    #[test]
    fn file_values_reach_the_agent() {
        let c = parse(
            "config acs 'acs'\n\
             option url 'http://acs.example:7547/'\n\
             option userid 'u'\n option passwd 'p'\n\
             option periodic_inform_time '2024-01-01T00:00:00Z'\n\
             option http_disable_100continue '0'\n\
             config cpe 'cpe'\n option port '7548'\n option path 'cr'\n\
             option userid 'cu'\n option passwd 'cp'\n option amd_version '4'\n\
             option periodic_notify_enable '0'\n option log_severity 'DEBUG'\n\
             option serial_number 'SN1'\n option manufacturer_oui 'a1b2c3'\n\
             config cwmpd 'cwmpd'\n option tx_buffer '1024'\n option datamodel 'bbfdm'\n\
             option cr_rate_limit '3/7'\n",
        );
        let s = build(&c, &inv(&["--state-dir", "/tmp/x"]), &no_system()).unwrap();
        let a = &s.settings.agent;
        let ms = &a.management_server;
        assert_eq!(ms.url.as_str(), "http://acs.example:7547/");
        assert_eq!((ms.username.as_str(), ms.password.as_str()), ("u", "p"));
        assert_eq!(
            (ms.cr_username.as_str(), ms.cr_password.as_str()),
            ("cu", "cp")
        );
        assert!(ms.periodic_time.is_some());
        assert!(a.expect_continue);
        assert_eq!(a.cwmp_version, cwmp_core::soap::CwmpVersion::V1_3);
        assert_eq!(a.notify_check_interval, 0);
        assert_eq!(a.connection_request.path.as_str(), "/cr");
        assert_eq!(
            (
                a.connection_request.rate_limit,
                a.connection_request.rate_window
            ),
            (3, 7)
        );
        assert_eq!(a.device.serial_number.as_str(), "SN1");
        assert_eq!(a.device.oui.as_str(), "A1B2C3");
        assert_eq!(
            a.tx_buffer, MIN_TX_BUFFER,
            "raised to what the encoder needs"
        );
        assert_eq!(s.settings.cr_port, Some(7548));
        assert_eq!(s.settings.state_dir, PathBuf::from("/tmp/x"));
        assert_eq!(s.log.level, log::LevelFilter::Debug);
        assert!(matches!(s.datamodel, DataModelSetup::Bbfdm(_)));
    }

    #[test]
    fn software_modules_need_the_builtin_backend() {
        let s = build(&Config::default(), &inv(&[]), &no_system()).unwrap();
        assert!(s.settings.agent.software_modules);
        let du = s.settings.du.expect("on by default");
        assert_eq!(du.command, "/usr/libexec/cwmpd-du \"$@\"");
        assert_eq!(du.exec_env.kind, "Package Manager");
        for off in [
            "config cwmpd 'cwmpd'\n option software_modules '0'\n",
            "config cwmpd 'cwmpd'\n option datamodel 'bbfdm'\n",
        ] {
            let s = build(&parse(off), &inv(&[]), &no_system()).unwrap();
            assert!(!s.settings.agent.software_modules, "{off}");
            assert!(s.settings.du.is_none(), "{off}");
        }
        let c = parse(
            "config cwmpd 'cwmpd'\n option du_command '/opt/du'\n\
             config cpe 'cpe'\n option manufacturer 'ACME'\n option software_version '9.1'\n",
        );
        let du = build(&c, &inv(&[]), &no_system())
            .unwrap()
            .settings
            .du
            .unwrap();
        assert_eq!(du.command, "/opt/du");
        assert_eq!(
            (du.exec_env.vendor.as_str(), du.exec_env.version.as_str()),
            ("ACME", "9.1")
        );
    }

    #[test]
    fn command_line_overrides_the_file() {
        let c = parse(
            "config acs 'acs'\n option url 'http://a/'\nconfig cpe 'cpe'\n option port '1'\n",
        );
        let s = build(
            &c,
            &inv(&[
                "--acs-url",
                "http://b/",
                "--cr-port",
                "2",
                "--no-ubus",
                "-f",
            ]),
            &no_system(),
        )
        .unwrap();
        assert_eq!(s.settings.agent.management_server.url.as_str(), "http://b/");
        assert_eq!(s.settings.cr_port, Some(2));
        assert_eq!(s.settings.ubus_socket, None);
        assert!(s.log.console && !s.log.syslog);
    }

    #[test]
    fn a_missing_file_means_the_defaults() {
        let l = read_config(Path::new("/nonexistent/cwmpd/config")).unwrap();
        assert!(!l.found);
        assert_eq!(l.config, Config::default());
    }

    #[test]
    fn a_bad_value_names_file_and_line() {
        let dir = std::env::temp_dir().join(format!("cwmpd-setup-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let f = dir.join("cwmp");
        fs::write(&f, "config cpe 'cpe'\n\toption port '70000'\n").unwrap();
        let e = read_config(&f).unwrap_err();
        assert!(
            e.starts_with(&format!("{}:2: option 'port'", f.display())),
            "{e}"
        );
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_unreadable_ca_file_is_an_error() {
        let dir = std::env::temp_dir().join(format!("cwmpd-setup-ca-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let f = dir.join("ca.pem");
        fs::write(&f, "not a certificate\n").unwrap();
        let c = parse(&format!(
            "config acs 'acs'\n option ssl_capath '{}'\n",
            f.display()
        ));
        let e = build(&c, &inv(&[]), &no_system()).unwrap_err();
        assert!(e.contains("ca.pem"), "{e}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_client_certificate_needs_its_key_and_must_be_readable() {
        let c = parse("config cwmpd 'cwmpd'\n option ssl_client_cert '/etc/cwmpd/client.pem'\n");
        let e = build(&c, &inv(&[]), &no_system()).unwrap_err();
        assert!(e.contains("ssl_client_key"), "{e}");
        let c = parse(
            "config cwmpd 'cwmpd'\n option ssl_client_cert '/nonexistent/client.pem'\n\
             option ssl_client_key '/nonexistent/client.key'\n",
        );
        let e = build(&c, &inv(&[]), &no_system()).unwrap_err();
        assert!(e.contains("/nonexistent/client.pem"), "{e}");
    }

    #[test]
    fn a_missing_ca_path_leaves_the_bundled_roots() {
        let c = parse("config acs 'acs'\n option ssl_capath '/nonexistent/certs'\n");
        assert!(
            build(&c, &inv(&[]), &no_system())
                .unwrap()
                .settings
                .tls
                .is_some()
        );
    }

    #[test]
    fn release_file_fills_what_the_file_leaves_open() {
        let dir = std::env::temp_dir().join(format!("cwmpd-setup-rel-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        fs::write(
            dir.join("openwrt_release"),
            "DISTRIB_ID='OpenWrt'\nDISTRIB_RELEASE='23.05.3'\nDISTRIB_TARGET='ath79/generic'\n",
        )
        .unwrap();
        let sys = SystemFiles {
            release: dir.join("openwrt_release"),
            ..no_system()
        };
        let c = parse("config cpe 'cpe'\n option manufacturer 'ACME'\n");
        let s = build(&c, &inv(&[]), &sys).unwrap();
        let DataModelSetup::Builtin(b) = s.datamodel else {
            panic!()
        };
        assert_eq!(b.device.manufacturer, "ACME");
        assert_eq!(b.device.software_version, "23.05.3");
        assert_eq!(b.device.hardware_version, "ath79/generic");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn long_identity_values_are_cut_at_a_character_boundary() {
        let s: heapless::String<4> = bounded("abcé");
        assert_eq!(s.as_str(), "abc");
    }
}
