//! Unit tests of the tricky parts: paths, XSD comparisons, overlays with
//! `sh:deactivated`, union graphs, recursion, shape errors, SHACL-SPARQL.

use crate::{
    DataGraph, Path, Severity, ShapeError, Shapes, UnionGraph, ValidationError, ValidationReport,
};
use oxrdf::vocab::rdf;
use oxrdf::{Graph, NamedNode, Term, TermRef};
use oxttl::TurtleParser;
use std::sync::Arc;

const PREFIXES: &str = "@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.com/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
";

fn parse(ttl: &str) -> Graph {
    let triples: Vec<oxrdf::Triple> = TurtleParser::new()
        .for_slice(&format!("{PREFIXES}{ttl}"))
        .collect::<Result<_, _>>()
        .unwrap();
    triples.into_iter().collect()
}

fn ex(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("http://example.com/{local}"))
}

fn shapes(ttl: &str) -> Shapes {
    Shapes::from_graph(&parse(ttl)).unwrap()
}

fn shape_error(ttl: &str) -> ShapeError {
    Shapes::from_graph(&parse(ttl)).unwrap_err()
}

fn validate(shapes_ttl: &str, data_ttl: &str) -> ValidationReport {
    shapes(shapes_ttl).validate(&parse(data_ttl)).unwrap()
}

/// (focus, component local name, value) triples of a report, sorted.
fn summary(report: &ValidationReport) -> Vec<(String, String, Option<String>)> {
    let mut out: Vec<_> = report
        .results
        .iter()
        .map(|r| {
            (
                r.focus_node.to_string(),
                r.source_constraint_component
                    .as_str()
                    .trim_start_matches("http://www.w3.org/ns/shacl#")
                    .to_owned(),
                r.value.as_ref().map(ToString::to_string),
            )
        })
        .collect();
    out.sort();
    out
}

fn path_values(path_ttl: &str, data_ttl: &str, focus: &str) -> Vec<String> {
    let g = parse(&format!("ex:s sh:path {path_ttl} ."));
    let node = g
        .object_for_subject_predicate(&ex("s"), crate::vocab::path)
        .unwrap();
    let path = Path::from_graph(&g, node).unwrap();
    let data = parse(data_ttl);
    let focus = ex(focus);
    let mut values: Vec<String> = path
        .values(&data, TermRef::from(focus.as_ref()))
        .into_iter()
        .map(|t| t.to_string().replace("http://example.com/", ""))
        .collect();
    values.sort();
    values
}

// ---------- paths ----------

const CHAIN: &str =
    "ex:a ex:p ex:b . ex:b ex:p ex:c . ex:c ex:p ex:a . ex:b ex:q ex:d . ex:x ex:p ex:a .";

#[test]
fn predicate_and_inverse_paths() {
    assert_eq!(path_values("ex:p", CHAIN, "a"), ["<b>"]);
    assert_eq!(
        path_values("[ sh:inversePath ex:p ]", CHAIN, "a"),
        ["<c>", "<x>"]
    );
    assert_eq!(path_values("ex:unknown", CHAIN, "a"), Vec::<String>::new());
}

#[test]
fn sequence_and_alternative_paths() {
    assert_eq!(path_values("( ex:p ex:q )", CHAIN, "a"), ["<d>"]);
    assert_eq!(
        path_values("[ sh:alternativePath ( ex:p ex:q ) ]", CHAIN, "b"),
        ["<c>", "<d>"]
    );
    // inverse of a sequence walks the sequence backwards
    assert_eq!(
        path_values("[ sh:inversePath ( ex:p ex:q ) ]", CHAIN, "d"),
        ["<a>"]
    );
}

#[test]
fn closure_paths_terminate_on_cycles() {
    assert_eq!(
        path_values("[ sh:zeroOrMorePath ex:p ]", CHAIN, "a"),
        ["<a>", "<b>", "<c>"]
    );
    assert_eq!(
        path_values("[ sh:oneOrMorePath ex:p ]", CHAIN, "b"),
        ["<a>", "<b>", "<c>"]
    );
    assert_eq!(
        path_values("[ sh:oneOrMorePath ex:q ]", CHAIN, "b"),
        ["<d>"]
    );
    assert_eq!(
        path_values("[ sh:zeroOrOnePath ex:q ]", CHAIN, "b"),
        ["<b>", "<d>"]
    );
    assert_eq!(
        path_values("( [ sh:zeroOrMorePath ex:p ] ex:q )", CHAIN, "a"),
        ["<d>"]
    );
}

#[test]
fn path_rdf_round_trip_and_sparql_syntax() {
    let g = parse("ex:s sh:path ( ex:p [ sh:alternativePath ( [ sh:inversePath ex:q ] [ sh:zeroOrMorePath ex:r ] ) ] ) .");
    let node = g
        .object_for_subject_predicate(&ex("s"), crate::vocab::path)
        .unwrap();
    let path = Path::from_graph(&g, node).unwrap();
    let mut triples = Vec::new();
    let root = path.to_rdf(&mut triples);
    let g2: Graph = triples.into_iter().collect();
    assert_eq!(Path::from_graph(&g2, root.as_ref()).unwrap(), path);
    assert_eq!(
        path.to_sparql(),
        "((<http://example.com/p>)/(((^(<http://example.com/q>))|((<http://example.com/r>)*))))"
    );
    spargebra::SparqlParser::new()
        .parse_query(&format!("SELECT * WHERE {{ ?s {} ?o }}", path.to_sparql()))
        .unwrap();
}

#[test]
fn malformed_paths_are_rejected() {
    let e =
        shape_error("ex:S sh:targetNode ex:a ; sh:path _:l . _:l rdf:first ex:p ; rdf:rest _:l .");
    assert!(e.shape().contains("http://example.com/S"), "{e}");
    assert!(e.to_string().contains("cyclic"), "{e}");
    let e = shape_error(
        "ex:S sh:targetNode ex:a ; sh:path [ sh:inversePath ex:p ; sh:zeroOrMorePath ex:q ] .",
    );
    assert!(
        e.to_string()
            .contains("not a well-formed SHACL property path"),
        "{e}"
    );
    let e = shape_error("ex:S sh:targetNode ex:a ; sh:path \"p\" .");
    assert!(e.to_string().contains("literal"), "{e}");
    let e = shape_error("ex:S sh:targetNode ex:a ; sh:path ( ex:p ) .");
    assert!(e.to_string().contains("at least two"), "{e}");
    let e = shape_error("ex:S sh:targetNode ex:a ; sh:path _:p . _:p sh:inversePath _:p .");
    assert!(e.to_string().contains("cyclic"), "{e}");
}

// ---------- shape errors ----------

#[test]
fn bad_shapes_name_the_shape_and_the_reason() {
    let e = shape_error("ex:S a sh:NodeShape ; sh:in ex:notAList .");
    assert_eq!(e.shape(), "<http://example.com/S>");
    assert!(e.reason().contains("sh:in must be a list"), "{e}");

    let e =
        shape_error("ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:minCount \"one\" ] .");
    assert!(e.shape().starts_with('['), "{e}");
    assert!(e.shape().contains("minCount"), "{e}");
    assert!(
        e.shape().contains("http://example.com/S"),
        "blank node description names its parent: {e}"
    );
    assert!(e.reason().contains("non-negative xsd:integer"), "{e}");

    let e = shape_error("ex:S a sh:NodeShape ; sh:property [ sh:path ex:p ; sh:maxCount -1 ] .");
    assert!(e.reason().contains("maxCount"), "{e}");

    let e = shape_error("ex:S a sh:NodeShape ; sh:sparql [ sh:message \"no query\" ] .");
    assert!(e.reason().contains("no sh:select"), "{e}");

    let e =
        shape_error("ex:S a sh:NodeShape ; sh:sparql [ sh:select \"SELECT $this WHERE { \" ] .");
    assert!(e.reason().contains("invalid SPARQL"), "{e}");

    let e = shape_error("ex:S a sh:NodeShape ; sh:property ex:P . ex:P sh:minCount 1 .");
    assert!(e.reason().contains("no sh:path"), "{e}");
    // A dangling reference (not described at all) is only a warning.
    let s = shapes("ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property ex:Undefined .");
    assert_eq!(s.warnings().len(), 1);
    assert!(s.validate(&Graph::new()).unwrap().conforms);

    let e = shape_error("ex:S a sh:NodeShape ; sh:pattern \"(unclosed\" .");
    assert!(e.reason().contains("sh:pattern"), "{e}");

    let e = shape_error("ex:S a sh:NodeShape ; sh:node \"literal\" .");
    assert!(e.reason().contains("literal"), "{e}");

    let e = shape_error("ex:S a sh:NodeShape ; sh:in _:l . _:l rdf:first ex:a ; rdf:rest _:l .");
    assert!(e.reason().contains("cyclic"), "{e}");

    let e = shape_error(
        "ex:S a sh:NodeShape ; sh:in _:l . _:l rdf:first ex:a , ex:b ; rdf:rest rdf:nil .",
    );
    assert!(e.reason().contains("well-formed RDF list"), "{e}");
}

#[test]
fn unknown_predicates_are_ignored_and_unknown_shacl_terms_warned() {
    let report = validate(
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ; ex:whatever 42 ; sh:in ( ex:a ) .",
        "",
    );
    assert!(report.conforms);
    // A typo in the SHACL namespace checks nothing: a warning names shape
    // and term, and the shape's other constraints still apply.
    let shapes = shapes(
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ; \
         sh:property ex:P . ex:P sh:path ex:p ; sh:minCont 1 ; sh:minCount 1 .",
    );
    let warnings = shapes.warnings().join("\n");
    assert!(
        warnings.contains("http://example.com/P") && warnings.contains("sh:minCont"),
        "{warnings}"
    );
    let report = shapes.validate(&parse("")).unwrap();
    assert_eq!(report.results.len(), 1, "sh:minCount still applies");
}

// ---------- deactivation and overlays ----------

const BASE_PROFILE: &str = "
ex:DatasetShape a sh:NodeShape ;
  sh:targetClass ex:Dataset ;
  sh:property ex:Dataset_title , ex:Dataset_theme .
ex:Dataset_title sh:path ex:title ; sh:minCount 1 .
ex:Dataset_theme sh:path ex:theme ; sh:hasValue ex:EuTheme .
";

const RECORD: &str = "ex:d1 a ex:Dataset ; ex:theme ex:GermanTheme .";

#[test]
fn deactivated_property_shape_in_overlay_file() {
    let base = parse(BASE_PROFILE);
    let report = Shapes::from_graph(&base)
        .unwrap()
        .validate(&parse(RECORD))
        .unwrap();
    assert_eq!(report.results.len(), 2);

    // A profile file re-declares a property shape of the base file as deactivated.
    let overlay = parse("ex:Dataset_theme sh:deactivated true .");
    let mut union = base.clone();
    union.extend(overlay.iter());
    let report = Shapes::from_graph(&union)
        .unwrap()
        .validate(&parse(RECORD))
        .unwrap();
    assert_eq!(
        summary(&report),
        [(
            "<http://example.com/d1>".into(),
            "MinCountConstraintComponent".into(),
            None
        )]
    );

    // "false" keeps it active
    let mut union = base;
    union.extend(parse("ex:Dataset_theme sh:deactivated false .").iter());
    let report = Shapes::from_graph(&union)
        .unwrap()
        .validate(&parse(RECORD))
        .unwrap();
    assert_eq!(report.results.len(), 2);
}

#[test]
fn deactivated_node_shapes_and_references() {
    let report = validate(
        &format!("{BASE_PROFILE} ex:DatasetShape sh:deactivated true ."),
        RECORD,
    );
    assert!(report.conforms);
    // A deactivated shape referenced by sh:node conforms; under sh:not it therefore fails.
    let report = validate(
        "ex:S sh:targetNode ex:a ; sh:node ex:Off ; sh:not ex:Off2 .
         ex:Off sh:deactivated true ; sh:datatype xsd:string .
         ex:Off2 sh:deactivated true ; sh:datatype xsd:string .",
        "",
    );
    assert_eq!(
        summary(&report),
        [(
            "<http://example.com/a>".into(),
            "NotConstraintComponent".into(),
            Some("<http://example.com/a>".into())
        )]
    );
}

// ---------- union graph with a shared vocabulary ----------

#[test]
fn union_with_vocabulary_graph() {
    let vocabulary = parse(
        "ex:EuTheme a ex:Concept . ex:GermanTheme a ex:GermanConcept . ex:GermanConcept rdfs:subClassOf ex:Concept .
         ex:Other a ex:Thing .",
    );
    let shapes = shapes(
        "ex:S a sh:NodeShape ; sh:targetClass ex:Dataset ;
           sh:property [ sh:path ex:theme ; sh:class ex:Concept ] .",
    );
    let ok = parse("ex:d1 a ex:Dataset ; ex:theme ex:GermanTheme , ex:EuTheme .");
    let bad = parse("ex:d2 a ex:Dataset ; ex:theme ex:Other .");
    assert!(
        shapes
            .validate(&UnionGraph::new(&ok, &vocabulary))
            .unwrap()
            .conforms
    );
    let report = shapes
        .validate(&UnionGraph::new(&bad, &vocabulary))
        .unwrap();
    assert_eq!(
        summary(&report),
        [(
            "<http://example.com/d2>".into(),
            "ClassConstraintComponent".into(),
            Some("<http://example.com/Other>".into())
        )]
    );
    // Without the vocabulary, the record alone does not know the classes.
    assert!(!shapes.validate(&ok).unwrap().conforms);
    // Duplicate triples are reported once.
    let union = UnionGraph::new(&ok, &ok);
    assert_eq!(union.triples().count(), ok.len());
}

#[test]
fn validate_record_takes_targets_from_the_record_only() {
    let shapes = shapes(
        "ex:ConceptShape a sh:NodeShape ; sh:targetClass ex:Concept ; sh:property [ sh:path ex:label ; sh:minCount 1 ] .
         ex:DatasetShape a sh:NodeShape ; sh:targetClass ex:Dataset ; sh:property [ sh:path ex:theme ; sh:class ex:Concept ] .",
    );
    // The vocabulary itself does not conform (no labels) and defines the class hierarchy.
    let vocabulary =
        parse("ex:Sub rdfs:subClassOf ex:Concept . ex:t1 a ex:Sub . ex:t2 a ex:Concept .");
    let record = parse("ex:d a ex:Dataset ; ex:theme ex:t1 .");
    let report = shapes.validate_record(&record, &vocabulary).unwrap();
    assert!(report.conforms, "{report}");
    // With a plain union, the vocabulary's concepts are focus nodes too.
    let report = shapes
        .validate(&UnionGraph::new(&record, &vocabulary))
        .unwrap();
    assert_eq!(report.results.len(), 2, "{report}");
    // Class targets in the record use the vocabulary's subclasses.
    let record = parse("ex:c a ex:Sub .");
    let report = shapes.validate_record(&record, &vocabulary).unwrap();
    assert_eq!(
        summary(&report),
        [(
            "<http://example.com/c>".into(),
            "MinCountConstraintComponent".into(),
            None
        )]
    );
}

#[test]
fn class_targets_use_subclasses_from_the_data() {
    let report = validate(
        "ex:S a sh:NodeShape ; sh:targetClass ex:Resource ; sh:nodeKind sh:IRI .",
        "ex:Dataset rdfs:subClassOf ex:Resource . ex:Special rdfs:subClassOf ex:Dataset .
         _:b a ex:Special . ex:a a ex:Dataset .",
    );
    assert_eq!(report.results.len(), 1);
    assert!(report.results[0].focus_node.is_blank_node());
}

#[test]
fn implicit_class_targets() {
    let report = validate(
        "ex:Person a rdfs:Class , sh:NodeShape ; sh:property [ sh:path ex:name ; sh:minCount 1 ] .",
        "ex:Special rdfs:subClassOf ex:Person . ex:a a ex:Special . ex:b a ex:Person ; ex:name \"B\" .",
    );
    assert_eq!(
        summary(&report),
        [(
            "<http://example.com/a>".into(),
            "MinCountConstraintComponent".into(),
            None
        )]
    );
}

// ---------- recursion ----------

#[test]
fn recursive_shapes_on_cyclic_data_terminate() {
    let shapes_ttl = "ex:Person a sh:NodeShape ; sh:targetClass ex:Person ;
        sh:property [ sh:path ex:knows ; sh:node ex:Person ] ;
        sh:property [ sh:path ex:name ; sh:minCount 1 ] .";
    let report = validate(
        shapes_ttl,
        "ex:a a ex:Person ; ex:name \"a\" ; ex:knows ex:b . ex:b a ex:Person ; ex:name \"b\" ; ex:knows ex:a .",
    );
    assert!(report.conforms);
    let report = validate(
        shapes_ttl,
        "ex:a a ex:Person ; ex:name \"a\" ; ex:knows ex:b . ex:b ex:knows ex:a .",
    );
    // ex:b has no name: ex:a violates sh:node, and nothing else (ex:b is not a Person).
    assert_eq!(
        summary(&report),
        [(
            "<http://example.com/a>".into(),
            "NodeConstraintComponent".into(),
            Some("<http://example.com/b>".into())
        )]
    );
}

#[test]
fn deep_recursion_is_an_error_not_a_stack_overflow() {
    let mut data = String::new();
    for i in 0..5000 {
        data.push_str(&format!("ex:n{i} ex:next ex:n{} .\n", i + 1));
    }
    let shapes = shapes(
        "ex:S sh:targetNode ex:n0 ; sh:property ex:P .
         ex:P sh:path ex:next ; sh:node ex:S .",
    );
    let result = shapes.validate(&parse(&data));
    assert!(
        matches!(result, Err(ValidationError::RecursionLimit(_))),
        "{result:?}"
    );
    // A self-referencing sh:property on cyclic data terminates.
    let report = validate(
        "ex:S sh:targetNode ex:a ; sh:property ex:P . ex:P sh:path ex:p ; sh:property ex:P ; sh:nodeKind sh:IRI .",
        "ex:a ex:p ex:b . ex:b ex:p ex:a . ex:b ex:p \"lit\" .",
    );
    assert_eq!(report.results.len(), 1);
}

// ---------- XSD comparisons through constraints ----------

#[test]
fn value_range_constraints_compare_values() {
    let report = validate(
        "ex:S sh:targetSubjectsOf ex:v ; sh:property [ sh:path ex:v ; sh:minInclusive 10 ; sh:maxExclusive 20.5 ] .",
        "ex:a ex:v 10.0 . ex:b ex:v \"1e1\"^^xsd:double . ex:c ex:v 20.5 . ex:d ex:v \"15\" . ex:e ex:v \"x\"^^xsd:integer .
         ex:f ex:v \"20\"^^xsd:byte .",
    );
    let failing: Vec<_> = summary(&report).into_iter().map(|r| r.0).collect();
    // c is not < 20.5; a string and an ill-typed integer are incomparable: both bounds fail.
    assert_eq!(
        failing,
        [
            "<http://example.com/c>",
            "<http://example.com/d>",
            "<http://example.com/d>",
            "<http://example.com/e>",
            "<http://example.com/e>"
        ]
    );
}

#[test]
fn date_ranges_and_less_than() {
    let report = validate(
        "ex:S sh:targetSubjectsOf ex:start ;
           sh:property [ sh:path ex:start ; sh:lessThan ex:end ; sh:minInclusive \"2000-01-01\"^^xsd:date ] .",
        "ex:a ex:start \"2020-01-01\"^^xsd:date ; ex:end \"2021-01-01\"^^xsd:date .
         ex:b ex:start \"2022-01-01\"^^xsd:date ; ex:end \"2021-01-01\"^^xsd:date .
         ex:c ex:start \"1999-12-31\"^^xsd:date ; ex:end \"2021-01-01\"^^xsd:date .
         ex:d ex:start \"2020-01-01\"^^xsd:date ; ex:end \"2021-01-01T00:00:00Z\"^^xsd:dateTime .",
    );
    assert_eq!(
        summary(&report),
        [
            (
                "<http://example.com/b>".into(),
                "LessThanConstraintComponent".into(),
                Some("\"2022-01-01\"^^<http://www.w3.org/2001/XMLSchema#date>".into())
            ),
            (
                "<http://example.com/c>".into(),
                "MinInclusiveConstraintComponent".into(),
                Some("\"1999-12-31\"^^<http://www.w3.org/2001/XMLSchema#date>".into())
            ),
            (
                "<http://example.com/d>".into(),
                "LessThanConstraintComponent".into(),
                Some("\"2020-01-01\"^^<http://www.w3.org/2001/XMLSchema#date>".into())
            ),
        ]
    );
}

#[test]
fn datatype_checks_lexical_forms() {
    let report = validate(
        "ex:S sh:targetSubjectsOf ex:v ; sh:property [ sh:path ex:v ; sh:datatype xsd:date ] .",
        "ex:a ex:v \"2020-02-30\"^^xsd:date . ex:b ex:v \"2020-02-29\"^^xsd:date . ex:c ex:v \"2020-02-29\" .",
    );
    let failing: Vec<_> = summary(&report).into_iter().map(|r| r.0).collect();
    assert_eq!(
        failing,
        ["<http://example.com/a>", "<http://example.com/c>"]
    );
}

// ---------- messages, severities, report graph ----------

#[test]
fn messages_keep_language_tags_and_severities() {
    let report = validate(
        "ex:S sh:targetNode ex:a ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ;
            sh:severity sh:Warning ; sh:message \"Fehlt\"@de , \"Missing\"@en ] .",
        "",
    );
    assert!(
        !report.conforms,
        "warnings also make the report non-conforming"
    );
    let r = &report.results[0];
    assert_eq!(r.severity, Severity::Warning);
    let mut messages: Vec<_> = r
        .messages
        .iter()
        .map(|m| (m.value(), m.language()))
        .collect();
    messages.sort_unstable();
    assert_eq!(messages, [("Fehlt", Some("de")), ("Missing", Some("en"))]);

    let g = report.to_graph();
    let result = g
        .subjects_for_predicate_object(rdf::TYPE, crate::vocab::ValidationResult)
        .next()
        .unwrap();
    let path = g
        .object_for_subject_predicate(result, crate::vocab::resultPath)
        .unwrap();
    let TermRef::BlankNode(path) = path else {
        panic!("complex path expected")
    };
    assert_eq!(
        g.object_for_subject_predicate(path, crate::vocab::inversePath),
        Some(TermRef::from(ex("p").as_ref()))
    );
    assert_eq!(
        g.triples_for_predicate(crate::vocab::resultMessage).count(),
        2
    );

    // Default messages are only added on request.
    let report = validate("ex:S sh:targetNode ex:a ; sh:datatype xsd:string .", "");
    assert_eq!(
        report
            .to_graph()
            .triples_for_predicate(crate::vocab::resultMessage)
            .count(),
        0
    );
    let g = report.to_graph_with_default_messages();
    assert_eq!(
        g.triples_for_predicate(crate::vocab::resultMessage).count(),
        1
    );
    assert!(report.to_string().contains("Datatype constraint"));
}

#[test]
fn closed_shapes_report_the_predicate_as_path() {
    let report = validate(
        "ex:S sh:targetNode ex:a ; sh:closed true ; sh:ignoredProperties ( rdf:type ) ;
           sh:property [ sh:path ex:p ] .",
        "ex:a a ex:T ; ex:p 1 ; ex:q 2 .",
    );
    assert_eq!(report.results.len(), 1);
    let r = &report.results[0];
    assert_eq!(r.result_path.as_deref(), Some(&Path::Predicate(ex("q"))));
    assert_eq!(r.value, Some(Term::from(oxrdf::Literal::from(2))));
}

// ---------- SHACL-SPARQL ----------

#[test]
fn sparql_constraint_with_blank_node_focus_and_templates() {
    let report = validate(
        "ex:S a sh:NodeShape ; sh:targetClass ex:T ;
           sh:sparql [
             sh:message \"{$this} has bad value {?value}\"@en ;
             sh:prefixes ex: ;
             sh:select \"\"\"SELECT $this ?value WHERE { $this ex:p ?value . FILTER (?value > 1) }\"\"\" ] .
         ex: sh:declare [ sh:prefix \"ex\" ; sh:namespace \"http://example.com/\"^^xsd:anyURI ] .",
        "_:b a ex:T ; ex:p 1 , 5 . ex:c a ex:T ; ex:p 7 .",
    );
    let mut results = summary(&report);
    results.sort();
    assert_eq!(results.len(), 2, "{report}");
    let blank = report
        .results
        .iter()
        .find(|r| r.focus_node.is_blank_node())
        .unwrap();
    assert_eq!(blank.value, Some(Term::from(oxrdf::Literal::from(5))));
    assert!(
        blank.messages[0].value().ends_with("has bad value 5"),
        "{}",
        blank.messages[0]
    );
    assert_eq!(blank.messages[0].language(), Some("en"));
}

#[test]
fn sparql_property_constraint_substitutes_path() {
    let report = validate(
        "ex:S a sh:NodeShape ; sh:targetNode ex:a ;
           sh:property [ sh:path ( ex:p ex:q ) ;
             sh:sparql [ sh:select \"SELECT $this ?value WHERE { $this $PATH ?value . FILTER isLiteral(?value) }\" ] ] .",
        "ex:a ex:p ex:b . ex:b ex:q \"x\" , ex:c .",
    );
    assert_eq!(
        summary(&report),
        [(
            "<http://example.com/a>".into(),
            "SPARQLConstraintComponent".into(),
            Some("\"x\"".into())
        )]
    );
    assert!(matches!(
        report.results[0].result_path.as_deref(),
        Some(Path::Sequence(_))
    ));
}

#[test]
fn sparql_deactivated_and_unsupported() {
    let report = validate(
        "ex:S sh:targetNode ex:a ; sh:sparql [ sh:deactivated true ; sh:select \"SELECT $this WHERE { }\" ] .",
        "",
    );
    assert!(report.conforms);
    let e = shape_error("ex:S sh:targetNode ex:a ; sh:sparql [ sh:select \"SELECT $this WHERE { $this ?p ?o MINUS { $this ?p 1 } }\" ] .");
    assert!(e.reason().contains("MINUS"), "{e}");
    let e = shape_error(
        "ex:S sh:targetNode ex:a ; sh:sparql [ sh:select \"SELECT $this WHERE { { SELECT ?x WHERE { ?x ?p ?o } } }\" ] .",
    );
    assert!(e.reason().contains("sub-query must project"), "{e}");
    // A sub-query that projects $this is fine, and sees the pre-bound value.
    let report = validate(
        "ex:S sh:targetNode ex:a ; sh:sparql [ sh:select \"SELECT $this WHERE { { SELECT $this WHERE { $this ?p ?o } } }\" ] .",
        "ex:a ex:p 1 . ex:b ex:p 2 .",
    );
    assert_eq!(report.results.len(), 1, "{report}");
}

#[test]
fn sparql_constraint_component_with_ask_validator() {
    let report = validate(
        "ex:LangComponent a sh:ConstraintComponent ;
           sh:parameter [ sh:path ex:lang ] ;
           sh:message \"Needs language {$lang}\" ;
           sh:validator [ a sh:SPARQLAskValidator ; sh:ask \"ASK { FILTER (langMatches(lang($value), $lang)) }\" ] .
         ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:label ; ex:lang \"de\" ] .",
        "ex:a ex:label \"Hallo\"@de , \"Hello\"@en .",
    );
    assert_eq!(report.results.len(), 1, "{report}");
    let r = &report.results[0];
    assert_eq!(r.source_constraint_component, ex("LangComponent"));
    assert_eq!(r.messages[0].value(), "Needs language de");
    assert_eq!(
        r.value,
        Some(Term::from(
            oxrdf::Literal::new_language_tagged_literal_unchecked("Hello", "en")
        ))
    );
}

// ---------- concurrency ----------

#[test]
fn shapes_are_shareable_across_threads() {
    let shapes = Arc::new(shapes(BASE_PROFILE));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let shapes = Arc::clone(&shapes);
            std::thread::spawn(move || {
                let data = parse(&format!(
                    "ex:d{i} a ex:Dataset ; ex:title \"t\" ; ex:theme ex:EuTheme ."
                ));
                shapes.validate(&data).unwrap().conforms
            })
        })
        .collect();
    for h in handles {
        assert!(h.join().unwrap());
    }
}

#[test]
fn literal_focus_nodes_are_handled() {
    let report = validate(
        "ex:S sh:targetNode \"x\" , 42 ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ; sh:datatype xsd:integer .",
        "",
    );
    // "x": minCount (no values) + datatype; 42: minCount only.
    assert_eq!(report.results.len(), 3);
}
