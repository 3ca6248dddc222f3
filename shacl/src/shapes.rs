//! Compilation of a shapes graph into [`Shapes`].

use crate::error::ShapeError;
use crate::model::{Constraint, NodeKinds, PairKind, RangeKind, Shape, ShapeId, Target};
use crate::path::Path;
use crate::rdfutil::{
    as_bool, as_non_negative_integer, as_string, as_subject, describe, objects, parse_list,
};
use crate::sparql::{self, ComponentDef};
use crate::vocab as sh;
use oxrdf::vocab::{rdf, rdfs};
use oxrdf::{Graph, Literal, NamedOrBlankNodeRef, Term, TermRef};
use regex::RegexBuilder;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A compiled set of shapes, ready to validate many data graphs.
///
/// `Shapes` is immutable, `Send + Sync`, and cheap to share across threads
/// (e.g. in an `Arc`). Compile once with [`Shapes::from_graph`], then call
/// [`Shapes::validate`] for each data graph.
#[derive(Debug)]
pub struct Shapes {
    pub(crate) shapes: Vec<Shape>,
    /// Shapes with at least one target, in shapes-graph order.
    pub(crate) targeted: Vec<ShapeId>,
    /// A copy of the shapes graph, for `$shapesGraph` in SPARQL queries.
    pub(crate) shapes_graph: Graph,
    /// Non-fatal problems found while compiling.
    pub(crate) warnings: Vec<String>,
}

/// Alias kept for readability in pipelines: `ShapesGraph::from_graph(&graph)`.
pub type ShapesGraph = Shapes;

impl Shapes {
    /// Compiles all shapes of a shapes graph.
    ///
    /// Shapes are: SHACL instances of `sh:NodeShape` / `sh:PropertyShape`,
    /// subjects of target declarations, and every node referenced by a
    /// shape-expecting parameter (`sh:node`, `sh:property`, `sh:not`,
    /// `sh:and`, `sh:or`, `sh:xone`, `sh:qualifiedValueShape`).
    /// Non-SHACL predicates are ignored.
    ///
    /// # Errors
    /// A [`ShapeError`] naming the shape if a shape is malformed (bad path,
    /// bad parameter value, non-list `sh:in`, invalid SPARQL...).
    pub fn from_graph(graph: &Graph) -> Result<Self, ShapeError> {
        let mut parser = Parser {
            graph,
            shapes: Vec::new(),
            index: HashMap::new(),
            queue: Vec::new(),
            components: sparql::parse_components(graph)?,
            property_refs: Vec::new(),
        };
        // Discover shapes in a deterministic order.
        let mut roots: Vec<NamedOrBlankNodeRef<'_>> = Vec::new();
        let mut seen = HashSet::new();
        for class in [sh::NodeShape, sh::PropertyShape] {
            for s in instances(graph, class) {
                if seen.insert(s) {
                    roots.push(s);
                }
            }
        }
        for p in [
            sh::targetNode,
            sh::targetClass,
            sh::targetSubjectsOf,
            sh::targetObjectsOf,
        ] {
            for t in graph.triples_for_predicate(p) {
                if seen.insert(t.subject) {
                    roots.push(t.subject);
                }
            }
        }
        for root in roots {
            parser.shape_ref(root.into(), None)?;
        }
        parser.run()?;
        let mut warnings = Vec::new();
        for shape in &parser.shapes {
            warnings.extend(unknown_terms(graph, shape.node.as_ref()));
        }
        let Parser {
            mut shapes,
            property_refs,
            ..
        } = parser;
        for (parent, child) in property_refs {
            if shapes[child].path.is_none()
                && graph
                    .triples_for_subject(shapes[child].node.as_ref())
                    .next()
                    .is_none()
            {
                // A dangling reference (the node is not described at all), as in the
                // official DCAT-AP 3.0.1 `ranges.ttl`: nothing to check, so ignore it.
                warnings.push(format!(
                    "ignoring sh:property {} of {}: it is not described in the shapes graph",
                    shapes[child].node,
                    describe(graph, shapes[parent].node.as_ref())
                ));
                shapes[parent]
                    .constraints
                    .retain(|c| !matches!(c, Constraint::Property(id) if *id == child));
                continue;
            }
            if shapes[child].path.is_none() {
                return Err(ShapeError::new(
                    describe(graph, shapes[child].node.as_ref()),
                    format!(
                        "it is a value of sh:property of {} but has no sh:path",
                        describe(graph, shapes[parent].node.as_ref())
                    ),
                ));
            }
        }
        let targeted = (0..shapes.len())
            .filter(|i| !shapes[*i].targets.is_empty())
            .collect();
        Ok(Self {
            shapes,
            targeted,
            shapes_graph: graph.clone(),
            warnings,
        })
    }

    /// Non-fatal problems found while compiling (e.g. dangling `sh:property` references).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Number of compiled shapes (including nested and deactivated ones).
    pub fn len(&self) -> usize {
        self.shapes.len()
    }

    /// Whether no shape was found.
    pub fn is_empty(&self) -> bool {
        self.shapes.is_empty()
    }
}

/// SHACL instances of `class` in the shapes graph (with rdfs:subClassOf).
pub(crate) fn instances<'a>(
    graph: &'a Graph,
    class: oxrdf::NamedNodeRef<'a>,
) -> Vec<NamedOrBlankNodeRef<'a>> {
    let mut classes = vec![TermRef::from(class)];
    let mut seen: HashSet<TermRef<'a>> = classes.iter().copied().collect();
    let mut i = 0;
    while i < classes.len() {
        for s in graph.subjects_for_predicate_object(rdfs::SUB_CLASS_OF, classes[i]) {
            if seen.insert(s.into()) {
                classes.push(s.into());
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    let mut dedup = HashSet::new();
    for c in classes {
        for s in graph.subjects_for_predicate_object(rdf::TYPE, c) {
            if dedup.insert(s) {
                out.push(s);
            }
        }
    }
    out
}

fn is_instance_of(
    graph: &Graph,
    node: NamedOrBlankNodeRef<'_>,
    class: oxrdf::NamedNodeRef<'_>,
) -> bool {
    let mut stack: Vec<TermRef<'_>> = graph
        .objects_for_subject_predicate(node, rdf::TYPE)
        .collect();
    let mut seen = HashSet::new();
    while let Some(c) = stack.pop() {
        if c == class.into() {
            return true;
        }
        if !seen.insert(c) {
            continue;
        }
        if let Some(s) = as_subject(c) {
            stack.extend(graph.objects_for_subject_predicate(s, rdfs::SUB_CLASS_OF));
        }
    }
    false
}

struct Parser<'g> {
    graph: &'g Graph,
    shapes: Vec<Shape>,
    index: HashMap<NamedOrBlankNodeRef<'g>, ShapeId>,
    queue: Vec<(ShapeId, NamedOrBlankNodeRef<'g>)>,
    components: Vec<ComponentDef>,
    /// (parent, child) pairs of `sh:property`, checked once all shapes are compiled.
    property_refs: Vec<(ShapeId, ShapeId)>,
}

impl<'g> Parser<'g> {
    /// Returns the id of the shape at `term`, scheduling its compilation if needed.
    fn shape_ref(
        &mut self,
        term: TermRef<'g>,
        referrer: Option<(NamedOrBlankNodeRef<'g>, &str)>,
    ) -> Result<ShapeId, ShapeError> {
        let Some(node) = as_subject(term) else {
            let (shape, param) = referrer
                .map(|(s, p)| (describe(self.graph, s), p))
                .unwrap_or_else(|| (term.to_string(), "?"));
            return Err(ShapeError::new(
                shape,
                format!("the value {term} of {param} is a literal, not a shape"),
            ));
        };
        if let Some(id) = self.index.get(&node) {
            return Ok(*id);
        }
        let id = self.shapes.len();
        self.shapes.push(Shape {
            node: node.into_owned(),
            path: None,
            deactivated: false,
            severity: sh::Violation.into_owned(),
            messages: Vec::new(),
            targets: Vec::new(),
            constraints: Vec::new(),
        });
        self.index.insert(node, id);
        self.queue.push((id, node));
        Ok(id)
    }

    fn run(&mut self) -> Result<(), ShapeError> {
        while let Some((id, node)) = self.queue.pop() {
            self.fill(id, node)
                .map_err(|reason| ShapeError::new(describe(self.graph, node), reason))?;
        }
        Ok(())
    }

    fn values(
        &self,
        node: NamedOrBlankNodeRef<'g>,
        p: oxrdf::NamedNodeRef<'g>,
    ) -> Vec<TermRef<'g>> {
        objects(self.graph, node, p)
    }

    fn shape_list(
        &mut self,
        node: NamedOrBlankNodeRef<'g>,
        list: TermRef<'g>,
        param: &str,
    ) -> Result<Vec<ShapeId>, String> {
        let items = parse_list(self.graph, list)
            .map_err(|e| format!("the value of {param} must be a list of shapes: {e}"))?;
        let mut ids = Vec::with_capacity(items.len());
        for item in items {
            ids.push(
                self.shape_ref(item, Some((node, param)))
                    .map_err(|e| e.reason().to_owned())?,
            );
        }
        Ok(ids)
    }

    #[allow(clippy::too_many_lines)]
    fn fill(&mut self, id: ShapeId, node: NamedOrBlankNodeRef<'g>) -> Result<(), String> {
        let g = self.graph;
        // Path
        let paths = self.values(node, sh::path);
        let path = match paths.as_slice() {
            [] => None,
            [p] => Some(Arc::new(
                Path::from_graph(g, *p).map_err(|e| format!("invalid sh:path: {e}"))?,
            )),
            _ => return Err("a shape must have at most one sh:path".into()),
        };
        let mut deactivated = false;
        for v in self.values(node, sh::deactivated) {
            deactivated |= as_bool(v)
                .ok_or_else(|| format!("sh:deactivated must be a boolean literal, found {v}"))?;
        }
        let mut severity = sh::Violation.into_owned();
        for v in self.values(node, sh::severity) {
            match v {
                TermRef::NamedNode(n) => severity = n.into_owned(),
                _ => return Err(format!("sh:severity must be an IRI, found {v}")),
            }
        }
        let messages = literals(self.values(node, sh::message));

        let mut targets = Vec::new();
        for v in self.values(node, sh::targetNode) {
            targets.push(Target::Node(v.into_owned()));
        }
        for v in self.values(node, sh::targetClass) {
            match v {
                TermRef::Literal(_) => {
                    return Err(format!("sh:targetClass must be an IRI, found {v}"))
                }
                _ => targets.push(Target::Class(v.into_owned())),
            }
        }
        for (p, is_subjects) in [(sh::targetSubjectsOf, true), (sh::targetObjectsOf, false)] {
            for v in self.values(node, p) {
                let TermRef::NamedNode(n) = v else {
                    return Err(format!("{p} must be an IRI, found {v}"));
                };
                targets.push(if is_subjects {
                    Target::SubjectsOf(n.into_owned())
                } else {
                    Target::ObjectsOf(n.into_owned())
                });
            }
        }
        if is_instance_of(g, node, rdfs::CLASS) {
            targets.push(Target::Class(Term::from(node.into_owned())));
        }

        let mut constraints = Vec::new();
        for v in self.values(node, sh::class) {
            if v.is_literal() {
                return Err(format!("sh:class must be an IRI, found {v}"));
            }
            constraints.push(Constraint::Class(v.into_owned()));
        }
        for v in self.values(node, sh::datatype) {
            let TermRef::NamedNode(n) = v else {
                return Err(format!("sh:datatype must be an IRI, found {v}"));
            };
            constraints.push(Constraint::Datatype(n.into_owned()));
        }
        for v in self.values(node, sh::nodeKind) {
            let kinds = match v {
                TermRef::NamedNode(n) if n == sh::IRI => (true, false, false),
                TermRef::NamedNode(n) if n == sh::BlankNode => (false, true, false),
                TermRef::NamedNode(n) if n == sh::Literal => (false, false, true),
                TermRef::NamedNode(n) if n == sh::BlankNodeOrIRI => (true, true, false),
                TermRef::NamedNode(n) if n == sh::BlankNodeOrLiteral => (false, true, true),
                TermRef::NamedNode(n) if n == sh::IRIOrLiteral => (true, false, true),
                _ => {
                    return Err(format!(
                        "sh:nodeKind must be one of the six SHACL node kinds, found {v}"
                    ))
                }
            };
            constraints.push(Constraint::NodeKind(NodeKinds {
                iri: kinds.0,
                blank: kinds.1,
                literal: kinds.2,
            }));
        }
        for (p, make) in [
            (sh::minCount, Constraint::MinCount as fn(u64) -> Constraint),
            (sh::maxCount, Constraint::MaxCount),
            (sh::minLength, Constraint::MinLength),
            (sh::maxLength, Constraint::MaxLength),
        ] {
            for v in self.values(node, p) {
                let n = as_non_negative_integer(v)
                    .ok_or_else(|| format!("{p} must be a non-negative xsd:integer, found {v}"))?;
                constraints.push(make(n));
            }
        }
        for (p, kind) in [
            (sh::minExclusive, RangeKind::MinExclusive),
            (sh::minInclusive, RangeKind::MinInclusive),
            (sh::maxExclusive, RangeKind::MaxExclusive),
            (sh::maxInclusive, RangeKind::MaxInclusive),
        ] {
            for v in self.values(node, p) {
                if !v.is_literal() {
                    return Err(format!("{p} must be a literal, found {v}"));
                }
                constraints.push(Constraint::Range(kind, v.into_owned()));
            }
        }
        let flags = self.values(node, sh::flags);
        let flags = match flags.as_slice() {
            [] => "",
            [f] => as_string(*f).ok_or_else(|| format!("sh:flags must be a string, found {f}"))?,
            _ => return Err("a shape must have at most one sh:flags".into()),
        };
        for v in self.values(node, sh::pattern) {
            let pattern =
                as_string(v).ok_or_else(|| format!("sh:pattern must be a string, found {v}"))?;
            constraints.push(Constraint::Pattern(build_regex(pattern, flags)?));
        }
        for v in self.values(node, sh::languageIn) {
            let items =
                parse_list(g, v).map_err(|e| format!("sh:languageIn must be a list: {e}"))?;
            let mut langs = Vec::new();
            for i in items {
                langs.push(
                    as_string(i)
                        .ok_or_else(|| format!("sh:languageIn members must be strings, found {i}"))?
                        .to_owned(),
                );
            }
            constraints.push(Constraint::LanguageIn(langs));
        }
        for v in self.values(node, sh::uniqueLang) {
            if as_bool(v).ok_or_else(|| format!("sh:uniqueLang must be a boolean, found {v}"))? {
                constraints.push(Constraint::UniqueLang);
            }
        }
        for (p, kind) in [
            (sh::equals, PairKind::Equals),
            (sh::disjoint, PairKind::Disjoint),
            (sh::lessThan, PairKind::LessThan),
            (sh::lessThanOrEquals, PairKind::LessThanOrEquals),
        ] {
            for v in self.values(node, p) {
                let TermRef::NamedNode(n) = v else {
                    return Err(format!("{p} must be an IRI, found {v}"));
                };
                constraints.push(Constraint::Pair(kind, n.into_owned()));
            }
        }
        for v in self.values(node, sh::not) {
            constraints.push(Constraint::Not(
                self.shape_ref(v, Some((node, "sh:not")))
                    .map_err(|e| e.reason().to_owned())?,
            ));
        }
        for v in self.values(node, sh::and) {
            constraints.push(Constraint::And(self.shape_list(node, v, "sh:and")?));
        }
        for v in self.values(node, sh::or) {
            constraints.push(Constraint::Or(self.shape_list(node, v, "sh:or")?));
        }
        for v in self.values(node, sh::xone) {
            constraints.push(Constraint::Xone(self.shape_list(node, v, "sh:xone")?));
        }
        for v in self.values(node, sh::node) {
            constraints.push(Constraint::Node(
                self.shape_ref(v, Some((node, "sh:node")))
                    .map_err(|e| e.reason().to_owned())?,
            ));
        }
        for v in self.values(node, sh::property) {
            let child = self
                .shape_ref(v, Some((node, "sh:property")))
                .map_err(|e| e.reason().to_owned())?;
            self.property_refs.push((id, child));
            constraints.push(Constraint::Property(child));
        }
        self.qualified(node, &mut constraints)?;
        self.closed(node, &mut constraints)?;
        for v in self.values(node, sh::hasValue) {
            constraints.push(Constraint::HasValue(v.into_owned()));
        }
        for v in self.values(node, sh::in_) {
            let items = parse_list(g, v).map_err(|e| format!("sh:in must be a list: {e}"))?;
            constraints.push(Constraint::In(
                items.into_iter().map(TermRef::into_owned).collect(),
            ));
        }
        for v in self.values(node, sh::sparql) {
            let c = sparql::parse_sparql_constraint(g, v, path.as_deref())?;
            constraints.push(Constraint::Sparql(Box::new(c)));
        }
        for def in &self.components {
            for c in def.instantiate(g, node, path.as_deref())? {
                constraints.push(Constraint::Component(Box::new(c)));
            }
        }

        let shape = &mut self.shapes[id];
        shape.path = path;
        shape.deactivated = deactivated;
        shape.severity = severity;
        shape.messages = messages;
        shape.targets = targets;
        shape.constraints = constraints;
        Ok(())
    }

    fn qualified(
        &mut self,
        node: NamedOrBlankNodeRef<'g>,
        constraints: &mut Vec<Constraint>,
    ) -> Result<(), String> {
        let g = self.graph;
        let qvs = self.values(node, sh::qualifiedValueShape);
        if qvs.is_empty() {
            return Ok(());
        }
        let single_count = |p: oxrdf::NamedNodeRef<'g>| -> Result<Option<u64>, String> {
            match objects(g, node, p).as_slice() {
                [] => Ok(None),
                [v] => as_non_negative_integer(*v)
                    .map(Some)
                    .ok_or_else(|| format!("{p} must be a non-negative xsd:integer, found {v}")),
                _ => Err(format!("a shape must have at most one {p}")),
            }
        };
        let min = single_count(sh::qualifiedMinCount)?;
        let max = single_count(sh::qualifiedMaxCount)?;
        let mut disjoint = false;
        for v in self.values(node, sh::qualifiedValueShapesDisjoint) {
            disjoint |= as_bool(v).ok_or_else(|| {
                format!("sh:qualifiedValueShapesDisjoint must be a boolean, found {v}")
            })?;
        }
        if min.is_none() && max.is_none() {
            return Ok(());
        }
        for q in qvs {
            let shape = self
                .shape_ref(q, Some((node, "sh:qualifiedValueShape")))
                .map_err(|e| e.reason().to_owned())?;
            let mut siblings = Vec::new();
            if disjoint {
                let parents: Vec<_> = g
                    .subjects_for_predicate_object(sh::property, node)
                    .collect();
                for parent in parents {
                    for sibling in objects(g, parent, sh::property) {
                        let Some(sibling) = as_subject(sibling) else {
                            continue;
                        };
                        for sq in objects(g, sibling, sh::qualifiedValueShape) {
                            if sq != q {
                                let sid = self
                                    .shape_ref(sq, Some((sibling, "sh:qualifiedValueShape")))
                                    .map_err(|e| e.reason().to_owned())?;
                                if !siblings.contains(&sid) {
                                    siblings.push(sid);
                                }
                            }
                        }
                    }
                }
            }
            constraints.push(Constraint::Qualified {
                shape,
                min,
                max,
                disjoint,
                siblings,
            });
        }
        Ok(())
    }

    fn closed(
        &mut self,
        node: NamedOrBlankNodeRef<'g>,
        constraints: &mut Vec<Constraint>,
    ) -> Result<(), String> {
        let g = self.graph;
        let mut closed = false;
        for v in self.values(node, sh::closed) {
            closed |=
                as_bool(v).ok_or_else(|| format!("sh:closed must be a boolean, found {v}"))?;
        }
        let mut allowed: HashSet<String> = HashSet::new();
        for v in self.values(node, sh::ignoredProperties) {
            let items = parse_list(g, v)
                .map_err(|e| format!("sh:ignoredProperties must be a list: {e}"))?;
            for i in items {
                let TermRef::NamedNode(n) = i else {
                    return Err(format!(
                        "sh:ignoredProperties members must be IRIs, found {i}"
                    ));
                };
                allowed.insert(n.as_str().to_owned());
            }
        }
        if !closed {
            return Ok(());
        }
        for p in self.values(node, sh::property) {
            if let Some(p) = as_subject(p) {
                for path in objects(g, p, sh::path) {
                    if let TermRef::NamedNode(n) = path {
                        allowed.insert(n.as_str().to_owned());
                    }
                }
            }
        }
        constraints.push(Constraint::Closed(allowed));
        Ok(())
    }
}

pub(crate) fn literals(values: Vec<TermRef<'_>>) -> Vec<Literal> {
    values
        .into_iter()
        .filter_map(|v| match v {
            TermRef::Literal(l) => Some(l.into_owned()),
            _ => None,
        })
        .collect()
}

fn build_regex(pattern: &str, flags: &str) -> Result<regex::Regex, String> {
    let mut builder_pattern = pattern.to_owned();
    let mut ci = false;
    let mut multi = false;
    let mut dot_all = false;
    let mut extended = false;
    for f in flags.chars() {
        match f {
            'i' => ci = true,
            'm' => multi = true,
            's' => dot_all = true,
            'x' => extended = true,
            'q' => builder_pattern = regex::escape(pattern),
            _ => {
                return Err(format!(
                    "unsupported regular expression flag {f:?} in sh:flags"
                ))
            }
        }
    }
    RegexBuilder::new(&builder_pattern)
        .case_insensitive(ci)
        .multi_line(multi)
        .dot_matches_new_line(dot_all)
        .ignore_whitespace(extended)
        .size_limit(1 << 20)
        .build()
        .map_err(|e| format!("invalid sh:pattern {pattern:?}: {e}"))
}

/// Properties of the SHACL vocabulary (`sh:` terms used as predicates), from
/// the W3C SHACL vocabulary document.
const KNOWN_PROPERTIES: &[&str] = &[
    "alternativePath",
    "and",
    "annotationProperty",
    "annotationValue",
    "annotationVarName",
    "ask",
    "class",
    "closed",
    "condition",
    "conforms",
    "construct",
    "datatype",
    "deactivated",
    "declare",
    "defaultValue",
    "description",
    "detail",
    "disjoint",
    "entailment",
    "equals",
    "expression",
    "filterShape",
    "flags",
    "focusNode",
    "group",
    "hasValue",
    "ignoredProperties",
    "in",
    "intersection",
    "inversePath",
    "js",
    "jsFunctionName",
    "jsLibrary",
    "jsLibraryURL",
    "labelTemplate",
    "languageIn",
    "lessThan",
    "lessThanOrEquals",
    "maxCount",
    "maxExclusive",
    "maxInclusive",
    "maxLength",
    "message",
    "minCount",
    "minExclusive",
    "minInclusive",
    "minLength",
    "name",
    "namespace",
    "node",
    "nodeKind",
    "nodeValidator",
    "nodes",
    "not",
    "object",
    "oneOrMorePath",
    "optional",
    "or",
    "order",
    "parameter",
    "path",
    "pattern",
    "predicate",
    "prefix",
    "prefixes",
    "property",
    "propertyValidator",
    "qualifiedMaxCount",
    "qualifiedMinCount",
    "qualifiedValueShape",
    "qualifiedValueShapesDisjoint",
    "result",
    "resultAnnotation",
    "resultMessage",
    "resultPath",
    "resultSeverity",
    "returnType",
    "rule",
    "select",
    "severity",
    "shapesGraph",
    "shapesGraphWellFormed",
    "sourceConstraint",
    "sourceConstraintComponent",
    "sourceShape",
    "sparql",
    "subject",
    "suggestedShapesGraph",
    "target",
    "targetClass",
    "targetNode",
    "targetObjectsOf",
    "targetSubjectsOf",
    "this",
    "union",
    "uniqueLang",
    "update",
    "validator",
    "value",
    "xone",
    "zeroOrMorePath",
    "zeroOrOnePath",
];

/// A shape using a predicate in the SHACL namespace that SHACL does not
/// define (`sh:minCont`, SEMIC's `sh:shape`) checks nothing with it: a
/// warning naming shape and term (as pySHACL and TopBraid do), and the
/// shape's other constraints still apply.
fn unknown_terms(graph: &Graph, node: NamedOrBlankNodeRef<'_>) -> Vec<String> {
    let mut found: Vec<&str> = graph
        .triples_for_subject(node)
        .filter_map(|t| t.predicate.as_str().strip_prefix(sh::NAMESPACE))
        .filter(|local| !KNOWN_PROPERTIES.contains(local))
        .collect();
    found.sort_unstable();
    found.dedup();
    found
        .into_iter()
        .map(|local| {
            format!(
                "{}: sh:{local} is not a SHACL term (unknown constraint component or \
                 parameter; a typo?): ignored, the shape's other constraints apply",
                describe(graph, node)
            )
        })
        .collect()
}
