//! The canonical form of a record graph: text that is equal for isomorphic
//! graphs, so that its SHA-256 detects changes whatever blank node labels or
//! triple order a portal produces.
//!
//! The text is N-Triples, one triple per line, sorted by code point, without
//! duplicates, with blank nodes labelled `_:c14nN`. The labels come from one of
//! two algorithms, chosen by the shape of the graph (itself invariant under
//! isomorphism, so isomorphic graphs always take the same path):
//!
//! - **No blank nodes**: the graph is its own canonical form.
//! - **Blank nodes form a forest** (every blank node is the object of at most
//!   one triple, and there are no cycles) — nearly every DCAT record: contact
//!   points, periods, locations, checksums. Each blank node gets a key: the
//!   SHA-256 of its sorted outgoing `(predicate, object)` pairs, where a blank
//!   object stands for its own key. Labels are then handed out depth first:
//!   from the named subjects in IRI order, and from blank roots in key order,
//!   each node's blank children in (predicate, key) order. Siblings that tie
//!   have equal keys, hence identical subtrees, so either order yields the same
//!   text. This is linear in the graph and several times cheaper than RDFC-1.0.
//! - **Anything else** (shared or cyclic blank nodes): RDFC-1.0 (W3C RDF
//!   Dataset Canonicalization) with SHA-256, via oxrdf — unless more than
//!   [`MAX_SYMMETRIC_BLANK_NODES`] blank nodes are linked to other blank nodes
//!   and share their first-degree hash with another: RDFC-1.0 then tries
//!   every ordering of them (a "poison graph": 8 blank nodes all linked to
//!   each other took 29 s, 10 took hours). Such a graph is labelled in the
//!   order its blank nodes first appear instead, with a warning: the form is
//!   then stable for the same document, not across reorderings of it.

use oxrdf::dataset::{CanonicalizationAlgorithm, CanonicalizationHashAlgorithm};
use oxrdf::{BlankNode, Graph, NamedOrBlankNode, Term, Triple};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;

/// A fast hasher for the per-record sets below (SipHash was ~10 % of the
/// canonicalization): foldhash, seeded per process.
type Fast = foldhash::fast::RandomState;

/// The canonical N-Triples of a graph (see the module documentation).
pub fn canonical_ntriples(triples: &[Triple]) -> String {
    canonical_form(triples).0
}

/// SHA-256 (hex) of [`canonical_ntriples`]: equal for isomorphic graphs.
pub fn canonical_hash(triples: &[Triple]) -> String {
    hex::encode(Sha256::digest(canonical_ntriples(triples).as_bytes()))
}

/// The canonical form of a graph: its canonical N-Triples and the same
/// triples, in the same order, as values (blank nodes labelled `c14nN`).
pub fn canonical_form(triples: &[Triple]) -> (String, Vec<Triple>) {
    let has_blank = triples
        .iter()
        .any(|t| t.subject.is_blank_node() || t.object.is_blank_node());
    let labelled: Vec<Triple> = if !has_blank {
        triples.to_vec()
    } else if let Some(t) = forest_labels(triples) {
        t
    } else {
        let symmetric = symmetric_blank_nodes(triples);
        if symmetric > MAX_SYMMETRIC_BLANK_NODES {
            tracing::warn!(
                "a record graph has {symmetric} blank nodes that RDFC-1.0 cannot tell apart \
                 without trying their orderings; labelled in document order instead"
            );
            document_order_labels(triples)
        } else {
            rdfc10(triples)
        }
    };
    // Every line into one buffer, then sort the line ranges: no allocation
    // per line.
    let mut buffer = String::with_capacity(labelled.len() * 128);
    let mut lines: Vec<(std::ops::Range<usize>, Triple)> = Vec::with_capacity(labelled.len());
    for t in labelled {
        let start = buffer.len();
        let _ = writeln!(buffer, "{t} .");
        lines.push((start..buffer.len(), t));
    }
    let line = |r: &std::ops::Range<usize>| &buffer[r.clone()];
    lines.sort_unstable_by(|a, b| line(&a.0).cmp(line(&b.0)));
    lines.dedup_by(|a, b| line(&a.0) == line(&b.0));
    let mut text = String::with_capacity(buffer.len());
    let mut values = Vec::with_capacity(lines.len());
    for (range, triple) in lines {
        text.push_str(line(&range));
        values.push(triple);
    }
    (text, values)
}

/// RDFC-1.0 labels, for graphs whose blank nodes are shared or cyclic.
pub fn rdfc10(triples: &[Triple]) -> Vec<Triple> {
    let mut graph: Graph = triples.iter().collect();
    graph.canonicalize(CanonicalizationAlgorithm::Rdfc10 {
        hash_algorithm: CanonicalizationHashAlgorithm::Sha256,
    });
    graph.iter().map(|t| t.into_owned()).collect()
}

/// The most blank nodes that may be indistinguishable by their own triples
/// (same first-degree hash) and linked to other blank nodes before RDFC-1.0
/// is not attempted: its work grows with the factorial of their number.
pub const MAX_SYMMETRIC_BLANK_NODES: usize = 6;

/// How many blank nodes share their first-degree hash (RDFC-1.0, 4.6: their
/// triples with themselves as `_:a` and other blank nodes as `_:z`) with
/// another blank node and are linked to a blank node: those that RDFC-1.0's
/// N-degree step must order by trying permutations.
pub fn symmetric_blank_nodes(triples: &[Triple]) -> usize {
    let mut lines: HashMap<&str, Vec<String>, Fast> = HashMap::default();
    let mut linked: HashSet<&str, Fast> = HashSet::default();
    for t in triples {
        let subject = match &t.subject {
            NamedOrBlankNode::BlankNode(b) => Some(b.as_str()),
            _ => None,
        };
        let object = match &t.object {
            Term::BlankNode(b) => Some(b.as_str()),
            _ => None,
        };
        if let (Some(s), Some(o)) = (subject, object) {
            linked.insert(s);
            linked.insert(o);
        }
        for node in [subject, object].into_iter().flatten() {
            let term = |b: Option<&str>, other: String| match b {
                Some(x) if x == node => "_:a".to_owned(),
                Some(_) => "_:z".to_owned(),
                None => other,
            };
            let line = format!(
                "{} {} {}",
                term(subject, t.subject.to_string()),
                t.predicate,
                term(object, t.object.to_string())
            );
            lines.entry(node).or_default().push(line);
        }
    }
    let mut classes: HashMap<Vec<String>, Vec<&str>, Fast> = HashMap::default();
    for (node, mut l) in lines {
        l.sort_unstable();
        classes.entry(l).or_default().push(node);
    }
    classes
        .values()
        .filter(|nodes| nodes.len() > 1)
        .flatten()
        .filter(|n| linked.contains(*n))
        .count()
}

/// Blank nodes labelled `c14nN` in the order they first appear.
fn document_order_labels(triples: &[Triple]) -> Vec<Triple> {
    fn label<'a>(labels: &mut HashMap<&'a str, BlankNode, Fast>, b: &'a BlankNode) -> BlankNode {
        let next = labels.len();
        labels
            .entry(b.as_str())
            .or_insert_with(|| BlankNode::new_unchecked(format!("c14n{next}")))
            .clone()
    }
    let mut labels: HashMap<&str, BlankNode, Fast> = HashMap::default();
    let mut out = Vec::with_capacity(triples.len());
    for t in triples {
        let subject: NamedOrBlankNode = match &t.subject {
            NamedOrBlankNode::BlankNode(b) => label(&mut labels, b).into(),
            other => other.clone(),
        };
        let object: Term = match &t.object {
            Term::BlankNode(b) => label(&mut labels, b).into(),
            other => other.clone(),
        };
        out.push(Triple::new(subject, t.predicate.clone(), object));
    }
    out
}

/// Labels for a graph whose blank nodes form a forest; `None` otherwise.
fn forest_labels(triples: &[Triple]) -> Option<Vec<Triple>> {
    // Duplicate triples would count as two incoming edges.
    let mut seen: HashSet<&Triple, Fast> =
        HashSet::with_capacity_and_hasher(triples.len(), Fast::default());
    let unique: Vec<&Triple> = triples.iter().filter(|t| seen.insert(*t)).collect();
    let mut index: HashMap<&str, usize, Fast> = HashMap::default();
    for t in &unique {
        if let NamedOrBlankNode::BlankNode(b) = &t.subject {
            let next = index.len();
            index.entry(b.as_str()).or_insert(next);
        }
        if let Term::BlankNode(b) = &t.object {
            let next = index.len();
            index.entry(b.as_str()).or_insert(next);
        }
    }
    let n = index.len();
    let mut incoming = vec![0usize; n];
    let mut parent_named: Vec<bool> = vec![false; n];
    // Outgoing triples of each blank node, as (predicate, object) with the
    // object's blank index when it is blank.
    let mut out: Vec<Vec<(&Triple, Option<usize>)>> = vec![Vec::new(); n];
    // Blank children of named subjects.
    let mut named_out: Vec<(&str, &Triple, usize)> = Vec::new();
    for t in &unique {
        let object = match &t.object {
            Term::BlankNode(b) => Some(*index.get(b.as_str())?),
            _ => None,
        };
        if let Some(o) = object {
            incoming[o] += 1;
            if incoming[o] > 1 {
                return None;
            }
        }
        match &t.subject {
            NamedOrBlankNode::BlankNode(b) => out[*index.get(b.as_str())?].push((t, object)),
            NamedOrBlankNode::NamedNode(s) => {
                if let Some(o) = object {
                    parent_named[o] = true;
                    named_out.push((s.as_str(), t, o));
                }
            }
        }
    }
    // Keys bottom-up (iterative post-order; a cycle leaves nodes unkeyed).
    let mut keys: Vec<Option<[u8; 32]>> = vec![None; n];
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        let mut stack = vec![start];
        while let Some(&node) = stack.last() {
            if state[node] == 0 {
                state[node] = 1;
                for (_, child) in &out[node] {
                    if let Some(c) = child {
                        match state[*c] {
                            0 => stack.push(*c),
                            1 => return None, // cycle
                            _ => {}
                        }
                    }
                }
            } else {
                stack.pop();
                if state[node] == 2 {
                    continue;
                }
                let mut parts: Vec<String> = Vec::with_capacity(out[node].len());
                for (t, child) in &out[node] {
                    let object = match child {
                        Some(c) => format!("_:{}", hex::encode(keys[*c]?)),
                        None => t.object.to_string(),
                    };
                    parts.push(format!("{} {object}", t.predicate));
                }
                parts.sort_unstable();
                let mut hasher = Sha256::new();
                for p in &parts {
                    hasher.update(p.as_bytes());
                    hasher.update(b"\n");
                }
                keys[node] = Some(hasher.finalize().into());
                state[node] = 2;
            }
        }
    }
    let keys: Vec<[u8; 32]> = keys.into_iter().collect::<Option<_>>()?;
    // Labels, depth first from deterministic anchors.
    let mut labels: Vec<Option<usize>> = vec![None; n];
    let mut next = 0usize;
    let mut children: Vec<Vec<(String, [u8; 32], usize)>> = vec![Vec::new(); n];
    for (node, edges) in out.iter().enumerate() {
        for (t, child) in edges {
            if let Some(c) = child {
                children[node].push((t.predicate.as_str().to_owned(), keys[*c], *c));
            }
        }
        children[node].sort_unstable();
    }
    let mut anchors: Vec<(u8, String, String, [u8; 32], usize)> = named_out
        .iter()
        .map(|(s, t, o)| {
            (
                0,
                (*s).to_owned(),
                t.predicate.as_str().to_owned(),
                keys[*o],
                *o,
            )
        })
        .collect();
    for (b, count) in incoming.iter().enumerate() {
        if *count == 0 && !parent_named[b] {
            anchors.push((1, String::new(), String::new(), keys[b], b));
        }
    }
    anchors.sort_unstable();
    for (_, _, _, _, root) in anchors {
        let mut stack = vec![root];
        while let Some(node) = stack.pop() {
            if labels[node].is_some() {
                continue;
            }
            labels[node] = Some(next);
            next += 1;
            for (_, _, c) in children[node].iter().rev() {
                stack.push(*c);
            }
        }
    }
    let labels: Vec<usize> = labels.into_iter().collect::<Option<_>>()?;
    let label = |b: &BlankNode| -> Option<BlankNode> {
        Some(BlankNode::new_unchecked(format!(
            "c14n{}",
            labels[*index.get(b.as_str())?]
        )))
    };
    unique
        .into_iter()
        .map(|t| {
            let subject: NamedOrBlankNode = match &t.subject {
                NamedOrBlankNode::BlankNode(b) => label(b)?.into(),
                s => s.clone(),
            };
            let object: Term = match &t.object {
                Term::BlankNode(b) => label(b)?.into(),
                o => o.clone(),
            };
            Some(Triple::new(subject, t.predicate.clone(), object))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxrdfio::{RdfFormat, RdfParser};

    fn parse(ttl: &str) -> Vec<Triple> {
        RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri("http://example.org/")
            .unwrap()
            .for_slice(ttl)
            .map(|q| Triple::from(q.unwrap()))
            .collect()
    }

    /// `k` blank nodes, each linked to all others and to one dataset: all
    /// indistinguishable by their own triples.
    fn clique(k: usize) -> String {
        let mut s = String::new();
        for i in 0..k {
            s.push_str(&format!("<http://x/ds> <http://x/q> _:b{i} .\n"));
            for j in (0..k).filter(|j| *j != i) {
                s.push_str(&format!("_:b{i} <http://x/p> _:b{j} .\n"));
            }
        }
        s
    }

    #[test]
    fn poison_graphs_are_labelled_in_document_order_at_once() {
        // Small ones stay RDFC-1.0: reordered and relabelled, the same form.
        let small = clique(MAX_SYMMETRIC_BLANK_NODES);
        assert_eq!(
            symmetric_blank_nodes(&parse(&small)),
            MAX_SYMMETRIC_BLANK_NODES
        );
        let forms: HashSet<String> = variants(&small)
            .iter()
            .step_by(23)
            .map(|v| canonical_ntriples(v))
            .collect();
        assert_eq!(forms.len(), 1);
        // 12 would take RDFC-1.0 days; the same document gives the same form.
        let big = clique(12);
        let started = std::time::Instant::now();
        let first = canonical_ntriples(&parse(&big));
        assert_eq!(first, canonical_ntriples(&parse(&big)));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(first.lines().count(), 12 * 12);
        // Distinct blank nodes (their own literals) are not symmetric.
        let mut distinct = big.clone();
        for i in 0..12 {
            distinct.push_str(&format!("_:b{i} <http://x/n> \"{i}\" .\n"));
        }
        assert_eq!(symmetric_blank_nodes(&parse(&distinct)), 0);
    }

    /// All orderings we try of a graph, with fresh blank node labels each.
    fn variants(ttl: &str) -> Vec<Vec<Triple>> {
        let base = parse(ttl);
        let mut out = Vec::new();
        for rotation in 0..base.len().max(1) {
            let mut v = parse(ttl); // new blank node ids
            let by = rotation.min(v.len().saturating_sub(1));
            v.rotate_left(by);
            out.push(v.clone());
            v.reverse();
            out.push(v);
        }
        out
    }

    fn assert_invariant(ttl: &str) -> String {
        let texts: Vec<String> = variants(ttl)
            .iter()
            .map(|v| canonical_ntriples(v))
            .collect();
        for t in &texts {
            assert_eq!(t, &texts[0], "canonical text depends on order or labels");
        }
        texts[0].clone()
    }

    #[test]
    fn graph_without_blank_nodes_equals_rdfc() {
        let ts = parse("<a> <p> \"x\"@de, \"y\" ; <q> <b> . <b> <p> \"z\" . <a> <p> \"y\" .");
        let (fast, values) = canonical_form(&ts);
        let mut lines: Vec<String> = rdfc10(&ts).iter().map(|t| format!("{t} .\n")).collect();
        lines.sort_unstable();
        assert_eq!(fast, lines.concat());
        assert_eq!(values.len(), 4, "duplicates removed");
    }

    #[test]
    fn forest_is_invariant_and_values_match_text() {
        let ttl = "<d> <contact> [ <fn> \"Team\" ; <email> <mailto:a@b> ] ;
                      <temporal> [ <start> \"2020\" ; <end> \"2021\" ] ;
                      <dist> [ <title> \"CSV\" ; <checksum> [ <value> \"ab\" ] ] ,
                             [ <title> \"CSV\" ; <checksum> [ <value> \"ab\" ] ] ;
                      <dist> [ <title> \"JSON\" ] .
                   <e> <contact> [ <fn> \"Team\" ; <email> <mailto:a@b> ] .
                   [ <about> <d> ] .";
        let text = assert_invariant(ttl);
        let (again, values) = canonical_form(&parse(ttl));
        assert_eq!(again, text);
        let from_values: String = values.iter().map(|t| format!("{t} .\n")).collect();
        assert_eq!(from_values, text);
        assert!(text.contains("_:c14n0"));
    }

    #[test]
    fn different_trees_differ() {
        let a = canonical_hash(&parse(
            "<d> <p> [ <q> \"1\" ] , [ <q> \"2\" ] . <e> <p> [ <q> \"3\" ] .",
        ));
        let b = canonical_hash(&parse(
            "<d> <p> [ <q> \"1\" ] , [ <q> \"3\" ] . <e> <p> [ <q> \"2\" ] .",
        ));
        assert_ne!(a, b);
        let c = canonical_hash(&parse("<d> <p> [ <q> [ <r> \"1\" ] ] ."));
        let d = canonical_hash(&parse("<d> <p> [ <q> \"1\" ] ."));
        assert_ne!(c, d);
    }

    #[test]
    fn shared_and_cyclic_blank_nodes_fall_back_to_rdfc() {
        let shared = "<a> <p> _:x . <b> <p> _:x . _:x <q> \"1\" .";
        assert!(forest_labels(&parse(shared)).is_none());
        assert_invariant(shared);
        let cycle = "_:x <p> _:y . _:y <p> _:x . <a> <q> \"1\" .";
        assert!(forest_labels(&parse(cycle)).is_none());
        assert_invariant(cycle);
        let self_loop = "<a> <p> _:x . _:x <p> _:x .";
        assert!(forest_labels(&parse(self_loop)).is_none());
    }

    #[test]
    fn long_blank_node_chains_do_not_recurse() {
        // An RDF list of 20,000 items is a chain of blank nodes.
        let items: Vec<String> = (0..20_000).map(|i| format!("\"{i}\"")).collect();
        let ttl = format!("<d> <keywords> ( {} ) .", items.join(" "));
        let (text, values) = canonical_form(&parse(&ttl));
        assert_eq!(values.len(), 40_001);
        assert!(text.contains("_:c14n19999"));
    }
}
