//! Reading an RDF document to validate (an upload, a file given to
//! `catalog-server validate`): any syntax, by media type or sniffed.

use oxrdf::Triple;
use std::path::Path;

/// The media type an RDF file's extension stands for (`None`: sniff).
pub fn media_type_for_path(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "ttl" => "text/turtle",
        "rdf" | "owl" | "xml" => "application/rdf+xml",
        "jsonld" | "json" => "application/ld+json",
        "nt" => "application/n-triples",
        "nq" => "application/n-quads",
        "trig" => "application/trig",
        _ => return None,
    })
}

/// A parsed document: its triples, with the invalid IRIs and language tags
/// that were repaired or left out on the way (as a harvest repairs them).
#[derive(Debug, Default)]
pub struct ParsedRdf {
    pub triples: Vec<Triple>,
    pub repairs: Vec<harvester::iri::Repair>,
}

/// Parses an RDF document of any syntax (by media type, sniffed when the
/// type is missing or wrong) with the catalog's parser: the DTD rule for
/// RDF/XML (`harvester::xml_guard`), offline JSON-LD contexts, invalid IRIs
/// repaired as a harvest repairs them ([`harvester::iri`]).
pub fn parse_rdf(body: &[u8], media_type: Option<&str>, name: &str) -> Result<ParsedRdf, String> {
    let base = if name.contains("://") {
        name.to_owned()
    } else {
        format!(
            "urn:dcat-catalog:upload:{}",
            name.replace(|c: char| c.is_whitespace(), "_")
        )
    };
    let doc = harvester::Document {
        url: name.to_owned(),
        final_url: url::Url::parse(&base)
            .map(|u| u.to_string())
            .unwrap_or_else(|_| "urn:dcat-catalog:upload".to_owned()),
        media_type: media_type.map(|m| {
            m.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        }),
        validators: Default::default(),
        body: bytes::Bytes::copy_from_slice(body),
    };
    let options = harvester::ParseOptions {
        contexts: crate::contexts::offline_contexts(),
    };
    harvester::rdf::parse_document(&doc, &options)
        .map(|d| ParsedRdf {
            triples: d.triples,
            repairs: d.repairs,
        })
        .map_err(|e| {
            if e.snippet.is_empty() {
                format!("{name}: {e}")
            } else {
                format!("{name}: {e} (near: {})", e.snippet)
            }
        })
}
