//! Streaming, bounded XML reading for CSW responses (quick-xml).
//!
//! Safety rules, which hold for every document this module reads:
//!
//! - **No DTD processing.** Every document first passes the harvester's DTD
//!   rule ([`crate::xml_guard::check`]): a DOCTYPE with an internal subset, or
//!   an entity declaration anywhere (billion laughs, quadratic blow-up, XXE),
//!   refuses the whole document, whatever its case, comments or position; a
//!   plain DOCTYPE is ignored and never fetched. Only the five predefined
//!   entities and character references are expanded; any other `&name;` is
//!   an error.
//! - **Bounded work.** Element depth, the bytes of one record and the number of
//!   records on a page are capped ([`XmlLimits`]); a record over the byte limit
//!   is skipped (reported), not built.
//! - **Names by namespace.** Elements are named `prefix:local` with a
//!   *canonical* prefix chosen from the namespace IRI (so `gmd:` works whatever
//!   prefix the server used); unknown namespaces give `{iri}local`. InGrid IDF
//!   wrappers (`idf:idfMdMetadata`, `idf:idfResponsibleParty`,
//!   `idf:idfOnlineResource`) are renamed to their `gmd:` equivalents.
//!
//! A GetRecords page is read in one pass: the `csw:SearchResults` attributes
//! and one [`RawRecord`] per child of `csw:SearchResults`, each built into a
//! small [`Element`] tree only while it stays inside the limits.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

/// Limits on XML reading.
#[derive(Debug, Clone)]
pub struct XmlLimits {
    /// Deepest element nesting accepted anywhere in the document.
    pub max_depth: usize,
    /// Largest single record (bytes of one `MD_Metadata` element).
    pub max_record_bytes: usize,
    /// Most records accepted on one page.
    pub max_page_records: usize,
}

impl Default for XmlLimits {
    fn default() -> Self {
        Self {
            max_depth: 128,
            max_record_bytes: 4 * 1024 * 1024,
            max_page_records: 10_000,
        }
    }
}

/// An XML element with canonical names, attributes, text and children.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Element {
    /// Canonical `prefix:local` name (see the module docs).
    pub name: String,
    /// Attributes by canonical name (`codeListValue`, `xlink:href`, …).
    pub attrs: Vec<(String, String)>,
    /// Concatenated character data directly inside the element.
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All children with this name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first element reached by following child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        let mut cur = self;
        for n in names {
            cur = cur.child(n)?;
        }
        Some(cur)
    }

    /// All elements reached by following child names (fan-out at every step).
    pub fn all<'a>(&'a self, names: &[&'a str]) -> Vec<&'a Element> {
        let mut cur: Vec<&'a Element> = vec![self];
        for n in names {
            cur = cur.iter().flat_map(|e| e.children_named(n)).collect();
        }
        cur
    }

    /// All descendants (not self) with this name, in document order, not
    /// descending into matches.
    pub fn descendants<'a>(&'a self, name: &str) -> Vec<&'a Element> {
        let mut out = Vec::new();
        fn walk<'a>(e: &'a Element, name: &str, out: &mut Vec<&'a Element>) {
            for c in &e.children {
                if c.name == name {
                    out.push(c);
                } else {
                    walk(c, name, out);
                }
            }
        }
        walk(self, name, &mut out);
        out
    }

    /// An attribute value.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The element's own text, trimmed, or `None` when blank.
    pub fn own_text(&self) -> Option<String> {
        let t = self.text.trim();
        (!t.is_empty()).then(|| t.to_owned())
    }

    /// The value of an ISO property element: the text of its
    /// `gco:CharacterString`, `gmx:Anchor`, `gmd:URL`, any other `gco:` value
    /// child, a code list element's text or `codeListValue`, or its own text.
    pub fn value(&self) -> Option<String> {
        for c in &self.children {
            let is_value = c.name == "gco:CharacterString"
                || c.name == "gmx:Anchor"
                || c.name == "gmd:URL"
                || c.name == "gmd:PT_FreeText"
                || c.name.starts_with("gco:")
                || c.name == "gmx:FileName"
                || c.name == "gmx:MimeFileType";
            if is_value {
                if let Some(t) = c.own_text() {
                    return Some(t);
                }
            }
            if let Some(v) = c.attr("codeListValue") {
                let v = v.trim();
                if !v.is_empty() {
                    return Some(v.to_owned());
                }
                if let Some(t) = c.own_text() {
                    return Some(t);
                }
            }
        }
        self.own_text()
    }

    /// The `xlink:href` of a `gmx:Anchor` child (or of the element itself).
    pub fn anchor_href(&self) -> Option<String> {
        self.child("gmx:Anchor")
            .and_then(|a| a.attr("xlink:href"))
            .or_else(|| self.attr("xlink:href"))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
}

/// Namespace IRI -> canonical prefix.
fn canonical_prefix(ns: &str) -> Option<&'static str> {
    Some(match ns {
        "http://www.isotc211.org/2005/gmd" => "gmd",
        "http://www.isotc211.org/2005/gco" => "gco",
        "http://www.isotc211.org/2005/gmx" => "gmx",
        "http://www.isotc211.org/2005/gmi" => "gmi",
        "http://www.isotc211.org/2005/srv" => "srv",
        "http://www.isotc211.org/2005/gts" => "gts",
        "http://www.opengis.net/gml" | "http://www.opengis.net/gml/3.2" => "gml",
        "http://www.w3.org/1999/xlink" => "xlink",
        "http://www.opengis.net/cat/csw/2.0.2" => "csw",
        "http://www.opengis.net/cat/csw/3.0" => "csw30",
        "http://www.opengis.net/ows" | "http://www.opengis.net/ows/1.1" => "ows",
        "http://www.opengis.net/ows/2.0" => "ows",
        "http://www.opengis.net/ogc" => "ogc",
        "http://www.portalu.de/IDF/1.0" => "idf",
        "http://www.w3.org/2001/XMLSchema-instance" => "xsi",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#" => "rdf",
        "http://www.w3.org/ns/dcat#" => "dcat",
        "http://purl.org/dc/elements/1.1/" => "dc",
        "http://purl.org/dc/terms/" => "dct",
        "http://www.w3.org/2003/05/soap-envelope" => "soap",
        "http://schemas.xmlsoap.org/soap/envelope/" => "soap",
        "http://www.w3.org/XML/1998/namespace" => "xml",
        _ if ns.starts_with("http://standards.iso.org/iso/19115/-3/") => {
            // ISO 19115-3: mdb, cit, mri, … (named by their last segment).
            return ns
                .trim_end_matches('/')
                .rsplit('/')
                .nth(1)
                .map(|p| match p {
                    "mdb" => "mdb",
                    _ => "iso19115-3",
                });
        }
        _ => return None,
    })
}

fn canonical_name(resolved: &ResolveResult<'_>, local: &str, raw: &str) -> String {
    match resolved {
        ResolveResult::Bound(ns) => {
            let ns: &str = ns.as_ref();
            let name = match canonical_prefix(ns) {
                Some(p) => {
                    let mut n = String::with_capacity(p.len() + 1 + local.len());
                    n.push_str(p);
                    n.push(':');
                    n.push_str(local);
                    n
                }
                None => format!("{{{ns}}}{local}"),
            };
            match name.as_str() {
                "idf:idfMdMetadata" => "gmd:MD_Metadata".to_owned(),
                "idf:idfResponsibleParty" => "gmd:CI_ResponsibleParty".to_owned(),
                "idf:idfOnlineResource" => "gmd:CI_OnlineResource".to_owned(),
                _ => name,
            }
        }
        ResolveResult::Unbound => local.to_owned(),
        // An undeclared prefix: keep it as written.
        ResolveResult::Unknown(_) => raw.to_owned(),
    }
}

/// Why a document could not be read.
#[derive(Debug, Clone, thiserror::Error)]
pub enum XmlError {
    #[error("not well-formed XML at byte {position}: {message}")]
    Syntax { position: u64, message: String },
    /// The DTD rule refused the document (internal subset, entity
    /// declarations, malformed DOCTYPE).
    #[error("{0}")]
    Dtd(#[from] crate::xml_guard::DtdRefused),
    #[error("undefined entity &{0}; (DTD entities are not processed)")]
    UndefinedEntity(String),
    #[error("elements nested deeper than {0} levels")]
    TooDeep(usize),
    #[error("more than {0} records on one page")]
    TooManyRecords(usize),
    #[error("the document is not UTF-8 encoded: {0}")]
    Encoding(String),
    #[error("{0}")]
    Structure(String),
}

/// One child of `csw:SearchResults` (or a bare record document).
#[derive(Debug, Clone)]
pub struct RawRecord {
    /// 1-based position on the page.
    pub position: usize,
    /// The record's canonical element name (e.g. `gmd:MD_Metadata`).
    pub name: String,
    /// The element tree (`None` when the record was too large or of a schema
    /// that is not read).
    pub element: Option<Element>,
    /// Why the record was not built, if so.
    pub problem: Option<String>,
    /// The record's first bytes, for error reports.
    pub snippet: String,
}

/// What a response document turned out to be.
#[derive(Debug, Clone)]
pub enum Response {
    /// A `csw:GetRecordsResponse` (or `GetRecordByIdResponse`, or a bare record).
    Records(RecordsPage),
    /// An `ows:ExceptionReport`.
    Exception(ExceptionReport),
}

/// The content of a GetRecords page.
#[derive(Debug, Clone, Default)]
pub struct RecordsPage {
    /// The root element name.
    pub root: String,
    pub matched: Option<u64>,
    pub returned: Option<u64>,
    pub next_record: Option<u64>,
    pub record_schema: Option<String>,
    pub records: Vec<RawRecord>,
}

/// An OWS exception report.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExceptionReport {
    pub code: Option<String>,
    pub locator: Option<String>,
    pub text: String,
}

impl std::fmt::Display for ExceptionReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CSW exception report: exceptionCode={}{}: {}",
            self.code.as_deref().unwrap_or("(none)"),
            self.locator
                .as_deref()
                .map(|l| format!(", locator={l}"))
                .unwrap_or_default(),
            if self.text.is_empty() {
                "(no ExceptionText)"
            } else {
                &self.text
            }
        )
    }
}

/// Record element names that hold ISO 19139 we can map.
pub fn is_iso19139(name: &str) -> bool {
    name == "gmd:MD_Metadata" || name == "gmi:MI_Metadata" || name == "idf:html"
}

/// A clear message for a record element of a schema we do not read.
pub fn unsupported_record(name: &str) -> String {
    match name {
        "mdb:MD_Metadata" => "the record is ISO 19115-3 (mdb:MD_Metadata), which this harvester does not map; configure output_schema = \"http://www.isotc211.org/2005/gmd\" (ISO 19139) if the server offers it".to_owned(),
        "csw:Record" | "csw:SummaryRecord" | "csw:BriefRecord" | "csw30:Record" | "csw30:SummaryRecord" | "csw30:BriefRecord" => format!(
            "the record is Dublin Core ({name}); configure output_schema = \"http://www.isotc211.org/2005/gmd\" with typeNames gmd:MD_Metadata to get ISO 19139 records"
        ),
        "rdf:RDF" | "dcat:Dataset" | "dcat:Catalog" => format!(
            "the record is DCAT RDF ({name}); harvest this server with kind = \"dcat\" or configure output_schema = \"http://www.isotc211.org/2005/gmd\""
        ),
        other => format!(
            "unsupported record element {other}; expected gmd:MD_Metadata or gmi:MI_Metadata (ISO 19139, output_schema = \"http://www.isotc211.org/2005/gmd\")"
        ),
    }
}

/// Converts the body to text (UTF-8, with a BOM dropped; ISO-8859-1 when the
/// XML declaration says so).
pub fn decode(body: &[u8]) -> Result<std::borrow::Cow<'_, str>, XmlError> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match std::str::from_utf8(body) {
        Ok(s) => Ok(std::borrow::Cow::Borrowed(s)),
        Err(e) => {
            let head = String::from_utf8_lossy(&body[..body.len().min(200)]).to_ascii_lowercase();
            if head.starts_with("<?xml")
                && (head.contains("iso-8859-1")
                    || head.contains("iso-8859-15")
                    || head.contains("latin1")
                    || head.contains("windows-1252"))
            {
                Ok(std::borrow::Cow::Owned(
                    body.iter().map(|&b| b as char).collect(),
                ))
            } else {
                Err(XmlError::Encoding(e.to_string()))
            }
        }
    }
}

/// The harvester's DTD rule on the text the reader will see.
fn check_dtd(text: &str) -> Result<(), XmlError> {
    Ok(crate::xml_guard::check(text.as_bytes(), "XML")?)
}

fn predefined(name: &str) -> Option<char> {
    Some(match name {
        "lt" => '<',
        "gt" => '>',
        "amp" => '&',
        "apos" => '\'',
        "quot" => '"',
        _ => return None,
    })
}

struct Reader<'a> {
    inner: NsReader<&'a [u8]>,
    text: &'a str,
    limits: &'a XmlLimits,
    depth: usize,
}

/// One resolved event, with everything owned or borrowed from the input.
enum Ev<'a> {
    Start(Element),
    Empty(Element),
    End,
    Text(std::borrow::Cow<'a, str>),
    Eof,
}

impl<'a> Reader<'a> {
    fn new(text: &'a str, limits: &'a XmlLimits) -> Self {
        let mut inner = NsReader::from_reader(text.as_bytes());
        inner.config_mut().check_end_names = true;
        Self {
            inner,
            text,
            limits,
            depth: 0,
        }
    }

    fn position(&self) -> usize {
        usize::try_from(self.inner.buffer_position()).unwrap_or(usize::MAX)
    }

    fn syntax(&self, e: impl std::fmt::Display) -> XmlError {
        XmlError::Syntax {
            position: self.inner.error_position(),
            message: e.to_string(),
        }
    }

    fn element(
        &self,
        start: &BytesStart<'_>,
        resolved: &ResolveResult<'_>,
    ) -> Result<Element, XmlError> {
        let name = canonical_name(resolved, start.local_name().as_ref(), start.name().as_ref());
        let mut attrs = Vec::new();
        for attr in start.attributes().with_checks(false) {
            let attr = attr.map_err(|e| self.syntax(e))?;
            let key = attr.key;
            if key.as_ref().starts_with("xmlns") {
                continue;
            }
            let (res, local) = self.inner.resolver().resolve_attribute(key);
            let aname = canonical_name(&res, local.as_ref(), key.as_ref());
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, n),
                    ) => XmlError::UndefinedEntity(n),
                    other => self.syntax(other),
                })?
                .into_owned();
            attrs.push((aname, value));
        }
        Ok(Element {
            name,
            attrs,
            text: String::new(),
            children: Vec::new(),
        })
    }

    fn next(&mut self) -> Result<Ev<'a>, XmlError> {
        loop {
            let event = match self.inner.read_event() {
                Ok(ev) => ev,
                Err(e) => {
                    return Err(XmlError::Syntax {
                        position: self.inner.error_position(),
                        message: e.to_string(),
                    })
                }
            };
            match event {
                Event::Start(s) => {
                    let (resolved, _) = self.inner.resolver().resolve_element(s.name());
                    let el = self.element(&s, &resolved)?;
                    self.depth += 1;
                    if self.depth > self.limits.max_depth {
                        return Err(XmlError::TooDeep(self.limits.max_depth));
                    }
                    return Ok(Ev::Start(el));
                }
                Event::Empty(s) => {
                    let (resolved, _) = self.inner.resolver().resolve_element(s.name());
                    let el = self.element(&s, &resolved)?;
                    return Ok(Ev::Empty(el));
                }
                Event::End(_) => {
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(Ev::End);
                }
                Event::Text(t) if t.contains('\r') => {
                    // XML 1.0 end-of-line normalization.
                    return Ok(Ev::Text(std::borrow::Cow::Owned(
                        t.xml10_content().into_owned(),
                    )));
                }
                // Borrowed from the input: no copy per text node.
                Event::Text(t) => return Ok(Ev::Text(t.into_inner())),
                Event::CData(c) => {
                    let s = c.into_inner().into_owned();
                    return Ok(Ev::Text(std::borrow::Cow::Owned(s)));
                }
                Event::GeneralRef(r) => {
                    let name: String = (*r).to_owned();
                    if let Ok(Some(ch)) = r.resolve_char_ref() {
                        return Ok(Ev::Text(std::borrow::Cow::Owned(ch.to_string())));
                    }
                    if let Some(ch) = predefined(&name) {
                        return Ok(Ev::Text(std::borrow::Cow::Owned(ch.to_string())));
                    }
                    return Err(XmlError::UndefinedEntity(name));
                }
                Event::DocType(d) => {
                    // `check_dtd` refused every DOCTYPE but plain ones before
                    // reading began; this one is ignored.
                    let text: String = (*d).to_owned();
                    tracing::debug!(
                        "ignoring DOCTYPE (never fetched): {}",
                        crate::record::snippet(&text, 120)
                    );
                }
                Event::Eof => return Ok(Ev::Eof),
                Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            }
        }
    }

    /// Builds the element just opened (`root`) up to its end tag.
    /// `start` is the byte offset of its start tag. With `max_bytes`, an
    /// element that grows larger is consumed but not built (`Ok(None)`).
    fn build(
        &mut self,
        root: Element,
        start: usize,
        max_bytes: Option<usize>,
    ) -> Result<Option<Element>, XmlError> {
        let mut stack: Vec<Element> = vec![root];
        let mut overflow = false;
        let mut open = 1usize; // open elements while skipping
        loop {
            if !overflow {
                if let Some(max) = max_bytes {
                    if self.position().saturating_sub(start) > max {
                        overflow = true;
                        open = stack.len();
                        stack.clear();
                    }
                }
            }
            match self.next()? {
                Ev::Start(el) => {
                    if overflow {
                        open += 1;
                    } else {
                        stack.push(el);
                    }
                }
                Ev::Empty(el) => {
                    if !overflow {
                        if let Some(parent) = stack.last_mut() {
                            parent.children.push(el);
                        }
                    }
                }
                Ev::Text(t) => {
                    if !overflow {
                        if let Some(cur) = stack.last_mut() {
                            // Indentation before any content is never part of
                            // a value (values are trimmed): no allocation.
                            if !(cur.text.is_empty() && t.trim().is_empty()) {
                                cur.text.push_str(&t);
                            }
                        }
                    }
                }
                Ev::End => {
                    if overflow {
                        open -= 1;
                        if open == 0 {
                            return Ok(None);
                        }
                    } else {
                        let done = stack.pop().unwrap_or_default();
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(done),
                            None => return Ok(Some(done)),
                        }
                    }
                }
                Ev::Eof => {
                    return Err(XmlError::Syntax {
                        position: self.inner.buffer_position(),
                        message: "unexpected end of document (truncated?)".to_owned(),
                    })
                }
            }
        }
    }

    /// Skips the element just opened up to its end tag.
    fn skip(&mut self) -> Result<(), XmlError> {
        let mut open = 1usize;
        loop {
            match self.next()? {
                Ev::Start(_) => open += 1,
                Ev::End => {
                    open -= 1;
                    if open == 0 {
                        return Ok(());
                    }
                }
                Ev::Eof => {
                    return Err(XmlError::Syntax {
                        position: self.inner.buffer_position(),
                        message: "unexpected end of document (truncated?)".to_owned(),
                    })
                }
                _ => {}
            }
        }
    }

    fn snippet(&self, start: usize) -> String {
        let end = self.position().min(self.text.len()).max(start);
        let mut cut = (start + 400).min(end);
        while !self.text.is_char_boundary(cut) {
            cut -= 1;
        }
        let s = self.text.get(start..cut).unwrap_or("");
        crate::record::snippet(s, 400)
    }

    /// Reads to the end of the document and checks it is well-formed.
    fn finish(&mut self) -> Result<(), XmlError> {
        loop {
            match self.next()? {
                Ev::Eof => return Ok(()),
                Ev::Start(_) => self.skip()?,
                _ => {}
            }
        }
    }
}

/// Reads a whole document into one tree (for capabilities and exception
/// reports), with the same safety rules and `max_bytes` as the record bound.
pub fn parse_tree(body: &[u8], limits: &XmlLimits) -> Result<Element, XmlError> {
    let text = decode(body)?;
    check_dtd(&text)?;
    let mut r = Reader::new(&text, limits);
    loop {
        let before = r.position();
        match r.next()? {
            Ev::Start(el) => {
                let built = r.build(el, before, Some(limits.max_record_bytes))?;
                r.finish()?;
                return built.ok_or_else(|| {
                    XmlError::Structure(format!(
                        "document larger than {} bytes",
                        limits.max_record_bytes
                    ))
                });
            }
            Ev::Empty(el) => {
                r.finish()?;
                return Ok(el);
            }
            Ev::Text(_) | Ev::End => {}
            Ev::Eof => {
                return Err(XmlError::Structure(
                    "empty document (no root element)".into(),
                ))
            }
        }
    }
}

fn exception_from(tree: &Element) -> ExceptionReport {
    let ex = tree.descendants("ows:Exception").into_iter().next();
    let (code, locator, text) = match ex {
        Some(ex) => (
            ex.attr("exceptionCode").map(str::to_owned),
            ex.attr("locator").map(str::to_owned),
            ex.children_named("ows:ExceptionText")
                .filter_map(Element::own_text)
                .collect::<Vec<_>>()
                .join(" / "),
        ),
        None => (None, None, tree.own_text().unwrap_or_default()),
    };
    ExceptionReport {
        code,
        locator,
        text: crate::record::snippet(&text, 1000),
    }
}

fn parse_u64(el: &Element, name: &str) -> Option<u64> {
    el.attr(name).and_then(|v| v.trim().parse::<u64>().ok())
}

/// Reads a GetRecords (or GetRecordById) response, an exception report, or a
/// bare ISO record document.
pub fn parse_response(body: &[u8], limits: &XmlLimits) -> Result<Response, XmlError> {
    let text = decode(body)?;
    check_dtd(&text)?;
    let mut r = Reader::new(&text, limits);
    // The root element.
    let (root, root_empty, root_start) = loop {
        let before = r.position();
        match r.next()? {
            Ev::Start(el) => break (el, false, before),
            Ev::Empty(el) => break (el, true, before),
            Ev::Eof => {
                return Err(XmlError::Structure(
                    "empty document (no root element)".into(),
                ))
            }
            _ => {}
        }
    };
    // SOAP: descend into the body.
    let mut root = root;
    let mut root_start = root_start;
    if root.name == "soap:Envelope" && !root_empty {
        loop {
            let before = r.position();
            match r.next()? {
                Ev::Start(el) if el.name == "soap:Body" => {}
                Ev::Start(el) if el.name == "soap:Header" => r.skip()?,
                Ev::Start(el) => {
                    root = el;
                    root_start = before;
                    break;
                }
                Ev::Eof => return Err(XmlError::Structure("SOAP envelope without a body".into())),
                _ => {}
            }
        }
    }
    match root.name.as_str() {
        "ows:ExceptionReport" => {
            let tree = if root_empty {
                root
            } else {
                r.build(root, root_start, Some(limits.max_record_bytes))?
                    .unwrap_or_default()
            };
            Ok(Response::Exception(exception_from(&tree)))
        }
        "soap:Fault" => {
            let tree = r.build(root, root_start, Some(limits.max_record_bytes))?.unwrap_or_default();
            Ok(Response::Exception(ExceptionReport {
                code: Some("SOAP Fault".into()),
                locator: None,
                text: crate::record::snippet(&tree_text(&tree), 1000),
            }))
        }
        "csw:GetRecordsResponse" | "csw:GetRecordByIdResponse" | "csw30:GetRecordsResponse" => {
            let by_id = root.name.ends_with("GetRecordByIdResponse");
            let mut page = RecordsPage {
                root: root.name.clone(),
                ..Default::default()
            };
            if root_empty {
                return Ok(Response::Records(page));
            }
            let mut depth = 1usize; // inside root
            let mut in_results = false;
            loop {
                let before = r.position();
                match r.next()? {
                    Ev::Start(el) => {
                        let at_record_level = if by_id { depth == 1 } else { in_results && depth == 2 };
                        if at_record_level {
                            read_record(&mut r, &mut page, el, before, false)?;
                        } else if depth == 1 && el.name.ends_with(":SearchResults") {
                            take_results_attrs(&mut page, &el);
                            in_results = true;
                            depth += 1;
                        } else {
                            // SearchStatus, echoed requests and the like.
                            r.skip()?;
                        }
                    }
                    Ev::Empty(el) => {
                        let at_record_level = if by_id { depth == 1 } else { in_results && depth == 2 };
                        if at_record_level {
                            read_record(&mut r, &mut page, el, before, true)?;
                        } else if depth == 1 && el.name.ends_with(":SearchResults") {
                            take_results_attrs(&mut page, &el);
                        }
                    }
                    Ev::End => {
                        depth -= 1;
                        if depth == 1 {
                            in_results = false;
                        }
                        if depth == 0 {
                            r.finish()?;
                            return Ok(Response::Records(page));
                        }
                    }
                    Ev::Text(_) => {}
                    Ev::Eof => {
                        return Err(XmlError::Syntax {
                            position: r.inner.buffer_position(),
                            message: "unexpected end of document (truncated?)".into(),
                        })
                    }
                }
            }
        }
        name if is_iso19139(name) || name == "mdb:MD_Metadata" => {
            // A bare record document (GetRecordById without envelope, a file).
            let mut page = RecordsPage {
                root: root.name.clone(),
                ..Default::default()
            };
            read_record(&mut r, &mut page, root, root_start, root_empty)?;
            r.finish()?;
            page.matched = Some(page.records.len() as u64);
            page.returned = Some(page.records.len() as u64);
            Ok(Response::Records(page))
        }
        other => Err(XmlError::Structure(format!(
            "the response's root element is <{other}>, not a CSW GetRecordsResponse or an ISO 19139 record{}",
            if other == "rdf:RDF" {
                " (DCAT RDF: use kind = \"dcat\" or output_schema = \"http://www.isotc211.org/2005/gmd\")"
            } else if other.starts_with("csw:") || other.starts_with("csw30:") {
                " (is the endpoint a CSW 2.0.2 GetRecords URL?)"
            } else if other == "html" || other.ends_with("}html") {
                " (an HTML page: is the endpoint URL right?)"
            } else {
                ""
            }
        ))),
    }
}

fn tree_text(e: &Element) -> String {
    let mut out = e.text.trim().to_owned();
    for c in &e.children {
        let t = tree_text(c);
        if !t.is_empty() {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&t);
        }
    }
    out
}

fn take_results_attrs(page: &mut RecordsPage, el: &Element) {
    page.matched = parse_u64(el, "numberOfRecordsMatched");
    page.returned = parse_u64(el, "numberOfRecordsReturned");
    page.next_record = parse_u64(el, "nextRecord");
    page.record_schema = el.attr("recordSchema").map(str::to_owned);
}

fn read_record(
    r: &mut Reader<'_>,
    page: &mut RecordsPage,
    el: Element,
    start: usize,
    empty: bool,
) -> Result<(), XmlError> {
    if page.records.len() >= r.limits.max_page_records {
        return Err(XmlError::TooManyRecords(r.limits.max_page_records));
    }
    let position = page.records.len() + 1;
    let name = el.name.clone();
    if !is_iso19139(&name) {
        if !empty {
            r.skip()?;
        }
        page.records.push(RawRecord {
            position,
            problem: Some(unsupported_record(&name)),
            name,
            element: None,
            snippet: r.snippet(start),
        });
        return Ok(());
    }
    let built = if empty {
        Some(el)
    } else {
        r.build(el, start, Some(r.limits.max_record_bytes))?
    };
    let snippet = r.snippet(start);
    let (element, problem) = match built {
        None => (
            None,
            Some(format!(
                "record larger than the limit of {} bytes (max_record_bytes); skipped",
                r.limits.max_record_bytes
            )),
        ),
        Some(e) if e.name == "idf:html" => {
            match e.descendants("gmd:MD_Metadata").into_iter().next() {
                Some(md) => (Some(md.clone()), None),
                None => (
                    None,
                    Some("InGrid IDF document without idf:idfMdMetadata".to_owned()),
                ),
            }
        }
        Some(e) => (Some(e), None),
    };
    page.records.push(RawRecord {
        position,
        name,
        element,
        problem,
        snippet,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_are_refused() {
        let bomb = br#"<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><x>&b;</x>"#;
        let err = parse_response(bomb, &XmlLimits::default()).unwrap_err();
        assert!(matches!(err, XmlError::Dtd(_)), "{err}");
        // Lower case, after the root element, in a capabilities document.
        let late = br#"<x/><!doctype x [<!entity a "aaaa">]>"#;
        let err = parse_tree(late, &XmlLimits::default()).unwrap_err();
        assert!(matches!(err, XmlError::Dtd(_)), "{err}");
        assert!(err.to_string().contains("DOCTYPE internal subset"), "{err}");
        // A plain DOCTYPE is ignored.
        let plain = br#"<!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x>t</x>"#;
        assert_eq!(parse_tree(plain, &XmlLimits::default()).unwrap().text, "t");
    }

    #[test]
    fn undefined_entity_is_an_error() {
        let doc = b"<csw:GetRecordsResponse xmlns:csw='http://www.opengis.net/cat/csw/2.0.2'>&nbsp;</csw:GetRecordsResponse>";
        assert!(matches!(
            parse_response(doc, &XmlLimits::default()),
            Err(XmlError::UndefinedEntity(_))
        ));
    }

    #[test]
    fn depth_is_bounded() {
        let mut doc = String::from("<a>");
        for _ in 0..500 {
            doc.push_str("<b>");
        }
        let err = parse_tree(doc.as_bytes(), &XmlLimits::default()).unwrap_err();
        assert!(matches!(err, XmlError::TooDeep(_)), "{err}");
    }

    #[test]
    fn text_is_borrowed_normalized_and_joined_across_references() {
        let tree = parse_tree(
            b"<a>\r\n  <b>x\r\ny &amp; z &#xE4;</b>\n  <c> </c><d>&lt; &gt;</d></a>",
            &XmlLimits::default(),
        )
        .unwrap();
        assert_eq!(tree.children[0].text, "x\ny & z \u{e4}");
        assert_eq!(tree.children[1].text, "");
        assert_eq!(tree.children[2].text, "< >");
        assert_eq!(tree.text, "");
    }

    #[test]
    fn canonical_names_and_values() {
        let doc = r#"<x:MD_Metadata xmlns:x="http://www.isotc211.org/2005/gmd" xmlns:c="http://www.isotc211.org/2005/gco"><x:fileIdentifier><c:CharacterString> a &amp; b </c:CharacterString></x:fileIdentifier></x:MD_Metadata>"#;
        let tree = parse_tree(doc.as_bytes(), &XmlLimits::default()).unwrap();
        assert_eq!(tree.name, "gmd:MD_Metadata");
        assert_eq!(
            tree.child("gmd:fileIdentifier").unwrap().value().unwrap(),
            "a & b"
        );
    }

    #[test]
    fn oversized_record_is_skipped() {
        let mut doc = String::from(
            r#"<csw:GetRecordsResponse xmlns:csw="http://www.opengis.net/cat/csw/2.0.2" xmlns:gmd="http://www.isotc211.org/2005/gmd"><csw:SearchResults numberOfRecordsMatched="2" numberOfRecordsReturned="2" nextRecord="0"><gmd:MD_Metadata>"#,
        );
        for _ in 0..2000 {
            doc.push_str("<gmd:keyword>xxxxxxxxxxxxxxxxxxxxxxxx</gmd:keyword>");
        }
        doc.push_str(
            "</gmd:MD_Metadata><gmd:MD_Metadata/></csw:SearchResults></csw:GetRecordsResponse>",
        );
        let limits = XmlLimits {
            max_record_bytes: 10_000,
            ..Default::default()
        };
        let Response::Records(page) = parse_response(doc.as_bytes(), &limits).unwrap() else {
            panic!()
        };
        assert_eq!(page.records.len(), 2);
        assert!(page.records[0].element.is_none());
        assert!(page.records[0]
            .problem
            .as_ref()
            .unwrap()
            .contains("max_record_bytes"));
        assert!(page.records[1].element.is_some());
    }
}
