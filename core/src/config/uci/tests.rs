//! The UCI reader against the syntax libuci accepts, and every refusal with its line.

use std::string::{String, ToString};
use std::vec::Vec;
use std::{format, vec};

use super::*;

/// A statement flattened for comparison: keyword, decoded arguments, line.
#[derive(Debug, PartialEq, Eq)]
struct S(u32, &'static str, Vec<String>);

fn s(line: u32, kw: &'static str, args: &[&str]) -> S {
    S(line, kw, args.iter().map(|a| a.to_string()).collect())
}

fn flat(item: Item<'_>) -> S {
    let d = |v: Value<'_>| v.to_string();
    match item.kind {
        ItemKind::Package { name } => S(item.line, "package", vec![d(name)]),
        ItemKind::Section { section_type, name } => {
            let mut args = vec![d(section_type)];
            args.extend(name.map(d));
            S(item.line, "config", args)
        }
        ItemKind::Option { name, value } => S(item.line, "option", vec![d(name), d(value)]),
        ItemKind::List { name, value } => S(item.line, "list", vec![d(name), d(value)]),
    }
}

fn items(input: &str) -> Vec<S> {
    Parser::new(input.as_bytes())
        .map(|r| flat(r.unwrap_or_else(|e| panic!("{e} in {input:?}"))))
        .collect()
}

fn error(input: &[u8]) -> UciError {
    let mut p = Parser::new(input);
    for r in p.by_ref() {
        if let Err(e) = r {
            assert!(p.next().is_none(), "the parser goes on after an error");
            return e;
        }
    }
    panic!("no error in {:?}", String::from_utf8_lossy(input))
}

fn err(line: u32, kind: UciErrorKind) -> UciError {
    UciError { line, kind }
}

#[test]
fn statements_come_with_their_line_numbers() {
    let input = "config acs 'acs'\n\toption url 'http://acs:7547/'\n\n\tlist ntp 'a'\n";
    assert_eq!(
        items(input),
        vec![
            s(1, "config", &["acs", "acs"]),
            s(2, "option", &["url", "http://acs:7547/"]),
            s(4, "list", &["ntp", "a"]),
        ]
    );
}

#[test]
fn empty_input_has_no_statements() {
    assert!(items("").is_empty());
    assert!(items("\n\n   \t\n# only a comment\n").is_empty());
}

#[test]
fn anonymous_sections_have_no_name() {
    assert_eq!(items("config cpe\n"), vec![s(1, "config", &["cpe"])]);
    assert_eq!(items("config cpe ''\n"), vec![s(1, "config", &["cpe"])]);
}

#[test]
fn one_letter_keywords_are_accepted() {
    assert_eq!(
        items("p cwmp\nc acs acs\no url x\nl dns y\n"),
        vec![
            s(1, "package", &["cwmp"]),
            s(2, "config", &["acs", "acs"]),
            s(3, "option", &["url", "x"]),
            s(4, "list", &["dns", "y"]),
        ]
    );
}

#[test]
fn every_quoting_form_gives_the_same_value() {
    let input = "config a\n\
                 option u http://x/\n\
                 option s 'http://x/'\n\
                 option d \"http://x/\"\n\
                 option m 'http:'//\"x/\"\n\
                 option e http\\:\\/\\/x\\/\n";
    for item in items(input).into_iter().skip(1) {
        assert_eq!(item.2[1], "http://x/", "{item:?}");
    }
}

#[test]
fn quotes_keep_blanks_and_specials() {
    assert_eq!(
        items("config a\noption v 'a b # c ; d \\ e'\noption w \"it's \\\"x\\\"\"\n")[1..],
        [
            s(2, "option", &["v", "a b # c ; d \\ e"]),
            s(3, "option", &["w", "it's \"x\""]),
        ]
    );
}

#[test]
fn names_and_types_may_be_quoted() {
    assert_eq!(
        items("config 'acs' \"acs\"\noption 'url' x\n"),
        vec![
            s(1, "config", &["acs", "acs"]),
            s(2, "option", &["url", "x"])
        ]
    );
}

#[test]
fn comments_end_a_statement() {
    let input = "# header\n\
                 config acs 'acs' # the ACS\n\
                 \toption userid '' #$OUI-$SER\n\
                 \toption a b#c\n\
                 \t# option b c\n\
                 \toption c 'd#e'\n";
    assert_eq!(
        items(input),
        vec![
            s(2, "config", &["acs", "acs"]),
            s(3, "option", &["userid", ""]),
            s(4, "option", &["a", "b"]),
            s(6, "option", &["c", "d#e"]),
        ]
    );
}

#[test]
fn blank_lines_and_trailing_white_space_are_ignored() {
    assert_eq!(
        items("\n  config acs acs   \t\n\n\t\toption a b \t \n   \n"),
        vec![s(2, "config", &["acs", "acs"]), s(4, "option", &["a", "b"])]
    );
}

#[test]
fn semicolons_separate_statements_on_one_line() {
    assert_eq!(
        items("config a; option b c ;option d 'e';\n"),
        vec![
            s(1, "config", &["a"]),
            s(1, "option", &["b", "c"]),
            s(1, "option", &["d", "e"]),
        ]
    );
}

#[test]
fn backslash_at_line_end_joins_lines() {
    assert_eq!(
        items("config a\noption url http://acs\\\n:7547/\noption b c\n")[1..],
        [
            s(2, "option", &["url", "http://acs:7547/"]),
            s(4, "option", &["b", "c"]),
        ]
    );
}

#[test]
fn joined_line_that_starts_blank_is_a_new_argument() {
    // libuci joins the raw lines, so the blank ends the value and `'x'` is one argument too many.
    assert_eq!(
        error(b"config a\noption url \\\n    'x'\n"),
        err(2, UciErrorKind::TooManyArguments)
    );
}

#[test]
fn quoted_values_span_lines() {
    assert_eq!(
        items("config a\noption v 'one\ntwo'\noption w \"x\\\ny\"\noption z 1\n")[1..],
        [
            s(2, "option", &["v", "one\ntwo"]),
            s(4, "option", &["w", "xy"]),
            s(6, "option", &["z", "1"]),
        ]
    );
}

#[test]
fn crlf_line_ends_read_like_lf() {
    let input = "# c\r\nconfig acs 'acs'\r\n\toption url 'http://x/'\r\n\toption port 7547\r\n\r\n";
    assert_eq!(
        items(input),
        vec![
            s(2, "config", &["acs", "acs"]),
            s(3, "option", &["url", "http://x/"]),
            s(4, "option", &["port", "7547"]),
        ]
    );
}

#[test]
fn option_without_value_has_an_empty_value() {
    assert_eq!(items("config a\noption b\n")[1], s(2, "option", &["b", ""]));
}

#[test]
fn extra_empty_arguments_are_tolerated() {
    assert_eq!(items("config a b ''\noption c d \"\"\n").len(), 2);
}

#[test]
fn extra_arguments_are_refused() {
    assert_eq!(
        error(b"config a b c\n"),
        err(1, UciErrorKind::TooManyArguments)
    );
    assert_eq!(
        error(b"config a\noption b c d\n"),
        err(2, UciErrorKind::TooManyArguments)
    );
    assert_eq!(
        error(b"package a b\n"),
        err(1, UciErrorKind::TooManyArguments)
    );
}

#[test]
fn unknown_keywords_are_refused() {
    assert_eq!(
        error(b"config a\n\toptions b c\n"),
        err(2, UciErrorKind::InvalidCommand)
    );
    assert_eq!(error(b"section a\n"), err(1, UciErrorKind::InvalidCommand));
    assert_eq!(
        error(b"config a\n;\n"),
        err(2, UciErrorKind::InvalidCommand)
    );
}

#[test]
fn missing_type_or_name_is_refused() {
    assert_eq!(error(b"config\n"), err(1, UciErrorKind::MissingArgument));
    assert_eq!(error(b"config ''\n"), err(1, UciErrorKind::MissingArgument));
    assert_eq!(
        error(b"config a\noption\n"),
        err(2, UciErrorKind::MissingArgument)
    );
    assert_eq!(
        error(b"config a\nlist # x\n"),
        err(2, UciErrorKind::MissingArgument)
    );
    assert_eq!(error(b"package\n"), err(1, UciErrorKind::MissingArgument));
}

#[test]
fn invalid_names_are_refused() {
    assert_eq!(error(b"config a b-c\n"), err(1, UciErrorKind::InvalidName));
    assert_eq!(
        error(b"config a\noption 'b c' d\n"),
        err(2, UciErrorKind::InvalidName)
    );
    assert_eq!(
        error(b"config a\noption b.c d\n"),
        err(2, UciErrorKind::InvalidName)
    );
    assert_eq!(error(b"package a.b\n"), err(1, UciErrorKind::InvalidName));
    assert_eq!(
        items("package my-cwmp\n"),
        vec![s(1, "package", &["my-cwmp"])]
    );
}

#[test]
fn section_types_allow_printable_ascii_only() {
    assert_eq!(items("config a-b.c\n"), vec![s(1, "config", &["a-b.c"])]);
    assert_eq!(error(b"config 'a b'\n"), err(1, UciErrorKind::InvalidType));
    assert_eq!(
        error("config 'ä'\n".as_bytes()),
        err(1, UciErrorKind::InvalidType)
    );
}

#[test]
fn options_before_the_first_section_are_refused() {
    assert_eq!(
        error(b"# x\noption a b\n"),
        err(2, UciErrorKind::OptionBeforeSection)
    );
    assert_eq!(
        error(b"list a b\n"),
        err(1, UciErrorKind::OptionBeforeSection)
    );
}

#[test]
fn unterminated_quotes_name_the_line_they_open_on() {
    assert_eq!(
        error(b"config a\noption b 'c\nd\n"),
        err(2, UciErrorKind::UnterminatedQuote { quote: '\'' })
    );
    assert_eq!(
        error(b"config a\noption b \"c\\\"\n"),
        err(2, UciErrorKind::UnterminatedQuote { quote: '"' })
    );
}

#[test]
fn reopening_a_named_section_needs_the_same_type() {
    assert_eq!(items("config acs acs\nconfig 'acs' acs\n").len(), 2);
    assert_eq!(
        error(b"config acs acs\nconfig cpe acs\n"),
        err(2, UciErrorKind::SectionTypeConflict)
    );
    // Anonymous sections never conflict.
    assert_eq!(items("config acs\nconfig cpe\n").len(), 2);
}

#[test]
fn not_utf8_names_its_line() {
    assert_eq!(
        error(b"config a\noption b 'caf\xe9'\n"),
        err(2, UciErrorKind::NotUtf8)
    );
}

#[test]
fn nul_byte_names_its_line() {
    assert_eq!(
        error(b"config a\n\noption b 'c\0d'\n"),
        err(3, UciErrorKind::NulByte)
    );
}

#[test]
fn file_longer_than_the_limit_is_refused() {
    let mut input = String::from("config a\n");
    while input.len() <= CONFIG_MAX_FILE_LEN {
        input.push_str("# padding padding padding padding padding padding padding\n");
    }
    assert_eq!(
        error(input.as_bytes()),
        err(
            1,
            UciErrorKind::FileTooLong {
                limit: CONFIG_MAX_FILE_LEN
            }
        )
    );
}

#[test]
fn line_longer_than_the_limit_is_refused() {
    let ok = format!("config a\n# {}\n", "x".repeat(UCI_MAX_LINE_LEN - 2));
    assert_eq!(items(&ok).len(), 1);
    let long = format!("config a\n# {}\n", "x".repeat(UCI_MAX_LINE_LEN - 1));
    assert_eq!(
        error(long.as_bytes()),
        err(
            2,
            UciErrorKind::LineTooLong {
                limit: UCI_MAX_LINE_LEN
            }
        )
    );
}

#[test]
fn name_longer_than_the_limit_is_refused() {
    let ok = format!("config a\noption {} b\n", "n".repeat(UCI_MAX_NAME_LEN));
    assert_eq!(items(&ok).len(), 2);
    let long = format!("config a\noption {} b\n", "n".repeat(UCI_MAX_NAME_LEN + 1));
    assert_eq!(
        error(long.as_bytes()),
        err(
            2,
            UciErrorKind::NameTooLong {
                limit: UCI_MAX_NAME_LEN
            }
        )
    );
}

#[test]
fn value_longer_than_the_limit_is_refused() {
    // Split over lines so that no single line is too long.
    let body = |n: usize| {
        let mut v = String::new();
        while v.len() < n {
            let take = (n - v.len()).min(1000);
            v.push_str(&"v".repeat(take));
            if v.len() < n {
                v.push('\n');
            }
        }
        v
    };
    let ok = format!("config a\noption b '{}'\n", body(UCI_MAX_VALUE_LEN - 2));
    assert_eq!(items(&ok).len(), 2);
    let long = format!("config a\noption b '{}'\n", body(UCI_MAX_VALUE_LEN - 1));
    assert_eq!(
        error(long.as_bytes()),
        err(
            2,
            UciErrorKind::ValueTooLong {
                limit: UCI_MAX_VALUE_LEN
            }
        )
    );
}

#[test]
fn too_many_sections_are_refused() {
    let ok = "config a\n".repeat(UCI_MAX_SECTIONS);
    assert_eq!(items(&ok).len(), UCI_MAX_SECTIONS);
    let named: String = (0..UCI_MAX_SECTIONS)
        .map(|i| format!("config a s{i}\n"))
        .collect();
    assert_eq!(items(&named).len(), UCI_MAX_SECTIONS);
    let over = format!("{ok}config a\n");
    assert_eq!(
        error(over.as_bytes()),
        err(
            UCI_MAX_SECTIONS as u32 + 1,
            UciErrorKind::TooManySections {
                limit: UCI_MAX_SECTIONS
            }
        )
    );
}

#[test]
fn too_many_options_are_refused() {
    let ok = format!("config a\n{}", "option b c\n".repeat(UCI_MAX_OPTIONS));
    assert_eq!(items(&ok).len(), UCI_MAX_OPTIONS + 1);
    let over = format!("{ok}list b c\n");
    assert_eq!(
        error(over.as_bytes()),
        err(
            UCI_MAX_OPTIONS as u32 + 2,
            UciErrorKind::TooManyOptions {
                limit: UCI_MAX_OPTIONS
            }
        )
    );
}

#[test]
fn errors_display_like_libuci() {
    assert_eq!(
        error(b"config a\noption b 'c\n").to_string(),
        "line 2: unterminated ' quote at the end of the file"
    );
    assert_eq!(
        error(b"option a b\n").to_string(),
        "line 1: option/list command found before the first section"
    );
}

#[test]
fn values_borrow_from_the_input() {
    let input = b"config a\noption b 'plain'\n";
    let mut p = Parser::new(input);
    p.next();
    let Some(Ok(Item {
        kind: ItemKind::Option { value, .. },
        ..
    })) = p.next()
    else {
        panic!("no option");
    };
    assert_eq!(value.raw(), "'plain'");
    assert_eq!(value.borrowed(), Some("plain"));
}
