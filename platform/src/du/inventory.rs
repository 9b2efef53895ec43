//! The deployment units the device has: what `Device.SoftwareModules.DeploymentUnit.{i}.`
//! shows and what ChangeDUState operations act on, persisted as a JSON file in the state
//! directory (`du.json`).
//!
//! Responsible for the table itself (stable instance numbers that are never reused while the
//! file lives, unique UUIDs and names, the [`DU_MAX`] bound), the field rules shared with the
//! helper's output (lengths of TR-181, no control characters), and reading and writing the
//! file: bounded, a file that does not parse is moved aside to `du.json.corrupt` and reported,
//! writes are atomic. Not responsible for installing anything (`plan`, `script`) nor for
//! serving parameters (`model`).
//!
//! File format (written by cwmpd; read strictly: an unknown or repeated member is an error):
//!
//! ```json
//! {
//! "version": 1,
//! "synced": true,
//! "next_instance": 3,
//! "units": [
//! {"instance": 1, "uuid": "…", "name": "…", "version": "…", "vendor": "…", "description": "…", "url": "…"},
//! {"instance": 2, …}
//! ]
//! }
//! ```
//!
//! `synced` says the package list has been taken as the baseline once (see `sync`).

use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use super::limits::{
    DESCRIPTION_MAX, DU_MAX, INVENTORY_FILE_MAX, NAME_MAX, URL_MAX, VENDOR_MAX, VERSION_MAX,
};
use super::uuid::Uuid;
use crate::dm::json::{self, Position, Reader, Token, write_string};
use crate::fsutil;

/// One deployment unit: an installed package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentUnit {
    /// Its instance number in `DeploymentUnit.{i}`.
    pub instance: u32,
    /// `UUID`.
    pub uuid: Uuid,
    /// `Name` (and `DUID`): the package name.
    pub name: String,
    /// `Version`.
    pub version: String,
    /// `Vendor` (may be empty).
    pub vendor: String,
    /// `Description` (may be empty).
    pub description: String,
    /// `URL` it was installed from (empty for a package found on the device).
    pub url: String,
}

/// What an operation is doing to a unit right now (`DeploymentUnit.{i}.Status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    /// An Update runs on it: `Updating`.
    Updating,
    /// An Uninstall runs on it: `Uninstalling`.
    Uninstalling,
}

/// The table is full ([`DU_MAX`] units, or instance numbers exhausted): fault 9027.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Full;

/// Why a field value cannot be kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldError {
    /// Required and empty.
    Empty(&'static str),
    /// Longer than the field allows.
    TooLong(&'static str, usize),
    /// A character the field does not allow.
    BadCharacter(&'static str),
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldError::Empty(field) => write!(f, "{field} is empty"),
            FieldError::TooLong(field, max) => write!(f, "{field} is longer than {max} bytes"),
            FieldError::BadCharacter(field) => write!(f, "{field} holds a character not allowed"),
        }
    }
}

/// A package name: 1 to [`NAME_MAX`] bytes of `A-Z a-z 0-9 . _ + -` (what opkg and apk accept
/// in a package name), not starting with `-` (it is passed to the helper as an argument).
pub fn check_name(name: &str) -> Result<(), FieldError> {
    if name.is_empty() {
        return Err(FieldError::Empty("name"));
    }
    if name.len() > NAME_MAX {
        return Err(FieldError::TooLong("name", NAME_MAX));
    }
    let ok = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-'))
        && !name.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::BadCharacter("name"))
    }
}

/// A version: 1 to [`VERSION_MAX`] bytes without control characters or blanks.
pub fn check_version(version: &str) -> Result<(), FieldError> {
    if version.is_empty() {
        return Err(FieldError::Empty("version"));
    }
    check_text("version", version, VERSION_MAX)?;
    if version.contains(' ') {
        return Err(FieldError::BadCharacter("version"));
    }
    Ok(())
}

/// Text of at most `max` bytes without control characters.
pub fn check_text(field: &'static str, s: &str, max: usize) -> Result<(), FieldError> {
    if s.len() > max {
        return Err(FieldError::TooLong(field, max));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::BadCharacter(field));
    }
    Ok(())
}

/// `s` with control characters replaced by spaces and cut to [`DESCRIPTION_MAX`] bytes at a
/// character boundary (a description is informative; it never fails an operation).
pub fn clean_description(s: &str) -> String {
    let mut out = String::with_capacity(s.len().min(DESCRIPTION_MAX));
    for c in s.trim().chars() {
        let c = if c.is_control() { ' ' } else { c };
        if out.len() + c.len_utf8() > DESCRIPTION_MAX {
            break;
        }
        out.push(c);
    }
    out
}

impl DeploymentUnit {
    /// Checks every field against its TR-181 limits.
    pub fn check(&self) -> Result<(), FieldError> {
        check_name(&self.name)?;
        check_version(&self.version)?;
        check_text("vendor", &self.vendor, VENDOR_MAX)?;
        check_text("description", &self.description, DESCRIPTION_MAX)?;
        check_text("url", &self.url, URL_MAX)
    }
}

/// Why the inventory file could not be used.
#[derive(Debug)]
pub enum LoadError {
    /// Reading failed (the contents may be fine): the file is left alone.
    Io(io::Error),
    /// The contents are not an inventory: where and what.
    Format(Position, String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "{e}"),
            LoadError::Format(at, what) => write!(f, "{at}: {what}"),
        }
    }
}

/// Something worth telling the operator about while opening the inventory.
#[derive(Debug)]
pub struct Problem {
    /// The inventory file.
    pub path: PathBuf,
    /// What is wrong with it.
    pub error: LoadError,
    /// Where the unusable file was moved (format errors only, when the rename worked).
    pub moved_to: Option<PathBuf>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}; ", self.path.display(), self.error)?;
        match &self.moved_to {
            Some(to) => write!(f, "moved to {}; ", to.display())?,
            None => f.write_str("left in place; ")?,
        }
        f.write_str("starting with an empty inventory")
    }
}

/// The deployment-unit table and its file.
#[derive(Debug)]
pub struct Inventory {
    path: PathBuf,
    /// Sorted by instance number.
    units: Vec<DeploymentUnit>,
    next_instance: u32,
    synced: bool,
    activity: Option<(u32, Activity)>,
}

impl Inventory {
    /// An empty inventory kept in `path` (nothing is read or written).
    pub fn new(path: impl Into<PathBuf>) -> Inventory {
        Inventory {
            path: path.into(),
            units: Vec::new(),
            next_instance: 1,
            synced: false,
            activity: None,
        }
    }

    /// Reads `path`: a missing file is an empty inventory; one that does not parse is moved to
    /// `<path>.corrupt` and reported, one that cannot be read is left alone and reported; both
    /// give an empty inventory. Never fails.
    pub fn open(path: impl Into<PathBuf>) -> (Inventory, Option<Problem>) {
        let inv = Inventory::new(path);
        let file = match File::open(&inv.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return (inv, None),
            Err(e) => {
                let problem = Problem {
                    path: inv.path.clone(),
                    error: LoadError::Io(e),
                    moved_to: None,
                };
                return (inv, Some(problem));
            }
        };
        match Inventory::read(file, INVENTORY_FILE_MAX, &inv.path) {
            Ok(loaded) => (loaded, None),
            Err(error) => {
                let moved_to = match error {
                    LoadError::Format(..) => {
                        let aside = PathBuf::from(format!("{}.corrupt", inv.path.display()));
                        fs::rename(&inv.path, &aside).ok().map(|()| aside)
                    }
                    LoadError::Io(_) => None,
                };
                let problem = Problem {
                    path: inv.path.clone(),
                    error,
                    moved_to,
                };
                (inv, Some(problem))
            }
        }
    }

    /// The file the inventory is kept in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every unit, by instance number.
    pub fn units(&self) -> &[DeploymentUnit] {
        &self.units
    }

    /// The unit with instance number `instance`.
    pub fn get(&self, instance: u32) -> Option<&DeploymentUnit> {
        self.units.iter().find(|u| u.instance == instance)
    }

    /// The unit with this UUID.
    pub fn by_uuid(&self, uuid: &Uuid) -> Option<&DeploymentUnit> {
        self.units.iter().find(|u| u.uuid == *uuid)
    }

    /// The unit of this package name.
    pub fn by_name(&self, name: &str) -> Option<&DeploymentUnit> {
        self.units.iter().find(|u| u.name == name)
    }

    /// The first unit installed from `url`.
    pub fn by_url(&self, url: &str) -> Option<&DeploymentUnit> {
        self.units
            .iter()
            .find(|u| !u.url.is_empty() && u.url == url)
    }

    /// True when no unit can be added.
    pub fn is_full(&self) -> bool {
        self.units.len() >= DU_MAX || self.next_instance == u32::MAX
    }

    /// The instance number the next [`Inventory::insert`] gives.
    pub fn next_instance(&self) -> u32 {
        self.next_instance
    }

    /// Whether the package list was taken as the baseline once.
    pub fn synced(&self) -> bool {
        self.synced
    }

    /// Records that the baseline was taken.
    pub fn set_synced(&mut self) {
        self.synced = true;
    }

    /// Adds a unit with the next instance number (the one in `unit` is ignored) and returns
    /// that number. The caller has checked the fields and that UUID and name are new.
    pub fn insert(&mut self, mut unit: DeploymentUnit) -> Result<u32, Full> {
        if self.is_full() {
            return Err(Full);
        }
        unit.instance = self.next_instance;
        self.next_instance += 1;
        let n = unit.instance;
        self.units.push(unit);
        Ok(n)
    }

    /// Replaces the unit with the same instance number; false if there is none.
    pub fn replace(&mut self, unit: DeploymentUnit) -> bool {
        match self.units.iter_mut().find(|u| u.instance == unit.instance) {
            Some(slot) => {
                *slot = unit;
                true
            }
            None => false,
        }
    }

    /// Removes the unit `instance` (its number is not given out again).
    pub fn remove(&mut self, instance: u32) -> Option<DeploymentUnit> {
        let i = self.units.iter().position(|u| u.instance == instance)?;
        if self.activity.is_some_and(|(n, _)| n == instance) {
            self.activity = None;
        }
        Some(self.units.remove(i))
    }

    /// Marks what an operation is doing to a unit (`None`: nothing runs).
    pub fn set_activity(&mut self, activity: Option<(u32, Activity)>) {
        self.activity = activity;
    }

    /// `DeploymentUnit.{i}.Status` of the unit `instance`.
    pub fn status(&self, instance: u32) -> &'static str {
        match self.activity {
            Some((n, Activity::Updating)) if n == instance => "Updating",
            Some((n, Activity::Uninstalling)) if n == instance => "Uninstalling",
            _ => "Installed",
        }
    }

    /// Writes the file atomically.
    pub fn save(&self) -> io::Result<()> {
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            fs::create_dir_all(dir)?;
        }
        fsutil::write_atomic_with(&self.path, |w| self.write(w))
    }

    /// The file's contents.
    pub fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        write!(
            out,
            "{{\n\"version\": 1,\n\"synced\": {},\n\"next_instance\": {},\n\"units\": [",
            self.synced, self.next_instance
        )?;
        for (i, u) in self.units.iter().enumerate() {
            out.write_all(if i == 0 { b"\n" } else { b",\n" })?;
            write!(
                out,
                "{{\"instance\": {}, \"uuid\": \"{}\"",
                u.instance, u.uuid
            )?;
            for (key, value) in [
                ("name", &u.name),
                ("version", &u.version),
                ("vendor", &u.vendor),
                ("description", &u.description),
                ("url", &u.url),
            ] {
                write!(out, ", \"{key}\": ")?;
                write_string(out, value)?;
            }
            out.write_all(b"}")?;
        }
        out.write_all(b"\n]\n}\n")
    }
}

/// What a file holds.
struct Loaded {
    units: Vec<DeploymentUnit>,
    next_instance: u32,
    synced: bool,
}

fn json_error(e: json::Error) -> LoadError {
    match e.kind {
        json::ErrorKind::Io(msg) => LoadError::Io(io::Error::other(msg)),
        kind => LoadError::Format(e.at, kind.to_string()),
    }
}

/// A pull parser over the file's tokens that remembers where the last one started.
struct Tokens<R> {
    reader: Reader<R>,
}

/// One token, owned (the reader's borrow ends with each call).
#[derive(Debug, PartialEq)]
enum Tok {
    BeginObject,
    EndObject,
    BeginArray,
    EndArray,
    Key(String),
    String(String),
    Number(String),
    Bool(bool),
    Null,
}

impl<R: io::Read> Tokens<R> {
    fn next(&mut self) -> Result<(Tok, Position), LoadError> {
        let t = match self.reader.next().map_err(json_error)? {
            None => {
                let at = self.reader.token_position();
                return Err(LoadError::Format(at, "unexpected end of the file".into()));
            }
            Some(Token::BeginObject) => Tok::BeginObject,
            Some(Token::EndObject) => Tok::EndObject,
            Some(Token::BeginArray) => Tok::BeginArray,
            Some(Token::EndArray) => Tok::EndArray,
            Some(Token::Key(k)) => Tok::Key(k.to_owned()),
            Some(Token::String(s)) => Tok::String(s.to_owned()),
            Some(Token::Number(n)) => Tok::Number(n.to_owned()),
            Some(Token::Bool(b)) => Tok::Bool(b),
            Some(Token::Null) => Tok::Null,
        };
        Ok((t, self.reader.token_position()))
    }

    fn expect(&mut self, want: Tok, what: &str) -> Result<Position, LoadError> {
        let (t, at) = self.next()?;
        if t == want {
            Ok(at)
        } else {
            Err(LoadError::Format(at, format!("expected {what}")))
        }
    }

    fn string(&mut self, key: &str) -> Result<(String, Position), LoadError> {
        match self.next()? {
            (Tok::String(s), at) => Ok((s, at)),
            (_, at) => Err(LoadError::Format(at, format!("\"{key}\" must be a string"))),
        }
    }

    fn number(&mut self, key: &str) -> Result<(u32, Position), LoadError> {
        match self.next()? {
            (Tok::Number(n), at) => n.parse::<u32>().map(|v| (v, at)).map_err(|_| {
                LoadError::Format(at, format!("\"{key}\" must be an integer 0..4294967295"))
            }),
            (_, at) => Err(LoadError::Format(at, format!("\"{key}\" must be a number"))),
        }
    }

    fn boolean(&mut self, key: &str) -> Result<bool, LoadError> {
        match self.next()? {
            (Tok::Bool(b), _) => Ok(b),
            (_, at) => Err(LoadError::Format(
                at,
                format!("\"{key}\" must be a boolean"),
            )),
        }
    }
}

/// Remembers which members of an object were seen, to refuse repeated ones.
struct Seen<'k> {
    keys: &'k [&'k str],
    seen: u16,
}

impl<'k> Seen<'k> {
    fn new(keys: &'k [&'k str]) -> Seen<'k> {
        Seen { keys, seen: 0 }
    }

    /// The index of `key`; an unknown or repeated member is an error.
    fn take(&mut self, key: &str, at: Position) -> Result<usize, LoadError> {
        let i = self
            .keys
            .iter()
            .position(|k| *k == key)
            .ok_or_else(|| LoadError::Format(at, format!("unknown member \"{key}\"")))?;
        if self.seen & (1 << i) != 0 {
            return Err(LoadError::Format(at, format!("member \"{key}\" repeated")));
        }
        self.seen |= 1 << i;
        Ok(i)
    }

    fn has(&self, key: &str) -> bool {
        self.keys
            .iter()
            .position(|k| *k == key)
            .is_some_and(|i| self.seen & (1 << i) != 0)
    }
}

impl Inventory {
    /// Reads inventory file contents of at most `max_len` bytes; the inventory is kept in
    /// `path` from then on.
    pub fn read(
        src: impl io::Read,
        max_len: u64,
        path: impl Into<PathBuf>,
    ) -> Result<Inventory, LoadError> {
        let loaded = read_file(src, max_len)?;
        Ok(Inventory {
            path: path.into(),
            units: loaded.units,
            next_instance: loaded.next_instance,
            synced: loaded.synced,
            activity: None,
        })
    }
}

fn read_file(src: impl io::Read, max_len: u64) -> Result<Loaded, LoadError> {
    const TOP: [&str; 4] = ["version", "synced", "next_instance", "units"];
    let mut t = Tokens {
        reader: Reader::new(src, max_len),
    };
    t.expect(Tok::BeginObject, "an object")?;
    let mut seen = Seen::new(&TOP);
    let mut loaded = Loaded {
        units: Vec::new(),
        next_instance: 1,
        synced: false,
    };
    let end = loop {
        let (tok, at) = t.next()?;
        let key = match tok {
            Tok::EndObject => break at,
            Tok::Key(k) => k,
            _ => return Err(LoadError::Format(at, "expected a member".into())),
        };
        match seen.take(&key, at)? {
            0 => {
                let (v, at) = t.number("version")?;
                if v != 1 {
                    return Err(LoadError::Format(at, format!("version {v} is not 1")));
                }
            }
            1 => loaded.synced = t.boolean("synced")?,
            2 => {
                let (n, at) = t.number("next_instance")?;
                if n == 0 {
                    return Err(LoadError::Format(
                        at,
                        "next_instance must be at least 1".into(),
                    ));
                }
                loaded.next_instance = n;
            }
            _ => read_units(&mut t, &mut loaded.units)?,
        }
    };
    for required in ["version", "next_instance", "units"] {
        if !seen.has(required) {
            return Err(LoadError::Format(
                end,
                format!("member \"{required}\" missing"),
            ));
        }
    }
    // Only whitespace may follow the document.
    t.reader.next().map_err(json_error)?;
    let highest = loaded.units.iter().map(|u| u.instance).max().unwrap_or(0);
    if loaded.next_instance <= highest {
        return Err(LoadError::Format(
            end,
            format!(
                "next_instance {} is not above instance {highest}",
                loaded.next_instance
            ),
        ));
    }
    loaded.units.sort_by_key(|u| u.instance);
    Ok(loaded)
}

fn read_units<R: io::Read>(
    t: &mut Tokens<R>,
    units: &mut Vec<DeploymentUnit>,
) -> Result<(), LoadError> {
    const UNIT: [&str; 7] = [
        "instance",
        "uuid",
        "name",
        "version",
        "vendor",
        "description",
        "url",
    ];
    t.expect(Tok::BeginArray, "an array of units")?;
    loop {
        let (tok, start) = t.next()?;
        match tok {
            Tok::EndArray => return Ok(()),
            Tok::BeginObject => {}
            _ => return Err(LoadError::Format(start, "expected a unit object".into())),
        }
        if units.len() >= DU_MAX {
            return Err(LoadError::Format(
                start,
                format!("more than {DU_MAX} deployment units"),
            ));
        }
        let mut seen = Seen::new(&UNIT);
        let mut u = DeploymentUnit {
            instance: 0,
            uuid: super::uuid::NIL,
            name: String::new(),
            version: String::new(),
            vendor: String::new(),
            description: String::new(),
            url: String::new(),
        };
        loop {
            let (tok, at) = t.next()?;
            let key = match tok {
                Tok::EndObject => break,
                Tok::Key(k) => k,
                _ => return Err(LoadError::Format(at, "expected a member".into())),
            };
            match seen.take(&key, at)? {
                0 => {
                    let (n, at) = t.number("instance")?;
                    if n == 0 {
                        return Err(LoadError::Format(at, "instance must be at least 1".into()));
                    }
                    u.instance = n;
                }
                1 => {
                    let (s, at) = t.string("uuid")?;
                    u.uuid = Uuid::parse(&s)
                        .ok_or_else(|| LoadError::Format(at, format!("{s:?} is not a UUID")))?;
                }
                i => {
                    let (s, _) = t.string(UNIT[i])?;
                    match i {
                        2 => u.name = s,
                        3 => u.version = s,
                        4 => u.vendor = s,
                        5 => u.description = s,
                        _ => u.url = s,
                    }
                }
            }
        }
        for required in UNIT {
            if !seen.has(required) {
                return Err(LoadError::Format(
                    start,
                    format!("unit member \"{required}\" missing"),
                ));
            }
        }
        u.check()
            .map_err(|e| LoadError::Format(start, format!("unit {}: {e}", u.instance)))?;
        if let Some(other) = units
            .iter()
            .find(|o| o.instance == u.instance || o.uuid == u.uuid || o.name == u.name)
        {
            return Err(LoadError::Format(
                start,
                format!(
                    "unit {} repeats the instance, UUID or name of unit {}",
                    u.instance, other.instance
                ),
            ));
        }
        units.push(u);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(name: &str) -> DeploymentUnit {
        DeploymentUnit {
            instance: 0,
            uuid: Uuid::for_deployment_unit(name, "example.com"),
            name: name.to_owned(),
            version: "1.0-1".to_owned(),
            vendor: "example.com".to_owned(),
            description: "A \"quoted\" description".to_owned(),
            url: format!("http://files.example.com/{name}.ipk"),
        }
    }

    fn dir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("cwmpd-du-inv-{tag}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn instance_numbers_grow_and_are_never_reused() {
        let mut inv = Inventory::new("/nonexistent/du.json");
        assert_eq!(inv.insert(unit("a")), Ok(1));
        assert_eq!(inv.insert(unit("b")), Ok(2));
        assert!(inv.remove(2).is_some());
        assert_eq!(inv.insert(unit("c")), Ok(3), "2 is not given out again");
        assert_eq!(
            inv.units().iter().map(|u| u.instance).collect::<Vec<_>>(),
            [1, 3]
        );
    }

    #[test]
    fn saved_inventory_reads_back_with_its_counter() {
        let d = dir("save");
        let path = d.join("du.json");
        let mut inv = Inventory::new(&path);
        inv.insert(unit("luci-app-x")).unwrap();
        inv.insert(unit("tcpdump")).unwrap();
        inv.remove(2);
        inv.set_synced();
        inv.save().unwrap();
        let (back, problem) = Inventory::open(&path);
        assert!(problem.is_none(), "{problem:?}");
        assert_eq!(back.units(), inv.units());
        assert!(back.synced());
        let mut back = back;
        assert_eq!(back.insert(unit("c")), Ok(3), "the counter survives");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_missing_file_is_an_empty_unsynced_inventory() {
        let (inv, problem) = Inventory::open("/nonexistent/cwmpd/du.json");
        assert!(problem.is_none());
        assert!(inv.units().is_empty());
        assert!(!inv.synced());
    }

    #[test]
    fn a_corrupt_file_is_moved_aside_and_reported() {
        let d = dir("corrupt");
        let path = d.join("du.json");
        fs::write(&path, "{\"version\": 1, \"units\": [{\"instance\": 1,}]}").unwrap();
        let (inv, problem) = Inventory::open(&path);
        let problem = problem.expect("reported");
        assert!(inv.units().is_empty());
        assert!(matches!(problem.error, LoadError::Format(..)), "{problem}");
        assert_eq!(problem.moved_to, Some(d.join("du.json.corrupt")));
        assert!(!path.exists() && d.join("du.json.corrupt").exists());
        let text = problem.to_string();
        assert!(text.contains("du.json:1:"), "{text}");
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn the_file_size_is_bounded() {
        let mut big = String::from("{\"version\": 1, \"next_instance\": 1, \"units\": [");
        big.push_str(&" ".repeat(1000));
        big.push_str("]}");
        let e = Inventory::read(big.as_bytes(), 512, "du.json").unwrap_err();
        assert!(e.to_string().contains("file too large"), "{e}");
    }

    fn format_error(text: &str) -> String {
        match read_file(text.as_bytes(), INVENTORY_FILE_MAX) {
            Err(LoadError::Format(_, what)) => what,
            other => panic!("{text}: {:?}", other.map(|l| l.units)),
        }
    }

    #[test]
    fn inconsistent_files_are_refused() {
        let u = |i: u32, uuid: &str, name: &str| {
            format!(
                "{{\"instance\": {i}, \"uuid\": \"{uuid}\", \"name\": \"{name}\", \"version\": \"1\", \
                 \"vendor\": \"\", \"description\": \"\", \"url\": \"\"}}"
            )
        };
        let a = "6ba7b810-9dad-11d1-80b4-00c04fd430c8";
        let b = "6ba7b811-9dad-11d1-80b4-00c04fd430c8";
        let doc = |next: u32, units: &[String]| {
            format!(
                "{{\"version\": 1, \"next_instance\": {next}, \"units\": [{}]}}",
                units.join(",")
            )
        };
        assert!(format_error(&doc(3, &[u(1, a, "x"), u(2, a, "y")])).contains("repeats"));
        assert!(format_error(&doc(3, &[u(1, a, "x"), u(2, b, "x")])).contains("repeats"));
        assert!(format_error(&doc(3, &[u(1, a, "x"), u(1, b, "y")])).contains("repeats"));
        assert!(format_error(&doc(2, &[u(2, a, "x")])).contains("not above"));
        assert!(format_error(&doc(2, &[u(1, "nope", "x")])).contains("not a UUID"));
        assert!(format_error(&doc(2, &[u(1, a, "bad name")])).contains("name"));
        assert!(format_error(&doc(2, &[u(0, a, "x")])).contains("at least 1"));
        assert!(
            format_error("{\"version\": 2, \"next_instance\": 1, \"units\": []}")
                .contains("version")
        );
        assert!(format_error("{\"version\": 1, \"units\": []}").contains("missing"));
        assert!(
            format_error("{\"version\": 1, \"version\": 1, \"next_instance\": 1, \"units\": []}")
                .contains("repeated")
        );
        assert!(
            format_error("{\"version\": 1, \"next_instance\": 1, \"units\": [], \"extra\": 0}")
                .contains("unknown member")
        );
        let missing = "{\"version\": 1, \"next_instance\": 2, \"units\": [{\"instance\": 1}]}";
        assert!(format_error(missing).contains("missing"));
    }

    #[test]
    fn more_units_than_the_table_holds_are_refused() {
        let units: Vec<String> = (1..=DU_MAX as u32 + 1)
            .map(|i| {
                format!(
                    "{{\"instance\": {i}, \"uuid\": \"{}\", \"name\": \"p{i}\", \"version\": \"1\", \
                     \"vendor\": \"\", \"description\": \"\", \"url\": \"\"}}",
                    Uuid::for_deployment_unit(&format!("p{i}"), "")
                )
            })
            .collect();
        let text = format!(
            "{{\"version\": 1, \"next_instance\": {}, \"units\": [{}]}}",
            DU_MAX + 2,
            units.join(",")
        );
        assert!(format_error(&text).contains(&format!("more than {DU_MAX}")));
    }

    #[test]
    fn a_full_table_refuses_another_unit() {
        let mut inv = Inventory::new("/nonexistent/du.json");
        for i in 0..DU_MAX {
            inv.insert(unit(&format!("p{i}"))).unwrap();
        }
        assert!(inv.is_full());
        assert_eq!(inv.insert(unit("one-more")), Err(Full));
        assert_eq!(inv.units().len(), DU_MAX);
    }

    #[test]
    fn field_rules() {
        assert!(check_name("luci-app-firewall").is_ok());
        assert!(check_name("libstdcpp6+x.y_z").is_ok());
        assert_eq!(check_name(""), Err(FieldError::Empty("name")));
        assert_eq!(check_name("-rf"), Err(FieldError::BadCharacter("name")));
        assert_eq!(check_name("a b"), Err(FieldError::BadCharacter("name")));
        assert_eq!(check_name("a;b"), Err(FieldError::BadCharacter("name")));
        assert!(matches!(
            check_name(&"a".repeat(65)),
            Err(FieldError::TooLong(..))
        ));
        assert!(check_version("2023.01.01~abc-r1").is_ok());
        assert!(check_version("1 2").is_err());
        assert!(check_version(&"1".repeat(33)).is_err());
        assert!(check_text("vendor", "a\u{7}b", 10).is_err());
        let mut u = unit("x");
        u.url = format!("http://h/{}", "a".repeat(URL_MAX));
        assert_eq!(u.check(), Err(FieldError::TooLong("url", URL_MAX)));
        u.url.truncate(URL_MAX);
        assert_eq!(u.check(), Ok(()));
        u.vendor = "v".repeat(VENDOR_MAX + 1);
        assert_eq!(u.check(), Err(FieldError::TooLong("vendor", VENDOR_MAX)));
        assert_eq!(clean_description("  two\nlines\t "), "two lines");
        let long = "é".repeat(200);
        let cut = clean_description(&long);
        assert!(cut.len() <= DESCRIPTION_MAX && cut.len() == 256);
    }

    #[test]
    fn status_shows_the_running_operation() {
        let mut inv = Inventory::new("/nonexistent/du.json");
        let n = inv.insert(unit("a")).unwrap();
        assert_eq!(inv.status(n), "Installed");
        inv.set_activity(Some((n, Activity::Uninstalling)));
        assert_eq!(inv.status(n), "Uninstalling");
        inv.set_activity(None);
        assert_eq!(inv.status(n), "Installed");
    }
}
