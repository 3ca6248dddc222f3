//! SHACL-SPARQL: SPARQL-based constraints and SPARQL-based constraint components.
//!
//! Queries are parsed once with `spargebra` when the shapes are compiled, and
//! evaluated with `spareval` directly over the [`DataGraph`] (no copy). The
//! shapes graph is available as the named graph bound to `$shapesGraph`.

use crate::graph::DataGraph;
use crate::path::Path;
use crate::rdfutil::{as_bool, as_string, as_subject, describe, objects};
use crate::shapes::literals;
use crate::vocab as sh;
use oxrdf::{
    BlankNode, Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef,
    Term, TermRef, TripleRef, Variable,
};
use spareval::{
    ExpressionTerm, InternalQuad, QueryEvaluator, QueryResults, QuerySolution, QueryableDataset,
};
use spargebra::algebra::{AggregateExpression, Expression, GraphPattern, OrderExpression};
use spargebra::term::{NamedNodePattern, TermPattern};
use spargebra::{Query, SparqlParser};
use std::convert::Infallible;

/// The IRI `$shapesGraph` is bound to.
pub(crate) const SHAPES_GRAPH: NamedNodeRef<'static> =
    NamedNodeRef::new_unchecked("urn:x-shacl:shapes-graph");

/// A compiled `sh:sparql` constraint.
#[derive(Debug)]
pub(crate) struct SparqlConstraint {
    /// The `sh:sparql` value (reported as `sh:sourceConstraint`).
    pub node: Term,
    pub query: ShaclQuery,
    pub messages: Vec<Literal>,
    pub deactivated: bool,
}

/// An instance of a SPARQL-based constraint component on one shape.
#[derive(Debug)]
pub(crate) struct SparqlComponentConstraint {
    pub component: NamedNode,
    pub query: ShaclQuery,
    pub is_ask: bool,
    /// Parameter variable bindings.
    pub bindings: Vec<(Variable, Term)>,
    pub messages: Vec<Literal>,
}

/// A parsed, checked SHACL-SPARQL query.
#[derive(Debug, Clone)]
pub(crate) struct ShaclQuery {
    query: Query,
}

/// A parameter of a constraint component.
#[derive(Debug)]
struct Parameter {
    path: NamedNode,
    var: Variable,
    optional: bool,
}

/// A `sh:ConstraintComponent` declared in the shapes graph.
#[derive(Debug)]
pub(crate) struct ComponentDef {
    iri: NamedNode,
    params: Vec<Parameter>,
    validator: Option<NamedOrBlankNode>,
    node_validator: Option<NamedOrBlankNode>,
    property_validator: Option<NamedOrBlankNode>,
    messages: Vec<Literal>,
}

/// Parses all `sh:ConstraintComponent` instances of the shapes graph.
pub(crate) fn parse_components(graph: &Graph) -> Result<Vec<ComponentDef>, crate::ShapeError> {
    let mut out = Vec::new();
    for c in crate::shapes::instances(graph, sh::ConstraintComponent) {
        let err = |reason: String| crate::ShapeError::new(describe(graph, c), reason);
        let NamedOrBlankNodeRef::NamedNode(iri) = c else {
            return Err(err("a constraint component must be an IRI".into()));
        };
        let mut params = Vec::new();
        for p in objects(graph, c, sh::parameter) {
            let Some(p) = as_subject(p) else {
                return Err(err(format!("sh:parameter value {p} is not a node")));
            };
            let path = match objects(graph, p, sh::path).as_slice() {
                [TermRef::NamedNode(n)] => n.into_owned(),
                _ => {
                    return Err(err(format!(
                        "parameter {} must have exactly one IRI as sh:path",
                        describe(graph, p)
                    )));
                }
            };
            let var = Variable::new(local_name(path.as_str()))
                .map_err(|e| err(format!("parameter {path} has no usable local name: {e}")))?;
            let optional = objects(graph, p, sh::optional)
                .into_iter()
                .any(|v| as_bool(v) == Some(true));
            params.push(Parameter {
                path,
                var,
                optional,
            });
        }
        if params.is_empty() {
            return Err(err(
                "a constraint component needs at least one sh:parameter".into(),
            ));
        }
        let single = |p: NamedNodeRef<'_>| -> Result<Option<NamedOrBlankNode>, crate::ShapeError> {
            match objects(graph, c, p).as_slice() {
                [] => Ok(None),
                [v] => as_subject(*v)
                    .map(|v| Some(v.into_owned()))
                    .ok_or_else(|| err(format!("{p} must be a node, found {v}"))),
                _ => Err(err(format!("at most one {p} is supported"))),
            }
        };
        out.push(ComponentDef {
            iri: iri.into_owned(),
            validator: single(sh::validator)?,
            node_validator: single(sh::nodeValidator)?,
            property_validator: single(sh::propertyValidator)?,
            messages: literals(objects(graph, c, sh::message)),
            params,
        });
    }
    Ok(out)
}

fn local_name(iri: &str) -> &str {
    let cut = iri.rfind(['#', '/', ':']).map_or(0, |i| i + 1);
    &iri[cut..]
}

impl ComponentDef {
    /// Instances of this component on `shape` (none if a mandatory parameter is missing).
    pub(crate) fn instantiate(
        &self,
        graph: &Graph,
        shape: NamedOrBlankNodeRef<'_>,
        path: Option<&Path>,
    ) -> Result<Vec<SparqlComponentConstraint>, String> {
        // Cartesian product of the parameter values.
        let mut combos: Vec<Vec<(Variable, Term)>> = vec![Vec::new()];
        for p in &self.params {
            let values = objects(graph, shape, p.path.as_ref());
            if values.is_empty() {
                if p.optional {
                    continue;
                }
                return Ok(Vec::new());
            }
            let mut next = Vec::with_capacity(combos.len() * values.len());
            for combo in &combos {
                for v in &values {
                    let mut c = combo.clone();
                    c.push((p.var.clone(), v.into_owned()));
                    next.push(c);
                }
            }
            combos = next;
        }
        let validator = if path.is_some() {
            self.property_validator.as_ref().or(self.validator.as_ref())
        } else {
            self.node_validator.as_ref().or(self.validator.as_ref())
        };
        let Some(validator) = validator else {
            return Ok(Vec::new());
        };
        let validator = validator.as_ref();
        let (text, is_ask) = match (
            objects(graph, validator, sh::ask).as_slice(),
            objects(graph, validator, sh::select).as_slice(),
        ) {
            ([q], []) => (as_string(*q), true),
            ([], [q]) => (as_string(*q), false),
            _ => {
                return Err(format!(
                    "the validator {} of component {} must have exactly one sh:ask or sh:select",
                    describe(graph, validator),
                    self.iri
                ));
            }
        };
        let text = text.ok_or_else(|| {
            format!(
                "the query of validator {} must be a string",
                describe(graph, validator)
            )
        })?;
        let mut prebound: Vec<String> = vec!["this".into()];
        if is_ask {
            prebound.push("value".into());
        }
        prebound.extend(self.params.iter().map(|p| p.var.as_str().to_owned()));
        let query = parse_query(graph, validator, text, path, &prebound)?;
        if is_ask != matches!(query.query, Query::Ask { .. }) {
            return Err(format!(
                "the validator {} must use {} query",
                describe(graph, validator),
                if is_ask { "an ASK" } else { "a SELECT" }
            ));
        }
        let mut messages = literals(objects(graph, validator, sh::message));
        if messages.is_empty() {
            messages.clone_from(&self.messages);
        }
        Ok(combos
            .into_iter()
            .map(|bindings| SparqlComponentConstraint {
                component: self.iri.clone(),
                query: query.clone(),
                is_ask,
                bindings,
                messages: messages.clone(),
            })
            .collect())
    }
}

/// Parses the `sh:sparql` value `node` of `shape`.
pub(crate) fn parse_sparql_constraint(
    graph: &Graph,
    node: TermRef<'_>,
    path: Option<&Path>,
) -> Result<SparqlConstraint, String> {
    let Some(c) = as_subject(node) else {
        return Err(format!(
            "the sh:sparql value {node} must be a node with sh:select"
        ));
    };
    let selects = objects(graph, c, sh::select);
    let text = match selects.as_slice() {
        [q] => as_string(*q).ok_or_else(|| {
            format!(
                "the sh:select of {} must be a string literal",
                describe(graph, c)
            )
        })?,
        [] => {
            return Err(format!(
                "the sh:sparql constraint {} has no sh:select (only SELECT-based constraints are defined)",
                describe(graph, c)
            ));
        }
        _ => {
            return Err(format!(
                "the sh:sparql constraint {} has several sh:select",
                describe(graph, c)
            ))
        }
    };
    let mut deactivated = false;
    for v in objects(graph, c, sh::deactivated) {
        deactivated |=
            as_bool(v).ok_or_else(|| format!("sh:deactivated must be a boolean, found {v}"))?;
    }
    let query = parse_query(graph, c, text, path, &["this".to_owned()])?;
    if !matches!(query.query, Query::Select { .. }) {
        return Err(format!(
            "the sh:select of {} is not a SELECT query",
            describe(graph, c)
        ));
    }
    Ok(SparqlConstraint {
        node: node.into_owned(),
        query,
        messages: literals(objects(graph, c, sh::message)),
        deactivated,
    })
}

/// Collects prefixes, substitutes `$PATH`, parses, and checks the pre-binding restrictions.
fn parse_query(
    graph: &Graph,
    executable: NamedOrBlankNodeRef<'_>,
    text: &str,
    path: Option<&Path>,
    prebound: &[String],
) -> Result<ShaclQuery, String> {
    let mut parser = SparqlParser::new();
    for p in objects(graph, executable, sh::prefixes) {
        let Some(p) = as_subject(p) else {
            return Err(format!("sh:prefixes value {p} must be a node"));
        };
        for d in prefix_declarations(graph, p) {
            let Some(d) = as_subject(d) else {
                return Err(format!("sh:declare value {d} must be a node"));
            };
            let prefix = objects(graph, d, sh::prefix);
            let namespace = objects(graph, d, sh::namespace);
            let (Some(prefix), Some(namespace)) = (
                prefix.first().and_then(|t| as_string(*t)),
                namespace.first().and_then(|t| match t {
                    TermRef::Literal(l) => Some(l.value()),
                    TermRef::NamedNode(n) => Some(n.as_str()),
                    _ => None,
                }),
            ) else {
                return Err(format!(
                    "the prefix declaration {} needs a string sh:prefix and a sh:namespace",
                    describe(graph, d)
                ));
            };
            parser = parser.with_prefix(prefix, namespace).map_err(|e| {
                format!("invalid namespace {namespace:?} for prefix {prefix:?}: {e}")
            })?;
        }
    }
    let text = match path {
        Some(path) => substitute_path(text, &path.to_sparql()),
        None => text.to_owned(),
    };
    let query = parser.parse_query(&text).map_err(|e| {
        format!(
            "invalid SPARQL query of {}: {e}",
            describe(graph, executable)
        )
    })?;
    let pattern = match &query {
        Query::Select { pattern, .. }
        | Query::Ask { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. } => pattern,
    };
    check_prebinding(pattern, prebound, true)
        .map_err(|e| format!("unsupported SPARQL in {}: {e}", describe(graph, executable)))?;
    Ok(ShaclQuery { query })
}

/// `sh:declare` values of `node` and of the ontologies it transitively `owl:imports`.
fn prefix_declarations<'a>(graph: &'a Graph, node: NamedOrBlankNodeRef<'a>) -> Vec<TermRef<'a>> {
    let imports = NamedNodeRef::new_unchecked("http://www.w3.org/2002/07/owl#imports");
    let mut todo = vec![node];
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    while let Some(n) = todo.pop() {
        if !seen.insert(n) {
            continue;
        }
        out.extend(objects(graph, n, sh::declare));
        todo.extend(
            objects(graph, n, imports)
                .into_iter()
                .filter_map(as_subject),
        );
    }
    out
}

/// Replaces the `$PATH` variable token by the SPARQL path syntax.
fn substitute_path(text: &str, path: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("$PATH") {
        let after = &rest[i + 5..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || c == '_');
        out.push_str(&rest[..i]);
        if continues {
            out.push_str("$PATH");
        } else {
            out.push_str(path);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Enforces the restrictions of <https://www.w3.org/TR/shacl/#pre-binding>.
fn check_prebinding(pattern: &GraphPattern, prebound: &[String], top: bool) -> Result<(), String> {
    // `top` is true only on the chain of solution modifiers above the query's own projection.
    let rec = |p: &GraphPattern| check_prebinding(p, prebound, false);
    match pattern {
        GraphPattern::Minus { .. } => Err("MINUS is not allowed".into()),
        GraphPattern::Service { .. } => Err("SERVICE is not allowed".into()),
        GraphPattern::Values { .. } => Err("VALUES is not allowed".into()),
        GraphPattern::Extend {
            inner,
            variable,
            expression,
        } => {
            if prebound.iter().any(|v| v == variable.as_str()) {
                return Err(format!(
                    "AS ?{} re-binds a pre-bound variable",
                    variable.as_str()
                ));
            }
            check_expression(expression, prebound)?;
            rec(inner)
        }
        GraphPattern::Project { inner, variables } => {
            if !top {
                for v in prebound {
                    if !variables.iter().any(|x| x.as_str() == v) {
                        return Err(format!(
                            "a sub-query must project the pre-bound variable ?{v}"
                        ));
                    }
                }
            }
            rec(inner)
        }
        GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::OrderBy { inner, .. } => check_prebinding(inner, prebound, top),
        GraphPattern::Graph { inner, .. } | GraphPattern::Group { inner, .. } => rec(inner),
        GraphPattern::Filter { expr, inner } => {
            check_expression(expr, prebound)?;
            rec(inner)
        }
        GraphPattern::Join { left, right } | GraphPattern::Union { left, right } => {
            rec(left)?;
            rec(right)
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => {
            if let Some(e) = expression {
                check_expression(e, prebound)?;
            }
            rec(left)?;
            rec(right)
        }
        GraphPattern::Bgp { .. } | GraphPattern::Path { .. } => Ok(()),
        // Optional extensions (e.g. LATERAL) when enabled elsewhere in the build.
        #[allow(unreachable_patterns)]
        _ => Err("unsupported SPARQL extension".into()),
    }
}

fn check_expression(expression: &Expression, prebound: &[String]) -> Result<(), String> {
    match expression {
        Expression::Exists(p) => check_prebinding(p, prebound, false),
        Expression::Or(a, b)
        | Expression::And(a, b)
        | Expression::Equal(a, b)
        | Expression::SameTerm(a, b)
        | Expression::Greater(a, b)
        | Expression::GreaterOrEqual(a, b)
        | Expression::Less(a, b)
        | Expression::LessOrEqual(a, b)
        | Expression::Add(a, b)
        | Expression::Subtract(a, b)
        | Expression::Multiply(a, b)
        | Expression::Divide(a, b) => {
            check_expression(a, prebound)?;
            check_expression(b, prebound)
        }
        Expression::Not(a) | Expression::UnaryPlus(a) | Expression::UnaryMinus(a) => {
            check_expression(a, prebound)
        }
        Expression::In(a, l) => {
            check_expression(a, prebound)?;
            l.iter().try_for_each(|e| check_expression(e, prebound))
        }
        Expression::If(a, b, c) => {
            check_expression(a, prebound)?;
            check_expression(b, prebound)?;
            check_expression(c, prebound)
        }
        Expression::Coalesce(l) | Expression::FunctionCall(_, l) => {
            l.iter().try_for_each(|e| check_expression(e, prebound))
        }
        _ => Ok(()),
    }
}

/// Evaluates a query with pre-bound variables over the data graph (+ the shapes graph as a named graph).
///
/// Pre-binding follows <https://www.w3.org/TR/shacl/#pre-binding>: every occurrence of a
/// pre-bound variable (including in `FILTER`s, nested groups and sub-queries) is replaced by
/// its value. Blank node values cannot be constants in SPARQL, so they are replaced by
/// reserved IRIs that the dataset view maps back to the blank nodes.
pub(crate) fn evaluate<G: DataGraph + ?Sized>(
    query: &ShaclQuery,
    data: &G,
    shapes_graph: &Graph,
    bindings: &[(Variable, Term)],
) -> Result<Evaluation, String> {
    let mut skolem = Vec::new();
    let values: Vec<(&str, Term)> = bindings
        .iter()
        .map(|(v, t)| {
            let t = match t {
                Term::BlankNode(b) => {
                    let iri = NamedNode::new_unchecked(format!("{SKOLEM_PREFIX}{}", b.as_str()));
                    skolem.push((b.clone(), iri.clone()));
                    Term::NamedNode(iri)
                }
                t => t.clone(),
            };
            (v.as_str(), t)
        })
        .collect();
    let mut q = query.query.clone();
    let (Query::Select { pattern, .. }
    | Query::Ask { pattern, .. }
    | Query::Construct { pattern, .. }
    | Query::Describe { pattern, .. }) = &mut q;
    substitute_pattern(pattern, &values);
    let evaluator = QueryEvaluator::new();
    let dataset = SparqlDataset {
        data,
        shapes_graph,
        skolem: &skolem,
    };
    let results = evaluator
        .prepare(&q)
        .execute(dataset)
        .map_err(|e| e.to_string())?;
    #[allow(clippy::let_and_return)] // the binding ends the borrow of `skolem` in time
    let evaluation = match results {
        QueryResults::Boolean(b) => Ok(Evaluation::Boolean(b)),
        QueryResults::Solutions(solutions) => Ok(Evaluation::Solutions(
            solutions
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| e.to_string())?,
        )),
        QueryResults::Graph(_) => Err("CONSTRUCT/DESCRIBE queries are not supported".into()),
    };
    evaluation
}

const SKOLEM_PREFIX: &str = "urn:x-shacl-prebound-blank-node:";

fn lookup_value<'b>(values: &'b [(&str, Term)], v: &Variable) -> Option<&'b Term> {
    values
        .iter()
        .find(|(n, _)| *n == v.as_str())
        .map(|(_, t)| t)
}

fn substitute_term_pattern(t: &mut TermPattern, values: &[(&str, Term)]) {
    if let TermPattern::Variable(v) = t {
        if let Some(value) = lookup_value(values, v) {
            *t = match value.clone() {
                Term::NamedNode(n) => TermPattern::NamedNode(n),
                Term::Literal(l) => TermPattern::Literal(l),
                Term::BlankNode(b) => TermPattern::BlankNode(b),
                #[allow(unreachable_patterns)]
                _ => return,
            };
        }
    }
}

fn substitute_named_node_pattern(t: &mut NamedNodePattern, values: &[(&str, Term)]) {
    if let NamedNodePattern::Variable(v) = t {
        if let Some(value) = lookup_value(values, v) {
            *t = NamedNodePattern::NamedNode(match value {
                Term::NamedNode(n) => n.clone(),
                // A non-IRI can never match in predicate/graph position.
                _ => NamedNode::new_unchecked(format!("{SKOLEM_PREFIX}never")),
            });
        }
    }
}

fn substitute_pattern(p: &mut GraphPattern, values: &[(&str, Term)]) {
    match p {
        GraphPattern::Bgp { patterns } => {
            for t in patterns {
                substitute_term_pattern(&mut t.subject, values);
                substitute_named_node_pattern(&mut t.predicate, values);
                substitute_term_pattern(&mut t.object, values);
            }
        }
        GraphPattern::Path {
            subject, object, ..
        } => {
            substitute_term_pattern(subject, values);
            substitute_term_pattern(object, values);
        }
        GraphPattern::Join { left, right }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => {
            substitute_pattern(left, values);
            substitute_pattern(right, values);
        }
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => {
            substitute_pattern(left, values);
            substitute_pattern(right, values);
            if let Some(e) = expression {
                substitute_expression(e, values);
            }
        }
        GraphPattern::Filter { expr, inner } => {
            substitute_expression(expr, values);
            substitute_pattern(inner, values);
        }
        GraphPattern::Graph { name, inner } => {
            substitute_named_node_pattern(name, values);
            substitute_pattern(inner, values);
        }
        GraphPattern::Extend {
            inner, expression, ..
        } => {
            substitute_pattern(inner, values);
            substitute_expression(expression, values);
        }
        GraphPattern::OrderBy { inner, expression } => {
            substitute_pattern(inner, values);
            for e in expression {
                match e {
                    OrderExpression::Asc(e) | OrderExpression::Desc(e) => {
                        substitute_expression(e, values)
                    }
                }
            }
        }
        GraphPattern::Group {
            inner, aggregates, ..
        } => {
            substitute_pattern(inner, values);
            for (_, a) in aggregates {
                if let AggregateExpression::FunctionCall { expr, .. } = a {
                    substitute_expression(expr, values);
                }
            }
        }
        GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::Service { inner, .. } => substitute_pattern(inner, values),
        #[allow(unreachable_patterns)]
        _ => {}
    }
}

fn substitute_expression(e: &mut Expression, values: &[(&str, Term)]) {
    match e {
        Expression::Variable(v) => {
            if let Some(value) = lookup_value(values, v) {
                *e = match value.clone() {
                    Term::NamedNode(n) => Expression::NamedNode(n),
                    Term::Literal(l) => Expression::Literal(l),
                    // Blank nodes were replaced by reserved IRIs before substitution.
                    #[allow(unreachable_patterns)]
                    _ => Expression::NamedNode(NamedNode::new_unchecked(format!(
                        "{SKOLEM_PREFIX}never"
                    ))),
                };
            }
        }
        Expression::Bound(v) => {
            if lookup_value(values, v).is_some() {
                *e = Expression::Literal(Literal::from(true));
            }
        }
        Expression::Or(a, b)
        | Expression::And(a, b)
        | Expression::Equal(a, b)
        | Expression::SameTerm(a, b)
        | Expression::Greater(a, b)
        | Expression::GreaterOrEqual(a, b)
        | Expression::Less(a, b)
        | Expression::LessOrEqual(a, b)
        | Expression::Add(a, b)
        | Expression::Subtract(a, b)
        | Expression::Multiply(a, b)
        | Expression::Divide(a, b) => {
            substitute_expression(a, values);
            substitute_expression(b, values);
        }
        Expression::Not(a) | Expression::UnaryPlus(a) | Expression::UnaryMinus(a) => {
            substitute_expression(a, values);
        }
        Expression::In(a, l) => {
            substitute_expression(a, values);
            for x in l {
                substitute_expression(x, values);
            }
        }
        Expression::If(a, b, c) => {
            substitute_expression(a, values);
            substitute_expression(b, values);
            substitute_expression(c, values);
        }
        Expression::Coalesce(l) | Expression::FunctionCall(_, l) => {
            for x in l {
                substitute_expression(x, values);
            }
        }
        Expression::Exists(p) => substitute_pattern(p, values),
        Expression::NamedNode(_) | Expression::Literal(_) => {}
    }
}

/// The outcome of [`evaluate`].
pub(crate) enum Evaluation {
    Boolean(bool),
    Solutions(Vec<QuerySolution>),
}

/// Substitutes `{?var}` and `{$var}` in a message template.
pub(crate) fn substitute_message(
    message: &Literal,
    lookup: impl Fn(&str) -> Option<Term>,
) -> Literal {
    let template = message.value();
    if !template.contains('{') {
        return message.clone();
    }
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let parsed = after
            .get(1..2)
            .filter(|c| *c == "?" || *c == "$")
            .and_then(|_| {
                let end = after.find('}')?;
                Some((&after[2..end], end))
            });
        match parsed {
            Some((name, end)) => {
                match lookup(name) {
                    Some(Term::Literal(l)) => out.push_str(l.value()),
                    Some(Term::NamedNode(n)) => out.push_str(n.as_str()),
                    Some(Term::BlankNode(b)) => out.push_str(&b.to_string()),
                    #[allow(unreachable_patterns)]
                    Some(t) => out.push_str(&t.to_string()),
                    None => out.push_str(&after[..=end]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push('{');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    match message.language() {
        Some(lang) => Literal::new_language_tagged_literal_unchecked(out, lang),
        None => Literal::new_typed_literal(out, message.datatype()),
    }
}

/// A [`QueryableDataset`] view: default graph = data graph, named graph `$shapesGraph` = shapes graph.
struct SparqlDataset<'a, G: ?Sized> {
    data: &'a G,
    shapes_graph: &'a Graph,
    /// Pre-bound blank nodes and the reserved IRIs standing for them in the query.
    skolem: &'a [(BlankNode, NamedNode)],
}

impl<G: ?Sized> SparqlDataset<'_, G> {
    /// Query-side term to data-side term.
    fn to_data(&self, t: Option<&Term>) -> Option<Term> {
        match t {
            Some(Term::NamedNode(n)) => Some(
                self.skolem
                    .iter()
                    .find(|(_, i)| i == n)
                    .map_or_else(|| n.clone().into(), |(b, _)| b.clone().into()),
            ),
            t => t.cloned(),
        }
    }

    /// Data-side term to query-side term.
    fn to_query(&self, t: Term) -> Term {
        match t {
            Term::BlankNode(b) => self
                .skolem
                .iter()
                .find(|(x, _)| *x == b)
                .map_or_else(|| b.into(), |(_, i)| i.clone().into()),
            t => t,
        }
    }
}

fn match_pattern<'a, G: DataGraph + ?Sized>(
    graph: &'a G,
    s: Option<&'a Term>,
    p: Option<&'a Term>,
    o: Option<&'a Term>,
) -> Vec<TripleRef<'a>> {
    let s = match s {
        Some(t) => match as_subject(t.as_ref()) {
            Some(s) => Some(s),
            None => return Vec::new(),
        },
        None => None,
    };
    let p = match p {
        Some(Term::NamedNode(n)) => Some(n.as_ref()),
        Some(_) => return Vec::new(),
        None => None,
    };
    let o = o.map(Term::as_ref);
    let keep = |t: &TripleRef<'_>| {
        s.is_none_or(|s| t.subject == s)
            && p.is_none_or(|p| t.predicate == p)
            && o.is_none_or(|o| t.object == o)
    };
    if let Some(s) = s {
        graph.triples_for_subject(s).filter(keep).collect()
    } else if let Some(o) = o {
        graph.triples_for_object(o).filter(keep).collect()
    } else if let Some(p) = p {
        graph.triples_for_predicate(p).collect()
    } else {
        graph.triples().collect()
    }
}

impl<'a, G: DataGraph + ?Sized> QueryableDataset<'a> for SparqlDataset<'a, G> {
    type InternalTerm = Term;
    type Error = Infallible;

    fn internal_quads_for_pattern(
        &self,
        subject: Option<&Term>,
        predicate: Option<&Term>,
        object: Option<&Term>,
        graph_name: Option<Option<&Term>>,
    ) -> impl Iterator<Item = Result<InternalQuad<Term>, Infallible>> + use<'a, G> {
        let (s, p, o) = (
            self.to_data(subject),
            self.to_data(predicate),
            self.to_data(object),
        );
        let to_quad = |t: TripleRef<'_>, g: Option<Term>| {
            Ok(InternalQuad {
                subject: self.to_query(t.subject.into_owned().into()),
                predicate: t.predicate.into_owned().into(),
                object: self.to_query(t.object.into_owned()),
                graph_name: g,
            })
        };
        let shapes_name = Term::from(SHAPES_GRAPH.into_owned());
        let quads: Vec<_> = match graph_name {
            Some(None) => match_pattern(self.data, s.as_ref(), p.as_ref(), o.as_ref())
                .into_iter()
                .map(|t| to_quad(t, None))
                .collect(),
            Some(Some(g)) if *g == shapes_name => {
                match_pattern(self.shapes_graph, s.as_ref(), p.as_ref(), o.as_ref())
                    .into_iter()
                    .map(|t| to_quad(t, Some(shapes_name.clone())))
                    .collect()
            }
            Some(Some(_)) => Vec::new(),
            None => match_pattern(self.shapes_graph, s.as_ref(), p.as_ref(), o.as_ref())
                .into_iter()
                .map(|t| to_quad(t, Some(shapes_name.clone())))
                .collect(),
        };
        quads.into_iter()
    }

    fn internalize_term(&self, term: Term) -> Result<Term, Infallible> {
        Ok(term)
    }

    fn externalize_term(&self, term: Term) -> Result<Term, Infallible> {
        Ok(self.to_data(Some(&term)).unwrap_or(term))
    }

    fn externalize_expression_term(&self, term: Term) -> Result<ExpressionTerm, Infallible> {
        // Keep the reserved IRIs inside expressions so that comparisons with the
        // substituted constants stay consistent.
        Ok(term.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_substitution() {
        assert_eq!(
            substitute_path("$this $PATH ?v . $PATHS", "<p>"),
            "$this <p> ?v . $PATHS"
        );
    }

    #[test]
    fn message_templates() {
        let m = Literal::new_language_tagged_literal_unchecked(
            "Value {?value} of {$this} {?x} {",
            "en",
        );
        let out = substitute_message(&m, |n| match n {
            "value" => Some(Literal::from(42).into()),
            "this" => Some(NamedNode::new_unchecked("http://ex/a").into()),
            _ => None,
        });
        assert_eq!(out.value(), "Value 42 of http://ex/a {?x} {");
        assert_eq!(out.language(), Some("en"));
    }
}
