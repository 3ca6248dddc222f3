//! Read-only access to the data graph being validated.
//!
//! The validator never copies the data: it only asks the [`DataGraph`] for the
//! triples it needs. [`DataGraph`] is implemented for [`oxrdf::Graph`] and for
//! [`UnionGraph`], a zero-copy union of two graphs (typically a small record
//! graph and a large, shared, read-only vocabulary graph).

use oxrdf::{Graph, NamedNodeRef, NamedOrBlankNodeRef, TermRef, TripleRef};
use std::cell::RefCell;
use std::rc::Rc;

/// Read-only, index-backed access to an RDF graph.
///
/// All lookups borrow from the graph for `'a`; the input terms must live as
/// long as the graph borrow (in practice they come from the graph itself or
/// from the compiled shapes).
///
/// Implementations may return the same triple several times (the validator
/// deduplicates value nodes), but should avoid it for performance.
pub trait DataGraph {
    /// Objects `o` of the triples `(subject, predicate, o)`.
    fn objects<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a;

    /// Subjects `s` of the triples `(s, predicate, object)`.
    fn subjects<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = NamedOrBlankNodeRef<'a>> + 'a;

    /// All triples with the given subject.
    fn triples_for_subject<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a;

    /// All triples with the given predicate.
    fn triples_for_predicate<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a;

    /// All triples with the given object.
    fn triples_for_object<'a>(
        &'a self,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a;

    /// All triples of the graph.
    fn triples<'a>(&'a self) -> impl Iterator<Item = TripleRef<'a>> + 'a;

    /// Whether the graph contains the given triple.
    fn contains(&self, triple: TripleRef<'_>) -> bool;
}

impl DataGraph for Graph {
    fn objects<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a {
        self.objects_for_subject_predicate(subject, predicate)
    }

    fn subjects<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = NamedOrBlankNodeRef<'a>> + 'a {
        self.subjects_for_predicate_object(predicate, object)
    }

    fn triples_for_subject<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        Graph::triples_for_subject(self, subject)
    }

    fn triples_for_predicate<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        Graph::triples_for_predicate(self, predicate)
    }

    fn triples_for_object<'a>(
        &'a self,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        Graph::triples_for_object(self, object)
    }

    fn triples<'a>(&'a self) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        self.iter()
    }

    fn contains(&self, triple: TripleRef<'_>) -> bool {
        Graph::contains(self, triple)
    }
}

impl<G: DataGraph + ?Sized> DataGraph for &G {
    fn objects<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a {
        (**self).objects(subject, predicate)
    }

    fn subjects<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = NamedOrBlankNodeRef<'a>> + 'a {
        (**self).subjects(predicate, object)
    }

    fn triples_for_subject<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        (**self).triples_for_subject(subject)
    }

    fn triples_for_predicate<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        (**self).triples_for_predicate(predicate)
    }

    fn triples_for_object<'a>(
        &'a self,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        (**self).triples_for_object(object)
    }

    fn triples<'a>(&'a self) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        (**self).triples()
    }

    fn contains(&self, triple: TripleRef<'_>) -> bool {
        (**self).contains(triple)
    }
}

/// A read-only union view of two graphs, without copying either.
///
/// Typical use: `first` is a small per-record graph, `second` a large shared
/// vocabulary graph (SKOS concept schemes, class hierarchies...). Triples
/// present in both graphs are reported once.
///
/// Blank nodes are compared by identifier: if both graphs were parsed
/// separately, make sure their blank node identifiers do not collide
/// (oxttl generates random identifiers, so this is the default).
///
/// ```
/// use oxrdf::{Graph, NamedNodeRef, TripleRef};
/// use shacl::{DataGraph, UnionGraph};
///
/// let ex = NamedNodeRef::new("http://example.com/a")?;
/// let mut record = Graph::new();
/// record.insert(TripleRef::new(ex, ex, ex));
/// let vocabulary = Graph::new();
/// let union = UnionGraph::new(&record, &vocabulary);
/// assert_eq!(union.triples().count(), 1);
/// # Result::<_, Box<dyn std::error::Error>>::Ok(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct UnionGraph<'g, A: ?Sized, B: ?Sized> {
    first: &'g A,
    second: &'g B,
}

impl<'g, A: DataGraph + ?Sized, B: DataGraph + ?Sized> UnionGraph<'g, A, B> {
    /// Builds the union of `first` and `second`.
    pub fn new(first: &'g A, second: &'g B) -> Self {
        Self { first, second }
    }
}

impl<A: DataGraph + ?Sized, B: DataGraph + ?Sized> DataGraph for UnionGraph<'_, A, B> {
    fn objects<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a {
        // The record side is small: remember its answers instead of probing it per vocabulary answer.
        let firsts: Vec<TermRef<'a>> = self.first.objects(subject, predicate).collect();
        let seen = firsts.clone();
        firsts.into_iter().chain(
            self.second
                .objects(subject, predicate)
                .filter(move |o| !seen.contains(o)),
        )
    }

    fn subjects<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = NamedOrBlankNodeRef<'a>> + 'a {
        let firsts: Vec<NamedOrBlankNodeRef<'a>> = self.first.subjects(predicate, object).collect();
        let seen = firsts.clone();
        firsts.into_iter().chain(
            self.second
                .subjects(predicate, object)
                .filter(move |s| !seen.contains(s)),
        )
    }

    fn triples_for_subject<'a>(
        &'a self,
        subject: NamedOrBlankNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        let first = self.first;
        self.first.triples_for_subject(subject).chain(
            self.second
                .triples_for_subject(subject)
                .filter(move |t| !first.contains(*t)),
        )
    }

    fn triples_for_predicate<'a>(
        &'a self,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        let first = self.first;
        self.first.triples_for_predicate(predicate).chain(
            self.second
                .triples_for_predicate(predicate)
                .filter(move |t| !first.contains(*t)),
        )
    }

    fn triples_for_object<'a>(
        &'a self,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        let first = self.first;
        self.first.triples_for_object(object).chain(
            self.second
                .triples_for_object(object)
                .filter(move |t| !first.contains(*t)),
        )
    }

    fn triples<'a>(&'a self) -> impl Iterator<Item = TripleRef<'a>> + 'a {
        let first = self.first;
        self.first
            .triples()
            .chain(self.second.triples().filter(move |t| !first.contains(*t)))
    }

    fn contains(&self, triple: TripleRef<'_>) -> bool {
        self.first.contains(triple) || self.second.contains(triple)
    }
}

/// Crate-internal lookups with explicit lifetimes, so that a per-validation cache can be used.
pub(crate) trait Lookup<'a> {
    fn objects(
        &self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a;

    fn subjects(
        &self,
        predicate: NamedNodeRef<'a>,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = NamedOrBlankNodeRef<'a>> + 'a;
}

/// Direct lookups in a [`DataGraph`].
pub(crate) struct Direct<'a, G: ?Sized>(pub &'a G);

impl<'a, G: DataGraph + ?Sized> Lookup<'a> for Direct<'a, G> {
    fn objects(
        &self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a {
        self.0.objects(subject, predicate)
    }

    fn subjects(
        &self,
        predicate: NamedNodeRef<'a>,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = NamedOrBlankNodeRef<'a>> + 'a {
        self.0.subjects(predicate, object)
    }
}

/// Lookups that cache the outgoing triples of the (few) subjects of a small record.
///
/// Validating a record evaluates dozens of predicate paths from the same focus
/// node; one `triples_for_subject` lookup replaces all of them.
pub(crate) struct Cached<'a, G: ?Sized> {
    inner: &'a G,
    entries: RefCell<Vec<CacheEntry<'a>>>,
}

type CacheEntry<'a> = (NamedOrBlankNodeRef<'a>, Option<Rc<[TripleRef<'a>]>>);

impl<'a, G: DataGraph + ?Sized> Cached<'a, G> {
    /// Subjects with more triples than this are not cached.
    const MAX_TRIPLES: usize = 64;
    /// At most this many subjects are cached.
    const MAX_ENTRIES: usize = 64;

    pub(crate) fn new(inner: &'a G) -> Self {
        Self {
            inner,
            entries: RefCell::new(Vec::new()),
        }
    }

    /// Empties the cache if it is full (called between top-level focus nodes, so
    /// that big data graphs keep benefiting from locality).
    pub(crate) fn clear_if_full(&self) {
        let mut entries = self.entries.borrow_mut();
        if entries.len() >= Self::MAX_ENTRIES {
            entries.clear();
        }
    }

    fn outgoing(&self, subject: NamedOrBlankNodeRef<'a>) -> Option<Rc<[TripleRef<'a>]>> {
        let mut entries = self.entries.borrow_mut();
        if let Some((_, triples)) = entries.iter().find(|(s, _)| *s == subject) {
            return triples.clone();
        }
        if entries.len() >= Self::MAX_ENTRIES {
            return None;
        }
        let triples: Vec<TripleRef<'a>> = self
            .inner
            .triples_for_subject(subject)
            .take(Self::MAX_TRIPLES + 1)
            .collect();
        let triples: Option<Rc<[TripleRef<'a>]>> =
            (triples.len() <= Self::MAX_TRIPLES).then(|| triples.into());
        entries.push((subject, triples.clone()));
        triples
    }
}

impl<'a, G: DataGraph + ?Sized> Lookup<'a> for Cached<'a, G> {
    fn objects(
        &self,
        subject: NamedOrBlankNodeRef<'a>,
        predicate: NamedNodeRef<'a>,
    ) -> impl Iterator<Item = TermRef<'a>> + 'a {
        match self.outgoing(subject) {
            Some(triples) => Either::Left((0..triples.len()).filter_map(move |i| {
                let t = triples[i];
                if t.predicate == predicate {
                    Some(t.object)
                } else {
                    None
                }
            })),
            None => Either::Right(self.inner.objects(subject, predicate)),
        }
    }

    fn subjects(
        &self,
        predicate: NamedNodeRef<'a>,
        object: TermRef<'a>,
    ) -> impl Iterator<Item = NamedOrBlankNodeRef<'a>> + 'a {
        self.inner.subjects(predicate, object)
    }
}

enum Either<L, R> {
    Left(L),
    Right(R),
}

impl<T, L: Iterator<Item = T>, R: Iterator<Item = T>> Iterator for Either<L, R> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        match self {
            Self::Left(l) => l.next(),
            Self::Right(r) => r.next(),
        }
    }
}
