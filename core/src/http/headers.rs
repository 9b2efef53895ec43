//! Header fields of a message head that `httparse` has already validated.
//!
//! Responsible for walking the field lines of a head again later (so parsed messages keep only
//! the head's length, not a table of field positions), and for the comma-separated token lists
//! of `Connection` and `Transfer-Encoding`. Not responsible for validating the head: callers
//! hand in bytes `httparse` accepted, and the walk is defensive anyway (no panics on any input).

/// One header field: name and value with surrounding whitespace removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field name as sent (compare case-insensitively).
    pub name: &'a str,
    /// The field value without leading/trailing whitespace.
    pub value: &'a str,
}

/// Iterator over the fields of a head (start line skipped, stops at the blank line).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Fields<'a> {
    /// Walks the fields of `head`, which starts with the request or status line.
    pub fn new(head: &'a [u8]) -> Self {
        let rest = match head.iter().position(|&b| b == b'\n') {
            Some(i) => head.get(i + 1..).unwrap_or(&[]),
            None => &[],
        };
        Fields { rest }
    }

    /// The values of every field named `name` (case-insensitive), in order.
    pub fn values(self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.filter(move |f| f.name.eq_ignore_ascii_case(name))
            .map(|f| f.value)
    }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        loop {
            let end = self.rest.iter().position(|&b| b == b'\n')?;
            let line = self.rest.get(..end).unwrap_or(&[]);
            self.rest = self.rest.get(end + 1..).unwrap_or(&[]);
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.is_empty() {
                self.rest = &[];
                return None;
            }
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let (Ok(name), Ok(value)) = (
                core::str::from_utf8(&line[..colon]),
                core::str::from_utf8(&line[colon + 1..]),
            ) else {
                // Values with obs-text (non-UTF-8) are of no use to a CPE; skip the field.
                continue;
            };
            return Some(Field {
                name: name.trim(),
                value: value.trim_matches([' ', '\t']),
            });
        }
    }
}

/// True when the comma-separated token list `value` contains `token` (case-insensitive).
pub fn list_contains(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|t| t.trim().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    #[test]
    fn walks_fields_of_a_genieacs_204() {
        let head = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nServer: GenieACS/1.2.16+261125de95\r\nConnection: close\r\n\r\ntrailing";
        let fields: Vec<_> = Fields::new(head).collect();
        assert_eq!(fields.len(), 3);
        assert_eq!(fields[2].name, "Connection");
        assert_eq!(fields[2].value, "close");
        assert_eq!(
            Fields::new(head).values("content-length").collect::<Vec<_>>(),
            ["0"]
        );
    }

    #[test]
    fn token_lists_match_case_insensitively() {
        assert!(list_contains("keep-alive, Close", "close"));
        assert!(!list_contains("closed", "close"));
        assert!(list_contains("gzip,chunked", "chunked"));
    }
}
