//! blobmsg: the named, typed, JSON-like values carried in ubus `DATA` and `SIGNATURE` attributes.
//!
//! Responsible for validating a list of blobmsg attributes once ([`Table::new_checked`],
//! [`Array::new_checked`]: names, types, value sizes, nesting depth), for reading the values
//! back through views that cannot panic ([`Value`], [`Field`], the table and array iterators),
//! and for writing blobmsg values into a [`Writer`] with nested tables and arrays whose lengths
//! are back-patched on close. Not responsible for what the values mean: that is up to the
//! object's methods (see `crate::control`).
//!
//! Wire format (libubox `blobmsg.h`, PROTOCOL.md §4): an extended `blob_attr` whose id is the
//! [`Type`], whose payload starts with a big-endian `u16` name length, the name, a NUL and zero
//! padding to 4 bytes, followed by the value. Table members carry a name, array elements an
//! empty one.

use core::fmt;

use super::blob::{Attr, Attrs, BlobError, EncodeError, Nest, Walk, Writer, pad4};
use crate::limits::UBUS_MAX_NESTING;

/// A blobmsg value type (`BLOBMSG_TYPE_*`), also used as the argument type in object signatures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Type {
    /// No value (JSON `null`), or any type in a signature.
    Unspec = 0,
    /// Unnamed elements.
    Array = 1,
    /// Named members.
    Table = 2,
    /// NUL-terminated bytes.
    String = 3,
    /// Signed 64-bit integer.
    Int64 = 4,
    /// 32-bit integer (libubus prints it signed).
    Int32 = 5,
    /// Signed 16-bit integer.
    Int16 = 6,
    /// 8-bit integer, also the boolean type.
    Int8 = 7,
    /// IEEE-754 double.
    Double = 8,
}

impl Type {
    /// `BLOBMSG_TYPE_BOOL`, an alias of [`Type::Int8`].
    pub const BOOL: Type = Type::Int8;

    /// The type with this numeric id, if there is one.
    pub const fn from_id(id: u8) -> Option<Type> {
        Some(match id {
            0 => Type::Unspec,
            1 => Type::Array,
            2 => Type::Table,
            3 => Type::String,
            4 => Type::Int64,
            5 => Type::Int32,
            6 => Type::Int16,
            7 => Type::Int8,
            8 => Type::Double,
            _ => return None,
        })
    }

    /// The numeric id on the wire.
    pub const fn id(self) -> u8 {
        self as u8
    }
}

/// Why bytes are not valid blobmsg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The attribute framing itself is broken.
    Blob(BlobError),
    /// An attribute lacks the extended flag every blobmsg attribute carries.
    NotExtended,
    /// The name header does not fit the attribute or the name is not NUL-terminated.
    BadName,
    /// A table member has an empty name.
    MissingName,
    /// The type id is not a blobmsg type.
    UnknownType(u8),
    /// An integer or double value has the wrong number of bytes.
    BadValueLength(Type),
    /// A string value is empty or not NUL-terminated.
    UnterminatedString,
    /// Tables and arrays nest deeper than [`UBUS_MAX_NESTING`].
    TooDeep,
}

impl From<BlobError> for Error {
    fn from(e: BlobError) -> Self {
        Error::Blob(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Blob(e) => write!(f, "blobmsg: {e}"),
            Error::NotExtended => f.write_str("blobmsg attribute without the extended flag"),
            Error::BadName => f.write_str("blobmsg name header broken"),
            Error::MissingName => f.write_str("blobmsg table member without a name"),
            Error::UnknownType(t) => write!(f, "unknown blobmsg type {t}"),
            Error::BadValueLength(t) => write!(f, "blobmsg {t:?} value of the wrong size"),
            Error::UnterminatedString => f.write_str("blobmsg string not NUL-terminated"),
            Error::TooDeep => f.write_str("blobmsg nested too deeply"),
        }
    }
}

/// A decoded value. Strings are bytes (blobmsg is binary-safe); see [`Value::as_str`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    /// `null`; the payload, normally empty, is kept as is.
    Unspec(&'a [u8]),
    /// A list of unnamed values.
    Array(Array<'a>),
    /// A list of named values.
    Table(Table<'a>),
    /// A string without its terminating NUL.
    String(&'a [u8]),
    /// A 64-bit integer.
    Int64(i64),
    /// A 32-bit integer.
    Int32(i32),
    /// A 16-bit integer.
    Int16(i16),
    /// An 8-bit integer or boolean.
    Int8(u8),
    /// A double.
    Double(f64),
}

impl<'a> Value<'a> {
    /// The value's type.
    pub fn kind(&self) -> Type {
        match self {
            Value::Unspec(_) => Type::Unspec,
            Value::Array(_) => Type::Array,
            Value::Table(_) => Type::Table,
            Value::String(_) => Type::String,
            Value::Int64(_) => Type::Int64,
            Value::Int32(_) => Type::Int32,
            Value::Int16(_) => Type::Int16,
            Value::Int8(_) => Type::Int8,
            Value::Double(_) => Type::Double,
        }
    }

    /// The string, if this is a UTF-8 string.
    pub fn as_str(&self) -> Option<&'a str> {
        match self {
            Value::String(s) => core::str::from_utf8(s).ok(),
            _ => None,
        }
    }

    /// The boolean (any non-zero `Int8` is true, as `blobmsg_get_bool` reads it).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Int8(v) => Some(*v != 0),
            _ => None,
        }
    }

    /// The table, if this is one.
    pub fn as_table(&self) -> Option<Table<'a>> {
        match self {
            Value::Table(t) => Some(*t),
            _ => None,
        }
    }

    /// The array, if this is one.
    pub fn as_array(&self) -> Option<Array<'a>> {
        match self {
            Value::Array(a) => Some(*a),
            _ => None,
        }
    }

    /// Any integer type widened to `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int64(v) => Some(*v),
            Value::Int32(v) => Some(i64::from(*v)),
            Value::Int16(v) => Some(i64::from(*v)),
            Value::Int8(v) => Some(i64::from(*v)),
            _ => None,
        }
    }
}

/// One blobmsg attribute: its name (empty for array elements) and value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Field<'a> {
    /// The name bytes, without the NUL.
    pub name: &'a [u8],
    /// The value.
    pub value: Value<'a>,
}

impl<'a> Field<'a> {
    /// Decodes one blobmsg attribute; nested tables and arrays are not looked into.
    pub fn parse(attr: Attr<'a>) -> Result<Field<'a>, Error> {
        if !attr.is_extended() {
            return Err(Error::NotExtended);
        }
        let payload = attr.payload();
        let name_len = match payload {
            [hi, lo, ..] => usize::from(u16::from_be_bytes([*hi, *lo])),
            _ => return Err(Error::BadName),
        };
        let header_len = pad4(2 + name_len + 1);
        if payload.len() < header_len || payload.get(2 + name_len) != Some(&0) {
            return Err(Error::BadName);
        }
        let name = payload.get(2..2 + name_len).ok_or(Error::BadName)?;
        let data = payload.get(header_len..).ok_or(Error::BadName)?;
        let kind = Type::from_id(attr.id()).ok_or(Error::UnknownType(attr.id()))?;
        let exact = |n: usize| -> Result<&'a [u8], Error> {
            if data.len() == n {
                Ok(data)
            } else {
                Err(Error::BadValueLength(kind))
            }
        };
        // `exact(n)` returned exactly n bytes, so the fixed indexes below are in bounds.
        let value = match kind {
            Type::Unspec => Value::Unspec(data),
            Type::Array => Value::Array(Array { elements: data }),
            Type::Table => Value::Table(Table { members: data }),
            Type::String => match data.split_last() {
                Some((0, s)) => Value::String(s),
                _ => return Err(Error::UnterminatedString),
            },
            Type::Int64 => Value::Int64(i64::from_be_bytes(array8(exact(8)?))),
            Type::Double => Value::Double(f64::from_bits(u64::from_be_bytes(array8(exact(8)?)))),
            Type::Int32 => {
                let b = exact(4)?;
                Value::Int32(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            }
            Type::Int16 => {
                let b = exact(2)?;
                Value::Int16(i16::from_be_bytes([b[0], b[1]]))
            }
            Type::Int8 => Value::Int8(exact(1)?[0]),
        };
        Ok(Field { name, value })
    }

    /// The name as UTF-8, if it is.
    pub fn name_str(&self) -> Option<&'a str> {
        core::str::from_utf8(self.name).ok()
    }
}

fn array8(b: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    // Callers pass exactly 8 bytes; a shorter slice leaves zeros rather than panicking.
    for (dst, src) in out.iter_mut().zip(b) {
        *dst = *src;
    }
    out
}

/// Validates the attribute list `payload` (named members when `named`) down to `depth` levels.
fn check_list(payload: &[u8], named: bool, depth: usize) -> Result<(), Error> {
    if depth == 0 {
        return Err(Error::TooDeep);
    }
    for attr in Attrs::new(payload, Walk::Strict) {
        let field = Field::parse(attr?)?;
        if named && field.name.is_empty() {
            return Err(Error::MissingName);
        }
        match field.value {
            Value::Table(t) => check_list(t.members, true, depth - 1)?,
            Value::Array(a) => check_list(a.elements, false, depth - 1)?,
            _ => {}
        }
    }
    Ok(())
}

/// A list of named blobmsg values (a `DATA` payload, or a nested table's members).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Table<'a> {
    members: &'a [u8],
}

impl<'a> Table<'a> {
    /// Validates `members` (every member named and well-formed, nesting bounded by
    /// [`UBUS_MAX_NESTING`], this table counting as one level) and returns a view over it.
    pub fn new_checked(members: &'a [u8]) -> Result<Table<'a>, Error> {
        check_list(members, true, UBUS_MAX_NESTING)?;
        Ok(Table { members })
    }

    /// A view without validation: iteration stops at the first malformed member.
    pub fn new_unchecked(members: &'a [u8]) -> Table<'a> {
        Table { members }
    }

    /// The empty table.
    pub const EMPTY: Table<'static> = Table { members: &[] };

    /// The members in wire order.
    pub fn iter(&self) -> Fields<'a> {
        Fields {
            attrs: Attrs::new(self.members, Walk::Strict),
        }
    }

    /// The first member called `name` (`blobmsg_parse` also keeps the first).
    pub fn get(&self, name: &str) -> Option<Value<'a>> {
        self.iter()
            .find(|f| f.name == name.as_bytes())
            .map(|f| f.value)
    }

    /// True when the table has no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The encoded members, exactly as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.members
    }
}

impl<'a> IntoIterator for Table<'a> {
    type Item = Field<'a>;
    type IntoIter = Fields<'a>;
    fn into_iter(self) -> Fields<'a> {
        self.iter()
    }
}

/// A list of unnamed blobmsg values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Array<'a> {
    elements: &'a [u8],
}

impl<'a> Array<'a> {
    /// Validates `elements` like [`Table::new_checked`], names not required.
    pub fn new_checked(elements: &'a [u8]) -> Result<Array<'a>, Error> {
        check_list(elements, false, UBUS_MAX_NESTING)?;
        Ok(Array { elements })
    }

    /// The elements in wire order (their names, normally empty, are dropped).
    pub fn iter(&self) -> Values<'a> {
        Values {
            fields: Fields {
                attrs: Attrs::new(self.elements, Walk::Strict),
            },
        }
    }

    /// True when the array has no elements.
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty()
    }

    /// The encoded elements, exactly as received.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.elements
    }
}

impl<'a> IntoIterator for Array<'a> {
    type Item = Value<'a>;
    type IntoIter = Values<'a>;
    fn into_iter(self) -> Values<'a> {
        self.iter()
    }
}

/// Iterator over the fields of a table (stops at the first malformed one).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    attrs: Attrs<'a>,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;
    fn next(&mut self) -> Option<Field<'a>> {
        let attr = self.attrs.next()?.ok()?;
        Field::parse(attr).ok()
    }
}

/// Iterator over the values of an array (stops at the first malformed one).
#[derive(Debug, Clone)]
pub struct Values<'a> {
    fields: Fields<'a>,
}

impl<'a> Iterator for Values<'a> {
    type Item = Value<'a>;
    fn next(&mut self) -> Option<Value<'a>> {
        self.fields.next().map(|f| f.value)
    }
}

const ZEROS: [u8; 4] = [0; 4];

/// The name header of a blobmsg attribute: length, name, then NUL and padding.
type NameHeader<'n> = ([u8; 2], &'n [u8], &'static [u8]);

fn name_header(name: &[u8]) -> Result<NameHeader<'_>, EncodeError> {
    let len = u16::try_from(name.len()).map_err(|_| EncodeError::NameTooLong)?;
    let used = 2 + name.len() + 1;
    // The NUL plus 0..=3 padding bytes: at most 4, the size of ZEROS.
    let nul_and_pad = &ZEROS[..=(pad4(used) - used)];
    Ok((len.to_be_bytes(), name, nul_and_pad))
}

/// blobmsg encoding on top of the blob [`Writer`]. Array elements are written with an empty name.
impl Writer<'_> {
    /// Writes one blobmsg attribute of type `kind` whose value bytes are `value`.
    pub fn put_field(&mut self, kind: Type, name: &str, value: &[u8]) -> Result<(), EncodeError> {
        self.put_raw_field(kind.id(), name.as_bytes(), value)
    }

    /// Writes one blobmsg attribute from raw parts: any type id, a name in bytes, the value
    /// bytes (`blobmsg_add_field`; used to copy attributes through unchanged).
    pub fn put_raw_field(&mut self, id: u8, name: &[u8], value: &[u8]) -> Result<(), EncodeError> {
        let (len, name, pad) = name_header(name)?;
        self.put_parts(id, true, &[&len, name, pad, value])
    }

    /// Writes a string (a NUL is appended).
    pub fn put_str(&mut self, name: &str, value: &str) -> Result<(), EncodeError> {
        self.put_bytes_str(name, value.as_bytes())
    }

    /// Writes a string from raw bytes (a NUL is appended).
    pub fn put_bytes_str(&mut self, name: &str, value: &[u8]) -> Result<(), EncodeError> {
        let (len, name, pad) = name_header(name.as_bytes())?;
        self.put_parts(Type::String.id(), true, &[&len, name, pad, value, &[0]])
    }

    /// Writes a boolean (`Int8` 0 or 1).
    pub fn put_bool(&mut self, name: &str, value: bool) -> Result<(), EncodeError> {
        self.put_field(Type::Int8, name, &[u8::from(value)])
    }

    /// Writes an 8-bit integer.
    pub fn put_i8(&mut self, name: &str, value: u8) -> Result<(), EncodeError> {
        self.put_field(Type::Int8, name, &[value])
    }

    /// Writes a 16-bit integer.
    pub fn put_i16(&mut self, name: &str, value: i16) -> Result<(), EncodeError> {
        self.put_field(Type::Int16, name, &value.to_be_bytes())
    }

    /// Writes a 32-bit integer.
    pub fn put_i32(&mut self, name: &str, value: i32) -> Result<(), EncodeError> {
        self.put_field(Type::Int32, name, &value.to_be_bytes())
    }

    /// Writes a 64-bit integer.
    pub fn put_i64(&mut self, name: &str, value: i64) -> Result<(), EncodeError> {
        self.put_field(Type::Int64, name, &value.to_be_bytes())
    }

    /// Writes a double.
    pub fn put_f64(&mut self, name: &str, value: f64) -> Result<(), EncodeError> {
        self.put_field(Type::Double, name, &value.to_bits().to_be_bytes())
    }

    /// Writes `null` (an empty `Unspec`).
    pub fn put_null(&mut self, name: &str) -> Result<(), EncodeError> {
        self.put_field(Type::Unspec, name, &[])
    }

    /// Opens a table; close it with [`Writer::close`].
    pub fn open_table(&mut self, name: &str) -> Result<Nest, EncodeError> {
        let (len, name, pad) = name_header(name.as_bytes())?;
        self.begin_extended(Type::Table.id(), &[&len, name, pad])
    }

    /// Opens an array; close it with [`Writer::close`].
    pub fn open_array(&mut self, name: &str) -> Result<Nest, EncodeError> {
        let (len, name, pad) = name_header(name.as_bytes())?;
        self.begin_extended(Type::Array.id(), &[&len, name, pad])
    }

    /// Closes a table or array.
    pub fn close(&mut self, nest: Nest) {
        self.end(nest);
    }

    /// Writes a table whose members `body` writes.
    pub fn table<F>(&mut self, name: &str, body: F) -> Result<(), EncodeError>
    where
        F: FnOnce(&mut Self) -> Result<(), EncodeError>,
    {
        let nest = self.open_table(name)?;
        body(self)?;
        self.close(nest);
        Ok(())
    }

    /// Writes an array whose elements `body` writes (with empty names).
    pub fn array<F>(&mut self, name: &str, body: F) -> Result<(), EncodeError>
    where
        F: FnOnce(&mut Self) -> Result<(), EncodeError>,
    {
        let nest = self.open_array(name)?;
        body(self)?;
        self.close(nest);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    fn encode(body: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>) -> Vec<u8> {
        let mut buf = [0u8; 512];
        let mut w = Writer::new(&mut buf);
        body(&mut w).unwrap();
        w.written().to_vec()
    }

    fn hex(s: &str) -> Vec<u8> {
        let s: std::string::String = s.split_whitespace().collect();
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn string_member_matches_protocol_example() {
        // PROTOCOL.md §4: "command":"reload".
        let bytes = encode(|w| w.put_str("command", "reload"));
        assert_eq!(
            bytes,
            hex("83000017 0007 636f6d6d616e64 00 0000 72656c6f616400 00")
        );
    }

    #[test]
    fn empty_table_matches_signature_example() {
        // PROTOCOL.md §8: a method without arguments.
        let bytes = encode(|w| w.table("status", |_| Ok(())));
        assert_eq!(bytes, hex("82000010 0006 737461747573 00 000000"));
    }

    #[test]
    fn array_elements_have_empty_name_header() {
        let bytes = encode(|w| w.array("list", |w| w.put_str("", "a")));
        let table = Table::new_checked(&bytes).unwrap();
        let list = table.get("list").unwrap().as_array().unwrap();
        assert_eq!(&list.as_bytes()[..8], &hex("8300000a 0000 00 00")[..]);
        let items: Vec<_> = list.iter().collect();
        assert_eq!(items, [Value::String(b"a")]);
    }

    #[test]
    fn every_type_round_trips() {
        let bytes = encode(|w| {
            w.put_null("n")?;
            w.put_bool("b", true)?;
            w.put_i16("s", -2)?;
            w.put_i32("i", -1)?;
            w.put_i64("l", 5_000_000_000)?;
            w.put_f64("d", 0.25)?;
            w.put_str("t", "x")?;
            w.table("tab", |w| w.put_i32("k", 1))?;
            w.array("arr", |w| w.put_bool("", false))
        });
        let table = Table::new_checked(&bytes).unwrap();
        assert_eq!(table.get("n"), Some(Value::Unspec(&[])));
        assert_eq!(table.get("b").and_then(|v| v.as_bool()), Some(true));
        assert_eq!(table.get("s"), Some(Value::Int16(-2)));
        assert_eq!(table.get("i"), Some(Value::Int32(-1)));
        assert_eq!(table.get("l"), Some(Value::Int64(5_000_000_000)));
        assert_eq!(table.get("d"), Some(Value::Double(0.25)));
        assert_eq!(table.get("t").and_then(|v| v.as_str()), Some("x"));
        let inner = table.get("tab").and_then(|v| v.as_table()).unwrap();
        assert_eq!(inner.get("k"), Some(Value::Int32(1)));
        let arr = table.get("arr").and_then(|v| v.as_array()).unwrap();
        assert_eq!(arr.iter().collect::<Vec<_>>(), [Value::Int8(0)]);
        assert_eq!(table.iter().count(), 9);
    }

    #[test]
    fn table_member_without_name_is_rejected() {
        let bytes = encode(|w| w.put_str("", "x"));
        assert_eq!(Table::new_checked(&bytes), Err(Error::MissingName));
        assert!(Array::new_checked(&bytes).is_ok());
    }

    #[test]
    fn plain_attribute_in_table_is_rejected() {
        let bytes = encode(|w| w.put_int32(3, 1));
        assert_eq!(Table::new_checked(&bytes), Err(Error::NotExtended));
    }

    #[test]
    fn unknown_type_is_rejected() {
        let mut bytes = encode(|w| w.put_i32("a", 1));
        bytes[0] = 0x89;
        assert_eq!(Table::new_checked(&bytes), Err(Error::UnknownType(9)));
    }

    #[test]
    fn wrong_integer_size_is_rejected() {
        // An INT32 "a" carrying 2 bytes: len = 4 + 4 + 2.
        let bytes = hex("8500000a 0001 61 00 0102 0000");
        assert_eq!(
            Table::new_checked(&bytes),
            Err(Error::BadValueLength(Type::Int32))
        );
    }

    #[test]
    fn unterminated_string_is_rejected() {
        let bytes = hex("83000009 0001 61 00 78 000000");
        assert_eq!(Table::new_checked(&bytes), Err(Error::UnterminatedString));
    }

    #[test]
    fn name_without_nul_is_rejected() {
        let bytes = hex("83000009 0001 61 01 00 000000");
        assert_eq!(Table::new_checked(&bytes), Err(Error::BadName));
    }

    #[test]
    fn name_longer_than_attribute_is_rejected() {
        let bytes = hex("83000008 0009 6100");
        assert_eq!(Table::new_checked(&bytes), Err(Error::BadName));
    }

    #[test]
    fn nesting_beyond_limit_is_rejected() {
        fn nest(w: &mut Writer<'_>, levels: usize) -> Result<(), EncodeError> {
            if levels == 0 {
                return Ok(());
            }
            w.table("t", |w| nest(w, levels - 1))
        }
        // The outer list counts as one level, so LIMIT - 1 nested tables fit.
        let ok = encode(|w| nest(w, UBUS_MAX_NESTING - 1));
        assert!(Table::new_checked(&ok).is_ok());
        let deep = encode(|w| nest(w, UBUS_MAX_NESTING));
        assert_eq!(Table::new_checked(&deep), Err(Error::TooDeep));
    }

    #[test]
    fn first_member_of_a_name_wins() {
        let bytes = encode(|w| {
            w.put_i32("a", 1)?;
            w.put_i32("a", 2)
        });
        let table = Table::new_checked(&bytes).unwrap();
        assert_eq!(table.get("a"), Some(Value::Int32(1)));
    }

    #[test]
    fn name_too_long_is_refused() {
        let long = "x".repeat(70_000);
        let mut buf = std::vec![0u8; 80_000];
        let mut w = Writer::new(&mut buf);
        assert_eq!(w.put_i32(&long, 1), Err(EncodeError::NameTooLong));
        assert!(w.is_empty());
    }

    #[test]
    fn unchecked_view_stops_at_garbage() {
        let mut bytes = encode(|w| w.put_i32("a", 1));
        bytes.extend_from_slice(&[0xff, 0xff]);
        let table = Table::new_unchecked(&bytes);
        assert_eq!(table.iter().count(), 1);
        assert!(Table::new_checked(&bytes).is_err());
    }
}
