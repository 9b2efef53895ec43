//! The ACS→CPE requests tests queue ([`Task`]) and the envelopes the test ACS writes.
//!
//! Responsible for the exact bytes of what the ACS sends: GenieACS 1.2.16's envelope (namespace
//! declaration order, `soap-env` prefix, `cwmp:ID` with `mustUnderstand="1"`, no whitespace) and
//! its argument layout for every RPC it knows; RPCs GenieACS does not send are written in the
//! same style in XSD order. Not responsible for when a task is sent (see `server`).

use std::fmt::Write as _;

/// `http://schemas.xmlsoap.org/soap/envelope/`.
const SOAP_ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// `http://schemas.xmlsoap.org/soap/encoding/`.
const SOAP_ENC: &str = "http://schemas.xmlsoap.org/soap/encoding/";
/// `http://www.w3.org/2001/XMLSchema`.
const XSD: &str = "http://www.w3.org/2001/XMLSchema";
/// `http://www.w3.org/2001/XMLSchema-instance`.
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The CWMP namespace used when nothing else decides: `urn:dslforum-org:cwmp-1-2`.
pub const DEFAULT_NAMESPACE: &str = "urn:dslforum-org:cwmp-1-2";

/// Escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// One parameter of a SetParameterValues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetValue {
    /// Path.
    pub name: String,
    /// Lexical value, written as given (use `true`/`false` for booleans, as GenieACS does).
    pub value: String,
    /// The `xsi:type` QName (`xsd:string`, `xsd:unsignedInt`...), written as given.
    pub xsi_type: String,
}

/// One entry of a SetParameterAttributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetAttribute {
    /// Path or partial path.
    pub name: String,
    /// New notification (`None`: NotificationChange false and, like GenieACS, an empty
    /// `<Notification>` element).
    pub notification: Option<u8>,
    /// New access list (`None`: AccessListChange false).
    pub access_list: Option<Vec<String>>,
}

/// Arguments of a Download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// CommandKey; `None` uses the RPC's `cwmp:ID`, as GenieACS does.
    pub command_key: Option<String>,
    /// FileType (`1 Firmware Upgrade Image`...).
    pub file_type: String,
    /// URL.
    pub url: String,
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// FileSize.
    pub file_size: u32,
    /// TargetFileName.
    pub target_file_name: String,
    /// DelaySeconds.
    pub delay_seconds: u32,
    /// SuccessURL.
    pub success_url: String,
    /// FailureURL.
    pub failure_url: String,
}

impl Download {
    /// A Download of `url` with GenieACS's defaults (command key = RPC id, everything else
    /// empty or 0).
    pub fn new(file_type: &str, url: &str) -> Download {
        Download {
            command_key: None,
            file_type: file_type.to_owned(),
            url: url.to_owned(),
            username: String::new(),
            password: String::new(),
            file_size: 0,
            target_file_name: String::new(),
            delay_seconds: 0,
            success_url: String::new(),
            failure_url: String::new(),
        }
    }
}

/// Arguments of an Upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// CommandKey; `None` uses the RPC's `cwmp:ID`.
    pub command_key: Option<String>,
    /// FileType (`1 Vendor Configuration File`, `2 Vendor Log File`...).
    pub file_type: String,
    /// URL.
    pub url: String,
    /// Username.
    pub username: String,
    /// Password.
    pub password: String,
    /// DelaySeconds.
    pub delay_seconds: u32,
}

impl Upload {
    /// An Upload to `url` (empty credentials, no delay, command key = RPC id).
    pub fn new(file_type: &str, url: &str) -> Upload {
        Upload {
            command_key: None,
            file_type: file_type.to_owned(),
            url: url.to_owned(),
            username: String::new(),
            password: String::new(),
            delay_seconds: 0,
        }
    }
}

/// One operation of a ChangeDUState (`None`: the optional element is left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DuOperation {
    /// `InstallOpStruct`.
    Install {
        /// URL.
        url: String,
        /// UUID.
        uuid: Option<String>,
        /// Username.
        username: Option<String>,
        /// Password.
        password: Option<String>,
        /// ExecutionEnvRef.
        execution_env_ref: Option<String>,
    },
    /// `UpdateOpStruct`.
    Update {
        /// UUID.
        uuid: Option<String>,
        /// Version.
        version: Option<String>,
        /// URL.
        url: Option<String>,
        /// Username.
        username: Option<String>,
        /// Password.
        password: Option<String>,
    },
    /// `UninstallOpStruct`.
    Uninstall {
        /// UUID.
        uuid: String,
        /// Version.
        version: Option<String>,
        /// ExecutionEnvRef.
        execution_env_ref: Option<String>,
    },
}

impl DuOperation {
    /// Install from `url`, nothing else given.
    pub fn install(url: &str) -> DuOperation {
        DuOperation::Install {
            url: url.to_owned(),
            uuid: None,
            username: None,
            password: None,
            execution_env_ref: None,
        }
    }

    /// Update the unit `uuid` from `url` (`None`: the unit's own URL).
    pub fn update(uuid: &str, url: Option<&str>) -> DuOperation {
        DuOperation::Update {
            uuid: Some(uuid.to_owned()),
            version: None,
            url: url.map(str::to_owned),
            username: None,
            password: None,
        }
    }

    /// Uninstall the unit `uuid`.
    pub fn uninstall(uuid: &str) -> DuOperation {
        DuOperation::Uninstall {
            uuid: uuid.to_owned(),
            version: None,
            execution_env_ref: None,
        }
    }

    fn write(&self, b: &mut String) {
        let opt = |b: &mut String, name: &str, v: &Option<String>| {
            if let Some(v) = v {
                b.push_str(&format!("<{name}>{}</{name}>", escape(v)));
            }
        };
        match self {
            DuOperation::Install {
                url,
                uuid,
                username,
                password,
                execution_env_ref,
            } => {
                b.push_str("<Operations xsi:type=\"cwmp:InstallOpStruct\">");
                b.push_str(&format!("<URL>{}</URL>", escape(url)));
                opt(b, "UUID", uuid);
                opt(b, "Username", username);
                opt(b, "Password", password);
                opt(b, "ExecutionEnvRef", execution_env_ref);
            }
            DuOperation::Update {
                uuid,
                version,
                url,
                username,
                password,
            } => {
                b.push_str("<Operations xsi:type=\"cwmp:UpdateOpStruct\">");
                opt(b, "UUID", uuid);
                opt(b, "Version", version);
                opt(b, "URL", url);
                opt(b, "Username", username);
                opt(b, "Password", password);
            }
            DuOperation::Uninstall {
                uuid,
                version,
                execution_env_ref,
            } => {
                b.push_str("<Operations xsi:type=\"cwmp:UninstallOpStruct\">");
                b.push_str(&format!("<UUID>{}</UUID>", escape(uuid)));
                opt(b, "Version", version);
                opt(b, "ExecutionEnvRef", execution_env_ref);
            }
        }
        b.push_str("</Operations>");
    }
}

/// An ACS→CPE request queued by a test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Task {
    /// `GetRPCMethods`.
    GetRPCMethods,
    /// `GetParameterNames` (NextLevel written `1`/`0` like GenieACS).
    GetParameterNames {
        /// ParameterPath.
        path: String,
        /// NextLevel.
        next_level: bool,
    },
    /// `GetParameterValues`.
    GetParameterValues {
        /// ParameterNames.
        names: Vec<String>,
    },
    /// `SetParameterValues`, parameters in the given order.
    SetParameterValues {
        /// ParameterList.
        parameters: Vec<SetValue>,
        /// ParameterKey.
        parameter_key: String,
    },
    /// `GetParameterAttributes`.
    GetParameterAttributes {
        /// ParameterNames.
        names: Vec<String>,
    },
    /// `SetParameterAttributes`.
    SetParameterAttributes {
        /// ParameterList.
        parameters: Vec<SetAttribute>,
    },
    /// `AddObject`.
    AddObject {
        /// ObjectName (with its trailing dot).
        object: String,
        /// ParameterKey.
        parameter_key: String,
    },
    /// `DeleteObject`.
    DeleteObject {
        /// ObjectName (instance path with its trailing dot).
        object: String,
        /// ParameterKey.
        parameter_key: String,
    },
    /// `Reboot`.
    Reboot {
        /// CommandKey.
        command_key: String,
    },
    /// `FactoryReset`.
    FactoryReset,
    /// `Download`.
    Download(Download),
    /// `Upload`.
    Upload(Upload),
    /// `ScheduleInform`.
    ScheduleInform {
        /// DelaySeconds.
        delay_seconds: u32,
        /// CommandKey.
        command_key: String,
    },
    /// `GetQueuedTransfers`.
    GetQueuedTransfers,
    /// `GetAllQueuedTransfers`.
    GetAllQueuedTransfers,
    /// `CancelTransfer`.
    CancelTransfer {
        /// CommandKey.
        command_key: String,
    },
    /// `ChangeDUState`: the operations in order (polymorphic `Operations` elements with
    /// `xsi:type`, as icwmp reads them), then the CommandKey.
    ChangeDuState {
        /// Operations.
        operations: Vec<DuOperation>,
        /// CommandKey.
        command_key: String,
    },
    /// Any content for `<soap-env:Body>`, written verbatim inside the usual envelope (with a
    /// fresh `cwmp:ID`); use the `cwmp:` prefix for the method element.
    Raw(String),
    /// A whole HTTP body, sent verbatim (no envelope, no ID added).
    RawEnvelope(String),
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

impl Task {
    /// `GetParameterNames(path, next_level)`.
    pub fn get_parameter_names(path: &str, next_level: bool) -> Task {
        Task::GetParameterNames {
            path: path.to_owned(),
            next_level,
        }
    }

    /// `GetParameterValues(names)`.
    pub fn get_parameter_values(names: &[&str]) -> Task {
        Task::GetParameterValues {
            names: strings(names),
        }
    }

    /// `SetParameterValues` from `(name, value, xsi:type)` triples and a ParameterKey.
    pub fn set_parameter_values(parameters: &[(&str, &str, &str)], parameter_key: &str) -> Task {
        Task::SetParameterValues {
            parameters: parameters
                .iter()
                .map(|(n, v, t)| SetValue {
                    name: (*n).to_owned(),
                    value: (*v).to_owned(),
                    xsi_type: (*t).to_owned(),
                })
                .collect(),
            parameter_key: parameter_key.to_owned(),
        }
    }

    /// `GetParameterAttributes(names)`.
    pub fn get_parameter_attributes(names: &[&str]) -> Task {
        Task::GetParameterAttributes {
            names: strings(names),
        }
    }

    /// `SetParameterAttributes` changing only the notification of each `(name, notification)`.
    pub fn set_notification(parameters: &[(&str, u8)]) -> Task {
        Task::SetParameterAttributes {
            parameters: parameters
                .iter()
                .map(|(n, v)| SetAttribute {
                    name: (*n).to_owned(),
                    notification: Some(*v),
                    access_list: None,
                })
                .collect(),
        }
    }

    /// `AddObject(object, key)`.
    pub fn add_object(object: &str, parameter_key: &str) -> Task {
        Task::AddObject {
            object: object.to_owned(),
            parameter_key: parameter_key.to_owned(),
        }
    }

    /// `DeleteObject(object, key)`.
    pub fn delete_object(object: &str, parameter_key: &str) -> Task {
        Task::DeleteObject {
            object: object.to_owned(),
            parameter_key: parameter_key.to_owned(),
        }
    }

    /// `Reboot(command_key)`.
    pub fn reboot(command_key: &str) -> Task {
        Task::Reboot {
            command_key: command_key.to_owned(),
        }
    }

    /// `ScheduleInform(delay_seconds, command_key)`.
    pub fn schedule_inform(delay_seconds: u32, command_key: &str) -> Task {
        Task::ScheduleInform {
            delay_seconds,
            command_key: command_key.to_owned(),
        }
    }

    /// `CancelTransfer(command_key)`.
    pub fn cancel_transfer(command_key: &str) -> Task {
        Task::CancelTransfer {
            command_key: command_key.to_owned(),
        }
    }

    /// `ChangeDUState(operations, command_key)`.
    pub fn change_du_state(operations: Vec<DuOperation>, command_key: &str) -> Task {
        Task::ChangeDuState {
            operations,
            command_key: command_key.to_owned(),
        }
    }

    /// The RPC name (`Raw` / `RawEnvelope` for raw bodies).
    pub fn method(&self) -> &'static str {
        match self {
            Task::GetRPCMethods => "GetRPCMethods",
            Task::GetParameterNames { .. } => "GetParameterNames",
            Task::GetParameterValues { .. } => "GetParameterValues",
            Task::SetParameterValues { .. } => "SetParameterValues",
            Task::GetParameterAttributes { .. } => "GetParameterAttributes",
            Task::SetParameterAttributes { .. } => "SetParameterAttributes",
            Task::AddObject { .. } => "AddObject",
            Task::DeleteObject { .. } => "DeleteObject",
            Task::Reboot { .. } => "Reboot",
            Task::FactoryReset => "FactoryReset",
            Task::Download(_) => "Download",
            Task::Upload(_) => "Upload",
            Task::ScheduleInform { .. } => "ScheduleInform",
            Task::GetQueuedTransfers => "GetQueuedTransfers",
            Task::GetAllQueuedTransfers => "GetAllQueuedTransfers",
            Task::CancelTransfer { .. } => "CancelTransfer",
            Task::ChangeDuState { .. } => "ChangeDUState",
            Task::Raw(_) => "Raw",
            Task::RawEnvelope(_) => "RawEnvelope",
        }
    }

    /// The content of `<soap-env:Body>` for this task sent with `cwmp:ID` `id`; `None` for
    /// [`Task::RawEnvelope`].
    pub fn body(&self, id: &str) -> Option<String> {
        let mut b = String::new();
        // Writing into a String cannot fail.
        let _ = self.write_body(&mut b, id);
        match self {
            Task::RawEnvelope(_) => None,
            _ => Some(b),
        }
    }

    fn write_body(&self, b: &mut String, id: &str) -> std::fmt::Result {
        let e = escape;
        match self {
            Task::GetRPCMethods => b.push_str("<cwmp:GetRPCMethods></cwmp:GetRPCMethods>"),
            Task::GetParameterNames { path, next_level } => write!(
                b,
                "<cwmp:GetParameterNames><ParameterPath>{}</ParameterPath><NextLevel>{}</NextLevel></cwmp:GetParameterNames>",
                e(path),
                u8::from(*next_level)
            )?,
            Task::GetParameterValues { names } => {
                b.push_str("<cwmp:GetParameterValues>");
                write_names(b, names)?;
                b.push_str("</cwmp:GetParameterValues>");
            }
            Task::GetParameterAttributes { names } => {
                b.push_str("<cwmp:GetParameterAttributes>");
                write_names(b, names)?;
                b.push_str("</cwmp:GetParameterAttributes>");
            }
            Task::SetParameterValues {
                parameters,
                parameter_key,
            } => {
                write!(
                    b,
                    "<cwmp:SetParameterValues><ParameterList soap-enc:arrayType=\"cwmp:ParameterValueStruct[{}]\">",
                    parameters.len()
                )?;
                for p in parameters {
                    write!(
                        b,
                        "<ParameterValueStruct><Name>{}</Name><Value xsi:type=\"{}\">{}</Value></ParameterValueStruct>",
                        e(&p.name),
                        e(&p.xsi_type),
                        e(&p.value)
                    )?;
                }
                write!(
                    b,
                    "</ParameterList><ParameterKey>{}</ParameterKey></cwmp:SetParameterValues>",
                    e(parameter_key)
                )?;
            }
            Task::SetParameterAttributes { parameters } => {
                write!(
                    b,
                    "<cwmp:SetParameterAttributes><ParameterList soap-enc:arrayType=\"cwmp:SetParameterAttributesStruct[{}]\">",
                    parameters.len()
                )?;
                for p in parameters {
                    let list = p.access_list.as_deref().unwrap_or(&[]);
                    write!(
                        b,
                        "<SetParameterAttributesStruct><Name>{}</Name><NotificationChange>{}</NotificationChange><Notification>{}</Notification><AccessListChange>{}</AccessListChange><AccessList soap-enc:arrayType=\"xsd:string[{}]\">",
                        e(&p.name),
                        p.notification.is_some(),
                        p.notification.map(|n| n.to_string()).unwrap_or_default(),
                        p.access_list.is_some(),
                        list.len()
                    )?;
                    for s in list {
                        write!(b, "<string>{}</string>", e(s))?;
                    }
                    b.push_str("</AccessList></SetParameterAttributesStruct>");
                }
                b.push_str("</ParameterList></cwmp:SetParameterAttributes>");
            }
            Task::AddObject {
                object,
                parameter_key,
            } => write!(
                b,
                "<cwmp:AddObject><ObjectName>{}</ObjectName><ParameterKey>{}</ParameterKey></cwmp:AddObject>",
                e(object),
                e(parameter_key)
            )?,
            Task::DeleteObject {
                object,
                parameter_key,
            } => write!(
                b,
                "<cwmp:DeleteObject><ObjectName>{}</ObjectName><ParameterKey>{}</ParameterKey></cwmp:DeleteObject>",
                e(object),
                e(parameter_key)
            )?,
            Task::Reboot { command_key } => write!(
                b,
                "<cwmp:Reboot><CommandKey>{}</CommandKey></cwmp:Reboot>",
                e(command_key)
            )?,
            Task::FactoryReset => b.push_str("<cwmp:FactoryReset></cwmp:FactoryReset>"),
            Task::Download(d) => write!(
                b,
                "<cwmp:Download><CommandKey>{}</CommandKey><FileType>{}</FileType><URL>{}</URL><Username>{}</Username><Password>{}</Password><FileSize>{}</FileSize><TargetFileName>{}</TargetFileName><DelaySeconds>{}</DelaySeconds><SuccessURL>{}</SuccessURL><FailureURL>{}</FailureURL></cwmp:Download>",
                e(d.command_key.as_deref().unwrap_or(id)),
                e(&d.file_type),
                e(&d.url),
                e(&d.username),
                e(&d.password),
                d.file_size,
                e(&d.target_file_name),
                d.delay_seconds,
                e(&d.success_url),
                e(&d.failure_url)
            )?,
            Task::Upload(u) => write!(
                b,
                "<cwmp:Upload><CommandKey>{}</CommandKey><FileType>{}</FileType><URL>{}</URL><Username>{}</Username><Password>{}</Password><DelaySeconds>{}</DelaySeconds></cwmp:Upload>",
                e(u.command_key.as_deref().unwrap_or(id)),
                e(&u.file_type),
                e(&u.url),
                e(&u.username),
                e(&u.password),
                u.delay_seconds
            )?,
            Task::ScheduleInform {
                delay_seconds,
                command_key,
            } => write!(
                b,
                "<cwmp:ScheduleInform><DelaySeconds>{}</DelaySeconds><CommandKey>{}</CommandKey></cwmp:ScheduleInform>",
                delay_seconds,
                e(command_key)
            )?,
            Task::GetQueuedTransfers => {
                b.push_str("<cwmp:GetQueuedTransfers></cwmp:GetQueuedTransfers>")
            }
            Task::GetAllQueuedTransfers => {
                b.push_str("<cwmp:GetAllQueuedTransfers></cwmp:GetAllQueuedTransfers>")
            }
            Task::CancelTransfer { command_key } => write!(
                b,
                "<cwmp:CancelTransfer><CommandKey>{}</CommandKey></cwmp:CancelTransfer>",
                e(command_key)
            )?,
            Task::ChangeDuState {
                operations,
                command_key,
            } => {
                b.push_str("<cwmp:ChangeDUState>");
                for op in operations {
                    op.write(b);
                }
                write!(
                    b,
                    "<CommandKey>{}</CommandKey></cwmp:ChangeDUState>",
                    e(command_key)
                )?;
            }
            Task::Raw(body) | Task::RawEnvelope(body) => b.push_str(body),
        }
        Ok(())
    }
}

fn write_names(b: &mut String, names: &[String]) -> std::fmt::Result {
    write!(
        b,
        "<ParameterNames soap-enc:arrayType=\"xsd:string[{}]\">",
        names.len()
    )?;
    for n in names {
        write!(b, "<string>{}</string>", escape(n))?;
    }
    b.push_str("</ParameterNames>");
    Ok(())
}

/// Header entries of an envelope the ACS writes.
#[derive(Debug, Clone, Default)]
pub struct EnvelopeHeader<'a> {
    /// `cwmp:ID`.
    pub id: &'a str,
    /// Adds `<cwmp:HoldRequests soap-env:mustUnderstand="1">true</cwmp:HoldRequests>`.
    pub hold_requests: bool,
    /// Adds `<cwmp:UseCWMPVersion soap-env:mustUnderstand="1">…</cwmp:UseCWMPVersion>`.
    pub use_cwmp_version: Option<&'a str>,
}

/// A whole envelope as GenieACS writes it, with `body` inside `<soap-env:Body>`.
pub fn envelope(namespace: &str, header: &EnvelopeHeader<'_>, body: &str) -> String {
    let mut s = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap-env:Envelope xmlns:soap-enc=\"{SOAP_ENC}\" xmlns:soap-env=\"{SOAP_ENV}\" xmlns:xsd=\"{XSD}\" xmlns:xsi=\"{XSI}\" xmlns:cwmp=\"{}\"><soap-env:Header><cwmp:ID soap-env:mustUnderstand=\"1\">{}</cwmp:ID>",
        escape(namespace),
        escape(header.id)
    );
    if header.hold_requests {
        s.push_str("<cwmp:HoldRequests soap-env:mustUnderstand=\"1\">true</cwmp:HoldRequests>");
    }
    if let Some(v) = header.use_cwmp_version {
        s.push_str("<cwmp:UseCWMPVersion soap-env:mustUnderstand=\"1\">");
        s.push_str(&escape(v));
        s.push_str("</cwmp:UseCWMPVersion>");
    }
    s.push_str("</soap-env:Header><soap-env:Body>");
    s.push_str(body);
    s.push_str("</soap-env:Body></soap-env:Envelope>");
    s
}

/// `InformResponse` body.
pub fn inform_response() -> &'static str {
    "<cwmp:InformResponse><MaxEnvelopes>1</MaxEnvelopes></cwmp:InformResponse>"
}

/// `GetRPCMethodsResponse` body listing `methods`.
pub fn get_rpc_methods_response(methods: &[String]) -> String {
    let mut b = format!(
        "<cwmp:GetRPCMethodsResponse><MethodList soap-enc:arrayType=\"xsd:string[{}]\">",
        methods.len()
    );
    for m in methods {
        b.push_str("<string>");
        b.push_str(&escape(m));
        b.push_str("</string>");
    }
    b.push_str("</MethodList></cwmp:GetRPCMethodsResponse>");
    b
}

/// An empty response element (`TransferCompleteResponse`...), written open/close like GenieACS.
pub fn empty_response(name: &str) -> String {
    format!("<cwmp:{name}></cwmp:{name}>")
}

/// A SOAP fault carrying a CWMP fault (8003 is a `Client` fault, the other ACS codes `Server`).
pub fn fault(code: u32, string: &str) -> String {
    let faultcode = if code == 8003 { "Client" } else { "Server" };
    format!(
        "<soap-env:Fault><faultcode>{faultcode}</faultcode><faultstring>CWMP fault</faultstring><detail><cwmp:Fault><FaultCode>{code}</FaultCode><FaultString>{}</FaultString></cwmp:Fault></detail></soap-env:Fault>",
        escape(string)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_the_five_predefined_entities() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn download_uses_the_rpc_id_as_command_key_by_default() {
        let t = Task::Download(Download::new("1 Firmware Upgrade Image", "http://h/f"));
        let b = t.body("1a2").unwrap();
        assert!(b.starts_with("<cwmp:Download><CommandKey>1a2</CommandKey>"));
    }

    #[test]
    fn change_du_state_writes_typed_operations_in_order() {
        let mut update = DuOperation::update("6ba7b810-9dad-11d1-80b4-00c04fd430c8", None);
        if let DuOperation::Update { version, .. } = &mut update {
            *version = Some("1.0".into());
        }
        let t = Task::change_du_state(
            vec![
                DuOperation::install("http://h/a&b.ipk"),
                update,
                DuOperation::uninstall("6ba7b810-9dad-11d1-80b4-00c04fd430c8"),
            ],
            "k1",
        );
        assert_eq!(t.method(), "ChangeDUState");
        assert_eq!(
            t.body("1").unwrap(),
            "<cwmp:ChangeDUState>\
             <Operations xsi:type=\"cwmp:InstallOpStruct\"><URL>http://h/a&amp;b.ipk</URL></Operations>\
             <Operations xsi:type=\"cwmp:UpdateOpStruct\"><UUID>6ba7b810-9dad-11d1-80b4-00c04fd430c8</UUID><Version>1.0</Version></Operations>\
             <Operations xsi:type=\"cwmp:UninstallOpStruct\"><UUID>6ba7b810-9dad-11d1-80b4-00c04fd430c8</UUID></Operations>\
             <CommandKey>k1</CommandKey></cwmp:ChangeDUState>"
        );
    }

    #[test]
    fn raw_envelope_has_no_body_to_wrap() {
        assert_eq!(Task::RawEnvelope("x".into()).body("1"), None);
        assert_eq!(
            Task::Raw("<cwmp:X/>".into()).body("1").unwrap(),
            "<cwmp:X/>"
        );
    }
}
