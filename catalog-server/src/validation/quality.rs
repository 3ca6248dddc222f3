//! The metadata quality score of data.europa.eu's Metadata Quality
//! Assessment (MQA): 405 points in five dimensions, computed for one record
//! (a dataset and its distributions) from its triples, its validation
//! outcome and, when known, the HTTP status of its links.
//!
//! Pure: no store, no network. The metric names and IRIs are piveau's
//! (`https://piveau.eu/ns/voc#`); the rules are documented in
//! `docs/steward-guide.md` ("Metadata quality"). Distribution metrics are
//! scored on the dataset's best distribution (the one with the most
//! distribution points); a dataset without distributions gets none of them.

use super::VOCABULARIES_DIR;
use oxrdf::vocab::{rdf, xsd};
use oxrdf::{BlankNode, Literal, NamedNode, NamedNodeRef, Term, TermRef, Triple};
use oxrdfio::{RdfFormat, RdfParser};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// piveau's metric namespace.
pub const PV: &str = "https://piveau.eu/ns/voc#";
const DQV: &str = "http://www.w3.org/ns/dqv#";
const EU_FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";
/// The version of the scoring rules: raised whenever a rule changes, so
/// that stored scores are computed again (see [`rules_fingerprint`]).
const RULES_VERSION: &str = "mqa-rules-1";

/// The list files the score reads (under `vocabularies/`).
const LIST_FILES: [&str; 6] = [
    "mqa/non-proprietary-formats.txt",
    "mqa/machine-readable-formats.txt",
    "eu/file-type.ttl",
    "eu/licence.ttl",
    "dcat-ap-de/licenses.ttl",
    "eu/access-right.ttl",
];

/// The bytes that make the scoring rules: their version and the shipped
/// lists. Part of every profile's fingerprint.
pub fn rules_fingerprint() -> Vec<u8> {
    let mut out = RULES_VERSION.as_bytes().to_vec();
    for path in LIST_FILES {
        out.push(0);
        if let Some(f) = VOCABULARIES_DIR.get_file(path) {
            out.extend_from_slice(f.contents());
        }
    }
    out
}

/// The highest score.
pub const MAX_SCORE: u32 = 405;

macro_rules! iri {
    ($name:ident = $iri:literal) => {
        const $name: NamedNodeRef<'static> = NamedNodeRef::new_unchecked($iri);
    };
    (pub $name:ident = $iri:literal) => {
        /// A term of the catalog's quality measurements.
        pub const $name: NamedNodeRef<'static> = NamedNodeRef::new_unchecked($iri);
    };
}
iri!(DCAT_DISTRIBUTION = "http://www.w3.org/ns/dcat#distribution");
iri!(DCAT_KEYWORD = "http://www.w3.org/ns/dcat#keyword");
iri!(DCAT_THEME = "http://www.w3.org/ns/dcat#theme");
iri!(DCAT_ACCESS_URL = "http://www.w3.org/ns/dcat#accessURL");
iri!(DCAT_DOWNLOAD_URL = "http://www.w3.org/ns/dcat#downloadURL");
iri!(DCAT_MEDIA_TYPE = "http://www.w3.org/ns/dcat#mediaType");
iri!(DCAT_BYTE_SIZE = "http://www.w3.org/ns/dcat#byteSize");
iri!(DCAT_CONTACT_POINT = "http://www.w3.org/ns/dcat#contactPoint");
iri!(DCT_SPATIAL = "http://purl.org/dc/terms/spatial");
iri!(DCT_TEMPORAL = "http://purl.org/dc/terms/temporal");
iri!(DCT_FORMAT = "http://purl.org/dc/terms/format");
iri!(DCT_LICENSE = "http://purl.org/dc/terms/license");
iri!(DCT_ACCESS_RIGHTS = "http://purl.org/dc/terms/accessRights");
iri!(DCT_PUBLISHER = "http://purl.org/dc/terms/publisher");
iri!(DCT_RIGHTS = "http://purl.org/dc/terms/rights");
iri!(DCT_ISSUED = "http://purl.org/dc/terms/issued");
iri!(DCT_MODIFIED = "http://purl.org/dc/terms/modified");
iri!(SKOS_CONCEPT = "http://www.w3.org/2004/02/skos/core#Concept");
iri!(DQV_IS_MEASUREMENT_OF = "http://www.w3.org/ns/dqv#isMeasurementOf");
iri!(DQV_VALUE = "http://www.w3.org/ns/dqv#value");
iri!(DQV_COMPUTED_ON = "http://www.w3.org/ns/dqv#computedOn");
iri!(PROV_GENERATED_AT = "http://www.w3.org/ns/prov#generatedAtTime");

/// The five dimensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    Findability,
    Accessibility,
    Interoperability,
    Reusability,
    Contextuality,
}

/// Where a metric looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// The dataset's own properties.
    Dataset,
    /// The best distribution.
    Distribution,
    /// The dataset or any of its distributions.
    Any,
    /// The validation outcome.
    Validation,
}

/// One metric of the score, in the order of data.europa.eu's methodology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Metric {
    KeywordAvailability,
    CategoryAvailability,
    SpatialAvailability,
    TemporalAvailability,
    AccessUrlStatusCode,
    DownloadUrlAvailability,
    DownloadUrlStatusCode,
    FormatAvailability,
    MediaTypeAvailability,
    FormatMediaTypeVocabularyAlignment,
    FormatMediaTypeNonProprietary,
    FormatMediaTypeMachineInterpretable,
    DcatApCompliance,
    LicenceAvailability,
    KnownLicence,
    AccessRightsAvailability,
    AccessRightsVocabularyAlignment,
    ContactPointAvailability,
    PublisherAvailability,
    RightsAvailability,
    ByteSizeAvailability,
    DateIssuedAvailability,
    DateModifiedAvailability,
}

impl Metric {
    /// Every metric, in order.
    pub const ALL: [Metric; 23] = [
        Metric::KeywordAvailability,
        Metric::CategoryAvailability,
        Metric::SpatialAvailability,
        Metric::TemporalAvailability,
        Metric::AccessUrlStatusCode,
        Metric::DownloadUrlAvailability,
        Metric::DownloadUrlStatusCode,
        Metric::FormatAvailability,
        Metric::MediaTypeAvailability,
        Metric::FormatMediaTypeVocabularyAlignment,
        Metric::FormatMediaTypeNonProprietary,
        Metric::FormatMediaTypeMachineInterpretable,
        Metric::DcatApCompliance,
        Metric::LicenceAvailability,
        Metric::KnownLicence,
        Metric::AccessRightsAvailability,
        Metric::AccessRightsVocabularyAlignment,
        Metric::ContactPointAvailability,
        Metric::PublisherAvailability,
        Metric::RightsAvailability,
        Metric::ByteSizeAvailability,
        Metric::DateIssuedAvailability,
        Metric::DateModifiedAvailability,
    ];

    /// piveau's name (the local name of its IRI).
    pub fn name(self) -> &'static str {
        self.spec().0
    }

    /// The metric of a piveau name.
    pub fn from_name(name: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.name() == name)
    }

    /// piveau's IRI of the metric.
    pub fn iri(self) -> String {
        format!("{PV}{}", self.name())
    }

    /// The points the metric gives when it passes.
    pub fn weight(self) -> u32 {
        self.spec().1
    }

    pub fn dimension(self) -> Dimension {
        self.spec().2
    }

    fn scope(self) -> Scope {
        self.spec().3
    }

    fn spec(self) -> (&'static str, u32, Dimension, Scope) {
        use Dimension::*;
        use Metric as M;
        match self {
            M::KeywordAvailability => ("keywordAvailability", 30, Findability, Scope::Dataset),
            M::CategoryAvailability => ("categoryAvailability", 30, Findability, Scope::Dataset),
            M::SpatialAvailability => ("spatialAvailability", 20, Findability, Scope::Dataset),
            M::TemporalAvailability => ("temporalAvailability", 20, Findability, Scope::Dataset),
            M::AccessUrlStatusCode => (
                "accessUrlStatusCode",
                50,
                Accessibility,
                Scope::Distribution,
            ),
            M::DownloadUrlAvailability => (
                "downloadUrlAvailability",
                20,
                Accessibility,
                Scope::Distribution,
            ),
            M::DownloadUrlStatusCode => (
                "downloadUrlStatusCode",
                30,
                Accessibility,
                Scope::Distribution,
            ),
            M::FormatAvailability => (
                "formatAvailability",
                20,
                Interoperability,
                Scope::Distribution,
            ),
            M::MediaTypeAvailability => (
                "mediaTypeAvailability",
                10,
                Interoperability,
                Scope::Distribution,
            ),
            M::FormatMediaTypeVocabularyAlignment => (
                "formatMediaTypeVocabularyAlignment",
                10,
                Interoperability,
                Scope::Distribution,
            ),
            M::FormatMediaTypeNonProprietary => (
                "formatMediaTypeNonProprietary",
                20,
                Interoperability,
                Scope::Distribution,
            ),
            M::FormatMediaTypeMachineInterpretable => (
                "formatMediaTypeMachineInterpretable",
                20,
                Interoperability,
                Scope::Distribution,
            ),
            M::DcatApCompliance => ("dcatApCompliance", 30, Interoperability, Scope::Validation),
            M::LicenceAvailability => ("licenceAvailability", 20, Reusability, Scope::Distribution),
            M::KnownLicence => ("knownLicence", 10, Reusability, Scope::Distribution),
            M::AccessRightsAvailability => {
                ("accessRightsAvailability", 10, Reusability, Scope::Dataset)
            }
            M::AccessRightsVocabularyAlignment => (
                "accessRightsVocabularyAlignment",
                5,
                Reusability,
                Scope::Dataset,
            ),
            M::ContactPointAvailability => {
                ("contactPointAvailability", 20, Reusability, Scope::Dataset)
            }
            M::PublisherAvailability => ("publisherAvailability", 10, Reusability, Scope::Dataset),
            M::RightsAvailability => ("rightsAvailability", 5, Contextuality, Scope::Distribution),
            M::ByteSizeAvailability => (
                "byteSizeAvailability",
                5,
                Contextuality,
                Scope::Distribution,
            ),
            M::DateIssuedAvailability => ("dateIssuedAvailability", 5, Contextuality, Scope::Any),
            M::DateModifiedAvailability => {
                ("dateModifiedAvailability", 5, Contextuality, Scope::Any)
            }
        }
    }

    /// Whether the metric is a link's HTTP status (measured by the link
    /// checker, "not checked" until then).
    pub fn is_link_status(self) -> bool {
        matches!(
            self,
            Metric::AccessUrlStatusCode | Metric::DownloadUrlStatusCode
        )
    }

    /// Whether the metric is scored on the best distribution.
    pub fn on_distribution(self) -> bool {
        self.scope() == Scope::Distribution
    }
}

/// The four bands of data.europa.eu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
pub enum Band {
    Excellent,
    Good,
    Sufficient,
    Bad,
}

impl Band {
    /// The published ranges: Excellent 351–405, Good 221–350, Sufficient
    /// 121–220, Bad 0–120.
    pub fn of(score: u32) -> Band {
        match score {
            351.. => Band::Excellent,
            221..=350 => Band::Good,
            121..=220 => Band::Sufficient,
            _ => Band::Bad,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Band::Excellent => "Excellent",
            Band::Good => "Good",
            Band::Sufficient => "Sufficient",
            Band::Bad => "Bad",
        }
    }

    pub fn parse(s: &str) -> Option<Band> {
        [Band::Excellent, Band::Good, Band::Sufficient, Band::Bad]
            .into_iter()
            .find(|b| b.name() == s)
    }
}

/// The outcome of one link check (the link checker writes these).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkStatus {
    /// The final HTTP status (after redirects); `None`: no answer.
    pub status: Option<u16>,
}

impl LinkStatus {
    /// 2xx and 3xx count as available.
    pub fn ok(self) -> bool {
        matches!(self.status, Some(200..=399))
    }
}

/// The status of a checked URL (`None`: not checked).
pub type Links<'a> = &'a dyn Fn(&str) -> Option<LinkStatus>;

/// What a metric found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// The property is there (or the check passed): `dqv:value` true/false.
    Bool(bool),
    /// A link's HTTP status.
    Status(Option<u16>),
    /// The links were not checked.
    NotChecked,
    /// The record was not validated.
    NotValidated,
}

/// One metric's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Measurement {
    pub metric: Metric,
    pub points: u32,
    pub found: Found,
}

impl Measurement {
    /// A note for people (`not checked`, `not validated`, `no distribution`).
    pub fn note(&self, has_distribution: bool) -> Option<&'static str> {
        match self.found {
            Found::NotChecked => Some("not checked"),
            Found::NotValidated => Some("not validated"),
            _ if self.metric.on_distribution() && !has_distribution => Some("no distribution"),
            _ => None,
        }
    }
}

/// A record's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quality {
    pub score: u32,
    pub band: Band,
    /// Every metric, in [`Metric::ALL`] order.
    pub measurements: Vec<Measurement>,
    /// The distribution the distribution metrics were scored on.
    pub best_distribution: Option<Term>,
}

/// The code lists the score compares values with.
#[derive(Debug, Default)]
pub struct QualityVocabularies {
    file_types: HashSet<String>,
    non_proprietary: HashSet<String>,
    machine_readable: HashSet<String>,
    licences: HashSet<String>,
    access_rights: HashSet<String>,
}

static SHIPPED: LazyLock<QualityVocabularies> = LazyLock::new(QualityVocabularies::load_shipped);

impl QualityVocabularies {
    /// The lists shipped in `vocabularies/` (loaded once).
    pub fn shipped() -> &'static QualityVocabularies {
        &SHIPPED
    }

    fn load_shipped() -> QualityVocabularies {
        let concepts = |paths: &[&str]| -> HashSet<String> {
            let mut out = HashSet::new();
            for path in paths {
                let Some(file) = VOCABULARIES_DIR.get_file(path) else {
                    tracing::warn!(path, "quality: vocabulary missing from this build");
                    continue;
                };
                for t in RdfParser::from_format(RdfFormat::Turtle).for_slice(file.contents()) {
                    match t {
                        Ok(q) if q.predicate == rdf::TYPE && q.object == SKOS_CONCEPT.into() => {
                            out.insert(term_key(q.subject.into()));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            tracing::warn!(path, error = %e, "quality: vocabulary does not parse");
                            break;
                        }
                    }
                }
            }
            out
        };
        let codes = |path: &str| -> HashSet<String> {
            VOCABULARIES_DIR
                .get_file(path)
                .and_then(|f| f.contents_utf8())
                .unwrap_or_default()
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|code| format!("{EU_FILE_TYPE}{code}"))
                .collect()
        };
        QualityVocabularies {
            non_proprietary: codes(LIST_FILES[0]),
            machine_readable: codes(LIST_FILES[1]),
            file_types: concepts(&[LIST_FILES[2]]),
            licences: concepts(&[LIST_FILES[3], LIST_FILES[4]]),
            access_rights: concepts(&[LIST_FILES[5]]),
        }
    }
}

/// An IRI as compared with the lists (a literal or blank node never
/// matches a list).
fn term_key(t: Term) -> String {
    match t {
        Term::NamedNode(n) => n.into_string(),
        _ => String::new(),
    }
}

/// The top-level media types IANA registers
/// (<https://www.iana.org/assignments/media-types/>).
const IANA_TOP_LEVEL: &[&str] = &[
    "application",
    "audio",
    "example",
    "font",
    "haptics",
    "image",
    "message",
    "model",
    "multipart",
    "text",
    "video",
];

/// Whether a `dcat:mediaType` value names an IANA media type: an IRI
/// `http(s)://www.iana.org/assignments/media-types/{type}/{subtype}` or a
/// literal `{type}/{subtype}`, with a registered top-level type and a
/// subtype of token characters.
pub fn is_iana_media_type(t: TermRef<'_>) -> bool {
    let text = match t {
        TermRef::NamedNode(n) => {
            let s = n.as_str();
            match s
                .strip_prefix("https://www.iana.org/assignments/media-types/")
                .or_else(|| s.strip_prefix("http://www.iana.org/assignments/media-types/"))
            {
                Some(rest) => rest,
                None => return false,
            }
        }
        TermRef::Literal(l) => l.value(),
        _ => return false,
    };
    let Some((top, sub)) = text.split_once('/') else {
        return false;
    };
    IANA_TOP_LEVEL.contains(&top.to_ascii_lowercase().as_str())
        && !sub.is_empty()
        && sub
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "!#$&-^_.+".contains(c))
}

/// The record's triples, by subject.
struct Index<'a> {
    by_subject: HashMap<TermRef<'a>, Vec<&'a Triple>>,
}

impl<'a> Index<'a> {
    fn new(triples: &'a [Triple]) -> Self {
        let mut by_subject: HashMap<TermRef<'a>, Vec<&'a Triple>> = HashMap::new();
        for t in triples {
            by_subject
                .entry(t.subject.as_ref().into())
                .or_default()
                .push(t);
        }
        Index { by_subject }
    }

    fn values<'s>(
        &'s self,
        s: TermRef<'a>,
        p: NamedNodeRef<'s>,
    ) -> impl Iterator<Item = TermRef<'a>> + 's {
        self.by_subject
            .get(&s)
            .into_iter()
            .flatten()
            .filter(move |t| t.predicate.as_ref() == p)
            .map(|t| t.object.as_ref())
    }

    fn has(&self, s: TermRef<'a>, p: NamedNodeRef<'_>) -> bool {
        self.values(s, p).next().is_some()
    }
}

/// The distribution metrics of one distribution.
fn distribution_measurements(
    index: &Index<'_>,
    d: TermRef<'_>,
    vocab: &QualityVocabularies,
    links: Option<Links<'_>>,
) -> Vec<Measurement> {
    let in_list = |list: &HashSet<String>, p: NamedNodeRef<'_>| {
        index
            .values(d, p)
            .any(|v| matches!(v, TermRef::NamedNode(n) if list.contains(n.as_str())))
    };
    let status = |p: NamedNodeRef<'_>| -> Found {
        let urls: Vec<&str> = index
            .values(d, p)
            .filter_map(|v| match v {
                TermRef::NamedNode(n) => Some(n.as_str()),
                _ => None,
            })
            .collect();
        let Some(links) = links else {
            return Found::NotChecked;
        };
        let checked: Vec<LinkStatus> = urls.iter().filter_map(|u| links(u)).collect();
        if checked.is_empty() {
            return if urls.is_empty() {
                Found::Status(None)
            } else {
                Found::NotChecked
            };
        }
        // The best answer of the distribution's URLs counts.
        match checked.iter().find(|s| s.ok()) {
            Some(s) => Found::Status(s.status),
            None => Found::Status(checked[0].status),
        }
    };
    Metric::ALL
        .iter()
        .filter(|m| m.on_distribution())
        .map(|&metric| {
            let found = match metric {
                Metric::AccessUrlStatusCode => status(DCAT_ACCESS_URL),
                Metric::DownloadUrlStatusCode => status(DCAT_DOWNLOAD_URL),
                Metric::DownloadUrlAvailability => Found::Bool(index.has(d, DCAT_DOWNLOAD_URL)),
                Metric::FormatAvailability => Found::Bool(index.has(d, DCT_FORMAT)),
                Metric::MediaTypeAvailability => Found::Bool(index.has(d, DCAT_MEDIA_TYPE)),
                Metric::FormatMediaTypeVocabularyAlignment => Found::Bool(
                    in_list(&vocab.file_types, DCT_FORMAT)
                        || index.values(d, DCAT_MEDIA_TYPE).any(is_iana_media_type),
                ),
                Metric::FormatMediaTypeNonProprietary => {
                    Found::Bool(in_list(&vocab.non_proprietary, DCT_FORMAT))
                }
                Metric::FormatMediaTypeMachineInterpretable => {
                    Found::Bool(in_list(&vocab.machine_readable, DCT_FORMAT))
                }
                Metric::LicenceAvailability => Found::Bool(index.has(d, DCT_LICENSE)),
                Metric::KnownLicence => Found::Bool(in_list(&vocab.licences, DCT_LICENSE)),
                Metric::RightsAvailability => Found::Bool(index.has(d, DCT_RIGHTS)),
                Metric::ByteSizeAvailability => Found::Bool(index.has(d, DCAT_BYTE_SIZE)),
                _ => Found::Bool(false),
            };
            measure(metric, found)
        })
        .collect()
}

fn measure(metric: Metric, found: Found) -> Measurement {
    let pass = match &found {
        Found::Bool(b) => *b,
        Found::Status(s) => LinkStatus { status: *s }.ok(),
        Found::NotChecked | Found::NotValidated => false,
    };
    Measurement {
        metric,
        points: if pass { metric.weight() } else { 0 },
        found,
    }
}

/// Scores one record: `dataset` and its distributions in `triples`.
/// `violations`: the SHACL violations under the source's profile (`None`:
/// not validated). `links`: the status of a checked URL (`None`: links are
/// not checked; a URL the function does not know is not checked either).
pub fn score(
    triples: &[Triple],
    dataset: NamedNodeRef<'_>,
    violations: Option<usize>,
    links: Option<Links<'_>>,
    vocab: &QualityVocabularies,
) -> Quality {
    let index = Index::new(triples);
    let ds: TermRef<'_> = dataset.into();
    let mut distributions: Vec<TermRef<'_>> = index.values(ds, DCAT_DISTRIBUTION).collect();
    distributions.sort_by_cached_key(|d| d.to_string());
    distributions.dedup();
    // The best distribution: the most distribution points; on a tie the
    // first in term order (the points are the same either way).
    let mut best: Option<(TermRef<'_>, Vec<Measurement>, u32)> = None;
    for &d in &distributions {
        let ms = distribution_measurements(&index, d, vocab, links);
        let total: u32 = ms.iter().map(|m| m.points).sum();
        if best.as_ref().is_none_or(|(_, _, b)| total > *b) {
            best = Some((d, ms, total));
        }
    }
    let dataset_or_any =
        |p: NamedNodeRef<'_>| index.has(ds, p) || distributions.iter().any(|&d| index.has(d, p));
    let mut from_best = best.as_ref().map(|(_, ms, _)| ms.iter());
    let measurements: Vec<Measurement> = Metric::ALL
        .iter()
        .map(|&metric| match metric.scope() {
            Scope::Distribution => from_best
                .as_mut()
                .and_then(|it| it.next().cloned())
                .unwrap_or_else(|| measure(metric, Found::Bool(false))),
            Scope::Validation => measure(
                metric,
                match violations {
                    Some(n) => Found::Bool(n == 0),
                    None => Found::NotValidated,
                },
            ),
            Scope::Any => measure(
                metric,
                Found::Bool(dataset_or_any(match metric {
                    Metric::DateIssuedAvailability => DCT_ISSUED,
                    _ => DCT_MODIFIED,
                })),
            ),
            Scope::Dataset => {
                let p = match metric {
                    Metric::KeywordAvailability => DCAT_KEYWORD,
                    Metric::CategoryAvailability => DCAT_THEME,
                    Metric::SpatialAvailability => DCT_SPATIAL,
                    Metric::TemporalAvailability => DCT_TEMPORAL,
                    Metric::ContactPointAvailability => DCAT_CONTACT_POINT,
                    Metric::PublisherAvailability => DCT_PUBLISHER,
                    _ => DCT_ACCESS_RIGHTS,
                };
                let found = if metric == Metric::AccessRightsVocabularyAlignment {
                    index.values(ds, p).any(
                        |v| matches!(v, TermRef::NamedNode(n) if vocab.access_rights.contains(n.as_str())),
                    )
                } else {
                    index.has(ds, p)
                };
                measure(metric, Found::Bool(found))
            }
        })
        .collect();
    let score = measurements.iter().map(|m| m.points).sum();
    Quality {
        score,
        band: Band::of(score),
        measurements,
        best_distribution: best.map(|(d, _, _)| d.into_owned()),
    }
}

impl Quality {
    /// The score as DQV, kept small because every record stores it: one
    /// `dqv:QualityMeasurement` per metric with `dqv:isMeasurementOf`
    /// piveau's metric, `dqv:computedOn` the dataset or, for distribution
    /// metrics, the best distribution, and `dqv:value` (absent when the
    /// metric was not measured: links not checked), plus one of `pv:score`
    /// with the total and `prov:generatedAtTime`. The type is left to
    /// `dqv:isMeasurementOf`'s domain; points, notes and band follow from
    /// the values and are kept in the record's meta ([`Quality::points`]).
    /// Blank nodes have numerical ids derived from `rid`, so the store
    /// keeps them inline and they are unique in the store.
    pub fn dqv_triples(&self, rid: &str, dataset: NamedNodeRef<'_>, time: &str) -> Vec<Triple> {
        let base = measurement_base(rid);
        let node = |n: usize| BlankNode::new_from_unique_id(base | n as u128);
        let mut out = Vec::with_capacity(self.measurements.len() * 3 + 4);
        for (n, m) in self.measurements.iter().enumerate() {
            let on: Term = match (&self.best_distribution, m.metric.on_distribution()) {
                (Some(d), true) => d.clone(),
                _ => dataset.into_owned().into(),
            };
            let b = node(n);
            out.push(Triple::new(
                b.clone(),
                DQV_IS_MEASUREMENT_OF,
                NamedNode::new_unchecked(m.metric.iri()),
            ));
            out.push(Triple::new(b.clone(), DQV_COMPUTED_ON, on));
            let value = match &m.found {
                Found::Bool(b) => Some(Literal::from(*b)),
                Found::Status(Some(s)) => Some(Literal::from(i64::from(*s))),
                Found::Status(None) | Found::NotChecked | Found::NotValidated => None,
            };
            if let Some(v) = value {
                out.push(Triple::new(b, DQV_VALUE, v));
            }
        }
        let b = node(self.measurements.len());
        out.push(Triple::new(
            b.clone(),
            DQV_IS_MEASUREMENT_OF,
            NamedNode::new_unchecked(format!("{PV}score")),
        ));
        out.push(Triple::new(
            b.clone(),
            DQV_COMPUTED_ON,
            dataset.into_owned(),
        ));
        out.push(Triple::new(
            b.clone(),
            DQV_VALUE,
            Literal::from(i64::from(self.score)),
        ));
        out.push(Triple::new(
            b,
            PROV_GENERATED_AT,
            Literal::new_typed_literal(time, xsd::DATE_TIME),
        ));
        out
    }

    /// The points of every metric in [`Metric::ALL`] order, space-separated
    /// (the record's meta keeps them, see [`parse_points`]).
    pub fn points(&self) -> String {
        let mut out = String::with_capacity(self.measurements.len() * 3);
        for (i, m) in self.measurements.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            out.push_str(&m.points.to_string());
        }
        out
    }
}

/// The points of [`Quality::points`] by metric; `None` when `s` is not such
/// a list.
pub fn parse_points(s: &str) -> Option<Vec<(Metric, u32)>> {
    let points: Vec<u32> = s
        .split(' ')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    (points.len() == Metric::ALL.len()
        && Metric::ALL
            .iter()
            .zip(&points)
            .all(|(m, p)| *p <= m.weight()))
    .then(|| Metric::ALL.iter().copied().zip(points).collect())
}

/// The high bits of a record's measurement nodes: 120 bits of a hash of the
/// record id, the low 8 bits number the measurements.
fn measurement_base(rid: &str) -> u128 {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(rid.as_bytes());
    let mut bytes = [0u8; 16];
    bytes[..15].copy_from_slice(&digest[..15]);
    u128::from_be_bytes(bytes)
}

/// The DQV namespace (for readers of the stored measurements).
pub const DQV_NS: &str = DQV;

#[cfg(test)]
mod tests;
