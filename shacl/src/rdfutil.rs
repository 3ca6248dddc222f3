//! Small helpers to read the shapes graph.

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{Graph, NamedNodeRef, NamedOrBlankNodeRef, TermRef};
use std::collections::HashSet;
use std::fmt::Write;

/// Maximum number of list members / path nesting we accept in a shapes graph.
const MAX_LIST_LEN: usize = 1_000_000;

/// Converts a term to a subject reference if possible.
pub(crate) fn as_subject(term: TermRef<'_>) -> Option<NamedOrBlankNodeRef<'_>> {
    match term {
        TermRef::NamedNode(n) => Some(n.into()),
        TermRef::BlankNode(b) => Some(b.into()),
        _ => None,
    }
}

/// All objects of `(node, predicate, ?)`.
pub(crate) fn objects<'a>(
    graph: &'a Graph,
    node: NamedOrBlankNodeRef<'a>,
    predicate: NamedNodeRef<'a>,
) -> Vec<TermRef<'a>> {
    graph
        .objects_for_subject_predicate(node, predicate)
        .collect()
}

/// Parses an RDF list starting at `head`. Detects cycles and malformed lists.
pub(crate) fn parse_list<'a>(
    graph: &'a Graph,
    head: TermRef<'a>,
) -> Result<Vec<TermRef<'a>>, String> {
    let mut out = Vec::new();
    let mut current = head;
    let mut seen = HashSet::new();
    loop {
        if current == rdf::NIL.into() {
            return Ok(out);
        }
        let Some(node) = as_subject(current) else {
            return Err(format!("{current} is not a well-formed RDF list"));
        };
        if !seen.insert(node) || out.len() > MAX_LIST_LEN {
            return Err(format!("the RDF list containing {current} is cyclic"));
        }
        let firsts = objects(graph, node, rdf::FIRST);
        let rests = objects(graph, node, rdf::REST);
        match (firsts.as_slice(), rests.as_slice()) {
            ([first], [rest]) => {
                out.push(*first);
                current = *rest;
            }
            _ => {
                return Err(format!(
                    "{} is not a well-formed RDF list node (it needs exactly one rdf:first and one rdf:rest)",
                    describe(graph, node)
                ));
            }
        }
    }
}

/// Reads a boolean literal.
pub(crate) fn as_bool(term: TermRef<'_>) -> Option<bool> {
    match term {
        // Only the canonical "true" activates a parameter: "1"^^xsd:boolean does not
        // (see the W3C test core/property/uniqueLang-002).
        TermRef::Literal(l) if l.datatype() == xsd::BOOLEAN => match l.value() {
            "true" => Some(true),
            "false" | "1" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// Reads a non-negative integer literal.
pub(crate) fn as_non_negative_integer(term: TermRef<'_>) -> Option<u64> {
    match term {
        TermRef::Literal(l) if crate::xsd::is_integer_datatype(l.datatype()) => {
            l.value().trim().trim_start_matches('+').parse().ok()
        }
        _ => None,
    }
}

/// Reads a literal without a language tag (typically `xsd:string`) as a string.
pub(crate) fn as_string(term: TermRef<'_>) -> Option<&str> {
    match term {
        TermRef::Literal(l) if l.language().is_none() => Some(l.value()),
        _ => None,
    }
}

/// A short, Turtle-like description of a node for error messages.
pub(crate) fn describe(graph: &Graph, node: NamedOrBlankNodeRef<'_>) -> String {
    match node {
        NamedOrBlankNodeRef::NamedNode(n) => n.to_string(),
        NamedOrBlankNodeRef::BlankNode(b) => {
            let mut out = String::from("[");
            let mut count = 0;
            for t in graph.triples_for_subject(node) {
                if count == 6 {
                    out.push_str(" ; ...");
                    break;
                }
                if count > 0 {
                    out.push_str(" ;");
                }
                let _ = write!(out, " {} {}", t.predicate, short(t.object));
                count += 1;
            }
            if count == 0 {
                let _ = write!(out, " {b}");
            }
            out.push_str(" ]");
            if let Some(parent) = graph.triples_for_object(node).next() {
                let _ = write!(
                    out,
                    " (value of {} of {})",
                    parent.predicate,
                    short(parent.subject.into())
                );
            }
            out
        }
    }
}

fn short(term: TermRef<'_>) -> String {
    match term {
        TermRef::BlankNode(_) => "[...]".into(),
        t => t.to_string(),
    }
}
