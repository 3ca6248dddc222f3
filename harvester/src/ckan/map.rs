//! Mapping one CKAN package (the JSON of `package_show` / a `package_search`
//! result) to a DCAT-AP.de [`Record`]. See the module documentation of
//! [`crate::ckan`] for the table of fields.

use crate::normalize;
use crate::record::{snippet, Record, SourceDefaults};
use crate::vocab::{dcat, dcatap, dcatde, dct, foaf, rdf, vcard, xsd};
use oxrdf::{BlankNode, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use serde_json::{Map, Value};
use url::Url;

macro_rules! iri {
    ($name:ident = $iri:literal) => {
        const $name: NamedNodeRef<'static> = NamedNodeRef::new_unchecked($iri);
    };
}
iri!(ADMS_VERSION_NOTES = "http://www.w3.org/ns/adms#versionNotes");
iri!(RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label");
iri!(SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel");
iri!(LOCN_GEOMETRY = "http://www.w3.org/ns/locn#geometry");
iri!(GSP_GEOJSON = "http://www.opengis.net/ont/geosparql#geoJSONLiteral");
iri!(SPDX_CHECKSUM = "http://spdx.org/rdf/terms#checksum");
iri!(SPDX_CHECKSUM_CLASS = "http://spdx.org/rdf/terms#Checksum");
iri!(SPDX_ALGORITHM = "http://spdx.org/rdf/terms#algorithm");
iri!(SPDX_CHECKSUM_VALUE = "http://spdx.org/rdf/terms#checksumValue");
iri!(XSD_HEX_BINARY = "http://www.w3.org/2001/XMLSchema#hexBinary");
iri!(DCT_STANDARD = "http://purl.org/dc/terms/Standard");
iri!(DCT_RIGHTS_STATEMENT = "http://purl.org/dc/terms/RightsStatement");
iri!(DCT_PROVENANCE_STATEMENT = "http://purl.org/dc/terms/ProvenanceStatement");
iri!(DCATDE_GEOCODING_DESCRIPTION = "http://dcat-ap.de/def/dcatde/geocodingDescription");
iri!(DCATDE_LEGAL_BASIS = "http://dcat-ap.de/def/dcatde/legalBasis");
iri!(DCATDE_QUALITY_PROCESS_URI = "http://dcat-ap.de/def/dcatde/qualityProcessURI");
const POLITICAL_GEOCODING_NS: &str = "http://dcat-ap.de/def/politicalGeocoding/";
iri!(ADMS_IDENTIFIER = "http://www.w3.org/ns/adms#identifier");
iri!(ADMS_IDENTIFIER_CLASS = "http://www.w3.org/ns/adms#Identifier");
iri!(ADMS_SAMPLE = "http://www.w3.org/ns/adms#sample");
iri!(ADMS_STATUS = "http://www.w3.org/ns/adms#status");
iri!(SKOS_NOTATION = "http://www.w3.org/2004/02/skos/core#notation");
iri!(DCT_IS_VERSION_OF = "http://purl.org/dc/terms/isVersionOf");
iri!(DCT_HAS_VERSION = "http://purl.org/dc/terms/hasVersion");
iri!(DCT_TYPE = "http://purl.org/dc/terms/type");
iri!(DCAT_TEMPORAL_RESOLUTION = "http://www.w3.org/ns/dcat#temporalResolution");
iri!(DCAT_COMPRESS_FORMAT = "http://www.w3.org/ns/dcat#compressFormat");
iri!(DCAT_PACKAGE_FORMAT = "http://www.w3.org/ns/dcat#packageFormat");
iri!(DCATAP_AVAILABILITY = "http://data.europa.eu/r5r/availability");
iri!(XSD_DURATION = "http://www.w3.org/2001/XMLSchema#duration");

/// What the mapping needs besides the package.
#[derive(Debug, Clone)]
pub struct MapContext {
    /// The portal's base URL (`https://ckan.example/`), for `{base}/dataset/{name}`.
    pub portal_base: Url,
    /// Defaults from the operator's config.
    pub defaults: SourceDefaults,
    /// The URL of the page the package came from.
    pub page_url: String,
    /// A package mapping to more triples than this is rejected.
    pub max_record_triples: usize,
}

/// Why a package could not be mapped.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{reason}")]
pub struct MapError {
    /// Identifies the package (dataset IRI, id or name, or its position).
    pub record: String,
    /// Why it was rejected.
    pub reason: String,
    /// A short snippet of the package (id, name, title).
    pub snippet: String,
}

/// A short description of a package for error messages.
pub fn package_snippet(pkg: &Value) -> String {
    let mut out = Map::new();
    if let Some(obj) = pkg.as_object() {
        for key in ["id", "name", "title"] {
            if let Some(v) = obj.get(key) {
                out.insert(key.into(), v.clone());
            }
        }
        if out.is_empty() {
            return snippet(&pkg.to_string(), 200);
        }
        return snippet(&Value::Object(out).to_string(), 200);
    }
    snippet(&pkg.to_string(), 200)
}

/// A non-empty trimmed string from a JSON value (numbers and booleans as text).
fn text(v: Option<&Value>) -> Option<String> {
    let s = match v? {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return None,
    };
    (!s.is_empty()).then_some(s)
}

/// A valid absolute http(s) IRI, or `None`.
pub fn http_iri(s: &str) -> Option<NamedNode> {
    let s = s.trim();
    let url = Url::parse(s).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    // Keep the IRI as written when it is valid; else the parsed (escaped) form.
    NamedNode::new(s)
        .ok()
        .or_else(|| NamedNode::new(url.as_str()).ok())
}

/// Any valid absolute IRI (urn:, mailto: …), or `None`.
fn any_iri(s: &str) -> Option<NamedNode> {
    let s = s.trim();
    let (scheme, rest) = s.split_once(':')?;
    if scheme.is_empty()
        || rest.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    NamedNode::new(s).ok()
}

/// ckanext-dcat 2 with ckanext-scheming stores agents, coverage etc. as lists
/// of objects (`publisher: [{name, email, url, identifier}]`): their first
/// entries are read as the flat extras of the legacy profile.
fn scheming_fields(pkg: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    let first = |key: &str| -> Option<&Map<String, Value>> {
        match pkg.get(key)? {
            Value::Array(items) => items.first()?.as_object(),
            Value::Object(o) => Some(o),
            _ => None,
        }
    };
    let as_text = |v: &Value| match v {
        Value::Object(_) | Value::Array(_) => Value::String(v.to_string()),
        other => other.clone(),
    };
    for (list, prefix) in [
        ("publisher", "publisher"),
        ("contact", "contact"),
        ("creator", "creator"),
    ] {
        if let Some(o) = first(list) {
            for (sub, flat) in [
                ("name", "name"),
                ("email", "email"),
                ("url", "url"),
                ("uri", "uri"),
            ] {
                if let Some(v) = o.get(sub) {
                    out.push((format!("{prefix}_{flat}"), v.clone()));
                }
            }
            if let Some(id) = o
                .get("identifier")
                .and_then(Value::as_str)
                .filter(|i| http_iri(i).is_some())
            {
                out.push((format!("{prefix}_uri"), Value::String(id.to_owned())));
            }
        }
    }
    if let Some(o) = first("temporal_coverage") {
        for (sub, flat) in [("start", "temporal_start"), ("end", "temporal_end")] {
            if let Some(v) = o.get(sub) {
                out.push((flat.to_owned(), v.clone()));
            }
        }
    }
    if let Some(o) = first("spatial_coverage") {
        for (sub, flat) in [
            ("geom", "spatial"),
            ("uri", "spatial_uri"),
            ("text", "spatial_text"),
            ("bbox", "spatial_bbox"),
        ] {
            if let Some(v) = o.get(sub) {
                out.push((flat.to_owned(), as_text(v)));
            }
        }
    }
    out
}

/// The package's extras (`[{key, value}]`, or an object as some portals send),
/// then the flattened ckanext-scheming fields.
fn extras_of(pkg: &Map<String, Value>) -> Vec<(String, Value)> {
    let mut extras = plain_extras(pkg);
    extras.extend(scheming_fields(pkg));
    extras
}

fn plain_extras(pkg: &Map<String, Value>) -> Vec<(String, Value)> {
    match pkg.get("extras") {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|e| {
                let key = text(e.get("key"))?;
                Some((key, e.get("value").cloned().unwrap_or(Value::Null)))
            })
            .collect(),
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        _ => Vec::new(),
    }
}

/// Looks a field up at the top level (ckanext-scheming) and then in the extras.
struct Fields<'a> {
    pkg: &'a Map<String, Value>,
    extras: Vec<(String, Value)>,
}

impl Fields<'_> {
    fn raw(&self, key: &str) -> Option<&Value> {
        match self.pkg.get(key) {
            Some(v) if !v.is_null() && v.as_str().is_none_or(|s| !s.trim().is_empty()) => Some(v),
            _ => self
                .extras
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v)
                .filter(|v| !v.is_null()),
        }
    }

    fn text(&self, key: &str) -> Option<String> {
        text(self.raw(key))
    }

    /// The first of several keys that has a value.
    fn first(&self, keys: &[&str]) -> Option<String> {
        keys.iter().find_map(|k| self.text(k))
    }

    /// A list value: a JSON array, a JSON-encoded array in a string, or a
    /// comma-separated string (as ckanext-dcat reads them).
    fn list(&self, key: &str) -> Vec<String> {
        list_value(self.raw(key))
    }
}

fn list_value(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        Some(Value::String(s)) => {
            let s = s.trim();
            if s.starts_with('[') {
                if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s) {
                    return items.iter().filter_map(|i| text(Some(i))).collect();
                }
            }
            s.split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect()
        }
        Some(other) => text(Some(other)).into_iter().collect(),
        None => Vec::new(),
    }
}

/// Free-text values: a JSON array, a JSON-encoded array in a string, or
/// one text (never split at commas).
fn text_list(v: Option<&Value>) -> Vec<String> {
    if let Some(Value::String(s)) = v {
        if s.trim().starts_with('[') {
            if let Ok(Value::Array(items)) = serde_json::from_str::<Value>(s.trim()) {
                return items.iter().filter_map(|i| text(Some(i))).collect();
            }
        }
    }
    match v {
        Some(Value::Array(items)) => items.iter().filter_map(|i| text(Some(i))).collect(),
        other => text(other).into_iter().collect(),
    }
}

/// A distribution status as DCAT-AP.de wants it (the EU distribution-status
/// vocabulary): EU IRIs as given, the ADMS status IRIs of DCAT-AP 2
/// (`http://purl.org/adms/status/Completed`) and bare codes translated.
fn distribution_status(v: &str) -> Option<NamedNode> {
    const EU: &str = "http://publications.europa.eu/resource/authority/distribution-status/";
    if v.starts_with(EU) {
        return http_iri(v);
    }
    let code = v.trim().rsplit('/').next().unwrap_or("");
    let eu = match code.to_ascii_lowercase().as_str() {
        "completed" => "COMPLETED",
        "deprecated" => "DEPRECATED",
        "underdevelopment" | "develop" => "DEVELOP",
        "withdrawn" => "WITHDRAWN",
        _ => return None,
    };
    NamedNode::new(format!("{EU}{eu}")).ok()
}

/// The IRI of a package's dataset: the `uri` extra when it is a valid absolute
/// http(s) IRI, else `{portal base}/dataset/{name}` (the id when there is no name).
pub fn dataset_iri(
    uri: Option<&str>,
    name: Option<&str>,
    id: Option<&str>,
    portal_base: &Url,
) -> Option<NamedNode> {
    if let Some(n) = uri.and_then(http_iri) {
        return Some(n);
    }
    let slug = name
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .or(id.map(str::trim).filter(|s| !s.is_empty()))?;
    let base = portal_base.as_str().trim_end_matches('/');
    let encoded: String =
        percent_encoding::utf8_percent_encode(slug, percent_encoding::NON_ALPHANUMERIC)
            .to_string()
            // keep the characters CKAN slugs are made of readable
            .replace("%2D", "-")
            .replace("%5F", "_");
    NamedNode::new(format!("{base}/dataset/{encoded}")).ok()
}

/// The dataset IRI of a package as found in a listing (full dict, or the
/// `fl=id,name,extras_uri` form).
pub fn dataset_iri_of_package(pkg: &Value, portal_base: &Url) -> Option<NamedNode> {
    let obj = pkg.as_object()?;
    let extras = extras_of(obj);
    let uri = text(obj.get("extras_uri")).or_else(|| {
        extras
            .iter()
            .find(|(k, _)| k == "uri")
            .and_then(|(_, v)| text(Some(v)))
    });
    dataset_iri(
        uri.as_deref(),
        text(obj.get("name")).as_deref(),
        text(obj.get("id")).as_deref(),
        portal_base,
    )
}

/// Collects triples under a bound.
struct Graph {
    triples: Vec<Triple>,
    limit: usize,
}

#[derive(Debug)]
struct TooLarge;

impl Graph {
    fn add(
        &mut self,
        s: impl Into<NamedOrBlankNode>,
        p: NamedNodeRef<'_>,
        o: impl Into<Term>,
    ) -> Result<(), TooLarge> {
        if self.triples.len() >= self.limit {
            return Err(TooLarge);
        }
        self.triples.push(Triple::new(s, p, o));
        Ok(())
    }

    fn lit(&mut self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>, v: &str) -> Result<(), TooLarge> {
        self.add(s.clone(), p, Literal::new_simple_literal(v))
    }

    fn has(&self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>) -> bool {
        self.triples
            .iter()
            .any(|t| &t.subject == s && t.predicate.as_ref() == p)
    }
}

/// A date or dateTime literal typed by its lexical form, or `None` when the
/// value is neither (it is then left out: DCAT-AP.de wants typed dates).
///
/// The value is kept exactly as CKAN gives it (CKAN's timestamps have no time
/// zone; `xsd:dateTime` allows that). A space between date and time is the
/// only thing repaired (`2020-01-06 12:00:00` → `2020-01-06T12:00:00`).
pub fn date_literal(value: &str) -> Option<Literal> {
    let v = value.trim();
    let b = v.as_bytes();
    let d = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let is_date = b.len() >= 10
        && (0..4).all(d)
        && b[4] == b'-'
        && d(5)
        && d(6)
        && b[7] == b'-'
        && d(8)
        && d(9);
    if !is_date {
        return None;
    }
    let rest = &v[10..];
    let tz_ok = |t: &str| {
        t.is_empty()
            || t == "Z"
            || (t.len() == 6
                && (t.starts_with('+') || t.starts_with('-'))
                && t[1..3].chars().all(|c| c.is_ascii_digit())
                && &t[3..4] == ":"
                && t[4..].chars().all(|c| c.is_ascii_digit()))
    };
    if rest.is_empty() || tz_ok(rest) {
        return Some(Literal::new_typed_literal(v, xsd::DATE));
    }
    let (sep, time) = rest.split_at(1);
    if sep != "T" && sep != " " {
        return None;
    }
    let tb = time.as_bytes();
    let t = |i: usize| tb.get(i).is_some_and(u8::is_ascii_digit);
    if !(tb.len() >= 8
        && t(0)
        && t(1)
        && tb[2] == b':'
        && t(3)
        && t(4)
        && tb[5] == b':'
        && t(6)
        && t(7))
    {
        return None;
    }
    let mut tail = &time[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        let n = frac.chars().take_while(char::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        tail = &frac[n..];
    }
    if !tz_ok(tail) {
        return None;
    }
    Some(Literal::new_typed_literal(
        format!("{}T{}", &v[..10], time),
        xsd::DATE_TIME,
    ))
}

/// An e-mail address as a `mailto:` IRI (a `mailto:` prefix in the input is accepted).
fn mailto(email: &str) -> Option<NamedNode> {
    let e = email.trim();
    let e = e
        .strip_prefix("mailto:")
        .or_else(|| e.strip_prefix("MAILTO:"))
        .unwrap_or(e)
        .trim();
    let (local, domain) = e.split_once('@')?;
    if local.is_empty()
        || domain.is_empty()
        || !domain.contains('.')
        || e.chars()
            .any(|c| c.is_whitespace() || "<>\"{}|\\^`".contains(c))
    {
        return None;
    }
    NamedNode::new(format!("mailto:{e}")).ok()
}

/// A byte size: a non-negative integer (also as a string, or a float with no fraction).
fn byte_size(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| *f >= 0.0 && f.fract() == 0.0 && *f < 9.0e15)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }
}

/// Whether a URL names a file (an extension of a known file type other than
/// web pages): such URLs are also `dcat:downloadURL`s.
fn looks_like_file(url: &str) -> bool {
    let Ok(parsed) = Url::parse(url) else {
        return false;
    };
    let last = parsed.path().rsplit('/').next().unwrap_or("");
    let Some((_, ext)) = last.rsplit_once('.') else {
        return false;
    };
    if ext.is_empty() || ext.len() > 8 {
        return false;
    }
    match normalize::file_type(&format!(".{ext}")) {
        Some(ft) => !matches!(
            ft.code.as_str(),
            "HTML" | "XHTML" | "HTML_SIMPL" | "XHTML_SIMPL"
        ),
        None => false,
    }
}

/// The SPDX algorithm of a checksum: given (IRI or name) or guessed from its length.
fn checksum_algorithm(hash: &str, given: Option<&str>) -> Option<NamedNode> {
    const NS: &str = "http://spdx.org/rdf/terms#checksumAlgorithm_";
    if let Some(g) = given {
        if let Some(n) = http_iri(g) {
            return Some(n);
        }
        let name: String = g
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>()
            .to_ascii_lowercase();
        if !name.is_empty() {
            return NamedNode::new(format!("{NS}{name}")).ok();
        }
    }
    let name = match hash.len() {
        32 => "md5",
        40 => "sha1",
        64 => "sha256",
        128 => "sha512",
        _ => return None,
    };
    NamedNode::new(format!("{NS}{name}")).ok()
}

/// Builds the licence term of a `license_id`/`license_url`/`license_title`
/// triple, adding a `dct:LicenseDocument` description for unknown licences.
/// Returns `None` when there is no licence information (or it says "not specified").
fn license_term(
    g: &mut Graph,
    id: Option<&str>,
    url: Option<&str>,
    title: Option<&str>,
) -> Result<Option<Term>, TooLarge> {
    let id = id.filter(|i| !i.eq_ignore_ascii_case("notspecified"));
    for candidate in [id, url, title].into_iter().flatten() {
        if let Some(iri) = normalize::license(candidate).and_then(|i| NamedNode::new(i).ok()) {
            return Ok(Some(iri.into()));
        }
    }
    if id.is_none() && url.is_none() {
        return Ok(None);
    }
    let node: NamedOrBlankNode = match url.and_then(http_iri).or_else(|| id.and_then(http_iri)) {
        Some(n) => n.into(),
        None => BlankNode::default().into(),
    };
    g.add(node.clone(), rdf::TYPE, dct::LICENSE_DOCUMENT)?;
    if let Some(label) = title.or(id) {
        g.lit(&node, RDFS_LABEL, label)?;
        g.lit(&node, dct::TITLE, label)?;
    }
    Ok(Some(node.into()))
}

/// Maps one package to a record.
pub fn map_package(pkg: &Value, ctx: &MapContext) -> Result<Record, MapError> {
    let err = |record: String, reason: String| MapError {
        record,
        reason,
        snippet: package_snippet(pkg),
    };
    let Some(obj) = pkg.as_object() else {
        return Err(err(
            "(not an object)".into(),
            format!("package is not a JSON object but {}", json_kind(pkg)),
        ));
    };
    let f = Fields {
        pkg: obj,
        extras: extras_of(obj),
    };
    let id = text(obj.get("id"));
    let name = text(obj.get("name"));
    let who = id
        .clone()
        .or_else(|| name.clone())
        .unwrap_or_else(|| "(package without id and name)".into());
    if id.is_none() && name.is_none() {
        return Err(err(who, "package has neither an id nor a name".into()));
    }
    let Some(ds) = dataset_iri(
        f.text("uri").as_deref(),
        name.as_deref(),
        id.as_deref(),
        &ctx.portal_base,
    ) else {
        return Err(err(
            who,
            "cannot build a dataset IRI from the uri extra, name or id".into(),
        ));
    };
    let mut g = Graph {
        triples: Vec::new(),
        limit: ctx.max_record_triples,
    };
    match build(&mut g, &ds, obj, &f, id.as_deref(), ctx) {
        Ok(()) => Ok(Record {
            dataset: ds,
            triples: g.triples,
            page_url: ctx.page_url.clone(),
            minted: false,
        }),
        Err(TooLarge) => {
            let tags = obj
                .get("tags")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let resources = obj
                .get("resources")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            Err(err(
                ds.as_str().to_owned(),
                format!(
                    "package maps to more than {} triples (harvest.max_record_triples); it has {tags} \
                     tags, {resources} resources and {} extras",
                    ctx.max_record_triples,
                    f.extras.len()
                ),
            ))
        }
    }
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn build(
    g: &mut Graph,
    ds_node: &NamedNode,
    obj: &Map<String, Value>,
    f: &Fields<'_>,
    id: Option<&str>,
    ctx: &MapContext,
) -> Result<(), TooLarge> {
    let ds: NamedOrBlankNode = ds_node.clone().into();
    // ckanext-dcat's dataset series are packages of type `dataset_series`.
    let class = if text(obj.get("type")).as_deref() == Some("dataset_series") {
        dcat::DATASET_SERIES
    } else {
        dcat::DATASET
    };
    g.add(ds.clone(), rdf::TYPE, class)?;
    if let Some(title) = text(obj.get("title")).or_else(|| text(obj.get("name"))) {
        g.lit(&ds, dct::TITLE, &title)?;
    }
    if let Some(notes) = text(obj.get("notes")) {
        g.lit(&ds, dct::DESCRIPTION, &notes)?;
    }
    if let Some(identifier) = f.first(&["identifier", "guid"]).or(id.map(str::to_owned)) {
        g.lit(&ds, dct::IDENTIFIER, &identifier)?;
    }

    // Keywords: tags as objects ({name}) or plain strings.
    if let Some(Value::Array(tags)) = obj.get("tags") {
        for tag in tags {
            let word = match tag {
                Value::Object(t) => text(t.get("name")).or_else(|| text(t.get("display_name"))),
                other => text(Some(other)),
            };
            if let Some(word) = word {
                g.lit(&ds, dcat::KEYWORD, &word)?;
            }
        }
    } else if let Some(Value::String(s)) = obj.get("tags") {
        for word in s.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            g.lit(&ds, dcat::KEYWORD, word)?;
        }
    }

    // Themes: groups (GovData categories, EU codes) and the theme field/extra.
    let mut themes: Vec<NamedNode> = Vec::new();
    if let Some(Value::Array(groups)) = obj.get("groups") {
        for group in groups {
            let candidates: Vec<String> = match group {
                Value::Object(gr) => ["name", "id", "title", "display_name"]
                    .iter()
                    .filter_map(|k| text(gr.get(*k)))
                    .collect(),
                other => text(Some(other)).into_iter().collect(),
            };
            if let Some(found) = candidates
                .iter()
                .map(|c| normalize::themes(c))
                .find(|t| !t.is_empty())
            {
                themes.extend(found.into_iter().filter_map(|t| NamedNode::new(t).ok()));
            }
        }
    }
    for theme in f.list("theme") {
        let found = normalize::themes(&theme);
        if found.is_empty() {
            if let Some(n) = http_iri(&theme) {
                themes.push(n);
            }
        } else {
            themes.extend(found.into_iter().filter_map(|t| NamedNode::new(t).ok()));
        }
    }
    let mut seen = std::collections::HashSet::new();
    for t in themes {
        if seen.insert(t.as_str().to_owned()) {
            g.add(ds.clone(), dcat::THEME, t)?;
        }
    }

    // Dates: the DCAT extras win over CKAN's own timestamps (as ckanext-dcat does).
    if let Some(l) = f
        .first(&["issued"])
        .or_else(|| text(obj.get("metadata_created")))
        .and_then(|v| date_literal(&v))
    {
        g.add(ds.clone(), dct::ISSUED, l)?;
    }
    if let Some(l) = f
        .first(&["modified"])
        .or_else(|| text(obj.get("metadata_modified")))
        .and_then(|v| date_literal(&v))
    {
        g.add(ds.clone(), dct::MODIFIED, l)?;
    }

    if let Some(url) = text(obj.get("url")).as_deref().and_then(http_iri) {
        g.add(ds.clone(), dcat::LANDING_PAGE, url)?;
    }
    // DCAT-AP 3 and DCAT-AP.de 3 (which deprecates `owl:versionInfo`).
    if let Some(version) = text(obj.get("version")) {
        g.lit(&ds, dcat::VERSION, &version)?;
    }
    if let Some(notes) = f.text("version_notes") {
        g.lit(&ds, ADMS_VERSION_NOTES, &notes)?;
    }

    // Licence.
    let license = license_term(
        g,
        text(obj.get("license_id")).as_deref(),
        text(obj.get("license_url")).as_deref(),
        text(obj.get("license_title")).as_deref(),
    )?;
    if let Some(l) = &license {
        g.add(ds.clone(), dct::LICENSE, l.clone())?;
    }

    map_agents(g, &ds, obj, f)?;
    map_extras(g, &ds, f)?;

    // Defaults from the config fill what the package lacks.
    let d = &ctx.defaults;
    if !g.has(&ds, dcatde::CONTRIBUTOR_ID) {
        if let Some(c) = d.contributor_id.as_deref().and_then(any_iri) {
            g.add(ds.clone(), dcatde::CONTRIBUTOR_ID, c)?;
        }
    }
    if !g.has(&ds, dcatde::POLITICAL_GEOCODING_URI) {
        if let Some(c) = d.geocoding.as_deref().and_then(any_iri) {
            g.add(ds.clone(), dcatde::POLITICAL_GEOCODING_URI, c)?;
        }
    }
    if !g.has(&ds, dct::PUBLISHER) && (d.publisher_iri.is_some() || d.publisher_name.is_some()) {
        let node: NamedOrBlankNode = match d.publisher_iri.as_deref().and_then(any_iri) {
            Some(n) => n.into(),
            None => BlankNode::default().into(),
        };
        g.add(ds.clone(), dct::PUBLISHER, node.clone())?;
        g.add(node.clone(), rdf::TYPE, foaf::AGENT)?;
        if let Some(name) = d.publisher_name.as_deref() {
            g.lit(&node, foaf::NAME, name)?;
        }
    }

    // Distributions.
    let attribution = f.text("licenseAttributionByText");
    if let Some(Value::Array(resources)) = obj.get("resources") {
        for (index, res) in resources.iter().enumerate() {
            if let Value::Object(r) = res {
                map_resource(
                    g,
                    &ds,
                    ds_node,
                    r,
                    index,
                    license.as_ref(),
                    attribution.as_deref(),
                )?;
            }
        }
    }
    Ok(())
}

fn map_agents(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    obj: &Map<String, Value>,
    f: &Fields<'_>,
) -> Result<(), TooLarge> {
    // Publisher: the publisher_* extras (ckanext-dcat), else the organization.
    let org = obj.get("organization").and_then(Value::as_object);
    let pub_name = f
        .text("publisher_name")
        .or_else(|| org.and_then(|o| text(o.get("title")).or_else(|| text(o.get("name")))));
    let pub_uri = f.text("publisher_uri").as_deref().and_then(http_iri);
    if pub_name.is_some() || pub_uri.is_some() {
        let node: NamedOrBlankNode = match pub_uri {
            Some(n) => n.into(),
            None => BlankNode::default().into(),
        };
        g.add(ds.clone(), dct::PUBLISHER, node.clone())?;
        g.add(node.clone(), rdf::TYPE, foaf::AGENT)?;
        if let Some(name) = pub_name {
            g.lit(&node, foaf::NAME, &name)?;
        }
        if let Some(mail) = f.text("publisher_email").as_deref().and_then(mailto) {
            g.add(node.clone(), foaf::MBOX, mail)?;
        }
        if let Some(home) = f.first(&["publisher_url"]).as_deref().and_then(http_iri) {
            g.add(node.clone(), foaf::HOMEPAGE, home)?;
        }
    }

    // Contact point: contact_* extras, else maintainer, else author.
    let (c_name, c_email, c_uri) = if f.text("contact_name").is_some()
        || f.text("contact_email").is_some()
    {
        (
            f.text("contact_name"),
            f.text("contact_email"),
            f.text("contact_uri"),
        )
    } else if text(obj.get("maintainer")).is_some() || text(obj.get("maintainer_email")).is_some() {
        (
            text(obj.get("maintainer")),
            text(obj.get("maintainer_email")),
            None,
        )
    } else {
        (text(obj.get("author")), text(obj.get("author_email")), None)
    };
    let c_mail = c_email.as_deref().and_then(mailto);
    if c_name.is_some() || c_mail.is_some() {
        let node: NamedOrBlankNode = match c_uri.as_deref().and_then(http_iri) {
            Some(n) => n.into(),
            None => BlankNode::default().into(),
        };
        g.add(ds.clone(), dcat::CONTACT_POINT, node.clone())?;
        g.add(node.clone(), rdf::TYPE, vcard::ORGANIZATION)?;
        if let Some(n) = &c_name {
            g.lit(&node, vcard::FN, n)?;
        }
        if let Some(m) = c_mail {
            g.add(node.clone(), vcard::HAS_EMAIL, m)?;
        }
    }

    // dct:creator (author) and dcatde:maintainer (maintainer), as ckanext-dcatde.
    for (name_key, email_key, property) in [
        ("author", "author_email", dct::CREATOR),
        ("maintainer", "maintainer_email", dcatde::MAINTAINER),
    ] {
        let (fallback_name, fallback_email) = if name_key == "author" {
            (f.text("creator_name"), f.text("creator_email"))
        } else {
            (None, None)
        };
        let name = text(obj.get(name_key)).or(fallback_name);
        let mail = text(obj.get(email_key))
            .or(fallback_email)
            .as_deref()
            .and_then(mailto);
        if name.is_none() && mail.is_none() {
            continue;
        }
        let node: NamedOrBlankNode = BlankNode::default().into();
        g.add(ds.clone(), property, node.clone())?;
        g.add(node.clone(), rdf::TYPE, foaf::AGENT)?;
        if let Some(n) = name {
            g.lit(&node, foaf::NAME, &n)?;
        }
        if let Some(m) = mail {
            g.add(node.clone(), foaf::MBOX, m)?;
        }
    }
    Ok(())
}

/// `s property <value>` for an http IRI, else `s property [ a class ;
/// rdfs:label value ]`.
fn iri_or_labelled(
    g: &mut Graph,
    s: &NamedOrBlankNode,
    property: NamedNodeRef<'_>,
    class: NamedNodeRef<'_>,
    value: &str,
) -> Result<(), TooLarge> {
    match http_iri(value) {
        Some(n) => g.add(s.clone(), property, n),
        None => {
            let node: NamedOrBlankNode = BlankNode::default().into();
            g.add(s.clone(), property, node.clone())?;
            g.add(node.clone(), rdf::TYPE, class)?;
            g.lit(&node, RDFS_LABEL, value)
        }
    }
}

fn map_extras(g: &mut Graph, ds: &NamedOrBlankNode, f: &Fields<'_>) -> Result<(), TooLarge> {
    // Spatial: one dct:Location with the GeoJSON geometry, the spatial_uri and spatial_text.
    let geometry = f.text("spatial").filter(|s| {
        serde_json::from_str::<Value>(s)
            .ok()
            .is_some_and(|v| v.get("type").is_some())
    });
    let spatial_uri = f.text("spatial_uri").as_deref().and_then(http_iri);
    let spatial_text = f.text("spatial_text");
    let bbox = f.text("spatial_bbox");
    if geometry.is_some() || spatial_uri.is_some() || bbox.is_some() {
        let node: NamedOrBlankNode = match spatial_uri {
            Some(n) => n.into(),
            None => BlankNode::default().into(),
        };
        g.add(ds.clone(), dct::SPATIAL, node.clone())?;
        g.add(node.clone(), rdf::TYPE, dct::LOCATION)?;
        if let Some(geo) = geometry {
            g.add(
                node.clone(),
                LOCN_GEOMETRY,
                Literal::new_typed_literal(geo, GSP_GEOJSON),
            )?;
        }
        if let Some(b) = bbox {
            g.add(
                node.clone(),
                dcat::BBOX,
                Literal::new_typed_literal(b, GSP_GEOJSON),
            )?;
        }
        if let Some(t) = spatial_text {
            g.lit(&node, SKOS_PREF_LABEL, &t)?;
        }
    }

    // Temporal coverage.
    let start = f.text("temporal_start").as_deref().and_then(date_literal);
    let end = f.text("temporal_end").as_deref().and_then(date_literal);
    if start.is_some() || end.is_some() {
        let node: NamedOrBlankNode = BlankNode::default().into();
        g.add(ds.clone(), dct::TEMPORAL, node.clone())?;
        g.add(node.clone(), rdf::TYPE, dct::PERIOD_OF_TIME)?;
        if let Some(s) = start {
            g.add(node.clone(), dcat::START_DATE, s)?;
        }
        if let Some(e) = end {
            g.add(node.clone(), dcat::END_DATE, e)?;
        }
    }

    if let Some(freq) = f.first(&["frequency", "accrual_periodicity", "frequency-of-update"]) {
        if let Some(n) = normalize::frequency(&freq)
            .and_then(|i| NamedNode::new(i).ok())
            .or_else(|| http_iri(&freq))
        {
            g.add(ds.clone(), dct::ACCRUAL_PERIODICITY, n)?;
        }
    }
    for lang in f.list("language") {
        if let Some(n) = normalize::language(&lang)
            .and_then(|i| NamedNode::new(i).ok())
            .or_else(|| http_iri(&lang))
        {
            g.add(ds.clone(), dct::LANGUAGE, n)?;
        }
    }
    for standard in f.list("conforms_to") {
        iri_or_labelled(g, ds, dct::CONFORMS_TO, DCT_STANDARD, &standard)?;
    }
    for (key, class, property) in [
        ("access_rights", DCT_RIGHTS_STATEMENT, dct::ACCESS_RIGHTS),
        ("provenance", DCT_PROVENANCE_STATEMENT, dct::PROVENANCE),
    ] {
        if let Some(v) = f.text(key) {
            iri_or_labelled(g, ds, property, class, &v)?;
        }
    }
    for doc in f.list("documentation") {
        if let Some(n) = http_iri(&doc) {
            g.add(ds.clone(), foaf::PAGE, n)?;
        }
    }
    // DCAT-AP.de extras (GovData / ckanext-dcatde names).
    for (keys, property) in [
        (
            &["contributorID", "contributor_id"][..],
            dcatde::CONTRIBUTOR_ID,
        ),
        (
            &["politicalGeocodingURI", "political_geocoding_uri"][..],
            dcatde::POLITICAL_GEOCODING_URI,
        ),
        (
            &[
                "politicalGeocodingLevelURI",
                "political_geocoding_level_uri",
            ][..],
            dcatde::POLITICAL_GEOCODING_LEVEL_URI,
        ),
        (&["qualityProcessURI"][..], DCATDE_QUALITY_PROCESS_URI),
    ] {
        for key in keys {
            for v in f.list(key) {
                if let Some(n) = any_iri(&v) {
                    g.add(ds.clone(), property, n)?;
                }
            }
        }
    }
    // A spatial_uri from the DCAT-AP.de geocoding lists is the political
    // geocoding too (as ckanext-dcatde states it), unless one is given.
    if let Some(uri) = f.text("spatial_uri").as_deref().and_then(http_iri) {
        if uri.as_str().starts_with(POLITICAL_GEOCODING_NS)
            && !g.has(ds, dcatde::POLITICAL_GEOCODING_URI)
        {
            g.add(ds.clone(), dcatde::POLITICAL_GEOCODING_URI, uri)?;
        }
    }
    // ckanext-dcat's DCAT-AP 3 fields that hold IRIs.
    for (key, property) in [
        ("is_version_of", DCT_IS_VERSION_OF),
        ("has_version", DCT_HAS_VERSION),
        ("source", dct::SOURCE),
        ("sample", ADMS_SAMPLE),
        ("dcat_type", DCT_TYPE),
    ] {
        for v in f.list(key) {
            if let Some(n) = http_iri(&v) {
                g.add(ds.clone(), property, n)?;
            }
        }
    }
    for id in f.list("alternate_identifier") {
        let node: NamedOrBlankNode = BlankNode::default().into();
        g.add(ds.clone(), ADMS_IDENTIFIER, node.clone())?;
        g.add(node.clone(), rdf::TYPE, ADMS_IDENTIFIER_CLASS)?;
        g.lit(&node, SKOS_NOTATION, &id)?;
    }
    for v in f.list("spatial_resolution_in_meters") {
        if v.parse::<f64>().is_ok_and(|m| m.is_finite() && m >= 0.0) {
            g.add(
                ds.clone(),
                dcat::SPATIAL_RESOLUTION_IN_METERS,
                Literal::new_typed_literal(v, xsd::DECIMAL),
            )?;
        }
    }
    for v in f.list("temporal_resolution") {
        if v.starts_with('P') && v.len() > 1 && !v.contains(char::is_whitespace) {
            g.add(
                ds.clone(),
                DCAT_TEMPORAL_RESOLUTION,
                Literal::new_typed_literal(v, XSD_DURATION),
            )?;
        }
    }
    // High-Value Datasets (ckanext-dcat's DCAT-AP 3 fields).
    for (key, property) in [
        ("applicable_legislation", dcatap::APPLICABLE_LEGISLATION),
        ("hvd_category", dcatap::HVD_CATEGORY),
    ] {
        for v in f.list(key) {
            if let Some(n) = http_iri(&v) {
                g.add(ds.clone(), property, n)?;
            }
        }
    }
    // Free text that GovData writes as a JSON list of strings: one literal
    // per item; other text is one literal as given (commas are prose here).
    for (key, property) in [
        ("geocodingText", DCATDE_GEOCODING_DESCRIPTION),
        ("legalbasisText", DCATDE_LEGAL_BASIS),
    ] {
        for v in text_list(f.raw(key)) {
            g.lit(ds, property, &v)?;
        }
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn map_resource(
    g: &mut Graph,
    ds: &NamedOrBlankNode,
    ds_iri: &NamedNode,
    r: &Map<String, Value>,
    index: usize,
    dataset_license: Option<&Term>,
    attribution: Option<&str>,
) -> Result<(), TooLarge> {
    let res_id = text(r.get("id"));
    let node: NamedOrBlankNode = match text(r.get("uri")).as_deref().and_then(http_iri) {
        Some(n) => n.into(),
        None => match res_id.as_deref().and_then(|rid| {
            let enc =
                percent_encoding::utf8_percent_encode(rid, percent_encoding::NON_ALPHANUMERIC)
                    .to_string()
                    .replace("%2D", "-")
                    .replace("%5F", "_");
            NamedNode::new(format!("{}/resource/{enc}", ds_iri.as_str())).ok()
        }) {
            Some(n) => n.into(),
            None => {
                let _ = index;
                BlankNode::default().into()
            }
        },
    };
    g.add(ds.clone(), dcat::DISTRIBUTION_LINK, node.clone())?;
    g.add(node.clone(), rdf::TYPE, dcat::DISTRIBUTION)?;
    let url = text(r.get("url"));
    let access = text(r.get("access_url")).or_else(|| url.clone());
    if let Some(a) = access.as_deref().and_then(http_iri) {
        g.add(node.clone(), dcat::ACCESS_URL, a)?;
    }
    let download = text(r.get("download_url"))
        .as_deref()
        .and_then(http_iri)
        .or_else(|| {
            let u = url.as_deref()?;
            let upload = text(r.get("url_type")).as_deref() == Some("upload");
            (upload || looks_like_file(u))
                .then(|| http_iri(u))
                .flatten()
        });
    if let Some(d) = download {
        g.add(node.clone(), dcat::DOWNLOAD_URL, d)?;
    }
    if let Some(title) = text(r.get("name")) {
        g.lit(&node, dct::TITLE, &title)?;
    }
    if let Some(desc) = text(r.get("description")) {
        g.lit(&node, dct::DESCRIPTION, &desc)?;
    }
    // ckanext-dcat's DCAT-AP 3 resource fields.
    if let Some(status) = text(r.get("status"))
        .as_deref()
        .and_then(distribution_status)
    {
        g.add(node.clone(), ADMS_STATUS, status)?;
    }
    for (key, property) in [
        ("availability", DCATAP_AVAILABILITY),
        ("compress_format", DCAT_COMPRESS_FORMAT),
        ("package_format", DCAT_PACKAGE_FORMAT),
        ("conforms_to", dct::CONFORMS_TO),
        ("documentation", foaf::PAGE),
        ("applicable_legislation", dcatap::APPLICABLE_LEGISLATION),
    ] {
        for v in list_value(r.get(key)) {
            if let Some(n) = http_iri(&v) {
                g.add(node.clone(), property, n)?;
            }
        }
    }
    if let Some(rights) = text(r.get("rights")) {
        iri_or_labelled(g, &node, dct::RIGHTS, DCT_RIGHTS_STATEMENT, &rights)?;
    }
    // Format: the format field, else the URL's extension.
    let file_type = text(r.get("format"))
        .as_deref()
        .and_then(normalize::file_type)
        .or_else(|| {
            if text(r.get("format")).is_none() {
                url.as_deref()
                    .filter(|u| looks_like_file(u))
                    .and_then(normalize::file_type)
            } else {
                None
            }
        });
    // "Excel", "Word", "PowerPoint" name the application, not the version:
    // the file's extension tells XLS from XLSX.
    let file_type = match file_type {
        Some(ft) if matches!(ft.code.as_str(), "XLS" | "DOC" | "PPT") => {
            let by_ext = url
                .as_deref()
                .filter(|u| looks_like_file(u))
                .and_then(normalize::file_type);
            match by_ext {
                Some(e) if e.code == format!("{}X", ft.code) => Some(e),
                _ => Some(ft),
            }
        }
        other => other,
    };
    if let Some(ft) = &file_type {
        if let Ok(n) = NamedNode::new(&ft.iri) {
            g.add(node.clone(), dct::FORMAT, n)?;
        }
    }
    let media = text(r.get("mimetype"))
        .map(|m| crate::fetch::media_type_of(&m))
        .filter(|m| {
            m.split_once('/').is_some_and(|(t, s)| {
                !t.is_empty()
                    && !s.is_empty()
                    && m.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "/.+-_".contains(c))
            })
        })
        .or_else(|| file_type.as_ref().and_then(|f| f.media_type.clone()));
    if let Some(m) = media {
        if let Ok(n) = NamedNode::new(format!("{}{m}", normalize::IANA_MEDIA_TYPE_NS)) {
            g.add(node.clone(), dcat::MEDIA_TYPE, n)?;
        }
    }
    if let Some(size) = byte_size(r.get("size")) {
        g.add(
            node.clone(),
            dcat::BYTE_SIZE,
            Literal::new_typed_literal(size.to_string(), xsd::NON_NEGATIVE_INTEGER),
        )?;
    }
    if let Some(hash) = text(r.get("hash")) {
        let hash = hash.to_ascii_lowercase();
        let hash = hash
            .split_once(':')
            .map_or(hash.as_str(), |(_, h)| h)
            .to_owned();
        if !hash.is_empty() && hash.chars().all(|c| c.is_ascii_hexdigit()) {
            if let Some(algo) = checksum_algorithm(&hash, text(r.get("hash_algorithm")).as_deref())
            {
                let c: NamedOrBlankNode = BlankNode::default().into();
                g.add(node.clone(), SPDX_CHECKSUM, c.clone())?;
                g.add(c.clone(), rdf::TYPE, SPDX_CHECKSUM_CLASS)?;
                g.add(c.clone(), SPDX_ALGORITHM, algo)?;
                g.add(
                    c,
                    SPDX_CHECKSUM_VALUE,
                    Literal::new_typed_literal(hash, XSD_HEX_BINARY),
                )?;
            }
        }
    }
    if let Some(l) = text(r.get("modified"))
        .or_else(|| text(r.get("last_modified")))
        .as_deref()
        .and_then(date_literal)
    {
        g.add(node.clone(), dct::MODIFIED, l)?;
    }
    if let Some(l) = text(r.get("issued"))
        .or_else(|| text(r.get("created")))
        .as_deref()
        .and_then(date_literal)
    {
        g.add(node.clone(), dct::ISSUED, l)?;
    }
    let own_license = license_term(g, text(r.get("license")).as_deref(), None, None)?;
    if let Some(l) = own_license.or_else(|| dataset_license.cloned()) {
        g.add(node.clone(), dct::LICENSE, l)?;
    }
    if let Some(a) =
        text(r.get("licenseAttributionByText")).or_else(|| attribution.map(str::to_owned))
    {
        g.lit(&node, dcatde::LICENSE_ATTRIBUTION_BY_TEXT, &a)?;
    }
    for lang in list_value(r.get("language")) {
        if let Some(n) = normalize::language(&lang).and_then(|i| NamedNode::new(i).ok()) {
            g.add(node.clone(), dct::LANGUAGE, n)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let l = |s: &str| {
            date_literal(s).map(|l| (l.value().to_owned(), l.datatype().as_str().to_owned()))
        };
        assert_eq!(
            l("2017-08-05T03:16:52.857800").unwrap().1,
            xsd::DATE_TIME.as_str()
        );
        assert_eq!(
            l("2017-08-05T03:16:52.857800").unwrap().0,
            "2017-08-05T03:16:52.857800"
        );
        assert_eq!(l("2024-05-01").unwrap().1, xsd::DATE.as_str());
        assert_eq!(l("2020-01-06 00:00:00").unwrap().0, "2020-01-06T00:00:00");
        assert_eq!(
            l("2020-01-06T00:00:00+01:00").unwrap().1,
            xsd::DATE_TIME.as_str()
        );
        assert!(l("06.01.2020").is_none());
        assert!(l("2020-01-06Tfoo").is_none());
        assert!(l("").is_none());
    }

    #[test]
    fn sizes_and_mails() {
        assert_eq!(byte_size(Some(&serde_json::json!(12))), Some(12));
        assert_eq!(byte_size(Some(&serde_json::json!("12"))), Some(12));
        assert_eq!(byte_size(Some(&serde_json::json!(12.0))), Some(12));
        assert_eq!(byte_size(Some(&serde_json::json!(-1))), None);
        assert_eq!(byte_size(Some(&serde_json::json!("zwölf"))), None);
        assert_eq!(mailto("a@b.de").unwrap().as_str(), "mailto:a@b.de");
        assert_eq!(mailto("mailto:a@b.de").unwrap().as_str(), "mailto:a@b.de");
        assert!(mailto("keine Angabe").is_none());
        assert!(mailto("a b@c.de").is_none());
    }

    fn mapped(pkg: Value) -> Vec<(String, String)> {
        let ctx = MapContext {
            portal_base: Url::parse("https://ckan.example/").unwrap(),
            defaults: SourceDefaults::default(),
            page_url: "p".into(),
            max_record_triples: 1000,
        };
        let r = map_package(&pkg, &ctx).unwrap();
        r.triples
            .iter()
            .filter(|t| t.subject == r.dataset.clone().into())
            .map(|t| {
                let o = match &t.object {
                    Term::Literal(l) => l.value().to_owned(),
                    other => other.to_string().trim_matches(['<', '>']).to_owned(),
                };
                (t.predicate.as_str().to_owned(), o)
            })
            .collect()
    }

    #[test]
    fn high_value_datasets_and_json_list_extras() {
        let t = mapped(serde_json::json!({
            "id": "x", "name": "x", "title": "X",
            "applicable_legislation": ["http://data.europa.eu/eli/reg_impl/2023/138/oj"],
            "extras": [
                {"key": "hvd_category", "value": "[\"http://data.europa.eu/bna/c_dd313021\"]"},
                {"key": "geocodingText", "value": "[\"Freie und Hansestadt Hamburg\", \"Altona\"]"},
                {"key": "legalbasisText", "value": "§ 3, Abs. 2 HmbTG"},
                {"key": "spatial_uri", "value": "http://dcat-ap.de/def/politicalGeocoding/stateKey/02"},
            ]
        }));
        let has = |p: &str, o: &str| t.contains(&(p.to_owned(), o.to_owned()));
        assert!(has(
            "http://data.europa.eu/r5r/applicableLegislation",
            "http://data.europa.eu/eli/reg_impl/2023/138/oj"
        ));
        assert!(has(
            "http://data.europa.eu/r5r/hvdCategory",
            "http://data.europa.eu/bna/c_dd313021"
        ));
        let geo = DCATDE_GEOCODING_DESCRIPTION.as_str();
        assert!(has(geo, "Freie und Hansestadt Hamburg") && has(geo, "Altona"));
        assert_eq!(t.iter().filter(|(p, _)| p == geo).count(), 2);
        assert!(has(DCATDE_LEGAL_BASIS.as_str(), "§ 3, Abs. 2 HmbTG"));
        assert!(has(
            dcatde::POLITICAL_GEOCODING_URI.as_str(),
            "http://dcat-ap.de/def/politicalGeocoding/stateKey/02"
        ));
    }

    #[test]
    fn dataset_series() {
        let rdf_type = rdf::TYPE.as_str().to_owned();
        let series = mapped(serde_json::json!({"id": "s", "name": "s", "type": "dataset_series"}));
        assert!(series.contains(&(rdf_type.clone(), dcat::DATASET_SERIES.as_str().to_owned())));
        assert!(!series.contains(&(rdf_type.clone(), dcat::DATASET.as_str().to_owned())));
        let plain = mapped(serde_json::json!({"id": "d", "name": "d", "type": "dataset"}));
        assert!(plain.contains(&(rdf_type, dcat::DATASET.as_str().to_owned())));
    }

    #[test]
    fn iris() {
        let base = Url::parse("https://ckan.example/").unwrap();
        assert_eq!(
            dataset_iri(None, Some("bäume"), None, &base)
                .unwrap()
                .as_str(),
            "https://ckan.example/dataset/b%C3%A4ume"
        );
        assert_eq!(
            dataset_iri(Some("https://x.example/ds/1"), Some("n"), None, &base)
                .unwrap()
                .as_str(),
            "https://x.example/ds/1"
        );
        assert_eq!(
            dataset_iri(Some("not an iri"), Some("my-data_1"), None, &base)
                .unwrap()
                .as_str(),
            "https://ckan.example/dataset/my-data_1"
        );
        assert!(dataset_iri(None, None, None, &base).is_none());
        assert!(looks_like_file("https://x.example/a/b.csv"));
        assert!(!looks_like_file("https://x.example/a/index.html"));
        assert!(!looks_like_file("https://x.example/wms?service=WMS"));
    }
}
