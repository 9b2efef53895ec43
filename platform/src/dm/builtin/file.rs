//! The store file: the JSON document an operator seeds the built-in data model with, and the
//! same format the backend writes its state in.
//!
//! Responsible for reading a store file into a [`ParamStore`] (streaming, bounded by
//! `dm::limits`, every mistake reported with the file, line and column) and for writing a store
//! back out so that reading it again yields the same tree. Not responsible for choosing between
//! seed and state files or for writing atomically (`builtin`).
//!
//! # Format
//!
//! ```json
//! {
//!   "version": 1,
//!   "tables": [
//!     { "path": "Device.NAT.PortMapping.", "writable": true, "max_instances": 32,
//!       "template": [
//!         { "name": "Enable", "type": "boolean", "writable": true, "value": false },
//!         { "name": "ExternalPort", "type": "unsignedInt", "writable": true, "max": 65535 }
//!       ] }
//!   ],
//!   "next_instance": { "Device.NAT.PortMapping.": 3 },
//!   "parameters": [
//!     { "name": "Device.Time.NTPServer1", "type": "string", "writable": true,
//!       "format": "hostname", "max_length": 64, "value": "pool.ntp.org" },
//!     { "name": "Device.NAT.PortMapping.1.Enable", "type": "boolean", "writable": true,
//!       "value": "true" }
//!   ]
//! }
//! ```
//!
//! Top level (every member optional, in any order, nothing else allowed):
//! - `version`: the number `1`.
//! - `parameters`: parameter entries with full names.
//! - `tables`: table declarations. `path` is the table's path with its trailing dot; tables
//!   inside instances of other tables use `{i}` for the enclosing instance numbers
//!   (`Device.IP.Interface.{i}.IPv4Address.`) and need the enclosing table declared too.
//!   `writable` (default `false`) allows AddObject and DeleteObject; `max_instances` bounds the
//!   instances of each such table; `template` lists the parameters (names relative to the
//!   instance, may contain dots) an AddObject creates, with their `value` as the default.
//!   Instance numbers found in parameter names under a table that is not declared make a
//!   read-only table.
//! - `next_instance`: the number the next AddObject on each concrete table hands out. Without
//!   it (or when lower), one past the highest existing instance.
//!
//! A parameter entry: `name` (required); `type` (a TR-106 type name: `string` (default),
//! `int`, `unsignedInt`, `long`, `unsignedLong`, `boolean`, `dateTime`, `base64`, `hexBinary`,
//! `decimal`); `value` (a string, number or boolean in the type's lexical form; default: the
//! type's "none" value); `writable` (default `false`); and constraints checked on every
//! SetParameterValues: `min`/`max` (integer types), `max_length` (characters, or decoded bytes
//! for binary types), `enum` (list of allowed strings), `format` (`hostname`, `ipv4`, `ipv6`,
//! `ip`, `mac`; the empty string is always allowed).
//!
//! Each table keeps the matching `<Name>NumberOfEntries` parameter (if listed) up to date.

use std::fmt;
use std::io::{self, Read, Write};
use std::ops::ControlFlow;

use cwmp_core::soap::ValueType;

use super::store::{BuildError, ParamSpec, ParamStore, TableDef, TemplateParam};
use crate::dm::json::{self, Position, Reader, Token, write_string};
use crate::dm::limits::{ENUM_MAX_VALUES, TEMPLATE_MAX_PARAMS};
use crate::dm::syntax::{Constraint, Format, default_value, normalize};

/// What is wrong with a store file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not JSON, or beyond a JSON limit.
    Json(json::ErrorKind),
    /// Something other than what the format has at this place.
    Expected(&'static str),
    /// A member the format does not define (a typo would otherwise pass silently).
    UnknownMember(String),
    /// The same member twice in one object.
    DuplicateMember(String),
    /// A required member is absent.
    MissingMember(&'static str),
    /// `version` is not 1.
    UnsupportedVersion,
    /// `type` is not a TR-106 type name.
    UnknownType(String),
    /// `format` is not one of the known formats.
    UnknownFormat(String),
    /// A constraint that does not fit the type or contradicts another.
    BadConstraint(&'static str),
    /// A value that is not valid for its type or constraints.
    BadValue(String),
    /// Too many entries in an `enum` or a `template`.
    TooManyEntries(&'static str),
    /// The entries do not form a valid tree.
    Tree(BuildError),
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Json(e) => write!(f, "{e}"),
            ErrorKind::Expected(what) => write!(f, "expected {what}"),
            ErrorKind::UnknownMember(m) => write!(f, "unknown member \"{m}\""),
            ErrorKind::DuplicateMember(m) => write!(f, "member \"{m}\" given twice"),
            ErrorKind::MissingMember(m) => write!(f, "member \"{m}\" is required"),
            ErrorKind::UnsupportedVersion => f.write_str("unsupported version (expected 1)"),
            ErrorKind::UnknownType(t) => write!(f, "unknown type \"{t}\""),
            ErrorKind::UnknownFormat(t) => write!(f, "unknown format \"{t}\""),
            ErrorKind::BadConstraint(why) => write!(f, "bad constraint: {why}"),
            ErrorKind::BadValue(why) => write!(f, "bad value: {why}"),
            ErrorKind::TooManyEntries(what) => write!(f, "too many entries in {what}"),
            ErrorKind::Tree(e) => write!(f, "{e}"),
        }
    }
}

/// A store file error and where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What is wrong.
    pub kind: ErrorKind,
    /// Line and column of the offending token or entry.
    pub at: Position,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.kind)
    }
}

impl std::error::Error for Error {}

impl From<json::Error> for Error {
    fn from(e: json::Error) -> Self {
        Error {
            kind: ErrorKind::Json(e.kind),
            at: e.at,
        }
    }
}

/// Reads a store file of at most `max_len` bytes into a finished tree.
pub fn read<R: Read>(src: R, max_len: u64) -> Result<ParamStore, Error> {
    let mut p = Parser {
        r: Reader::new(src, max_len),
        store: ParamStore::new(),
        counters: Vec::new(),
        table_at: Vec::new(),
    };
    let start = p.r.position();
    p.document()?;
    let counters = std::mem::take(&mut p.counters);
    p.store.finish(&counters).map_err(|e| {
        // A table problem is reported at its declaration when it can be found.
        let at = match &e {
            BuildError::MissingParentTable(pat) | BuildError::DuplicateTable(pat) => p
                .table_at
                .iter()
                .find(|(t, _)| t == pat)
                .map_or(start, |(_, at)| *at),
            _ => start,
        };
        Error {
            kind: ErrorKind::Tree(e),
            at,
        }
    })?;
    Ok(p.store)
}

/// One parameter entry as written, before it is checked.
#[derive(Debug, Default)]
struct Entry {
    name: Option<String>,
    ty: Option<ValueType>,
    value: Option<String>,
    writable: Option<bool>,
    min: Option<i128>,
    max: Option<i128>,
    max_length: Option<u32>,
    enumeration: Option<Vec<Box<str>>>,
    format: Option<Format>,
}

struct Parser<R> {
    r: Reader<R>,
    store: ParamStore,
    counters: Vec<(String, u32)>,
    table_at: Vec<(String, Position)>,
}

/// A token copied out of the reader, so the parser can act while holding it.
enum Owned {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Key(String),
    Str(String),
    Num(String),
    Bool(bool),
    Null,
}

impl<R: Read> Parser<R> {
    fn err(&self, kind: ErrorKind) -> Error {
        Error {
            kind,
            at: self.r.position(),
        }
    }

    fn next(&mut self) -> Result<(Owned, Position), Error> {
        let t = match self.r.next()? {
            Some(Token::BeginObject) => Owned::BeginObject,
            Some(Token::EndObject) => Owned::EndObject,
            Some(Token::BeginArray) => Owned::BeginArray,
            Some(Token::EndArray) => Owned::EndArray,
            Some(Token::Key(k)) => Owned::Key(k.to_string()),
            Some(Token::String(s)) => Owned::Str(s.to_string()),
            Some(Token::Number(n)) => Owned::Num(n.to_string()),
            Some(Token::Bool(b)) => Owned::Bool(b),
            Some(Token::Null) => Owned::Null,
            None => return Err(self.err(ErrorKind::Json(json::ErrorKind::UnexpectedEnd))),
        };
        Ok((t, self.r.token_position()))
    }

    fn expect_begin_object(&mut self) -> Result<Position, Error> {
        match self.next()? {
            (Owned::BeginObject, at) => Ok(at),
            (_, at) => Err(Error {
                kind: ErrorKind::Expected("an object"),
                at,
            }),
        }
    }

    fn expect_begin_array(&mut self) -> Result<(), Error> {
        match self.next()? {
            (Owned::BeginArray, _) => Ok(()),
            (_, at) => Err(Error {
                kind: ErrorKind::Expected("an array"),
                at,
            }),
        }
    }

    /// The next member name of the current object, `None` at its end. `seen` records the
    /// names already given (duplicates are errors).
    fn member(&mut self, seen: &mut Vec<String>) -> Result<Option<(String, Position)>, Error> {
        match self.next()? {
            (Owned::EndObject, _) => Ok(None),
            (Owned::Key(k), at) => {
                if seen.contains(&k) {
                    return Err(Error {
                        kind: ErrorKind::DuplicateMember(k),
                        at,
                    });
                }
                seen.push(k.clone());
                Ok(Some((k, at)))
            }
            (_, at) => Err(Error {
                kind: ErrorKind::Expected("a member name"),
                at,
            }),
        }
    }

    fn string(&mut self) -> Result<String, Error> {
        match self.next()? {
            (Owned::Str(s), _) => Ok(s),
            (_, at) => Err(Error {
                kind: ErrorKind::Expected("a string"),
                at,
            }),
        }
    }

    fn boolean(&mut self) -> Result<bool, Error> {
        match self.next()? {
            (Owned::Bool(b), _) => Ok(b),
            (_, at) => Err(Error {
                kind: ErrorKind::Expected("true or false"),
                at,
            }),
        }
    }

    fn integer(&mut self) -> Result<i128, Error> {
        match self.next()? {
            (Owned::Num(n), at) => n.parse().map_err(|_| Error {
                kind: ErrorKind::Expected("an integer"),
                at,
            }),
            (_, at) => Err(Error {
                kind: ErrorKind::Expected("an integer"),
                at,
            }),
        }
    }

    fn unsigned(&mut self) -> Result<u32, Error> {
        let n = self.integer()?;
        u32::try_from(n).map_err(|_| Error {
            kind: ErrorKind::Expected("an integer from 0 to 4294967295"),
            at: self.r.token_position(),
        })
    }

    /// A value: a string, or a number or boolean taken as its text.
    fn scalar(&mut self) -> Result<String, Error> {
        match self.next()? {
            (Owned::Str(s) | Owned::Num(s), _) => Ok(s),
            (Owned::Bool(b), _) => Ok(b.to_string()),
            (_, at) => Err(Error {
                kind: ErrorKind::Expected("a string, number or boolean"),
                at,
            }),
        }
    }

    fn document(&mut self) -> Result<(), Error> {
        self.expect_begin_object()?;
        let mut seen = Vec::new();
        while let Some((key, at)) = self.member(&mut seen)? {
            match key.as_str() {
                "version" => {
                    if self.integer()? != 1 {
                        return Err(Error {
                            kind: ErrorKind::UnsupportedVersion,
                            at,
                        });
                    }
                }
                "parameters" => self.parameters()?,
                "tables" => self.tables()?,
                "next_instance" => self.next_instance()?,
                _ => {
                    return Err(Error {
                        kind: ErrorKind::UnknownMember(key),
                        at,
                    });
                }
            }
        }
        match self.r.next()? {
            None => Ok(()),
            Some(_) => Err(self.err(ErrorKind::Json(json::ErrorKind::TrailingData))),
        }
    }

    fn parameters(&mut self) -> Result<(), Error> {
        self.expect_begin_array()?;
        loop {
            let (token, at) = self.next()?;
            match token {
                Owned::EndArray => return Ok(()),
                Owned::BeginObject => {}
                _ => {
                    return Err(Error {
                        kind: ErrorKind::Expected("a parameter object"),
                        at,
                    });
                }
            }
            let (name, spec, value) = self.entry(at)?;
            self.store
                .add_param(&name, spec, &value)
                .map_err(|e| Error {
                    kind: ErrorKind::Tree(e),
                    at,
                })?;
        }
    }

    /// The members of one parameter entry (after its `{`), checked: name, definition, value.
    fn entry(&mut self, at: Position) -> Result<(String, ParamSpec, String), Error> {
        let mut e = Entry::default();
        let mut seen = Vec::new();
        while let Some((key, key_at)) = self.member(&mut seen)? {
            match key.as_str() {
                "name" => e.name = Some(self.string()?),
                "type" => {
                    let t = self.string()?;
                    e.ty = Some(ValueType::from_name(&t).ok_or(Error {
                        kind: ErrorKind::UnknownType(t),
                        at: self.r.token_position(),
                    })?);
                }
                "value" => e.value = Some(self.scalar()?),
                "writable" => e.writable = Some(self.boolean()?),
                "min" => e.min = Some(self.integer()?),
                "max" => e.max = Some(self.integer()?),
                "max_length" => e.max_length = Some(self.unsigned()?),
                "enum" => {
                    self.expect_begin_array()?;
                    let mut values = Vec::new();
                    loop {
                        match self.next()? {
                            (Owned::EndArray, _) => break,
                            (Owned::Str(s), _) if values.len() < ENUM_MAX_VALUES => {
                                values.push(s.into_boxed_str());
                            }
                            (Owned::Str(_), vat) => {
                                return Err(Error {
                                    kind: ErrorKind::TooManyEntries("enum"),
                                    at: vat,
                                });
                            }
                            (_, vat) => {
                                return Err(Error {
                                    kind: ErrorKind::Expected("a string"),
                                    at: vat,
                                });
                            }
                        }
                    }
                    e.enumeration = Some(values);
                }
                "format" => {
                    let f = self.string()?;
                    e.format = Some(Format::from_name(&f).ok_or(Error {
                        kind: ErrorKind::UnknownFormat(f),
                        at: self.r.token_position(),
                    })?);
                }
                _ => {
                    return Err(Error {
                        kind: ErrorKind::UnknownMember(key),
                        at: key_at,
                    });
                }
            }
        }
        let err = |kind| Error { kind, at };
        let name = e.name.ok_or(err(ErrorKind::MissingMember("name")))?;
        let ty = e.ty.unwrap_or(ValueType::String);
        let integer_type = matches!(
            ty,
            ValueType::Int | ValueType::UnsignedInt | ValueType::Long | ValueType::UnsignedLong
        );
        if (e.min.is_some() || e.max.is_some()) && !integer_type {
            return Err(err(ErrorKind::BadConstraint(
                "min and max apply to integer types",
            )));
        }
        if let (Some(lo), Some(hi)) = (e.min, e.max)
            && lo > hi
        {
            return Err(err(ErrorKind::BadConstraint("min is above max")));
        }
        if e.max_length.is_some()
            && !matches!(
                ty,
                ValueType::String | ValueType::Base64 | ValueType::HexBinary
            )
        {
            return Err(err(ErrorKind::BadConstraint(
                "max_length applies to string, base64 and hexBinary",
            )));
        }
        if (e.enumeration.is_some() || e.format.is_some()) && ty != ValueType::String {
            return Err(err(ErrorKind::BadConstraint(
                "enum and format apply to strings",
            )));
        }
        let constraint = Constraint {
            min: e.min,
            max: e.max,
            max_length: e.max_length,
            enumeration: e.enumeration.map(Vec::into_boxed_slice),
            format: e.format,
        };
        let raw = e.value.unwrap_or_else(|| default_value(ty).to_string());
        let value = normalize(ty, &raw)
            .filter(|v| constraint.admits(ty, v))
            .ok_or_else(|| {
                err(ErrorKind::BadValue(format!(
                    "\"{raw}\" is not an acceptable {} for {name}",
                    ty.name()
                )))
            })?
            .to_string();
        let spec = ParamSpec {
            ty,
            writable: e.writable.unwrap_or(false),
            constraint,
        };
        Ok((name, spec, value))
    }

    fn tables(&mut self) -> Result<(), Error> {
        self.expect_begin_array()?;
        loop {
            let (token, at) = self.next()?;
            match token {
                Owned::EndArray => return Ok(()),
                Owned::BeginObject => {}
                _ => {
                    return Err(Error {
                        kind: ErrorKind::Expected("a table object"),
                        at,
                    });
                }
            }
            let def = self.table(at)?;
            self.table_at.push((def.pattern.to_string(), at));
            self.store.declare_table(def).map_err(|e| Error {
                kind: ErrorKind::Tree(e),
                at,
            })?;
        }
    }

    fn table(&mut self, at: Position) -> Result<TableDef, Error> {
        let mut path = None;
        let mut writable = false;
        let mut max_instances = None;
        let mut template = Vec::new();
        let mut seen = Vec::new();
        while let Some((key, key_at)) = self.member(&mut seen)? {
            match key.as_str() {
                "path" => path = Some(self.string()?),
                "writable" => writable = self.boolean()?,
                "max_instances" => max_instances = Some(self.unsigned()?),
                "template" => {
                    self.expect_begin_array()?;
                    loop {
                        let (token, pat) = self.next()?;
                        match token {
                            Owned::EndArray => break,
                            Owned::BeginObject if template.len() < TEMPLATE_MAX_PARAMS => {}
                            Owned::BeginObject => {
                                return Err(Error {
                                    kind: ErrorKind::TooManyEntries("template"),
                                    at: pat,
                                });
                            }
                            _ => {
                                return Err(Error {
                                    kind: ErrorKind::Expected("a parameter object"),
                                    at: pat,
                                });
                            }
                        }
                        let (name, spec, value) = self.entry(pat)?;
                        template.push(TemplateParam {
                            name: name.into_boxed_str(),
                            spec,
                            default: value.into_boxed_str(),
                        });
                    }
                }
                _ => {
                    return Err(Error {
                        kind: ErrorKind::UnknownMember(key),
                        at: key_at,
                    });
                }
            }
        }
        let pattern = path.ok_or(Error {
            kind: ErrorKind::MissingMember("path"),
            at,
        })?;
        Ok(TableDef {
            pattern: pattern.into_boxed_str(),
            writable,
            max_instances,
            template,
        })
    }

    fn next_instance(&mut self) -> Result<(), Error> {
        self.expect_begin_object()?;
        let mut seen = Vec::new();
        while let Some((path, _)) = self.member(&mut seen)? {
            let n = self.unsigned()?;
            self.counters.push((path, n));
        }
        Ok(())
    }
}

/// Writes `store` as a store file (tables, counters, then held parameters in tree order; the
/// externally supplied parameters are not written).
pub fn write(store: &ParamStore, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(b"{\n\"version\": 1,\n\"tables\": [")?;
    for (i, t) in store.tables().iter().enumerate() {
        out.write_all(if i == 0 {
            b"\n{\"path\": "
        } else {
            b",\n{\"path\": "
        })?;
        write_string(out, &t.pattern)?;
        write!(out, ", \"writable\": {}", t.writable)?;
        if let Some(m) = t.max_instances {
            write!(out, ", \"max_instances\": {m}")?;
        }
        out.write_all(b", \"template\": [")?;
        for (k, p) in t.template.iter().enumerate() {
            out.write_all(if k == 0 { b"\n  " } else { b",\n  " })?;
            write_entry(out, &p.name, &p.spec, &p.default)?;
        }
        out.write_all(b"]}")?;
    }
    out.write_all(b"\n],\n\"next_instance\": {")?;
    let mut result = Ok(());
    let mut first = true;
    store.for_each_counter(&mut |path, next| {
        let sep: &[u8] = if first { b"\n" } else { b",\n" };
        first = false;
        result = out
            .write_all(sep)
            .and_then(|()| write_string(out, path))
            .and_then(|()| write!(out, ": {next}"));
        if result.is_err() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    std::mem::replace(&mut result, Ok(()))?;
    out.write_all(b"\n},\n\"parameters\": [")?;
    let mut first = true;
    store.for_each_stored(&mut |name, spec, value| {
        let sep: &[u8] = if first { b"\n" } else { b",\n" };
        first = false;
        result = out
            .write_all(sep)
            .and_then(|()| write_entry(out, name, spec, value));
        if result.is_err() {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    });
    result?;
    out.write_all(b"\n]\n}\n")
}

fn write_entry(out: &mut dyn Write, name: &str, spec: &ParamSpec, value: &str) -> io::Result<()> {
    out.write_all(b"{\"name\": ")?;
    write_string(out, name)?;
    write!(out, ", \"type\": \"{}\"", spec.ty.name())?;
    if spec.writable {
        out.write_all(b", \"writable\": true")?;
    }
    let c = &spec.constraint;
    if let Some(v) = c.min {
        write!(out, ", \"min\": {v}")?;
    }
    if let Some(v) = c.max {
        write!(out, ", \"max\": {v}")?;
    }
    if let Some(v) = c.max_length {
        write!(out, ", \"max_length\": {v}")?;
    }
    if let Some(values) = &c.enumeration {
        out.write_all(b", \"enum\": [")?;
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.write_all(b", ")?;
            }
            write_string(out, v)?;
        }
        out.write_all(b"]")?;
    }
    if let Some(f) = c.format {
        write!(out, ", \"format\": \"{}\"", f.name())?;
    }
    out.write_all(b", \"value\": ")?;
    write_string(out, value)?;
    out.write_all(b"}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dm::builtin::store::Leaf;

    fn load(doc: &str) -> Result<ParamStore, Error> {
        read(doc.as_bytes(), 1 << 20)
    }

    fn err(doc: &str) -> (ErrorKind, Position) {
        let e = load(doc).unwrap_err();
        (e.kind, e.at)
    }

    fn dump(s: &ParamStore) -> String {
        let mut out = Vec::new();
        write(s, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    const SAMPLE: &str = r#"{
  "parameters": [
    {"name": "Device.Time.Enable", "type": "boolean", "writable": true, "value": true},
    {"name": "Device.Time.NTPServer1", "writable": true, "format": "hostname", "max_length": 64,
     "value": "pool.ntp.org"},
    {"name": "Device.NAT.PortMappingNumberOfEntries", "type": "unsignedInt"},
    {"name": "Device.NAT.PortMapping.4.ExternalPort", "type": "unsignedInt", "writable": true,
     "max": 65535, "value": 8080},
    {"name": "Device.NAT.PortMapping.4.Protocol", "writable": true, "enum": ["TCP", "UDP"],
     "value": "TCP"}
  ],
  "tables": [
    {"path": "Device.NAT.PortMapping.", "writable": true, "max_instances": 8, "template": [
      {"name": "ExternalPort", "type": "unsignedInt", "writable": true, "max": 65535},
      {"name": "Protocol", "writable": true, "enum": ["TCP", "UDP"], "value": "TCP"}
    ]}
  ],
  "next_instance": {"Device.NAT.PortMapping.": 9},
  "version": 1
}"#;

    #[test]
    fn reads_parameters_tables_and_counters_in_any_order() {
        let mut s = load(SAMPLE).unwrap();
        let (spec, leaf) = s.param("Device.NAT.PortMapping.4.ExternalPort").unwrap();
        assert_eq!(spec.ty, ValueType::UnsignedInt);
        assert_eq!(spec.constraint.max, Some(65535));
        assert_eq!(leaf, Leaf::Stored("8080"));
        assert_eq!(
            s.param("Device.NAT.PortMappingNumberOfEntries").unwrap().1,
            Leaf::Stored("1")
        );
        let (n, _) = s.add_instance("Device.NAT.PortMapping.").unwrap();
        assert_eq!(n, 9);
    }

    #[test]
    fn written_files_read_back_to_the_same_tree() {
        let s = load(SAMPLE).unwrap();
        let first = dump(&s);
        let again = load(&first).unwrap();
        assert_eq!(dump(&again), first);
        assert!(first.contains("\"Device.NAT.PortMapping.\": 9"));
    }

    #[test]
    fn values_are_checked_against_type_and_constraints() {
        let (k, at) = err(r#"{"parameters": [
  {"name": "Device.A", "type": "unsignedInt", "value": "-1"}]}"#);
        assert!(matches!(k, ErrorKind::BadValue(_)), "{k:?}");
        assert_eq!(at, Position { line: 2, column: 3 });
        let (k, _) = err(r#"{"parameters": [{"name": "Device.A", "enum": ["x"], "value": "y"}]}"#);
        assert!(matches!(k, ErrorKind::BadValue(_)));
        let (k, _) = err(r#"{"parameters": [{"name": "Device.A", "type": "boolean", "max": 1}]}"#);
        assert!(matches!(k, ErrorKind::BadConstraint(_)));
        let (k, _) =
            err(r#"{"parameters": [{"name": "Device.A", "type": "int", "min": 5, "max": 1}]}"#);
        assert!(matches!(k, ErrorKind::BadConstraint(_)));
    }

    #[test]
    fn defaults_follow_the_type() {
        let s = load(
            r#"{"parameters": [{"name": "Device.T", "type": "dateTime"},
                {"name": "Device.B", "type": "boolean"}]}"#,
        )
        .unwrap();
        assert_eq!(
            s.param("Device.T").unwrap().1,
            Leaf::Stored("0001-01-01T00:00:00Z")
        );
        assert_eq!(s.param("Device.B").unwrap().1, Leaf::Stored("false"));
    }

    #[test]
    fn typos_and_unknown_names_are_reported_where_they_are() {
        let (k, at) = err("{\"parameters\": [\n {\"name\": \"Device.A\", \"writeable\": true}]}");
        assert_eq!(k, ErrorKind::UnknownMember("writeable".into()));
        assert_eq!(
            at,
            Position {
                line: 2,
                column: 23
            }
        );
        assert_eq!(
            err(r#"{"parameter": []}"#).0,
            ErrorKind::UnknownMember("parameter".into())
        );
        assert_eq!(
            err(r#"{"parameters": [{"name": "Device.A", "type": "str"}]}"#).0,
            ErrorKind::UnknownType("str".into())
        );
        assert_eq!(
            err(r#"{"parameters": [{"name": "Device.A", "format": "fqdn"}]}"#).0,
            ErrorKind::UnknownFormat("fqdn".into())
        );
        assert_eq!(
            err(r#"{"parameters": [{"type": "string"}]}"#).0,
            ErrorKind::MissingMember("name")
        );
        assert_eq!(
            err(r#"{"parameters": [{"name": "Device.A", "name": "Device.B"}]}"#).0,
            ErrorKind::DuplicateMember("name".into())
        );
        assert_eq!(err(r#"{"version": 2}"#).0, ErrorKind::UnsupportedVersion);
        assert_eq!(err(r#"[]"#).0, ErrorKind::Expected("an object"));
        assert_eq!(
            err(r#"{"parameters": [{"name": "Device.A"}, {"name": "Device.A"}]}"#).0,
            ErrorKind::Tree(BuildError::Duplicate("Device.A".into()))
        );
    }

    #[test]
    fn table_problems_point_at_the_declaration() {
        let (k, at) = err("{\"tables\": [\n {\"path\": \"Device.X.{i}.Y.\"}]}");
        assert_eq!(
            k,
            ErrorKind::Tree(BuildError::MissingParentTable("Device.X.{i}.Y.".into()))
        );
        assert_eq!(at, Position { line: 2, column: 2 });
        assert!(matches!(
            err(r#"{"tables": [{"path": "Device.X"}]}"#).0,
            ErrorKind::Tree(BuildError::BadName(_))
        ));
        assert!(matches!(
            err(r#"{"tables": [{"path": "Device.X."}, {"path": "Device.X."}]}"#).0,
            ErrorKind::Tree(BuildError::DuplicateTable(_))
        ));
    }

    #[test]
    fn enum_and_template_limits() {
        let many: Vec<String> = (0..=ENUM_MAX_VALUES).map(|i| format!("\"v{i}\"")).collect();
        let doc = format!(
            r#"{{"parameters": [{{"name": "Device.A", "enum": [{}], "value": "v0"}}]}}"#,
            many.join(",")
        );
        assert_eq!(err(&doc).0, ErrorKind::TooManyEntries("enum"));
        let entries: Vec<String> = (0..=TEMPLATE_MAX_PARAMS)
            .map(|i| format!(r#"{{"name": "P{i}"}}"#))
            .collect();
        let doc = format!(
            r#"{{"tables": [{{"path": "Device.T.", "template": [{}]}}]}}"#,
            entries.join(",")
        );
        assert_eq!(err(&doc).0, ErrorKind::TooManyEntries("template"));
    }

    #[test]
    fn file_size_limit() {
        let e = read(SAMPLE.as_bytes(), 100).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Json(json::ErrorKind::TooLarge));
    }

    #[test]
    fn trailing_data_is_an_error() {
        assert_eq!(
            err("{} x").0,
            ErrorKind::Json(json::ErrorKind::TrailingData)
        );
    }
}
