//! CSW 2.0.2 requests (GetCapabilities, GetRecords as POST XML or GET/KVP)
//! and the paging loop.
//!
//! Paging rules (GeoNetwork's, which udata copies, plus a progress check):
//! `startPosition` starts at 1 and advances by the number of records the page
//! actually held. The listing ends when `nextRecord` is 0, when `nextRecord`
//! is beyond `numberOfRecordsMatched`, when a page holds no records, when the
//! records seen reach `numberOfRecordsMatched`, or when `nextRecord` does not
//! advance (pycsw answers `nextRecord=1` past the end). A missing `nextRecord`
//! is tolerated. The listing is *complete* only when the records seen cover
//! `numberOfRecordsMatched` (or, when the server does not say, when the server
//! signalled the end) and no page failed and no bound cut it short.
//!
//! Every request goes to the configured endpoint (paging moves
//! `startPosition`, never to a URL the server names); the source's headers go
//! only to the endpoint's origin, also across redirects.

use super::map::{map_record, MapOptions, Mapped};
use super::xml::{parse_response, parse_tree, Element, Response, XmlError, XmlLimits};
use super::{Constraint, CswError, CswSource};
use crate::fetch::{FetchError, Fetcher, SourceHeaders};
use crate::record::{snippet, HarvestEvent, Page, PageError, Record, RecordError};
use std::collections::HashSet;
use std::time::Instant;
use tokio::sync::mpsc;

/// Accept header for CSW responses.
pub const XML_ACCEPT: &str = "application/xml, text/xml;q=0.9, */*;q=0.1";

/// What the server's capabilities say about GetRecords.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Capabilities {
    /// GetRecords is listed among the operations.
    pub get_records: bool,
    /// GetRecords may be POSTed (XML encoding).
    pub post: bool,
    /// GetRecords may be sent as GET/KVP.
    pub get: bool,
    /// `outputSchema` values offered for GetRecords (empty: not stated).
    pub output_schemas: Vec<String>,
    /// `typeNames` values offered (empty: not stated).
    pub type_names: Vec<String>,
    /// `CONSTRAINTLANGUAGE` values offered (empty: not stated).
    pub constraint_languages: Vec<String>,
    /// Whether the ISO queryable `Identifier` is listed (used for `SortBy`);
    /// `None` when the capabilities list no queryables at all.
    pub identifier_queryable: Option<bool>,
    /// The service's title, for logs.
    pub title: Option<String>,
}

impl Capabilities {
    /// Reads `csw:Capabilities`.
    pub fn from_tree(root: &Element) -> Result<Capabilities, CswError> {
        if root.name == "ows:ExceptionReport" {
            return Err(CswError::Capabilities(
                "the server answered GetCapabilities with an exception report".into(),
            ));
        }
        if !root.name.ends_with(":Capabilities") && root.name != "Capabilities" {
            return Err(CswError::Capabilities(format!(
                "the GetCapabilities response's root element is <{}>, not csw:Capabilities: is the endpoint a CSW?",
                root.name
            )));
        }
        let mut caps = Capabilities {
            title: root
                .path(&["ows:ServiceIdentification", "ows:Title"])
                .and_then(Element::own_text),
            ..Default::default()
        };
        let Some(ops) = root.child("ows:OperationsMetadata") else {
            // No operations metadata: assume the mandatory operations.
            caps.get_records = true;
            caps.post = true;
            caps.get = true;
            return Ok(caps);
        };
        for op in ops.children_named("ows:Operation") {
            if op.attr("name") != Some("GetRecords") {
                continue;
            }
            caps.get_records = true;
            for http in op.all(&["ows:DCP", "ows:HTTP"]) {
                for m in &http.children {
                    match m.name.as_str() {
                        "ows:Get" => caps.get = true,
                        "ows:Post" => {
                            // PostEncoding SOAP only: not for us.
                            let encodings: Vec<String> = m
                                .children_named("ows:Constraint")
                                .filter(|c| {
                                    c.attr("name")
                                        .is_some_and(|n| n.eq_ignore_ascii_case("PostEncoding"))
                                })
                                .flat_map(|c| {
                                    c.children_named("ows:Value").filter_map(Element::own_text)
                                })
                                .collect();
                            if encodings.is_empty()
                                || encodings.iter().any(|e| e.eq_ignore_ascii_case("XML"))
                            {
                                caps.post = true;
                            }
                        }
                        _ => {}
                    }
                }
            }
            let values = |name: &str| -> Vec<String> {
                op.children_named("ows:Parameter")
                    .filter(|p| p.attr("name").is_some_and(|n| n.eq_ignore_ascii_case(name)))
                    .flat_map(|p| {
                        p.descendants("ows:Value")
                            .into_iter()
                            .filter_map(Element::own_text)
                    })
                    .collect()
            };
            caps.output_schemas = values("outputSchema");
            caps.type_names = values("typeNames");
            if caps.type_names.is_empty() {
                caps.type_names = values("typeName");
            }
            caps.constraint_languages = values("CONSTRAINTLANGUAGE");
            let queryables: Vec<String> = op
                .children_named("ows:Constraint")
                .filter(|c| c.attr("name").is_some_and(|n| n.contains("Queryables")))
                .flat_map(|c| {
                    c.descendants("ows:Value")
                        .into_iter()
                        .filter_map(Element::own_text)
                })
                .collect();
            if !queryables.is_empty() {
                caps.identifier_queryable = Some(queryables.iter().any(|q| {
                    let local = q.rsplit(':').next().unwrap_or(q);
                    local.eq_ignore_ascii_case("Identifier")
                }));
            }
        }
        if !caps.get && !caps.post {
            // Operations without DCP: assume both.
            caps.get = true;
            caps.post = true;
        }
        Ok(caps)
    }
}

/// How GetRecords is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Post,
    Get,
}

fn type_names_for(schema: &str) -> &'static str {
    match schema {
        "http://www.opengis.net/cat/csw/2.0.2" => "csw:Record",
        _ => "gmd:MD_Metadata",
    }
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The POST body of a GetRecords request.
pub fn get_records_xml(source: &CswSource, start: usize, sort: bool) -> String {
    let schema = xml_escape(&source.output_schema);
    let constraint = match &source.constraint {
        None => String::new(),
        Some(Constraint::Cql(cql)) => format!(
            "<csw:Constraint version=\"1.1.0\"><csw:CqlText>{}</csw:CqlText></csw:Constraint>",
            xml_escape(cql)
        ),
        Some(Constraint::Filter(filter)) => {
            format!(
                "<csw:Constraint version=\"1.1.0\">{}</csw:Constraint>",
                filter.trim()
            )
        }
    };
    let sort_by = if sort {
        "<ogc:SortBy><ogc:SortProperty><ogc:PropertyName>apiso:Identifier</ogc:PropertyName><ogc:SortOrder>ASC</ogc:SortOrder></ogc:SortProperty></ogc:SortBy>"
    } else {
        ""
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
<csw:GetRecords xmlns:csw=\"http://www.opengis.net/cat/csw/2.0.2\" xmlns:ogc=\"http://www.opengis.net/ogc\" \
xmlns:gmd=\"http://www.isotc211.org/2005/gmd\" xmlns:apiso=\"http://www.opengis.net/cat/csw/apiso/1.0\" \
xmlns:gml=\"http://www.opengis.net/gml\" service=\"CSW\" version=\"2.0.2\" resultType=\"results\" \
startPosition=\"{start}\" maxRecords=\"{max}\" outputFormat=\"application/xml\" outputSchema=\"{schema}\">\
<csw:Query typeNames=\"{tn}\"><csw:ElementSetName>full</csw:ElementSetName>{constraint}{sort_by}</csw:Query>\
</csw:GetRecords>",
        max = source.page_size,
        tn = type_names_for(&source.output_schema),
    )
}

/// The GET/KVP URL of a GetRecords request.
pub fn get_records_url(source: &CswSource, start: usize, sort: bool) -> String {
    let mut url = source.endpoint.clone();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("service", "CSW")
            .append_pair("version", "2.0.2")
            .append_pair("request", "GetRecords")
            .append_pair("typeNames", type_names_for(&source.output_schema))
            .append_pair(
                "namespace",
                "xmlns(gmd=http://www.isotc211.org/2005/gmd),xmlns(csw=http://www.opengis.net/cat/csw/2.0.2),xmlns(apiso=http://www.opengis.net/cat/csw/apiso/1.0)",
            )
            .append_pair("resultType", "results")
            .append_pair("elementSetName", "full")
            .append_pair("outputSchema", &source.output_schema)
            .append_pair("outputFormat", "application/xml")
            .append_pair("startPosition", &start.to_string())
            .append_pair("maxRecords", &source.page_size.to_string());
        match &source.constraint {
            None => {}
            Some(Constraint::Cql(cql)) => {
                q.append_pair("constraintLanguage", "CQL_TEXT")
                    .append_pair("constraint_language_version", "1.1.0")
                    .append_pair("constraint", cql);
            }
            Some(Constraint::Filter(filter)) => {
                q.append_pair("constraintLanguage", "FILTER")
                    .append_pair("constraint_language_version", "1.1.0")
                    .append_pair("constraint", filter.trim());
            }
        }
        if sort {
            q.append_pair("sortBy", "apiso:Identifier:A");
        }
    }
    url.to_string()
}

/// The GetCapabilities URL.
pub fn capabilities_url(source: &CswSource) -> String {
    let mut url = source.endpoint.clone();
    url.query_pairs_mut()
        .append_pair("service", "CSW")
        .append_pair("request", "GetCapabilities")
        .append_pair("acceptVersions", "2.0.2");
    url.to_string()
}

fn limits(source: &CswSource) -> XmlLimits {
    XmlLimits {
        max_record_bytes: source.max_record_bytes,
        ..XmlLimits::default()
    }
}

/// Fetches and reads the capabilities.
pub async fn get_capabilities(
    source: &CswSource,
    fetcher: &Fetcher,
) -> Result<Capabilities, CswError> {
    let url = capabilities_url(source);
    let headers = SourceHeaders::new(source.endpoint.as_str(), &source.headers);
    let doc = fetcher
        .get(&url, XML_ACCEPT, headers.for_url(&url))
        .await
        .map_err(|e| CswError::Fetch(e.to_string()))?;
    let mut lim = limits(source);
    lim.max_record_bytes = lim.max_record_bytes.max(16 * 1024 * 1024);
    let body = doc.body.clone();
    let tree = tokio::task::spawn_blocking(move || parse_tree(&body, &lim))
        .await
        .map_err(|e| CswError::Capabilities(format!("parser crashed: {e}")))?
        .map_err(|e| CswError::Capabilities(format!("{url}: {e}")))?;
    if tree.name == "ows:ExceptionReport" {
        if let Ok(Response::Exception(ex)) = parse_response(&doc.body, &limits(source)) {
            return Err(CswError::Exception(ex));
        }
    }
    Capabilities::from_tree(&tree)
}

/// The outcome of reading one page.
struct PageOutcome {
    page: Page,
    /// Record elements on the page (mapped, failed or skipped).
    returned: usize,
    matched: Option<u64>,
    next_record: Option<u64>,
}

/// Parses and maps a GetRecords response body (on the calling thread).
/// Exposed for tests and for reading recorded responses.
pub fn read_page(
    body: &[u8],
    url: &str,
    number: usize,
    xml: &XmlLimits,
    options: &MapOptions,
) -> Result<(Page, usize, Option<u64>, Option<u64>), CswError> {
    let started = Instant::now();
    let response = parse_response(body, xml).map_err(|e| CswError::Xml {
        url: url.to_owned(),
        snippet: match &e {
            // The refused DOCTYPE or entity declaration, not the page's start.
            XmlError::Dtd(refused) => refused.snippet.clone(),
            _ => snippet(&String::from_utf8_lossy(&body[..body.len().min(300)]), 300),
        },
        message: e.to_string(),
    })?;
    let records_page = match response {
        Response::Exception(ex) => return Err(CswError::Exception(ex)),
        Response::Records(p) => p,
    };
    let mut page = Page {
        url: url.to_owned(),
        number,
        bytes: body.len() as u64,
        ..Default::default()
    };
    let returned = records_page.records.len();
    for raw in records_page.records {
        let id = || format!("record {} of page {number}", raw.position);
        let Some(el) = &raw.element else {
            page.record_errors.push(RecordError {
                page_url: url.to_owned(),
                record: id(),
                reason: raw
                    .problem
                    .clone()
                    .unwrap_or_else(|| "unreadable record".into()),
                snippet: raw.snippet.clone(),
            });
            continue;
        };
        let iso = super::iso::IsoRecord::from_element(el);
        let label = match &iso.file_identifier {
            Some(f) => format!("{} (fileIdentifier {f})", id()),
            None => id(),
        };
        match map_record(&iso, url, options) {
            Ok(Mapped::Record(r)) => {
                page.warnings
                    .extend(crate::record::undated_warnings(&r, url));
                page.records.push(*r);
            }
            Ok(Mapped::Skipped(why)) => tracing::debug!(%url, record = %label, "{why}"),
            Err(reason) => page.record_errors.push(RecordError {
                page_url: url.to_owned(),
                record: label,
                reason,
                snippet: raw.snippet.clone(),
            }),
        }
    }
    page.parse_time = started.elapsed();
    Ok((
        page,
        returned,
        records_page.matched,
        records_page.next_record,
    ))
}

async fn fetch_page(
    source: &CswSource,
    fetcher: &Fetcher,
    method: Method,
    start: usize,
    sort: bool,
) -> Result<(String, crate::fetch::Document), FetchError> {
    let headers = SourceHeaders::new(source.endpoint.as_str(), &source.headers);
    match method {
        Method::Post => {
            let body = get_records_xml(source, start, sort);
            let url = source.endpoint.to_string();
            fetcher
                .post(
                    &url,
                    XML_ACCEPT,
                    "application/xml; charset=UTF-8",
                    body.into_bytes(),
                    headers.for_url(&url),
                )
                .await
                .map(|d| (format!("{url} (POST GetRecords startPosition={start})"), d))
        }
        Method::Get => {
            let url = get_records_url(source, start, sort);
            fetcher
                .get(&url, XML_ACCEPT, headers.for_url(&url))
                .await
                .map(|d| (url, d))
        }
    }
}

async fn load_page(
    source: &CswSource,
    fetcher: &Fetcher,
    method: Method,
    start: usize,
    sort: bool,
    number: usize,
) -> Result<PageOutcome, (String, CswError)> {
    let started = Instant::now();
    let (url, doc) = fetch_page(source, fetcher, method, start, sort)
        .await
        .map_err(|e| {
            let url = match method {
                Method::Post => source.endpoint.to_string(),
                Method::Get => get_records_url(source, start, sort),
            };
            (url, CswError::from_fetch(e))
        })?;
    let fetch_time = started.elapsed();
    let xml = limits(source);
    let options = MapOptions {
        defaults: source.defaults.clone(),
        include_services: source.include_services,
    };
    let url2 = url.clone();
    let joined =
        tokio::task::spawn_blocking(move || read_page(&doc.body, &url2, number, &xml, &options))
            .await;
    let result = match joined {
        Ok(r) => r,
        Err(e) => Err(CswError::Xml {
            url: url.clone(),
            message: format!("parser crashed: {e}"),
            snippet: String::new(),
        }),
    };
    match result {
        Ok((mut page, returned, matched, next_record)) => {
            page.fetch_time = fetch_time;
            Ok(PageOutcome {
                page,
                returned,
                matched,
                next_record,
            })
        }
        Err(e) => Err((url, e)),
    }
}

/// Harvests a CSW source; see [`super::harvest`].
pub async fn run(source: &CswSource, fetcher: &Fetcher, tx: mpsc::Sender<HarvestEvent>) {
    let finish = |complete: bool, reason: Option<String>| HarvestEvent::Finished {
        complete,
        reason,
        listing: None,
    };
    if source.page_size == 0 {
        let _ = tx
            .send(finish(false, Some("page_size must be at least 1".into())))
            .await;
        return;
    }
    // 1. Capabilities.
    let caps = match get_capabilities(source, fetcher).await {
        Ok(c) => c,
        Err(e) => {
            let _ = tx
                .send(finish(false, Some(format!("GetCapabilities failed: {e}"))))
                .await;
            return;
        }
    };
    if !caps.get_records {
        let _ = tx
            .send(finish(
                false,
                Some("the server's capabilities do not offer GetRecords".into()),
            ))
            .await;
        return;
    }
    if !caps.output_schemas.is_empty()
        && !caps
            .output_schemas
            .iter()
            .any(|s| s.trim() == source.output_schema)
    {
        let _ = tx
            .send(finish(
                false,
                Some(format!(
                    "the server does not offer outputSchema {} for GetRecords (it offers: {}); configure output_schema accordingly (only ISO 19139 is mapped)",
                    source.output_schema,
                    caps.output_schemas.join(", ")
                )),
            ))
            .await;
        return;
    }
    if let Some(Constraint::Cql(_)) = &source.constraint {
        if !caps.constraint_languages.is_empty()
            && !caps
                .constraint_languages
                .iter()
                .any(|l| l.eq_ignore_ascii_case("CQL_TEXT"))
        {
            tracing::warn!(endpoint = %source.endpoint, offered = ?caps.constraint_languages, "the server does not list CQL_TEXT; the constraint may be refused");
        }
    }
    let mut method = if caps.post { Method::Post } else { Method::Get };
    let mut sort = caps.identifier_queryable.unwrap_or(true);
    tracing::info!(endpoint = %source.endpoint, title = ?caps.title, ?method, sort, "CSW capabilities read");

    // 2. Pages.
    let mut start = 1usize;
    let mut number = 0usize;
    let mut seen: HashSet<String> = HashSet::new();
    let mut first = true;
    loop {
        number += 1;
        if number > source.max_pages {
            let _ = tx
                .send(finish(
                    false,
                    Some(format!(
                        "stopped after {} pages (max_pages); the listing may be longer",
                        source.max_pages
                    )),
                ))
                .await;
            return;
        }
        let mut outcome = load_page(source, fetcher, method, start, sort, number).await;
        // POST refused: fall back to GET/KVP for the rest of the harvest.
        if method == Method::Post && caps.get {
            if let Err((_, CswError::Http { status, .. })) = &outcome {
                if (400..500).contains(status) && *status != 429 {
                    tracing::warn!(endpoint = %source.endpoint, status, "GetRecords POST refused; falling back to GET/KVP");
                    method = Method::Get;
                    outcome = load_page(source, fetcher, method, start, sort, number).await;
                }
            }
        }
        // The first page refused with SortBy: try without it.
        if first && sort {
            if let Err((_, CswError::Exception(_) | CswError::Http { status: 400, .. })) = &outcome
            {
                tracing::warn!(endpoint = %source.endpoint, "GetRecords with SortBy refused; retrying without sorting (paging may be unstable)");
                sort = false;
                outcome = load_page(source, fetcher, method, start, sort, number).await;
            }
        }
        first = false;
        let outcome = match outcome {
            Ok(o) => o,
            Err((url, e)) => {
                let reason = e.to_string();
                let _ = tx
                    .send(HarvestEvent::PageFailed(PageError {
                        url,
                        number,
                        reason: reason.clone(),
                    }))
                    .await;
                let _ = tx
                    .send(finish(
                        false,
                        Some(format!(
                            "page {number} (startPosition {start}) failed: {reason}"
                        )),
                    ))
                    .await;
                return;
            }
        };
        let PageOutcome {
            mut page,
            returned,
            matched,
            next_record,
        } = outcome;
        page.records
            .retain(|r: &Record| seen.insert(r.dataset.as_str().to_owned()));
        if tx.send(HarvestEvent::Page(page)).await.is_err() {
            return;
        }
        let covered = start - 1 + returned;
        let matched_usize = matched.map(|m| usize::try_from(m).unwrap_or(usize::MAX));
        let covers_all = matched_usize.is_none_or(|m| covered >= m);
        let end = |why: &str| -> (bool, Option<String>) {
            if covers_all {
                (true, None)
            } else {
                (
                    false,
                    Some(format!(
                        "{why}, but only {covered} of {} matched records were listed",
                        matched.unwrap_or(0)
                    )),
                )
            }
        };
        let stop: Option<(bool, Option<String>)> = if returned == 0 {
            Some(end(&format!("page {number} held no records")))
        } else if next_record == Some(0) {
            Some(end("the server signalled the end (nextRecord=0)"))
        } else if matched_usize.is_some_and(|m| covered >= m) {
            Some((true, None))
        } else if let (Some(n), Some(m)) = (next_record, matched) {
            if n > m {
                Some(end(&format!(
                    "nextRecord {n} is beyond numberOfRecordsMatched {m}"
                )))
            } else if usize::try_from(n).unwrap_or(usize::MAX) <= start {
                Some(end(&format!(
                    "nextRecord {n} does not advance past startPosition {start}"
                )))
            } else {
                None
            }
        } else if let Some(n) = next_record {
            if usize::try_from(n).unwrap_or(usize::MAX) <= start {
                Some(end(&format!(
                    "nextRecord {n} does not advance past startPosition {start}"
                )))
            } else {
                None
            }
        } else if matched.is_none() && returned < source.page_size {
            // Neither nextRecord nor numberOfRecordsMatched: a short page ends it.
            Some((true, None))
        } else {
            None
        };
        if let Some((complete, reason)) = stop {
            let _ = tx.send(finish(complete, reason)).await;
            return;
        }
        if let Some(n) = next_record {
            if usize::try_from(n).ok() != Some(start + returned) {
                tracing::debug!(endpoint = %source.endpoint, next_record = n, advance_to = start + returned, "nextRecord differs from startPosition + records returned; advancing by the records returned");
            }
        }
        start += returned;
    }
}
