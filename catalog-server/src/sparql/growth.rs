//! The checks on a parsed query: no `SERVICE`, and no expression that could
//! build strings far longer than the values it reads.
//!
//! An expression's *growth* bounds the length of its value in units of the
//! longest value it reads: a value from the store or a constant counts 1,
//! `CONCAT` adds its arguments, `REPLACE` may multiply by the length of the
//! replacement, `ENCODE_FOR_URI` by 3, other string functions keep the
//! largest argument, and numbers, booleans and hashes count 1. A variable
//! bound by `BIND` carries its expression's growth into later expressions,
//! so `BIND(CONCAT(?a, ?a) AS ?b) BIND(CONCAT(?b, ?b) AS ?c) …` doubles with
//! every step. Growth is an upper bound, computed without the data.

use super::{Limits, Refusal};
use spargebra::algebra::{Expression, Function, GraphPattern};
use spargebra::term::{NamedNodePattern, TermPattern};
use spargebra::Query;
use std::collections::{HashMap, HashSet};

/// Refuses `SERVICE` and expressions whose growth exceeds `limits.max_growth`.
pub fn check_algebra(query: &Query, limits: &Limits) -> Result<(), Refusal> {
    let pattern = match query {
        Query::Select { pattern, .. }
        | Query::Construct { pattern, .. }
        | Query::Describe { pattern, .. }
        | Query::Ask { pattern, .. } => pattern,
    };
    let mut walk = Walk {
        bound: HashMap::new(),
        limit: limits.max_growth,
        place: String::new(),
    };
    walk.pattern(pattern)
}

struct Walk {
    /// Growth of the variables bound by `BIND` (and projected subqueries).
    bound: HashMap<String, f64>,
    limit: f64,
    /// Where the expression being read stands (for the refusal).
    place: String,
}

impl Walk {
    fn pattern(&mut self, p: &GraphPattern) -> Result<(), Refusal> {
        match p {
            GraphPattern::Service { .. } => Err(Refusal::Service),
            GraphPattern::Extend {
                inner,
                variable,
                expression,
            } => {
                self.pattern(inner)?;
                self.place = format!("bound to ?{}", variable.as_str());
                let g = self.growth(expression)?;
                self.bound.insert(variable.as_str().to_owned(), g);
                Ok(())
            }
            GraphPattern::Filter { expr, inner } => {
                self.pattern(inner)?;
                self.checked(expr, "FILTER")
            }
            GraphPattern::LeftJoin {
                left,
                right,
                expression,
            } => {
                self.pattern(left)?;
                self.pattern(right)?;
                match expression {
                    Some(e) => self.checked(e, "OPTIONAL FILTER"),
                    None => Ok(()),
                }
            }
            GraphPattern::Join { left, right }
            | GraphPattern::Union { left, right }
            | GraphPattern::Minus { left, right } => {
                self.pattern(left)?;
                self.pattern(right)
            }
            GraphPattern::Distinct { inner } | GraphPattern::Reduced { inner } => {
                refuse_cartesian(inner, "DISTINCT")?;
                self.pattern(inner)
            }
            GraphPattern::Graph { inner, .. }
            | GraphPattern::Project { inner, .. }
            | GraphPattern::Slice { inner, .. } => self.pattern(inner),
            GraphPattern::OrderBy { inner, expression } => {
                refuse_cartesian(inner, "ORDER BY")?;
                self.pattern(inner)?;
                for e in expression {
                    let e = match e {
                        spargebra::algebra::OrderExpression::Asc(e)
                        | spargebra::algebra::OrderExpression::Desc(e) => e,
                    };
                    self.checked(e, "ORDER BY")?;
                }
                Ok(())
            }
            GraphPattern::Group {
                inner, aggregates, ..
            } => {
                refuse_cartesian(inner, "GROUP BY or an aggregate")?;
                self.pattern(inner)?;
                for (variable, aggregate) in aggregates {
                    if let spargebra::algebra::AggregateExpression::FunctionCall { expr, .. } =
                        aggregate
                    {
                        self.place = format!("aggregated into ?{}", variable.as_str());
                        self.growth(expr)?;
                    }
                }
                Ok(())
            }
            GraphPattern::Bgp { .. } | GraphPattern::Path { .. } | GraphPattern::Values { .. } => {
                Ok(())
            }
            #[allow(unreachable_patterns)]
            _ => Err(Refusal::Unsupported(
                "LATERAL and other extensions to SPARQL 1.1 are not accepted".into(),
            )),
        }
    }

    /// Checks an expression that binds nothing.
    fn checked(&mut self, e: &Expression, place: &str) -> Result<(), Refusal> {
        self.place = format!("in {place}");
        self.growth(e).map(|_| ())
    }

    fn refusal(&self, variable: &str, growth: f64) -> Refusal {
        Refusal::Growth {
            variable: variable.to_owned(),
            factor: if growth.is_finite() && growth < 1e15 {
                format!("{growth:.0}")
            } else {
                "astronomically many".to_owned()
            },
            limit: format!("{}", self.limit),
        }
    }

    /// The growth of an expression; refused as soon as it, or any
    /// expression inside it, grows more than the limit.
    fn growth(&mut self, e: &Expression) -> Result<f64, Refusal> {
        let g = self.growth_of(e)?;
        if g > self.limit {
            let place = self.place.clone();
            return Err(self.refusal(&place, g));
        }
        Ok(g)
    }

    fn growth_of(&mut self, e: &Expression) -> Result<f64, Refusal> {
        Ok(match e {
            Expression::NamedNode(_) | Expression::Literal(_) | Expression::Bound(_) => 1.0,
            Expression::Variable(v) => self.bound.get(v.as_str()).copied().unwrap_or(1.0),
            Expression::Exists(p) => {
                let place = self.place.clone();
                self.pattern(p)?;
                self.place = place;
                1.0
            }
            Expression::If(a, b, c) => {
                self.growth(a)?;
                self.growth(b)?.max(self.growth(c)?)
            }
            Expression::Coalesce(args) => {
                let mut g: f64 = 1.0;
                for a in args {
                    g = g.max(self.growth(a)?);
                }
                g
            }
            Expression::FunctionCall(f, args) => {
                let mut each = Vec::with_capacity(args.len());
                for a in args {
                    each.push(self.growth(a)?);
                }
                let largest = each.iter().copied().fold(1.0, f64::max);
                match f {
                    Function::Concat => each.iter().sum::<f64>().max(1.0),
                    Function::Replace => {
                        let replacement = match args.get(2) {
                            Some(Expression::Literal(l)) => l.value().chars().count() as f64,
                            // A computed replacement: as long as its value.
                            _ => each.get(2).copied().unwrap_or(1.0) * 1024.0,
                        };
                        each.first().copied().unwrap_or(1.0) * (replacement + 1.0)
                    }
                    Function::EncodeForUri => 3.0 * largest,
                    Function::Str
                    | Function::SubStr
                    | Function::UCase
                    | Function::LCase
                    | Function::StrBefore
                    | Function::StrAfter
                    | Function::StrLang
                    | Function::StrDt
                    | Function::Iri
                    | Function::Custom(_) => largest,
                    _ => 1.0,
                }
            }
            // Operators and comparisons: numbers and booleans; their
            // operands are checked for SERVICE-bearing EXISTS only.
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
                self.growth(a)?;
                self.growth(b)?;
                1.0
            }
            Expression::In(a, list) => {
                self.growth(a)?;
                for x in list {
                    self.growth(x)?;
                }
                1.0
            }
            Expression::UnaryPlus(a) | Expression::UnaryMinus(a) | Expression::Not(a) => {
                self.growth(a)?;
                1.0
            }
        })
    }
}

/// Refuses a Cartesian product (parts of a pattern that share no
/// variable) under an operator that gathers all solutions before it gives
/// the first (`where`): the evaluator builds such products in memory
/// without reading the store, where neither the time limit nor the memory
/// budget can stop it.
fn refuse_cartesian(p: &GraphPattern, place: &str) -> Result<(), Refusal> {
    match cartesian(p) {
        Some(parts) => Err(Refusal::Cartesian {
            place: place.to_owned(),
            parts,
        }),
        None => Ok(()),
    }
}

/// The number of unconnected parts of the first Cartesian product found.
fn cartesian(p: &GraphPattern) -> Option<usize> {
    match p {
        GraphPattern::Bgp { patterns } => {
            let groups: Vec<HashSet<String>> = patterns
                .iter()
                .map(|t| {
                    let mut v = HashSet::new();
                    term_vars(&t.subject, &mut v);
                    if let NamedNodePattern::Variable(x) = &t.predicate {
                        v.insert(x.as_str().to_owned());
                    }
                    term_vars(&t.object, &mut v);
                    v
                })
                .filter(|v| !v.is_empty())
                .collect();
            let parts = components(groups);
            (parts > 1).then_some(parts)
        }
        GraphPattern::Join { left, right } => {
            if let Some(n) = cartesian(left).or_else(|| cartesian(right)) {
                return Some(n);
            }
            let (l, r) = (vars(left), vars(right));
            (!l.is_empty() && !r.is_empty() && l.is_disjoint(&r)).then_some(2)
        }
        GraphPattern::LeftJoin { left, right, .. }
        | GraphPattern::Union { left, right }
        | GraphPattern::Minus { left, right } => cartesian(left).or_else(|| cartesian(right)),
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Extend { inner, .. }
        | GraphPattern::Graph { inner, .. }
        | GraphPattern::Project { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::OrderBy { inner, .. }
        | GraphPattern::Group { inner, .. } => cartesian(inner),
        _ => None,
    }
}

/// How many connected groups the variable sets form.
fn components(mut groups: Vec<HashSet<String>>) -> usize {
    let mut merged: Vec<HashSet<String>> = Vec::new();
    while let Some(mut g) = groups.pop() {
        loop {
            let before = g.len();
            let mut rest = Vec::new();
            for other in groups.drain(..) {
                if g.is_disjoint(&other) {
                    rest.push(other);
                } else {
                    g.extend(other);
                }
            }
            groups = rest;
            if g.len() == before {
                break;
            }
        }
        merged.push(g);
    }
    merged.len()
}

fn term_vars(t: &TermPattern, out: &mut HashSet<String>) {
    match t {
        TermPattern::Variable(v) => {
            out.insert(v.as_str().to_owned());
        }
        TermPattern::BlankNode(b) => {
            out.insert(format!("_:{}", b.as_str()));
        }
        _ => {}
    }
}

/// The variables a pattern binds (as far as a connectivity check needs).
fn vars(p: &GraphPattern) -> HashSet<String> {
    let mut out = HashSet::new();
    collect_vars(p, &mut out);
    out
}

fn collect_vars(p: &GraphPattern, out: &mut HashSet<String>) {
    match p {
        GraphPattern::Bgp { patterns } => {
            for t in patterns {
                term_vars(&t.subject, out);
                if let NamedNodePattern::Variable(x) = &t.predicate {
                    out.insert(x.as_str().to_owned());
                }
                term_vars(&t.object, out);
            }
        }
        GraphPattern::Path {
            subject, object, ..
        } => {
            term_vars(subject, out);
            term_vars(object, out);
        }
        GraphPattern::Join { left, right }
        | GraphPattern::LeftJoin { left, right, .. }
        | GraphPattern::Union { left, right } => {
            collect_vars(left, out);
            collect_vars(right, out);
        }
        GraphPattern::Minus { left, .. } => collect_vars(left, out),
        GraphPattern::Extend {
            inner, variable, ..
        } => {
            collect_vars(inner, out);
            out.insert(variable.as_str().to_owned());
        }
        GraphPattern::Graph { inner, name } => {
            collect_vars(inner, out);
            if let NamedNodePattern::Variable(x) = name {
                out.insert(x.as_str().to_owned());
            }
        }
        GraphPattern::Values { variables, .. } => {
            out.extend(variables.iter().map(|v| v.as_str().to_owned()));
        }
        GraphPattern::Project { variables, .. } => {
            out.extend(variables.iter().map(|v| v.as_str().to_owned()));
        }
        GraphPattern::Group {
            variables,
            aggregates,
            ..
        } => {
            out.extend(variables.iter().map(|v| v.as_str().to_owned()));
            out.extend(aggregates.iter().map(|(v, _)| v.as_str().to_owned()));
        }
        GraphPattern::Filter { inner, .. }
        | GraphPattern::Distinct { inner }
        | GraphPattern::Reduced { inner }
        | GraphPattern::Slice { inner, .. }
        | GraphPattern::OrderBy { inner, .. } => collect_vars(inner, out),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(q: &str) -> Result<(), Refusal> {
        let query = spargebra::SparqlParser::new()
            .parse_query(q)
            .expect("parses");
        check_algebra(&query, &Limits::default())
    }

    #[test]
    fn concat_chains_through_bind_are_refused() {
        let mut q = String::from("SELECT ?x9 WHERE { ?s ?p ?x0 ");
        for i in 0..9 {
            q.push_str(&format!("BIND(CONCAT(?x{i}, ?x{i}) AS ?x{}) ", i + 1));
        }
        q.push('}');
        let e = check(&q).unwrap_err();
        assert!(matches!(e, Refusal::Growth { .. }), "{e}");
        assert!(e.to_string().contains("sparql.max_growth"), "{e}");
        // A few steps are fine.
        assert!(check(
            "SELECT ?c WHERE { ?s ?p ?a BIND(CONCAT(?a, ' ', ?a) AS ?b) BIND(CONCAT(?b, ?b) AS ?c) }"
        )
        .is_ok());
    }

    #[test]
    fn replace_with_a_long_replacement_and_filters_are_checked() {
        let long = "x".repeat(100);
        let e = check(&format!(
            "SELECT * WHERE {{ ?s ?p ?o FILTER(STRLEN(REPLACE(?o, '.', '{long}')) > 1) }}"
        ))
        .unwrap_err();
        assert!(matches!(e, Refusal::Growth { .. }), "{e}");
        assert!(check("SELECT * WHERE { ?s ?p ?o FILTER(REPLACE(?o, 'a', 'b') = 'c') }").is_ok());
    }

    #[test]
    fn service_is_refused_also_inside_optional_and_exists() {
        for q in [
            "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
            "SELECT * WHERE { ?a ?b ?c OPTIONAL { SERVICE SILENT <http://x/> { ?s ?p ?o } } }",
            "SELECT * WHERE { ?a ?b ?c FILTER EXISTS { SERVICE <http://x/> { ?s ?p ?o } } }",
        ] {
            assert_eq!(check(q), Err(Refusal::Service), "{q}");
        }
    }

    #[test]
    fn cartesian_products_under_gathering_operators_are_refused() {
        for q in [
            "SELECT DISTINCT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y }",
            "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y } ORDER BY ?a",
            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?p ?x . ?b ?q ?y . ?c ?r ?z }",
            "SELECT DISTINCT ?a ?b WHERE { { ?a ?p ?x } { ?b ?q ?y } }",
        ] {
            assert!(
                matches!(check(q), Err(Refusal::Cartesian { .. })),
                "{q}: {:?}",
                check(q)
            );
        }
        // Connected joins and plain products (which stream to the result
        // limits) pass.
        for q in [
            "SELECT DISTINCT ?a ?b WHERE { ?a ?p ?x . ?b ?p ?y }",
            "SELECT ?a ?b WHERE { ?a ?p ?x . ?b ?q ?y } LIMIT 10",
            "SELECT DISTINCT ?d WHERE { ?d a <http://www.w3.org/ns/dcat#Dataset> . <http://x/c> <http://x/p> <http://x/o> }",
        ] {
            assert!(check(q).is_ok(), "{q}: {:?}", check(q));
        }
    }

    #[test]
    fn ordinary_catalog_queries_pass() {
        for q in [
            "SELECT ?d ?t WHERE { GRAPH ?g { ?d a <http://www.w3.org/ns/dcat#Dataset> ; <http://purl.org/dc/terms/title> ?t } } ORDER BY LCASE(?t) LIMIT 10",
            "SELECT ?src (COUNT(?r) AS ?n) WHERE { ?r <urn:dcat-catalog:vocab#source> ?src } GROUP BY ?src",
            "CONSTRUCT { ?s ?p ?o } WHERE { GRAPH <urn:dcat-catalog:record:x> { ?s ?p ?o } }",
            "ASK { ?s ?p ?o FILTER(CONTAINS(LCASE(STR(?o)), 'baum')) }",
        ] {
            assert!(check(q).is_ok(), "{q}");
        }
    }
}
