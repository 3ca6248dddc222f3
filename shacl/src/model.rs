//! The compiled shapes model.

use crate::path::Path;
use crate::sparql::{SparqlComponentConstraint, SparqlConstraint};
use oxrdf::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};
use regex::Regex;
use std::collections::HashSet;
use std::sync::Arc;

/// Index of a shape in [`crate::Shapes`].
pub(crate) type ShapeId = usize;

/// A compiled shape.
#[derive(Debug)]
pub(crate) struct Shape {
    /// The shape's node in the shapes graph.
    pub node: NamedOrBlankNode,
    /// The path for property shapes.
    pub path: Option<Arc<Path>>,
    pub deactivated: bool,
    pub severity: NamedNode,
    pub messages: Vec<oxrdf::Literal>,
    pub targets: Vec<Target>,
    pub constraints: Vec<Constraint>,
}

/// A target declaration.
#[derive(Debug)]
pub(crate) enum Target {
    Node(Term),
    Class(Term),
    SubjectsOf(NamedNode),
    ObjectsOf(NamedNode),
}

/// Node kinds allowed by `sh:nodeKind`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NodeKinds {
    pub iri: bool,
    pub blank: bool,
    pub literal: bool,
}

/// Comparison operators of the value range components.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RangeKind {
    MinExclusive,
    MinInclusive,
    MaxExclusive,
    MaxInclusive,
}

/// Kinds of property pair components.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PairKind {
    Equals,
    Disjoint,
    LessThan,
    LessThanOrEquals,
}

/// A constraint: one constraint component with its parameter values.
#[derive(Debug)]
pub(crate) enum Constraint {
    Class(Term),
    Datatype(NamedNode),
    NodeKind(NodeKinds),
    MinCount(u64),
    MaxCount(u64),
    Range(RangeKind, Term),
    MinLength(u64),
    MaxLength(u64),
    Pattern(Regex),
    LanguageIn(Vec<String>),
    UniqueLang,
    Pair(PairKind, NamedNode),
    Not(ShapeId),
    And(Vec<ShapeId>),
    Or(Vec<ShapeId>),
    Xone(Vec<ShapeId>),
    Node(ShapeId),
    Property(ShapeId),
    Qualified {
        shape: ShapeId,
        min: Option<u64>,
        max: Option<u64>,
        disjoint: bool,
        siblings: Vec<ShapeId>,
    },
    Closed(HashSet<String>),
    HasValue(Term),
    In(Vec<Term>),
    Sparql(Box<SparqlConstraint>),
    Component(Box<SparqlComponentConstraint>),
}

impl Constraint {
    /// The IRI of the constraint component (for qualified shapes, `min` selects min/max).
    pub(crate) fn component(&self, min_qualified: bool) -> NamedNodeRef<'_> {
        use crate::vocab as sh;
        match self {
            Self::Class(_) => sh::ClassConstraintComponent,
            Self::Datatype(_) => sh::DatatypeConstraintComponent,
            Self::NodeKind(..) => sh::NodeKindConstraintComponent,
            Self::MinCount(_) => sh::MinCountConstraintComponent,
            Self::MaxCount(_) => sh::MaxCountConstraintComponent,
            Self::Range(k, _) => match k {
                RangeKind::MinExclusive => sh::MinExclusiveConstraintComponent,
                RangeKind::MinInclusive => sh::MinInclusiveConstraintComponent,
                RangeKind::MaxExclusive => sh::MaxExclusiveConstraintComponent,
                RangeKind::MaxInclusive => sh::MaxInclusiveConstraintComponent,
            },
            Self::MinLength(_) => sh::MinLengthConstraintComponent,
            Self::MaxLength(_) => sh::MaxLengthConstraintComponent,
            Self::Pattern(_) => sh::PatternConstraintComponent,
            Self::LanguageIn(_) => sh::LanguageInConstraintComponent,
            Self::UniqueLang => sh::UniqueLangConstraintComponent,
            Self::Pair(k, _) => match k {
                PairKind::Equals => sh::EqualsConstraintComponent,
                PairKind::Disjoint => sh::DisjointConstraintComponent,
                PairKind::LessThan => sh::LessThanConstraintComponent,
                PairKind::LessThanOrEquals => sh::LessThanOrEqualsConstraintComponent,
            },
            Self::Not(_) => sh::NotConstraintComponent,
            Self::And(_) => sh::AndConstraintComponent,
            Self::Or(_) => sh::OrConstraintComponent,
            Self::Xone(_) => sh::XoneConstraintComponent,
            Self::Node(_) => sh::NodeConstraintComponent,
            Self::Property(_) => sh::PropertyConstraintComponent,
            Self::Qualified { .. } => {
                if min_qualified {
                    sh::QualifiedMinCountConstraintComponent
                } else {
                    sh::QualifiedMaxCountConstraintComponent
                }
            }
            Self::Closed(_) => sh::ClosedConstraintComponent,
            Self::HasValue(_) => sh::HasValueConstraintComponent,
            Self::In(_) => sh::InConstraintComponent,
            Self::Sparql(_) => sh::SPARQLConstraintComponent,
            Self::Component(c) => c.component.as_ref(),
        }
    }
}
