//! The parameter tree of the built-in backend, held compactly in memory.
//!
//! Responsible for the tree itself: objects, tables, instances and parameters; path lookup;
//! deterministic walks for GetParameterValues and GetParameterNames (digest §12 "Path
//! semantics"); value changes, instance creation from a table's template and instance removal,
//! each with an undo record so the caller can make a change and its persistence all-or-nothing;
//! and the `NumberOfEntries` parameters that follow each table (TR-106 §3.3). Not responsible
//! for the file format (`file`), for checking values against types (`dm::syntax`) nor for the
//! `DeviceInfo` values supplied from outside (`External` leaves, resolved by the backend).
//!
//! Layout: one vector of 20-byte node records in preorder (a node's subtree is the contiguous
//! range after it, `size` long), children sorted by segment, instance numbers numerically. A
//! node stores its own path segment only: an interned name (each distinct name once for the
//! whole tree) or an instance number inline. Values live in one string arena with offsets.
//! Full names are rebuilt while walking, so no per-parameter string is ever allocated. A walk
//! under a prefix descends segment by segment and then reads one contiguous range.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::fmt::Write as _;
use std::ops::ControlFlow;

use cwmp_core::datamodel::{check_path, is_partial};
use cwmp_core::limits::PATH_MAX_LEN;
use cwmp_core::soap::{FaultCode, ValueType};

use crate::dm::limits::{
    OBJECT_MAX_CHILDREN, PATH_MAX_SEGMENTS, STORE_MAX_NODES, STORE_MAX_SPECS, STORE_MAX_TABLES,
    VALUE_MAX_LEN,
};
use crate::dm::syntax::Constraint;

/// What one parameter admits and whether the ACS may set it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ParamSpec {
    /// Data type.
    pub ty: ValueType,
    /// Whether SetParameterValues may change it.
    pub writable: bool,
    /// Extra restrictions on its values.
    pub constraint: Constraint,
}

/// One parameter an AddObject creates in a new instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateParam {
    /// Name relative to the instance (`Enable`, `Stats.BytesSent`).
    pub name: Box<str>,
    /// Its definition.
    pub spec: ParamSpec,
    /// Its value in a new instance.
    pub default: Box<str>,
}

/// A multi-instance object (table) declaration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDef {
    /// The table path with `{i}` for enclosing instance numbers
    /// (`Device.IP.Interface.{i}.IPv4Address.`).
    pub pattern: Box<str>,
    /// Whether AddObject and DeleteObject are allowed.
    pub writable: bool,
    /// Most instances one table may hold (AddObject beyond it is 9004).
    pub max_instances: Option<u32>,
    /// Parameters of a new instance.
    pub template: Vec<TemplateParam>,
}

/// A parameter's value as the tree holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leaf<'s> {
    /// Held in the tree.
    Stored(&'s str),
    /// Supplied by the tree's owner, identified by the id given to [`ParamStore::set_external`].
    External(u16),
}

/// Why a tree cannot be built as described (store files, external parameters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// Not a valid parameter name or table path (syntax, aliases, length, depth).
    BadName(String),
    /// The same parameter twice, or a parameter named like an object.
    Duplicate(String),
    /// A parameter used as an object.
    UnderParameter(String),
    /// A child of a table that is not an instance number.
    NotAnInstance(String),
    /// An instance number under an object that is not a table.
    NotATable(String),
    /// A parameter name ending in an instance number.
    EndsInInstance(String),
    /// A table declared twice.
    DuplicateTable(String),
    /// A nested table whose enclosing table is not declared.
    MissingParentTable(String),
    /// More nodes, definitions or tables than the limits allow.
    TooMany(&'static str),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::BadName(n) => write!(f, "'{n}' is not a valid name here"),
            BuildError::Duplicate(n) => write!(f, "'{n}' is defined twice"),
            BuildError::UnderParameter(n) => {
                write!(f, "'{n}' is a parameter, it cannot have children")
            }
            BuildError::NotAnInstance(n) => {
                write!(f, "'{n}' is a table: its children must be instance numbers")
            }
            BuildError::NotATable(n) => write!(
                f,
                "'{n}' has named children, so it cannot hold instance numbers"
            ),
            BuildError::EndsInInstance(n) => {
                write!(f, "parameter name '{n}' ends in an instance number")
            }
            BuildError::DuplicateTable(n) => write!(f, "table '{n}' is declared twice"),
            BuildError::MissingParentTable(n) => {
                write!(f, "table '{n}' is nested in a table that is not declared")
            }
            BuildError::TooMany(what) => write!(f, "too many {what}"),
        }
    }
}

/// One path segment: an interned name or an instance number (high bit set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Seg(u32);

impl Seg {
    const INDEX: u32 = 1 << 31;

    fn name(id: u32) -> Seg {
        Seg(id & !Seg::INDEX)
    }

    fn index(n: u32) -> Option<Seg> {
        (1..Seg::INDEX).contains(&n).then_some(Seg(n | Seg::INDEX))
    }

    fn as_index(self) -> Option<u32> {
        (self.0 & Seg::INDEX != 0).then_some(self.0 & !Seg::INDEX)
    }
}

/// A path segment as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PathSeg<'a> {
    Name(&'a str),
    Index(u32),
    /// `{i}` in a table pattern.
    Any,
}

/// Splits a checked path (no trailing dot) into segments; `None` for aliases and numbers too
/// large to be instance numbers.
fn split(body: &str) -> impl Iterator<Item = Option<PathSeg<'_>>> {
    body.split('.').map(|s| {
        if s == "{i}" {
            Some(PathSeg::Any)
        } else if s.starts_with('[') {
            None
        } else if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse()
                .ok()
                .filter(|n| Seg::index(*n).is_some())
                .map(PathSeg::Index)
        } else {
            Some(PathSeg::Name(s))
        }
    })
}

/// Each distinct name segment once, sorted for lookup.
#[derive(Debug, Default, Clone)]
struct Names {
    text: String,
    spans: Vec<(u32, u16)>,
    sorted: Vec<u32>,
}

impl Names {
    fn text(&self, id: u32) -> &str {
        self.spans
            .get(id as usize)
            .and_then(|&(off, len)| self.text.get(off as usize..off as usize + len as usize))
            .unwrap_or("")
    }

    fn find(&self, s: &str) -> Option<u32> {
        let i = self
            .sorted
            .binary_search_by(|&id| self.text(id).cmp(s))
            .ok()?;
        self.sorted.get(i).copied()
    }

    fn intern(&mut self, s: &str) -> Result<u32, BuildError> {
        match self.sorted.binary_search_by(|&id| self.text(id).cmp(s)) {
            Ok(i) => self
                .sorted
                .get(i)
                .copied()
                .ok_or(BuildError::TooMany("names")),
            Err(i) => {
                let id = u32::try_from(self.spans.len())
                    .ok()
                    .filter(|id| *id < Seg::INDEX)
                    .ok_or(BuildError::TooMany("names"))?;
                let off =
                    u32::try_from(self.text.len()).map_err(|_| BuildError::TooMany("names"))?;
                let len = u16::try_from(s.len()).map_err(|_| BuildError::BadName(s.into()))?;
                self.text.push_str(s);
                self.spans.push((off, len));
                self.sorted.insert(i, id);
                Ok(id)
            }
        }
    }

    fn heap_bytes(&self) -> usize {
        self.text.capacity()
            + self.spans.capacity() * std::mem::size_of::<(u32, u16)>()
            + self.sorted.capacity() * 4
    }
}

/// What a node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Payload {
    /// A single-instance object (also the root).
    Object,
    /// An instance of a table.
    Instance,
    /// A table and the next instance number it hands out.
    Table { def: u16, next: u32 },
    /// A parameter held in the tree: its definition and value span.
    Param { spec: u16, len: u16, off: u32 },
    /// A parameter whose value the owner supplies.
    External { spec: u16, id: u16 },
}

/// A table whose declaration is still to come (store files list tables and parameters in any
/// order).
const UNDECLARED: u16 = u16::MAX;

#[derive(Debug, Clone, Copy)]
struct Node {
    seg: Seg,
    /// Nodes in this subtree, itself included.
    size: u32,
    payload: Payload,
}

impl Node {
    fn is_param(&self) -> bool {
        matches!(
            self.payload,
            Payload::Param { .. } | Payload::External { .. }
        )
    }
}

/// The ancestors of a node, root first.
#[derive(Debug, Clone, Copy)]
struct Trail {
    idx: [u32; PATH_MAX_SEGMENTS],
    len: usize,
}

impl Trail {
    fn new() -> Trail {
        Trail {
            idx: [0; PATH_MAX_SEGMENTS],
            len: 0,
        }
    }

    fn push(&mut self, i: usize) -> bool {
        match (self.idx.get_mut(self.len), u32::try_from(i)) {
            (Some(slot), Ok(v)) => {
                *slot = v;
                self.len += 1;
                true
            }
            _ => false,
        }
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.idx.iter().take(self.len).map(|&i| i as usize)
    }

    fn last(&self) -> Option<usize> {
        self.len
            .checked_sub(1)
            .and_then(|i| self.idx.get(i))
            .map(|&i| i as usize)
    }

    /// The ancestor before the last one.
    fn second_last(&self) -> Option<usize> {
        self.len
            .checked_sub(2)
            .and_then(|i| self.idx.get(i))
            .map(|&i| i as usize)
    }
}

/// How to take back a value change.
#[derive(Debug, Clone, Copy)]
pub struct ValueUndo {
    idx: usize,
    off: u32,
    len: u16,
}

/// How to take back an instance creation or removal.
#[derive(Debug)]
pub struct StructUndo(Undo);

#[derive(Debug)]
enum Undo {
    /// An instance was added at `at` (its subtree is `count` nodes); `trail` holds its
    /// ancestors (its table last), whose counter was `next`.
    Added {
        trail: Trail,
        at: usize,
        count: usize,
        next: u32,
        entries: Option<ValueUndo>,
    },
    /// An instance subtree was removed from `at`; `trail` holds its ancestors.
    Removed {
        trail: Trail,
        at: usize,
        nodes: Vec<Node>,
        entries: Option<ValueUndo>,
    },
}

/// A parameter tree; see the module documentation.
#[derive(Debug, Clone)]
pub struct ParamStore {
    /// Preorder; `nodes[0]` is the root (an object without a name) and always exists.
    nodes: Vec<Node>,
    names: Names,
    values: String,
    garbage: usize,
    specs: Vec<ParamSpec>,
    spec_index: HashMap<ParamSpec, u16>,
    defs: Vec<TableDef>,
    /// [`STORE_MAX_NODES`], lowered by the tests of that limit.
    max_nodes: usize,
}

impl Default for ParamStore {
    fn default() -> Self {
        ParamStore::new()
    }
}

impl ParamStore {
    /// An empty tree.
    pub fn new() -> ParamStore {
        ParamStore {
            nodes: vec![Node {
                seg: Seg::name(0),
                size: 1,
                payload: Payload::Object,
            }],
            names: Names::default(),
            values: String::new(),
            garbage: 0,
            specs: Vec::new(),
            spec_index: HashMap::new(),
            defs: Vec::new(),
            max_nodes: STORE_MAX_NODES,
        }
    }

    fn node(&self, i: usize) -> Option<&Node> {
        self.nodes.get(i)
    }

    fn size(&self, i: usize) -> usize {
        self.node(i).map_or(1, |n| n.size.max(1) as usize)
    }

    fn end(&self, i: usize) -> usize {
        i + self.size(i)
    }

    fn cmp_seg(&self, a: Seg, b: Seg) -> Ordering {
        match (a.as_index(), b.as_index()) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) if a == b => Ordering::Equal,
            (None, None) => self.names.text(a.0).cmp(self.names.text(b.0)),
        }
    }

    fn push_seg(&self, buf: &mut String, seg: Seg) {
        match seg.as_index() {
            Some(n) => {
                let _ = write!(buf, "{n}");
            }
            None => buf.push_str(self.names.text(seg.0)),
        }
    }

    fn lookup_seg(&self, s: PathSeg<'_>) -> Option<Seg> {
        match s {
            PathSeg::Name(n) => self.names.find(n).map(Seg::name),
            PathSeg::Index(n) => Seg::index(n),
            PathSeg::Any => None,
        }
    }

    fn children(&self, parent: usize) -> impl Iterator<Item = usize> + '_ {
        let end = self.end(parent);
        let mut c = parent + 1;
        std::iter::from_fn(move || {
            (c < end).then(|| {
                let i = c;
                c = self.end(c);
                i
            })
        })
    }

    fn child(&self, parent: usize, seg: Seg) -> Option<usize> {
        self.children(parent)
            .find(|&c| self.node(c).is_some_and(|n| n.seg == seg))
    }

    /// Finds the node a path names: a partial path must name an object, a full name a
    /// parameter; anything else is 9005.
    fn locate(&self, path: &str) -> Result<(usize, Trail), FaultCode> {
        const UNKNOWN: FaultCode = FaultCode::INVALID_PARAMETER_NAME;
        check_path(path).map_err(|_| UNKNOWN)?;
        let mut cur = 0;
        let mut trail = Trail::new();
        let body = path.strip_suffix('.').unwrap_or(path);
        if !body.is_empty() {
            for s in split(body) {
                let seg = s.and_then(|s| self.lookup_seg(s)).ok_or(UNKNOWN)?;
                if !trail.push(cur) {
                    return Err(UNKNOWN);
                }
                cur = self.child(cur, seg).ok_or(UNKNOWN)?;
            }
        }
        let is_param = self.node(cur).is_some_and(Node::is_param);
        if is_param == is_partial(path) {
            return Err(UNKNOWN);
        }
        Ok((cur, trail))
    }

    /// Inserts a leaf-less child of `parent` at its sorted place; `trail` holds the parent's
    /// ancestors. Returns its index, or the existing child's as `Err(Ok(i))`.
    fn insert_child(
        &mut self,
        trail: &Trail,
        parent: usize,
        seg: Seg,
        payload: Payload,
    ) -> Result<Result<usize, usize>, BuildError> {
        let end = self.end(parent);
        let mut place = None;
        let mut siblings = 0;
        let mut c = parent + 1;
        while c < end {
            let Some(n) = self.node(c) else { break };
            if place.is_none() {
                match self.cmp_seg(n.seg, seg) {
                    Ordering::Less => {}
                    Ordering::Equal => return Ok(Err(c)),
                    Ordering::Greater => place = Some(c),
                }
            }
            siblings += 1;
            c = self.end(c);
        }
        if siblings >= OBJECT_MAX_CHILDREN {
            return Err(BuildError::TooMany("children of one object"));
        }
        if self.nodes.len() >= self.max_nodes {
            return Err(BuildError::TooMany("nodes"));
        }
        let at = place.unwrap_or(end);
        if at > self.nodes.len() {
            return Err(BuildError::TooMany("nodes"));
        }
        if self.nodes.len() == self.nodes.capacity() {
            // Grow by an eighth, not by doubling: an insertion moves the tail anyway, and
            // doubling would make one AddObject on a large tree cost its size again in RAM.
            self.nodes.reserve_exact((self.nodes.len() / 8).max(16));
        }
        self.nodes.insert(
            at,
            Node {
                seg,
                size: 1,
                payload,
            },
        );
        for a in trail.iter().chain(std::iter::once(parent)) {
            if let Some(n) = self.nodes.get_mut(a) {
                n.size += 1;
            }
        }
        Ok(Ok(at))
    }

    fn store_value(&mut self, value: &str) -> Result<(u32, u16), BuildError> {
        let off = u32::try_from(self.values.len()).map_err(|_| BuildError::TooMany("values"))?;
        let len = u16::try_from(value.len())
            .ok()
            .filter(|l| usize::from(*l) <= VALUE_MAX_LEN)
            .ok_or(BuildError::TooMany("characters in a value"))?;
        if self.values.len() + value.len() > self.values.capacity() {
            self.values
                .reserve_exact(value.len().max(self.values.len() / 8).max(64));
        }
        self.values.push_str(value);
        Ok((off, len))
    }

    fn spec_id(&mut self, spec: ParamSpec) -> Result<u16, BuildError> {
        if let Some(&i) = self.spec_index.get(&spec) {
            return Ok(i);
        }
        let id = u16::try_from(self.specs.len())
            .ok()
            .filter(|&id| usize::from(id) < STORE_MAX_SPECS)
            .ok_or(BuildError::TooMany("parameter definitions"))?;
        self.spec_index.insert(spec.clone(), id);
        self.specs.push(spec);
        Ok(id)
    }

    /// Descends from `from` (whose ancestors are `trail`) along `segs`, creating objects and
    /// instances as needed, and creates the last segment with `leaf`. `name` is for errors.
    fn insert_path(
        &mut self,
        mut trail: Trail,
        from: usize,
        segs: &[PathSeg<'_>],
        leaf: Payload,
        name: &str,
    ) -> Result<usize, BuildError> {
        let mut cur = from;
        for (i, s) in segs.iter().enumerate() {
            let last = i + 1 == segs.len();
            let seg = match *s {
                PathSeg::Name(n) => Seg::name(self.names.intern(n)?),
                PathSeg::Index(n) => {
                    Seg::index(n).ok_or_else(|| BuildError::BadName(name.into()))?
                }
                PathSeg::Any => return Err(BuildError::BadName(name.into())),
            };
            let parent = *self.node(cur).ok_or(BuildError::TooMany("nodes"))?;
            let named_children = || {
                self.children(cur)
                    .any(|c| self.node(c).is_some_and(|n| n.seg.as_index().is_none()))
            };
            match (parent.payload, seg.as_index()) {
                (Payload::Param { .. } | Payload::External { .. }, _) => {
                    return Err(BuildError::UnderParameter(self.path_of(cur)));
                }
                (Payload::Table { .. }, None) => {
                    return Err(BuildError::NotAnInstance(self.path_of(cur)));
                }
                (Payload::Table { .. }, Some(_)) => {}
                (Payload::Object, Some(_)) if cur != 0 && !named_children() => {
                    if let Some(n) = self.nodes.get_mut(cur) {
                        n.payload = Payload::Table {
                            def: UNDECLARED,
                            next: 1,
                        };
                    }
                }
                (_, Some(_)) if cur == 0 => return Err(BuildError::BadName(name.into())),
                (_, Some(_)) => return Err(BuildError::NotATable(self.path_of(cur))),
                (_, None) => {}
            }
            let payload = match (last, seg.as_index()) {
                (true, Some(_))
                    if matches!(leaf, Payload::Param { .. } | Payload::External { .. }) =>
                {
                    return Err(BuildError::EndsInInstance(name.into()));
                }
                (true, _) => leaf,
                (false, Some(_)) => Payload::Instance,
                (false, None) => Payload::Object,
            };
            match self.insert_child(&trail, cur, seg, payload)? {
                Ok(new) => {
                    if !trail.push(cur) {
                        return Err(BuildError::BadName(name.into()));
                    }
                    cur = new;
                }
                Err(existing) => {
                    let node = *self.node(existing).ok_or(BuildError::TooMany("nodes"))?;
                    if last {
                        if node.is_param() || leaf_is_param(leaf) {
                            return Err(BuildError::Duplicate(name.into()));
                        }
                        return Ok(existing);
                    }
                    if node.is_param() {
                        return Err(BuildError::UnderParameter(self.path_of(existing)));
                    }
                    if !trail.push(cur) {
                        return Err(BuildError::BadName(name.into()));
                    }
                    cur = existing;
                }
            }
        }
        Ok(cur)
    }

    /// The path of node `target` (objects with their trailing dot); for error messages and
    /// table patterns, never on a hot path.
    fn path_of(&self, target: usize) -> String {
        let mut out = String::new();
        let _ = self.walk(0, "", &mut |i, _, name| {
            if i == target {
                out.push_str(name);
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        });
        out
    }

    /// Walks the subtree below `top` (whose path is `top_path`) in order, calling `f` with each
    /// node's index, its parent's index and its full name (objects end in `.`).
    fn walk(
        &self,
        top: usize,
        top_path: &str,
        f: &mut dyn FnMut(usize, usize, &str) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let mut buf = String::with_capacity(PATH_MAX_LEN + 16);
        buf.push_str(top_path);
        let end = self.end(top);
        // (end of subtree, name length before it, node), innermost last.
        let mut stack: Vec<(usize, usize, usize)> = Vec::with_capacity(PATH_MAX_SEGMENTS + 1);
        stack.push((end, buf.len(), top));
        let mut i = top + 1;
        while i < end {
            while let Some(&(e, len, _)) = stack.last() {
                if i >= e && stack.len() > 1 {
                    stack.pop();
                    buf.truncate(len);
                } else {
                    break;
                }
            }
            let parent = stack.last().map_or(top, |s| s.2);
            let Some(node) = self.node(i) else { break };
            let before = buf.len();
            self.push_seg(&mut buf, node.seg);
            if node.is_param() {
                f(i, parent, &buf)?;
                buf.truncate(before);
            } else {
                buf.push('.');
                f(i, parent, &buf)?;
                stack.push((self.end(i), before, i));
            }
            i += 1;
        }
        ControlFlow::Continue(())
    }

    fn writable(&self, i: usize, parent: usize) -> bool {
        match self.node(i).map(|n| n.payload) {
            Some(Payload::Param { spec, .. } | Payload::External { spec, .. }) => self
                .specs
                .get(usize::from(spec))
                .is_some_and(|s| s.writable),
            Some(Payload::Table { def, .. }) => {
                self.defs.get(usize::from(def)).is_some_and(|d| d.writable)
            }
            Some(Payload::Instance) => match self.node(parent).map(|n| n.payload) {
                Some(Payload::Table { def, .. }) => {
                    self.defs.get(usize::from(def)).is_some_and(|d| d.writable)
                }
                _ => false,
            },
            Some(Payload::Object) | None => false,
        }
    }

    fn leaf(&self, i: usize) -> Option<(&ParamSpec, Leaf<'_>)> {
        match self.node(i)?.payload {
            Payload::Param { spec, len, off } => {
                let v = self
                    .values
                    .get(off as usize..off as usize + usize::from(len))
                    .unwrap_or("");
                Some((self.specs.get(usize::from(spec))?, Leaf::Stored(v)))
            }
            Payload::External { spec, id } => {
                Some((self.specs.get(usize::from(spec))?, Leaf::External(id)))
            }
            _ => None,
        }
    }

    // ---- building

    /// Adds a parameter held in the tree (store files). `value` must already be valid for
    /// `spec`.
    pub fn add_param(
        &mut self,
        name: &str,
        spec: ParamSpec,
        value: &str,
    ) -> Result<(), BuildError> {
        let segs = parse_name(name)?;
        let spec = self.spec_id(spec)?;
        let (off, len) = self.store_value(value)?;
        self.insert_path(
            Trail::new(),
            0,
            &segs,
            Payload::Param { spec, len, off },
            name,
        )?;
        Ok(())
    }

    /// Makes `name` a parameter whose value the owner supplies under `id` (replacing a held
    /// parameter of that name). Returns true when it replaced one.
    pub fn set_external(
        &mut self,
        name: &str,
        spec: ParamSpec,
        id: u16,
    ) -> Result<bool, BuildError> {
        let spec = self.spec_id(spec)?;
        if let Ok((i, _)) = self.locate(name) {
            let Some(node) = self.nodes.get_mut(i) else {
                return Err(BuildError::TooMany("nodes"));
            };
            if let Payload::Param { len, .. } = node.payload {
                self.garbage += usize::from(len);
            }
            node.payload = Payload::External { spec, id };
            return Ok(true);
        }
        let segs = parse_name(name)?;
        self.insert_path(Trail::new(), 0, &segs, Payload::External { spec, id }, name)?;
        Ok(false)
    }

    /// Declares a table. Its tables nodes are created by [`ParamStore::finish`], so tables and
    /// parameters may be added in any order.
    pub fn declare_table(&mut self, def: TableDef) -> Result<(), BuildError> {
        let bad = || BuildError::BadName(def.pattern.to_string());
        let body = def.pattern.strip_suffix('.').ok_or_else(bad)?;
        let segs: Vec<Option<PathSeg<'_>>> = split(body).collect();
        // Only a whole `{i}` segment stands for an instance number.
        let probe: Vec<&str> = body
            .split('.')
            .map(|s| if s == "{i}" { "1" } else { s })
            .collect();
        let well_formed = check_path(&format!("{}.", probe.join("."))).is_ok()
            && segs
                .iter()
                .all(|s| matches!(s, Some(PathSeg::Name(_) | PathSeg::Any)))
            && matches!(segs.first(), Some(Some(PathSeg::Name(_))))
            && matches!(segs.last(), Some(Some(PathSeg::Name(_))))
            && segs.len() < PATH_MAX_SEGMENTS;
        if !well_formed {
            return Err(bad());
        }
        if self.defs.iter().any(|d| d.pattern == def.pattern) {
            return Err(BuildError::DuplicateTable(def.pattern.to_string()));
        }
        if self.defs.len() >= STORE_MAX_TABLES {
            return Err(BuildError::TooMany("tables"));
        }
        for t in &def.template {
            let probe = format!("{}1.{}", def.pattern.replace("{i}", "1"), t.name);
            if check_path(&probe).is_err() || is_partial(&t.name) || t.name.contains("{i}") {
                return Err(BuildError::BadName(t.name.to_string()));
            }
        }
        // Template definitions are interned like any other so instances share them.
        for t in &def.template {
            self.spec_id(t.spec.clone())?;
        }
        self.defs.push(def);
        Ok(())
    }

    /// Finishes building: creates the declared tables (also under every existing instance of
    /// their enclosing tables), declares read-only tables for instances found without a
    /// declaration, sets each table's counter past its highest instance and past `counters`
    /// (concrete table path, next number), and brings every NumberOfEntries up to date.
    pub fn finish(&mut self, counters: &[(String, u32)]) -> Result<(), BuildError> {
        // Every `{i}` must follow the path of a declared table, whether or not that table has
        // instances now (it may get some by AddObject).
        for def in &self.defs {
            let mut prefix = String::new();
            for seg in def.pattern.split('.').filter(|s| !s.is_empty()) {
                if seg == "{i}" && !self.defs.iter().any(|d| *d.pattern == *prefix) {
                    return Err(BuildError::MissingParentTable(def.pattern.to_string()));
                }
                prefix.push_str(seg);
                prefix.push('.');
            }
        }
        self.materialize_all()?;
        let found = self.table_nodes();
        self.declare_implicit_tables(&found)?;
        // A table found under one instance exists under every instance of its parent, as a
        // declared one would: the tree then reads back from its own file unchanged.
        self.materialize_all()?;
        let tables = self.table_nodes();
        self.set_counters(&tables, counters);
        for &(t, parent, _) in &tables {
            self.refresh_entries(t, parent);
        }
        self.shrink();
        Ok(())
    }

    /// Creates the concrete tables of every declaration, enclosing tables first.
    fn materialize_all(&mut self) -> Result<(), BuildError> {
        let mut order: Vec<usize> = (0..self.defs.len()).collect();
        order.sort_by_key(|&d| self.defs.get(d).map_or(0, |t| t.pattern.len()));
        for d in order {
            let pattern = self
                .defs
                .get(d)
                .map(|t| t.pattern.to_string())
                .unwrap_or_default();
            self.materialize(&pattern, d)?;
        }
        Ok(())
    }

    /// Creates the concrete tables of `pattern` (declaration `d`).
    fn materialize(&mut self, pattern: &str, d: usize) -> Result<(), BuildError> {
        let def = u16::try_from(d).map_err(|_| BuildError::TooMany("tables"))?;
        let body = pattern.strip_suffix('.').unwrap_or(pattern);
        let mut prefixes = vec![String::new()];
        let segs: Vec<&str> = body.split('.').collect();
        for (k, s) in segs.iter().enumerate() {
            let last = k + 1 == segs.len();
            let mut next = Vec::new();
            for p in &prefixes {
                if *s == "{i}" {
                    let table_path = p.clone();
                    let Ok((t, _)) = self.locate(&table_path) else {
                        return Err(BuildError::MissingParentTable(pattern.into()));
                    };
                    match self.node(t).map(|n| n.payload) {
                        Some(Payload::Table { def, .. }) if def != UNDECLARED => {}
                        _ => return Err(BuildError::MissingParentTable(pattern.into())),
                    }
                    for c in self.children(t) {
                        if let Some(n) = self.node(c).and_then(|n| n.seg.as_index()) {
                            next.push(format!("{p}{n}."));
                        }
                    }
                } else if last {
                    self.create_table(p, s, def, pattern)?;
                } else {
                    next.push(format!("{p}{s}."));
                }
            }
            prefixes = next;
        }
        Ok(())
    }

    /// Creates (or declares) the table `name` under the object `parent_path`.
    fn create_table(
        &mut self,
        parent_path: &str,
        name: &str,
        def: u16,
        pattern: &str,
    ) -> Result<(), BuildError> {
        let name_path = format!("{parent_path}{name}");
        let path = format!("{name_path}.");
        let segs = parse_name(&name_path)?;
        let at = self.insert_path(
            Trail::new(),
            0,
            &segs,
            Payload::Table { def, next: 1 },
            &path,
        )?;
        let named_children = self
            .children(at)
            .any(|c| self.node(c).is_some_and(|n| n.seg.as_index().is_none()));
        let Some(node) = self.nodes.get_mut(at) else {
            return Err(BuildError::TooMany("nodes"));
        };
        match node.payload {
            Payload::Table { def: d, .. } if d == def => Ok(()),
            Payload::Table {
                def: UNDECLARED,
                next,
            } => {
                node.payload = Payload::Table { def, next };
                Ok(())
            }
            Payload::Table { .. } => Err(BuildError::DuplicateTable(pattern.into())),
            Payload::Object if !named_children => {
                node.payload = Payload::Table { def, next: 1 };
                Ok(())
            }
            Payload::Object | Payload::Instance => Err(BuildError::NotATable(path)),
            Payload::Param { .. } | Payload::External { .. } => Err(BuildError::Duplicate(path)),
        }
    }

    /// Every table node with its parent and path.
    fn table_nodes(&self) -> Vec<(usize, usize, String)> {
        let mut out = Vec::new();
        let _ = self.walk(0, "", &mut |i, parent, name| {
            if matches!(self.node(i).map(|n| n.payload), Some(Payload::Table { .. })) {
                out.push((i, parent, name.to_string()));
            }
            ControlFlow::Continue(())
        });
        out
    }

    fn declare_implicit_tables(
        &mut self,
        tables: &[(usize, usize, String)],
    ) -> Result<(), BuildError> {
        for (t, _, path) in tables {
            let Some(Payload::Table {
                def: UNDECLARED, ..
            }) = self.node(*t).map(|n| n.payload)
            else {
                continue;
            };
            let pattern = pattern_of(path);
            let def = match self.defs.iter().position(|d| *d.pattern == *pattern) {
                Some(d) => d,
                None => {
                    if self.defs.len() >= STORE_MAX_TABLES {
                        return Err(BuildError::TooMany("tables"));
                    }
                    self.defs.push(TableDef {
                        pattern: pattern.into(),
                        writable: false,
                        max_instances: None,
                        template: Vec::new(),
                    });
                    self.defs.len() - 1
                }
            };
            let def = u16::try_from(def).map_err(|_| BuildError::TooMany("tables"))?;
            if let Some(n) = self.nodes.get_mut(*t) {
                n.payload = Payload::Table { def, next: 1 };
            }
        }
        Ok(())
    }

    fn set_counters(&mut self, tables: &[(usize, usize, String)], counters: &[(String, u32)]) {
        for (t, _, path) in tables {
            let highest = self
                .children(*t)
                .filter_map(|c| self.node(c).and_then(|n| n.seg.as_index()))
                .max()
                .unwrap_or(0);
            let saved = counters
                .iter()
                .filter(|(p, _)| p == path)
                .map(|&(_, n)| n)
                .max()
                .unwrap_or(1);
            if let Some(Node {
                payload: Payload::Table { next, .. },
                ..
            }) = self.nodes.get_mut(*t)
            {
                *next = highest.saturating_add(1).max(saved).max(1);
            }
        }
    }

    /// The sibling `<Table>NumberOfEntries` parameter of table node `t` (whose parent is
    /// `parent`), if held in the tree as an `unsignedInt`, the type TR-106 gives it.
    fn entries_param(&self, t: usize, parent: usize) -> Option<usize> {
        let node = self.node(t)?;
        let name = format!("{}NumberOfEntries", self.names.text(node.seg.0));
        let seg = self.names.find(&name).map(Seg::name)?;
        let c = self.child(parent, seg)?;
        let (spec, leaf) = self.leaf(c)?;
        (spec.ty == ValueType::UnsignedInt && matches!(leaf, Leaf::Stored(_))).then_some(c)
    }

    /// Sets the NumberOfEntries of table node `t` to its instance count (unless its own
    /// constraints forbid that number); returns the undo.
    fn refresh_entries(&mut self, t: usize, parent: usize) -> Option<ValueUndo> {
        let count = self.children(t).count();
        let p = self.entries_param(t, parent)?;
        let text = count.to_string();
        match self.leaf(p) {
            Some((_, Leaf::Stored(v))) if v == text => return None,
            Some((spec, _)) if !spec.constraint.admits(spec.ty, &text) => return None,
            _ => {}
        }
        self.replace_value(p, &text).ok()
    }

    fn replace_value(&mut self, i: usize, value: &str) -> Result<ValueUndo, FaultCode> {
        let Some(Node {
            payload: Payload::Param { off, len, .. },
            ..
        }) = self.node(i).copied()
        else {
            return Err(FaultCode::INTERNAL_ERROR);
        };
        let (new_off, new_len) = self
            .store_value(value)
            .map_err(|_| FaultCode::RESOURCES_EXCEEDED)?;
        if let Some(Node {
            payload: Payload::Param { off, len, .. },
            ..
        }) = self.nodes.get_mut(i)
        {
            *off = new_off;
            *len = new_len;
        }
        Ok(ValueUndo { idx: i, off, len })
    }

    // ---- reading

    /// Visits every parameter at or under `path` (see `DataModel::get`) with its name,
    /// definition and value, in tree order.
    pub fn get(
        &self,
        path: &str,
        visit: &mut dyn FnMut(&str, &ParamSpec, Leaf<'_>) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        let (idx, _) = self.locate(path)?;
        if let Some((spec, leaf)) = self.leaf(idx) {
            let _ = visit(path, spec, leaf);
            return Ok(());
        }
        let _ = self.walk(idx, path, &mut |i, _, name| match self.leaf(i) {
            Some((spec, leaf)) => visit(name, spec, leaf),
            None => ControlFlow::Continue(()),
        });
        Ok(())
    }

    /// Visits names for GetParameterNames (see `DataModel::names`) with their writability.
    pub fn names(
        &self,
        path: &str,
        next_level: bool,
        visit: &mut dyn FnMut(&str, bool) -> ControlFlow<()>,
    ) -> Result<(), FaultCode> {
        let (idx, trail) = self.locate(path)?;
        let parent = trail.last().unwrap_or(0);
        let is_param = self.node(idx).is_some_and(Node::is_param);
        if is_param {
            if next_level {
                return Err(FaultCode::INVALID_ARGUMENTS);
            }
            let _ = visit(path, self.writable(idx, parent));
            return Ok(());
        }
        if next_level {
            let mut buf = String::with_capacity(PATH_MAX_LEN + 16);
            for c in self.children(idx) {
                let Some(node) = self.node(c) else { break };
                buf.clear();
                buf.push_str(path);
                self.push_seg(&mut buf, node.seg);
                if !node.is_param() {
                    buf.push('.');
                }
                if visit(&buf, self.writable(c, idx)).is_break() {
                    break;
                }
            }
            return Ok(());
        }
        if idx != 0 && visit(path, self.writable(idx, parent)).is_break() {
            return Ok(());
        }
        let _ = self.walk(idx, path, &mut |i, p, name| {
            visit(name, self.writable(i, p))
        });
        Ok(())
    }

    /// The definition and value of the parameter `name`; 9005 if there is none.
    pub fn param(&self, name: &str) -> Result<(&ParamSpec, Leaf<'_>), FaultCode> {
        let (idx, _) = self.locate(name)?;
        self.leaf(idx).ok_or(FaultCode::INVALID_PARAMETER_NAME)
    }

    // ---- changing

    /// Sets the held parameter `name` to `value` (already checked); the undo takes it back.
    pub fn set_value(&mut self, name: &str, value: &str) -> Result<ValueUndo, FaultCode> {
        let (idx, _) = self.locate(name)?;
        match self.node(idx).map(|n| n.payload) {
            Some(Payload::Param { .. }) => self.replace_value(idx, value),
            Some(Payload::External { .. }) => Err(FaultCode::NON_WRITABLE_PARAMETER),
            _ => Err(FaultCode::INVALID_PARAMETER_NAME),
        }
    }

    /// Takes back a value change (the latest first when there are several).
    pub fn undo_value(&mut self, u: ValueUndo) {
        if let Some(Node {
            payload: Payload::Param { off, len, .. },
            ..
        }) = self.nodes.get_mut(u.idx)
        {
            self.garbage += usize::from(*len);
            *off = u.off;
            *len = u.len;
        }
    }

    /// Accepts a value change for good: the old value's space becomes reclaimable.
    pub fn settle_value(&mut self, u: ValueUndo) {
        self.garbage += usize::from(u.len);
    }

    /// AddObject on the table `path`: a new instance with the next number, the template's
    /// parameters and the nested tables. 9005 if `path` is not a table, 9001 if the table is
    /// read-only, 9004 when a limit would be passed.
    pub fn add_instance(&mut self, path: &str) -> Result<(u32, StructUndo), FaultCode> {
        let (t, mut trail) = self.locate(path)?;
        let Some(Payload::Table { def, next }) = self.node(t).map(|n| n.payload) else {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        };
        let tdef = self
            .defs
            .get(usize::from(def))
            .ok_or(FaultCode::INTERNAL_ERROR)?
            .clone();
        if !tdef.writable {
            return Err(FaultCode::REQUEST_DENIED);
        }
        let count = self.children(t).count();
        if tdef.max_instances.is_some_and(|m| count >= m as usize) {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        let seg = Seg::index(next).ok_or(FaultCode::RESOURCES_EXCEEDED)?;
        let nested = self.nested_tables(&tdef.pattern);
        let longest = tdef
            .template
            .iter()
            .map(|p| p.name.len())
            .chain(nested.iter().map(|(rel, _)| rel.len() + 1))
            .max()
            .unwrap_or(0);
        if path.len() + next.to_string().len() + 1 + longest > PATH_MAX_LEN {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        let table_parent = trail.last().unwrap_or(0);
        let at = match self.insert_child(&trail, t, seg, Payload::Instance) {
            Ok(Ok(at)) => at,
            _ => return Err(FaultCode::RESOURCES_EXCEEDED),
        };
        if !trail.push(t) {
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        if let Some(Node {
            payload: Payload::Table { next: n, .. },
            ..
        }) = self.nodes.get_mut(t)
        {
            *n = next.saturating_add(1);
        }
        // Depth or node limits can stop the template half way: then nothing stays.
        let built = self.fill_instance(trail, at, &tdef, &nested);
        let count = self.size(at);
        let entries = match built {
            Ok(()) => self.refresh_entries(t, table_parent),
            Err(_) => None,
        };
        let undo = StructUndo(Undo::Added {
            trail,
            at,
            count,
            next,
            entries,
        });
        if built.is_err() {
            self.revert(undo);
            return Err(FaultCode::RESOURCES_EXCEEDED);
        }
        Ok((next, undo))
    }

    /// Tables declared directly inside instances of the table `pattern`: (relative path
    /// without its trailing dot, declaration).
    fn nested_tables(&self, pattern: &str) -> Vec<(String, u16)> {
        let prefix = format!("{pattern}{{i}}.");
        let mut out = Vec::new();
        for (d, def) in self.defs.iter().enumerate() {
            let rel = def
                .pattern
                .strip_prefix(&prefix)
                .and_then(|r| r.strip_suffix('.'));
            if let (Some(rel), Ok(d)) = (rel, u16::try_from(d))
                && !rel.contains("{i}")
            {
                out.push((rel.to_string(), d));
            }
        }
        out
    }

    /// Creates the template's parameters and the nested tables under the new instance `at`,
    /// whose ancestors are `trail`.
    fn fill_instance(
        &mut self,
        trail: Trail,
        at: usize,
        tdef: &TableDef,
        nested: &[(String, u16)],
    ) -> Result<(), BuildError> {
        for p in &tdef.template {
            let segs = parse_rel(&p.name)?;
            let spec = self.spec_id(p.spec.clone())?;
            let (off, len) = self.store_value(&p.default)?;
            self.insert_path(trail, at, &segs, Payload::Param { spec, len, off }, &p.name)?;
        }
        for (rel, def) in nested {
            let segs = parse_rel(rel)?;
            self.insert_path(trail, at, &segs, Payload::Table { def: *def, next: 1 }, rel)?;
        }
        Ok(())
    }

    /// DeleteObject on the instance `path`: removes it and everything under it. 9005 if `path`
    /// is not an instance, 9001 if its table is read-only.
    pub fn delete_instance(&mut self, path: &str) -> Result<StructUndo, FaultCode> {
        let (at, trail) = self.locate(path)?;
        if !matches!(self.node(at).map(|n| n.payload), Some(Payload::Instance)) {
            return Err(FaultCode::INVALID_PARAMETER_NAME);
        }
        let table = trail.last().ok_or(FaultCode::INVALID_PARAMETER_NAME)?;
        let table_parent = trail.second_last().unwrap_or(0);
        if !self.writable(at, table) {
            return Err(FaultCode::REQUEST_DENIED);
        }
        let count = self.size(at);
        let end = (at + count).min(self.nodes.len());
        let nodes: Vec<Node> = self.nodes.drain(at..end).collect();
        for a in trail.iter() {
            if let Some(n) = self.nodes.get_mut(a) {
                n.size = n.size.saturating_sub(nodes.len() as u32);
            }
        }
        let entries = self.refresh_entries(table, table_parent);
        Ok(StructUndo(Undo::Removed {
            trail,
            at,
            nodes,
            entries,
        }))
    }

    /// Takes back an instance creation or removal.
    pub fn revert(&mut self, undo: StructUndo) {
        match undo.0 {
            Undo::Added {
                trail,
                at,
                count,
                next,
                entries,
            } => {
                if let Some(e) = entries {
                    self.undo_value(e);
                }
                let end = (at + count).min(self.nodes.len());
                let removed: Vec<Node> = self.nodes.drain(at..end).collect();
                for n in &removed {
                    if let Payload::Param { len, .. } = n.payload {
                        self.garbage += usize::from(len);
                    }
                }
                for a in trail.iter() {
                    if let Some(n) = self.nodes.get_mut(a) {
                        n.size = n.size.saturating_sub(removed.len() as u32);
                    }
                }
                if let Some(t) = trail.last()
                    && let Some(Node {
                        payload: Payload::Table { next: n, .. },
                        ..
                    }) = self.nodes.get_mut(t)
                {
                    *n = next;
                }
            }
            Undo::Removed {
                trail,
                at,
                nodes,
                entries,
            } => {
                if let Some(e) = entries {
                    self.undo_value(e);
                }
                let k = nodes.len() as u32;
                let at = at.min(self.nodes.len());
                self.nodes.splice(at..at, nodes);
                for a in trail.iter() {
                    if let Some(n) = self.nodes.get_mut(a) {
                        n.size += k;
                    }
                }
            }
        }
    }

    /// Accepts an instance creation or removal for good.
    pub fn settle(&mut self, undo: StructUndo) {
        match undo.0 {
            Undo::Added { entries, .. } => {
                if let Some(e) = entries {
                    self.settle_value(e);
                }
            }
            Undo::Removed { nodes, entries, .. } => {
                if let Some(e) = entries {
                    self.settle_value(e);
                }
                for n in nodes {
                    if let Payload::Param { len, .. } = n.payload {
                        self.garbage += usize::from(len);
                    }
                }
            }
        }
        self.compact_if_worthwhile();
    }

    /// Rewrites the value arena without the space of replaced and removed values once that
    /// space is both large and most of the arena.
    pub fn compact_if_worthwhile(&mut self) {
        if self.garbage > 16 * 1024 && self.garbage * 2 > self.values.len() {
            self.compact_values();
        }
    }

    fn compact_values(&mut self) {
        let mut fresh = String::with_capacity(self.values.len().saturating_sub(self.garbage));
        for n in &mut self.nodes {
            if let Payload::Param { off, len, .. } = &mut n.payload {
                let v = self
                    .values
                    .get(*off as usize..*off as usize + usize::from(*len))
                    .unwrap_or("");
                // The fresh arena is smaller than the old one, whose offsets fitted in u32.
                *off = fresh.len() as u32;
                fresh.push_str(v);
            }
        }
        self.values = fresh;
        self.garbage = 0;
    }

    /// Releases spare capacity (after loading).
    pub fn shrink(&mut self) {
        self.compact_values();
        self.nodes.shrink_to_fit();
        self.values.shrink_to_fit();
        self.names.text.shrink_to_fit();
        self.names.spans.shrink_to_fit();
        self.names.sorted.shrink_to_fit();
        self.specs.shrink_to_fit();
        self.defs.shrink_to_fit();
    }

    // ---- whole-tree views (the file writer)

    /// The table declarations.
    pub fn tables(&self) -> &[TableDef] {
        &self.defs
    }

    /// Visits every held parameter (not the external ones) with name, definition and value.
    pub fn for_each_stored(
        &self,
        visit: &mut dyn FnMut(&str, &ParamSpec, &str) -> ControlFlow<()>,
    ) {
        let _ = self.walk(0, "", &mut |i, _, name| match self.leaf(i) {
            Some((spec, Leaf::Stored(v))) => visit(name, spec, v),
            _ => ControlFlow::Continue(()),
        });
    }

    /// Visits every concrete table path with its next instance number.
    pub fn for_each_counter(&self, visit: &mut dyn FnMut(&str, u32) -> ControlFlow<()>) {
        let _ = self.walk(
            0,
            "",
            &mut |i, _, name| match self.node(i).map(|n| n.payload) {
                Some(Payload::Table { next, .. }) => visit(name, next),
                _ => ControlFlow::Continue(()),
            },
        );
    }

    /// Removes the subtree `path` (a partial path) if it exists; returns how many parameters
    /// went with it.
    pub fn prune(&mut self, path: &str) -> usize {
        let Ok((at, trail)) = self.locate(path) else {
            return 0;
        };
        if at == 0 {
            return 0;
        }
        let end = self.end(at).min(self.nodes.len());
        let removed: Vec<Node> = self.nodes.drain(at..end).collect();
        for a in trail.iter() {
            if let Some(n) = self.nodes.get_mut(a) {
                n.size = n.size.saturating_sub(removed.len() as u32);
            }
        }
        removed.iter().filter(|n| n.is_param()).count()
    }

    /// Parameters held or supplied (objects not counted).
    pub fn param_count(&self) -> usize {
        self.nodes.iter().filter(|n| n.is_param()).count()
    }

    /// Heap bytes the tree occupies (capacities of everything it owns).
    pub fn heap_bytes(&self) -> usize {
        let specs: usize = self
            .specs
            .iter()
            .map(|s| {
                s.constraint.enumeration.as_ref().map_or(0, |e| {
                    e.len() * 16 + e.iter().map(|v| v.len()).sum::<usize>()
                })
            })
            .sum();
        let defs: usize = self
            .defs
            .iter()
            .map(|d| {
                d.pattern.len()
                    + d.template.capacity() * std::mem::size_of::<TemplateParam>()
                    + d.template
                        .iter()
                        .map(|t| t.name.len() + t.default.len())
                        .sum::<usize>()
            })
            .sum();
        let index = self.spec_index.capacity() * (std::mem::size_of::<ParamSpec>() + 2 + 8);
        self.nodes.capacity() * std::mem::size_of::<Node>()
            + index
            + self.names.heap_bytes()
            + self.values.capacity()
            + self.specs.capacity() * std::mem::size_of::<ParamSpec>()
            + specs
            + self.defs.capacity() * std::mem::size_of::<TableDef>()
            + defs
    }
}

/// The table pattern of a concrete table path: instance numbers become `{i}`.
fn pattern_of(path: &str) -> String {
    path.split('.')
        .map(|s| {
            if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                "{i}"
            } else {
                s
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn leaf_is_param(p: Payload) -> bool {
    matches!(p, Payload::Param { .. } | Payload::External { .. })
}

/// Segments of a full parameter name.
fn parse_name(name: &str) -> Result<Vec<PathSeg<'_>>, BuildError> {
    if name.is_empty() || check_path(name).is_err() {
        return Err(BuildError::BadName(name.into()));
    }
    let body = name.strip_suffix('.').unwrap_or(name);
    let segs: Option<Vec<PathSeg<'_>>> = split(body)
        .map(|s| s.filter(|s| *s != PathSeg::Any))
        .collect();
    let segs = segs.ok_or_else(|| BuildError::BadName(name.into()))?;
    if segs.len() > PATH_MAX_SEGMENTS - 1 {
        return Err(BuildError::BadName(name.into()));
    }
    Ok(segs)
}

/// Segments of a name relative to an instance (templates).
fn parse_rel(rel: &str) -> Result<Vec<PathSeg<'_>>, BuildError> {
    let segs: Option<Vec<PathSeg<'_>>> = split(rel)
        .map(|s| s.filter(|s| matches!(s, PathSeg::Name(_))))
        .collect();
    segs.ok_or_else(|| BuildError::BadName(rel.into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(ty: ValueType, writable: bool) -> ParamSpec {
        ParamSpec {
            ty,
            writable,
            constraint: Constraint::default(),
        }
    }

    fn names(s: &ParamStore, path: &str, next: bool) -> Vec<String> {
        let mut out = Vec::new();
        s.names(path, next, &mut |n, w| {
            out.push(format!("{n}{}", if w { " w" } else { "" }));
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    fn values(s: &ParamStore, path: &str) -> Vec<String> {
        let mut out = Vec::new();
        s.get(path, &mut |n, _, leaf| {
            out.push(match leaf {
                Leaf::Stored(v) => format!("{n}={v}"),
                Leaf::External(id) => format!("{n}=#{id}"),
            });
            ControlFlow::Continue(())
        })
        .unwrap();
        out
    }

    fn port_mapping() -> TableDef {
        TableDef {
            pattern: "Device.NAT.PortMapping.".into(),
            writable: true,
            max_instances: Some(3),
            template: vec![
                TemplateParam {
                    name: "Enable".into(),
                    spec: spec(ValueType::Boolean, true),
                    default: "false".into(),
                },
                TemplateParam {
                    name: "Stats.Hits".into(),
                    spec: spec(ValueType::UnsignedInt, false),
                    default: "0".into(),
                },
            ],
        }
    }

    fn sample() -> ParamStore {
        let mut s = ParamStore::new();
        s.add_param(
            "Device.Time.NTPServer1",
            spec(ValueType::String, true),
            "pool.ntp.org",
        )
        .unwrap();
        s.add_param("Device.Time.Enable", spec(ValueType::Boolean, true), "true")
            .unwrap();
        s.add_param(
            "Device.NAT.PortMappingNumberOfEntries",
            spec(ValueType::UnsignedInt, false),
            "7",
        )
        .unwrap();
        s.add_param(
            "Device.NAT.PortMapping.2.Enable",
            spec(ValueType::Boolean, true),
            "true",
        )
        .unwrap();
        s.add_param(
            "Device.NAT.PortMapping.10.Enable",
            spec(ValueType::Boolean, true),
            "false",
        )
        .unwrap();
        s.declare_table(port_mapping()).unwrap();
        s.finish(&[]).unwrap();
        s
    }

    #[test]
    fn children_per_object_limit() {
        let mut s = ParamStore::new();
        for i in 0..OBJECT_MAX_CHILDREN {
            s.add_param(&format!("Device.P{i}"), spec(ValueType::String, false), "")
                .unwrap();
        }
        assert_eq!(
            s.add_param("Device.Q", spec(ValueType::String, false), ""),
            Err(BuildError::TooMany("children of one object"))
        );
    }

    #[test]
    fn node_limit_makes_add_object_9004_and_leaves_nothing() {
        let mut s = sample();
        s.max_nodes = s.nodes.len() + 2;
        // The instance and its Enable fit, Stats and Stats.Hits do not.
        let before = values(&s, "");
        assert_eq!(
            s.add_instance("Device.NAT.PortMapping.").unwrap_err(),
            FaultCode::RESOURCES_EXCEEDED
        );
        assert_eq!(values(&s, ""), before);
        assert_eq!(
            s.add_param("Device.Time.X", spec(ValueType::String, false), "")
                .and_then(|()| s.add_param("Device.Time.Y", spec(ValueType::String, false), ""))
                .and_then(|()| s.add_param("Device.Time.Z", spec(ValueType::String, false), "")),
            Err(BuildError::TooMany("nodes"))
        );
    }

    #[test]
    fn definition_limit() {
        let mut s = ParamStore::new();
        let limited = |n: usize| ParamSpec {
            ty: ValueType::String,
            writable: false,
            constraint: Constraint {
                max_length: Some(n as u32),
                ..Constraint::default()
            },
        };
        for i in 0..STORE_MAX_SPECS {
            s.add_param(&format!("Device.O{}.P{i}", i / 1000), limited(i), "")
                .unwrap();
        }
        // A definition already known still fits.
        s.add_param("Device.O9.Again", limited(7), "").unwrap();
        assert_eq!(
            s.add_param("Device.O9.New", limited(STORE_MAX_SPECS), ""),
            Err(BuildError::TooMany("parameter definitions"))
        );
    }

    #[test]
    fn table_limit() {
        let mut s = ParamStore::new();
        let table = |i: usize| TableDef {
            pattern: format!("Device.T{i}.").into(),
            writable: false,
            max_instances: None,
            template: vec![],
        };
        for i in 0..STORE_MAX_TABLES {
            s.declare_table(table(i)).unwrap();
        }
        assert_eq!(
            s.declare_table(table(STORE_MAX_TABLES)),
            Err(BuildError::TooMany("tables"))
        );
        s.finish(&[]).unwrap();
    }

    #[test]
    fn only_unsigned_number_of_entries_follow_their_table() {
        // fuzz (param_store): a string `…NumberOfEntries` with an enumeration was given the
        // count, and the file written next did not read back.
        let mut s = ParamStore::new();
        let mut text = spec(ValueType::String, false);
        text.constraint.enumeration = Some(vec!["A".into()].into_boxed_slice());
        s.add_param("Device.TNumberOfEntries", text, "A").unwrap();
        let mut capped = spec(ValueType::UnsignedInt, false);
        capped.constraint.max = Some(0);
        s.add_param("Device.UNumberOfEntries", capped, "0").unwrap();
        s.add_param("Device.T.1.X", spec(ValueType::String, false), "")
            .unwrap();
        s.add_param("Device.U.1.X", spec(ValueType::String, false), "")
            .unwrap();
        s.finish(&[]).unwrap();
        assert_eq!(
            s.param("Device.TNumberOfEntries").unwrap().1,
            Leaf::Stored("A")
        );
        assert_eq!(
            s.param("Device.UNumberOfEntries").unwrap().1,
            Leaf::Stored("0")
        );
    }

    #[test]
    fn a_table_found_in_one_instance_exists_in_all() {
        // fuzz (param_store): `A.2.B.1.X` made `A.{i}.B.` a table, but only under A.2; read
        // back from the written file it appeared under A.3 too.
        let mut s = ParamStore::new();
        s.add_param("Device.A.2.B.1.X", spec(ValueType::String, false), "")
            .unwrap();
        s.add_param("Device.A.3.Y", spec(ValueType::String, false), "")
            .unwrap();
        s.finish(&[]).unwrap();
        assert_eq!(
            names(&s, "Device.A.3.", true),
            ["Device.A.3.B.", "Device.A.3.Y"]
        );
        let mut conflicting = ParamStore::new();
        conflicting
            .add_param("Device.A.2.B.1.X", spec(ValueType::String, false), "")
            .unwrap();
        conflicting
            .add_param("Device.A.3.B", spec(ValueType::String, false), "")
            .unwrap();
        assert_eq!(
            conflicting.finish(&[]),
            Err(BuildError::Duplicate("Device.A.3.B.".into()))
        );
    }

    #[test]
    fn node_records_stay_small() {
        assert!(std::mem::size_of::<Node>() <= 20);
    }

    #[test]
    fn walks_are_sorted_with_numeric_instances() {
        let s = sample();
        assert_eq!(
            values(&s, ""),
            [
                "Device.NAT.PortMapping.2.Enable=true",
                "Device.NAT.PortMapping.10.Enable=false",
                "Device.NAT.PortMappingNumberOfEntries=2",
                "Device.Time.Enable=true",
                "Device.Time.NTPServer1=pool.ntp.org",
            ]
        );
    }

    #[test]
    fn partial_and_full_paths() {
        let s = sample();
        assert_eq!(
            values(&s, "Device.Time."),
            [
                "Device.Time.Enable=true",
                "Device.Time.NTPServer1=pool.ntp.org"
            ]
        );
        assert_eq!(
            values(&s, "Device.Time.Enable"),
            ["Device.Time.Enable=true"]
        );
        let unknown = FaultCode::INVALID_PARAMETER_NAME;
        let mut none = |_: &str, _: &ParamSpec, _: Leaf<'_>| ControlFlow::Continue(());
        for bad in [
            "Device.Time",
            "Device.Time.Enable.",
            "Device.Nope.",
            "Device.Time.Nope",
            "Device..",
            "Device.NAT.PortMapping.3.",
        ] {
            assert_eq!(s.get(bad, &mut none), Err(unknown), "{bad}");
        }
    }

    #[test]
    fn names_next_level_and_subtree() {
        let s = sample();
        assert_eq!(names(&s, "", true), ["Device."]);
        assert_eq!(
            names(&s, "Device.NAT.", true),
            [
                "Device.NAT.PortMapping. w",
                "Device.NAT.PortMappingNumberOfEntries"
            ]
        );
        assert_eq!(
            names(&s, "Device.NAT.PortMapping.", true),
            [
                "Device.NAT.PortMapping.2. w",
                "Device.NAT.PortMapping.10. w"
            ]
        );
        assert_eq!(
            names(&s, "Device.Time.", false),
            [
                "Device.Time.",
                "Device.Time.Enable w",
                "Device.Time.NTPServer1 w"
            ]
        );
        assert_eq!(
            names(&s, "Device.Time.Enable", false),
            ["Device.Time.Enable w"]
        );
        let mut none = |_: &str, _: bool| ControlFlow::Continue(());
        assert_eq!(
            s.names("Device.Time.Enable", true, &mut none),
            Err(FaultCode::INVALID_ARGUMENTS)
        );
    }

    #[test]
    fn add_uses_the_template_and_a_fresh_number() {
        let mut s = sample();
        let (n, undo) = s.add_instance("Device.NAT.PortMapping.").unwrap();
        s.settle(undo);
        assert_eq!(n, 11);
        assert_eq!(
            values(&s, "Device.NAT.PortMapping.11."),
            [
                "Device.NAT.PortMapping.11.Enable=false",
                "Device.NAT.PortMapping.11.Stats.Hits=0"
            ]
        );
        assert_eq!(
            values(&s, "Device.NAT.PortMappingNumberOfEntries"),
            ["Device.NAT.PortMappingNumberOfEntries=3"]
        );
        // max_instances = 3
        assert_eq!(
            s.add_instance("Device.NAT.PortMapping.").unwrap_err(),
            FaultCode::RESOURCES_EXCEEDED
        );
    }

    #[test]
    fn delete_then_add_never_reuses_a_number() {
        let mut s = sample();
        let undo = s.delete_instance("Device.NAT.PortMapping.10.").unwrap();
        s.settle(undo);
        let (n, undo) = s.add_instance("Device.NAT.PortMapping.").unwrap();
        s.settle(undo);
        assert_eq!(n, 11);
    }

    #[test]
    fn reverted_changes_leave_the_tree_as_it_was() {
        let mut s = sample();
        let before = values(&s, "");
        let before_names = names(&s, "", false);
        let (_, undo) = s.add_instance("Device.NAT.PortMapping.").unwrap();
        s.revert(undo);
        assert_eq!(values(&s, ""), before);
        let undo = s.delete_instance("Device.NAT.PortMapping.2.").unwrap();
        s.revert(undo);
        assert_eq!(values(&s, ""), before);
        assert_eq!(names(&s, "", false), before_names);
        let u = s.set_value("Device.Time.Enable", "false").unwrap();
        s.undo_value(u);
        assert_eq!(values(&s, ""), before);
        // The counter went back too: the next add gets 11 again.
        let (n, _) = s.add_instance("Device.NAT.PortMapping.").unwrap();
        assert_eq!(n, 11);
    }

    #[test]
    fn building_errors() {
        let mut s = ParamStore::new();
        s.add_param("Device.A.B", spec(ValueType::String, false), "")
            .unwrap();
        assert_eq!(
            s.add_param("Device.A.B", spec(ValueType::String, false), ""),
            Err(BuildError::Duplicate("Device.A.B".into()))
        );
        assert_eq!(
            s.add_param("Device.A.B.C", spec(ValueType::String, false), ""),
            Err(BuildError::UnderParameter("Device.A.B".into()))
        );
        assert_eq!(
            s.add_param("Device.A.1.C", spec(ValueType::String, false), ""),
            Err(BuildError::NotATable("Device.A.".into()))
        );
        assert_eq!(
            s.add_param("Device.T.1", spec(ValueType::String, false), ""),
            Err(BuildError::EndsInInstance("Device.T.1".into()))
        );
        assert!(matches!(
            s.add_param("Device.[x].C", spec(ValueType::String, false), ""),
            Err(BuildError::BadName(_))
        ));
        let deep = format!("Device.{}", ["a"; PATH_MAX_SEGMENTS].join("."));
        assert_eq!(
            s.add_param(&deep, spec(ValueType::String, false), ""),
            Err(BuildError::BadName(deep.clone()))
        );
        s.add_param("Device.T.1.C", spec(ValueType::String, false), "")
            .unwrap();
        assert_eq!(
            s.add_param("Device.T.X", spec(ValueType::String, false), ""),
            Err(BuildError::NotAnInstance("Device.T.".into()))
        );
    }

    #[test]
    fn undeclared_instances_make_a_read_only_table() {
        let mut s = ParamStore::new();
        s.add_param(
            "Device.Hosts.Host.3.IPAddress",
            spec(ValueType::String, false),
            "10.0.0.3",
        )
        .unwrap();
        s.finish(&[]).unwrap();
        assert_eq!(names(&s, "Device.Hosts.", true), ["Device.Hosts.Host."]);
        assert_eq!(
            s.add_instance("Device.Hosts.Host.").unwrap_err(),
            FaultCode::REQUEST_DENIED
        );
        assert_eq!(s.tables()[0].pattern.as_ref(), "Device.Hosts.Host.");
    }

    #[test]
    fn nested_tables_exist_in_every_instance() {
        let mut s = ParamStore::new();
        s.declare_table(TableDef {
            pattern: "Device.IP.Interface.{i}.IPv4Address.".into(),
            writable: true,
            max_instances: None,
            template: vec![],
        })
        .unwrap();
        s.declare_table(TableDef {
            pattern: "Device.IP.Interface.".into(),
            writable: true,
            max_instances: None,
            template: vec![],
        })
        .unwrap();
        s.add_param(
            "Device.IP.Interface.1.Enable",
            spec(ValueType::Boolean, true),
            "1",
        )
        .unwrap();
        s.finish(&[("Device.IP.Interface.".into(), 5)]).unwrap();
        assert_eq!(
            names(&s, "Device.IP.", false),
            [
                "Device.IP.",
                "Device.IP.Interface. w",
                "Device.IP.Interface.1. w",
                "Device.IP.Interface.1.Enable w",
                "Device.IP.Interface.1.IPv4Address. w",
            ]
        );
        let (n, undo) = s.add_instance("Device.IP.Interface.").unwrap();
        s.settle(undo);
        assert_eq!(n, 5);
        let (m, undo) = s
            .add_instance("Device.IP.Interface.5.IPv4Address.")
            .unwrap();
        s.settle(undo);
        assert_eq!(m, 1);
        assert_eq!(
            names(&s, "Device.IP.Interface.5.", false),
            [
                "Device.IP.Interface.5. w",
                "Device.IP.Interface.5.IPv4Address. w",
                "Device.IP.Interface.5.IPv4Address.1. w",
            ]
        );
    }

    #[test]
    fn instance_placeholders_are_whole_segments() {
        // fuzz (param_store): `IPv4Addr{i}` was taken as a name and later written back as a
        // table path no reader accepts.
        let mut s = ParamStore::new();
        for bad in [
            "Device.IP.Interface.{i}.IPv4Addr{i}.",
            "Device.{i}x.",
            "{i}.Device.",
            "Device.T.{i}.",
        ] {
            let def = TableDef {
                pattern: bad.into(),
                writable: true,
                max_instances: None,
                template: vec![],
            };
            assert!(
                matches!(s.declare_table(def), Err(BuildError::BadName(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_nested_table_needs_its_parent_declared_even_without_instances() {
        // fuzz (param_store): `Interface.{i}.{i}.IPv4Address.` passed while Interface had no
        // instance, and the file written after an AddObject no longer read back.
        let mut s = ParamStore::new();
        for pattern in [
            "Device.IP.Interface.",
            "Device.IP.Interface.{i}.{i}.IPv4Address.",
        ] {
            s.declare_table(TableDef {
                pattern: pattern.into(),
                writable: true,
                max_instances: None,
                template: vec![],
            })
            .unwrap();
        }
        assert_eq!(
            s.finish(&[]),
            Err(BuildError::MissingParentTable(
                "Device.IP.Interface.{i}.{i}.IPv4Address.".into()
            ))
        );
    }

    #[test]
    fn a_nested_table_needs_its_parent_declared() {
        let mut s = ParamStore::new();
        s.declare_table(TableDef {
            pattern: "Device.X.{i}.Y.".into(),
            writable: true,
            max_instances: None,
            template: vec![],
        })
        .unwrap();
        assert_eq!(
            s.finish(&[]),
            Err(BuildError::MissingParentTable("Device.X.{i}.Y.".into()))
        );
    }

    #[test]
    fn externals_replace_held_parameters() {
        let mut s = sample();
        assert!(
            s.set_external("Device.Time.Enable", spec(ValueType::Boolean, false), 7)
                .unwrap()
        );
        assert!(
            !s.set_external(
                "Device.DeviceInfo.UpTime",
                spec(ValueType::UnsignedInt, false),
                8
            )
            .unwrap()
        );
        assert_eq!(values(&s, "Device.Time.Enable"), ["Device.Time.Enable=#7"]);
        assert_eq!(
            s.set_value("Device.Time.Enable", "1").unwrap_err(),
            FaultCode::NON_WRITABLE_PARAMETER
        );
        let mut stored = Vec::new();
        s.for_each_stored(&mut |n, _, _| {
            stored.push(n.to_string());
            ControlFlow::Continue(())
        });
        assert!(
            !stored
                .iter()
                .any(|n| n.contains("Enable") && n.starts_with("Device.Time"))
        );
    }

    #[test]
    fn compaction_keeps_values() {
        let mut s = sample();
        let big = "x".repeat(8000);
        for _ in 0..10 {
            let u = s.set_value("Device.Time.NTPServer1", &big).unwrap();
            s.settle_value(u);
            s.compact_if_worthwhile();
        }
        assert!(s.values.len() < 3 * 8000);
        assert_eq!(
            values(&s, "Device.Time.NTPServer1"),
            [format!("Device.Time.NTPServer1={big}")]
        );
    }

    #[test]
    fn prune_removes_a_subtree() {
        let mut s = sample();
        assert_eq!(s.prune("Device.Time."), 2);
        assert_eq!(names(&s, "Device.", true), ["Device.NAT."]);
    }
}
