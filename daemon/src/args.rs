//! The command line: the daemon's options and the client subcommands.
//!
//! Responsible for turning `argv` into an [`Invocation`] or a usage error naming the offending
//! word. Not responsible for reading the configuration file (`setup`) or talking to a running
//! daemon (`cwmp_platform::client`).

use std::ffi::OsString;
use std::path::PathBuf;

/// Where the daemon's configuration is read from unless `-c` says otherwise.
pub const DEFAULT_CONFIG: &str = "/etc/config/cwmp";
/// Directory of downloaded files unless `--run-dir` says otherwise.
pub const DEFAULT_RUN_DIR: &str = "/var/run/cwmpd";
/// The JSON control socket unless `--control-socket` says otherwise.
pub const DEFAULT_CONTROL_SOCKET: &str = "/var/run/cwmpd.sock";

/// The usage text printed by `--help` and after a usage error.
pub const USAGE: &str = "\
usage: cwmpd [OPTIONS]                      run the agent
       cwmpd [OPTIONS] status               print the agent's status (JSON)
       cwmpd [OPTIONS] inform [-e EVENT] [-g]
                                            ask for a session (default event: 6 CONNECTION REQUEST)
       cwmpd [OPTIONS] command NAME         NAME: reload | reload_end_session | reboot_end_session
                                            | action_end_session | exit

options:
  -c, --config FILE        UCI configuration (default /etc/config/cwmp; missing: built-in defaults)
  -s, --ubus-socket PATH   ubusd socket (overrides cpe.ubus_socket)
      --no-ubus            do not register on ubus
      --control-socket P   JSON control socket (default /var/run/cwmpd.sock)
      --run-dir DIR        downloaded files (default /var/run/cwmpd)
      --state-dir DIR      persisted agent state (overrides cwmpd.state_dir)
      --acs-url URL        ACS URL (overrides acs.url)
      --cr-port PORT       Connection Request port (overrides cpe.port)
  -f, --foreground         log to standard error (instead of the configured targets)
  -v, --verbose            log at debug level
  -h, --help               this text
  -V, --version            the version
";

/// What to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Run the agent.
    Run,
    /// Print the `status` of a running agent.
    Status,
    /// Ask a running agent for a session.
    Inform {
        /// The event code (`None`: the daemon's default).
        event: Option<String>,
        /// Also call GetRPCMethods on the ACS.
        get_rpc_methods: bool,
    },
    /// Run a command on a running agent.
    Command(String),
    /// Print the usage.
    Help,
    /// Print the version.
    Version,
}

/// Options that override the configuration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--ubus-socket`.
    pub ubus_socket: Option<PathBuf>,
    /// `--no-ubus`.
    pub no_ubus: bool,
    /// `--state-dir`.
    pub state_dir: Option<PathBuf>,
    /// `--acs-url`.
    pub acs_url: Option<String>,
    /// `--cr-port`.
    pub cr_port: Option<u16>,
}

/// A parsed command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// What to do.
    pub action: Action,
    /// The configuration file.
    pub config: PathBuf,
    /// The run directory.
    pub run_dir: PathBuf,
    /// The JSON control socket.
    pub control_socket: PathBuf,
    /// Log to standard error.
    pub foreground: bool,
    /// Log at debug level.
    pub verbose: bool,
    /// Command-line overrides of the file.
    pub overrides: Overrides,
}

/// Parses the arguments after the program name.
pub fn parse<I>(args: I) -> Result<Invocation, String>
where
    I: IntoIterator<Item = OsString>,
{
    let mut inv = Invocation {
        action: Action::Run,
        config: PathBuf::from(DEFAULT_CONFIG),
        run_dir: PathBuf::from(DEFAULT_RUN_DIR),
        control_socket: PathBuf::from(DEFAULT_CONTROL_SOCKET),
        foreground: false,
        verbose: false,
        overrides: Overrides::default(),
    };
    let mut words: Vec<String> = Vec::new();
    for a in args {
        words.push(
            a.into_string()
                .map_err(|a| format!("argument {a:?} is not UTF-8"))?,
        );
    }
    let mut it = words.into_iter();
    let mut positional: Vec<String> = Vec::new();
    while let Some(w) = it.next() {
        // `--name=value` is the same as `--name value`.
        let (name, inline) = match w.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (w.clone(), None),
        };
        let value = |it: &mut std::vec::IntoIter<String>| -> Result<String, String> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => it.next().ok_or_else(|| format!("{name} needs a value")),
            }
        };
        match name.as_str() {
            "-c" | "--config" => inv.config = PathBuf::from(value(&mut it)?),
            "-s" | "--ubus-socket" => inv.overrides.ubus_socket = Some(value(&mut it)?.into()),
            "--no-ubus" => inv.overrides.no_ubus = true,
            "--run-dir" => inv.run_dir = PathBuf::from(value(&mut it)?),
            "--control-socket" => inv.control_socket = PathBuf::from(value(&mut it)?),
            "--state-dir" => inv.overrides.state_dir = Some(value(&mut it)?.into()),
            "--acs-url" => inv.overrides.acs_url = Some(value(&mut it)?),
            "--cr-port" => {
                let v = value(&mut it)?;
                let port = v
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("--cr-port: {v:?} is not a port (1..65535)"))?;
                inv.overrides.cr_port = Some(port);
            }
            "-f" | "--foreground" => inv.foreground = true,
            "-v" | "--verbose" => inv.verbose = true,
            "-h" | "--help" => inv.action = Action::Help,
            "-V" | "--version" => inv.action = Action::Version,
            "-e" | "--event" | "-g" | "--get-rpc-methods"
                if positional.first().is_some_and(|p| p == "inform") =>
            {
                positional.push(w);
            }
            s if s.starts_with('-') && s.len() > 1 && positional.is_empty() => {
                return Err(format!("unknown option {s}"));
            }
            _ => positional.push(w),
        }
    }
    if matches!(inv.action, Action::Help | Action::Version) {
        return Ok(inv);
    }
    let mut pos = positional.into_iter();
    inv.action = match pos.next().as_deref() {
        None => Action::Run,
        Some("status") => Action::Status,
        Some("inform") => {
            let mut event = None;
            let mut get_rpc_methods = false;
            while let Some(w) = pos.next() {
                match w.as_str() {
                    "-e" | "--event" => {
                        event = Some(pos.next().ok_or("inform: --event needs a value")?);
                    }
                    "-g" | "--get-rpc-methods" => get_rpc_methods = true,
                    other => return Err(format!("inform: unexpected {other:?}")),
                }
            }
            return Ok(Invocation {
                action: Action::Inform {
                    event,
                    get_rpc_methods,
                },
                ..inv
            });
        }
        Some("command") => {
            let name = pos.next().ok_or("command needs a NAME")?;
            Action::Command(name)
        }
        Some(other) => return Err(format!("unknown subcommand {other:?}")),
    };
    if let Some(extra) = pos.next() {
        return Err(format!("unexpected argument {extra:?}"));
    }
    Ok(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Invocation, String> {
        parse(args.iter().map(OsString::from))
    }

    #[test]
    fn no_arguments_run_the_agent_on_the_default_files() {
        let inv = p(&[]).unwrap();
        assert_eq!(inv.action, Action::Run);
        assert_eq!(inv.config, PathBuf::from("/etc/config/cwmp"));
        assert_eq!(inv.control_socket, PathBuf::from("/var/run/cwmpd.sock"));
    }

    #[test]
    fn options_take_separate_or_inline_values() {
        let inv = p(&[
            "-c",
            "/tmp/c",
            "--state-dir=/tmp/s",
            "--cr-port",
            "7548",
            "-f",
        ])
        .unwrap();
        assert_eq!(inv.config, PathBuf::from("/tmp/c"));
        assert_eq!(inv.overrides.state_dir, Some(PathBuf::from("/tmp/s")));
        assert_eq!(inv.overrides.cr_port, Some(7548));
        assert!(inv.foreground);
    }

    #[test]
    fn inform_takes_an_event_and_the_get_rpc_methods_flag() {
        let inv = p(&[
            "-s",
            "/tmp/u",
            "inform",
            "-e",
            "8 DIAGNOSTICS COMPLETE",
            "-g",
        ])
        .unwrap();
        assert_eq!(
            inv.action,
            Action::Inform {
                event: Some("8 DIAGNOSTICS COMPLETE".into()),
                get_rpc_methods: true
            }
        );
        assert_eq!(inv.overrides.ubus_socket, Some(PathBuf::from("/tmp/u")));
    }

    #[test]
    fn command_needs_a_name() {
        assert_eq!(
            p(&["command", "reload"]).unwrap().action,
            Action::Command("reload".into())
        );
        assert_eq!(p(&["command"]).unwrap_err(), "command needs a NAME");
    }

    #[test]
    fn usage_errors_name_the_word() {
        assert_eq!(p(&["--bogus"]).unwrap_err(), "unknown option --bogus");
        assert_eq!(
            p(&["frobnicate"]).unwrap_err(),
            "unknown subcommand \"frobnicate\""
        );
        assert_eq!(
            p(&["status", "x"]).unwrap_err(),
            "unexpected argument \"x\""
        );
        assert_eq!(
            p(&["--cr-port", "0"]).unwrap_err(),
            "--cr-port: \"0\" is not a port (1..65535)"
        );
        assert_eq!(p(&["-c"]).unwrap_err(), "-c needs a value");
    }
}
