//! SHACL validation throughput: synthetic DCAT-AP.de datasets against the shipped
//! `dcat-ap-de-3` profile, side by side with pySHACL on a subset, in one run.
//!
//! ```text
//! cargo bench -p shacl --bench validate
//! SHACL_BENCH_RECORDS=100000 SHACL_BENCH_PYSHACL=10000 SHACL_BENCH_BATCH=1000 cargo bench -p shacl --bench validate
//! ```
//!
//! 1. Loads `shapes/profiles.toml`, compiles the `dcat-ap-de-3` shapes and loads its
//!    vocabularies (paths relative to the workspace root) into one read-only graph.
//! 2. Generates `SHACL_BENCH_RECORDS` (default 100,000) realistic records
//!    (German titles and descriptions, publisher, contact point blank node,
//!    1–3 distributions with file types and licences from the vocabularies,
//!    temporal coverage, ~15 % with one deliberate defect), each its own
//!    `oxrdf::Graph`, and validates each with `Shapes::validate_record(&record,
//!    &vocabulary)` on this one thread. Reports datasets/s (wall clock and on-CPU
//!    time of the thread), results by severity and component, and peak RSS
//!    (`VmHWM`).
//! 3. Writes the first `SHACL_BENCH_PYSHACL` (default 10,000) records as Turtle,
//!    one file per `SHACL_BENCH_BATCH` (default 1,000) records, and runs pySHACL
//!    on them (`tests/pyshacl_driver.py`: the batch + vocabulary as data graph,
//!    focus nodes from the batch, inference none) and reports the ratio of the
//!    validation rates (wall clock and CPU time). Our engine validates the same
//!    batch files the same way, and the result counts must agree (otherwise the
//!    bench exits with an error).
//!
//! Without pySHACL (`python3 -c 'import pyshacl'` fails), step 3 is skipped
//! with a message. `SHACL_BENCH_KEEP=1` keeps the temporary directory (batch
//! files, N-Triples of shapes and vocabulary, the driver's job file).

use oxrdf::vocab::{rdf, xsd};
use oxrdf::{
    BlankNode, Graph, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple, TripleRef,
};
use oxrdfio::{RdfFormat, RdfParser, RdfSerializer};
use shacl::{Severity, Shapes, ValidationReport};
use std::collections::BTreeMap;
use std::error::Error;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const DRIVER: &str = include_str!("../tests/pyshacl_driver.py");

type BoxError = Box<dyn Error>;

fn env_usize(name: &str, default: usize) -> Result<usize, BoxError> {
    match std::env::var(name) {
        Ok(v) => Ok(v
            .replace(['_', ','], "")
            .parse()
            .map_err(|e| format!("{name}={v}: {e}"))?),
        Err(_) => Ok(default),
    }
}

fn load_into(graph: &mut Graph, file: &Path) -> Result<(), BoxError> {
    let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("ttl");
    let format = RdfFormat::from_extension(ext)
        .ok_or_else(|| format!("{}: unknown RDF format", file.display()))?;
    let bytes = std::fs::read(file).map_err(|e| format!("{}: {e}", file.display()))?;
    for quad in RdfParser::from_format(format)
        .with_base_iri(format!("file://{}", file.display()))?
        .for_slice(&bytes)
    {
        let quad = quad.map_err(|e| format!("{}: {e}", file.display()))?;
        graph.insert(TripleRef::new(&quad.subject, &quad.predicate, &quad.object));
    }
    Ok(())
}

fn write_rdf(graph: &Graph, file: &Path, format: RdfFormat) -> Result<(), BoxError> {
    let mut out = RdfSerializer::from_format(format);
    if format == RdfFormat::Turtle {
        for (p, iri) in PREFIXES {
            out = out.with_prefix(*p, *iri)?;
        }
    }
    let mut out = out.for_writer(std::io::BufWriter::new(std::fs::File::create(file)?));
    for t in graph {
        out.serialize_triple(t)?;
    }
    out.finish()?.flush()?;
    Ok(())
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Time this thread spent on a CPU, in seconds (`/proc/thread-self/schedstat`).
fn thread_cpu_seconds() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(ns as f64 / 1e9)
}

// ---------------------------------------------------------------- generator

const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCT: &str = "http://purl.org/dc/terms/";
const FOAF: &str = "http://xmlns.com/foaf/0.1/";
const VCARD: &str = "http://www.w3.org/2006/vcard/ns#";
const DCATDE: &str = "http://dcat-ap.de/def/dcatde/";
const EU: &str = "http://publications.europa.eu/resource/authority/";

const PREFIXES: &[(&str, &str)] = &[
    ("dcat", DCAT),
    ("dct", DCT),
    ("foaf", FOAF),
    ("vcard", VCARD),
    ("dcatde", DCATDE),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
];

/// splitmix64: a small deterministic generator (the same records on every run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const TOPICS: &[&str] = &[
    "Bebauungspläne",
    "Luftqualitätsmessungen",
    "Haushaltsplan",
    "Verkehrszählungen",
    "Badegewässerqualität",
    "Kindertagesstätten",
    "Radverkehrsnetz",
    "Bevölkerungsstatistik",
    "Wahlergebnisse der Kommunalwahl",
    "Lärmkartierung",
    "Baumkataster",
    "Ladesäulen für Elektrofahrzeuge",
    "Hochwassergefahrenkarten",
    "Schulstandorte",
    "Abfallkalender",
    "Grundwasserstände",
];
const REGIONS: &[&str] = &[
    "Berlin",
    "Hamburg",
    "München",
    "Köln",
    "Rostock",
    "Brandenburg an der Havel",
    "Landkreis Görlitz",
    "Schleswig-Holstein",
    "Stadt Münster",
    "Freistaat Sachsen",
];
const PUBLISHERS: &[&str] = &[
    "Senatsverwaltung für Stadtentwicklung",
    "Statistisches Landesamt",
    "Landesamt für Umwelt",
    "Stadtverwaltung, Amt für Geoinformation",
    "Ministerium für Verkehr",
    "Kreisverwaltung, Fachdienst Bauen",
];
const KEYWORDS: &[&str] = &[
    "Umwelt",
    "Verkehr",
    "Statistik",
    "Geodaten",
    "Haushalt",
    "Bildung",
    "Gesundheit",
    "Klima",
    "Wasser",
    "Stadtplanung",
    "offene Daten",
];
const MEDIA: &[(&str, &str)] = &[
    ("CSV", "text/csv"),
    ("JSON", "application/json"),
    ("XML", "application/xml"),
    ("PDF", "application/pdf"),
    ("GEOJSON", "application/geo+json"),
    (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("ZIP", "application/zip"),
];

/// Concepts of the vocabularies, by scheme.
struct Codes {
    themes: Vec<NamedNode>,
    file_types: Vec<NamedNode>,
    frequencies: Vec<NamedNode>,
    languages: Vec<NamedNode>,
    licences: Vec<NamedNode>,
    contributors: Vec<NamedNode>,
    levels: Vec<NamedNode>,
    access_rights: Vec<NamedNode>,
    publisher_types: Vec<NamedNode>,
}

fn concepts(vocabulary: &Graph, scheme: &str) -> Result<Vec<NamedNode>, BoxError> {
    let scheme = NamedNodeRef::new(scheme)?;
    let in_scheme = NamedNodeRef::new_unchecked("http://www.w3.org/2004/02/skos/core#inScheme");
    let mut out: Vec<NamedNode> = vocabulary
        .subjects_for_predicate_object(in_scheme, scheme)
        .filter_map(|s| match s {
            oxrdf::NamedOrBlankNodeRef::NamedNode(n) => Some(n.into_owned()),
            _ => None,
        })
        .collect();
    out.sort();
    if out.is_empty() {
        return Err(format!("no concept of {scheme} in the profile's vocabularies").into());
    }
    Ok(out)
}

impl Codes {
    fn from_vocabulary(v: &Graph) -> Result<Self, BoxError> {
        let mut languages = concepts(v, &format!("{EU}language"))?;
        // Mostly German, some English: as on GovData.
        languages.retain(|l| l.as_str().ends_with("/DEU") || l.as_str().ends_with("/ENG"));
        Ok(Self {
            themes: concepts(v, &format!("{EU}data-theme"))?,
            file_types: concepts(v, &format!("{EU}file-type"))?,
            frequencies: concepts(v, &format!("{EU}frequency"))?,
            languages,
            licences: concepts(v, "http://dcat-ap.de/def/licenses")?,
            contributors: concepts(v, "http://dcat-ap.de/def/contributors")?,
            levels: concepts(v, "http://dcat-ap.de/def/politicalGeocoding/Level")?,
            access_rights: concepts(v, &format!("{EU}access-right"))?,
            publisher_types: concepts(v, "http://purl.org/adms/publishertype/1.0")?,
        })
    }

    fn file_type(&self, label: &str) -> NamedNode {
        let wanted = format!("{EU}file-type/{label}");
        self.file_types
            .iter()
            .find(|f| f.as_str() == wanted)
            .cloned()
            .unwrap_or_else(|| self.file_types[0].clone())
    }
}

struct Generator<'a> {
    codes: &'a Codes,
    rng: Rng,
    /// Number of each deliberate defect.
    defects: BTreeMap<&'static str, usize>,
}

fn iri(s: &str) -> NamedNode {
    NamedNode::new_unchecked(s)
}

fn p(ns: &str, local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{ns}{local}"))
}

fn de(s: impl Into<String>) -> Literal {
    Literal::new_language_tagged_literal_unchecked(s, "de")
}

fn typed(s: impl Into<String>, dt: NamedNodeRef<'_>) -> Literal {
    Literal::new_typed_literal(s, dt)
}

impl Generator<'_> {
    fn record(&mut self, i: usize) -> Graph {
        let codes = self.codes;
        let r = &mut self.rng;
        let mut g = Graph::new();
        let mut add = |s: &NamedOrBlankNode, p: NamedNode, o: Term| {
            g.insert(&Triple::new(s.clone(), p, o));
        };
        let defect = if r.chance(15) { Some(r.below(9)) } else { None };
        let base = format!("https://daten.example.de/dataset/{i:06}");
        let ds: NamedOrBlankNode = iri(&base).into();
        let topic = *r.pick(TOPICS);
        let region = *r.pick(REGIONS);
        let year = 2010 + r.below(15);
        add(&ds, rdf::TYPE.into_owned(), p(DCAT, "Dataset").into());
        if defect != Some(0) {
            add(
                &ds,
                p(DCT, "title"),
                de(format!("{topic} {region} {year}")).into(),
            );
        }
        add(
            &ds,
            p(DCT, "description"),
            de(format!(
                "Dieser Datensatz enthält {} für {region} aus dem Jahr {year}. \
                 Die Daten werden regelmäßig aktualisiert und stehen unter einer offenen Lizenz \
                 zur Verfügung. Ansprechpartner ist die zuständige Fachbehörde.",
                topic.to_lowercase()
            ))
            .into(),
        );
        add(
            &ds,
            p(DCT, "identifier"),
            Literal::new_simple_literal(format!("{i:06}")).into(),
        );
        for _ in 0..2 + r.below(3) {
            add(&ds, p(DCAT, "keyword"), de(*r.pick(KEYWORDS)).into());
        }
        let theme = if defect == Some(1) {
            iri(&format!("{EU}data-theme/XXX"))
        } else {
            r.pick(&codes.themes).clone()
        };
        add(&ds, p(DCAT, "theme"), theme.into());
        add(
            &ds,
            p(DCT, "language"),
            r.pick(&codes.languages).clone().into(),
        );
        add(
            &ds,
            p(DCT, "accrualPeriodicity"),
            r.pick(&codes.frequencies).clone().into(),
        );
        add(
            &ds,
            p(DCT, "accessRights"),
            r.pick(&codes.access_rights).clone().into(),
        );
        let issued = format!("{year}-{:02}-{:02}", 1 + r.below(12), 1 + r.below(28));
        add(
            &ds,
            p(DCT, "issued"),
            if defect == Some(2) {
                typed(format!("{year}-13-45"), xsd::DATE).into()
            } else {
                typed(issued.clone(), xsd::DATE).into()
            },
        );
        add(
            &ds,
            p(DCT, "modified"),
            typed(
                format!("{issued}T{:02}:30:00Z", r.below(24)),
                xsd::DATE_TIME,
            )
            .into(),
        );
        add(
            &ds,
            p(DCATDE, "contributorID"),
            r.pick(&codes.contributors).clone().into(),
        );
        add(
            &ds,
            p(DCATDE, "politicalGeocodingLevelURI"),
            r.pick(&codes.levels).clone().into(),
        );
        add(
            &ds,
            p(DCAT, "landingPage"),
            iri(&format!("https://www.example.de/daten/{i}")).into(),
        );

        // Publisher: an organisation IRI shared by many records, described in each.
        if defect != Some(3) {
            let k = r.below(PUBLISHERS.len() * 20);
            let publisher: NamedOrBlankNode =
                iri(&format!("https://daten.example.de/organisation/{k}")).into();
            add(&ds, p(DCT, "publisher"), publisher.clone().into());
            add(
                &publisher,
                rdf::TYPE.into_owned(),
                p(FOAF, "Organization").into(),
            );
            add(
                &publisher,
                p(FOAF, "name"),
                de(format!("{} {region}", PUBLISHERS[k % PUBLISHERS.len()])).into(),
            );
            add(
                &publisher,
                p(DCT, "type"),
                codes.publisher_types[k % codes.publisher_types.len()]
                    .clone()
                    .into(),
            );
        }

        // Contact point: a blank node.
        let contact: NamedOrBlankNode = BlankNode::default().into();
        add(&ds, p(DCAT, "contactPoint"), contact.clone().into());
        add(
            &contact,
            rdf::TYPE.into_owned(),
            p(VCARD, "Organization").into(),
        );
        add(
            &contact,
            p(VCARD, "fn"),
            Literal::new_simple_literal(format!("Open-Data-Team {region}")).into(),
        );
        if defect != Some(4) {
            add(
                &contact,
                p(VCARD, "hasEmail"),
                iri(&format!("mailto:opendata{}@example.de", i % 97)).into(),
            );
        }

        // Temporal coverage.
        let period: NamedOrBlankNode = BlankNode::default().into();
        add(&ds, p(DCT, "temporal"), period.clone().into());
        add(
            &period,
            rdf::TYPE.into_owned(),
            p(DCT, "PeriodOfTime").into(),
        );
        add(
            &period,
            p(DCAT, "startDate"),
            typed(format!("{year}-01-01"), xsd::DATE).into(),
        );
        add(
            &period,
            p(DCAT, "endDate"),
            typed(format!("{year}-12-31"), xsd::DATE).into(),
        );
        if defect == Some(5) {
            // deprecated in DCAT-AP.de 3.0
            add(
                &ds,
                p(DCATDE, "maintainer"),
                iri("https://daten.example.de/organisation/0").into(),
            );
        }

        for k in 0..1 + r.below(3) {
            let dist: NamedOrBlankNode = iri(&format!("{base}/distribution/{k}")).into();
            add(&ds, p(DCAT, "distribution"), dist.clone().into());
            add(
                &dist,
                rdf::TYPE.into_owned(),
                p(DCAT, "Distribution").into(),
            );
            let (label, media) = *r.pick(MEDIA);
            add(
                &dist,
                p(DCT, "title"),
                de(format!("{topic} {year} ({label})")).into(),
            );
            add(
                &dist,
                p(DCAT, "accessURL"),
                iri(&format!("https://www.example.de/daten/{i}/{k}")).into(),
            );
            add(
                &dist,
                p(DCAT, "downloadURL"),
                iri(&format!(
                    "https://www.example.de/daten/{i}/{k}.{}",
                    label.to_lowercase()
                ))
                .into(),
            );
            if defect == Some(6) && k == 0 {
                add(
                    &dist,
                    p(DCT, "format"),
                    Literal::new_simple_literal(label).into(),
                );
            } else {
                add(&dist, p(DCT, "format"), codes.file_type(label).into());
            }
            add(
                &dist,
                p(DCAT, "mediaType"),
                iri(&format!(
                    "https://www.iana.org/assignments/media-types/{media}"
                ))
                .into(),
            );
            let licence = if defect == Some(7) && k == 0 {
                iri("http://dcat-ap.de/def/licenses/frei-verwendbar")
            } else {
                r.pick(&codes.licences).clone()
            };
            if defect != Some(8) || k > 0 {
                add(&dist, p(DCT, "license"), licence.into());
            }
            add(
                &dist,
                p(DCAT, "byteSize"),
                typed(
                    (1000 + r.below(10_000_000)).to_string(),
                    xsd::NON_NEGATIVE_INTEGER,
                )
                .into(),
            );
            add(
                &dist,
                p(DCT, "modified"),
                typed(issued.clone(), xsd::DATE).into(),
            );
        }
        if let Some(d) = defect {
            const NAMES: [&str; 9] = [
                "no dct:title",
                "data theme not in the vocabulary",
                "malformed xsd:date in dct:issued (no datatype constraint in DCAT-AP 3.0.0)",
                "no publisher",
                "contact point without e-mail/URL/telephone",
                "deprecated dcatde:maintainer",
                "dct:format as a literal",
                "licence not in the DCAT-AP.de list",
                "distribution without licence",
            ];
            *self.defects.entry(NAMES[d]).or_insert(0) += 1;
        }
        g
    }
}

// ------------------------------------------------------------------ report

#[derive(Default)]
struct Tally {
    records: usize,
    conforming: usize,
    results: usize,
    by_severity: BTreeMap<String, usize>,
    by_component: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, report: &ValidationReport) {
        self.records += 1;
        self.conforming += usize::from(
            !report
                .results
                .iter()
                .any(|r| r.severity == Severity::Violation),
        );
        self.results += report.results.len();
        for r in &report.results {
            let sev = r.severity.iri().as_str();
            *self
                .by_severity
                .entry(sev.trim_start_matches("http://www.w3.org/ns/shacl#").into())
                .or_insert(0) += 1;
            let c = r.source_constraint_component.as_str();
            *self
                .by_component
                .entry(c.trim_start_matches("http://www.w3.org/ns/shacl#").into())
                .or_insert(0) += 1;
        }
    }
}

fn main() -> Result<(), BoxError> {
    let records = env_usize("SHACL_BENCH_RECORDS", 100_000)?;
    let subset = env_usize("SHACL_BENCH_PYSHACL", 10_000)?.min(records);
    let batch = env_usize("SHACL_BENCH_BATCH", 1_000)?.max(1);
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");

    // 1. profile
    let profiles: toml::Table = std::fs::read_to_string(root.join("shapes/profiles.toml"))?
        .parse()
        .map_err(|e| format!("shapes/profiles.toml: {e}"))?;
    let profile = profiles
        .get("profiles")
        .and_then(|p| p.get("dcat-ap-de-3"))
        .ok_or("shapes/profiles.toml: no profile dcat-ap-de-3")?;
    let files = |key: &str, dir: &str| -> Result<Vec<PathBuf>, BoxError> {
        profile
            .get(key)
            .and_then(|v| v.as_array())
            .ok_or_else(|| format!("dcat-ap-de-3: no {key} list"))?
            .iter()
            .map(|f| {
                f.as_str()
                    .map(|f| root.join(dir).join(f))
                    .ok_or_else(|| format!("dcat-ap-de-3: {key} entry {f} is not a string").into())
            })
            .collect()
    };
    let t = Instant::now();
    let mut shapes_graph = Graph::new();
    for f in files("shapes", "shapes")? {
        load_into(&mut shapes_graph, &f)?;
    }
    let mut vocabulary = Graph::new();
    for f in files("vocabularies", "vocabularies")? {
        load_into(&mut vocabulary, &f)?;
    }
    let load_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let shapes = Shapes::from_graph(&shapes_graph)?;
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    println!(
        "profile dcat-ap-de-3: {} shapes ({} triples), vocabulary {} triples; loaded in {load_seconds:.2} s, compiled in {compile_ms:.1} ms",
        shapes.len(),
        shapes_graph.len(),
        vocabulary.len()
    );
    let rss_before = peak_rss_kib().unwrap_or(0);

    // 2. our engine, one record at a time, on this thread
    let codes = Codes::from_vocabulary(&vocabulary)?;
    let mut generator = Generator {
        codes: &codes,
        rng: Rng(0x5EED),
        defects: BTreeMap::new(),
    };
    let tmp = std::env::temp_dir().join(format!("shacl-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    let mut batches: Vec<PathBuf> = Vec::new();
    let mut batch_graph = Graph::new();
    let mut tally = Tally::default();
    let mut triples = 0usize;
    let mut validate_seconds = 0.0;
    let mut validate_cpu = Some(0.0);
    let mut generate_seconds = 0.0;
    let wall = Instant::now();
    // Chunks of records: generate, then validate each on its own, timing the
    // validation of the chunk (wall clock and this thread's CPU time).
    const CHUNK: usize = 1_000;
    let mut next = 0;
    while next < records {
        let end = (next + CHUNK).min(records);
        let t = Instant::now();
        let chunk: Vec<Graph> = (next..end).map(|i| generator.record(i)).collect();
        generate_seconds += t.elapsed().as_secs_f64();
        let cpu = thread_cpu_seconds();
        let t = Instant::now();
        let reports = chunk
            .iter()
            .map(|record| shapes.validate_record(record, &vocabulary))
            .collect::<Result<Vec<_>, _>>()?;
        validate_seconds += t.elapsed().as_secs_f64();
        validate_cpu = match (validate_cpu, cpu, thread_cpu_seconds()) {
            (Some(sum), Some(a), Some(b)) => Some(sum + b - a),
            _ => None,
        };
        for (i, (record, report)) in (next..end).zip(chunk.iter().zip(&reports)) {
            triples += record.len();
            tally.add(report);
            if i < subset {
                batch_graph.extend(record);
                if (i + 1) % batch == 0 || i + 1 == subset {
                    let file = tmp.join(format!("batch-{:03}.ttl", batches.len()));
                    write_rdf(&batch_graph, &file, RdfFormat::Turtle)?;
                    batches.push(file);
                    batch_graph = Graph::new();
                }
            }
        }
        next = end;
    }
    let wall_seconds = wall.elapsed().as_secs_f64();
    let peak = peak_rss_kib().unwrap_or(0);
    let ours_per_second = records as f64 / validate_seconds;
    println!(
        "\n{records} records ({:.1} triples each): {} conform (no sh:Violation), {} results {:?}",
        triples as f64 / records as f64,
        tally.conforming,
        tally.results,
        tally.by_severity
    );
    println!("deliberate defects: {:?}", generator.defects);
    println!("results by component: {:?}", tally.by_component);
    println!(
        "validation (one thread): wall {validate_seconds:.2} s = {ours_per_second:.0} datasets/s ({:.1} µs each){}; generation {generate_seconds:.2} s; whole loop {wall_seconds:.2} s",
        validate_seconds / records as f64 * 1e6,
        validate_cpu.map_or(String::new(), |c| format!(
            "; on CPU {c:.2} s = {:.0} datasets/s",
            records as f64 / c
        ))
    );
    println!(
        "peak RSS (VmHWM): {:.0} MiB (after loading shapes + vocabularies: {:.0} MiB)",
        peak as f64 / 1024.0,
        rss_before as f64 / 1024.0
    );

    // 3. pySHACL on the subset, in batches
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".into());
    let has_pyshacl = Command::new(&python)
        .args(["-c", "import pyshacl"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_pyshacl || subset == 0 {
        println!("\npySHACL not importable with `{python}` (or empty subset): comparison skipped");
        std::fs::remove_dir_all(&tmp)?;
        return Ok(());
    }
    // Our engine on the very same batch files (parsed back), as pySHACL sees them.
    let mut ours_by_batch = Vec::new();
    let mut ours_batch_seconds = 0.0;
    for file in &batches {
        let mut g = Graph::new();
        load_into(&mut g, file)?;
        let t = Instant::now();
        let report = shapes.validate_record(&g, &vocabulary)?;
        ours_batch_seconds += t.elapsed().as_secs_f64();
        ours_by_batch.push(report.results.len());
    }
    let shapes_nt = tmp.join("shapes.nt");
    let vocab_nt = tmp.join("vocabulary.nt");
    write_rdf(&shapes_graph, &shapes_nt, RdfFormat::NTriples)?;
    write_rdf(&vocabulary, &vocab_nt, RdfFormat::NTriples)?;
    let driver = tmp.join("pyshacl_driver.py");
    std::fs::write(&driver, DRIVER)?;
    let job = serde_json::json!({
        "shapes": shapes_nt,
        "vocabulary": vocab_nt,
        "results": false,
        "records": batches.iter().map(|b| serde_json::json!({"name": b.file_name().map(|n| n.to_string_lossy().into_owned()), "path": b})).collect::<Vec<_>>(),
    });
    let job_file = tmp.join("job.json");
    std::fs::write(&job_file, job.to_string())?;
    println!(
        "\npySHACL on {subset} records ({} Turtle files of ≤ {batch} records) ...",
        batches.len()
    );
    let t = Instant::now();
    let output = Command::new(&python).arg(&driver).arg(&job_file).output()?;
    let py_wall = t.elapsed().as_secs_f64();
    if !output.status.success() {
        return Err(format!(
            "pySHACL driver failed: {}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut py_validate = 0.0;
    let mut py_validate_cpu = 0.0;
    let mut py_load = 0.0;
    let mut py_rss_kib = 0;
    let mut mismatches = Vec::new();
    let mut py_results = 0;
    let mut n = 0;
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if let Some(e) = v.get("error") {
            return Err(format!("pySHACL: {}: {e}", v["record"]).into());
        }
        if v.get("record").is_none() {
            py_rss_kib = v["max_rss_kib"].as_u64().unwrap_or(0);
            continue;
        }
        let count = v["count"].as_u64().unwrap_or(0) as usize;
        py_results += count;
        py_validate += v["validate_seconds"].as_f64().unwrap_or(0.0);
        py_validate_cpu += v["validate_cpu_seconds"].as_f64().unwrap_or(0.0);
        py_load += v["load_seconds"].as_f64().unwrap_or(0.0);
        if ours_by_batch.get(n) != Some(&count) {
            mismatches.push(format!(
                "{}: ours {:?}, pySHACL {count}",
                v["record"],
                ours_by_batch.get(n)
            ));
        }
        n += 1;
    }
    let py_per_second = subset as f64 / py_validate;
    let py_per_cpu_second = subset as f64 / py_validate_cpu;
    println!(
        "pySHACL: validation wall {py_validate:.1} s = {py_per_second:.0} datasets/s, on CPU {py_validate_cpu:.1} s = {py_per_cpu_second:.0} datasets/s (+ {py_load:.1} s parsing; process wall {py_wall:.1} s, peak RSS {:.0} MiB); {py_results} results",
        py_rss_kib as f64 / 1024.0
    );
    println!(
        "ours on the same batch files: {ours_batch_seconds:.2} s = {:.0} datasets/s; {} results",
        subset as f64 / ours_batch_seconds,
        ours_by_batch.iter().sum::<usize>()
    );
    println!(
        "ratio (per-record validation vs pySHACL): wall clock {:.0}×{}",
        ours_per_second / py_per_second,
        validate_cpu.map_or(String::new(), |c| format!(
            ", CPU time {:.0}×",
            records as f64 / c / py_per_cpu_second
        ))
    );
    if std::env::var_os("SHACL_BENCH_KEEP").is_none() {
        std::fs::remove_dir_all(&tmp)?;
    } else {
        println!("kept {}", tmp.display());
    }
    if !mismatches.is_empty() || n != batches.len() {
        return Err(format!("result counts differ from pySHACL: {mismatches:?}").into());
    }
    println!("result counts agree with pySHACL on all {n} batches");
    Ok(())
}
