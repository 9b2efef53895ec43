//! The agent's settings: what the daemon derives from `/etc/config/cwmp` and hands over.

use super::mgmt::ManagementServer;
use crate::limits::{CR_MAX_PATH, SESSION_TIMEOUT_MIN};
use crate::soap::{CwmpNs, CwmpVersion};

/// Who the CPE is (`DeviceIdStruct`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceIdentity {
    /// `Manufacturer`.
    pub manufacturer: heapless::String<64>,
    /// `OUI`: six upper-case hex digits.
    pub oui: heapless::String<6>,
    /// `ProductClass`.
    pub product_class: heapless::String<64>,
    /// `SerialNumber`.
    pub serial_number: heapless::String<64>,
}

/// Connection Request listener settings (the listener itself is the platform's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionRequest {
    /// Accept Connection Requests at all.
    pub enable: bool,
    /// The path a GET must target, e.g. `/cwmp-cr`.
    pub path: heapless::String<CR_MAX_PATH>,
    /// Digest realm.
    pub realm: heapless::String<64>,
    /// Most accepted requests per window.
    pub rate_limit: u32,
    /// Window of the rate limit, seconds.
    pub rate_window: u32,
}

impl Default for ConnectionRequest {
    fn default() -> Self {
        let mut path = heapless::String::new();
        let _ = path.push_str("/");
        let mut realm = heapless::String::new();
        let _ = realm.push_str("cwmpd");
        ConnectionRequest {
            enable: true,
            path,
            realm,
            rate_limit: 50,
            rate_window: 5,
        }
    }
}

/// Everything the agent is configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentConfig {
    /// The `DeviceId` of every Inform.
    pub device: DeviceIdentity,
    /// `Device.ManagementServer.` as configured (the ACS may change values later).
    pub management_server: ManagementServer,
    /// The namespace written on Informs and CPE requests (responses use the request's).
    pub cwmp_ns: CwmpNs,
    /// The highest CWMP version the agent speaks (1.3 adds SessionTimeout, 1.4 version
    /// negotiation).
    pub cwmp_version: CwmpVersion,
    /// Seconds to wait for each ACS response (at least [`SESSION_TIMEOUT_MIN`]); advertised as
    /// `SessionTimeout` from CWMP 1.3.
    pub session_timeout: u32,
    /// `User-Agent` of every POST.
    pub user_agent: heapless::String<64>,
    /// Ask the ACS for its methods (GetRPCMethods) in the first session after start and after a new ACS URL.
    pub get_rpc_methods: bool,
    /// The platform can carry out ChangeDUState ([`super::Effect::ChangeDuState`]); when false
    /// the agent answers it with 9000 and leaves it out of GetRPCMethodsResponse.
    pub software_modules: bool,
    /// Send `Expect: 100-continue` on POSTs with a body.
    pub expect_continue: bool,
    /// Send Basic credentials before being asked, over TLS.
    pub basic_preemptive: bool,
    /// Largest ACS response body accepted, bytes (also bounded by the receive buffer).
    pub max_response_body: usize,
    /// Size of the caller's transmit buffer, bytes: decides when a reply is too large (9004).
    pub tx_buffer: usize,
    /// Seconds between checks of notified parameters for changes (0: only on request).
    pub notify_check_interval: u32,
    /// Connection Request settings.
    pub connection_request: ConnectionRequest,
}

impl Default for AgentConfig {
    fn default() -> Self {
        let mut ua = heapless::String::new();
        let _ = ua.push_str("cwmpd/");
        let _ = ua.push_str(env!("CARGO_PKG_VERSION"));
        AgentConfig {
            device: DeviceIdentity::default(),
            management_server: ManagementServer::default(),
            cwmp_ns: CwmpNs::V1_2,
            cwmp_version: CwmpVersion::V1_4,
            session_timeout: 60,
            user_agent: ua,
            get_rpc_methods: false,
            software_modules: false,
            expect_continue: false,
            basic_preemptive: true,
            max_response_body: 256 * 1024,
            tx_buffer: 64 * 1024,
            notify_check_interval: 60,
            connection_request: ConnectionRequest::default(),
        }
    }
}

impl AgentConfig {
    /// The session timeout actually used: never below the 30 s of TR-069 §3.4.2.
    pub fn effective_session_timeout(&self) -> u32 {
        self.session_timeout.max(SESSION_TIMEOUT_MIN)
    }
}
