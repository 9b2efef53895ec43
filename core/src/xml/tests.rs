use super::*;
use std::vec::Vec;

const ENV: &str = "http://schemas.xmlsoap.org/soap/envelope/";

fn local_names(e: &Element<'_>) -> Vec<std::string::String> {
    e.children().map(|c| c.local_name().into()).collect()
}

#[test]
fn namespaces_resolve_by_uri_not_prefix() {
    for doc in [
        r#"<soap-env:Envelope xmlns:soap-env="http://schemas.xmlsoap.org/soap/envelope/"><soap-env:Body/></soap-env:Envelope>"#,
        r#"<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/"><S:Body/></S:Envelope>"#,
        r#"<Envelope xmlns="http://schemas.xmlsoap.org/soap/envelope/"><Body/></Envelope>"#,
    ] {
        let root = parse(doc.as_bytes()).unwrap();
        assert!(root.is(ENV, "Envelope"), "{doc}");
        let body = root.children().next().unwrap();
        assert!(body.is(ENV, "Body"), "{doc}");
    }
}

#[test]
fn inner_declaration_shadows_outer() {
    let doc = r#"<a xmlns:p="urn:one"><p:b/><c xmlns:p="urn:two"><p:d/></c><p:e/></a>"#;
    let root = parse(doc.as_bytes()).unwrap();
    let kids: Vec<_> = root.children().collect();
    assert_eq!(kids[0].namespace(), "urn:one");
    assert_eq!(kids[1].children().next().unwrap().namespace(), "urn:two");
    assert_eq!(kids[2].namespace(), "urn:one");
}

#[test]
fn default_namespace_can_be_undeclared() {
    let doc = r#"<a xmlns="urn:x"><b xmlns=""><c/></b></a>"#;
    let root = parse(doc.as_bytes()).unwrap();
    let b = root.child("b").unwrap();
    assert_eq!(b.namespace(), "");
    assert_eq!(b.child("c").unwrap().namespace(), "");
}

#[test]
fn children_skip_text_comments_and_nested_content() {
    let doc = "<r> x <!-- c --><a><n><m/></n></a>\n<b/><?pi?><c>t</c></r>";
    let root = parse(doc.as_bytes()).unwrap();
    assert_eq!(local_names(&root), ["a", "b", "c"]);
    assert_eq!(root.child("c").unwrap().text().unwrap(), "t");
}

#[test]
fn text_decodes_references_and_cdata() {
    let doc = "<r><a>x &amp; &lt;y&gt; &#233;</a><b><![CDATA[<raw&>]]></b><c/><d></d></r>";
    let root = parse(doc.as_bytes()).unwrap();
    assert_eq!(root.child("a").unwrap().text().unwrap(), "x & <y> é");
    assert_eq!(root.child("b").unwrap().text().unwrap(), "<raw&>");
    assert!(root.child("c").unwrap().text().unwrap().is_empty());
    assert!(root.child("d").unwrap().is_empty());
}

#[test]
fn text_of_element_with_children_is_refused() {
    let root = parse(b"<r><a><b/></a></r>").unwrap();
    assert_eq!(root.child("a").unwrap().text(), Err(XmlError::NotText));
}

#[test]
fn attributes_resolve_prefixes() {
    let doc = r#"<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><v xsi:type="xsd:string" plain="a&amp;b">x</v></r>"#;
    let root = parse(doc.as_bytes()).unwrap();
    let v = root.child("v").unwrap();
    let ty = v
        .attribute("http://www.w3.org/2001/XMLSchema-instance", "type")
        .unwrap();
    assert_eq!(
        v.resolve_qname(ty),
        Some(("http://www.w3.org/2001/XMLSchema", "string"))
    );
    assert_eq!(v.attribute("", "plain").unwrap(), "a&b");
    assert!(v.attribute("", "type").is_none());
    assert_eq!(v.attributes().count(), 2);
}

#[test]
fn unbound_qname_prefix_does_not_resolve() {
    let root = parse(br#"<r t="q:x"/>"#).unwrap();
    let t = root.attribute("", "t").unwrap();
    assert_eq!(root.resolve_qname(t), None);
}

#[test]
fn declaration_and_bom_are_accepted() {
    let doc = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<r/>";
    assert_eq!(parse(doc.as_bytes()).unwrap().local_name(), "r");
}

#[test]
fn invalid_utf8_is_refused() {
    assert_eq!(parse(b"<r>\xff</r>").unwrap_err(), XmlError::InvalidUtf8);
}

#[test]
fn other_encodings_are_refused() {
    let doc = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>";
    assert_eq!(parse(doc).unwrap_err(), XmlError::UnsupportedEncoding);
}

#[test]
fn dtd_is_refused() {
    let doc = b"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"aaaa\">]><r>&a;</r>";
    assert_eq!(parse(doc).unwrap_err(), XmlError::Dtd);
    assert_eq!(
        parse(b"<!DOCTYPE r SYSTEM \"x.dtd\"><r/>").unwrap_err(),
        XmlError::Dtd
    );
}

#[test]
fn undefined_entity_is_refused() {
    assert_eq!(
        parse(b"<r>&nbsp;</r>").unwrap_err(),
        XmlError::UndefinedEntity
    );
    assert_eq!(
        parse(b"<r a=\"&foo;\"/>").unwrap_err(),
        XmlError::UndefinedEntity
    );
}

#[test]
fn invalid_character_reference_is_refused() {
    assert_eq!(
        parse(b"<r>&#0;</r>").unwrap_err(),
        XmlError::InvalidReference
    );
    assert_eq!(
        parse(b"<r>a & b</r>").unwrap_err(),
        XmlError::InvalidReference
    );
}

#[test]
fn nesting_beyond_limit_is_refused() {
    let mut doc = std::string::String::new();
    for _ in 0..XML_MAX_DEPTH {
        doc.push_str("<a>");
    }
    for _ in 0..XML_MAX_DEPTH {
        doc.push_str("</a>");
    }
    assert!(parse(doc.as_bytes()).is_ok());
    let deeper = std::format!("<a>{doc}</a>");
    assert_eq!(parse(deeper.as_bytes()).unwrap_err(), XmlError::TooDeep);
}

#[test]
fn long_name_is_refused() {
    let name = "n".repeat(XML_MAX_NAME_LEN + 1);
    let doc = std::format!("<{name}/>");
    assert_eq!(parse(doc.as_bytes()).unwrap_err(), XmlError::NameTooLong);
    let ok = std::format!("<{}/>", "n".repeat(XML_MAX_NAME_LEN));
    assert!(parse(ok.as_bytes()).is_ok());
}

#[test]
fn long_text_is_refused() {
    let doc = std::format!("<r>{}</r>", "x".repeat(XML_MAX_TEXT_LEN + 1));
    assert_eq!(parse(doc.as_bytes()).unwrap_err(), XmlError::TextTooLong);
    let doc = std::format!("<r>{}</r>", "x".repeat(XML_MAX_TEXT_LEN));
    assert!(parse(doc.as_bytes()).is_ok());
    let doc = std::format!("<r a=\"{}\"/>", "x".repeat(XML_MAX_ATTR_VALUE_LEN + 1));
    assert_eq!(parse(doc.as_bytes()).unwrap_err(), XmlError::TextTooLong);
}

#[test]
fn too_many_attributes_are_refused() {
    let mut doc = std::string::String::from("<r");
    for i in 0..=XML_MAX_ATTRIBUTES {
        doc.push_str(&std::format!(" a{i}=\"v\""));
    }
    doc.push_str("/>");
    assert_eq!(
        parse(doc.as_bytes()).unwrap_err(),
        XmlError::TooManyAttributes
    );
}

#[test]
fn too_many_namespaces_are_refused() {
    let mut doc = std::string::String::new();
    // Two declarations per element, so the limit is reached before the depth limit.
    let levels = XML_MAX_NS_BINDINGS / 2 + 1;
    for i in 0..levels {
        doc.push_str(&std::format!(
            "<a xmlns:p{i}=\"urn:{i}\" xmlns:q{i}=\"urn:q{i}\">"
        ));
    }
    for _ in 0..levels {
        doc.push_str("</a>");
    }
    assert_eq!(
        parse(doc.as_bytes()).unwrap_err(),
        XmlError::TooManyNamespaces
    );
}

#[test]
fn sibling_declarations_do_not_accumulate() {
    // Declarations go out of scope with their element, so many siblings are fine.
    let mut doc = std::string::String::from("<r>");
    for i in 0..(XML_MAX_NS_BINDINGS * 4) {
        doc.push_str(&std::format!("<a xmlns:p=\"urn:{i}\"><p:b/></a>"));
    }
    doc.push_str("</r>");
    let root = parse(doc.as_bytes()).unwrap();
    let last = root.children().last().unwrap();
    assert_eq!(
        last.child("b").unwrap().namespace(),
        std::format!("urn:{}", XML_MAX_NS_BINDINGS * 4 - 1)
    );
}

#[test]
fn unbound_prefix_is_refused() {
    assert_eq!(parse(b"<p:r/>").unwrap_err(), XmlError::UnboundPrefix);
    assert_eq!(
        parse(b"<r p:a=\"1\"/>").unwrap_err(),
        XmlError::UnboundPrefix
    );
    assert_eq!(
        parse(b"<r xmlns:p=\"urn:x\"/><!-- --> ").map(|e| e.local_name()),
        Ok("r")
    );
}

#[test]
fn duplicate_attribute_is_refused() {
    assert_eq!(
        parse(b"<r a=\"1\" a=\"2\"/>").unwrap_err(),
        XmlError::DuplicateAttribute
    );
}

#[test]
fn mismatched_and_unclosed_tags_are_refused() {
    assert_eq!(
        parse(b"<a><b></a></b>").unwrap_err(),
        XmlError::MismatchedTag
    );
    assert!(parse(b"<a><b></b>").is_err());
    assert!(parse(b"").is_err());
    assert!(parse(b"   ").is_err());
    assert!(parse(b"<a/><b/>").is_err());
}

#[test]
fn every_genieacs_vector_parses() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata/vectors/genieacs");
    let mut n = 0;
    for scenario in std::fs::read_dir(dir).unwrap() {
        let scenario = scenario.unwrap().path();
        if !scenario.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&scenario).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "xml") {
                let bytes = std::fs::read(&f).unwrap();
                let root = parse(&bytes).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
                assert!(root.is(ENV, "Envelope"));
                n += 1;
            }
        }
    }
    assert_eq!(n, 93);
}

#[test]
fn children_skip_tricky_content_by_bytes() {
    // `>` in attribute values (both quote styles), self-closing tags, comments, CDATA and PIs
    // holding `<`, and nested same-name elements must not confuse the byte skipper.
    let doc = r#"<r><a x="1>2" y='a/>b'><a/><![CDATA[</a><a>]]><!-- </a> --><?p </a>?><a>t</a></a><b/><c q="/">v</c></r>"#;
    let root = parse(doc.as_bytes()).unwrap();
    assert_eq!(local_names(&root), ["a", "b", "c"]);
    assert_eq!(root.child("c").unwrap().text().unwrap(), "v");
    let a = root.child("a").unwrap();
    assert_eq!(local_names(&a), ["a", "a"]);
}
