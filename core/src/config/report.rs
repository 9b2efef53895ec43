//! What reading the configuration has to say: the fatal [`ConfigError`] and the [`Warning`]s.
//!
//! Both name the file and line, and display as one log line in the compiler-like form
//! `FILE:LINE: message`, for instance
//! `/etc/config/cwmp:12: option 'port': "70000" is not a port (1..65535)`. Offending values are
//! shown quoted, escaped and shortened ([`crate::limits::CONFIG_MESSAGE_VALUE_LEN`]); a value that
//! is only too long is not shown at all, so a long password does not end up in a log.

use core::fmt;

use super::uci::{UciErrorKind, Value};
use crate::limits::CONFIG_MAX_WARNINGS;

/// What a value should have been.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expected {
    /// A UCI boolean.
    Boolean,
    /// A decimal integer in `min..=max`.
    Integer {
        /// Smallest accepted.
        min: u32,
        /// Largest accepted.
        max: u32,
    },
    /// A TCP port, 1..=65535.
    Port,
    /// An `http://` or `https://` URL with a host.
    Url,
    /// An IEEE OUI: six hexadecimal digits.
    Oui,
    /// An `xsd:dateTime` or a number of seconds since the Unix epoch.
    DateTime,
    /// One of these words (compared without regard to ASCII case).
    OneOf(&'static [&'static str]),
    /// A path starting with `/`, without control characters.
    AbsolutePath,
    /// Text without white space or control characters.
    NoBlank,
    /// Text without control characters.
    NoControl,
    /// A rate `REQUESTS/SECONDS`, both at least 1.
    RateLimit,
    /// Text of at most this many bytes.
    MaxLen(usize),
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expected::Boolean => f.write_str(
                "is not a boolean (1/0, yes/no, on/off, true/false, enable(d)/disable(d))",
            ),
            Expected::Integer { min, max: u32::MAX } => {
                write!(f, "is not an integer of at least {min}")
            }
            Expected::Integer { min, max } => write!(f, "is not an integer in {min}..{max}"),
            Expected::Port => f.write_str("is not a port (1..65535)"),
            Expected::Url => f.write_str("is not an http:// or https:// URL with a host"),
            Expected::Oui => f.write_str("is not an OUI (6 hexadecimal digits)"),
            Expected::DateTime => f.write_str(
                "is not an xsd:dateTime (like 2024-01-31T00:00:00Z) or a number of Unix seconds",
            ),
            Expected::OneOf(words) => {
                f.write_str("is not one of ")?;
                for (i, w) in words.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(w)?;
                }
                Ok(())
            }
            Expected::AbsolutePath => f.write_str("is not an absolute path"),
            Expected::NoBlank => f.write_str("contains white space or a control character"),
            Expected::NoControl => f.write_str("contains a control character"),
            Expected::RateLimit => {
                f.write_str("is not a rate REQUESTS/SECONDS with both at least 1 (like 50/5)")
            }
            Expected::MaxLen(n) => write!(f, "is longer than {n} bytes"),
        }
    }
}

/// Why the configuration cannot be used; the daemon must not start on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfigError<'a> {
    /// File name, as given by the caller.
    pub file: &'a str,
    /// Line of the problem (1-based).
    pub line: u32,
    /// The problem.
    pub kind: ConfigErrorKind<'a>,
}

/// The ways a configuration is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigErrorKind<'a> {
    /// The file is not valid UCI.
    Syntax(UciErrorKind),
    /// A known option has a value cwmpd cannot use.
    BadValue {
        /// Section type of the option.
        section: &'static str,
        /// Option name.
        option: &'static str,
        /// The value as written.
        value: Value<'a>,
        /// What it should have been.
        expected: Expected,
    },
    /// A single-valued option is written with `list`.
    NotAList {
        /// Section type of the option.
        section: &'static str,
        /// Option name.
        option: &'static str,
    },
}

impl fmt::Display for ConfigError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.file, self.line)?;
        match self.kind {
            ConfigErrorKind::Syntax(kind) => write!(f, "{kind}"),
            ConfigErrorKind::BadValue {
                option,
                expected: expected @ Expected::MaxLen(_),
                ..
            } => write!(f, "option '{option}': value {expected}"),
            ConfigErrorKind::BadValue {
                option,
                value,
                expected,
                ..
            } => write!(f, "option '{option}': {} {expected}", value.quoted()),
            ConfigErrorKind::NotAList { option, .. } => write!(
                f,
                "option '{option}' is written with 'list'; it takes a single value"
            ),
        }
    }
}

/// Something in the file cwmpd ignores or cannot honour; the rest of the file still applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Warning<'a> {
    /// File name, as given by the caller.
    pub file: &'a str,
    /// Line of the statement concerned; `None` for the file as a whole.
    pub line: Option<u32>,
    /// What is wrong.
    pub kind: WarningKind<'a>,
}

/// The things worth a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind<'a> {
    /// A section of a type neither cwmpd nor icwmp knows; its options are ignored.
    UnknownSection {
        /// The section type.
        section_type: Value<'a>,
    },
    /// An icwmp section type cwmpd has no counterpart for; its options are ignored.
    IcwmpSection {
        /// The section type.
        section_type: &'static str,
    },
    /// An option neither cwmpd nor icwmp has in this section; ignored.
    UnknownOption {
        /// Section type.
        section: &'static str,
        /// The option name.
        option: Value<'a>,
    },
    /// An icwmp option cwmpd does not use; ignored.
    IcwmpOption {
        /// Section type.
        section: &'static str,
        /// The option name.
        option: &'static str,
    },
    /// An option set a second time; as in UCI the last value wins.
    DuplicateOption {
        /// Section type.
        section: &'static str,
        /// The option name.
        option: &'static str,
        /// Line where it was first set.
        first_line: u32,
    },
    /// A second section of a type read once; the options of both are merged.
    RepeatedSection {
        /// The section type.
        section: &'static str,
        /// Line of the first section of that type.
        first_line: u32,
    },
    /// A section of icwmp's old layout (`config cwmp 'acs'`), read by its name.
    LegacySection {
        /// The section type it is read as.
        section: &'static str,
    },
    /// A `package` statement; the file is read as one configuration regardless.
    Package {
        /// The package name.
        name: Value<'a>,
    },
    /// A value accepted although cwmpd lacks the feature it asks for.
    Unsupported {
        /// Option name.
        option: &'static str,
        /// What cwmpd does instead.
        note: &'static str,
    },
    /// No ACS URL is configured while the agent is enabled.
    NoAcsUrl,
}

impl fmt::Display for Warning<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: ", self.file)?,
            None => write!(f, "{}: ", self.file)?,
        }
        match self.kind {
            WarningKind::UnknownSection { section_type } => write!(
                f,
                "section type '{section_type}' is unknown; its options are ignored"
            ),
            WarningKind::IcwmpSection { section_type } => write!(
                f,
                "section type '{section_type}' is an icwmp feature cwmpd does not have; \
                 its options are ignored"
            ),
            WarningKind::UnknownOption { section, option } => write!(
                f,
                "option '{option}' is unknown in section '{section}' and is ignored"
            ),
            WarningKind::IcwmpOption { section, option } => write!(
                f,
                "option '{option}' of section '{section}' is an icwmp option cwmpd does not \
                 use; ignored"
            ),
            WarningKind::DuplicateOption {
                option, first_line, ..
            } => write!(
                f,
                "option '{option}' is set again (first at line {first_line}); the last value wins"
            ),
            WarningKind::RepeatedSection {
                section,
                first_line,
            } => write!(
                f,
                "another '{section}' section (the first is at line {first_line}); their options \
                 are merged, later ones win"
            ),
            WarningKind::LegacySection { section } => write!(
                f,
                "section 'cwmp' '{section}' is icwmp's old layout; read as a section of type \
                 '{section}'"
            ),
            WarningKind::Package { name } => write!(
                f,
                "'package {name}' ignored; the whole file is read as the cwmp configuration"
            ),
            WarningKind::Unsupported { option, note } => write!(f, "option '{option}': {note}"),
            WarningKind::NoAcsUrl => f.write_str(
                "no ACS URL (option 'url' of section 'acs'); cwmpd will not contact an ACS",
            ),
        }
    }
}

/// The warnings of one reading, oldest first: at most [`CONFIG_MAX_WARNINGS`] are kept, the
/// others only counted.
#[derive(Debug, Clone, Default)]
pub struct Warnings<'a> {
    kept: heapless::Vec<Warning<'a>, CONFIG_MAX_WARNINGS>,
    dropped: usize,
}

impl<'a> Warnings<'a> {
    /// No warnings.
    pub const fn new() -> Self {
        Warnings {
            kept: heapless::Vec::new(),
            dropped: 0,
        }
    }

    /// Records a warning, or counts it when the list is full.
    pub(crate) fn push(&mut self, w: Warning<'a>) {
        if self.kept.push(w).is_err() {
            self.dropped += 1;
        }
    }

    /// The warnings kept.
    pub fn iter(&self) -> core::slice::Iter<'_, Warning<'a>> {
        self.kept.iter()
    }

    /// Number of warnings kept.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// True when there was nothing to warn about.
    pub fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.dropped == 0
    }

    /// Number of warnings beyond [`CONFIG_MAX_WARNINGS`], counted but not kept.
    pub fn dropped(&self) -> usize {
        self.dropped
    }
}

impl<'w, 'a> IntoIterator for &'w Warnings<'a> {
    type Item = &'w Warning<'a>;
    type IntoIter = core::slice::Iter<'w, Warning<'a>>;

    fn into_iter(self) -> Self::IntoIter {
        self.kept.iter()
    }
}
