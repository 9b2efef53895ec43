//! The JSON the client prints: a small value tree, built from a blobmsg table (ubus replies) or
//! parsed from the control socket's compact JSON, and one printer for both.
//!
//! Responsible for converting blobmsg values the way the `ubus` CLI shows them (int8 as a
//! boolean, int32 signed, unspec as `null`), and for printing with two-space indentation, keys
//! in their original order and strings escaped canonically, so that the same reply prints the
//! same text whichever socket it came over. Not responsible for the sockets (the parent module)
//! nor for parsing JSON text (`super::json`).

use cwmp_core::ubus::blobmsg::{Table, Value};

/// A JSON value; objects keep their member order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A number, as JSON text (validated when parsed, formatted when converted).
    Number(String),
    /// A string, unescaped.
    String(String),
    /// An array.
    Array(Vec<JsonValue>),
    /// An object, members in order.
    Object(Vec<(String, JsonValue)>),
}

impl JsonValue {
    /// A blobmsg table as a JSON object.
    pub(crate) fn from_table(table: Table<'_>) -> JsonValue {
        JsonValue::Object(
            table
                .iter()
                .map(|f| {
                    (
                        String::from_utf8_lossy(f.name).into_owned(),
                        JsonValue::from_blobmsg(f.value),
                    )
                })
                .collect(),
        )
    }

    /// A blobmsg value as the `ubus` CLI shows it.
    pub(crate) fn from_blobmsg(value: Value<'_>) -> JsonValue {
        match value {
            Value::Unspec(_) => JsonValue::Null,
            Value::Array(a) => JsonValue::Array(a.iter().map(JsonValue::from_blobmsg).collect()),
            Value::Table(t) => JsonValue::from_table(t),
            Value::String(s) => JsonValue::String(String::from_utf8_lossy(s).into_owned()),
            Value::Int64(v) => JsonValue::Number(v.to_string()),
            Value::Int32(v) => JsonValue::Number(v.to_string()),
            Value::Int16(v) => JsonValue::Number(v.to_string()),
            Value::Int8(v) => JsonValue::Bool(v != 0),
            Value::Double(v) => double(v),
        }
    }

    /// The member called `name`, if this is an object that has one (the first, if repeated).
    pub(crate) fn get(&self, name: &str) -> Option<&JsonValue> {
        match self {
            JsonValue::Object(members) => members.iter().find(|(k, _)| k == name).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value printed with two-space indentation, without a trailing newline.
    pub(crate) fn pretty(&self) -> String {
        let mut out = String::new();
        write_value(&mut out, self, 0);
        out
    }
}

/// A double as JSON: shortest round-trip text, always with a fraction or exponent so it reads
/// back as a double; `null` for NaN and infinities, which JSON cannot express.
fn double(v: f64) -> JsonValue {
    if !v.is_finite() {
        return JsonValue::Null;
    }
    let mut text = v.to_string();
    if !text.contains(['.', 'e', 'E']) {
        text.push_str(".0");
    }
    JsonValue::Number(text)
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_value(out: &mut String, value: &JsonValue, depth: usize) {
    match value {
        JsonValue::Null => out.push_str("null"),
        JsonValue::Bool(true) => out.push_str("true"),
        JsonValue::Bool(false) => out.push_str("false"),
        JsonValue::Number(n) => out.push_str(n),
        JsonValue::String(s) => write_string(out, s),
        JsonValue::Array(items) if items.is_empty() => out.push_str("[]"),
        JsonValue::Object(members) if members.is_empty() => out.push_str("{}"),
        JsonValue::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('\n');
                indent(out, depth + 1);
                write_value(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push(']');
        }
        JsonValue::Object(members) => {
            out.push('{');
            for (i, (key, item)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push('\n');
                indent(out, depth + 1);
                write_string(out, key);
                out.push_str(": ");
                write_value(out, item, depth + 1);
            }
            out.push('\n');
            indent(out, depth);
            out.push('}');
        }
    }
}

/// A JSON string literal: `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`,
/// everything else (non-ASCII included) as is.
pub(crate) fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use cwmp_core::ubus::blob::Writer;

    fn table(
        build: impl FnOnce(&mut Writer<'_>) -> Result<(), cwmp_core::ubus::EncodeError>,
    ) -> Vec<u8> {
        let mut buf = [0u8; 1024];
        let mut w = Writer::new(&mut buf);
        build(&mut w).unwrap();
        w.written().to_vec()
    }

    fn pretty_of(bytes: &[u8]) -> String {
        JsonValue::from_table(Table::new_checked(bytes).unwrap()).pretty()
    }

    #[test]
    fn nested_tables_are_indented_by_two_spaces_in_order() {
        let bytes = table(|w| {
            w.table("b", |w| {
                w.put_str("z", "last?")?;
                w.put_i32("a", -1)
            })?;
            w.put_str("a", "x")
        });
        assert_eq!(
            pretty_of(&bytes),
            "{\n  \"b\": {\n    \"z\": \"last?\",\n    \"a\": -1\n  },\n  \"a\": \"x\"\n}"
        );
    }

    #[test]
    fn every_blobmsg_type_has_its_json_form() {
        let bytes = table(|w| {
            w.put_i64("i64", -9_007_199_254_740_993)?;
            w.put_i32("i32", i32::MIN)?;
            w.put_i16("i16", -2)?;
            w.put_bool("t", true)?;
            w.put_i8("f", 0)?;
            w.put_f64("d", 1.5)?;
            w.put_f64("whole", 2.0)?;
            w.put_f64("nan", f64::NAN)?;
            w.put_null("n")?;
            w.array("arr", |w| {
                w.put_i32("", 1)?;
                w.put_str("", "two")
            })?;
            w.array("empty_arr", |_| Ok(()))?;
            w.table("empty_obj", |_| Ok(()))
        });
        assert_eq!(
            pretty_of(&bytes),
            concat!(
                "{\n",
                "  \"i64\": -9007199254740993,\n",
                "  \"i32\": -2147483648,\n",
                "  \"i16\": -2,\n",
                "  \"t\": true,\n",
                "  \"f\": false,\n",
                "  \"d\": 1.5,\n",
                "  \"whole\": 2.0,\n",
                "  \"nan\": null,\n",
                "  \"n\": null,\n",
                "  \"arr\": [\n    1,\n    \"two\"\n  ],\n",
                "  \"empty_arr\": [],\n",
                "  \"empty_obj\": {}\n",
                "}"
            )
        );
    }

    #[test]
    fn strings_are_escaped() {
        let bytes = table(|w| w.put_str("k\"", "a\"b\\c\nd\u{1}é/"));
        assert_eq!(
            pretty_of(&bytes),
            "{\n  \"k\\\"\": \"a\\\"b\\\\c\\nd\\u0001é/\"\n}"
        );
    }

    #[test]
    fn invalid_utf8_is_replaced() {
        let bytes = table(|w| w.put_bytes_str("s", b"a\xffb"));
        assert_eq!(pretty_of(&bytes), "{\n  \"s\": \"a\u{fffd}b\"\n}");
    }

    #[test]
    fn printed_blobmsg_reads_back_as_the_same_value() {
        let bytes = table(|w| {
            w.put_i64("i64", i64::MIN)?;
            w.put_f64("d", -0.1)?;
            w.put_str("s", "tab\there \u{7f} \u{1f} \"q\" é 😀")?;
            w.table("t", |w| {
                w.array("a", |w| {
                    w.put_bool("", false)?;
                    w.put_null("")
                })
            })
        });
        let value = JsonValue::from_table(Table::new_checked(&bytes).unwrap());
        let printed = value.pretty();
        assert_eq!(super::super::json::parse(printed.as_bytes()), Ok(value));
    }

    #[test]
    fn empty_table_is_an_empty_object() {
        assert_eq!(pretty_of(&[]), "{}");
    }
}
