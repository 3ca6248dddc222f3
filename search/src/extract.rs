//! From a record's triples to the searchable description of its dataset.
//!
//! Rules (the facet tests count the same way over SPARQL):
//! - title, description, keywords: `dct:title`, `dct:description`,
//!   `dcat:keyword` of the dataset, by language tag (`de*` and untagged →
//!   German analysis, `en*` → English, other tags → plain analysis);
//!   descriptions are stripped of HTML.
//! - publisher: `foaf:name` of the dataset's `dct:publisher` (German, else
//!   untagged, else English, else any name; a literal publisher is its own name).
//! - theme: IRIs (or literal values) of `dcat:theme`.
//! - format: `dct:format` of the distributions: the last path segment of an
//!   IRI, or the literal, trimmed and upper-cased (`…/file-type/CSV` and
//!   `"csv"` are both `CSV`).
//! - license: `dct:license` of the dataset and its distributions (IRI or literal).
//! - geocoding: `dcatde:politicalGeocodingURI` of the dataset (in any of the
//!   DCAT-AP.de namespaces, versioned or not, http or https).
//! - modified: `dct:modified`, else `dct:issued` (xsd:date, xsd:dateTime or a
//!   year); issued: `dct:issued`.
//! - bbox: the union of the bounding boxes of every `dcat:bbox` and
//!   `locn:geometry` (WKT, optionally with a CRS IRI prefix, or GeoJSON) of
//!   the dataset's `dct:spatial` nodes, in lon/lat.
//! - temporal: `dcat:startDate`/`dcat:endDate` (or `schema:startDate`/`endDate`)
//!   of the `dct:temporal` nodes: earliest start, latest end; an open end is
//!   unbounded.

use oxrdf::{Term, Triple};
use std::collections::{BTreeSet, HashMap};

const DCT: &str = "http://purl.org/dc/terms/";
const DCAT: &str = "http://www.w3.org/ns/dcat#";
const DCATAP: &str = "http://data.europa.eu/r5r/";
const FOAF_NAME: &str = "http://xmlns.com/foaf/0.1/name";
const LOCN_GEOMETRY: &str = "http://www.w3.org/ns/locn#geometry";
const SCHEMA: &str = "http://schema.org/";
const SCHEMA_S: &str = "https://schema.org/";

/// A language-tagged (or untagged) text.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Text {
    pub value: String,
    /// Lowercased language tag, empty when untagged.
    pub lang: String,
}

/// Which analyzer a language tag goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    German,
    English,
    Other,
}

impl Text {
    pub fn lang(&self) -> Lang {
        let primary = self.lang.split('-').next().unwrap_or("");
        match primary {
            "" | "de" | "gsw" => Lang::German,
            "en" => Lang::English,
            _ => Lang::Other,
        }
    }
}

/// A bounding box in lon/lat.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    fn of_points(points: &[(f64, f64)]) -> Option<BBox> {
        let valid: Vec<&(f64, f64)> = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if valid.is_empty() {
            return None;
        }
        let mut b = BBox {
            min_lon: f64::INFINITY,
            min_lat: f64::INFINITY,
            max_lon: f64::NEG_INFINITY,
            max_lat: f64::NEG_INFINITY,
        };
        for (x, y) in valid {
            b.min_lon = b.min_lon.min(*x);
            b.max_lon = b.max_lon.max(*x);
            b.min_lat = b.min_lat.min(*y);
            b.max_lat = b.max_lat.max(*y);
        }
        // Coordinates outside lon/lat ranges are a projected CRS: not usable.
        if b.min_lon < -180.0 || b.max_lon > 180.0 || b.min_lat < -90.0 || b.max_lat > 90.0 {
            return None;
        }
        Some(b)
    }

    fn union(self, o: BBox) -> BBox {
        BBox {
            min_lon: self.min_lon.min(o.min_lon),
            min_lat: self.min_lat.min(o.min_lat),
            max_lon: self.max_lon.max(o.max_lon),
            max_lat: self.max_lat.max(o.max_lat),
        }
    }

    /// Whether two boxes intersect (touching counts).
    pub fn intersects(&self, o: &BBox) -> bool {
        self.min_lon <= o.max_lon
            && self.max_lon >= o.min_lon
            && self.min_lat <= o.max_lat
            && self.max_lat >= o.min_lat
    }
}

/// One distribution, for the JSON view.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DistributionView {
    pub iri: Option<String>,
    pub title: Option<String>,
    pub access_url: Vec<String>,
    pub download_url: Vec<String>,
    pub format: Option<String>,
    pub media_type: Option<String>,
    pub license: Option<String>,
}

/// The searchable description of one dataset.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct DatasetDoc {
    pub rid: String,
    pub hash: String,
    pub dataset: String,
    pub source: String,
    pub source_title: String,
    pub titles: Vec<Text>,
    pub descriptions: Vec<Text>,
    pub keywords: Vec<Text>,
    pub publisher: Option<String>,
    pub themes: Vec<String>,
    pub formats: Vec<String>,
    pub licenses: Vec<String>,
    pub geocoding: Vec<String>,
    /// High-value dataset categories (`dcatap:hvdCategory`, IRIs).
    pub hvd_categories: Vec<String>,
    /// Legislation the dataset is published under
    /// (`dcatap:applicableLegislation`, IRIs; the HVD regulation's ELI).
    pub applicable_legislation: Vec<String>,
    /// Unix seconds.
    pub modified: Option<i64>,
    pub issued: Option<i64>,
    pub temporal_start: Option<i64>,
    pub temporal_end: Option<i64>,
    pub has_temporal: bool,
    pub bbox: Option<BBox>,
    /// The metadata quality score (0–405) and its band ("Excellent",
    /// "Good", "Sufficient", "Bad"), when the record was scored. Set by
    /// the caller: the score is not part of the record's graph.
    pub quality: Option<(u32, String)>,
    #[serde(skip)]
    pub distributions: Vec<DistributionView>,
}

impl DatasetDoc {
    /// The display title: German (or untagged) first, then English, then any.
    pub fn title(&self) -> String {
        pick(&self.titles).unwrap_or_else(|| self.dataset.clone())
    }

    /// The display description (HTML already stripped).
    pub fn description(&self) -> String {
        pick(&self.descriptions).unwrap_or_default()
    }

    /// The distinct keyword values (facet values).
    pub fn keyword_values(&self) -> Vec<String> {
        let set: BTreeSet<String> = self.keywords.iter().map(|k| k.value.clone()).collect();
        set.into_iter().collect()
    }
}

fn pick(texts: &[Text]) -> Option<String> {
    let by = |want: Lang, untagged: bool| {
        texts
            .iter()
            .find(|t| t.lang() == want && (untagged == t.lang.is_empty()))
            .map(|t| t.value.clone())
    };
    by(Lang::German, false)
        .or_else(|| by(Lang::German, true))
        .or_else(|| by(Lang::English, false))
        .or_else(|| texts.first().map(|t| t.value.clone()))
}

/// Identity of the record being extracted.
pub struct RecordInfo<'a> {
    pub rid: &'a str,
    pub hash: &'a str,
    pub dataset: &'a str,
    pub source: &'a str,
    pub source_title: &'a str,
}

type Node = String;

fn node_key(t: &Term) -> Option<Node> {
    match t {
        Term::NamedNode(n) => Some(n.as_str().to_owned()),
        Term::BlankNode(b) => Some(format!("_:{}", b.as_str())),
        Term::Literal(_) => None,
    }
}

fn subject_key(s: &oxrdf::NamedOrBlankNode) -> Node {
    match s {
        oxrdf::NamedOrBlankNode::NamedNode(n) => n.as_str().to_owned(),
        oxrdf::NamedOrBlankNode::BlankNode(b) => format!("_:{}", b.as_str()),
    }
}

struct Graph<'a> {
    by_subject: HashMap<Node, Vec<(&'a str, &'a Term)>>,
}

impl<'a> Graph<'a> {
    fn new(triples: &'a [Triple]) -> Self {
        let mut by_subject: HashMap<Node, Vec<(&'a str, &'a Term)>> = HashMap::new();
        for t in triples {
            by_subject
                .entry(subject_key(&t.subject))
                .or_default()
                .push((t.predicate.as_str(), &t.object));
        }
        Self { by_subject }
    }

    fn objects(&self, s: &str, p: &str) -> impl Iterator<Item = &'a Term> + '_ {
        let p = p.to_owned();
        self.by_subject
            .get(s)
            .into_iter()
            .flatten()
            .filter(move |(pp, _)| *pp == p)
            .map(|(_, o)| *o)
    }

    fn texts(&self, s: &str, p: &str) -> Vec<Text> {
        let mut out: Vec<Text> = Vec::new();
        for o in self.objects(s, p) {
            if let Term::Literal(l) = o {
                let value = l.value().trim();
                if value.is_empty() {
                    continue;
                }
                let t = Text {
                    value: crate::analysis::nfc(value),
                    lang: l.language().unwrap_or("").to_ascii_lowercase(),
                };
                if !out.contains(&t) {
                    out.push(t);
                }
            }
        }
        out.sort_by(|a, b| (&a.lang, &a.value).cmp(&(&b.lang, &b.value)));
        out
    }

    fn values(&self, s: &str, p: &str) -> Vec<String> {
        self.objects(s, p)
            .filter_map(|o| match o {
                Term::NamedNode(n) => Some(n.as_str().to_owned()),
                Term::Literal(l) => {
                    let v = l.value().trim();
                    (!v.is_empty()).then(|| crate::analysis::nfc(v))
                }
                Term::BlankNode(_) => None,
            })
            .collect()
    }

    fn first_value(&self, s: &str, p: &str) -> Option<String> {
        let mut v = self.values(s, p);
        v.sort();
        v.into_iter().next()
    }
}

/// Extracts the searchable description of `info.dataset` from a record's triples.
pub fn extract(info: &RecordInfo<'_>, triples: &[Triple]) -> DatasetDoc {
    let g = Graph::new(triples);
    let d = info.dataset;
    let dct = |l: &str| format!("{DCT}{l}");
    let dcat = |l: &str| format!("{DCAT}{l}");
    let mut doc = DatasetDoc {
        rid: info.rid.to_owned(),
        hash: info.hash.to_owned(),
        dataset: d.to_owned(),
        source: info.source.to_owned(),
        source_title: info.source_title.to_owned(),
        titles: g.texts(d, &dct("title")),
        descriptions: g
            .texts(d, &dct("description"))
            .into_iter()
            .map(|t| Text {
                value: strip_html(&t.value),
                lang: t.lang,
            })
            .filter(|t| !t.value.is_empty())
            .collect(),
        keywords: g.texts(d, &dcat("keyword")),
        ..DatasetDoc::default()
    };
    // Publisher name.
    let mut names: Vec<Text> = Vec::new();
    for p in g.objects(d, &dct("publisher")) {
        match p {
            Term::Literal(l) => names.push(Text {
                value: crate::analysis::nfc(l.value().trim()),
                lang: l.language().unwrap_or("").to_ascii_lowercase(),
            }),
            other => {
                if let Some(k) = node_key(other) {
                    names.extend(g.texts(&k, FOAF_NAME));
                }
            }
        }
    }
    names.retain(|n| !n.value.is_empty());
    names.sort_by(|a, b| (&a.lang, &a.value).cmp(&(&b.lang, &b.value)));
    doc.publisher = pick(&names);
    doc.themes = sorted(g.values(d, &dcat("theme")));
    doc.hvd_categories = sorted(g.values(d, &format!("{DCATAP}hvdCategory")));
    doc.applicable_legislation = sorted(g.values(d, &format!("{DCATAP}applicableLegislation")));
    // DCAT-AP.de namespaces come versioned in the wild (`…/dcatde/1.0.1/`,
    // `https://www.dcat-ap.de/def/dcatde/1.1/`): any of them counts.
    let geocoding_predicates: BTreeSet<&str> = g
        .by_subject
        .get(d)
        .into_iter()
        .flatten()
        .map(|(p, _)| *p)
        .filter(|p| p.contains("dcat-ap.de/def/dcatde/") && p.ends_with("/politicalGeocodingURI"))
        .collect();
    doc.geocoding = sorted(
        geocoding_predicates
            .into_iter()
            .flat_map(|p| g.values(d, p))
            .collect(),
    );
    let mut formats = Vec::new();
    let mut licenses = g.values(d, &dct("license"));
    for dist in g.objects(d, &dcat("distribution")) {
        let Some(k) = node_key(dist) else { continue };
        let format = g.first_value(&k, &dct("format")).map(|f| format_label(&f));
        for f in g.values(&k, &dct("format")) {
            formats.push(format_label(&f));
        }
        let license = g.first_value(&k, &dct("license"));
        licenses.extend(g.values(&k, &dct("license")));
        doc.distributions.push(DistributionView {
            iri: dist.is_named_node().then(|| k.clone()),
            title: pick(&g.texts(&k, &dct("title"))),
            access_url: sorted(g.values(&k, &dcat("accessURL"))),
            download_url: sorted(g.values(&k, &dcat("downloadURL"))),
            format,
            media_type: g.first_value(&k, &dcat("mediaType")),
            license,
        });
    }
    formats.retain(|f| !f.is_empty());
    doc.formats = sorted(formats);
    doc.licenses = sorted(licenses);
    doc.issued = g
        .values(d, &dct("issued"))
        .iter()
        .filter_map(|v| parse_date(v))
        .min();
    doc.modified = g
        .values(d, &dct("modified"))
        .iter()
        .filter_map(|v| parse_date(v))
        .max()
        .or(doc.issued);
    // Spatial.
    let mut bbox: Option<BBox> = None;
    for s in g.objects(d, &dct("spatial")) {
        let Some(k) = node_key(s) else { continue };
        for p in [dcat("bbox"), LOCN_GEOMETRY.to_owned()] {
            for o in g.objects(&k, &p) {
                if let Term::Literal(l) = o {
                    if let Some(b) = parse_geometry(l.value()) {
                        bbox = Some(match bbox {
                            Some(a) => a.union(b),
                            None => b,
                        });
                    }
                }
            }
        }
    }
    doc.bbox = bbox;
    // Temporal.
    for t in g.objects(d, &dct("temporal")) {
        let Some(k) = node_key(t) else { continue };
        let starts: Vec<i64> = [
            dcat("startDate"),
            format!("{SCHEMA}startDate"),
            format!("{SCHEMA_S}startDate"),
        ]
        .iter()
        .flat_map(|p| g.values(&k, p))
        .filter_map(|v| parse_date(&v))
        .collect();
        let ends: Vec<i64> = [
            dcat("endDate"),
            format!("{SCHEMA}endDate"),
            format!("{SCHEMA_S}endDate"),
        ]
        .iter()
        .flat_map(|p| g.values(&k, p))
        .filter_map(|v| parse_date(&v))
        .collect();
        if starts.is_empty() && ends.is_empty() {
            continue;
        }
        doc.has_temporal = true;
        if let Some(s) = starts.iter().min() {
            doc.temporal_start = Some(doc.temporal_start.map_or(*s, |x| x.min(*s)));
        }
        if let Some(e) = ends.iter().max() {
            doc.temporal_end = Some(doc.temporal_end.map_or(*e, |x| x.max(*e)));
        }
    }
    doc
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v.dedup();
    v
}

/// The facet label of a `dct:format` value: last path segment of an IRI,
/// or the literal, trimmed and upper-cased.
pub fn format_label(value: &str) -> String {
    let v = value.trim();
    let v = if v.contains("://") {
        v.trim_end_matches('/')
            .rsplit(['/', '#'])
            .next()
            .unwrap_or(v)
    } else {
        v
    };
    v.trim().to_uppercase()
}

/// Parses an xsd:date, xsd:dateTime (with or without zone), gYearMonth or
/// gYear to Unix seconds (UTC; a zone offset is applied).
pub fn parse_date(value: &str) -> Option<i64> {
    let v = value.trim();
    let (date, rest) = match v.find('T') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, ""),
    };
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = match parts.next() {
        Some(m) => m.parse().ok()?,
        None => 1,
    };
    let day: i64 = match parts.next() {
        // A date may carry a zone ("2020-01-01Z", "2020-01-01+02:00").
        Some(d) => d.get(..2)?.parse().ok()?,
        None => 1,
    };
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1..=9999).contains(&year) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if !rest.is_empty() {
        let (time, zone) = match rest.find(['Z', '+', '-']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let mut t = time.split(':');
        let h: i64 = t.next()?.parse().ok()?;
        let m: i64 = t.next().unwrap_or("0").parse().ok()?;
        let s: f64 = t.next().unwrap_or("0").parse().ok()?;
        // Out-of-range parts are no time of day (and would overflow the sum:
        // records and search parameters carry any digits).
        if !(0..=24).contains(&h) || !(0..=59).contains(&m) || !(0.0..61.0).contains(&s) {
            return None;
        }
        seconds += h * 3600 + m * 60 + s as i64;
        if zone.len() >= 6 {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let zh: i64 = zone.get(1..3)?.parse().ok()?;
            let zm: i64 = zone.get(4..6)?.parse().ok()?;
            if !(0..=23).contains(&zh) || !(0..=59).contains(&zm) {
                return None;
            }
            seconds -= sign * (zh * 3600 + zm * 60);
        }
    }
    Some(seconds)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Formats Unix seconds as an ISO date-time (UTC).
pub fn format_time(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// The bounding box of a WKT (optionally prefixed by `<crs IRI>`) or
/// GeoJSON geometry, if it is in lon/lat.
pub fn parse_geometry(value: &str) -> Option<BBox> {
    let v = value.trim();
    if v.starts_with('{') {
        let json: serde_json::Value = serde_json::from_str(v).ok()?;
        let mut points = Vec::new();
        collect_geojson(&json["coordinates"], &mut points);
        if let Some(b) = json.get("bbox").and_then(|b| b.as_array()) {
            let n: Vec<f64> = b.iter().filter_map(|x| x.as_f64()).collect();
            if n.len() == 4 {
                points.push((n[0], n[1]));
                points.push((n[2], n[3]));
            }
        }
        return BBox::of_points(&points);
    }
    let mut rest = v;
    let mut swap = false;
    if rest.starts_with('<') {
        let end = rest.find('>')?;
        let crs = &rest[1..end];
        // EPSG:4326 proper is lat/lon; CRS84 (the WKT default) is lon/lat.
        swap = crs.ends_with("/EPSG/0/4326") && !crs.contains("CRS84");
        rest = &rest[end + 1..];
    }
    let open = rest.find('(')?;
    let numbers: Vec<f64> = rest[open..]
        .split(|c: char| {
            !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e' || c == 'E' || c == '+')
        })
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<f64>())
        .collect::<Result<_, _>>()
        .ok()?;
    // Coordinates come in pairs separated by commas; count the values of the
    // first tuple to skip Z/M values.
    let first_tuple = rest[open..]
        .trim_start_matches('(')
        .split(',')
        .next()
        .unwrap_or("");
    let dims = first_tuple
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|s| !s.is_empty())
        .count()
        .max(2);
    let points: Vec<(f64, f64)> = numbers
        .chunks(dims)
        .filter(|c| c.len() >= 2)
        .map(|c| if swap { (c[1], c[0]) } else { (c[0], c[1]) })
        .collect();
    BBox::of_points(&points)
}

fn collect_geojson(v: &serde_json::Value, out: &mut Vec<(f64, f64)>) {
    if let Some(a) = v.as_array() {
        if a.len() >= 2 && a[0].is_number() && a[1].is_number() {
            if let (Some(x), Some(y)) = (a[0].as_f64(), a[1].as_f64()) {
                out.push((x, y));
            }
        } else {
            for x in a {
                collect_geojson(x, out);
            }
        }
    }
}

/// Removes HTML tags (and script/style content), decodes entities and
/// collapses white space.
pub fn strip_html(text: &str) -> String {
    if !text.contains('<') && !text.contains('&') {
        return collapse(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let lower: String = after
            .chars()
            .take(8)
            .collect::<String>()
            .to_ascii_lowercase();
        let skip_to = if lower.starts_with("<script") {
            find_ci(after, "</script>").map(|e| e + 9)
        } else if lower.starts_with("<style") {
            find_ci(after, "</style>").map(|e| e + 8)
        } else {
            None
        };
        match skip_to {
            Some(e) => {
                out.push(' ');
                rest = &after[e..];
            }
            None => {
                let looks_like_tag = after[1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '!');
                if !looks_like_tag {
                    out.push('<');
                    rest = &after[1..];
                    continue;
                }
                match after.find('>') {
                    Some(e) => {
                        out.push(' ');
                        rest = &after[e + 1..];
                    }
                    None => {
                        rest = "";
                    }
                }
            }
        }
    }
    out.push_str(rest);
    collapse(&decode_entities(&out))
}

fn find_ci(haystack: &str, needle: &str) -> Option<usize> {
    haystack.to_ascii_lowercase().find(needle)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let end = after[1..].find(';').map(|e| e + 1).filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                "auml" => Some('ä'),
                "ouml" => Some('ö'),
                "uuml" => Some('ü'),
                "Auml" => Some('Ä'),
                "Ouml" => Some('Ö'),
                "Uuml" => Some('Ü'),
                "szlig" => Some('ß'),
                "euro" => Some('€'),
                "ndash" => Some('–'),
                "mdash" => Some('—'),
                _ => {
                    if let Some(hex) = name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                        u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
                    } else if let Some(dec) = name.strip_prefix('#') {
                        dec.parse::<u32>().ok().and_then(char::from_u32)
                    } else {
                        None
                    }
                }
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// German and English labels of the EU data themes, indexed with the theme
/// so that "Verkehr" finds datasets of theme `TRAN`.
pub fn theme_labels(iri: &str) -> &'static str {
    let code = iri.rsplit('/').next().unwrap_or(iri);
    match code {
        "AGRI" => "Landwirtschaft Fischerei Forstwirtschaft Nahrungsmittel Agriculture fisheries forestry food",
        "ECON" => "Wirtschaft Finanzen Economy finance",
        "EDUC" => "Bildung Kultur Sport Education culture",
        "ENER" => "Energie Energy",
        "ENVI" => "Umwelt Environment",
        "GOVE" => "Regierung öffentlicher Sektor Verwaltung Government public sector",
        "HEAL" => "Gesundheit Health",
        "INTR" => "Internationale Themen International issues",
        "JUST" => "Justiz Rechtssystem öffentliche Sicherheit Justice legal system public safety",
        "REGI" => "Regionen Städte Regions cities",
        "SOCI" => "Bevölkerung Gesellschaft Population society",
        "TECH" => "Wissenschaft Technologie Science technology",
        "TRAN" => "Verkehr Transport",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_stripped() {
        assert_eq!(
            strip_html("<p>Bäume <b>in</b> Kiel&nbsp;&amp; Umgebung</p><script>x()</script>"),
            "Bäume in Kiel & Umgebung"
        );
        assert_eq!(strip_html("a < b &c"), "a < b &c");
    }

    #[test]
    fn dates() {
        assert_eq!(parse_date("1970-01-02"), Some(86_400));
        assert_eq!(parse_date("2020"), parse_date("2020-01-01"));
        assert_eq!(parse_date("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_date("1970-01-01T00:00:10Z"), Some(10));
        assert_eq!(parse_date("garbage"), None);
        assert_eq!(
            parse_date("2024-02-29T12:00:00.5+01:00"),
            parse_date("2024-02-29T11:00:00Z")
        );
        assert_eq!(format_time(86_400 + 61), "1970-01-02T00:01:01Z");
        assert_eq!(
            format_time(parse_date("2024-02-29T12:00:00Z").unwrap_or(0)),
            "2024-02-29T12:00:00Z"
        );
    }

    /// Found by fuzzing (`fuzz/`, target `search_values`): time parts with
    /// many digits overflowed the sum of seconds (a panic with overflow
    /// checks, a wrong date without). A record's `dct:modified` or a
    /// `modified_since` parameter can carry them.
    #[test]
    fn out_of_range_times_are_no_dates() {
        let long = "3".repeat(80);
        for bad in [
            format!("2024-02-29T12:00:0{long}0.5+01:00"),
            "2024-02-29T12:00:00033333333333333333333".to_owned(),
            "2024-02-29T99999999999999999:00:00Z".to_owned(),
            "2024-02-29T12:99999999999999999:00Z".to_owned(),
            "2024-02-29T25:00:00Z".to_owned(),
            "2024-02-29T12:60:00Z".to_owned(),
            "2024-02-29T12:00:61Z".to_owned(),
            "2024-02-29T12:00:NaN".to_owned(),
            "2024-02-29T12:00:inf".to_owned(),
            "2024-02-29T12:00:00+99:00".to_owned(),
        ] {
            assert_eq!(parse_date(&bad), None, "{bad}");
        }
        assert_eq!(parse_date("2024-02-29T24:00:00Z"), parse_date("2024-03-01"));
        assert_eq!(parse_date("2016-12-31T23:59:60Z"), parse_date("2017-01-01"));
    }

    #[test]
    fn geometries() {
        let b = parse_geometry("POLYGON((9.9 54.3, 10.2 54.3, 10.2 54.5, 9.9 54.5, 9.9 54.3))")
            .unwrap_or(BBox {
                min_lon: 0.0,
                min_lat: 0.0,
                max_lon: 0.0,
                max_lat: 0.0,
            });
        assert_eq!((b.min_lon, b.max_lat), (9.9, 54.5));
        let g = parse_geometry(
            r#"{"type":"Polygon","coordinates":[[[6.0,50.0],[7.0,50.0],[7.0,51.0],[6.0,50.0]]]}"#,
        );
        assert_eq!(g.map(|b| b.max_lat), Some(51.0));
        assert!(parse_geometry("POLYGON((500000 6000000, 510000 6010000))").is_none());
        assert_eq!(
            format_label("http://publications.europa.eu/resource/authority/file-type/CSV"),
            "CSV"
        );
        assert_eq!(format_label(" csv "), "CSV");
    }
}
