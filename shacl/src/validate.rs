//! The validation engine.

use crate::error::ValidationError;
use crate::graph::{Cached, DataGraph, Lookup, UnionGraph};
use crate::model::{Constraint, PairKind, RangeKind, Shape, ShapeId, Target};
use crate::path::{Dedup, Path};
use crate::rdfutil::as_subject;
use crate::report::{Severity, ValidationReport, ValidationResult};
use crate::shapes::Shapes;
use crate::sparql::{self, Evaluation, SHAPES_GRAPH};
use crate::xsd::{compare, is_well_formed, lang_matches};
use oxrdf::vocab::{rdf, rdfs};
use oxrdf::{Literal, NamedNodeRef, Term, TermRef, Variable};
use spareval::QuerySolution;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::Arc;

/// Maximum nesting of shape evaluations (sh:node, sh:property... on nested data).
const MAX_DEPTH: usize = 200;

impl Shapes {
    /// Validates a data graph against all shapes that have targets.
    ///
    /// `data` can be an [`oxrdf::Graph`], a [`crate::UnionGraph`] of a record
    /// graph and a shared vocabulary graph, or anything implementing
    /// [`DataGraph`]. The data is only read, never copied.
    ///
    /// # Errors
    /// [`ValidationError`] if the validation could not be completed (recursion
    /// limit, SPARQL evaluation error). Constraint violations are *results* in
    /// the returned report, not errors.
    pub fn validate<G: DataGraph + ?Sized>(
        &self,
        data: &G,
    ) -> Result<ValidationReport, ValidationError> {
        self.validate_with_targets(data, data)
    }

    /// Validates a record graph that refers to a shared vocabulary graph.
    ///
    /// Focus nodes are selected in `record` only (the vocabulary's own nodes are
    /// not validated), while all constraints (paths, `sh:class` with
    /// `rdfs:subClassOf`, SPARQL...) see the union of `record` and `vocabulary`.
    /// Neither graph is copied.
    ///
    /// # Errors
    /// As [`Shapes::validate`].
    pub fn validate_record<R: DataGraph + ?Sized, V: DataGraph + ?Sized>(
        &self,
        record: &R,
        vocabulary: &V,
    ) -> Result<ValidationReport, ValidationError> {
        self.validate_with_targets(record, &UnionGraph::new(record, vocabulary))
    }

    /// Validates `data`, selecting focus nodes from the triples of `targets` only.
    ///
    /// `rdfs:subClassOf` for class targets is read from `data`. `targets` is
    /// typically a subgraph of `data` (see [`Shapes::validate_record`]).
    ///
    /// # Errors
    /// As [`Shapes::validate`].
    pub fn validate_with_targets<T: DataGraph + ?Sized, G: DataGraph + ?Sized>(
        &self,
        targets: &T,
        data: &G,
    ) -> Result<ValidationReport, ValidationError> {
        let mut engine = Engine {
            shapes: self,
            data,
            look: Cached::new(data),
            stack: Vec::new(),
        };
        let mut sink = Sink::collecting();
        let instances = engine.class_instances(targets);
        for &id in &self.targeted {
            let shape = &self.shapes[id];
            if shape.deactivated {
                continue;
            }
            for focus in engine.focus_nodes(shape, targets, &instances) {
                engine.validate_shape(id, focus, &mut sink)?;
                engine.look.clear_if_full();
            }
        }
        Ok(ValidationReport {
            conforms: sink.results.is_empty(),
            results: sink.results,
        })
    }
}

/// Where results go: collected, or only "did anything fail?" for conformance checks.
struct Sink {
    check_only: bool,
    failed: bool,
    results: Vec<ValidationResult>,
}

impl Sink {
    fn collecting() -> Self {
        Self {
            check_only: false,
            failed: false,
            results: Vec::new(),
        }
    }

    fn checking() -> Self {
        Self {
            check_only: true,
            failed: false,
            results: Vec::new(),
        }
    }

    fn done(&self) -> bool {
        self.check_only && self.failed
    }

    fn emit(&mut self, make: impl FnOnce() -> ValidationResult) {
        self.failed = true;
        if !self.check_only {
            self.results.push(make());
        }
    }
}

/// SHACL instances by class (see `Engine::class_instances`): searched linearly
/// while there are few classes (a record), through a hash index beyond.
#[derive(Default)]
struct ClassInstances<'a> {
    classes: Vec<TermRef<'a>>,
    instances: Vec<Vec<TermRef<'a>>>,
    index: Option<HashMap<TermRef<'a>, usize>>,
}

impl<'a> ClassInstances<'a> {
    const LINEAR_LIMIT: usize = 16;

    fn position(&self, class: TermRef<'a>) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(&class).copied(),
            None => self.classes.iter().position(|c| *c == class),
        }
    }

    fn add(&mut self, class: TermRef<'a>, instance: TermRef<'a>) {
        let i = match self.position(class) {
            Some(i) => i,
            None => {
                self.classes.push(class);
                self.instances.push(Vec::new());
                let i = self.classes.len() - 1;
                if let Some(index) = &mut self.index {
                    index.insert(class, i);
                } else if self.classes.len() > Self::LINEAR_LIMIT {
                    self.index = Some(self.classes.iter().copied().zip(0..).collect());
                }
                i
            }
        };
        self.instances[i].push(instance);
    }

    fn of(&self, class: TermRef<'a>) -> &[TermRef<'a>] {
        self.position(class).map_or(&[], |i| &self.instances[i])
    }
}

struct Engine<'a, G: ?Sized> {
    shapes: &'a Shapes,
    data: &'a G,
    /// Cached lookups in `data`.
    look: Cached<'a, G>,
    /// (shape, focus) pairs being evaluated, for cycle detection.
    stack: Vec<(ShapeId, TermRef<'a>)>,
}

impl<'a, G: DataGraph + ?Sized> Engine<'a, G> {
    /// The SHACL instances of every class in `targets`: for each `rdf:type`
    /// triple `(s, T)` of `targets`, `s` is an instance of `T` and of all its
    /// superclasses (`rdfs:subClassOf*` in the data graph).
    ///
    /// Computed once per validation, so that class targets need no lookups: a
    /// record has a handful of typed nodes, while a profile has dozens of
    /// class targets (most of them without instances in a given record).
    fn class_instances<T: DataGraph + ?Sized>(&self, targets: &'a T) -> ClassInstances<'a> {
        let mut out = ClassInstances::default();
        // Superclasses of each distinct rdf:type object (few per record).
        let mut closures = ClassInstances::default();
        for t in targets.triples_for_predicate(rdf::TYPE) {
            if closures.position(t.object).is_none() {
                for superclass in self.superclasses(t.object) {
                    closures.add(t.object, superclass);
                }
            }
            for &class in closures.of(t.object) {
                out.add(class, t.subject.into());
            }
        }
        out
    }

    /// `class` and all its transitive superclasses in the data graph.
    fn superclasses(&self, class: TermRef<'a>) -> Vec<TermRef<'a>> {
        let mut out = Dedup::default();
        out.push(class);
        let mut i = 0;
        while let Some(c) = out.get(i) {
            if let Some(c) = as_subject(c) {
                for superclass in self.data.objects(c, rdfs::SUB_CLASS_OF) {
                    out.push(superclass);
                }
            }
            i += 1;
        }
        out.into_vec()
    }

    fn focus_nodes<T: DataGraph + ?Sized>(
        &self,
        shape: &'a Shape,
        targets: &'a T,
        instances: &ClassInstances<'a>,
    ) -> Vec<TermRef<'a>> {
        let mut out = Dedup::default();
        let mut add = |t: TermRef<'a>| {
            out.push(t);
        };
        for target in &shape.targets {
            match target {
                Target::Node(n) => add(n.as_ref()),
                Target::Class(c) => {
                    for &s in instances.of(c.as_ref()) {
                        add(s);
                    }
                }
                Target::SubjectsOf(p) => {
                    for t in targets.triples_for_predicate(p.as_ref()) {
                        add(t.subject.into());
                    }
                }
                Target::ObjectsOf(p) => {
                    for t in targets.triples_for_predicate(p.as_ref()) {
                        add(t.object);
                    }
                }
            }
        }
        out.into_vec()
    }

    /// Whether `node` is a SHACL instance of `class` (rdf:type/rdfs:subClassOf*).
    fn is_instance(&self, node: TermRef<'a>, class: TermRef<'a>) -> bool {
        let Some(node) = as_subject(node) else {
            return false;
        };
        let mut stack: Vec<TermRef<'a>> = self.look.objects(node, rdf::TYPE).collect();
        let mut seen = Dedup::default();
        while let Some(t) = stack.pop() {
            if t == class {
                return true;
            }
            if !seen.push(t) {
                continue;
            }
            if let Some(t) = as_subject(t) {
                stack.extend(self.look.objects(t, rdfs::SUB_CLASS_OF));
            }
        }
        false
    }

    fn validate_shape(
        &mut self,
        id: ShapeId,
        focus: TermRef<'a>,
        sink: &mut Sink,
    ) -> Result<(), ValidationError> {
        let shape = &self.shapes.shapes[id];
        if shape.deactivated || self.stack.contains(&(id, focus)) {
            // Deactivated shapes and recursive re-entries conform.
            return Ok(());
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(ValidationError::RecursionLimit(MAX_DEPTH));
        }
        self.stack.push((id, focus));
        let result = self.validate_constraints(shape, focus, sink);
        self.stack.pop();
        result
    }

    fn conforms(&mut self, id: ShapeId, node: TermRef<'a>) -> Result<bool, ValidationError> {
        let mut sink = Sink::checking();
        self.validate_shape(id, node, &mut sink)?;
        Ok(!sink.failed)
    }

    fn validate_constraints(
        &mut self,
        shape: &'a Shape,
        focus: TermRef<'a>,
        sink: &mut Sink,
    ) -> Result<(), ValidationError> {
        let single = [focus];
        let owned;
        let values: &[TermRef<'a>] = match &shape.path {
            Some(path) => {
                owned = path.values_with(&self.look, focus);
                &owned
            }
            None => &single,
        };
        for constraint in &shape.constraints {
            if sink.done() {
                break;
            }
            self.check(shape, constraint, focus, values, sink)?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_lines)]
    fn check(
        &mut self,
        shape: &'a Shape,
        constraint: &'a Constraint,
        focus: TermRef<'a>,
        values: &[TermRef<'a>],
        sink: &mut Sink,
    ) -> Result<(), ValidationError> {
        let component = constraint.component(true);
        let emit = |sink: &mut Sink, value: Option<TermRef<'a>>| {
            sink.emit(|| new_result(shape, focus, value, component));
        };
        match constraint {
            Constraint::Class(class) => {
                for v in values {
                    if !self.is_instance(*v, class.as_ref()) {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::Datatype(dt) => {
                for v in values {
                    let ok = matches!(v, TermRef::Literal(l) if l.datatype() == dt.as_ref() && is_well_formed(*l));
                    if !ok {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::NodeKind(kinds) => {
                for v in values {
                    let ok = match v {
                        TermRef::NamedNode(_) => kinds.iri,
                        TermRef::BlankNode(_) => kinds.blank,
                        TermRef::Literal(_) => kinds.literal,
                        // RDF 1.2 triple terms, if some other crate enables them.
                        #[allow(unreachable_patterns)]
                        _ => false,
                    };
                    if !ok {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::MinCount(n) => {
                if (values.len() as u64) < *n {
                    emit(sink, None);
                }
            }
            Constraint::MaxCount(n) => {
                if (values.len() as u64) > *n {
                    emit(sink, None);
                }
            }
            Constraint::Range(kind, bound) => {
                for v in values {
                    let ord = compare(*v, bound.as_ref());
                    let ok = match kind {
                        RangeKind::MinExclusive => ord == Some(Ordering::Greater),
                        RangeKind::MinInclusive => {
                            matches!(ord, Some(Ordering::Greater | Ordering::Equal))
                        }
                        RangeKind::MaxExclusive => ord == Some(Ordering::Less),
                        RangeKind::MaxInclusive => {
                            matches!(ord, Some(Ordering::Less | Ordering::Equal))
                        }
                    };
                    if !ok {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::MinLength(n) | Constraint::MaxLength(n) => {
                let is_min = matches!(constraint, Constraint::MinLength(_));
                for v in values {
                    let ok = lexical(*v).is_some_and(|s| {
                        let len = s.chars().count() as u64;
                        if is_min {
                            len >= *n
                        } else {
                            len <= *n
                        }
                    });
                    if !ok {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::Pattern(regex) => {
                for v in values {
                    if !lexical(*v).is_some_and(|s| regex.is_match(s)) {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::LanguageIn(langs) => {
                for v in values {
                    let ok = matches!(v, TermRef::Literal(l)
                        if l.language().is_some_and(|tag| langs.iter().any(|r| lang_matches(tag, r))));
                    if !ok {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::UniqueLang => {
                let mut counts: Vec<(String, usize)> = Vec::new();
                for v in values {
                    if let TermRef::Literal(l) = v {
                        if let Some(tag) = l.language() {
                            let tag = tag.to_ascii_lowercase();
                            match counts.iter_mut().find(|(t, _)| *t == tag) {
                                Some((_, c)) => *c += 1,
                                None => counts.push((tag, 1)),
                            }
                        }
                    }
                }
                for (_, c) in counts {
                    if c > 1 {
                        emit(sink, None);
                    }
                }
            }
            Constraint::Pair(kind, p) => {
                let others: Vec<TermRef<'a>> = match as_subject(focus) {
                    Some(s) => self.look.objects(s, p.as_ref()).collect(),
                    None => Vec::new(),
                };
                match kind {
                    PairKind::Equals => {
                        for v in values {
                            if !others.contains(v) {
                                emit(sink, Some(*v));
                            }
                        }
                        for o in &others {
                            if !values.contains(o) {
                                emit(sink, Some(*o));
                            }
                        }
                    }
                    PairKind::Disjoint => {
                        for v in values {
                            if others.contains(v) {
                                emit(sink, Some(*v));
                            }
                        }
                    }
                    PairKind::LessThan | PairKind::LessThanOrEquals => {
                        let or_equal = matches!(kind, PairKind::LessThanOrEquals);
                        for v in values {
                            for o in &others {
                                let ok = match compare(*v, *o) {
                                    Some(Ordering::Less) => true,
                                    Some(Ordering::Equal) => or_equal,
                                    _ => false,
                                };
                                if !ok {
                                    emit(sink, Some(*v));
                                }
                            }
                        }
                    }
                }
            }
            Constraint::Not(s) => {
                for v in values {
                    if self.conforms(*s, *v)? {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::And(list) | Constraint::Or(list) | Constraint::Xone(list) => {
                for v in values {
                    let mut count = 0;
                    for s in list {
                        if self.conforms(*s, *v)? {
                            count += 1;
                        }
                    }
                    let ok = match constraint {
                        Constraint::And(_) => count == list.len(),
                        Constraint::Or(_) => count > 0,
                        _ => count == 1,
                    };
                    if !ok {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::Node(s) => {
                for v in values {
                    if !self.conforms(*s, *v)? {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::Property(s) => {
                for v in values {
                    if sink.done() {
                        break;
                    }
                    self.validate_shape(*s, *v, sink)?;
                }
            }
            Constraint::Qualified {
                shape: qs,
                min,
                max,
                disjoint,
                siblings,
            } => {
                let mut count = 0u64;
                for v in values {
                    if self.conforms(*qs, *v)? {
                        let mut ok = true;
                        if *disjoint {
                            for s in siblings {
                                if self.conforms(*s, *v)? {
                                    ok = false;
                                    break;
                                }
                            }
                        }
                        if ok {
                            count += 1;
                        }
                    }
                }
                if min.is_some_and(|m| count < m) {
                    emit(sink, None);
                }
                if max.is_some_and(|m| count > m) {
                    let component = constraint.component(false);
                    sink.emit(|| new_result(shape, focus, None, component));
                }
            }
            Constraint::Closed(allowed) => {
                for v in values {
                    let Some(s) = as_subject(*v) else { continue };
                    for t in self.data.triples_for_subject(s) {
                        if !allowed.contains(t.predicate.as_str()) {
                            sink.emit(|| {
                                let mut r = new_result(shape, focus, Some(t.object), component);
                                r.result_path =
                                    Some(Arc::new(Path::Predicate(t.predicate.into_owned())));
                                r
                            });
                        }
                    }
                }
            }
            Constraint::HasValue(expected) => {
                if !values.iter().any(|v| *v == expected.as_ref()) {
                    emit(sink, None);
                }
            }
            Constraint::In(list) => {
                for v in values {
                    if !list.iter().any(|t| t.as_ref() == *v) {
                        emit(sink, Some(*v));
                    }
                }
            }
            Constraint::Sparql(c) => {
                if c.deactivated {
                    return Ok(());
                }
                let bindings = self.base_bindings(shape, focus);
                let solutions = self.select(shape, &c.query, &bindings)?;
                let messages = if c.messages.is_empty() {
                    &shape.messages
                } else {
                    &c.messages
                };
                for solution in solutions {
                    self.solution_result(
                        shape,
                        focus,
                        &solution,
                        &bindings,
                        messages,
                        component,
                        Some(&c.node),
                        sink,
                    )?;
                }
            }
            Constraint::Component(c) => {
                let mut bindings = self.base_bindings(shape, focus);
                bindings.extend(c.bindings.iter().cloned());
                let messages = if c.messages.is_empty() {
                    &shape.messages
                } else {
                    &c.messages
                };
                if c.is_ask {
                    for v in values {
                        let mut b = bindings.clone();
                        b.push((Variable::new_unchecked("value"), v.into_owned()));
                        match sparql::evaluate(&c.query, self.data, &self.shapes.shapes_graph, &b) {
                            Ok(Evaluation::Boolean(true)) => {}
                            Ok(_) => sink.emit(|| {
                                let mut r = new_result(shape, focus, Some(*v), component);
                                r.messages = substitute_all(messages, |name| lookup(&b, name));
                                r
                            }),
                            Err(message) => return Err(sparql_error(shape, message)),
                        }
                    }
                } else {
                    let solutions = self.select(shape, &c.query, &bindings)?;
                    for solution in solutions {
                        self.solution_result(
                            shape, focus, &solution, &bindings, messages, component, None, sink,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    fn base_bindings(&self, shape: &Shape, focus: TermRef<'a>) -> Vec<(Variable, Term)> {
        vec![
            (Variable::new_unchecked("this"), focus.into_owned()),
            (
                Variable::new_unchecked("currentShape"),
                shape.node.clone().into(),
            ),
            (
                Variable::new_unchecked("shapesGraph"),
                SHAPES_GRAPH.into_owned().into(),
            ),
        ]
    }

    fn select(
        &self,
        shape: &Shape,
        query: &sparql::ShaclQuery,
        bindings: &[(Variable, Term)],
    ) -> Result<Vec<QuerySolution>, ValidationError> {
        match sparql::evaluate(query, self.data, &self.shapes.shapes_graph, bindings) {
            Ok(Evaluation::Solutions(s)) => Ok(s),
            Ok(Evaluation::Boolean(_)) => {
                Err(sparql_error(shape, "expected a SELECT query".into()))
            }
            Err(message) => Err(sparql_error(shape, message)),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn solution_result(
        &self,
        shape: &'a Shape,
        focus: TermRef<'a>,
        solution: &QuerySolution,
        bindings: &[(Variable, Term)],
        messages: &[Literal],
        component: NamedNodeRef<'a>,
        source_constraint: Option<&Term>,
        sink: &mut Sink,
    ) -> Result<(), ValidationError> {
        if let Some(Term::Literal(l)) = solution.get("failure") {
            if l.value() == "true" || l.value() == "1" {
                return Err(ValidationError::Failure(shape.node.to_string()));
            }
        }
        sink.emit(|| {
            let mut r = new_result(shape, focus, None, component);
            if let Some(this) = solution.get("this") {
                r.focus_node = this.clone();
            }
            if let Some(Term::NamedNode(p)) = solution.get("path") {
                r.result_path = Some(Arc::new(Path::Predicate(p.clone())));
            }
            r.value = match solution.get("value") {
                Some(v) => Some(v.clone()),
                None if shape.path.is_none() => Some(r.focus_node.clone()),
                None => None,
            };
            r.source_constraint = source_constraint.cloned();
            r.messages = substitute_all(messages, |name| {
                solution
                    .get(name)
                    .cloned()
                    .or_else(|| lookup(bindings, name))
            });
            r
        });
        Ok(())
    }
}

fn lookup(bindings: &[(Variable, Term)], name: &str) -> Option<Term> {
    bindings
        .iter()
        .find(|(v, _)| v.as_str() == name)
        .map(|(_, t)| t.clone())
}

fn substitute_all(messages: &[Literal], lookup: impl Fn(&str) -> Option<Term>) -> Vec<Literal> {
    messages
        .iter()
        .map(|m| sparql::substitute_message(m, &lookup))
        .collect()
}

fn sparql_error(shape: &Shape, message: String) -> ValidationError {
    ValidationError::Sparql {
        shape: shape.node.to_string(),
        message,
    }
}

/// The string used by sh:minLength, sh:maxLength and sh:pattern (None for blank nodes).
fn lexical(term: TermRef<'_>) -> Option<&str> {
    match term {
        TermRef::NamedNode(n) => Some(n.as_str()),
        TermRef::Literal(l) => Some(l.value()),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

fn new_result(
    shape: &Shape,
    focus: TermRef<'_>,
    value: Option<TermRef<'_>>,
    component: NamedNodeRef<'_>,
) -> ValidationResult {
    ValidationResult {
        focus_node: focus.into_owned(),
        result_path: shape.path.clone(),
        value: value.map(TermRef::into_owned),
        source_shape: shape.node.clone(),
        source_constraint_component: component.into_owned(),
        source_constraint: None,
        severity: Severity::from_iri(shape.severity.as_ref()),
        messages: shape.messages.clone(),
        details: Vec::new(),
    }
}

#[cfg(test)]
mod target_tests {
    use crate::Shapes;
    use oxrdf::{Graph, Term};
    use oxttl::TurtleParser;

    fn parse(ttl: &str) -> Graph {
        let ttl = format!(
            "@prefix sh: <http://www.w3.org/ns/shacl#> .
             @prefix ex: <http://example.com/> .
             @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
             {ttl}"
        );
        TurtleParser::new()
            .for_slice(&ttl)
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .into_iter()
            .collect()
    }

    /// Class targets are skipped only when no type of the record is a subclass
    /// of the target class; subclasses may come from the vocabulary or the record.
    #[test]
    fn class_targets_follow_subclasses_in_record_and_vocabulary() {
        let shapes = Shapes::from_graph(&parse(
            "ex:TopShape a sh:NodeShape ; sh:targetClass ex:Top ;
                 sh:property [ sh:path ex:p ; sh:minCount 1 ] .
             ex:OtherShape a sh:NodeShape ; sh:targetClass ex:Other ;
                 sh:property [ sh:path ex:p ; sh:minCount 1 ] .
             ex:Implicit a sh:NodeShape, rdfs:Class ;
                 sh:property [ sh:path ex:q ; sh:minCount 1 ] .",
        ))
        .unwrap();
        let vocabulary = parse(
            "ex:Sub rdfs:subClassOf ex:Mid . ex:Mid rdfs:subClassOf ex:Top .
             ex:Top rdfs:subClassOf ex:Sub . # a cycle
             ex:v a ex:Top . # vocabulary nodes are not focus nodes",
        );
        let record = parse(
            "ex:a a ex:Sub . ex:b a ex:Local . ex:Local rdfs:subClassOf ex:Mid .
             ex:c a ex:Sub2 . ex:Sub2 rdfs:subClassOf ex:Implicit .",
        );
        let report = shapes.validate_record(&record, &vocabulary).unwrap();
        let mut focus: Vec<String> = report
            .results
            .iter()
            .map(|r| {
                let path = r.result_path.as_ref().map(ToString::to_string);
                format!("{} {}", r.focus_node, path.unwrap_or_default())
            })
            .collect();
        focus.sort();
        let ex = |s: &str| {
            Term::from(oxrdf::NamedNode::new_unchecked(format!(
                "http://example.com/{s}"
            )))
        };
        assert_eq!(
            focus,
            vec![
                format!("{} {}", ex("a"), ex("p")),
                format!("{} {}", ex("b"), ex("p")),
                format!("{} {}", ex("c"), ex("q")),
            ]
        );
    }
}
