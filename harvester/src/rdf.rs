//! Parsing one fetched document into triples: syntax chosen by Content-Type,
//! with sniffing where the server's type is missing, generic or contradicted
//! by the body; the DTD rule for RDF/XML; offline JSON-LD contexts.
//!
//! **RDF/XML and DTDs.** Every document parsed as RDF/XML (harvested pages,
//! uploads to `POST /api/validate`, files given to `catalog-server validate`)
//! first passes [`crate::xml_guard::check`]: a document whose DOCTYPE has an
//! internal subset, or that declares entities (`<!ENTITY`, in any case,
//! anywhere — also in comments, after the root element or after megabytes of
//! leading text), is refused with a clear error before the parser sees it.
//! The RDF/XML parser expands entities eagerly, so one kilobyte of nested
//! entities would otherwise become gigabytes. A plain DOCTYPE
//! (`<!DOCTYPE rdf:RDF>`, or with a `SYSTEM`/`PUBLIC` identifier) is accepted
//! and never fetched. This also refuses harmless namespace entities
//! (`<!ENTITY xsd "…">` with `&xsd;date`): such documents must write their
//! IRIs out. The CSW reader applies the same rule ([`crate::csw::xml`]).

use crate::fetch::Document;
use crate::record::snippet;
use oxrdf::Triple;
use oxrdfio::{JsonLdProfileSet, LoadedDocument, RdfFormat, RdfParser};
use std::collections::HashMap;
use std::sync::Arc;

/// Fetches a remote JSON-LD context (blocking; called from a parsing thread).
pub type RemoteContextFetcher = Arc<dyn Fn(&str) -> Result<Vec<u8>, String> + Send + Sync>;

/// JSON-LD contexts known offline, by URL, and what to do with others.
#[derive(Clone, Default)]
pub struct JsonLdContexts {
    known: HashMap<String, Arc<Vec<u8>>>,
    remote: Option<RemoteContextFetcher>,
}

impl std::fmt::Debug for JsonLdContexts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonLdContexts")
            .field("known", &self.known.keys().collect::<Vec<_>>())
            .field("remote", &self.remote.is_some())
            .finish()
    }
}

impl JsonLdContexts {
    /// Registers a context document served for `url` without network access.
    pub fn insert(&mut self, url: impl Into<String>, document: Vec<u8>) {
        self.known.insert(url.into(), Arc::new(document));
    }

    /// Allows fetching contexts that are not known offline.
    pub fn with_remote(mut self, fetcher: RemoteContextFetcher) -> Self {
        self.remote = Some(fetcher);
        self
    }

    pub fn known_urls(&self) -> impl Iterator<Item = &str> {
        self.known.keys().map(String::as_str)
    }

    fn load(&self, url: &str) -> Result<LoadedDocument, String> {
        let key = url.split('#').next().unwrap_or(url);
        if let Some(doc) = self.known.get(key) {
            return Ok(LoadedDocument {
                url: key.to_owned(),
                content: doc.as_ref().clone(),
                format: RdfFormat::JsonLd {
                    profile: JsonLdProfileSet::empty(),
                },
            });
        }
        match &self.remote {
            Some(fetch) => Ok(LoadedDocument {
                url: key.to_owned(),
                content: fetch(key)?,
                format: RdfFormat::JsonLd {
                    profile: JsonLdProfileSet::empty(),
                },
            }),
            None => Err(format!(
                "remote JSON-LD context <{key}> is not known offline and fetching contexts is \
                 disabled (set harvest.fetch_remote_contexts = true to allow it)"
            )),
        }
    }
}

/// Options for parsing documents.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    pub contexts: JsonLdContexts,
}

/// Why a document could not be parsed. The message is meant for operators.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    pub message: String,
    /// The input around the error, when known.
    pub snippet: String,
}

impl ParseError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            snippet: String::new(),
        }
    }
}

/// A parsed document.
#[derive(Debug)]
pub struct ParsedDocument {
    pub triples: Vec<Triple>,
    pub format: RdfFormat,
    /// Set when the syntax differs from what the server declared.
    pub note: Option<String>,
    /// Invalid IRIs and language tags repaired or left out (see
    /// [`crate::iri`]); the triples hold the repaired terms.
    pub repairs: Vec<crate::iri::Repair>,
}

/// The RDF syntax a media type declares, if it names one.
pub fn format_for_media_type(media_type: &str) -> Option<RdfFormat> {
    Some(match media_type {
        "text/turtle" | "application/x-turtle" | "application/turtle" => RdfFormat::Turtle,
        "application/rdf+xml" => RdfFormat::RdfXml,
        "application/ld+json" | "application/json" | "application/activity+json" => {
            RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            }
        }
        "application/n-triples" => RdfFormat::NTriples,
        "application/n-quads" | "text/x-nquads" => RdfFormat::NQuads,
        "application/trig" | "application/x-trig" => RdfFormat::TriG,
        "text/n3" | "text/rdf+n3" => RdfFormat::N3,
        "application/xml" | "text/xml" => RdfFormat::RdfXml,
        _ => return None,
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Xml,
    Json,
    Text,
    Html,
}

fn family(format: RdfFormat) -> Family {
    match format {
        RdfFormat::RdfXml => Family::Xml,
        RdfFormat::JsonLd { .. } => Family::Json,
        _ => Family::Text,
    }
}

/// Guesses the syntax family from the first bytes of a body.
fn sniff(body: &[u8]) -> Option<Family> {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map(|i| &body[i..])?;
    let head = String::from_utf8_lossy(&start[..start.len().min(512)]).to_ascii_lowercase();
    if head.starts_with('{') || head.starts_with('[') {
        return Some(Family::Json);
    }
    if head.starts_with("<!doctype html") || head.starts_with("<html") {
        return Some(Family::Html);
    }
    if head.starts_with("<?xml") || head.starts_with("<!--") || head.starts_with("<!doctype") {
        // An XML prolog, possibly followed by an HTML root.
        if head.contains("<html") {
            return Some(Family::Html);
        }
        return Some(Family::Xml);
    }
    if let Some(rest) = head.strip_prefix('<') {
        // `<http://...>` starts a Turtle/N-Triples document; `<rdf:RDF ...>` an XML one.
        let token: String = rest
            .chars()
            .take_while(|c| *c != '>' && !c.is_whitespace())
            .collect();
        if token.contains("://") || token.is_empty() || token.starts_with('#') {
            return Some(Family::Text);
        }
        // `<rdf:RDF xmlns:…>` is XML; a bare `<a>` may be a relative IRI in Turtle.
        if token.contains(':') || head.contains("xmlns") {
            return Some(Family::Xml);
        }
        return None;
    }
    if head.starts_with('@')
        || head.starts_with("prefix")
        || head.starts_with("base")
        || head.starts_with('#')
        || head.starts_with("_:")
    {
        return Some(Family::Text);
    }
    None
}

/// Chooses the syntax for a document. Returns the format and a note when the
/// declared type was overridden.
pub fn choose_format(
    media_type: Option<&str>,
    body: &[u8],
) -> Result<(RdfFormat, Option<String>), ParseError> {
    let declared = media_type.and_then(format_for_media_type);
    let sniffed = sniff(body);
    if sniffed == Some(Family::Html) {
        return Err(ParseError {
            message: format!(
                "the server returned an HTML page (Content-Type {}), not RDF",
                media_type.unwrap_or("missing")
            ),
            snippet: snippet(&String::from_utf8_lossy(&body[..body.len().min(300)]), 200),
        });
    }
    let from_family = |f: Family| match f {
        Family::Xml => RdfFormat::RdfXml,
        Family::Json => RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
        // TriG is a superset of Turtle (and so of N-Triples).
        Family::Text | Family::Html => RdfFormat::TriG,
    };
    match (declared, sniffed) {
        (Some(d), Some(s)) if family(d) != s => Ok((
            from_family(s),
            Some(format!(
                "declared Content-Type {} does not match the body; parsed as {}",
                media_type.unwrap_or_default(),
                from_family(s).name()
            )),
        )),
        (Some(d), _) => Ok((d, None)),
        (None, Some(s)) => Ok((from_family(s), None)),
        (None, None) => Err(ParseError {
            message: format!(
                "cannot tell the RDF syntax: Content-Type is {} and the body does not look like \
                 Turtle, RDF/XML or JSON-LD",
                media_type.map_or("missing".to_owned(), |m| format!("{m:?}"))
            ),
            snippet: snippet(&String::from_utf8_lossy(&body[..body.len().min(300)]), 200),
        }),
    }
}

/// Parses a fetched document into triples (named graphs are merged).
///
/// The parser is lenient: an IRI or language tag that RFC 3987 or BCP 47
/// forbid does not make the document unreadable (real catalogs have them,
/// and one would cost every dataset of the page). Every term is checked
/// afterwards and repaired or its triple left out ([`crate::iri::tolerate`]);
/// the syntax itself is still checked.
pub fn parse_document(
    doc: &Document,
    options: &ParseOptions,
) -> Result<ParsedDocument, ParseError> {
    let body: &[u8] = doc.body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&doc.body);
    let (format, note) = choose_format(doc.media_type.as_deref(), body)?;
    if format == RdfFormat::RdfXml {
        crate::xml_guard::check(body, "RDF/XML").map_err(|e| ParseError {
            message: e.message,
            snippet: e.snippet,
        })?;
    }
    let parser = RdfParser::from_format(format)
        .lenient()
        .with_base_iri(doc.final_url.as_str())
        .map_err(|e| ParseError::new(format!("invalid base IRI {}: {e}", doc.final_url)))?;
    let mut triples = Vec::new();
    if matches!(format, RdfFormat::JsonLd { .. }) {
        // The loader may hold an HTTP client; a panic inside it cannot leave
        // shared state half-updated (it only reads), so it is unwind-safe.
        let contexts = std::panic::AssertUnwindSafe(options.contexts.clone());
        let loader =
            move |url: &str| -> Result<LoadedDocument, Box<dyn std::error::Error + Send + Sync>> {
                let contexts = &contexts;
                contexts.0.load(url).map_err(Into::into)
            };
        for quad in parser.for_reader(body).with_document_loader(loader) {
            match quad {
                Ok(q) => triples.push(Triple::from(q)),
                Err(oxrdfio::RdfParseError::Syntax(e)) => {
                    return Err(syntax_error(format, &e, body))
                }
                Err(oxrdfio::RdfParseError::Io(e)) => {
                    return Err(ParseError::new(format!("invalid {}: {e}", format.name())))
                }
            }
        }
    } else {
        for quad in parser.for_slice(body) {
            match quad {
                Ok(q) => triples.push(Triple::from(q)),
                Err(e) => return Err(syntax_error(format, &e, body)),
            }
        }
    }
    let parsed = triples.len();
    let (triples, repairs) = crate::iri::tolerate(triples);
    if parsed > 0 && triples.is_empty() {
        // Nothing usable is left: the document is not RDF a reader can use.
        return Err(ParseError {
            message: format!(
                "invalid {}: none of its {parsed} statements has valid IRIs",
                format.name()
            ),
            snippet: repairs.first().map(|r| r.describe()).unwrap_or_default(),
        });
    }
    Ok(ParsedDocument {
        triples,
        format,
        note,
        repairs,
    })
}

fn syntax_error(format: RdfFormat, e: &oxrdfio::RdfSyntaxError, body: &[u8]) -> ParseError {
    let snippet_text = e
        .location()
        .and_then(|l| usize::try_from(l.start.offset).ok())
        .map(|offset| {
            let from = offset.saturating_sub(60).min(body.len());
            let to = (offset + 60).min(body.len());
            snippet(&String::from_utf8_lossy(&body[from..to]), 160)
        })
        .unwrap_or_default();
    ParseError {
        message: format!("invalid {}: {e}", format.name()),
        snippet: snippet_text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn doc(media: Option<&str>, body: &str) -> Document {
        Document {
            url: "http://example.org/catalog".into(),
            final_url: "http://example.org/catalog".into(),
            media_type: media.map(str::to_owned),
            validators: Default::default(),
            body: Bytes::from(body.to_owned()),
        }
    }

    const TTL: &str = "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<d> a dcat:Dataset .";

    #[test]
    fn declared_type_is_used() {
        let parsed =
            parse_document(&doc(Some("text/turtle"), TTL), &ParseOptions::default()).unwrap();
        assert_eq!(parsed.triples.len(), 1);
        assert_eq!(
            parsed.triples[0].subject.to_string(),
            "<http://example.org/d>"
        );
        assert!(parsed.note.is_none());
    }

    #[test]
    fn wrong_declared_type_is_overridden_by_sniffing() {
        let parsed = parse_document(
            &doc(Some("application/rdf+xml"), TTL),
            &ParseOptions::default(),
        )
        .unwrap();
        assert_eq!(parsed.triples.len(), 1);
        assert!(parsed.note.unwrap().contains("does not match"));
        let xml = r#"<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#"><dcat:Dataset rdf:about="http://example.org/x"/></rdf:RDF>"#;
        for media in [
            Some("text/plain"),
            Some("application/octet-stream"),
            None,
            Some("text/turtle"),
        ] {
            let parsed = parse_document(&doc(media, xml), &ParseOptions::default()).unwrap();
            assert_eq!(parsed.triples.len(), 1, "{media:?}");
        }
        let json = r#"{"@id":"http://example.org/x","@type":"http://www.w3.org/ns/dcat#Dataset"}"#;
        let parsed =
            parse_document(&doc(Some("text/html"), json), &ParseOptions::default()).unwrap();
        assert_eq!(parsed.triples.len(), 1);
    }

    #[test]
    fn html_is_a_clear_error() {
        let err = parse_document(
            &doc(
                Some("text/html"),
                "<!DOCTYPE html><html><body>Wartung</body></html>",
            ),
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert!(err.message.contains("HTML page"), "{err}");
        assert!(err.snippet.contains("Wartung"));
    }

    #[test]
    fn syntax_errors_have_location_and_snippet() {
        let err = parse_document(
            &doc(
                Some("text/turtle"),
                "<a> <b> <c> .\n<a> <b> \"unterminated .",
            ),
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.message.contains("Turtle") || err.message.contains("TriG"),
            "{err}"
        );
        assert!(err.message.contains("line 2"), "{err}");
        assert!(err.snippet.contains("unterminated"), "{:?}", err.snippet);
    }

    #[test]
    fn jsonld_remote_context_offline() {
        let body = r#"{"@context":"https://example.org/ctx.jsonld","@id":"http://example.org/x","title":"T"}"#;
        let err = parse_document(
            &doc(Some("application/ld+json"), body),
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.message.contains("https://example.org/ctx.jsonld"),
            "{err}"
        );
        assert!(err.message.contains("fetch_remote_contexts"), "{err}");
        let mut options = ParseOptions::default();
        options.contexts.insert(
            "https://example.org/ctx.jsonld",
            br#"{"@context":{"title":"http://purl.org/dc/terms/title"}}"#.to_vec(),
        );
        let parsed = parse_document(&doc(Some("application/ld+json"), body), &options).unwrap();
        assert_eq!(parsed.triples.len(), 1);
        assert_eq!(
            parsed.triples[0].predicate.as_str(),
            "http://purl.org/dc/terms/title"
        );
    }

    /// The DTD rule (`crate::xml_guard`) on the RDF/XML path. A harmless
    /// namespace entity (`<!ENTITY xsd "…">`), accepted by the earlier text
    /// scan, is refused too: the rule is structural, not a size estimate.
    #[test]
    fn entity_guard() {
        let namespace_entity = r#"<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY xsd "http://www.w3.org/2001/XMLSchema#">]><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="http://example.org/x"><dct:issued rdf:datatype="&xsd;date">2024-01-01</dct:issued></rdf:Description></rdf:RDF>"#;
        let err = parse_document(
            &doc(Some("application/rdf+xml"), namespace_entity),
            &ParseOptions::default(),
        )
        .unwrap_err();
        assert!(
            err.message
                .contains("declares a DOCTYPE internal subset (entity declarations)"),
            "{err}"
        );
        assert!(
            err.message.contains("Publish RDF/XML without a DOCTYPE"),
            "{err}"
        );
        assert!(
            err.snippet.starts_with("<!DOCTYPE rdf:RDF ["),
            "{:?}",
            err.snippet
        );

        // A plain DOCTYPE, also with an external identifier, is accepted (and
        // never fetched).
        for doctype in [
            "<!DOCTYPE rdf:RDF>",
            r#"<!DOCTYPE rdf:RDF SYSTEM "http://example.invalid/rdf.dtd">"#,
            r#"<!DOCTYPE rdf:RDF PUBLIC "-//W3C//DTD RDF//EN" "http://example.invalid/rdf.dtd">"#,
        ] {
            let body = format!(
                r#"<?xml version="1.0"?>{doctype}<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dct="http://purl.org/dc/terms/"><rdf:Description rdf:about="http://example.org/x"><dct:title>T</dct:title></rdf:Description></rdf:RDF>"#
            );
            let parsed = parse_document(
                &doc(Some("application/rdf+xml"), &body),
                &ParseOptions::default(),
            )
            .unwrap_or_else(|e| panic!("{doctype}: {e}"));
            assert_eq!(parsed.triples.len(), 1, "{doctype}");
        }

        // Bombs and external entities, also when the body is sniffed as XML.
        for (media, body) in [
            (
                Some("application/rdf+xml"),
                r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><x>&b;</x>"#,
            ),
            (
                None,
                r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#,
            ),
            (
                Some("text/turtle"),
                r#"<?xml version="1.0"?><!doctype x [<!entity a "aaaaaaaaaa">]><x>&a;</x>"#,
            ),
        ] {
            let err = parse_document(&doc(media, body), &ParseOptions::default()).unwrap_err();
            assert!(err.message.contains("DOCTYPE internal subset"), "{err}");
        }
    }
}
