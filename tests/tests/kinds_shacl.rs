//! Mapped CKAN and CSW fixture records against the `dcat-ap-de-3` profile
//! (shapes and vocabularies as listed in `shapes/profiles.toml`), validated
//! with our `shacl` crate directly: every Violation must come from data the
//! source does not carry (each such case is named below and checked against
//! the source), never from the mapping.

use catalog_server::validation::references::{outside_links, KnownTypes};
use catalog_tests::portals::{ckan_fixture_packages, iso_fixture_records, CkanPortal, CswPortal};
use catalog_tests::*;
use harvester::{FetchLimits, Fetcher, HarvestEvent, Record, SourceDefaults};
use oxrdf::{Graph, Term};
use oxrdfio::{RdfFormat, RdfParser};
use serde_json::Value;
use shacl::{Severity, Shapes, UnionGraph};
use std::collections::{BTreeMap, HashSet};

fn load(files: &[std::path::PathBuf]) -> Graph {
    let mut graph = Graph::new();
    for file in files {
        let extension = file.extension().and_then(|e| e.to_str()).unwrap_or("ttl");
        let format = RdfFormat::from_extension(extension).expect("known RDF format");
        let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        for quad in RdfParser::from_format(format)
            .with_base_iri(format!("file://{}", file.display()))
            .expect("base IRI")
            .for_slice(&bytes)
        {
            let quad = quad.unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            graph.insert(oxrdf::TripleRef::new(
                &quad.subject,
                &quad.predicate,
                &quad.object,
            ));
        }
    }
    graph
}

/// The shapes and vocabulary graph of a profile from `shapes/profiles.toml`.
fn profile(name: &str) -> (Shapes, Graph) {
    let root = workspace();
    let text = std::fs::read_to_string(root.join("shapes/profiles.toml")).expect("profiles.toml");
    let table: toml::Table = toml::from_str(&text).expect("profiles.toml parses");
    let p = &table["profiles"][name];
    let files = |key: &str, dir: &str| -> Vec<std::path::PathBuf> {
        p[key]
            .as_array()
            .expect("list")
            .iter()
            .map(|f| root.join(dir).join(f.as_str().expect("file name")))
            .collect()
    };
    let shapes = Shapes::from_graph(&load(&files("shapes", "shapes"))).expect("shapes compile");
    (shapes, load(&files("vocabularies", "vocabularies")))
}

fn defaults(source: &str) -> SourceDefaults {
    // What an operator configures per source (docs/configuration.md: publisher, contributor_id).
    SourceDefaults {
        source_id: source.into(),
        mint_base: "http://catalog.test/id/dataset/".into(),
        publisher_name: Some("Stadt Beispiel".into()),
        publisher_iri: Some("https://stadt.example/".into()),
        contributor_id: Some("http://dcat-ap.de/def/contributors/test".into()),
        geocoding: None,
    }
}

fn collect(rx: &mut tokio::sync::mpsc::Receiver<HarvestEvent>) -> Vec<Record> {
    let mut out = Vec::new();
    while let Some(ev) = rx.blocking_recv() {
        if let HarvestEvent::Page(p) = ev {
            assert!(p.record_errors.is_empty(), "{:?}", p.record_errors);
            out.extend(p.records);
        }
    }
    out
}

fn ckan_records(packages: Vec<Value>) -> Vec<Record> {
    let portal = CkanPortal::start(packages);
    let mut source = harvester::ckan::CkanSource::new(url::Url::parse(&portal.base_url()).unwrap());
    source.defaults = defaults("ckan");
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(FetchLimits::default(), None).unwrap();
    let handle = rt.spawn(async move { harvester::ckan::harvest(&source, &fetcher, tx).await });
    let out = collect(&mut rx);
    rt.block_on(handle).unwrap();
    out
}

fn csw_records(records: Vec<(String, String)>) -> Vec<Record> {
    let portal = CswPortal::start(records, None);
    let mut source = harvester::csw::CswSource::new(
        url::Url::parse(&portal.endpoint()).unwrap(),
        defaults("csw"),
    );
    source.include_services = true;
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fetcher = Fetcher::new(FetchLimits::default(), None).unwrap();
    let handle = rt.spawn(async move { harvester::csw::harvest(&source, &fetcher, tx).await });
    let out = collect(&mut rx);
    rt.block_on(handle).unwrap();
    out
}

/// One Violation: (class of the focus node, path, constraint component,
/// value) and the record it was found in.
struct Violation {
    class: String,
    path: String,
    component: String,
    value: Option<Term>,
    record: usize,
}

impl Violation {
    fn kind(&self) -> String {
        format!("{} {} [{}]", self.class, self.path, self.component)
    }
}

/// Each record validated on its own, with the types of the records it
/// links to as context, as a harvest validates them once all its records
/// are known (`catalog_server::validation::references`).
fn violations(shapes: &Shapes, vocabulary: &Graph, records: &[Record]) -> Vec<Violation> {
    let mut known = KnownTypes::default();
    for r in records {
        known.add_record(&r.triples);
    }
    let mut found = Vec::new();
    for (index, r) in records.iter().enumerate() {
        let mut g = Graph::new();
        for t in &r.triples {
            g.insert(t);
        }
        let (context, _) = known.context(&outside_links(&r.triples));
        let report = shapes
            .validate_with_targets(
                &g,
                &UnionGraph::new(&UnionGraph::new(&g, &context), vocabulary),
            )
            .expect("validation runs");
        for res in report.results {
            if res.severity != Severity::Violation {
                continue;
            }
            let class = match &res.focus_node {
                Term::NamedNode(n) => g
                    .objects_for_subject_predicate(n, oxrdf::vocab::rdf::TYPE)
                    .next()
                    .map(|t| t.to_string()),
                Term::BlankNode(b) => g
                    .objects_for_subject_predicate(b, oxrdf::vocab::rdf::TYPE)
                    .next()
                    .map(|t| t.to_string()),
                _ => None,
            }
            .unwrap_or_else(|| "?".into());
            found.push(Violation {
                class,
                path: res.result_path.map(|p| p.to_string()).unwrap_or_default(),
                component: res
                    .source_constraint_component
                    .as_str()
                    .rsplit('#')
                    .next()
                    .unwrap_or("")
                    .to_owned(),
                value: res.value,
                record: index,
            });
        }
    }
    found
}

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";

fn value_iri(v: &Violation) -> &str {
    match &v.value {
        Some(Term::NamedNode(n)) => n.as_str(),
        _ => "",
    }
}

fn text(v: &Value) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn field<'a>(p: &'a Value, key: &str) -> Option<&'a Value> {
    p.get(key).or_else(|| {
        p["extras"]
            .as_array()?
            .iter()
            .find(|x| x["key"] == key)
            .map(|x| &x["value"])
    })
}

/// Why a CKAN Violation is not the mapping's fault, checked against the
/// package; `None` when it is unexplained.
fn ckan_reason(v: &Violation, p: &Value, harvested: &HashSet<String>) -> Option<&'static str> {
    let kind = v.kind();
    if kind == format!("<{DCAT}DataService> <{DCAT}servesDataset> [ClassConstraintComponent]")
        && p.to_string().contains("serves_dataset")
        && !harvested.contains(value_iri(v))
    {
        return Some("source: dcat:servesDataset names a dataset none of the records describes");
    }
    if kind == format!("<{DCAT}Dataset> <{DCT}description> [MinCountConstraintComponent]")
        || kind == format!("<{DCAT}DatasetSeries> <{DCT}description> [MinCountConstraintComponent]")
    {
        return text(&p["notes"])
            .is_none()
            .then_some("source: package without notes");
    }
    if kind == format!("<{DCAT}Distribution> <{DCT}license> [MinCountConstraintComponent]") {
        let licensed = ["license_id", "license_url", "license_title", "license"]
            .iter()
            .any(|k| field(p, k).and_then(text).is_some());
        let resource_licensed = p["resources"]
            .as_array()
            .is_some_and(|rs| rs.iter().any(|r| r.get("license").and_then(text).is_some()));
        return (!licensed && !resource_licensed).then_some("source: no licence anywhere");
    }
    if kind == format!("<{DCAT}Dataset> <{DCT}accessRights> [NodeConstraintComponent]") {
        let given = field(p, "access_rights").and_then(text).unwrap_or_default();
        return (!given
            .starts_with("http://publications.europa.eu/resource/authority/access-right/"))
        .then_some("source: access_rights is free text, not an EU access-right IRI");
    }
    if kind == format!("<{DCAT}Distribution> <{DCAT}packageFormat> [PatternConstraintComponent]")
        || kind
            == format!("<{DCAT}Distribution> <{DCAT}compressFormat> [PatternConstraintComponent]")
    {
        return (!value_iri(v).starts_with("https://www.iana.org/assignments/media-types/")
            && p.to_string().contains(value_iri(v)))
        .then_some(
            "source: package or compression format as an EU file type, not an IANA media type",
        );
    }
    if kind == format!("<{DCAT}Dataset> <{DCAT}theme> [NodeConstraintComponent]") {
        return p
            .to_string()
            .contains(value_iri(v))
            .then_some("source: theme IRI outside the EU data-theme vocabulary");
    }
    if kind
        == "<http://purl.org/dc/terms/Location> <http://www.w3.org/ns/locn#geometry> [NodeKindConstraintComponent]"
    {
        return Some(
            "profile conflict: DCAT-AP 3.0.0 SHACL wants locn:geometry as IRI/blank node; \
             ckanext-dcat, GovData and GeoDCAT-AP write geometry literals",
        );
    }
    None
}

/// The text content of every `element` in `xml`, tags replaced by spaces.
fn element_text(xml: &str, element: &str) -> String {
    let mut text = String::new();
    let mut rest = xml;
    let close = format!("</{element}>");
    while let Some(i) = rest.find(&format!("<{element}")) {
        let end = rest[i..].find(&close).map_or(rest.len(), |e| i + e);
        let mut in_tag = false;
        for c in rest[i..end].chars() {
            match c {
                '<' => in_tag = true,
                '>' => {
                    in_tag = false;
                    text.push(' ');
                }
                c if !in_tag => text.push(c),
                _ => {}
            }
        }
        rest = &rest[end..];
    }
    text
}

/// Why a CSW Violation is not the mapping's fault, checked against the XML.
fn csw_reason(v: &Violation, xml: &str, harvested: &HashSet<String>) -> Option<&'static str> {
    let kind = v.kind();
    if kind == format!("<{DCAT}DataService> <{DCAT}servesDataset> [ClassConstraintComponent]")
        && xml.contains("srv:operatesOn")
        && !harvested.contains(value_iri(v))
    {
        return Some("source: srv:operatesOn names a dataset none of the records describes");
    }
    if kind == format!("<{DCAT}Dataset> <{DCAT}inSeries> [ClassConstraintComponent]")
        && xml.contains("gmd:parentIdentifier")
        && !harvested.contains(value_iri(v))
    {
        return Some("source: gmd:parentIdentifier names a series none of the records describes");
    }
    if kind.starts_with("<http://www.w3.org/2006/vcard/ns#")
        && v.component == "MinCountConstraintComponent"
    {
        let parties = xml.matches("CI_ResponsibleParty>").count() / 2;
        let reachable =
            xml.matches("electronicMailAddress>").count() / 2 + xml.matches("<gmd:voice>").count();
        return (reachable < parties).then_some("source: a contact without e-mail, phone or URL");
    }
    if kind == format!("<{DCAT}DataService> <{DCAT}endpointURL> [MinCountConstraintComponent]") {
        let dist = xml.find("distributionInfo").map_or("", |i| &xml[i..]);
        return (!dist.contains("linkage>"))
            .then_some("source: service record without an online resource");
    }
    if kind == format!("<{DCAT}Dataset> <{DCT}accessRights> [NodeConstraintComponent]")
        && value_iri(v)
            .starts_with("http://inspire.ec.europa.eu/metadata-codelist/LimitationsOnPublicAccess/")
    {
        return Some("GeoDCAT-AP vs DCAT-AP.de: INSPIRE access code, not the EU access-right NAL");
    }
    if kind == format!("<{DCAT}Dataset> <{DCAT}theme> [NodeConstraintComponent]")
        && value_iri(v).starts_with("http://inspire.ec.europa.eu/theme/")
    {
        return Some("GeoDCAT-AP vs DCAT-AP.de: INSPIRE theme besides the EU data themes");
    }
    // The mapping states no title or description the record lacks.
    for (property, element) in [("title", "gmd:title"), ("description", "gmd:abstract")] {
        if kind.ends_with(&format!("<{DCT}{property}> [MinCountConstraintComponent]")) {
            let ident = xml.find("identificationInfo").map_or("", |i| &xml[i..]);
            return element_text(ident, element)
                .trim()
                .is_empty()
                .then_some("source: no title or abstract");
        }
    }
    if kind == format!("<{DCAT}Distribution> <{DCT}license> [MinCountConstraintComponent]") {
        // The text content of the constraint blocks (tags dropped: restriction
        // codes such as codeListValue="license" are no licence).
        let lower = element_text(xml, "gmd:resourceConstraints").to_lowercase();
        let licence_words = [
            "http",
            "lizenz",
            "licence ",
            "creative commons",
            "cc-by",
            "dl-de",
        ];
        return (!licence_words.iter().any(|w| lower.contains(w)))
            .then_some("source: no licence in the constraints");
    }
    None
}

/// The IRIs the records describe (subjects of their statements).
fn described(records: &[Record]) -> HashSet<String> {
    records
        .iter()
        .flat_map(|r| &r.triples)
        .filter_map(|t| match &t.subject {
            oxrdf::NamedOrBlankNode::NamedNode(n) => Some(n.as_str().to_owned()),
            oxrdf::NamedOrBlankNode::BlankNode(_) => None,
        })
        .collect()
}

fn check(
    kind: &str,
    records: &[Record],
    found: &[Violation],
    reason: impl Fn(&Violation) -> Option<&'static str>,
) -> BTreeMap<&'static str, usize> {
    let mut explained: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut unexplained = Vec::new();
    for v in found {
        match reason(v) {
            Some(r) => *explained.entry(r).or_default() += 1,
            None => unexplained.push(format!(
                "{} value {:?} (record {})",
                v.kind(),
                v.value.as_ref().map(ToString::to_string),
                records[v.record].dataset
            )),
        }
    }
    eprintln!("== {kind}: remaining Violations by reason");
    for (r, n) in &explained {
        eprintln!("{n:4} × {r}");
    }
    assert!(
        unexplained.is_empty(),
        "{kind}: Violations the source does not explain (mapping bugs?):\n{}",
        unexplained.join("\n")
    );
    explained
}

#[test]
fn mapped_ckan_and_csw_fixture_records_against_dcat_ap_de_3() {
    let (Some(ckan), Some(csw)) = (fixtures("ckan"), fixtures("csw")) else {
        return;
    };
    let (shapes, vocabulary) = profile("dcat-ap-de-3");

    let packages = ckan_fixture_packages(&ckan);
    let records = ckan_records(packages.clone());
    assert_eq!(records.len(), packages.len());
    // Records come in the portal's order (id asc); find each one's package by IRI.
    let package_of = |r: &Record| -> &Value {
        packages
            .iter()
            .find(|p| {
                let name = p["name"].as_str().or(p["id"].as_str()).unwrap_or("");
                let uri = field(p, "uri").and_then(text);
                uri.as_deref() == Some(r.dataset.as_str())
                    || r.dataset.as_str().ends_with(&format!("/dataset/{name}"))
            })
            .unwrap_or_else(|| panic!("no package for {}", r.dataset))
    };
    let found = violations(&shapes, &vocabulary, &records);
    let harvested = described(&records);
    let explained = check("CKAN", &records, &found, |v| {
        ckan_reason(v, package_of(&records[v.record]), &harvested)
    });
    assert!(explained.values().sum::<usize>() < records.len() * 3);

    let iso = iso_fixture_records(&csw);
    let records = csw_records(iso.clone());
    assert_eq!(records.len(), iso.len());
    let xml_of = |r: &Record| -> &str {
        let id = r
            .triples
            .iter()
            .find(|t| {
                t.predicate.as_str() == format!("{DCT}identifier")
                    && r.triples.iter().any(|u| {
                        u.subject == t.subject
                            && u.object
                                == Term::NamedNode(oxrdf::NamedNode::new_unchecked(format!(
                                    "{DCAT}CatalogRecord"
                                )))
                    })
            })
            .and_then(|t| match &t.object {
                Term::Literal(l) => Some(l.value().to_owned()),
                _ => None,
            })
            .unwrap_or_default();
        iso.iter()
            .find(|(i, _)| *i == id)
            .map(|(_, x)| x.as_str())
            .unwrap_or_else(|| panic!("no ISO record {id}"))
    };
    let found = violations(&shapes, &vocabulary, &records);
    let harvested = described(&records);
    check("CSW", &records, &found, |v| {
        csw_reason(v, xml_of(&records[v.record]), &harvested)
    });
}
