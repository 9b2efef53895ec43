//! Escaping for XML output.
//!
//! Character data and attribute values are escaped so that a reader gets back exactly the
//! string that was written: markup characters become references, and carriage returns (and, in
//! attributes, tabs and newlines) become character references so end-of-line and attribute-value
//! normalisation cannot alter them. Characters XML 1.0 cannot carry at all (most C0 controls)
//! are written as U+FFFD; that is the only lossy case.

use super::text::is_xml_char;
use crate::sink::{Full, Sink};

const REPLACEMENT: &str = "\u{FFFD}";

/// Writes `s` as XML character data.
pub fn escape_text<S: Sink + ?Sized>(sink: &mut S, s: &str) -> Result<(), Full> {
    escape(sink, s, false)
}

/// Writes `s` as the inside of a double-quoted attribute value.
pub fn escape_attr<S: Sink + ?Sized>(sink: &mut S, s: &str) -> Result<(), Full> {
    escape(sink, s, true)
}

fn escape<S: Sink + ?Sized>(sink: &mut S, s: &str, attr: bool) -> Result<(), Full> {
    let bytes = s.as_bytes();
    let mut plain_from = 0;
    for (i, c) in s.char_indices() {
        let replacement = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '\r' => "&#13;",
            '"' if attr => "&quot;",
            '\n' if attr => "&#10;",
            '\t' if attr => "&#9;",
            c if !is_xml_char(c) => REPLACEMENT,
            _ => continue,
        };
        sink.write(&bytes[plain_from..i])?;
        sink.write_str(replacement)?;
        plain_from = i + c.len_utf8();
    }
    sink.write(&bytes[plain_from..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::SliceSink;

    fn text(s: &str) -> std::string::String {
        let mut buf = [0u8; 256];
        let mut sink = SliceSink::new(&mut buf);
        escape_text(&mut sink, s).unwrap();
        std::string::String::from_utf8(sink.written().to_vec()).unwrap()
    }

    fn attr(s: &str) -> std::string::String {
        let mut buf = [0u8; 256];
        let mut sink = SliceSink::new(&mut buf);
        escape_attr(&mut sink, s).unwrap();
        std::string::String::from_utf8(sink.written().to_vec()).unwrap()
    }

    #[test]
    fn markup_is_escaped_in_text() {
        assert_eq!(text("a<b>&c\"d'"), "a&lt;b&gt;&amp;c\"d'");
        assert_eq!(text("]]>"), "]]&gt;");
    }

    #[test]
    fn quotes_and_whitespace_are_escaped_in_attributes() {
        assert_eq!(attr("a\"b\tc\nd"), "a&quot;b&#9;c&#10;d");
    }

    #[test]
    fn carriage_return_survives_normalisation() {
        assert_eq!(text("a\r\nb"), "a&#13;\nb");
    }

    #[test]
    fn non_xml_characters_become_replacement() {
        assert_eq!(text("a\u{1}b\u{FFFE}"), "a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn non_ascii_passes_through() {
        assert_eq!(text("é€😀"), "é€😀");
    }
}
