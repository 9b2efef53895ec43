//! The walk from UCI statements to a [`Config`]: which section types and options cwmpd reads,
//! which icwmp ones it knowingly ignores, and what is merely unknown.
//!
//! Sections are matched by type, as icwmp's `get_global_config` does; icwmp's pre-2021 layout
//! (`config cwmp 'acs'`) is matched by name. An option written with an empty value is reset to
//! its default, because libuci deletes an option set to the empty string.

use super::Parsed;
use super::model::{AmdVersion, Compression, Config, DataModelBackend, InstanceMode, LogSeverity};
use super::report::{ConfigError, ConfigErrorKind, Warning, WarningKind, Warnings};
use super::uci::{ItemKind, Parser, Value};
use super::values::{self, Check};
use crate::limits::{CONFIG_ENVELOPE_RANGE, CONFIG_TX_BUFFER_RANGE};

/// The section types cwmpd reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Acs,
    Cpe,
    Cwmpd,
}

impl Section {
    const ALL: [Section; 3] = [Section::Acs, Section::Cpe, Section::Cwmpd];

    const fn name(self) -> &'static str {
        match self {
            Section::Acs => "acs",
            Section::Cpe => "cpe",
            Section::Cwmpd => "cwmpd",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// Which field of [`Config`] an option sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Key {
    Url,
    AcsUserid,
    AcsPasswd,
    PeriodicInformEnable,
    PeriodicInformInterval,
    PeriodicInformTime,
    RetryMinWaitInterval,
    RetryIntervalMultiplier,
    SslCapath,
    InsecureEnable,
    HttpDisable100Continue,
    GetRpcMethods,
    HeartbeatEnable,
    HeartbeatInterval,
    HeartbeatTime,
    Compression,
    DhcpDiscovery,
    Enable,
    CpeUserid,
    CpePasswd,
    Port,
    Path,
    CrTimeout,
    ProvisioningCode,
    AmdVersion,
    SessionTimeout,
    InstanceMode,
    PeriodicNotifyEnable,
    PeriodicNotifyInterval,
    LogSeverity,
    LogToSyslog,
    LogToConsole,
    Manufacturer,
    ManufacturerOui,
    ProductClass,
    SerialNumber,
    SoftwareVersion,
    HardwareVersion,
    ModelName,
    Description,
    DefaultWanInterface,
    Interface,
    UbusSocket,
    Datamodel,
    ParamStore,
    StateDir,
    RebootCommand,
    FactoryResetCommand,
    FirmwareApplyCommand,
    ConfigApplyCommand,
    SoftwareModules,
    DuCommand,
    CrRateLimit,
    CwmpNamespace,
    TxBuffer,
    MaxEnvelope,
    SslClientCert,
    SslClientKeyFile,
}

/// An option cwmpd reads: where it is, and the value it has when absent.
#[derive(Debug, Clone, Copy)]
pub struct OptionInfo {
    /// Section type.
    pub section: &'static str,
    /// Option name.
    pub name: &'static str,
    /// The default, written as in the UCI file.
    pub default: &'static str,
    key: Key,
    kind: Section,
}

const fn opt(kind: Section, name: &'static str, default: &'static str, key: Key) -> OptionInfo {
    OptionInfo {
        section: kind.name(),
        name,
        default,
        key,
        kind,
    }
}

use Section::{Acs, Cpe, Cwmpd};

/// Every option cwmpd reads, in the order of the README table.
pub(super) const OPTIONS: &[OptionInfo] = &[
    opt(Acs, "url", "", Key::Url),
    opt(Acs, "userid", "", Key::AcsUserid),
    opt(Acs, "passwd", "", Key::AcsPasswd),
    opt(
        Acs,
        "periodic_inform_enable",
        "1",
        Key::PeriodicInformEnable,
    ),
    opt(
        Acs,
        "periodic_inform_interval",
        "86400",
        Key::PeriodicInformInterval,
    ),
    opt(
        Acs,
        "periodic_inform_time",
        "0001-01-01T00:00:00Z",
        Key::PeriodicInformTime,
    ),
    opt(
        Acs,
        "retry_min_wait_interval",
        "5",
        Key::RetryMinWaitInterval,
    ),
    opt(
        Acs,
        "retry_interval_multiplier",
        "2000",
        Key::RetryIntervalMultiplier,
    ),
    opt(Acs, "ssl_capath", "/etc/ssl/certs", Key::SslCapath),
    opt(Acs, "insecure_enable", "0", Key::InsecureEnable),
    opt(
        Acs,
        "http_disable_100continue",
        "1",
        Key::HttpDisable100Continue,
    ),
    opt(Acs, "get_rpc_methods", "1", Key::GetRpcMethods),
    opt(Acs, "heartbeat_enable", "0", Key::HeartbeatEnable),
    opt(Acs, "heartbeat_interval", "30", Key::HeartbeatInterval),
    opt(
        Acs,
        "heartbeat_time",
        "0001-01-01T00:00:00Z",
        Key::HeartbeatTime,
    ),
    opt(Acs, "compression", "Disabled", Key::Compression),
    opt(Acs, "dhcp_discovery", "0", Key::DhcpDiscovery),
    opt(Cpe, "enable", "1", Key::Enable),
    opt(Cpe, "userid", "", Key::CpeUserid),
    opt(Cpe, "passwd", "", Key::CpePasswd),
    opt(Cpe, "port", "7547", Key::Port),
    opt(Cpe, "path", "/", Key::Path),
    opt(Cpe, "cr_timeout", "5", Key::CrTimeout),
    opt(Cpe, "provisioning_code", "", Key::ProvisioningCode),
    opt(Cpe, "amd_version", "5", Key::AmdVersion),
    opt(Cpe, "session_timeout", "60", Key::SessionTimeout),
    opt(Cpe, "instance_mode", "InstanceNumber", Key::InstanceMode),
    opt(
        Cpe,
        "periodic_notify_enable",
        "1",
        Key::PeriodicNotifyEnable,
    ),
    opt(
        Cpe,
        "periodic_notify_interval",
        "10",
        Key::PeriodicNotifyInterval,
    ),
    opt(Cpe, "log_severity", "INFO", Key::LogSeverity),
    opt(Cpe, "log_to_syslog", "1", Key::LogToSyslog),
    opt(Cpe, "log_to_console", "0", Key::LogToConsole),
    opt(Cpe, "manufacturer", "", Key::Manufacturer),
    opt(Cpe, "manufacturer_oui", "", Key::ManufacturerOui),
    opt(Cpe, "product_class", "", Key::ProductClass),
    opt(Cpe, "serial_number", "", Key::SerialNumber),
    opt(Cpe, "software_version", "", Key::SoftwareVersion),
    opt(Cpe, "hardware_version", "", Key::HardwareVersion),
    opt(Cpe, "model_name", "", Key::ModelName),
    opt(Cpe, "description", "", Key::Description),
    opt(
        Cpe,
        "default_wan_interface",
        "wan",
        Key::DefaultWanInterface,
    ),
    opt(Cpe, "interface", "", Key::Interface),
    opt(
        Cpe,
        "ubus_socket",
        "/var/run/ubus/ubus.sock",
        Key::UbusSocket,
    ),
    opt(Cwmpd, "datamodel", "builtin", Key::Datamodel),
    opt(
        Cwmpd,
        "param_store",
        "/etc/cwmpd/params.json",
        Key::ParamStore,
    ),
    opt(Cwmpd, "state_dir", "/etc/cwmpd", Key::StateDir),
    opt(Cwmpd, "reboot_command", "reboot", Key::RebootCommand),
    opt(
        Cwmpd,
        "factory_reset_command",
        "firstboot -y && reboot",
        Key::FactoryResetCommand,
    ),
    opt(
        Cwmpd,
        "firmware_apply_command",
        "sysupgrade \"$1\"",
        Key::FirmwareApplyCommand,
    ),
    opt(
        Cwmpd,
        "config_apply_command",
        "uci -f \"$1\" import && uci commit && reload_config",
        Key::ConfigApplyCommand,
    ),
    opt(Cwmpd, "software_modules", "1", Key::SoftwareModules),
    opt(
        Cwmpd,
        "du_command",
        "/usr/libexec/cwmpd-du \"$@\"",
        Key::DuCommand,
    ),
    opt(Cwmpd, "cr_rate_limit", "50/5", Key::CrRateLimit),
    opt(Cwmpd, "cwmp_namespace", "cwmp-1-2", Key::CwmpNamespace),
    opt(Cwmpd, "tx_buffer", "16384", Key::TxBuffer),
    opt(Cwmpd, "max_envelope", "65536", Key::MaxEnvelope),
    opt(Cwmpd, "ssl_client_cert", "", Key::SslClientCert),
    opt(Cwmpd, "ssl_client_key", "", Key::SslClientKeyFile),
];

/// icwmp options cwmpd knowingly ignores (from icwmp's `config.c`, `cwmp_uci.h`, UCI schema
/// and default files of 2020–2024).
const ICWMP_OPTIONS: &[(Section, &str)] = &[
    (Acs, "dhcp_url"),
    (Acs, "dhcp_retry_min_wait_interval"),
    (Acs, "dhcp_retry_interval_multiplier"),
    (Acs, "skip_dhcp_boot_options"),
    (Acs, "ip_version"),
    (Acs, "ipv6_enable"),
    (Acs, "https_ssl_capath"),
    (Acs, "ParameterKey"),
    (Cpe, "default_lan_interface"),
    (Cpe, "use_curl_ifname"),
    (Cpe, "log_to_file"),
    (Cpe, "log_file_name"),
    (Cpe, "log_max_size"),
    (Cpe, "notification"),
    (Cpe, "exec_download"),
    (Cpe, "custom_notify_json"),
    (Cpe, "forced_inform_json"),
    (Cpe, "incoming_rule"),
    (Cpe, "force_ipv4"),
    (Cpe, "fw_upgrade_keep_settings"),
    (Cpe, "disable_datatype_check"),
    (Cpe, "active_notif_throttle"),
    (Cpe, "md_notif_limit"),
    (Cpe, "schedule_reboot"),
    (Cpe, "delay_reboot"),
    (Cpe, "disable_gatewayinfo"),
    (Cpe, "datamodel"),
    (Cpe, "polling_period"),
    (Cpe, "ParameterKey"),
    (Cpe, "dhcp_provisioning_code"),
    (Cpe, "firewall_restart"),
    (Cpe, "notify_periodic_enable"),
    (Cpe, "notify_period"),
    (Cpe, "vlan_method"),
];

/// icwmp section types cwmpd has no counterpart for (lightweight notifications, autonomous
/// transfer and DU policies, extra Inform parameters).
const ICWMP_SECTIONS: &[&str] = &[
    "lwn",
    "transfer_complete",
    "du_state_change",
    "inform_parameter",
];

const COMPRESSION_NAMES: &[&str] = &["GZIP", "Deflate", "Disabled"];
const COMPRESSION: &[(&str, Compression)] = &[
    ("GZIP", Compression::Gzip),
    ("Deflate", Compression::Deflate),
    ("Disabled", Compression::Disabled),
    ("none", Compression::Disabled),
    // icwmp's schema calls the option a boolean.
    ("0", Compression::Disabled),
    ("false", Compression::Disabled),
    ("off", Compression::Disabled),
    ("no", Compression::Disabled),
    ("disable", Compression::Disabled),
];

const SEVERITY_NAMES: &[&str] = &[
    "EMERG", "ALERT", "CRITIC", "ERROR", "WARNING", "NOTICE", "INFO", "DEBUG",
];
/// icwmp finds the option as a substring of its bracketed names, so `CRIT`, `ERR` and `WARN`
/// work there too.
const SEVERITY: &[(&str, LogSeverity)] = &[
    ("EMERG", LogSeverity::Emerg),
    ("ALERT", LogSeverity::Alert),
    ("CRITIC", LogSeverity::Critic),
    ("CRIT", LogSeverity::Critic),
    ("ERROR", LogSeverity::Error),
    ("ERR", LogSeverity::Error),
    ("WARNING", LogSeverity::Warning),
    ("WARN", LogSeverity::Warning),
    ("NOTICE", LogSeverity::Notice),
    ("INFO", LogSeverity::Info),
    ("DEBUG", LogSeverity::Debug),
];

const INSTANCE_MODE_NAMES: &[&str] = &["InstanceNumber", "InstanceAlias"];
const INSTANCE_MODE: &[(&str, InstanceMode)] = &[
    ("InstanceNumber", InstanceMode::InstanceNumber),
    ("InstanceAlias", InstanceMode::InstanceAlias),
];

const DATAMODEL_NAMES: &[&str] = &["builtin", "bbfdm"];
const DATAMODEL: &[(&str, DataModelBackend)] = &[
    ("builtin", DataModelBackend::Builtin),
    ("bbfdm", DataModelBackend::Bbfdm),
];

/// Sets the field of `key` from `v`; `Some(note)` when the value asks for something cwmpd
/// does not do.
fn apply(c: &mut Config, key: Key, v: Value<'_>) -> Check<Option<&'static str>> {
    use values::{
        absolute_path, boolean, date_time, integer, integer16, namespace, one_of,
        optional_absolute_path, oui, port, rate_limit, text, token, url, url_path,
    };
    let (acs, cpe, own) = (&mut c.acs, &mut c.cpe, &mut c.cwmpd);
    match key {
        Key::Url => acs.url = url(v)?,
        Key::AcsUserid => acs.userid = text(v)?,
        Key::AcsPasswd => acs.passwd = text(v)?,
        Key::PeriodicInformEnable => acs.periodic_inform_enable = boolean(v)?,
        Key::PeriodicInformInterval => acs.periodic_inform_interval = integer(v, 1, u32::MAX)?,
        Key::PeriodicInformTime => acs.periodic_inform_time = date_time(v)?,
        Key::RetryMinWaitInterval => acs.retry_min_wait_interval = integer16(v, 1, u16::MAX)?,
        Key::RetryIntervalMultiplier => {
            acs.retry_interval_multiplier = integer16(v, 1000, u16::MAX)?;
        }
        Key::SslCapath => acs.ssl_capath = absolute_path(v)?,
        Key::InsecureEnable => acs.insecure_enable = boolean(v)?,
        Key::HttpDisable100Continue => acs.http_disable_100continue = boolean(v)?,
        Key::GetRpcMethods => acs.get_rpc_methods = boolean(v)?,
        Key::HeartbeatEnable => acs.heartbeat_enable = boolean(v)?,
        Key::HeartbeatInterval => acs.heartbeat_interval = integer(v, 30, u32::MAX)?,
        Key::HeartbeatTime => acs.heartbeat_time = date_time(v)?,
        Key::Compression => {
            acs.compression = one_of(v, COMPRESSION, COMPRESSION_NAMES)?;
            if acs.compression != Compression::Disabled {
                return Ok(Some(
                    "HTTP compression is not supported; messages are sent uncompressed",
                ));
            }
        }
        Key::DhcpDiscovery => {
            if boolean(v)? {
                return Ok(Some(
                    "ACS discovery through DHCP is not supported; the configured 'url' is used",
                ));
            }
        }
        Key::Enable => cpe.enable = boolean(v)?,
        Key::CpeUserid => cpe.userid = text(v)?,
        Key::CpePasswd => cpe.passwd = text(v)?,
        Key::Port => cpe.port = port(v)?,
        Key::Path => cpe.path = url_path(v)?,
        Key::CrTimeout => cpe.cr_timeout = integer(v, 1, u32::MAX)?,
        Key::ProvisioningCode => cpe.provisioning_code = text(v)?,
        Key::AmdVersion => {
            let n = integer(v, 1, u32::from(AmdVersion::MAX.get()))?;
            cpe.amd_version = u8::try_from(n)
                .ok()
                .and_then(AmdVersion::new)
                .ok_or(super::Expected::Integer { min: 1, max: 6 })?;
        }
        Key::SessionTimeout => cpe.session_timeout = integer(v, 1, u32::MAX)?,
        Key::InstanceMode => {
            cpe.instance_mode = one_of(v, INSTANCE_MODE, INSTANCE_MODE_NAMES)?;
            if cpe.instance_mode == InstanceMode::InstanceAlias {
                return Ok(Some(
                    "alias-based addressing is not supported; new instances are numbered",
                ));
            }
        }
        Key::PeriodicNotifyEnable => cpe.periodic_notify_enable = boolean(v)?,
        Key::PeriodicNotifyInterval => cpe.periodic_notify_interval = integer(v, 1, u32::MAX)?,
        Key::LogSeverity => cpe.log_severity = one_of(v, SEVERITY, SEVERITY_NAMES)?,
        Key::LogToSyslog => cpe.log_to_syslog = boolean(v)?,
        Key::LogToConsole => cpe.log_to_console = boolean(v)?,
        Key::Manufacturer => cpe.manufacturer = text(v)?,
        Key::ManufacturerOui => cpe.manufacturer_oui = oui(v)?,
        Key::ProductClass => cpe.product_class = text(v)?,
        Key::SerialNumber => cpe.serial_number = text(v)?,
        Key::SoftwareVersion => cpe.software_version = text(v)?,
        Key::HardwareVersion => cpe.hardware_version = text(v)?,
        Key::ModelName => cpe.model_name = text(v)?,
        Key::Description => cpe.description = text(v)?,
        Key::DefaultWanInterface => cpe.default_wan_interface = token(v)?,
        Key::Interface => cpe.interface = token(v)?,
        Key::UbusSocket => cpe.ubus_socket = absolute_path(v)?,
        Key::Datamodel => own.datamodel = one_of(v, DATAMODEL, DATAMODEL_NAMES)?,
        Key::ParamStore => own.param_store = absolute_path(v)?,
        Key::StateDir => own.state_dir = absolute_path(v)?,
        Key::RebootCommand => own.reboot_command = text(v)?,
        Key::FactoryResetCommand => own.factory_reset_command = text(v)?,
        Key::FirmwareApplyCommand => own.firmware_apply_command = text(v)?,
        Key::ConfigApplyCommand => own.config_apply_command = text(v)?,
        Key::SoftwareModules => own.software_modules = boolean(v)?,
        Key::DuCommand => own.du_command = text(v)?,
        Key::CrRateLimit => own.cr_rate_limit = rate_limit(v)?,
        Key::CwmpNamespace => own.cwmp_namespace = namespace(v)?,
        Key::TxBuffer => {
            own.tx_buffer = integer(v, CONFIG_TX_BUFFER_RANGE.0, CONFIG_TX_BUFFER_RANGE.1)?;
        }
        Key::MaxEnvelope => {
            own.max_envelope = integer(v, CONFIG_ENVELOPE_RANGE.0, CONFIG_ENVELOPE_RANGE.1)?;
        }
        Key::SslClientCert => own.ssl_client_cert = optional_absolute_path(v)?,
        Key::SslClientKeyFile => own.ssl_client_key = optional_absolute_path(v)?,
    }
    Ok(None)
}

/// How a `config` statement is read.
enum Class {
    /// A section cwmpd reads.
    Read(Section),
    /// icwmp's old `config cwmp '<name>'` layout, read as the section of that name.
    Legacy(Section),
    /// An icwmp section cwmpd ignores.
    Icwmp(&'static str),
    /// Anything else.
    Unknown,
}

fn classify(section_type: Value<'_>, name: Option<Value<'_>>) -> Class {
    if let Some(s) = Section::ALL
        .into_iter()
        .find(|s| section_type.eq_str(s.name()))
    {
        return Class::Read(s);
    }
    if let Some(t) = ICWMP_SECTIONS.iter().find(|t| section_type.eq_str(t)) {
        return Class::Icwmp(t);
    }
    if section_type.eq_str("cwmp") {
        let legacy = [Section::Acs, Section::Cpe]
            .into_iter()
            .find(|s| name.is_some_and(|n| n.eq_str(s.name())));
        if let Some(s) = legacy {
            return Class::Legacy(s);
        }
    }
    Class::Unknown
}

/// Reads a whole file; see [`super::parse`].
pub(super) fn read<'a>(file: &'a str, input: &'a [u8]) -> Result<Parsed<'a>, ConfigError<'a>> {
    let mut config = Config::default();
    let mut warnings = Warnings::new();
    // Line each option was first set on, 0 for not yet; the same for each section type.
    let mut set_at = [0u32; OPTIONS.len()];
    let mut section_at = [0u32; Section::ALL.len()];
    // The section the following options belong to; `None` while in an ignored section.
    let mut current: Option<Section> = None;
    for item in Parser::new(input) {
        let item = item.map_err(|e| ConfigError {
            file,
            line: e.line,
            kind: ConfigErrorKind::Syntax(e.kind),
        })?;
        let line = item.line;
        let mut warn = |kind| {
            warnings.push(Warning {
                file,
                line: Some(line),
                kind,
            })
        };
        let (name, value, list) = match item.kind {
            ItemKind::Package { name } => {
                warn(WarningKind::Package { name });
                continue;
            }
            ItemKind::Section { section_type, name } => {
                current = match classify(section_type, name) {
                    Class::Read(s) => Some(s),
                    Class::Legacy(s) => {
                        warn(WarningKind::LegacySection { section: s.name() });
                        Some(s)
                    }
                    Class::Icwmp(t) => {
                        warn(WarningKind::IcwmpSection { section_type: t });
                        None
                    }
                    Class::Unknown => {
                        warn(WarningKind::UnknownSection { section_type });
                        None
                    }
                };
                if let Some(s) = current {
                    // `index` is below `Section::ALL.len()`, the length of `section_at`.
                    match section_at[s.index()] {
                        0 => section_at[s.index()] = line,
                        first_line => warn(WarningKind::RepeatedSection {
                            section: s.name(),
                            first_line,
                        }),
                    }
                }
                continue;
            }
            ItemKind::Option { name, value } => (name, value, false),
            ItemKind::List { name, value } => (name, value, true),
        };
        let Some(section) = current else {
            continue;
        };
        let known = OPTIONS
            .iter()
            .enumerate()
            .find(|(_, o)| o.kind == section && name.eq_str(o.name));
        let Some((index, option)) = known else {
            let icwmp = ICWMP_OPTIONS
                .iter()
                .find(|(s, n)| *s == section && name.eq_str(n));
            warn(match icwmp {
                Some(&(_, option)) => WarningKind::IcwmpOption {
                    section: section.name(),
                    option,
                },
                None => WarningKind::UnknownOption {
                    section: section.name(),
                    option: name,
                },
            });
            continue;
        };
        let fail = |kind| ConfigError { file, line, kind };
        if list {
            return Err(fail(ConfigErrorKind::NotAList {
                section: option.section,
                option: option.name,
            }));
        }
        // `index` enumerates OPTIONS, the length of `set_at`.
        match set_at[index] {
            0 => set_at[index] = line,
            first_line => warn(WarningKind::DuplicateOption {
                section: option.section,
                option: option.name,
                first_line,
            }),
        }
        let effective = if value.is_empty() {
            Value::verbatim(option.default)
        } else {
            value
        };
        match apply(&mut config, option.key, effective) {
            Ok(None) => {}
            Ok(Some(note)) => warn(WarningKind::Unsupported {
                option: option.name,
                note,
            }),
            Err(expected) => {
                return Err(fail(ConfigErrorKind::BadValue {
                    section: option.section,
                    option: option.name,
                    value,
                    expected,
                }));
            }
        }
    }
    if config.cpe.enable && config.acs.url.is_empty() {
        warnings.push(Warning {
            file,
            line: None,
            kind: WarningKind::NoAcsUrl,
        });
    }
    Ok(Parsed { config, warnings })
}

/// Applies one option's default to `config` (for the tests that check the table against
/// [`Config::default`]).
#[cfg(test)]
pub(super) fn apply_default(
    config: &mut Config,
    option: &OptionInfo,
) -> Result<(), super::Expected> {
    apply(config, option.key, Value::verbatim(option.default)).map(|_| ())
}
