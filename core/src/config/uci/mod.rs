//! The OpenWrt UCI file syntax, read the way libuci reads it, as a lazy stream of statements.
//!
//! [`Parser`] walks the bytes of a file such as `/etc/config/cwmp` and yields one [`Item`] per
//! statement — `package`, `config`, `option`, `list` (or their one-letter forms `p`, `c`, `o`,
//! `l`) — with its line number. Arguments are [`Value`]s borrowed from the input and decoded
//! only when asked. The syntax follows libuci's `file.c` (`uci_parse_line`, `parse_str`):
//!
//! * arguments are separated by white space and may be unquoted, `'single'` or `"double"`
//!   quoted, or several such pieces written together;
//! * `#` starts a comment wherever an argument could start or continue outside quotes;
//! * `;` outside quotes ends a statement, and another may follow on the same line;
//! * a backslash at the end of a line (outside single quotes) joins the next line, and quoted
//!   values may span lines;
//! * names (section and option names) are `[A-Za-z0-9_]+`, section types any printable ASCII
//!   without blanks, package names also allow `-`;
//! * extra empty arguments are tolerated, extra non-empty ones are an error (libuci's strict
//!   mode, the default of `uci_alloc_context`), as are options before the first section and a
//!   named section reopened with a different type.
//!
//! Every size is bounded by the `UCI_*` and `CONFIG_MAX_FILE_LEN` limits in [`crate::limits`];
//! exceeding one is a [`UciError`] with the line number. This module knows nothing of cwmp
//! options; see [`crate::config`] for that.

mod value;

#[cfg(test)]
mod tests;

pub use value::{Chars, Quoted, Value};

use core::fmt;

use crate::limits::{
    CONFIG_MAX_FILE_LEN, UCI_MAX_LINE_LEN, UCI_MAX_NAME_LEN, UCI_MAX_OPTIONS, UCI_MAX_SECTIONS,
    UCI_MAX_VALUE_LEN,
};

/// One statement of a UCI file and the line it starts on (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item<'a> {
    /// Line of the statement's keyword.
    pub line: u32,
    /// What the statement says.
    pub kind: ItemKind<'a>,
}

/// The statements of the UCI syntax.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind<'a> {
    /// `package <name>`: the following sections belong to another configuration.
    Package {
        /// Package name.
        name: Value<'a>,
    },
    /// `config <type> [<name>]`: starts a section (or reopens the named one).
    Section {
        /// Section type.
        section_type: Value<'a>,
        /// Section name; `None` for an anonymous section.
        name: Option<Value<'a>>,
    },
    /// `option <name> [<value>]`: sets an option of the current section. An empty value
    /// deletes the option in libuci (`uci_set` with an empty value).
    Option {
        /// Option name.
        name: Value<'a>,
        /// Option value, possibly empty.
        value: Value<'a>,
    },
    /// `list <name> [<value>]`: appends an entry to a list option of the current section.
    List {
        /// List name.
        name: Value<'a>,
        /// The entry, possibly empty.
        value: Value<'a>,
    },
}

/// Why a file is not valid UCI, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UciError {
    /// Line of the problem (1-based).
    pub line: u32,
    /// The problem.
    pub kind: UciErrorKind,
}

/// The ways a UCI file can be refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UciErrorKind {
    /// The file is longer than [`CONFIG_MAX_FILE_LEN`] bytes.
    FileTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file is not UTF-8.
    NotUtf8,
    /// The file contains a NUL byte (libuci would silently cut the line there).
    NulByte,
    /// A line is longer than [`UCI_MAX_LINE_LEN`] bytes.
    LineTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A name or type is longer than [`UCI_MAX_NAME_LEN`] bytes as written.
    NameTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// A value is longer than [`UCI_MAX_VALUE_LEN`] bytes as written.
    ValueTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// More than [`UCI_MAX_SECTIONS`] `config` statements.
    TooManySections {
        /// The limit.
        limit: usize,
    },
    /// More than [`UCI_MAX_OPTIONS`] `option` and `list` statements.
    TooManyOptions {
        /// The limit.
        limit: usize,
    },
    /// A statement starts with something other than `package`, `config`, `option` or `list`.
    InvalidCommand,
    /// A statement lacks its name or type (libuci: "insufficient arguments").
    MissingArgument,
    /// A statement has more arguments than it takes.
    TooManyArguments,
    /// A section, option or package name has a character outside `[A-Za-z0-9_]` (`-` is also
    /// allowed in package names).
    InvalidName,
    /// A section type has a blank, control or non-ASCII character.
    InvalidType,
    /// `option` or `list` before the first `config`.
    OptionBeforeSection,
    /// A quoted piece is still open at the end of the file.
    UnterminatedQuote {
        /// The quote character, `'` or `"`.
        quote: char,
    },
    /// A named section is reopened with a different type.
    SectionTypeConflict,
}

impl fmt::Display for UciErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UciErrorKind::FileTooLong { limit } => write!(f, "file is longer than {limit} bytes"),
            UciErrorKind::NotUtf8 => f.write_str("not UTF-8 text"),
            UciErrorKind::NulByte => f.write_str("NUL byte in the file"),
            UciErrorKind::LineTooLong { limit } => write!(f, "line is longer than {limit} bytes"),
            UciErrorKind::NameTooLong { limit } => write!(f, "name is longer than {limit} bytes"),
            UciErrorKind::ValueTooLong { limit } => {
                write!(f, "value is longer than {limit} bytes")
            }
            UciErrorKind::TooManySections { limit } => {
                write!(f, "more than {limit} sections")
            }
            UciErrorKind::TooManyOptions { limit } => {
                write!(f, "more than {limit} options and list entries")
            }
            UciErrorKind::InvalidCommand => {
                f.write_str("invalid command (expected package, config, option or list)")
            }
            UciErrorKind::MissingArgument => f.write_str("insufficient arguments"),
            UciErrorKind::TooManyArguments => f.write_str("too many arguments"),
            UciErrorKind::InvalidName => f.write_str("invalid character in name field"),
            UciErrorKind::InvalidType => f.write_str("invalid character in type field"),
            UciErrorKind::OptionBeforeSection => {
                f.write_str("option/list command found before the first section")
            }
            UciErrorKind::UnterminatedQuote { quote } => {
                write!(f, "unterminated {quote} quote at the end of the file")
            }
            UciErrorKind::SectionTypeConflict => {
                f.write_str("section of different type overwrites prior section with same name")
            }
        }
    }
}

impl fmt::Display for UciError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.kind)
    }
}

/// A byte range of the input (both ends on character boundaries).
#[derive(Debug, Clone, Copy)]
struct Span {
    start: u32,
    end: u32,
}

/// A named section seen so far, kept to detect a reopening with another type.
#[derive(Debug, Clone, Copy)]
struct NamedSection {
    section_type: Span,
    name: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// The input has not been checked yet.
    Fresh,
    /// Statements are being read.
    Reading,
    /// The end of the input or an error was reached.
    Done,
}

/// What an argument is, for its length limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Arg {
    /// A name, type or package name ([`UCI_MAX_NAME_LEN`]).
    Name,
    /// A value ([`UCI_MAX_VALUE_LEN`]).
    Value,
}

impl Arg {
    fn limit(self) -> (usize, UciErrorKind) {
        match self {
            Arg::Name => (
                UCI_MAX_NAME_LEN,
                UciErrorKind::NameTooLong {
                    limit: UCI_MAX_NAME_LEN,
                },
            ),
            Arg::Value => (
                UCI_MAX_VALUE_LEN,
                UciErrorKind::ValueTooLong {
                    limit: UCI_MAX_VALUE_LEN,
                },
            ),
        }
    }
}

/// How the argument being read ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Boundary {
    /// White space: more arguments may follow.
    Blank,
    /// The end of the statement (line end, comment, `;` or end of input).
    End,
}

/// Lazy iterator over the statements of a UCI file.
///
/// Yields `Err` at most once, then ends: a file with a syntax error is not read further.
pub struct Parser<'a> {
    input: &'a [u8],
    text: &'a str,
    pos: usize,
    line: u32,
    phase: Phase,
    /// The statement being read has ended (its remaining arguments are all empty).
    ended: bool,
    sections: usize,
    options: usize,
    named: heapless::Vec<NamedSection, UCI_MAX_SECTIONS>,
}

impl<'a> Parser<'a> {
    /// A parser over the bytes of a UCI file. Nothing is read until the first item is asked.
    pub fn new(input: &'a [u8]) -> Self {
        Parser {
            input,
            text: "",
            pos: 0,
            line: 1,
            phase: Phase::Fresh,
            ended: false,
            sections: 0,
            options: 0,
            named: heapless::Vec::new(),
        }
    }

    fn error(&self, kind: UciErrorKind) -> UciError {
        UciError {
            line: self.line,
            kind,
        }
    }

    /// Checks size, encoding and NUL bytes of the whole input once.
    fn check_input(&mut self) -> Result<(), UciError> {
        let line_of = |offset: usize| {
            let before = self.input.get(..offset).unwrap_or(self.input);
            // The input is at most CONFIG_MAX_FILE_LEN bytes, so the count fits in u32.
            u32::try_from(before.iter().filter(|&&b| b == b'\n').count())
                .unwrap_or(u32::MAX)
                .saturating_add(1)
        };
        if self.input.len() > CONFIG_MAX_FILE_LEN {
            return Err(self.error(UciErrorKind::FileTooLong {
                limit: CONFIG_MAX_FILE_LEN,
            }));
        }
        self.text = core::str::from_utf8(self.input).map_err(|e| UciError {
            line: line_of(e.valid_up_to()),
            kind: UciErrorKind::NotUtf8,
        })?;
        if let Some(at) = self.input.iter().position(|&b| b == 0) {
            return Err(UciError {
                line: line_of(at),
                kind: UciErrorKind::NulByte,
            });
        }
        self.check_line()
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    /// Checks the length of the line starting at `pos`.
    fn check_line(&self) -> Result<(), UciError> {
        let rest = self.rest().as_bytes();
        let len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        if len > UCI_MAX_LINE_LEN {
            return Err(self.error(UciErrorKind::LineTooLong {
                limit: UCI_MAX_LINE_LEN,
            }));
        }
        Ok(())
    }

    /// Steps over the `\n` at `pos` into the next line.
    fn next_line(&mut self) -> Result<(), UciError> {
        self.pos += 1;
        self.line = self.line.saturating_add(1);
        self.check_line()
    }

    /// Steps over one character (which is not a line end).
    fn skip_char(&mut self) {
        self.pos += self.rest().chars().next().map_or(1, char::len_utf8);
    }

    /// Skips to the end of the line, leaving `pos` on the `\n` (or at the end).
    fn skip_comment(&mut self) {
        let rest = self.rest().as_bytes();
        self.pos += rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    }

    /// Skips white space and line ends between statements.
    fn skip_between(&mut self) -> Result<(), UciError> {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.next_line()?,
                b if is_blank(b) => self.pos += 1,
                _ => break,
            }
        }
        Ok(())
    }

    /// Reads the statement keyword: everything up to the next white space.
    fn keyword(&mut self) -> &'a str {
        let start = self.pos;
        while let Some(b) = self.peek() {
            if b == b'\n' || is_blank(b) {
                break;
            }
            self.skip_char();
        }
        self.text.get(start..self.pos).unwrap_or("")
    }

    /// Reads the next argument of the current statement, or `None` once it has ended.
    fn arg(&mut self, what: Arg) -> Result<Option<Value<'a>>, UciError> {
        if self.ended {
            return Ok(None);
        }
        while self.peek().is_some_and(is_blank) {
            self.pos += 1;
        }
        match self.peek() {
            None | Some(b'\n') => {
                self.ended = true;
                return Ok(None);
            }
            Some(b'#') => {
                self.skip_comment();
                self.ended = true;
                return Ok(None);
            }
            Some(b';') => {
                self.pos += 1;
                self.ended = true;
                return Ok(None);
            }
            Some(_) => {}
        }
        let start = self.pos;
        let start_line = self.line;
        let boundary = loop {
            let Some(b) = self.peek() else {
                break Boundary::End;
            };
            match b {
                b'\n' => break Boundary::End,
                b if is_blank(b) => break Boundary::Blank,
                b'#' | b';' => break Boundary::End,
                b'\\' => self.backslash()?,
                b'\'' | b'"' => self.quoted(b, start_line)?,
                _ => self.skip_char(),
            }
        };
        let raw = self.text.get(start..self.pos).unwrap_or("");
        match boundary {
            Boundary::End => {
                match self.peek() {
                    Some(b'#') => self.skip_comment(),
                    Some(b';') => self.pos += 1,
                    _ => {}
                }
                self.ended = true;
            }
            Boundary::Blank => {}
        }
        let (max, too_long) = what.limit();
        if raw.len() > max {
            return Err(UciError {
                line: start_line,
                kind: too_long,
            });
        }
        Ok(Some(Value::written(raw)))
    }

    /// Steps over a backslash and what it escapes (a character, or a line end it joins away).
    fn backslash(&mut self) -> Result<(), UciError> {
        self.pos += 1;
        match self.peek() {
            Some(b'\n') => self.next_line(),
            Some(b'\r') if self.rest().as_bytes().get(1) == Some(&b'\n') => {
                self.pos += 1;
                self.next_line()
            }
            Some(_) => {
                self.skip_char();
                Ok(())
            }
            None => Ok(()),
        }
    }

    /// Steps over a quoted piece starting at `pos` with `quote`.
    fn quoted(&mut self, quote: u8, start_line: u32) -> Result<(), UciError> {
        self.pos += 1;
        loop {
            match self.peek() {
                None => {
                    return Err(UciError {
                        line: start_line,
                        kind: UciErrorKind::UnterminatedQuote {
                            quote: char::from(quote),
                        },
                    });
                }
                Some(b) if b == quote => {
                    self.pos += 1;
                    return Ok(());
                }
                Some(b'\n') => self.next_line()?,
                Some(b'\\') if quote == b'"' => self.backslash()?,
                Some(_) => self.skip_char(),
            }
        }
    }

    /// Reads a required argument: present and not empty once decoded.
    fn required(&mut self, line: u32) -> Result<Value<'a>, UciError> {
        match self.arg(Arg::Name)? {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(UciError {
                line,
                kind: UciErrorKind::MissingArgument,
            }),
        }
    }

    /// Checks that nothing but empty arguments is left in the statement.
    fn end_of_statement(&mut self, line: u32) -> Result<(), UciError> {
        while let Some(extra) = self.arg(Arg::Value)? {
            if !extra.is_empty() {
                return Err(UciError {
                    line,
                    kind: UciErrorKind::TooManyArguments,
                });
            }
        }
        Ok(())
    }

    /// Reads one statement, or `None` at the end of the input.
    fn statement(&mut self) -> Result<Option<Item<'a>>, UciError> {
        loop {
            self.skip_between()?;
            match self.peek() {
                None => return Ok(None),
                Some(b'#') => {
                    self.skip_comment();
                    continue;
                }
                Some(_) => {}
            }
            let line = self.line;
            let fail = |kind| UciError { line, kind };
            self.ended = false;
            let kind = match self.keyword() {
                "package" | "p" => {
                    let name = self.required(line)?;
                    if !name.chars().all(|c| is_name_char(c) || c == '-') {
                        return Err(fail(UciErrorKind::InvalidName));
                    }
                    ItemKind::Package { name }
                }
                "config" | "c" => {
                    let section_type = self.required(line)?;
                    if !section_type.chars().all(|c| c.is_ascii_graphic()) {
                        return Err(fail(UciErrorKind::InvalidType));
                    }
                    let name = self.arg(Arg::Name)?.filter(|n| !n.is_empty());
                    if name.is_some_and(|n| !n.chars().all(is_name_char)) {
                        return Err(fail(UciErrorKind::InvalidName));
                    }
                    self.open_section(section_type, name).map_err(fail)?;
                    ItemKind::Section { section_type, name }
                }
                kw @ ("option" | "o" | "list" | "l") => {
                    if self.sections == 0 {
                        return Err(fail(UciErrorKind::OptionBeforeSection));
                    }
                    let name = self.required(line)?;
                    if !name.chars().all(is_name_char) {
                        return Err(fail(UciErrorKind::InvalidName));
                    }
                    let value = self.arg(Arg::Value)?.unwrap_or(Value::empty());
                    if self.options == UCI_MAX_OPTIONS {
                        return Err(fail(UciErrorKind::TooManyOptions {
                            limit: UCI_MAX_OPTIONS,
                        }));
                    }
                    self.options += 1;
                    if kw.starts_with('o') {
                        ItemKind::Option { name, value }
                    } else {
                        ItemKind::List { name, value }
                    }
                }
                _ => return Err(fail(UciErrorKind::InvalidCommand)),
            };
            self.end_of_statement(line)?;
            return Ok(Some(Item { line, kind }));
        }
    }

    /// Counts a section and checks a named one against the named sections seen before.
    fn open_section(
        &mut self,
        section_type: Value<'a>,
        name: Option<Value<'a>>,
    ) -> Result<(), UciErrorKind> {
        if self.sections == UCI_MAX_SECTIONS {
            return Err(UciErrorKind::TooManySections {
                limit: UCI_MAX_SECTIONS,
            });
        }
        self.sections += 1;
        let Some(name) = name else {
            return Ok(());
        };
        for seen in &self.named {
            if self.value(seen.name) == name {
                return if self.value(seen.section_type) == section_type {
                    Ok(())
                } else {
                    Err(UciErrorKind::SectionTypeConflict)
                };
            }
        }
        let entry = NamedSection {
            section_type: self.span(section_type),
            name: self.span(name),
        };
        // At most UCI_MAX_SECTIONS sections are counted, so the list has room.
        self.named
            .push(entry)
            .map_err(|_| UciErrorKind::TooManySections {
                limit: UCI_MAX_SECTIONS,
            })
    }

    fn span(&self, v: Value<'a>) -> Span {
        let base = self.text.as_ptr() as usize;
        let start = (v.raw().as_ptr() as usize).saturating_sub(base);
        // Values are slices of the input, which is at most CONFIG_MAX_FILE_LEN bytes long.
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let len = u32::try_from(v.raw().len()).unwrap_or(0);
        Span {
            start,
            end: start.saturating_add(len),
        }
    }

    fn value(&self, span: Span) -> Value<'a> {
        Value::written(
            self.text
                .get(span.start as usize..span.end as usize)
                .unwrap_or(""),
        )
    }
}

impl<'a> Iterator for Parser<'a> {
    type Item = Result<Item<'a>, UciError>;

    fn next(&mut self) -> Option<Self::Item> {
        let step = match self.phase {
            Phase::Done => return None,
            Phase::Fresh => self.check_input().and_then(|()| {
                self.phase = Phase::Reading;
                self.statement()
            }),
            Phase::Reading => self.statement(),
        };
        match step {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.phase = Phase::Done;
                None
            }
            Err(e) => {
                self.phase = Phase::Done;
                Some(Err(e))
            }
        }
    }
}

/// White space within a line (C `isspace` without the line feed).
fn is_blank(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\x0b' | b'\x0c')
}

/// A character of a section or option name (libuci `uci_validate_name`).
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}
