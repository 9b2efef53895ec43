//! Arbitrary bytes through the UCI reader and the typed configuration: every statement and
//! value decoded, every error and warning displayed. Must never panic and never run away.
#![no_main]

use std::fmt::Write;

use cwmp_core::config::uci::{ItemKind, Parser, Value};
use cwmp_core::config::{self, Warning};
use libfuzzer_sys::fuzz_target;

fn touch(v: Value<'_>, out: &mut String) -> usize {
    let mut buf = [0u8; 256];
    let decoded = v.decode_into(&mut buf).map(str::len).unwrap_or(0);
    let _ = write!(out, "{v}{}", v.quoted());
    v.chars().count() + v.decoded_len() + decoded + usize::from(v.borrowed().is_some())
}

fuzz_target!(|data: &[u8]| {
    let mut out = String::new();
    for item in Parser::new(data) {
        match item {
            Ok(item) => match item.kind {
                ItemKind::Package { name } => {
                    touch(name, &mut out);
                }
                ItemKind::Section { section_type, name } => {
                    touch(section_type, &mut out);
                    if let Some(n) = name {
                        touch(n, &mut out);
                    }
                }
                ItemKind::Option { name, value } | ItemKind::List { name, value } => {
                    touch(name, &mut out);
                    touch(value, &mut out);
                }
            },
            Err(e) => {
                let _ = write!(out, "{e}");
            }
        }
    }
    match config::parse("/etc/config/cwmp", data) {
        Ok(parsed) => {
            let _ = write!(out, "{:?}", parsed.config);
            for w in &parsed.warnings {
                let w: &Warning<'_> = w;
                let _ = write!(out, "{w}");
            }
        }
        Err(e) => {
            let _ = write!(out, "{e}");
        }
    }
});
