//! How a test configures the ACS: transport, authentication, and the protocol corners it
//! plays ([`Intercept`]s such as an 8005 fault, a redirect, a 500, silence).
//!
//! Responsible for the option types and their defaults (GenieACS 1.2.16 behaviour). Not
//! responsible for acting on them (see `session` and `server`).

use super::auth::Auth;

/// Which POSTs an [`Intercept`] applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A POST carrying an Inform.
    Inform,
    /// The empty POST.
    EmptyPost,
    /// A POST carrying a CPE request other than Inform (TransferComplete, GetRPCMethods...).
    CpeRequest,
    /// A POST carrying the CPE's response or fault to an ACS request.
    CpeResponse,
    /// Any POST.
    AnyPost,
}

/// What the ACS does instead of (or on top of) its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Answer with this HTTP status, an empty body and `Connection: close`; the session fails.
    Status(u16),
    /// Answer with a SOAP fault carrying this CWMP fault (8005 "Retry request"...). The POST is
    /// otherwise not acted on: after a fault to the Inform the session still waits for one.
    Fault {
        /// CWMP fault code.
        code: u32,
        /// CWMP fault string.
        string: String,
    },
    /// Answer `status` (302/307...) with `Location: location` and `Connection: close`.
    Redirect {
        /// 301, 302, 303, 307 or 308.
        status: u16,
        /// Absolute URL or path.
        location: String,
    },
    /// Read the request and never answer; the connection stays open until the CPE closes it
    /// (tests the CPE's response timeout). The session fails.
    Silent,
    /// Close the connection without answering. The session fails.
    Drop,
    /// Write exactly these bytes as the response (status line, fields and body as given, no
    /// framing added) and close: garbage, a lying `Content-Length`, an oversized body. The
    /// session fails.
    Raw(Vec<u8>),
    /// Answer normally, with `cwmp:HoldRequests` true in the envelope (only counted when the
    /// normal answer is an envelope, not a 204).
    HoldRequests,
}

/// A scripted deviation: `action` for the next `times` POSTs matching `when`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intercept {
    /// Which POSTs.
    pub when: When,
    /// What to do.
    pub action: Action,
    /// How many more times (`None`: every time).
    pub times: Option<u32>,
}

impl Intercept {
    /// `action` on the next POST matching `when`.
    pub fn once(when: When, action: Action) -> Intercept {
        Intercept::times(1, when, action)
    }

    /// `action` on the next `n` POSTs matching `when`.
    pub fn times(n: u32, when: When, action: Action) -> Intercept {
        Intercept {
            when,
            action,
            times: Some(n),
        }
    }

    /// `action` on every POST matching `when`.
    pub fn always(when: When, action: Action) -> Intercept {
        Intercept {
            when,
            action,
            times: None,
        }
    }
}

/// Whether the ACS keeps connections open between responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConnectionMode {
    /// `Connection: keep-alive` until the session's last response, like GenieACS.
    #[default]
    KeepAlive,
    /// `Connection: close` and a closed connection after every response; the CPE must
    /// continue the session on a new connection with the session cookie.
    CloseAfterEachResponse,
}

/// HTTPS settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsOptions {
    /// subjectAltNames of the server certificate (default `localhost`, `127.0.0.1`); leave
    /// out the URL's host to test name mismatch.
    pub names: Vec<String>,
    /// Require a client certificate signed by the test CA (mutual TLS).
    pub require_client_cert: bool,
}

impl Default for TlsOptions {
    fn default() -> Self {
        TlsOptions {
            names: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            require_client_cert: false,
        }
    }
}

/// Everything a test can set on the ACS. `AcsOptions::default()` is plain HTTP on a random
/// loopback port, no authentication, GenieACS behaviour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AcsOptions {
    /// TCP port on 127.0.0.1 (0: any free port).
    pub port: u16,
    /// HTTPS when set.
    pub tls: Option<TlsOptions>,
    /// CPE authentication.
    pub auth: Auth,
    /// Connection handling.
    pub connection: ConnectionMode,
    /// Scripted deviations, tried in order.
    pub intercepts: Vec<Intercept>,
    /// `cwmp:UseCWMPVersion` to put in every InformResponse (GenieACS never sends it).
    pub use_cwmp_version: Option<String>,
    /// CWMP namespace of every envelope the ACS writes (`None`: the Inform's, like GenieACS).
    pub namespace: Option<String>,
    /// Accept `urn:dslforum-org:cwmp-1-4` (GenieACS 1.2.16 answers it with 400).
    pub accept_cwmp_1_4: bool,
    /// The MethodList of the GetRPCMethodsResponse (GenieACS: Inform, GetRPCMethods,
    /// TransferComplete).
    pub rpc_methods: Vec<String>,
    /// `Server` / `SOAPServer` header value.
    pub server_name: String,
    /// Host written in [`super::Acs::url`] (`127.0.0.1`; `localhost` to test SNI by name).
    pub url_host: String,
    /// Listen on `::1` instead of `127.0.0.1` (the URL then names `[::1]`).
    pub ipv6: bool,
    /// Path written in [`super::Acs::url`] (the ACS answers on every path).
    pub path: String,
}

impl Default for AcsOptions {
    fn default() -> Self {
        AcsOptions {
            port: 0,
            tls: None,
            auth: Auth::None,
            connection: ConnectionMode::KeepAlive,
            intercepts: Vec::new(),
            use_cwmp_version: None,
            namespace: None,
            accept_cwmp_1_4: false,
            rpc_methods: ["Inform", "GetRPCMethods", "TransferComplete"]
                .map(String::from)
                .to_vec(),
            server_name: concat!("cwmp-bench/", env!("CARGO_PKG_VERSION")).to_owned(),
            url_host: "127.0.0.1".to_owned(),
            ipv6: false,
            path: "/".to_owned(),
        }
    }
}

impl AcsOptions {
    /// HTTPS with a certificate for `localhost` and `127.0.0.1`.
    pub fn https(mut self) -> Self {
        self.tls = Some(TlsOptions::default());
        self
    }

    /// HTTPS with a certificate for exactly these names.
    pub fn https_for(mut self, names: &[&str]) -> Self {
        self.tls = Some(TlsOptions {
            names: names.iter().map(|s| (*s).to_owned()).collect(),
            require_client_cert: false,
        });
        self
    }

    /// HTTPS for `localhost` and `127.0.0.1` that requires a client certificate signed by the
    /// test CA ([`super::Acs::write_client_identity`] writes one).
    pub fn https_with_client_cert(mut self) -> Self {
        self.tls = Some(TlsOptions {
            require_client_cert: true,
            ..TlsOptions::default()
        });
        self
    }

    /// Listens on the IPv6 loopback `::1`, with `http://[::1]:PORT/` as its URL.
    pub fn ipv6(mut self) -> Self {
        self.ipv6 = true;
        self.url_host = "[::1]".to_owned();
        self
    }

    /// Requires this authentication.
    pub fn auth(mut self, auth: Auth) -> Self {
        self.auth = auth;
        self
    }

    /// Adds an intercept.
    pub fn intercept(mut self, i: Intercept) -> Self {
        self.intercepts.push(i);
        self
    }

    /// Answers the first `n` Informs with SOAP fault 8005 "Retry request".
    pub fn inform_retry_faults(self, n: u32) -> Self {
        self.intercept(Intercept::times(
            n,
            When::Inform,
            Action::Fault {
                code: 8005,
                string: "Retry request".to_owned(),
            },
        ))
    }

    /// Sends `cwmp:HoldRequests` true in the answer to the next POST matching `when`.
    pub fn hold_requests(self, when: When) -> Self {
        self.intercept(Intercept::once(when, Action::HoldRequests))
    }

    /// Redirects the first Inform with `status` to `location`.
    pub fn redirect_first_inform(self, status: u16, location: &str) -> Self {
        self.intercept(Intercept::once(
            When::Inform,
            Action::Redirect {
                status,
                location: location.to_owned(),
            },
        ))
    }

    /// Closes the connection after every response.
    pub fn close_after_each_response(mut self) -> Self {
        self.connection = ConnectionMode::CloseAfterEachResponse;
        self
    }

    /// Sends `cwmp:UseCWMPVersion` in every InformResponse.
    pub fn use_cwmp_version(mut self, version: &str) -> Self {
        self.use_cwmp_version = Some(version.to_owned());
        self
    }

    /// Listens on this port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }
}
