//! cwmpd's configuration: the UCI file `/etc/config/cwmp` read into a typed [`Config`].
//!
//! cwmpd replaces iopsys icwmp and reads the same file with the same option names: section
//! types `acs` and `cpe`, plus a section of type `cwmpd` for what only cwmpd has. [`parse`] is
//! given the file's bytes (the caller reads the file) and its name (for messages only), and
//! returns either
//!
//! * the [`Config`] and a bounded list of [`Warnings`] — unknown sections and options, icwmp
//!   options cwmpd ignores, options set twice (the last wins, as in UCI), features asked for
//!   that cwmpd lacks — or
//! * the first [`ConfigError`]: a syntax error or a value cwmpd cannot use. The daemon must not
//!   start on a configuration it only half understands, so errors are fatal and warnings are
//!   not.
//!
//! Both display as one log line, `FILE:LINE: message`. Absent options, and options written with
//! an empty value (which libuci deletes), take their defaults: icwmp's where icwmp has the
//! option, documented on each field of [`Config`] and listed by [`options`].
//!
//! [`uci`] is the syntax layer; this module owns the meaning. Nothing here reads files, clocks
//! or the system.

mod load;
mod model;
mod report;
pub mod uci;
mod values;

#[cfg(test)]
mod tests;

pub use load::OptionInfo;
pub use model::{
    Acs, AmdVersion, Compression, Config, Cpe, Cwmpd, DataModelBackend, InstanceMode, LogSeverity,
    RateLimit,
};
pub use report::{ConfigError, ConfigErrorKind, Expected, Warning, WarningKind, Warnings};

/// A configuration that can be used, and what was worth a warning while reading it.
#[derive(Debug, Clone)]
pub struct Parsed<'a> {
    /// The configuration.
    pub config: Config,
    /// Everything ignored or not honoured, in file order.
    pub warnings: Warnings<'a>,
}

/// Reads a cwmp UCI file: `file` names it in messages, `input` is its content.
///
/// At most [`crate::limits::CONFIG_MAX_FILE_LEN`] bytes are accepted. The work is linear in
/// the input and bounded by the `UCI_*` limits; nothing is allocated.
pub fn parse<'a>(file: &'a str, input: &'a [u8]) -> Result<Parsed<'a>, ConfigError<'a>> {
    load::read(file, input)
}

/// Every option cwmpd reads, with its section and default, in a stable order.
pub fn options() -> &'static [OptionInfo] {
    load::OPTIONS
}
