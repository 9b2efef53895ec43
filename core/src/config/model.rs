//! The typed cwmpd configuration and its defaults.
//!
//! Option names are icwmp's (`/etc/config/cwmp`, sections `acs` and `cpe`); cwmpd's own options
//! live in a section of type `cwmpd`, so that no icwmp option is given a second meaning. Each
//! field documents its option, unit, range, default and where the default comes from ("icwmp"
//! means iopsys icwmp's `config.c`/`common.h` or its UCI schema). This module only describes
//! the configuration; reading it is [`super::parse`].

use core::fmt;

use heapless::String;

use crate::limits::CR_MAX_PATH;
use crate::limits::{
    CONFIG_COMMAND_LEN, CONFIG_CREDENTIAL_LEN, CONFIG_DESCRIPTION_LEN, CONFIG_DEVICE_INFO_LEN,
    CONFIG_IFNAME_LEN, CONFIG_PATH_LEN, CONFIG_PROVISIONING_CODE_LEN, CONFIG_URL_LEN,
};
use crate::soap::{CwmpNs, CwmpVersion};
use crate::time::DateTime;

/// Everything cwmpd reads from `/etc/config/cwmp`; `Default` is what an empty file gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// Section `acs`: how to reach and talk to the ACS.
    pub acs: Acs,
    /// Section `cpe`: the device side (Connection Requests, identity, logging).
    pub cpe: Cpe,
    /// Section `cwmpd`: options only cwmpd has.
    pub cwmpd: Cwmpd,
}

/// Section `acs` (type `acs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acs {
    /// `url`: the ACS URL, `http://` or `https://` with a host. Default empty: no ACS is
    /// contacted (icwmp has no default either and waits for one).
    pub url: String<CONFIG_URL_LEN>,
    /// `userid`: user name for the ACS's HTTP authentication. Default empty (icwmp).
    pub userid: String<CONFIG_CREDENTIAL_LEN>,
    /// `passwd`: password for the ACS's HTTP authentication. Default empty (icwmp).
    pub passwd: String<CONFIG_CREDENTIAL_LEN>,
    /// `periodic_inform_enable`: send periodic Informs. Default on (icwmp's schema default `1`).
    pub periodic_inform_enable: bool,
    /// `periodic_inform_interval`: seconds between periodic Informs, at least 1 (TR-181).
    /// Default 86400 (icwmp `PERIOD_INFORM_DEFAULT`).
    pub periodic_inform_interval: u32,
    /// `periodic_inform_time`: reference time of the periodic Informs, as `xsd:dateTime` or Unix
    /// seconds. Default the Unknown Time `0001-01-01T00:00:00Z` (icwmp's default file): the
    /// agent picks the phase.
    pub periodic_inform_time: DateTime,
    /// `retry_min_wait_interval`: seconds, 1..65535, the `m` of the TR-069 retry back-off.
    /// Default 5 (icwmp `DEFAULT_RETRY_MINIMUM_WAIT_INTERVAL`, TR-069 §3.2.1.1).
    pub retry_min_wait_interval: u16,
    /// `retry_interval_multiplier`: thousandths, 1000..65535, the `k` of the retry back-off.
    /// Default 2000 (icwmp `DEFAULT_RETRY_INTERVAL_MULTIPLIER`, TR-069 §3.2.1.1).
    pub retry_interval_multiplier: u16,
    /// `ssl_capath`: absolute path of the CA certificate file or directory that verifies the
    /// ACS. Default `/etc/ssl/certs` (icwmp's fallback when the option is empty).
    pub ssl_capath: String<CONFIG_PATH_LEN>,
    /// `insecure_enable`: skip verification of the ACS certificate. Default off (icwmp).
    pub insecure_enable: bool,
    /// `http_disable_100continue`: never send `Expect: 100-continue`. Default on (icwmp's is
    /// off): many ACSs answer `100 Continue` badly, so it is sent only when set to `0`.
    pub http_disable_100continue: bool,
    /// `get_rpc_methods`: call GetRPCMethods on the ACS in the first session after start and
    /// after a new ACS URL. Default on (icwmp).
    pub get_rpc_methods: bool,
    /// `heartbeat_enable`: send `14 HEARTBEAT` Informs (TR-069 Annex O). Default off (icwmp).
    pub heartbeat_enable: bool,
    /// `heartbeat_interval`: seconds between heartbeats, at least 30 (TR-181
    /// `HeartbeatPolicy.ReportingInterval`). Default 30 (icwmp).
    pub heartbeat_interval: u32,
    /// `heartbeat_time`: reference time of the heartbeats, `xsd:dateTime` or Unix seconds.
    /// Default the Unknown Time (icwmp's `0`): the agent picks a random phase.
    pub heartbeat_time: DateTime,
    /// `compression`: HTTP compression towards the ACS. Default `Disabled` (icwmp's default
    /// file). cwmpd does not compress; other values are accepted with a warning.
    pub compression: Compression,
}

/// Section `cpe` (type `cpe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cpe {
    /// `enable`: run the agent at all. Default on (icwmp: off makes icwmpd exit).
    pub enable: bool,
    /// `userid`: user name the ACS must present in a Connection Request. Default empty; icwmp
    /// refuses Connection Requests while user name or password is empty.
    pub userid: String<CONFIG_CREDENTIAL_LEN>,
    /// `passwd`: password of the Connection Request. Default empty (icwmp).
    pub passwd: String<CONFIG_CREDENTIAL_LEN>,
    /// `port`: TCP port of the Connection Request listener, 1..65535. Default 7547 (icwmp
    /// `DEFAULT_CONNECTION_REQUEST_PORT`, the IANA port of CWMP).
    pub port: u16,
    /// `path`: HTTP path of the Connection Request URL, always starting with `/` (a missing
    /// one is added, as icwmp does). Default `/` (icwmp).
    pub path: String<CR_MAX_PATH>,
    /// `cr_timeout`: seconds a Connection Request may take to arrive on an accepted
    /// connection, at least 1. Default 5 (icwmp `DEFAULT_CR_TIMEOUT`).
    pub cr_timeout: u32,
    /// `provisioning_code`: `DeviceInfo.ProvisioningCode`. Default empty (icwmp).
    pub provisioning_code: String<CONFIG_PROVISIONING_CODE_LEN>,
    /// `amd_version`: TR-069 amendment 1..6 to speak, which sets the CWMP version. Default 5,
    /// CWMP 1.4 (icwmp `DEFAULT_AMD_VERSION`).
    pub amd_version: AmdVersion,
    /// `session_timeout`: seconds announced in the `cwmp:SessionTimeout` header (CWMP 1.3+),
    /// at least 1. Default 60 (icwmp `DEFAULT_SESSION_TIMEOUT`).
    pub session_timeout: u32,
    /// `instance_mode`: how new object instances are named. Default `InstanceNumber` (icwmp).
    pub instance_mode: InstanceMode,
    /// `periodic_notify_enable`: poll notified parameters for value changes. Default on
    /// (icwmp).
    pub periodic_notify_enable: bool,
    /// `periodic_notify_interval`: seconds between those polls, at least 1. Default 10 (icwmp
    /// `DEFAULT_NOTIFY_PERIOD`).
    pub periodic_notify_interval: u32,
    /// `log_severity`: least severe message logged. Default `INFO` (icwmp).
    pub log_severity: LogSeverity,
    /// `log_to_syslog`: log to syslog. Default on (icwmp `log.c`).
    pub log_to_syslog: bool,
    /// `log_to_console`: log to standard output. Default off (icwmp `log.c`).
    pub log_to_console: bool,
    /// `manufacturer`: overrides `DeviceInfo.Manufacturer` when not empty. Default empty
    /// (icwmp).
    pub manufacturer: String<CONFIG_DEVICE_INFO_LEN>,
    /// `manufacturer_oui`: overrides `DeviceInfo.ManufacturerOUI`: six hexadecimal digits,
    /// kept upper-case as TR-181 requires. Default empty (icwmp).
    pub manufacturer_oui: String<6>,
    /// `product_class`: overrides `DeviceInfo.ProductClass`. Default empty (icwmp).
    pub product_class: String<CONFIG_DEVICE_INFO_LEN>,
    /// `serial_number`: overrides `DeviceInfo.SerialNumber`. Default empty (icwmp).
    pub serial_number: String<CONFIG_DEVICE_INFO_LEN>,
    /// `software_version`: overrides `DeviceInfo.SoftwareVersion`. Default empty (icwmp).
    pub software_version: String<CONFIG_DEVICE_INFO_LEN>,
    /// `hardware_version`: overrides `DeviceInfo.HardwareVersion` (cwmpd only; icwmp reads it
    /// from the data model). Default empty.
    pub hardware_version: String<CONFIG_DEVICE_INFO_LEN>,
    /// `model_name`: overrides `DeviceInfo.ModelName`. Default empty (icwmp).
    pub model_name: String<CONFIG_DEVICE_INFO_LEN>,
    /// `description`: overrides `DeviceInfo.Description`. Default empty (icwmp).
    pub description: String<CONFIG_DESCRIPTION_LEN>,
    /// `default_wan_interface`: netifd interface whose address goes into the Connection
    /// Request URL. Default `wan` (icwmp).
    pub default_wan_interface: String<CONFIG_IFNAME_LEN>,
    /// `interface`: Linux device to use instead of resolving `default_wan_interface`. Default
    /// empty (icwmp).
    pub interface: String<CONFIG_IFNAME_LEN>,
    /// `ubus_socket`: absolute path of ubusd's socket. Default `/var/run/ubus/ubus.sock`
    /// (libubus `UBUS_UNIX_SOCKET`, what icwmp uses when the option is empty).
    pub ubus_socket: String<CONFIG_PATH_LEN>,
}

/// Section `cwmpd` (type `cwmpd`): options icwmp does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cwmpd {
    /// `datamodel`: where parameters outside `ManagementServer` come from. Default `builtin`.
    pub datamodel: DataModelBackend,
    /// `param_store`: absolute path of the JSON file of the builtin parameter store. Default
    /// `/etc/cwmpd/params.json`.
    pub param_store: String<CONFIG_PATH_LEN>,
    /// `state_dir`: absolute path of the directory of the persisted agent state (queued events,
    /// transfers, attributes). Default `/etc/cwmpd`, on flash like icwmp's `/etc/icwmpd`.
    pub state_dir: String<CONFIG_PATH_LEN>,
    /// `reboot_command`: shell command that reboots the device. Default `reboot`.
    pub reboot_command: String<CONFIG_COMMAND_LEN>,
    /// `factory_reset_command`: shell command that resets the device to factory defaults.
    /// Default `firstboot -y && reboot`.
    pub factory_reset_command: String<CONFIG_COMMAND_LEN>,
    /// `firmware_apply_command`: shell command that installs a downloaded firmware image, given
    /// as `$1`. Default `sysupgrade "$1"` (keeps the settings, like icwmp's default).
    pub firmware_apply_command: String<CONFIG_COMMAND_LEN>,
    /// `config_apply_command`: shell command that applies a downloaded vendor configuration
    /// file, given as `$1`. Default `uci -f "$1" import && uci commit && reload_config`.
    pub config_apply_command: String<CONFIG_COMMAND_LEN>,
    /// `software_modules`: whether the ACS may install, update and remove software packages
    /// (ChangeDUState) and `Device.SoftwareModules.` is served. Default true; it takes effect
    /// with the builtin data model only.
    pub software_modules: bool,
    /// `du_command`: shell command that carries out software-module operations, run as
    /// `/bin/sh -c CMD cwmpd VERB ARGS...`, so the verb and its arguments (`install FILE`,
    /// `update FILE NAME`, `uninstall NAME`, `list`) are its positional parameters. Default
    /// `/usr/libexec/cwmpd-du "$@"`, the helper the package installs.
    pub du_command: String<CONFIG_COMMAND_LEN>,
    /// `cr_rate_limit`: most Connection Requests accepted per period, written
    /// `REQUESTS/SECONDS`. Default `50/5` (icwmp `CONNECTION_REQUEST_RESTRICT_REQUEST` per
    /// `CONNECTION_REQUEST_RESTRICT_PERIOD`).
    pub cr_rate_limit: RateLimit,
    /// `cwmp_namespace`: namespace of the messages cwmpd starts (`cwmp-1-0` … `cwmp-1-4`).
    /// Default `cwmp-1-2`, the normative namespace of CWMP 1.2–1.4 (GenieACS rejects
    /// `cwmp-1-4`).
    pub cwmp_namespace: CwmpNs,
    /// `tx_buffer`: bytes of the buffer outgoing messages are encoded into, in
    /// [`crate::limits::CONFIG_TX_BUFFER_RANGE`]. Default 16384.
    pub tx_buffer: u32,
    /// `max_envelope`: largest ACS message accepted, in bytes, in
    /// [`crate::limits::CONFIG_ENVELOPE_RANGE`]. Default 65536.
    pub max_envelope: u32,
    /// `ssl_client_cert`: PEM file with the client certificate chain (leaf first) presented
    /// to an `https://` ACS that asks for one (mutual TLS). Default empty: none. Goes with
    /// `ssl_client_key`.
    pub ssl_client_cert: String<CONFIG_PATH_LEN>,
    /// `ssl_client_key`: PEM file with the private key of `ssl_client_cert` (PKCS#8, PKCS#1 or
    /// SEC1). Default empty.
    pub ssl_client_key: String<CONFIG_PATH_LEN>,
}

/// HTTP compression of the messages to the ACS (icwmp option `compression`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// No compression (`Disabled`).
    Disabled,
    /// `Content-Encoding: gzip` (`GZIP`).
    Gzip,
    /// `Content-Encoding: deflate` (`Deflate`).
    Deflate,
}

impl Compression {
    /// The spelling of icwmp's default file.
    pub const fn as_str(self) -> &'static str {
        match self {
            Compression::Disabled => "Disabled",
            Compression::Gzip => "GZIP",
            Compression::Deflate => "Deflate",
        }
    }
}

/// A TR-069 amendment number, 1..=6 (icwmp option `amd_version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AmdVersion(u8);

impl AmdVersion {
    /// The newest amendment, 6.
    pub const MAX: AmdVersion = AmdVersion(6);

    /// The amendment `n`, if it is one of 1..=6.
    pub const fn new(n: u8) -> Option<AmdVersion> {
        if n >= 1 && n <= 6 {
            Some(AmdVersion(n))
        } else {
            None
        }
    }

    /// The amendment number.
    pub const fn get(self) -> u8 {
        self.0
    }

    /// The CWMP version the amendment defines: Amd 1 is 1.0, 2 is 1.1, 3 is 1.2, 4 is 1.3,
    /// 5 and 6 are 1.4 (TR-069 Amd 6 §1.1; icwmp indexes its namespaces by `amd - 1`).
    pub const fn cwmp_version(self) -> CwmpVersion {
        match self.0 {
            1 => CwmpVersion::V1_0,
            2 => CwmpVersion::V1_1,
            3 => CwmpVersion::V1_2,
            4 => CwmpVersion::V1_3,
            _ => CwmpVersion::V1_4,
        }
    }
}

impl fmt::Display for AmdVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// How the CPE names object instances it creates (icwmp option `instance_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceMode {
    /// Instance numbers (`InstanceNumber`).
    InstanceNumber,
    /// Instance aliases (`InstanceAlias`, TR-069 Alias-Based Addressing).
    InstanceAlias,
}

/// A syslog severity, most severe first (icwmp option `log_severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogSeverity {
    /// `EMERG`.
    Emerg,
    /// `ALERT`.
    Alert,
    /// `CRITIC` (icwmp's spelling of critical).
    Critic,
    /// `ERROR`.
    Error,
    /// `WARNING`.
    Warning,
    /// `NOTICE`.
    Notice,
    /// `INFO`.
    Info,
    /// `DEBUG`.
    Debug,
}

impl LogSeverity {
    /// icwmp's name of the severity.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogSeverity::Emerg => "EMERG",
            LogSeverity::Alert => "ALERT",
            LogSeverity::Critic => "CRITIC",
            LogSeverity::Error => "ERROR",
            LogSeverity::Warning => "WARNING",
            LogSeverity::Notice => "NOTICE",
            LogSeverity::Info => "INFO",
            LogSeverity::Debug => "DEBUG",
        }
    }

    /// The syslog priority number (0 for `EMERG` … 7 for `DEBUG`).
    pub const fn syslog_priority(self) -> u8 {
        self as u8
    }
}

/// The data-model back end (cwmpd option `datamodel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataModelBackend {
    /// The embedded model: DeviceInfo from the system plus a persisted parameter store.
    Builtin,
    /// iopsys/prplOS `bbfdm` over ubus.
    Bbfdm,
}

/// At most `requests` events per `seconds` (cwmpd option `cr_rate_limit`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per period, at least 1.
    pub requests: u32,
    /// Length of the period in seconds, at least 1.
    pub seconds: u32,
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.requests, self.seconds)
    }
}

/// A `heapless::String` holding `s`; the caller guarantees it fits.
fn fixed<const N: usize>(s: &str) -> String<N> {
    let mut out = String::new();
    // Only used with the short literal defaults below, each far shorter than its field; a
    // test checks every default against the option table.
    let _ = out.push_str(s);
    out
}

impl Default for Acs {
    fn default() -> Self {
        Acs {
            url: String::new(),
            userid: String::new(),
            passwd: String::new(),
            periodic_inform_enable: true,
            periodic_inform_interval: 86_400,
            periodic_inform_time: DateTime::UNKNOWN,
            retry_min_wait_interval: 5,
            retry_interval_multiplier: 2000,
            ssl_capath: fixed("/etc/ssl/certs"),
            insecure_enable: false,
            http_disable_100continue: true,
            get_rpc_methods: true,
            heartbeat_enable: false,
            heartbeat_interval: 30,
            heartbeat_time: DateTime::UNKNOWN,
            compression: Compression::Disabled,
        }
    }
}

impl Default for Cpe {
    fn default() -> Self {
        Cpe {
            enable: true,
            userid: String::new(),
            passwd: String::new(),
            port: 7547,
            path: fixed("/"),
            cr_timeout: 5,
            provisioning_code: String::new(),
            amd_version: AmdVersion(5),
            session_timeout: 60,
            instance_mode: InstanceMode::InstanceNumber,
            periodic_notify_enable: true,
            periodic_notify_interval: 10,
            log_severity: LogSeverity::Info,
            log_to_syslog: true,
            log_to_console: false,
            manufacturer: String::new(),
            manufacturer_oui: String::new(),
            product_class: String::new(),
            serial_number: String::new(),
            software_version: String::new(),
            hardware_version: String::new(),
            model_name: String::new(),
            description: String::new(),
            default_wan_interface: fixed("wan"),
            interface: String::new(),
            ubus_socket: fixed("/var/run/ubus/ubus.sock"),
        }
    }
}

impl Default for Cwmpd {
    fn default() -> Self {
        Cwmpd {
            datamodel: DataModelBackend::Builtin,
            param_store: fixed("/etc/cwmpd/params.json"),
            state_dir: fixed("/etc/cwmpd"),
            reboot_command: fixed("reboot"),
            factory_reset_command: fixed("firstboot -y && reboot"),
            firmware_apply_command: fixed("sysupgrade \"$1\""),
            config_apply_command: fixed("uci -f \"$1\" import && uci commit && reload_config"),
            software_modules: true,
            du_command: fixed("/usr/libexec/cwmpd-du \"$@\""),
            cr_rate_limit: RateLimit {
                requests: 50,
                seconds: 5,
            },
            cwmp_namespace: CwmpNs::V1_2,
            tx_buffer: 16_384,
            max_envelope: 65_536,
            ssl_client_cert: String::new(),
            ssl_client_key: String::new(),
        }
    }
}
