//! Namespace-aware XML reading over `xmlparser`, and escaping for the writer.
//!
//! [`parse`] checks a whole document once — UTF-8, well-formedness, matching tags, the limits in
//! [`crate::limits`], defined entities only, no DTD, every prefix bound — and hands back the root
//! [`Element`]. Elements are small `Copy` views: their children are found by tokenizing the
//! element's content again on demand, so nothing is copied or collected and a list of a thousand
//! parameters costs no memory. Names are matched by namespace URI and local name, never by prefix.
//!
//! This module knows nothing about SOAP or CWMP; see [`crate::soap`] for that.

mod text;
mod writer;

pub use text::{Chars, Text};
pub use writer::{escape_attr, escape_text};

use core::fmt;
use core::ops::Range;

use xmlparser::{ElementEnd, Token, Tokenizer};

use crate::limits::{
    XML_MAX_ATTR_VALUE_LEN, XML_MAX_ATTRIBUTES, XML_MAX_DEPTH, XML_MAX_NAME_LEN,
    XML_MAX_NS_BINDINGS, XML_MAX_TEXT_LEN,
};

/// The namespace bound to the `xml` prefix by definition.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";
const XMLNS_NAMESPACE: &str = "http://www.w3.org/2000/xmlns/";

/// Why a document was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlError {
    /// The input is not valid UTF-8.
    InvalidUtf8,
    /// The XML declaration names an encoding other than UTF-8.
    UnsupportedEncoding,
    /// Not well-formed XML (row and column of the problem, 1-based).
    Syntax {
        /// Line of the error.
        row: u32,
        /// Column of the error.
        col: u32,
    },
    /// A DOCTYPE / DTD is present; CWMP forbids them and they enable entity attacks.
    Dtd,
    /// A reference to an entity other than the five predefined ones.
    UndefinedEntity,
    /// A malformed reference, or a character reference to a character XML does not allow.
    InvalidReference,
    /// Elements nest deeper than [`XML_MAX_DEPTH`].
    TooDeep,
    /// An element or attribute name is longer than [`XML_MAX_NAME_LEN`].
    NameTooLong,
    /// A run of character data is longer than [`XML_MAX_TEXT_LEN`], or an attribute value longer
    /// than [`XML_MAX_ATTR_VALUE_LEN`].
    TextTooLong,
    /// An element has more than [`XML_MAX_ATTRIBUTES`] attributes.
    TooManyAttributes,
    /// More than [`XML_MAX_NS_BINDINGS`] namespace declarations are in scope at once.
    TooManyNamespaces,
    /// A prefix is used without a namespace declaration in scope.
    UnboundPrefix,
    /// The same attribute appears twice on one element.
    DuplicateAttribute,
    /// An end tag does not match its start tag.
    MismatchedTag,
    /// The document has no root element.
    NoRootElement,
    /// Character data was asked of an element that has child elements.
    NotText,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlError::InvalidUtf8 => f.write_str("input is not UTF-8"),
            XmlError::UnsupportedEncoding => f.write_str("declared encoding is not UTF-8"),
            XmlError::Syntax { row, col } => write!(f, "malformed XML at {row}:{col}"),
            XmlError::Dtd => f.write_str("DTD not allowed"),
            XmlError::UndefinedEntity => f.write_str("undefined entity"),
            XmlError::InvalidReference => f.write_str("invalid character reference"),
            XmlError::TooDeep => f.write_str("elements nested too deeply"),
            XmlError::NameTooLong => f.write_str("name too long"),
            XmlError::TextTooLong => f.write_str("text too long"),
            XmlError::TooManyAttributes => f.write_str("too many attributes"),
            XmlError::TooManyNamespaces => f.write_str("too many namespace declarations"),
            XmlError::UnboundPrefix => f.write_str("unbound namespace prefix"),
            XmlError::DuplicateAttribute => f.write_str("duplicate attribute"),
            XmlError::MismatchedTag => f.write_str("end tag does not match start tag"),
            XmlError::NoRootElement => f.write_str("no root element"),
            XmlError::NotText => f.write_str("element has child elements"),
        }
    }
}

fn syntax(e: xmlparser::Error) -> XmlError {
    let pos = e.pos();
    XmlError::Syntax {
        row: pos.row,
        col: pos.col,
    }
}

fn ref_error(e: text::RefError) -> XmlError {
    match e {
        text::RefError::Undefined => XmlError::UndefinedEntity,
        text::RefError::Invalid => XmlError::InvalidReference,
    }
}

/// Namespace bindings in scope at one element: (prefix, URI), later entries shadow earlier ones.
#[derive(Clone, Copy)]
struct Scope<'a> {
    items: [(&'a str, &'a str); XML_MAX_NS_BINDINGS],
    len: usize,
}

impl<'a> Scope<'a> {
    const EMPTY: Scope<'static> = Scope {
        items: [("", ""); XML_MAX_NS_BINDINGS],
        len: 0,
    };

    fn push(&mut self, prefix: &'a str, uri: &'a str) -> Result<(), XmlError> {
        let slot = self
            .items
            .get_mut(self.len)
            .ok_or(XmlError::TooManyNamespaces)?;
        *slot = (prefix, uri);
        self.len += 1;
        Ok(())
    }

    /// The URI bound to `prefix` (`""` = the default namespace, which may be unbound = `""`).
    fn resolve(&self, prefix: &str) -> Option<&'a str> {
        if prefix == "xml" {
            return Some(XML_NAMESPACE);
        }
        let found = self.items[..self.len]
            .iter()
            .rev()
            .find(|(p, _)| *p == prefix);
        match found {
            Some((_, uri)) => Some(uri),
            None if prefix.is_empty() => Some(""),
            None => None,
        }
    }
}

/// If the attribute is a namespace declaration, the prefix it declares (`""` for the default).
fn ns_declaration<'a>(prefix: &'a str, local: &'a str) -> Option<&'a str> {
    match (prefix, local) {
        ("", "xmlns") => Some(""),
        ("xmlns", p) => Some(p),
        _ => None,
    }
}

/// Parses and checks a whole document, returning its root element.
pub fn parse(input: &[u8]) -> Result<Element<'_>, XmlError> {
    let text = core::str::from_utf8(input).map_err(|_| XmlError::InvalidUtf8)?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    check_document(text)?;
    // The document was checked, so this finds and builds the root element.
    let mut tokens = Tokenizer::from(text);
    loop {
        match tokens.next() {
            Some(Ok(Token::ElementStart {
                prefix,
                local,
                span,
            })) => {
                return read_element(
                    text,
                    &mut tokens,
                    &Scope::EMPTY,
                    prefix,
                    local,
                    span.start(),
                );
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(syntax(e)),
            None => return Err(XmlError::NoRootElement),
        }
    }
}

/// The single validating pass over the document.
fn check_document(text: &str) -> Result<(), XmlError> {
    // Open elements: (prefix, local, scope length before the element).
    let mut open: heapless::Vec<(&str, &str, usize), XML_MAX_DEPTH> = heapless::Vec::new();
    let mut scope = Scope::EMPTY;
    // The element whose start tag is being read: (prefix, local, scope length before it).
    let mut pending: Option<(&str, &str, usize)> = None;
    let mut attrs: heapless::Vec<(&str, &str), XML_MAX_ATTRIBUTES> = heapless::Vec::new();
    let mut seen_root = false;

    for token in Tokenizer::from(text) {
        match token.map_err(syntax)? {
            Token::Declaration { encoding, .. } => {
                if encoding.is_some_and(|enc| !enc.as_str().eq_ignore_ascii_case("utf-8")) {
                    return Err(XmlError::UnsupportedEncoding);
                }
            }
            Token::DtdStart { .. }
            | Token::EmptyDtd { .. }
            | Token::EntityDeclaration { .. }
            | Token::DtdEnd { .. } => return Err(XmlError::Dtd),
            Token::ProcessingInstruction { .. } | Token::Comment { .. } => {}
            Token::ElementStart { prefix, local, .. } => {
                if prefix.as_str().len() + local.as_str().len() > XML_MAX_NAME_LEN {
                    return Err(XmlError::NameTooLong);
                }
                if open.is_full() {
                    return Err(XmlError::TooDeep);
                }
                pending = Some((prefix.as_str(), local.as_str(), scope.len));
                attrs.clear();
                seen_root = true;
            }
            Token::Attribute {
                prefix,
                local,
                value,
                ..
            } => {
                let (prefix, local, value) = (prefix.as_str(), local.as_str(), value.as_str());
                if prefix.len() + local.len() > XML_MAX_NAME_LEN {
                    return Err(XmlError::NameTooLong);
                }
                if value.len() > XML_MAX_ATTR_VALUE_LEN {
                    return Err(XmlError::TextTooLong);
                }
                text::check_references(value).map_err(ref_error)?;
                if attrs.contains(&(prefix, local)) {
                    return Err(XmlError::DuplicateAttribute);
                }
                attrs
                    .push((prefix, local))
                    .map_err(|_| XmlError::TooManyAttributes)?;
                if let Some(declared) = ns_declaration(prefix, local) {
                    // Namespace URIs with references are legal but never seen in CWMP; they
                    // are compared raw, so refuse them rather than mis-match silently.
                    if value.contains('&') {
                        return Err(XmlError::InvalidReference);
                    }
                    scope.push(declared, value)?;
                }
            }
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open | ElementEnd::Empty => {
                    let Some((prefix, local, before)) = pending.take() else {
                        return Err(XmlError::Syntax { row: 0, col: 0 });
                    };
                    scope.resolve(prefix).ok_or(XmlError::UnboundPrefix)?;
                    for (p, l) in &attrs {
                        if ns_declaration(p, l).is_none() && !p.is_empty() {
                            scope.resolve(p).ok_or(XmlError::UnboundPrefix)?;
                        }
                    }
                    if end == ElementEnd::Open {
                        open.push((prefix, local, before))
                            .map_err(|_| XmlError::TooDeep)?;
                    } else {
                        scope.len = before;
                    }
                }
                ElementEnd::Close(prefix, local) => {
                    let Some((p, l, before)) = open.pop() else {
                        return Err(XmlError::MismatchedTag);
                    };
                    if p != prefix.as_str() || l != local.as_str() {
                        return Err(XmlError::MismatchedTag);
                    }
                    scope.len = before;
                }
            },
            Token::Text { text } => {
                let s = text.as_str();
                if s.len() > XML_MAX_TEXT_LEN {
                    return Err(XmlError::TextTooLong);
                }
                text::check_references(s).map_err(ref_error)?;
            }
            Token::Cdata { text, .. } => {
                if text.as_str().len() > XML_MAX_TEXT_LEN {
                    return Err(XmlError::TextTooLong);
                }
            }
        }
    }
    if !seen_root {
        return Err(XmlError::NoRootElement);
    }
    if !open.is_empty() || pending.is_some() {
        return Err(XmlError::MismatchedTag);
    }
    Ok(())
}

/// Reads one element whose `ElementStart` token was just consumed from `tokens`, consuming the
/// tokens up to and including its end. `start` is the offset of its `<`.
fn read_element<'a>(
    doc: &'a str,
    tokens: &mut Tokenizer<'a>,
    parent: &Scope<'a>,
    prefix: xmlparser::StrSpan<'a>,
    local: xmlparser::StrSpan<'a>,
    start: usize,
) -> Result<Element<'a>, XmlError> {
    let mut scope = *parent;
    let (content, tag_end) = loop {
        match tokens.next() {
            Some(Ok(Token::Attribute {
                prefix: p,
                local: l,
                value,
                ..
            })) => {
                if let Some(declared) = ns_declaration(p.as_str(), l.as_str()) {
                    scope.push(declared, value.as_str())?;
                }
            }
            Some(Ok(Token::ElementEnd {
                end: ElementEnd::Empty,
                span,
            })) => break (None, span.end()),
            Some(Ok(Token::ElementEnd {
                end: ElementEnd::Open,
                span,
            })) => {
                let content_start = span.end();
                let mut depth = 0usize;
                let content_end = loop {
                    match tokens.next() {
                        Some(Ok(Token::ElementEnd {
                            end: ElementEnd::Open,
                            ..
                        })) => depth += 1,
                        Some(Ok(Token::ElementEnd {
                            end: ElementEnd::Close(..),
                            span,
                        })) => {
                            if depth == 0 {
                                break span.start();
                            }
                            depth -= 1;
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => return Err(syntax(e)),
                        None => return Err(XmlError::MismatchedTag),
                    }
                };
                break (Some(content_start..content_end), content_start);
            }
            Some(Ok(_)) => return Err(XmlError::MismatchedTag),
            Some(Err(e)) => return Err(syntax(e)),
            None => return Err(XmlError::MismatchedTag),
        }
    };
    let namespace = scope
        .resolve(prefix.as_str())
        .ok_or(XmlError::UnboundPrefix)?;
    Ok(Element {
        doc,
        prefix: prefix.as_str(),
        local: local.as_str(),
        namespace,
        tag: start..tag_end,
        content,
        scope,
    })
}

/// One element of a checked document: its name, attributes and content, by reference.
#[derive(Clone)]
pub struct Element<'a> {
    doc: &'a str,
    prefix: &'a str,
    local: &'a str,
    namespace: &'a str,
    tag: Range<usize>,
    content: Option<Range<usize>>,
    scope: Scope<'a>,
}

impl fmt::Debug for Element<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Element({{{}}}{})", self.namespace, self.local)
    }
}

impl<'a> Element<'a> {
    /// The local part of the element's name.
    pub fn local_name(&self) -> &'a str {
        self.local
    }

    /// The element's namespace URI (`""` when it has none).
    pub fn namespace(&self) -> &'a str {
        self.namespace
    }

    /// The prefix the document happened to use (for diagnostics only).
    pub fn prefix(&self) -> &'a str {
        self.prefix
    }

    /// True when the element is `{namespace}local`.
    pub fn is(&self, namespace: &str, local: &str) -> bool {
        self.local == local && self.namespace == namespace
    }

    /// Byte range of the whole start tag in the document.
    pub fn tag_span(&self) -> Range<usize> {
        self.tag.clone()
    }

    /// The attribute `{namespace}local` (`namespace` = `""` for an unprefixed attribute).
    pub fn attribute(&self, namespace: &str, local: &str) -> Option<Text<'a>> {
        self.attributes()
            .find(|a| a.local == local && a.namespace == namespace)
            .map(|a| a.value)
    }

    /// The element's attributes, namespace declarations excluded.
    pub fn attributes(&self) -> Attributes<'a> {
        let mut tokens = Tokenizer::from_fragment(self.doc, self.tag.clone());
        // Skip the element start itself.
        let _ = tokens.next();
        Attributes {
            tokens,
            scope: self.scope,
        }
    }

    /// Resolves a QName found in this element's attributes, e.g. `xsi:type="xsd:string"`.
    pub fn resolve_qname(&self, qname: Text<'a>) -> Option<(&'a str, &'a str)> {
        let raw = qname.trimmed_borrowed()?;
        let (prefix, local) = match raw.split_once(':') {
            Some((p, l)) => (p, l),
            None => ("", raw),
        };
        let ns = self.scope.resolve(prefix)?;
        Some((ns, local))
    }

    /// True when the element has no content at all (`<a/>` or `<a></a>`).
    pub fn is_empty(&self) -> bool {
        self.content.as_ref().is_none_or(|c| c.is_empty())
    }

    /// The child elements, in document order.
    pub fn children(&self) -> Children<'a> {
        let content = self.content.clone().unwrap_or(0..0);
        Children {
            doc: self.doc,
            tokens: Tokenizer::from_fragment(self.doc, content.clone()),
            scope: self.scope,
            done: content.is_empty(),
        }
    }

    /// The first child element with local name `local` (in any namespace: CWMP arguments are
    /// unqualified, but some ACSs qualify them).
    pub fn child(&self, local: &str) -> Option<Element<'a>> {
        self.children().find(|c| c.local_name() == local)
    }

    /// The element's character data; [`XmlError::NotText`] if it has child elements.
    pub fn text(&self) -> Result<Text<'a>, XmlError> {
        let Some(content) = self.content.clone() else {
            return Ok(Text::empty());
        };
        let raw = self.doc.get(content.clone()).unwrap_or("");
        let mut only_chardata = true;
        for token in Tokenizer::from_fragment(self.doc, content) {
            match token.map_err(syntax)? {
                Token::Text { .. } => {}
                Token::ElementStart { .. } => return Err(XmlError::NotText),
                _ => only_chardata = false,
            }
        }
        Ok(if only_chardata {
            Text::char_data(raw)
        } else {
            Text::mixed(raw)
        })
    }
}

/// One attribute of an element.
#[derive(Debug, Clone, Copy)]
pub struct Attribute<'a> {
    /// Namespace URI (`""` for an unprefixed attribute).
    pub namespace: &'a str,
    /// Local name.
    pub local: &'a str,
    /// The value.
    pub value: Text<'a>,
}

/// Iterator over an element's attributes.
pub struct Attributes<'a> {
    tokens: Tokenizer<'a>,
    scope: Scope<'a>,
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Attribute<'a>;

    fn next(&mut self) -> Option<Attribute<'a>> {
        loop {
            match self.tokens.next()? {
                Ok(Token::Attribute {
                    prefix,
                    local,
                    value,
                    ..
                }) => {
                    if ns_declaration(prefix.as_str(), local.as_str()).is_some() {
                        continue;
                    }
                    let namespace = if prefix.as_str().is_empty() {
                        ""
                    } else if prefix.as_str() == "xmlns" {
                        XMLNS_NAMESPACE
                    } else {
                        self.scope.resolve(prefix.as_str())?
                    };
                    return Some(Attribute {
                        namespace,
                        local: local.as_str(),
                        value: Text::attribute(value.as_str()),
                    });
                }
                _ => return None,
            }
        }
    }
}

/// Iterator over an element's child elements.
pub struct Children<'a> {
    doc: &'a str,
    tokens: Tokenizer<'a>,
    scope: Scope<'a>,
    done: bool,
}

impl<'a> Iterator for Children<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        if self.done {
            return None;
        }
        loop {
            match self.tokens.next() {
                Some(Ok(Token::ElementStart {
                    prefix,
                    local,
                    span,
                })) => {
                    let read = read_element(
                        self.doc,
                        &mut self.tokens,
                        &self.scope,
                        prefix,
                        local,
                        span.start(),
                    );
                    // The document was checked as a whole, so re-reading a part cannot fail.
                    match read {
                        Ok(e) => return Some(e),
                        Err(_) => {
                            self.done = true;
                            return None;
                        }
                    }
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    self.done = true;
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
