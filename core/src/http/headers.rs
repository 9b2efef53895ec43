//! Message heads: finding where one ends, and walking its header fields.
//!
//! Responsible for locating the blank line that ends a head as bytes trickle in (resuming where
//! the last call stopped, enforcing line and head size limits before the end is seen), for
//! walking the field lines of a head again later (so parsed messages keep only the head's
//! length, not a table of field positions), and for comma-separated token lists such as
//! `Connection`. Not responsible for validating the head: that is `httparse`'s job, and the
//! walk is defensive anyway (no panics on any input).

/// A head limit exceeded while scanning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanError {
    /// The start line (request or status line) is longer than allowed.
    StartLineTooLong,
    /// A header line is longer than allowed.
    LineTooLong,
    /// The whole head is longer than allowed.
    HeadTooLarge,
}

/// Size limits for [`HeadScanner`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HeadLimits {
    /// Longest start line, CRLF excluded.
    pub start_line: usize,
    /// Longest header line, CRLF excluded.
    pub line: usize,
    /// Longest head, blank line included.
    pub head: usize,
}

/// Finds the end of a head incrementally.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HeadScanner {
    scanned: usize,
}

impl HeadScanner {
    /// A scanner that has seen nothing.
    pub const fn new() -> Self {
        HeadScanner { scanned: 0 }
    }

    /// Looks for the end of the head starting at `start` in `buf[..filled]`; returns the offset
    /// just past the blank line once it has arrived. Each byte is looked at about once over all
    /// calls, and the limits are enforced on partial input.
    pub fn scan(
        &mut self,
        buf: &[u8],
        start: usize,
        filled: usize,
        limits: &HeadLimits,
    ) -> Result<Option<usize>, ScanError> {
        let filled = filled.min(buf.len());
        if start > filled {
            return Ok(None);
        }
        // Resume at `scanned`, re-measuring the line it is in. start <= from <= filled.
        let from = self.scanned.clamp(start, filled);
        let mut line_start = match buf[start..from].iter().rposition(|&b| b == b'\n') {
            Some(nl) => start + nl + 1,
            None => start,
        };
        let check = |line_start: usize, end: usize| {
            // `end - line_start` counts the line without LF; allow one CR on top of the limit.
            let limit = if line_start == start {
                limits.start_line
            } else {
                limits.line
            };
            if end - line_start > limit + 1 {
                Err(if line_start == start {
                    ScanError::StartLineTooLong
                } else {
                    ScanError::LineTooLong
                })
            } else {
                Ok(())
            }
        };
        // i < filled <= buf.len() for every index below.
        for i in from..filled {
            if buf[i] != b'\n' {
                continue;
            }
            check(line_start, i)?;
            let line = &buf[line_start..i];
            if (line.is_empty() || line == b"\r") && line_start > start {
                if i + 1 - start > limits.head {
                    return Err(ScanError::HeadTooLarge);
                }
                self.scanned = i + 1;
                return Ok(Some(i + 1));
            }
            line_start = i + 1;
        }
        self.scanned = filled;
        check(line_start, filled)?;
        if filled - start > limits.head {
            return Err(ScanError::HeadTooLarge);
        }
        Ok(None)
    }

    /// Restarts scanning at `offset` (after an interim response).
    pub fn restart_at(&mut self, offset: usize) {
        self.scanned = offset;
    }
}

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
            // `colon` is a position within `line`.
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
            Fields::new(head)
                .values("content-length")
                .collect::<Vec<_>>(),
            ["0"]
        );
    }

    const LIMITS: HeadLimits = HeadLimits {
        start_line: 8,
        line: 12,
        head: 40,
    };

    #[test]
    fn scanner_finds_the_end_whatever_the_split() {
        let head = b"GET / H\r\nHost: abc\r\n\r\nbody";
        for split in 0..head.len() {
            let mut s = HeadScanner::new();
            let first = s.scan(head, 0, split, &LIMITS).unwrap();
            let end = first.or_else(|| s.scan(head, 0, head.len(), &LIMITS).unwrap());
            assert_eq!(end, Some(head.len() - 4), "split {split}");
        }
    }

    #[test]
    fn scanner_limits_apply_before_the_line_ends() {
        let mut s = HeadScanner::new();
        assert_eq!(
            s.scan(b"GET /abcdefgh", 0, 13, &LIMITS),
            Err(ScanError::StartLineTooLong)
        );
        let mut s = HeadScanner::new();
        assert_eq!(
            s.scan(b"GET /\r\nX: 0123456789abc", 0, 24, &LIMITS),
            Err(ScanError::LineTooLong)
        );
        let mut s = HeadScanner::new();
        let many = b"GET /\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\nA: 1\r\n";
        assert_eq!(
            s.scan(many, 0, many.len(), &LIMITS),
            Err(ScanError::HeadTooLarge)
        );
    }

    #[test]
    fn token_lists_match_case_insensitively() {
        assert!(list_contains("keep-alive, Close", "close"));
        assert!(!list_contains("closed", "close"));
        assert!(list_contains("gzip,chunked", "chunked"));
    }
}
