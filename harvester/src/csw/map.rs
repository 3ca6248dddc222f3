//! ISO 19139 -> DCAT-AP (GeoDCAT-AP core, with DCAT-AP.de conventions).
//! The full table is in `harvester/src/csw/README.md`.

use super::codes::{self, ProtocolKind};
use super::iso::{BBox, Constraints, IsoRecord, Party, Text};
use crate::normalize;
use crate::record::{Record, SourceDefaults};
pub use crate::values::date_literal;
use crate::values::{date_or_text, http_iri, mailto};
use crate::vocab::{
    cnt, dcat, dcatap, dcatde, dct, dqv, foaf, geodcatap, gsp, hvd, owl, rdf, rdfs, skos, vcard,
    xsd,
};
use oxrdf::{BlankNode, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Term, Triple};
use sha2::{Digest, Sha256};

const OGC_STANDARDS: &str = "http://www.opengeospatial.org/standards/";
const SERVICE_TYPE_NS: &str =
    "http://inspire.ec.europa.eu/metadata-codelist/SpatialDataServiceType/";
const RESOURCE_TYPE_NS: &str = "http://inspire.ec.europa.eu/metadata-codelist/ResourceType/";
const EPSG_CRS: &str = "http://www.opengis.net/def/crs/EPSG/0/";

/// Options of the mapping.
#[derive(Debug, Clone, Default)]
pub struct MapOptions {
    pub defaults: SourceDefaults,
    /// Map service records to `dcat:DataService` (else they are skipped).
    pub include_services: bool,
}

/// The result of mapping one ISO record.
#[derive(Debug)]
pub enum Mapped {
    Record(Box<Record>),
    /// Deliberately not harvested (a service while `include_services` is off).
    Skipped(String),
}

fn nn(iri: &str) -> Option<NamedNode> {
    let iri = iri.trim();
    if !(iri.starts_with("http://")
        || iri.starts_with("https://")
        || iri.starts_with("mailto:")
        || iri.starts_with("tel:")
        || iri.starts_with("urn:"))
    {
        return None;
    }
    NamedNode::new(iri).ok()
}

/// The WKT polygon of a bounding box, axis order longitude latitude (CRS84).
pub fn bbox_wkt(b: &BBox) -> String {
    let (w, e, s, n) = (b.west, b.east, b.south, b.north);
    format!("POLYGON(({w} {n},{e} {n},{e} {s},{w} {s},{w} {n}))")
}

/// The boxes worth stating: coordinates out of range (longitude beyond
/// ±180, latitude beyond ±90) drop the box; south above north is swapped;
/// west above east with both on one side of the prime meridian is swapped
/// too (a typo), with west east of 0 and east west of 0 the box crosses the
/// antimeridian and becomes two boxes, one on each side.
pub fn checked_bboxes(boxes: &[BBox]) -> Vec<BBox> {
    let mut out = Vec::new();
    for b in boxes {
        let lon_ok = |v: f64| (-180.0..=180.0).contains(&v);
        let lat_ok = |v: f64| (-90.0..=90.0).contains(&v);
        if !(lon_ok(b.west) && lon_ok(b.east) && lat_ok(b.south) && lat_ok(b.north)) {
            continue;
        }
        let (south, north) = if b.south > b.north {
            (b.north, b.south)
        } else {
            (b.south, b.north)
        };
        let boxed = |west, east| BBox {
            west,
            east,
            south,
            north,
        };
        if b.west <= b.east {
            out.push(boxed(b.west, b.east));
        } else if b.west > 0.0 && b.east < 0.0 {
            out.push(boxed(b.west, 180.0));
            out.push(boxed(-180.0, b.east));
        } else {
            out.push(boxed(b.east, b.west));
        }
    }
    out
}

/// With several `MD_Format`s, the one a link names: by the URL's file
/// extension, or by its code as a word of the URL or the link's name
/// (`…&outputFormat=GML`, "Download KML"). DCAT-AP allows one `dct:format`
/// per distribution, so a link that names none of them gets none (SEMIC's
/// XSLT gives every distribution every format).
fn format_named_by_link(
    formats: &[normalize::FileType],
    url: &str,
    name: Option<&str>,
) -> Option<normalize::FileType> {
    if formats.len() < 2 {
        return None;
    }
    if let Some(f) = normalize::file_type(url) {
        if let Some(g) = formats.iter().find(|g| g.code == f.code) {
            return Some(g.clone());
        }
    }
    let words: Vec<String> = [url, name.unwrap_or("")]
        .iter()
        .flat_map(|t| t.split(|c: char| !c.is_ascii_alphanumeric()))
        .map(str::to_ascii_uppercase)
        .collect();
    formats.iter().find(|f| words.contains(&f.code)).cloned()
}

/// An `xsd:decimal` lexical form (`5.0`, `0.00002`), never in exponent form.
fn decimal(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.1}")
    } else {
        let s = format!("{v:.12}");
        s.trim_end_matches('0').to_owned()
    }
}

/// A reference system's IRI: an http Anchor href or code, or an EPSG code
/// (`EPSG:25832`, `urn:ogc:def:crs:EPSG::25832`, code `25832` in code space
/// EPSG) as `http://www.opengis.net/def/crs/EPSG/0/{code}`.
fn crs_iri(rs: &super::iso::Identifier) -> Option<NamedNode> {
    if let Some(n) = [rs.code_href.as_deref(), rs.code.as_deref()]
        .into_iter()
        .flatten()
        .find_map(http_iri)
    {
        return Some(n);
    }
    let code = rs.code.as_deref()?.trim();
    let upper = code.to_ascii_uppercase();
    let epsg_space = rs
        .code_space
        .as_deref()
        .is_some_and(|c| c.to_ascii_uppercase().contains("EPSG"));
    let number = upper
        .rsplit_once("EPSG")
        .map(|(_, rest)| rest.trim_start_matches(':').trim())
        .or_else(|| epsg_space.then_some(upper.as_str()))?;
    (!number.is_empty() && number.chars().all(|c| c.is_ascii_digit()))
        .then(|| NamedNode::new(format!("{EPSG_CRS}{number}")).ok())
        .flatten()
}

/// The dataset IRI rule: the first resource identifier that is an http(s)
/// URI; else `{mint_base}{source_id}/{fileIdentifier}` (percent-encoded);
/// else the same with the first resource identifier (codeSpace + code); else
/// `h-` + 32 hex of SHA-256 of title and abstract.
pub fn dataset_iri(
    rec: &IsoRecord,
    defaults: &SourceDefaults,
) -> Result<(NamedNode, bool), String> {
    for id in &rec.identifiers {
        for cand in [id.code_href.as_deref(), id.code.as_deref()]
            .into_iter()
            .flatten()
        {
            if let Some(n) = http_iri(cand) {
                return Ok((n, false));
            }
        }
    }
    let local = if let Some(f) = &rec.file_identifier {
        f.clone()
    } else if let Some(id) = rec.identifiers.first() {
        identifier_text(id)
    } else {
        let mut h = Sha256::new();
        h.update(rec.title.as_deref().unwrap_or("").as_bytes());
        h.update(b"\n");
        h.update(rec.abstract_text.as_deref().unwrap_or("").as_bytes());
        format!("h-{}", &hex::encode(h.finalize())[..32])
    };
    mint(defaults, &local).map(|n| (n, true))
}

/// `{mint_base}{source_id}/{local}`, both parts as path segments
/// ([`crate::values::path_segment`]).
fn mint(defaults: &SourceDefaults, local: &str) -> Result<NamedNode, String> {
    let base = if defaults.mint_base.is_empty() {
        "urn:dcat-catalog:dataset:"
    } else {
        defaults.mint_base.as_str()
    };
    let iri = format!(
        "{base}{}/{}",
        crate::values::path_segment(&defaults.source_id),
        crate::values::path_segment(local)
    );
    NamedNode::new(iri.clone()).map_err(|e| format!("cannot mint dataset IRI {iri:?}: {e}"))
}

/// True for a link to a metadata record rather than to the resource
/// (CSW GetRecordById, GeoNetwork's `/records/…` API).
fn is_metadata_url(url: &str) -> bool {
    let l = url.to_ascii_lowercase();
    l.contains("request=getrecordbyid") || l.contains("/records/") || l.contains("/metadata/")
}

/// The IRI of another record a record links to (`srv:operatesOn`,
/// `gmd:parentIdentifier`): an http `xlink:href` that names the resource
/// (not its metadata record), else an http `uuidref`, else the IRI this
/// mapping gives a record whose fileIdentifier is the `uuidref` (or the `id`
/// of a GetRecordById link).
fn linked_record(
    uuidref: Option<&str>,
    href: Option<&str>,
    defaults: &SourceDefaults,
) -> Option<NamedNode> {
    if let Some(h) = href.filter(|h| !is_metadata_url(h)).and_then(http_iri) {
        return Some(h);
    }
    if let Some(u) = uuidref.and_then(http_iri) {
        return Some(u);
    }
    let from_link = href.and_then(|h| {
        url::Url::parse(h).ok().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k.eq_ignore_ascii_case("id"))
                .map(|(_, v)| v.trim().to_owned())
        })
    });
    let id = uuidref.map(str::to_owned).or(from_link)?;
    (!id.is_empty()).then(|| mint(defaults, &id).ok()).flatten()
}

/// The OGC standard a service protocol or URL names (`OGC:WMS`,
/// `…?service=WFS`), as GeoDCAT-AP's `geodcatap:serviceProtocol` IRI.
fn service_standard(protocol: Option<&str>, url: &str) -> Option<NamedNode> {
    const KNOWN: [&str; 7] = ["wmts", "wms", "wfs", "wcs", "wps", "sos", "csw"];
    let from_protocol = protocol.and_then(|p| {
        let p = p.trim().to_ascii_lowercase();
        let rest = p.strip_prefix("ogc:").unwrap_or(&p);
        KNOWN.into_iter().find(|k| rest.starts_with(k))
    });
    let from_url = || {
        url::Url::parse(url).ok().and_then(|u| {
            u.query_pairs()
                .find(|(k, _)| k.eq_ignore_ascii_case("service"))
                .and_then(|(_, v)| {
                    let v = v.to_ascii_lowercase();
                    KNOWN.into_iter().find(|k| v == *k)
                })
        })
    };
    let std = from_protocol.or_else(from_url)?;
    NamedNode::new(format!("{OGC_STANDARDS}{std}")).ok()
}

fn identifier_text(id: &super::iso::Identifier) -> String {
    let code = id
        .code
        .clone()
        .or_else(|| id.code_href.clone())
        .unwrap_or_default();
    match &id.code_space {
        Some(cs) if !code.starts_with("http://") && !code.starts_with("https://") => {
            format!("{cs}{code}")
        }
        _ => code,
    }
}

struct Out {
    triples: Vec<Triple>,
    lang: Option<String>,
    /// `PT_Locale` ids (as referenced, without `#`) and their language tags.
    locales: Vec<(String, String)>,
}

impl Out {
    /// One literal per translation in another language than the record's
    /// (locale references resolved through `gmd:locale`, else read as a
    /// language code: `#de`, `#GER`).
    fn translations(
        &mut self,
        s: &NamedOrBlankNode,
        p: NamedNodeRef<'_>,
        translations: &[(String, String)],
    ) {
        // Ids are matched ignoring case and `-`/`_` (`#eng-utf8` names
        // `eng_utf8`); an id no PT_Locale has is read as a language code,
        // or as the first of its parts that is one (`#locale-en`).
        let same = |a: &str, b: &str| {
            a.len() == b.len()
                && a.chars().zip(b.chars()).all(|(x, y)| {
                    x.eq_ignore_ascii_case(&y) || (matches!(x, '-' | '_') && matches!(y, '-' | '_'))
                })
        };
        for (locale, text) in translations {
            let id = locale.trim().trim_start_matches('#');
            let tag = self
                .locales
                .iter()
                .find(|(l, _)| same(l, id))
                .map(|(_, t)| t.clone())
                .or_else(|| codes::language_tag(id))
                .or_else(|| {
                    id.split(['-', '_', '.'])
                        .filter(|part| (2..=3).contains(&part.len()))
                        .find_map(codes::language_tag)
                });
            let Some(tag) = tag.filter(|t| Some(t) != self.lang.as_ref()) else {
                continue;
            };
            if let Ok(l) = Literal::new_language_tagged_literal(text, tag) {
                self.add(s, p, l);
            }
        }
    }

    fn add(&mut self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>, o: impl Into<Term>) {
        self.triples
            .push(Triple::new(s.clone(), p.into_owned(), o.into()));
    }
    fn iri(&mut self, s: &NamedOrBlankNode, p: &str, o: NamedNode) {
        self.add(s, NamedNodeRef::new_unchecked(p), o);
    }
    fn text(&mut self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>, value: &str) {
        let lit = match &self.lang {
            Some(l) => Literal::new_language_tagged_literal(value, l.as_str())
                .unwrap_or_else(|_| Literal::new_simple_literal(value)),
            None => Literal::new_simple_literal(value),
        };
        self.add(s, p, lit);
    }
    fn plain(&mut self, s: &NamedOrBlankNode, p: NamedNodeRef<'_>, value: &str) {
        self.add(s, p, Literal::new_simple_literal(value));
    }
    fn blank(
        &mut self,
        s: &NamedOrBlankNode,
        p: NamedNodeRef<'_>,
        class: NamedNodeRef<'_>,
    ) -> NamedOrBlankNode {
        let b: NamedOrBlankNode = BlankNode::default().into();
        self.add(s, p, b.clone());
        self.add(&b, rdf::TYPE, class.into_owned());
        b
    }
}

/// `dcat:endpointURL` (and for GetCapabilities URLs `dcat:endpointDescription`
/// with the URL, `dcat:endpointURL` without the query) of a service node.
/// OGC requests whose answer is data (a download).
const DOWNLOAD_REQUESTS: [&str; 3] = ["getfeature", "getcoverage", "getobservation"];

/// OGC requests whose answer is data or a map, not a web page.
const DATA_REQUESTS: [&str; 7] = [
    "getfeature",
    "getcoverage",
    "getobservation",
    "getmap",
    "gettile",
    "getrecords",
    "getrecordbyid",
];

/// The OGC `request` parameter of a URL's query, lower-case.
fn ogc_request(url: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        // `&amp;` escaped twice in the XML leaves `amp;request`.
        k.trim_start_matches("amp;")
            .eq_ignore_ascii_case("request")
            .then(|| v.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty())
    })
}

fn endpoint(out: &mut Out, svc: &NamedOrBlankNode, url: &NamedNode, capabilities: bool) {
    if capabilities {
        out.add(svc, dcat::ENDPOINT_DESCRIPTION, url.clone());
        let base = url.as_str().split('?').next().unwrap_or(url.as_str());
        if let Some(b) = http_iri(base) {
            out.add(svc, dcat::ENDPOINT_URL, b);
        }
    } else {
        out.add(svc, dcat::ENDPOINT_URL, url.clone());
    }
}

fn contact_point(out: &mut Out, subject: &NamedOrBlankNode, p: &Party) {
    let class = if p.organisation.is_some() {
        vcard::ORGANIZATION
    } else if p.individual.is_some() {
        vcard::INDIVIDUAL
    } else {
        vcard::KIND
    };
    let cp = out.blank(subject, dcat::CONTACT_POINT, class);
    if let Some(fn_) = p
        .organisation
        .as_ref()
        .or(p.individual.as_ref())
        .or(p.position.as_ref())
    {
        out.plain(&cp, vcard::FN, fn_);
    }
    for e in &p.emails {
        if let Some(m) = mailto(e) {
            out.add(&cp, vcard::HAS_EMAIL, m);
        }
    }
    for t in &p.phones {
        if let Some(n) = crate::values::tel(t) {
            out.add(&cp, vcard::HAS_TELEPHONE, n);
        }
    }
    if let Some(u) = p.url.as_deref().and_then(http_iri) {
        out.add(&cp, vcard::HAS_URL, u);
    }
    if p.street.is_some() || p.city.is_some() || p.postal_code.is_some() || p.country.is_some() {
        let a = out.blank(&cp, vcard::HAS_ADDRESS, vcard::ADDRESS);
        if let Some(v) = &p.street {
            out.plain(&a, vcard::STREET_ADDRESS, v);
        }
        if let Some(v) = &p.city {
            out.plain(&a, vcard::LOCALITY, v);
        }
        if let Some(v) = &p.postal_code {
            out.plain(&a, vcard::POSTAL_CODE, v);
        }
        if let Some(v) = &p.admin_area {
            out.plain(&a, vcard::REGION, v);
        }
        if let Some(v) = &p.country {
            out.plain(&a, vcard::COUNTRY_NAME, v);
        }
    }
}

fn agent(out: &mut Out, subject: &NamedOrBlankNode, p: NamedNodeRef<'_>, party: &Party) {
    let Some(name) = party.organisation.as_ref().or(party.individual.as_ref()) else {
        return;
    };
    let a = out.blank(subject, p, foaf::AGENT);
    let class = if party.organisation.is_some() {
        foaf::ORGANIZATION
    } else {
        foaf::PERSON
    };
    out.add(&a, rdf::TYPE, class.into_owned());
    out.plain(&a, foaf::NAME, name);
    if let Some(m) = party.emails.first().and_then(|e| mailto(e)) {
        out.add(&a, foaf::MBOX, m);
    }
    if let Some(u) = party.url.as_deref().and_then(http_iri) {
        out.add(&a, foaf::HOMEPAGE, u);
    }
}

/// The roles whose organisation stands in as `dct:publisher` when no party
/// has the role `publisher`, most fitting first.
const PUBLISHER_ROLES: [&str; 10] = [
    "owner",
    "custodian",
    "pointOfContact",
    "distributor",
    "originator",
    "author",
    "resourceProvider",
    "principalInvestigator",
    "processor",
    "user",
];

/// The publisher a record without a `publisher` party has: the first party
/// in [`PUBLISHER_ROLES`] order (resource parties, then the distributors,
/// then the metadata contacts) that names an organisation, else the first
/// that names a person.
fn publisher_by_role(rec: &IsoRecord) -> Option<&Party> {
    let rank = |p: &Party, fallback: usize| {
        p.role
            .as_deref()
            .and_then(|r| {
                PUBLISHER_ROLES
                    .iter()
                    .position(|x| x.eq_ignore_ascii_case(r.trim()))
            })
            .unwrap_or(fallback)
    };
    let n = PUBLISHER_ROLES.len();
    let mut candidates: Vec<(usize, usize, &Party)> = Vec::new();
    for (i, p) in rec.parties.iter().enumerate() {
        candidates.push((rank(p, n), i, p));
    }
    for (i, p) in rec.distributors.iter().enumerate() {
        candidates.push((rank(p, 3), 1000 + i, p));
    }
    for (i, p) in rec.metadata_contacts.iter().enumerate() {
        candidates.push((n + 1, 2000 + i, p));
    }
    candidates.sort_by_key(|c| (c.0, c.1));
    candidates
        .iter()
        .find(|c| c.2.organisation.is_some())
        .or_else(|| candidates.iter().find(|c| c.2.individual.is_some()))
        .map(|c| c.2)
}

fn curie(c: &str) -> Option<NamedNodeRef<'static>> {
    Some(match c {
        "dct:publisher" => dct::PUBLISHER,
        "dct:rightsHolder" => dct::RIGHTS_HOLDER,
        "dct:creator" => dct::CREATOR,
        "dcatde:maintainer" => dcatde::MAINTAINER,
        "dcatde:originator" => dcatde::ORIGINATOR,
        "dcat:contactPoint" => dcat::CONTACT_POINT,
        _ => return None,
    })
}

/// The licence and access facts found in the constraints.
#[derive(Debug, Default)]
struct Rights {
    /// DCAT-AP.de licence IRIs (normalized).
    licenses: Vec<String>,
    /// Other licence IRIs (INSPIRE conditions, URLs).
    other_licenses: Vec<String>,
    access_rights: Vec<String>,
    statements: Vec<String>,
    attribution: Option<String>,
}

impl Rights {
    fn push(list: &mut Vec<String>, v: String) {
        if !list.contains(&v) {
            list.push(v);
        }
    }

    fn license_from_text(&mut self, text: &str) -> bool {
        let t = text.trim();
        if t.starts_with('{') {
            if let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(t)
            {
                let get = |k: &str| {
                    obj.get(k)
                        .and_then(|v| v.as_str())
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                };
                if let Some(q) = get("quelle") {
                    self.attribution.get_or_insert_with(|| q.to_owned());
                }
                for k in ["id", "url", "name"] {
                    if let Some(l) = get(k).and_then(normalize::license) {
                        Self::push(&mut self.licenses, l);
                        return true;
                    }
                }
                if let Some(u) = get("url").and_then(http_iri) {
                    Self::push(&mut self.other_licenses, u.into_string());
                    return true;
                }
                return false;
            }
        }
        if let Some(l) = normalize::license(t) {
            Self::push(&mut self.licenses, l);
            return true;
        }
        if let Some((iri, is_license)) = codes::access_phrase(t) {
            if is_license {
                Self::push(&mut self.other_licenses, iri.to_owned());
            } else {
                Self::push(&mut self.access_rights, iri.to_owned());
            }
            return true;
        }
        // A constraint that is nothing but a URL names the licence document
        // (as ckanext-spatial reads it).
        if !t.contains(char::is_whitespace) {
            if let Some(u) = http_iri(t) {
                Self::push(&mut self.other_licenses, u.into_string());
                return true;
            }
        }
        // URLs inside prose ("Die Lizenz ist über https://… abrufbar").
        let mut found = false;
        for word in t.split(|c: char| {
            c.is_whitespace() || c == '"' || c == '(' || c == ')' || c == '<' || c == '>'
        }) {
            let w = word.trim_end_matches(['.', ',', ';', ':']);
            if w.starts_with("http://") || w.starts_with("https://") {
                if let Some(l) = normalize::license(w) {
                    Self::push(&mut self.licenses, l);
                    found = true;
                }
            }
        }
        found
    }

    fn read(&mut self, c: &Constraints) {
        for Text { text, href, .. } in c.other_constraints.iter().chain(c.use_limitations.iter()) {
            let mut used = false;
            if let Some(h) = href {
                if h.contains("/LimitationsOnPublicAccess/") {
                    Self::push(&mut self.access_rights, h.clone());
                    used = true;
                } else if h.contains("/ConditionsApplyingToAccessAndUse/") {
                    Self::push(&mut self.other_licenses, h.clone());
                    used = true;
                } else if let Some(l) = normalize::license(h) {
                    Self::push(&mut self.licenses, l);
                    used = true;
                } else if let Some(n) = http_iri(h) {
                    Self::push(&mut self.other_licenses, n.into_string());
                    used = true;
                }
            }
            if let Some(t) = text {
                // Prose that is not a recognized licence or condition is kept
                // as a rights statement (GDI-DE JSON blobs are never prose).
                if !self.license_from_text(t) && !used && !t.trim().starts_with('{') {
                    Self::push(&mut self.statements, t.clone());
                }
            }
        }
    }
}

/// Maps one ISO record to a DCAT-AP record.
pub fn map_record(rec: &IsoRecord, page_url: &str, options: &MapOptions) -> Result<Mapped, String> {
    if rec.file_identifier.is_none() && rec.title.is_none() {
        return Err(
            "the record has neither a gmd:fileIdentifier nor a title; it cannot be identified"
                .into(),
        );
    }
    let service = rec.is_service();
    if service && !options.include_services {
        return Ok(Mapped::Skipped(format!(
            "service record ({}) skipped (include_services = false)",
            rec.service_type
                .as_deref()
                .unwrap_or("hierarchyLevel service")
        )));
    }
    let defaults = &options.defaults;
    let (iri, minted) = dataset_iri(rec, defaults)?;
    let ds: NamedOrBlankNode = iri.clone().into();
    let lang = rec
        .metadata_language
        .as_deref()
        .or(rec.languages.first().map(String::as_str))
        .and_then(codes::language_tag);
    let mut out = Out {
        triples: Vec::new(),
        lang,
        locales: rec
            .locales
            .iter()
            .filter_map(|(id, code)| Some((id.clone(), codes::language_tag(code)?)))
            .collect(),
    };
    let series = !service
        && rec
            .hierarchy_level
            .as_deref()
            .is_some_and(|h| h.trim().eq_ignore_ascii_case("series"));
    let (class, resource_type) = if service {
        (dcat::DATA_SERVICE, "service")
    } else if series {
        (dcat::DATASET_SERIES, "series")
    } else {
        (dcat::DATASET, "dataset")
    };
    out.add(&ds, rdf::TYPE, class.into_owned());
    if let Some(t) = nn(&format!("{RESOURCE_TYPE_NS}{resource_type}")) {
        out.add(&ds, geodcatap::RESOURCE_TYPE, t);
    }

    // Title and description as the record has them: DCAT-AP mandates both,
    // and a record without them is reported by validation, not papered over.
    if let Some(t) = &rec.title {
        out.text(&ds, dct::TITLE, t);
        out.translations(&ds, dct::TITLE, &rec.title_translations);
    }
    if let Some(d) = &rec.abstract_text {
        out.text(&ds, dct::DESCRIPTION, d);
        out.translations(&ds, dct::DESCRIPTION, &rec.abstract_translations);
    }

    for a in &rec.alternate_titles {
        out.text(&ds, dct::ALTERNATIVE, a);
    }
    if let Some(e) = &rec.edition {
        out.plain(&ds, dcat::VERSION, e);
    }

    // Identifiers.
    if rec.identifiers.is_empty() {
        if let Some(f) = &rec.file_identifier {
            out.plain(&ds, dct::IDENTIFIER, f);
        }
    }
    for id in &rec.identifiers {
        let text = identifier_text(id);
        if text.is_empty() {
            continue;
        }
        if http_iri(&text).is_some() {
            out.add(
                &ds,
                dct::IDENTIFIER,
                Literal::new_typed_literal(text, xsd::ANY_URI),
            );
        } else {
            out.plain(&ds, dct::IDENTIFIER, &text);
        }
    }

    // Dates.
    let mut issued: Option<Literal> = None;
    let mut created: Option<Literal> = None;
    let mut modified: Option<Literal> = None;
    // The first creation and publication date, the latest revision; a
    // typed date wins over one kept as text.
    let typed = |l: &Literal| l.datatype() != xsd::STRING;
    for (ty, value) in &rec.dates {
        let Some(lit) = date_or_text(value) else {
            continue;
        };
        let slot = match ty.as_str() {
            "creation" => &mut created,
            "publication" => &mut issued,
            "revision" => &mut modified,
            _ => continue,
        };
        let better = match slot.as_ref() {
            None => true,
            Some(old) => match (typed(old), typed(&lit)) {
                (false, true) => true,
                (true, true) => ty == "revision" && old.value() < lit.value(),
                _ => false,
            },
        };
        if better {
            *slot = Some(lit);
        }
    }
    if let Some(c) = &created {
        out.add(&ds, dct::CREATED, c.clone());
    }
    if let Some(i) = issued {
        out.add(&ds, dct::ISSUED, i);
    }
    if let Some(m) = modified {
        out.add(&ds, dct::MODIFIED, m);
    }

    // Languages.
    for l in &rec.languages {
        if let Some(n) = normalize::language(l).and_then(|i| nn(&i)) {
            out.add(&ds, dct::LANGUAGE, n);
        }
    }

    // Keywords, themes, topic categories.
    let mut eu_themes: Vec<&'static str> = Vec::new();
    let mut themes: Vec<String> = Vec::new();
    let mut keywords: Vec<String> = Vec::new();
    // High-Value Datasets (GeoDCAT-AP / INSPIRE good practice): keywords
    // anchored to a legislation (ELI) or to an HVD category.
    let mut legislation: Vec<NamedNode> = Vec::new();
    let mut hvd_categories: Vec<NamedNode> = Vec::new();
    for block in &rec.keywords {
        let thesaurus = block
            .thesaurus
            .as_deref()
            .unwrap_or("")
            .to_ascii_lowercase();
        let inspire = thesaurus.contains("inspire")
            && (thesaurus.contains("theme")
                || thesaurus.contains("spatial data")
                || thesaurus.contains("datenthemen")
                || thesaurus.contains("themen"))
            || block
                .thesaurus_href
                .as_deref()
                .is_some_and(|h| h.contains("inspire.ec.europa.eu/theme"));
        for kw in &block.keywords {
            if let Some(h) = kw.href.as_deref().and_then(http_iri) {
                let list = if h.as_str().starts_with(hvd::ELI_NS) {
                    Some(&mut legislation)
                } else if h.as_str().starts_with(hvd::CATEGORY_NS) {
                    Some(&mut hvd_categories)
                } else {
                    None
                };
                if let Some(list) = list {
                    if !list.contains(&h) {
                        list.push(h);
                    }
                    if let Some(t) = &kw.text {
                        if !keywords.contains(t) {
                            keywords.push(t.clone());
                        }
                    }
                    continue;
                }
            }
            let mut theme_iri: Option<String> = None;
            let inspire_code = kw
                .href
                .as_deref()
                .and_then(codes::inspire_theme)
                .or_else(|| {
                    if inspire {
                        kw.text.as_deref().and_then(codes::inspire_theme)
                    } else {
                        None
                    }
                });
            if let Some(code) = inspire_code {
                theme_iri = Some(format!("{}{code}", codes::INSPIRE_THEME_NS));
                for &eu in codes::eu_themes_of_inspire(code) {
                    if !eu_themes.contains(&eu) {
                        eu_themes.push(eu);
                    }
                }
            } else if let Some(h) = kw.href.as_deref().and_then(http_iri) {
                theme_iri = Some(h.into_string());
            } else if let Some(t) = kw.text.as_deref() {
                if let Some(eu) = t.trim().strip_prefix(codes::DATA_THEME_NS) {
                    theme_iri = Some(format!("{}{eu}", codes::DATA_THEME_NS));
                }
            }
            if let Some(t) = theme_iri {
                if !themes.contains(&t) {
                    themes.push(t);
                }
            }
            // The text of every keyword, anchored or not: free-text search
            // and readers need the words, not only the IRI.
            if let Some(t) = &kw.text {
                if !keywords.contains(t) {
                    keywords.push(t.clone());
                }
            }
        }
    }
    let mut topic_eu: Vec<&'static str> = Vec::new();
    for tc in &rec.topic_categories {
        if codes::is_topic_category(tc) {
            if let Some(n) = nn(&format!("{}{}", codes::TOPIC_CATEGORY_NS, tc.trim())) {
                out.iri(&ds, &format!("{}topicCategory", geodcatap::NS), n);
            }
            for &eu in codes::eu_themes_of_topic(tc) {
                if !topic_eu.contains(&eu) {
                    topic_eu.push(eu);
                }
            }
        }
    }
    if eu_themes.is_empty() {
        eu_themes = topic_eu;
    }
    for eu in eu_themes {
        let t = format!("{}{eu}", codes::DATA_THEME_NS);
        if !themes.contains(&t) {
            themes.push(t);
        }
    }
    for t in &themes {
        if let Some(n) = nn(t) {
            out.add(&ds, dcat::THEME, n);
        }
    }
    for k in &keywords {
        out.text(&ds, dcat::KEYWORD, k);
    }
    let mut translated: Vec<(String, String)> = Vec::new();
    for kw in rec.keywords.iter().flat_map(|b| &b.keywords) {
        for t in &kw.translations {
            if !translated.contains(t) {
                translated.push(t.clone());
            }
        }
    }
    out.translations(&ds, dcat::KEYWORD, &translated);
    // An HVD category is one of the HVD regulation's: a record that names
    // the category but not the regulation is under it all the same
    // (DCAT-AP HVD requires both).
    if !hvd_categories.is_empty() && legislation.is_empty() {
        out.add(
            &ds,
            dcatap::APPLICABLE_LEGISLATION,
            hvd::REGULATION.into_owned(),
        );
    }
    for l in legislation {
        out.add(&ds, dcatap::APPLICABLE_LEGISLATION, l);
    }
    for c in hvd_categories {
        out.add(&ds, dcatap::HVD_CATEGORY, c);
    }

    // Responsible parties.
    let mut contact_done = false;
    let mut publisher_done = false;
    for p in &rec.parties {
        let Some(prop) = p.role.as_deref().and_then(codes::role_property) else {
            continue;
        };
        match prop {
            "dcat:contactPoint" => {
                contact_point(&mut out, &ds, p);
                contact_done = true;
            }
            other => {
                let before = out.triples.len();
                if let Some(pn) = curie(other) {
                    agent(&mut out, &ds, pn, p);
                } else if let Some(local) = other.strip_prefix("geodcatap:") {
                    let pn = format!("{}{local}", geodcatap::NS);
                    agent(&mut out, &ds, NamedNodeRef::new_unchecked(&pn), p);
                }
                if other == "dct:publisher" && out.triples.len() > before {
                    publisher_done = true;
                }
            }
        }
    }
    if !contact_done {
        // The metadata point of contact stands in for the resource's.
        for p in &rec.metadata_contacts {
            contact_point(&mut out, &ds, p);
            contact_done = true;
        }
    }
    if !contact_done {
        tracing::debug!(dataset = %iri, "no point of contact");
    }
    for p in &rec.distributors {
        agent(&mut out, &ds, dcatde::MAINTAINER, p);
    }
    if !publisher_done {
        if let Some(p) = publisher_by_role(rec) {
            agent(&mut out, &ds, dct::PUBLISHER, p);
            publisher_done = true;
        }
    }
    if !publisher_done {
        if let Some(p) = defaults.publisher_iri.as_deref().and_then(nn) {
            // Typed and named in the record: DCAT-AP's range check (foaf:Agent)
            // sees only the record and the vocabularies.
            out.add(&ds, dct::PUBLISHER, p.clone());
            let agent = NamedOrBlankNode::from(p);
            out.add(&agent, rdf::TYPE, foaf::AGENT.into_owned());
            if let Some(name) = &defaults.publisher_name {
                out.plain(&agent, foaf::NAME, name);
            }
        } else if let Some(name) = &defaults.publisher_name {
            let a = out.blank(&ds, dct::PUBLISHER, foaf::AGENT);
            out.add(&a, rdf::TYPE, foaf::ORGANIZATION.into_owned());
            out.plain(&a, foaf::NAME, name);
        }
    }
    if let Some(c) = defaults.contributor_id.as_deref().and_then(nn) {
        out.add(&ds, dcatde::CONTRIBUTOR_ID, c);
    }
    if let Some(g) = defaults.geocoding.as_deref().and_then(nn) {
        out.add(&ds, dcatde::POLITICAL_GEOCODING_URI, g);
    }

    // Reference systems, resolution, conformity.
    for rs in &rec.reference_systems {
        if let Some(n) = crs_iri(rs) {
            out.add(&ds, geodcatap::REFERENCE_SYSTEM, n);
        }
    }
    for m in &rec.resolution_meters {
        out.add(
            &ds,
            dcat::SPATIAL_RESOLUTION_IN_METERS,
            Literal::new_typed_literal(decimal(*m), xsd::DECIMAL),
        );
    }
    for d in &rec.scale_denominators {
        let q = out.blank(&ds, dqv::HAS_QUALITY_MEASUREMENT, dqv::QUALITY_MEASUREMENT);
        out.add(
            &q,
            dqv::IS_MEASUREMENT_OF,
            geodcatap::SPATIAL_RESOLUTION_AS_SCALE.into_owned(),
        );
        out.add(
            &q,
            dqv::VALUE,
            Literal::new_typed_literal(decimal(1.0 / *d as f64), xsd::DECIMAL),
        );
    }
    for (title, date) in &rec.conforms_to {
        match title.href.as_deref().and_then(http_iri) {
            Some(n) => out.add(&ds, dct::CONFORMS_TO, n),
            None => {
                let Some(t) = &title.text else { continue };
                let st = out.blank(&ds, dct::CONFORMS_TO, dct::STANDARD);
                out.text(&st, dct::TITLE, t);
                if let Some(d) = date.as_deref().and_then(date_or_text) {
                    out.add(&st, dct::ISSUED, d);
                }
            }
        }
    }

    // Extents.
    for b in checked_bboxes(&rec.bboxes) {
        let loc = out.blank(&ds, dct::SPATIAL, dct::LOCATION);
        out.add(
            &loc,
            dcat::BBOX,
            Literal::new_typed_literal(bbox_wkt(&b), gsp::WKT_LITERAL),
        );
    }
    for place in &rec.places {
        match place.href.as_deref().and_then(http_iri) {
            Some(iri) => out.add(&ds, dct::SPATIAL, iri),
            None => {
                if let Some(name) = &place.text {
                    let loc = out.blank(&ds, dct::SPATIAL, dct::LOCATION);
                    out.text(&loc, skos::PREF_LABEL, name);
                }
            }
        }
    }
    for (begin, end) in &rec.temporal {
        let b = begin.as_deref().and_then(date_or_text);
        let e = end.as_deref().and_then(date_or_text);
        if b.is_none() && e.is_none() {
            continue;
        }
        let pt = out.blank(&ds, dct::TEMPORAL, dct::PERIOD_OF_TIME);
        if let Some(b) = b {
            out.add(&pt, dcat::START_DATE, b);
        }
        if let Some(e) = e {
            out.add(&pt, dcat::END_DATE, e);
        }
    }

    // Frequency.
    if let Some(f) = rec
        .frequency
        .as_deref()
        .and_then(normalize::frequency)
        .and_then(|i| nn(&i))
    {
        out.add(&ds, dct::ACCRUAL_PERIODICITY, f);
    }

    // What a service is and serves.
    if service {
        if let Some(t) = rec.service_type.as_deref().map(str::trim) {
            let inspire = [
                "discovery",
                "view",
                "download",
                "transformation",
                "invoke",
                "other",
            ];
            if let Some(v) = inspire.iter().find(|v| v.eq_ignore_ascii_case(t)) {
                if let Some(n) = nn(&format!("{SERVICE_TYPE_NS}{v}")) {
                    out.iri(&ds, &format!("{}serviceType", geodcatap::NS), n);
                }
            } else if let Some(std) = service_standard(Some(t), "") {
                out.iri(&ds, &format!("{}serviceProtocol", geodcatap::NS), std);
            }
        }
        for (uuidref, href) in &rec.operates_on {
            if let Some(d) = linked_record(uuidref.as_deref(), href.as_deref(), defaults) {
                out.add(&ds, dcat::SERVES_DATASET, d);
            }
        }
    }

    // The series a dataset belongs to.
    if !service {
        if let Some(series) = rec
            .parent_identifier
            .as_deref()
            .and_then(|p| linked_record(Some(p), None, defaults))
            .filter(|s| s != &iri)
        {
            out.add(&ds, dcat::IN_SERIES, series);
        }
    }

    // Lineage.
    if let Some(l) = &rec.lineage {
        let p = out.blank(&ds, dct::PROVENANCE, dct::PROVENANCE_STATEMENT);
        out.text(&p, rdfs::LABEL, l);
    }

    // Constraints.
    let mut rights = Rights::default();
    for c in &rec.constraints {
        rights.read(c);
    }
    for a in &rights.access_rights {
        if let Some(n) = nn(a) {
            out.add(&ds, dct::ACCESS_RIGHTS, n);
        }
    }
    // The licence of the distributions: DCAT-AP.de licences first; INSPIRE
    // condition IRIs and other licence URLs only when none was recognized.
    let licenses: Vec<NamedNode> = if rights.licenses.is_empty() {
        &rights.other_licenses
    } else {
        &rights.licenses
    }
    .iter()
    .filter_map(|l| nn(l))
    .collect();

    // The resource's character sets go on its distributions (GeoDCAT-AP
    // extended profile, as SEMIC's XSLT).
    let mut charsets: Vec<&str> = rec
        .resource_charsets
        .iter()
        .filter_map(|c| codes::character_set(c))
        .collect();
    charsets.dedup();
    // Distributions (datasets) or endpoints (services).
    let formats: Vec<normalize::FileType> = rec
        .formats
        .iter()
        .filter_map(|f| normalize::file_type(f))
        .collect();
    for o in &rec.online {
        let Some(url) = o.linkage.as_deref().and_then(http_iri) else {
            continue;
        };
        let function = o.function.as_deref().unwrap_or("").to_ascii_lowercase();
        let proto = o.protocol.as_deref().and_then(codes::protocol);
        let kind = proto.map(|p| p.0);
        let request = ogc_request(url.as_str());
        let capabilities = request.as_deref() == Some("getcapabilities");
        // An OGC request for data or a map (GetFeature, GetMap ...) is no
        // web page, whatever the protocol says.
        let data_request = request
            .as_deref()
            .is_some_and(|r| DATA_REQUESTS.contains(&r));
        let plain_link = kind != Some(ProtocolKind::Download)
            && kind != Some(ProtocolKind::Service)
            && !capabilities
            && !data_request;
        // ISO 19115's information, search and browse functions (with
        // qualified codes such as `information.content`): a page about
        // the resource.
        let page_function = matches!(
            function.split('.').next().unwrap_or(""),
            "information" | "search" | "browsegraphic" | "browsing" | "completemetadata"
        );
        if plain_link && page_function && !o.connect_point {
            out.add(&ds, foaf::PAGE, url);
            continue;
        }
        if service {
            endpoint(&mut out, &ds, &url, capabilities);
            continue;
        }
        if plain_link && function.is_empty() {
            // A link with no function that is neither a download nor a
            // service: the dataset's landing page (as SEMIC's XSLT reads it).
            out.add(&ds, dcat::LANDING_PAGE, url.clone());
            let page: NamedOrBlankNode = url.into();
            out.add(&page, rdf::TYPE, foaf::DOCUMENT.into_owned());
            if let Some(n) = &o.name {
                out.text(&page, dct::TITLE, n);
            }
            if let Some(d) = &o.description {
                out.text(&page, dct::DESCRIPTION, d);
            }
            continue;
        }
        let dist = out.blank(&ds, dcat::DISTRIBUTION_LINK, dcat::DISTRIBUTION);
        out.add(&dist, dcat::ACCESS_URL, url.clone());
        if kind == Some(ProtocolKind::Service) || capabilities {
            // The service behind the distribution (GeoDCAT-AP).
            let svc = out.blank(&dist, dcat::ACCESS_SERVICE, dcat::DATA_SERVICE);
            if let Some(n) = &o.name {
                out.text(&svc, dct::TITLE, n);
            }
            endpoint(&mut out, &svc, &url, capabilities);
            if let Some(std) = service_standard(o.protocol.as_deref(), url.as_str()) {
                out.iri(&svc, &format!("{}serviceProtocol", geodcatap::NS), std);
            }
        }
        let download = function == "download"
            || function == "fileaccess"
            || kind == Some(ProtocolKind::Download)
            || request
                .as_deref()
                .is_some_and(|r| DOWNLOAD_REQUESTS.contains(&r));
        if download && kind != Some(ProtocolKind::Service) {
            out.add(&dist, dcat::DOWNLOAD_URL, url.clone());
        }
        if let Some(n) = &o.name {
            out.text(&dist, dct::TITLE, n);
        }
        if let Some(d) = &o.description {
            out.text(&dist, dct::DESCRIPTION, d);
        }
        if let Some(b) = o.transfer_bytes {
            out.add(
                &dist,
                dcat::BYTE_SIZE,
                Literal::new_typed_literal(b.to_string(), xsd::NON_NEGATIVE_INTEGER),
            );
        }
        for charset in &charsets {
            out.plain(&dist, cnt::CHARACTER_ENCODING, charset);
        }
        let format = proto
            .and_then(|p| p.1)
            .and_then(normalize::file_type)
            .or_else(|| (formats.len() == 1).then(|| formats[0].clone()))
            .or_else(|| format_named_by_link(&formats, url.as_str(), o.name.as_deref()))
            .or_else(|| {
                if download {
                    normalize::file_type(url.as_str())
                } else {
                    None
                }
            });
        if let Some(f) = format {
            if let Some(n) = nn(&f.iri) {
                out.add(&dist, dct::FORMAT, n);
            }
            if let Some(m) = f.media_type_iri().and_then(|m| nn(&m)) {
                out.add(&dist, dcat::MEDIA_TYPE, m);
            }
        }
        for l in &licenses {
            out.add(&dist, dct::LICENSE, l.clone());
        }
        if let Some(a) = &rights.attribution {
            out.plain(&dist, dcatde::LICENSE_ATTRIBUTION_BY_TEXT, a);
        }
        // One rights statement (DCAT-AP: dct:rights at most once), each
        // text of the record one label of it.
        if !rights.statements.is_empty() {
            let st = out.blank(&dist, dct::RIGHTS, dct::RIGHTS_STATEMENT);
            for s in &rights.statements {
                out.text(&st, rdfs::LABEL, s);
            }
        }
    }
    // Services, and datasets without any distribution, carry the licence
    // terms themselves so that they are not lost.
    let has_distribution = out
        .triples
        .iter()
        .any(|t| t.subject == ds && t.predicate.as_ref() == dcat::DISTRIBUTION_LINK);
    if service || !has_distribution {
        for l in &licenses {
            out.add(&ds, dct::LICENSE, l.clone());
        }
        if let Some(a) = &rights.attribution {
            out.plain(&ds, dcatde::LICENSE_ATTRIBUTION_BY_TEXT, a);
        }
        // One rights statement (DCAT-AP: dct:rights at most once), each
        // text of the record one label of it.
        if !rights.statements.is_empty() {
            let st = out.blank(&ds, dct::RIGHTS, dct::RIGHTS_STATEMENT);
            for s in &rights.statements {
                out.text(&st, rdfs::LABEL, s);
            }
        }
    }

    // The catalogue record: metadata about the metadata.
    let cr: NamedOrBlankNode = BlankNode::default().into();
    out.add(&cr, rdf::TYPE, dcat::CATALOG_RECORD.into_owned());
    out.add(&cr, foaf::PRIMARY_TOPIC, iri.clone());
    if let Some(f) = &rec.file_identifier {
        out.plain(&cr, dct::IDENTIFIER, f);
    }
    if let Some(d) = rec.date_stamp.as_deref().and_then(date_or_text) {
        out.add(&cr, dct::MODIFIED, d);
    }
    if let Some(c) = rec
        .metadata_charset
        .as_deref()
        .and_then(codes::character_set)
    {
        out.plain(&cr, cnt::CHARACTER_ENCODING, c);
    }
    if let Some(l) = rec
        .metadata_language
        .as_deref()
        .and_then(normalize::language)
        .and_then(|i| nn(&i))
    {
        out.add(&cr, dct::LANGUAGE, l);
    }
    if rec.standard_name.is_some() {
        let st = out.blank(&cr, dct::CONFORMS_TO, dct::STANDARD);
        if let Some(n) = &rec.standard_name {
            out.plain(&st, dct::TITLE, n);
        }
        if let Some(v) = &rec.standard_version {
            out.plain(&st, owl::VERSION_INFO, v);
        }
    }

    Ok(Mapped::Record(Box::new(Record {
        dataset: iri,
        triples: out.triples,
        page_url: page_url.to_owned(),
        minted,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_literal("2019-05-15").unwrap().datatype(), xsd::DATE);
        assert_eq!(
            date_literal("2019-05-15T09:00:00").unwrap().datatype(),
            xsd::DATE_TIME
        );
        assert_eq!(date_literal("2019").unwrap().datatype(), xsd::G_YEAR);
        assert!(date_literal("unknown").is_none());
        assert!(date_literal("").is_none());
        assert!(date_literal("2019-05-15 garbage").is_none());
    }

    #[test]
    fn wkt_is_lon_lat() {
        let b = BBox {
            west: 14.18,
            east: 14.58,
            south: 35.81,
            north: 36.08,
        };
        assert_eq!(
            bbox_wkt(&b),
            "POLYGON((14.18 36.08,14.58 36.08,14.58 35.81,14.18 35.81,14.18 36.08))"
        );
    }

    #[test]
    fn services_and_what_they_serve() {
        let d = SourceDefaults {
            source_id: "s".into(),
            mint_base: "https://c.example/id/".into(),
            ..Default::default()
        };
        let served =
            |u: Option<&str>, h: Option<&str>| linked_record(u, h, &d).map(|n| n.into_string());
        assert_eq!(
            served(None, Some("https://registry.gdi-de.org/id/de.be.csw/bb49")).as_deref(),
            Some("https://registry.gdi-de.org/id/de.be.csw/bb49")
        );
        assert_eq!(
            served(
                Some("250e"),
                Some("http://x.example/csw?request=GetRecordById&id=250e")
            )
            .as_deref(),
            Some("https://c.example/id/s/250e")
        );
        assert_eq!(
            served(
                None,
                Some("http://x.example/csw?request=GetRecordById&id=a%20b")
            )
            .as_deref(),
            Some("https://c.example/id/s/a%20b")
        );
        assert_eq!(served(None, Some("Please enter a valid url")), None);
        let std = |p: Option<&str>, u: &str| service_standard(p, u).map(|n| n.into_string());
        assert_eq!(
            std(Some("OGC:WMS-1.1.1-http-get-map"), "").as_deref(),
            Some("http://www.opengeospatial.org/standards/wms")
        );
        assert_eq!(
            std(
                None,
                "https://x.example/ows?SERVICE=WFS&request=GetCapabilities"
            )
            .as_deref(),
            Some("http://www.opengeospatial.org/standards/wfs")
        );
        assert_eq!(std(Some("WWW:LINK"), "https://x.example/"), None);
    }

    #[test]
    fn boxes_crs_and_decimals() {
        let b = |west, east, south, north| BBox {
            west,
            east,
            south,
            north,
        };
        assert_eq!(
            checked_bboxes(&[b(13.5, 13.1, 52.6, 52.3)]),
            vec![b(13.1, 13.5, 52.3, 52.6)]
        );
        assert_eq!(
            checked_bboxes(&[b(170.0, -170.0, -10.0, 10.0)]),
            vec![b(170.0, 180.0, -10.0, 10.0), b(-180.0, -170.0, -10.0, 10.0)]
        );
        assert!(checked_bboxes(&[b(13.0, 14.0, 52.0, 352.0)]).is_empty());
        let id = |code: &str, space: Option<&str>| super::super::iso::Identifier {
            code: Some(code.into()),
            code_href: None,
            code_space: space.map(Into::into),
        };
        let crs = |i| crs_iri(&i).map(|n| n.into_string());
        for (code, space) in [
            ("EPSG:25832", None),
            ("urn:ogc:def:crs:EPSG::25832", None),
            ("25832", Some("EPSG")),
        ] {
            assert_eq!(
                crs(id(code, space)).as_deref(),
                Some("http://www.opengis.net/def/crs/EPSG/0/25832"),
                "{code}"
            );
        }
        assert_eq!(crs(id("Other than Gregorian calendar", None)), None);
        assert_eq!(decimal(5.0), "5.0");
        assert_eq!(decimal(1.0 / 50000.0), "0.00002");
    }

    #[test]
    fn format_of_a_link_among_several() {
        let formats: Vec<normalize::FileType> = ["GML", "KML", "ESRI Shapefile"]
            .iter()
            .filter_map(|f| normalize::file_type(f))
            .collect();
        let code = |url: &str, name: Option<&str>| {
            format_named_by_link(&formats, url, name).map(|f| f.code)
        };
        assert_eq!(
            code("https://x.example/a.kml", None).as_deref(),
            Some("KML")
        );
        assert_eq!(
            code(
                "https://x.example/wfs?outputFormat=GML&request=GetFeature",
                None
            )
            .as_deref(),
            Some("GML")
        );
        assert_eq!(code("https://x.example/portal", Some("Portal")), None);
    }

    #[test]
    fn gdi_de_json_licence() {
        let mut r = Rights::default();
        assert!(r.license_from_text(r#"{ "id": "dl-de-by-2.0" , "name": " Datenlizenz Deutschland - Namensnennung - Version 2.0 ", "url": "https://www.govdata.de/dl-de/by-2-0", "quelle": "Umweltatlas Berlin" }"#));
        assert_eq!(
            r.licenses,
            vec!["http://dcat-ap.de/def/licenses/dl-by-de/2.0".to_owned()]
        );
        assert_eq!(r.attribution.as_deref(), Some("Umweltatlas Berlin"));
    }
}
