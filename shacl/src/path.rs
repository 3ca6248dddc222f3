//! SHACL property paths: parsing from the shapes graph, evaluation on a
//! [`DataGraph`], serialization to SHACL path RDF and to SPARQL syntax.

use crate::graph::{DataGraph, Direct, Lookup};
use crate::rdfutil::{as_subject, describe, objects, parse_list};
use crate::vocab as sh;
use oxrdf::vocab::rdf;
use oxrdf::{BlankNode, Graph, NamedNode, NamedOrBlankNodeRef, Term, TermRef, Triple};
use std::collections::HashSet;
use std::fmt;

/// Maximum nesting depth of a property path.
const MAX_PATH_DEPTH: usize = 64;

/// A [SHACL property path](https://www.w3.org/TR/shacl/#property-paths).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Path {
    /// A predicate path: an IRI.
    Predicate(NamedNode),
    /// `sh:inversePath`.
    Inverse(Box<Path>),
    /// A sequence path (an RDF list of at least two paths).
    Sequence(Vec<Path>),
    /// `sh:alternativePath` (an RDF list of at least two paths).
    Alternative(Vec<Path>),
    /// `sh:zeroOrMorePath`.
    ZeroOrMore(Box<Path>),
    /// `sh:oneOrMorePath`.
    OneOrMore(Box<Path>),
    /// `sh:zeroOrOnePath`.
    ZeroOrOne(Box<Path>),
}

impl Path {
    /// Parses the SHACL path RDF structure rooted at `node` in `graph`.
    ///
    /// Returns an error message for malformed or cyclic paths.
    pub fn from_graph(graph: &Graph, node: TermRef<'_>) -> Result<Self, String> {
        let mut visiting = HashSet::new();
        parse(graph, node, &mut visiting, 0)
    }

    /// Returns the predicate if this is a simple predicate path.
    pub fn as_predicate(&self) -> Option<&NamedNode> {
        match self {
            Self::Predicate(p) => Some(p),
            _ => None,
        }
    }

    /// Writes the SHACL RDF representation of this path into `triples` and returns its root term.
    ///
    /// Non-predicate paths get fresh blank nodes.
    pub fn to_rdf(&self, triples: &mut Vec<Triple>) -> Term {
        match self {
            Self::Predicate(p) => p.clone().into(),
            Self::Inverse(p) => unary(triples, sh::inversePath.into_owned(), p),
            Self::ZeroOrMore(p) => unary(triples, sh::zeroOrMorePath.into_owned(), p),
            Self::OneOrMore(p) => unary(triples, sh::oneOrMorePath.into_owned(), p),
            Self::ZeroOrOne(p) => unary(triples, sh::zeroOrOnePath.into_owned(), p),
            Self::Sequence(ps) => list(triples, ps),
            Self::Alternative(ps) => {
                let node = BlankNode::default();
                let l = list(triples, ps);
                triples.push(Triple::new(
                    node.clone(),
                    sh::alternativePath.into_owned(),
                    l,
                ));
                node.into()
            }
        }
    }

    /// Evaluates the path from `focus`, returning the distinct value nodes in discovery order.
    pub fn values<'a, G: DataGraph + ?Sized>(
        &'a self,
        graph: &'a G,
        focus: TermRef<'a>,
    ) -> Vec<TermRef<'a>> {
        self.values_with(&Direct(graph), focus)
    }

    pub(crate) fn values_with<'a, L: Lookup<'a>>(
        &'a self,
        graph: &L,
        focus: TermRef<'a>,
    ) -> Vec<TermRef<'a>> {
        let mut out = Dedup::default();
        self.eval(graph, focus, false, &mut |t| {
            out.push(t);
        });
        out.into_vec()
    }

    fn eval<'a, L: Lookup<'a>>(
        &'a self,
        graph: &L,
        node: TermRef<'a>,
        inverse: bool,
        out: &mut dyn FnMut(TermRef<'a>),
    ) {
        match self {
            Self::Predicate(p) => {
                if inverse {
                    for s in graph.subjects(p.as_ref(), node) {
                        out(s.into());
                    }
                } else if let Some(s) = as_subject(node) {
                    for o in graph.objects(s, p.as_ref()) {
                        out(o);
                    }
                }
            }
            Self::Inverse(p) => p.eval(graph, node, !inverse, out),
            Self::Alternative(ps) => {
                for p in ps {
                    p.eval(graph, node, inverse, out);
                }
            }
            Self::Sequence(ps) => {
                let mut current = vec![node];
                let steps: Box<dyn Iterator<Item = &Path>> = if inverse {
                    Box::new(ps.iter().rev())
                } else {
                    Box::new(ps.iter())
                };
                for step in steps {
                    let mut next = Dedup::default();
                    for n in current {
                        step.eval(graph, n, inverse, &mut |t| {
                            next.push(t);
                        });
                    }
                    current = next.into_vec();
                }
                for n in current {
                    out(n);
                }
            }
            Self::ZeroOrOne(p) => {
                out(node);
                p.eval(graph, node, inverse, out);
            }
            Self::ZeroOrMore(p) | Self::OneOrMore(p) => {
                let mut seen = Dedup::default();
                let mut stack = Vec::new();
                if matches!(self, Self::ZeroOrMore(_)) {
                    seen.push(node);
                    out(node);
                }
                p.eval(graph, node, inverse, &mut |t| stack.push(t));
                while let Some(n) = stack.pop() {
                    if seen.push(n) {
                        out(n);
                        p.eval(graph, n, inverse, &mut |t| stack.push(t));
                    }
                }
            }
        }
    }

    /// Writes this path in SPARQL 1.1 property path syntax.
    pub fn to_sparql(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Path {
    /// SPARQL property path syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Predicate(p) => write!(f, "{p}"),
            Self::Inverse(p) => write!(f, "^({p})"),
            Self::ZeroOrMore(p) => write!(f, "({p})*"),
            Self::OneOrMore(p) => write!(f, "({p})+"),
            Self::ZeroOrOne(p) => write!(f, "({p})?"),
            Self::Sequence(ps) | Self::Alternative(ps) => {
                let sep = if matches!(self, Self::Sequence(_)) {
                    "/"
                } else {
                    "|"
                };
                f.write_str("(")?;
                for (i, p) in ps.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    write!(f, "({p})")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// An insertion-ordered set, linear for the (usual) small sizes, hashed beyond.
#[derive(Default)]
pub(crate) struct Dedup<'a> {
    items: Vec<TermRef<'a>>,
    index: Option<HashSet<TermRef<'a>>>,
}

impl<'a> Dedup<'a> {
    const LINEAR_LIMIT: usize = 16;

    /// Adds `t`; returns whether it was new.
    pub(crate) fn push(&mut self, t: TermRef<'a>) -> bool {
        if let Some(index) = &mut self.index {
            if !index.insert(t) {
                return false;
            }
        } else if self.items.contains(&t) {
            return false;
        } else if self.items.len() >= Self::LINEAR_LIMIT {
            let mut index: HashSet<_> = self.items.iter().copied().collect();
            index.insert(t);
            self.index = Some(index);
        }
        self.items.push(t);
        true
    }

    pub(crate) fn get(&self, i: usize) -> Option<TermRef<'a>> {
        self.items.get(i).copied()
    }

    pub(crate) fn into_vec(self) -> Vec<TermRef<'a>> {
        self.items
    }
}

fn unary(triples: &mut Vec<Triple>, predicate: NamedNode, inner: &Path) -> Term {
    let node = BlankNode::default();
    let inner = inner.to_rdf(triples);
    triples.push(Triple::new(node.clone(), predicate, inner));
    node.into()
}

fn list(triples: &mut Vec<Triple>, items: &[Path]) -> Term {
    let mut head: Term = rdf::NIL.into_owned().into();
    for item in items.iter().rev() {
        let node = BlankNode::default();
        let value = item.to_rdf(triples);
        triples.push(Triple::new(node.clone(), rdf::FIRST.into_owned(), value));
        triples.push(Triple::new(node.clone(), rdf::REST.into_owned(), head));
        head = node.into();
    }
    head
}

fn parse<'a>(
    graph: &'a Graph,
    node: TermRef<'a>,
    visiting: &mut HashSet<NamedOrBlankNodeRef<'a>>,
    depth: usize,
) -> Result<Path, String> {
    let subject = match node {
        TermRef::NamedNode(n) => return Ok(Path::Predicate(n.into_owned())),
        TermRef::BlankNode(b) => NamedOrBlankNodeRef::from(b),
        _ => return Err(format!("the literal {node} is not a valid property path")),
    };
    if depth > MAX_PATH_DEPTH {
        return Err(format!(
            "the property path {} is nested too deeply",
            describe(graph, subject)
        ));
    }
    if !visiting.insert(subject) {
        return Err(format!(
            "the property path {} is cyclic",
            describe(graph, subject)
        ));
    }
    let result = parse_blank(graph, subject, visiting, depth);
    visiting.remove(&subject);
    result
}

fn parse_blank<'a>(
    graph: &'a Graph,
    subject: NamedOrBlankNodeRef<'a>,
    visiting: &mut HashSet<NamedOrBlankNodeRef<'a>>,
    depth: usize,
) -> Result<Path, String> {
    let mut found = Vec::new();
    for (p, kind) in [
        (sh::inversePath, 0),
        (sh::alternativePath, 1),
        (sh::zeroOrMorePath, 2),
        (sh::oneOrMorePath, 3),
        (sh::zeroOrOnePath, 4),
    ] {
        for o in objects(graph, subject, p) {
            found.push((kind, o));
        }
    }
    // A list node is a sequence path, even if it also carries other path predicates
    // (W3C tests core/path/path-strange-001 and -002).
    let is_list = graph
        .object_for_subject_predicate(subject, rdf::FIRST)
        .is_some();
    match (found.as_slice(), is_list) {
        (_, true) => {
            let items = parse_list(graph, subject.into())
                .map_err(|e| format!("invalid sequence path: {e}"))?;
            if items.len() < 2 {
                return Err(format!(
                    "the sequence path {} must have at least two members",
                    describe(graph, subject)
                ));
            }
            let mut seq = Vec::with_capacity(items.len());
            for i in items {
                seq.push(parse(graph, i, visiting, depth + 1)?);
            }
            Ok(Path::Sequence(seq))
        }
        ([(kind, inner)], false) => {
            if *kind == 1 {
                let items = parse_list(graph, *inner)
                    .map_err(|e| format!("invalid sh:alternativePath: {e}"))?;
                if items.len() < 2 {
                    return Err(format!(
                        "the sh:alternativePath list of {} must have at least two members",
                        describe(graph, subject)
                    ));
                }
                let mut alt = Vec::with_capacity(items.len());
                for i in items {
                    alt.push(parse(graph, i, visiting, depth + 1)?);
                }
                return Ok(Path::Alternative(alt));
            }
            let inner = Box::new(parse(graph, *inner, visiting, depth + 1)?);
            Ok(match kind {
                0 => Path::Inverse(inner),
                2 => Path::ZeroOrMore(inner),
                3 => Path::OneOrMore(inner),
                _ => Path::ZeroOrOne(inner),
            })
        }
        _ => Err(format!(
            "{} is not a well-formed SHACL property path (expected an IRI, a list, or exactly one of sh:inversePath, sh:alternativePath, sh:zeroOrMorePath, sh:oneOrMorePath, sh:zeroOrOnePath)",
            describe(graph, subject)
        )),
    }
}
