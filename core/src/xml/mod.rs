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

use xmlparser::{ElementEnd, StrSpan, Token, Tokenizer};

use crate::limits::{
    XML_MAX_ATTR_VALUE_LEN, XML_MAX_ATTRIBUTES, XML_MAX_DEPTH, XML_MAX_NAME_LEN,
    XML_MAX_NS_BINDINGS, XML_MAX_TEXT_LEN,
};

/// The namespace bound to the `xml` prefix by definition.
pub const XML_NAMESPACE: &str = "http://www.w3.org/XML/1998/namespace";

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

/// One namespace declaration, as offsets into the document (12 bytes instead of two `&str`s:
/// every element view carries a copy of its scope).
#[derive(Clone, Copy, Default)]
struct Binding {
    prefix: u32,
    uri: u32,
    uri_len: u16,
    prefix_len: u8,
}

/// Namespace bindings in scope at one element; later entries shadow earlier ones.
#[derive(Clone, Copy)]
struct Scope {
    items: [Binding; XML_MAX_NS_BINDINGS],
    len: u8,
}

impl Scope {
    const EMPTY: Scope = Scope {
        items: [Binding {
            prefix: 0,
            uri: 0,
            uri_len: 0,
            prefix_len: 0,
        }; XML_MAX_NS_BINDINGS],
        len: 0,
    };

    /// Adds the declaration `xmlns[:prefix]="uri"` (spans of the document).
    fn push(&mut self, prefix: Range<usize>, uri: Range<usize>) -> Result<(), XmlError> {
        let slot = self
            .items
            .get_mut(usize::from(self.len))
            .ok_or(XmlError::TooManyNamespaces)?;
        // The checking pass bounds names by XML_MAX_NAME_LEN (< 256) and attribute values by
        // XML_MAX_ATTR_VALUE_LEN (< 65536), and inputs are far below 4 GiB, so these fit.
        *slot = Binding {
            prefix: u32::try_from(prefix.start).map_err(|_| XmlError::TextTooLong)?,
            prefix_len: u8::try_from(prefix.len()).map_err(|_| XmlError::NameTooLong)?,
            uri: u32::try_from(uri.start).map_err(|_| XmlError::TextTooLong)?,
            uri_len: u16::try_from(uri.len()).map_err(|_| XmlError::TextTooLong)?,
        };
        self.len += 1;
        Ok(())
    }

    /// The URI bound to `prefix` (`""` = the default namespace, which may be unbound = `""`).
    fn resolve<'a>(&self, doc: &'a str, prefix: &str) -> Option<&'a str> {
        if prefix == "xml" {
            return Some(XML_NAMESPACE);
        }
        let span = |start: u32, len: usize| {
            let start = start as usize;
            doc.get(start..start + len).unwrap_or("")
        };
        let found = self.items[..usize::from(self.len)]
            .iter()
            .rev()
            .find(|b| span(b.prefix, usize::from(b.prefix_len)) == prefix);
        match found {
            Some(b) => Some(span(b.uri, usize::from(b.uri_len))),
            None if prefix.is_empty() => Some(""),
            None => None,
        }
    }
}

/// If the attribute is a namespace declaration, the span of the prefix it declares (empty for
/// the default namespace).
fn ns_declaration(prefix: StrSpan<'_>, local: StrSpan<'_>) -> Option<Range<usize>> {
    match (prefix.as_str(), local.as_str()) {
        ("", "xmlns") => Some(0..0),
        ("xmlns", _) => Some(local.range()),
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
    let mut open: heapless::Vec<(&str, &str, u8), XML_MAX_DEPTH> = heapless::Vec::new();
    let mut scope = Scope::EMPTY;
    // The element whose start tag is being read: (prefix, local, scope length before it).
    let mut pending: Option<(&str, &str, u8)> = None;
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
                let declared = ns_declaration(prefix, local);
                let value_span = value.range();
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
                if let Some(declared) = declared {
                    // Namespace URIs with references are legal but never seen in CWMP; they
                    // are compared raw, so refuse them rather than mis-match silently.
                    if value.contains('&') {
                        return Err(XmlError::InvalidReference);
                    }
                    scope.push(declared, value_span)?;
                }
            }
            Token::ElementEnd { end, .. } => match end {
                ElementEnd::Open | ElementEnd::Empty => {
                    let Some((prefix, local, before)) = pending.take() else {
                        return Err(XmlError::Syntax { row: 0, col: 0 });
                    };
                    scope.resolve(text, prefix).ok_or(XmlError::UnboundPrefix)?;
                    for (p, l) in &attrs {
                        let declaration = *p == "xmlns" || (p.is_empty() && *l == "xmlns");
                        if !declaration && !p.is_empty() {
                            scope.resolve(text, p).ok_or(XmlError::UnboundPrefix)?;
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
            Token::Text { text: chars } => {
                let s = chars.as_str();
                if s.len() > XML_MAX_TEXT_LEN {
                    return Err(XmlError::TextTooLong);
                }
                text::check_references(s).map_err(ref_error)?;
            }
            Token::Cdata { text: chars, .. } => {
                if chars.as_str().len() > XML_MAX_TEXT_LEN {
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

/// Reads the start tag of an element whose `ElementStart` token was just consumed from
/// `tokens`, up to and including its `>` or `/>`. `start` is the offset of its `<`. The content
/// is not read: an element view costs only its start tag.
fn read_element<'a>(
    doc: &'a str,
    tokens: &mut Tokenizer<'a>,
    parent: &Scope,
    prefix: StrSpan<'a>,
    local: StrSpan<'a>,
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
                if let Some(declared) = ns_declaration(p, l) {
                    scope.push(declared, value.range())?;
                }
            }
            Some(Ok(Token::ElementEnd {
                end: ElementEnd::Empty,
                span,
            })) => break (None, span.end()),
            Some(Ok(Token::ElementEnd {
                end: ElementEnd::Open,
                span,
            })) => break (Some(span.end()), span.end()),
            Some(Ok(_)) => return Err(XmlError::MismatchedTag),
            Some(Err(e)) => return Err(syntax(e)),
            None => return Err(XmlError::MismatchedTag),
        }
    };
    let namespace = scope
        .resolve(doc, prefix.as_str())
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

/// Tokens of an element's content, from just after its start tag; ends at its end tag.
fn content_tokens(doc: &str, content_start: usize) -> Tokenizer<'_> {
    Tokenizer::from_fragment(doc, content_start..doc.len())
}

/// Offset of the `<` of the end tag that closes an element whose content starts at `from`.
///
/// Only used on documents that passed [`check_document`], so it can skip by bytes instead of
/// tokenizing: markup starts with `<`, a start tag ends at the first `>` outside quotes, and
/// comments, CDATA sections and processing instructions end at their terminators. This is
/// several times faster than the tokenizer and is what makes walking a long list cheap.
fn find_end_tag(doc: &str, from: usize) -> Option<usize> {
    let b = doc.as_bytes();
    let mut i = from;
    let mut depth = 0usize;
    loop {
        let lt = i + b.get(i..)?.iter().position(|&c| c == b'<')?;
        let rest = doc.get(lt..)?;
        if rest.starts_with("</") {
            if depth == 0 {
                return Some(lt);
            }
            depth -= 1;
            i = lt + rest.find('>')? + 1;
        } else if let Some(after) = rest.strip_prefix("<!--") {
            i = lt + 4 + after.find("-->")? + 3;
        } else if let Some(after) = rest.strip_prefix("<![CDATA[") {
            i = lt + 9 + after.find("]]>")? + 3;
        } else if let Some(after) = rest.strip_prefix("<?") {
            i = lt + 2 + after.find("?>")? + 2;
        } else {
            // A start tag: find its `>` outside attribute values.
            let mut quote = None;
            let mut j = lt + 1;
            loop {
                let c = *b.get(j)?;
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == b'"' || c == b'\'' => quote = Some(c),
                    None if c == b'>' => break,
                    None => {}
                }
                j += 1;
            }
            if b.get(j - 1) != Some(&b'/') {
                depth += 1;
            }
            i = j + 1;
        }
    }
}

/// Offset just after the end tag of an element whose content starts at `from`.
fn after_end_tag(doc: &str, from: usize) -> Option<usize> {
    let end = find_end_tag(doc, from)?;
    Some(end + doc.get(end..)?.find('>')? + 1)
}

/// One element of a checked document: its name and attributes, and where its content starts.
#[derive(Clone)]
pub struct Element<'a> {
    doc: &'a str,
    prefix: &'a str,
    local: &'a str,
    namespace: &'a str,
    tag: Range<usize>,
    /// Offset just after the start tag; `None` for an empty-element tag (`<a/>`).
    content: Option<usize>,
    scope: Scope,
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
            doc: self.doc,
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
        let ns = self.scope.resolve(self.doc, prefix)?;
        Some((ns, local))
    }

    /// True when the element has no content at all (`<a/>` or `<a></a>`).
    pub fn is_empty(&self) -> bool {
        match self.content {
            None => true,
            Some(start) => matches!(
                content_tokens(self.doc, start).next(),
                Some(Ok(Token::ElementEnd {
                    end: ElementEnd::Close(..),
                    ..
                }))
            ),
        }
    }

    /// The child elements, in document order.
    pub fn children(&self) -> Children<'a> {
        Children {
            doc: self.doc,
            tokens: content_tokens(self.doc, self.content.unwrap_or(0)),
            scope: self.scope,
            state: match self.content {
                Some(_) => ChildState::Between,
                None => ChildState::Done,
            },
        }
    }

    /// The first child element with local name `local` (in any namespace: CWMP arguments are
    /// unqualified, but some ACSs qualify them).
    pub fn child(&self, local: &str) -> Option<Element<'a>> {
        self.children().find(|c| c.local_name() == local)
    }

    /// The element's character data; [`XmlError::NotText`] if it has child elements.
    pub fn text(&self) -> Result<Text<'a>, XmlError> {
        let Some(start) = self.content else {
            return Ok(Text::empty());
        };
        let mut mixed = false;
        for token in content_tokens(self.doc, start) {
            match token.map_err(syntax)? {
                Token::Text { .. } => {}
                Token::ElementStart { .. } => return Err(XmlError::NotText),
                Token::ElementEnd {
                    end: ElementEnd::Close(..),
                    span,
                } => {
                    let raw = self.doc.get(start..span.start()).unwrap_or("");
                    return Ok(if mixed {
                        Text::mixed(raw)
                    } else {
                        Text::char_data(raw)
                    });
                }
                _ => mixed = true,
            }
        }
        // The document was checked, so every open element has an end tag.
        Err(XmlError::MismatchedTag)
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
    doc: &'a str,
    tokens: Tokenizer<'a>,
    scope: Scope,
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
                    if ns_declaration(prefix, local).is_some() {
                        continue;
                    }
                    let namespace = if prefix.as_str().is_empty() {
                        ""
                    } else {
                        self.scope.resolve(self.doc, prefix.as_str())?
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

/// Where a [`Children`] iterator stands.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ChildState {
    /// Between two children: the next token is content of the parent.
    Between,
    /// Just after the start tag of an open child whose content starts at this offset: the
    /// content must be skipped first.
    InsideChild(usize),
    /// The parent's end tag was reached.
    Done,
}

/// Iterator over an element's child elements. Each call reads only the next child's start tag
/// (and skips the previous child's content), so walking a list reads it once.
pub struct Children<'a> {
    doc: &'a str,
    tokens: Tokenizer<'a>,
    scope: Scope,
    state: ChildState,
}

impl<'a> Iterator for Children<'a> {
    type Item = Element<'a>;

    fn next(&mut self) -> Option<Element<'a>> {
        match self.state {
            ChildState::Done => return None,
            ChildState::InsideChild(content) => match after_end_tag(self.doc, content) {
                Some(next) => {
                    self.tokens = content_tokens(self.doc, next);
                    self.state = ChildState::Between;
                }
                None => {
                    self.state = ChildState::Done;
                    return None;
                }
            },
            ChildState::Between => {}
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
                        Ok(e) => {
                            if let Some(content) = e.content {
                                self.state = ChildState::InsideChild(content);
                            }
                            return Some(e);
                        }
                        Err(_) => {
                            self.state = ChildState::Done;
                            return None;
                        }
                    }
                }
                // The parent's own end tag.
                Some(Ok(Token::ElementEnd {
                    end: ElementEnd::Close(..),
                    ..
                })) => {
                    self.state = ChildState::Done;
                    return None;
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => {
                    self.state = ChildState::Done;
                    return None;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
