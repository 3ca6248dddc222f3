//! Export of the consolidated catalog: the Land catalog, each source's catalog
//! and every record's *exact* graph (from the archive, not from Oxigraph's
//! normalized copy), in any RDF syntax. Quad syntaxes (N-Quads, TriG) keep one
//! named graph per record.
//!
//! [`pages`] serves the same catalog page by page over HTTP.

pub mod pages;

use crate::config::Config;
use crate::store::vocab::graphs;
use crate::store::{CatalogStore, StoreError};
use harvester::vocab::{dcat, dct, foaf, rdf};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, Literal, NamedNode, QuadRef, Triple};
use std::io::Write;

/// Formats `export` writes, by CLI name.
pub fn format_by_name(name: &str) -> Option<RdfFormat> {
    Some(match name {
        "ttl" | "turtle" => RdfFormat::Turtle,
        "nt" | "ntriples" | "n-triples" => RdfFormat::NTriples,
        "nq" | "nquads" | "n-quads" => RdfFormat::NQuads,
        "trig" => RdfFormat::TriG,
        "rdf" | "xml" | "rdfxml" => RdfFormat::RdfXml,
        "jsonld" | "json-ld" => RdfFormat::JsonLd {
            profile: oxigraph::io::JsonLdProfileSet::empty(),
        },
        _ => return None,
    })
}

/// The RDF media types the HTTP views offer, in order of preference, with
/// the [`format_by_name`] name of each (`text/plain`: N-Triples).
pub const RDF_MEDIA_TYPES: &[(&str, &str)] = &[
    ("text/turtle", "ttl"),
    ("application/rdf+xml", "rdf"),
    ("application/ld+json", "jsonld"),
    ("application/n-triples", "nt"),
    ("text/plain", "nt"),
];

/// What an export wrote.
#[derive(Debug, Default, Clone, Copy)]
pub struct ExportStats {
    pub records: usize,
    pub triples: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
    #[error("unknown source {0:?}")]
    UnknownSource(String),
    #[error("{0}")]
    Other(String),
}

/// Common prefixes for readable Turtle/TriG/RDF-XML output.
pub const PREFIXES: &[(&str, &str)] = &[
    ("dcat", "http://www.w3.org/ns/dcat#"),
    ("dct", "http://purl.org/dc/terms/"),
    ("dcatde", "http://dcat-ap.de/def/dcatde/"),
    ("foaf", "http://xmlns.com/foaf/0.1/"),
    ("vcard", "http://www.w3.org/2006/vcard/ns#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#"),
    ("rdf", "http://www.w3.org/1999/02/22-rdf-syntax-ns#"),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("locn", "http://www.w3.org/ns/locn#"),
    ("prov", "http://www.w3.org/ns/prov#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("hydra", "http://www.w3.org/ns/hydra/core#"),
];

/// A serializer with the usual prefixes where the syntax has prefixes.
pub fn serializer(format: RdfFormat) -> RdfSerializer {
    let mut s = RdfSerializer::from_format(format);
    if matches!(
        format,
        RdfFormat::Turtle | RdfFormat::TriG | RdfFormat::RdfXml
    ) {
        for (p, iri) in PREFIXES {
            s = match s.clone().with_prefix(*p, *iri) {
                Ok(with) => with,
                Err(_) => s,
            };
        }
    }
    s
}

/// Writes the catalog (optionally of one source) to `out`.
pub fn export(
    store: &CatalogStore,
    config: &Config,
    source: Option<&str>,
    format: RdfFormat,
    out: impl Write,
) -> Result<ExportStats, ExportError> {
    let sources: Vec<String> = match source {
        Some(s) => {
            if config.source(s).is_none() && !store.stored_sources()?.iter().any(|x| x == s) {
                return Err(ExportError::UnknownSource(s.to_owned()));
            }
            vec![s.to_owned()]
        }
        None => store.stored_sources()?,
    };
    let quads = format.supports_datasets();
    let mut writer = serializer(format).for_writer(out);
    let mut stats = ExportStats::default();
    let mut emit = |t: &Triple,
                    graph: &GraphName,
                    writer: &mut oxigraph::io::WriterQuadSerializer<_>|
     -> std::io::Result<()> {
        stats.triples += 1;
        if quads {
            writer.serialize_quad(QuadRef::new(&t.subject, &t.predicate, &t.object, graph))
        } else {
            writer.serialize_triple(t)
        }
    };
    if source.is_none() {
        let land = land_catalog(config, &sources)?;
        for t in &land {
            emit(t, &GraphName::DefaultGraph, &mut writer)?;
        }
    }
    for s in &sources {
        let graph = GraphName::NamedNode(graphs::catalog(s));
        for t in store.catalog_triples(s)? {
            emit(&t, &graph, &mut writer)?;
        }
        for record in store.records(Some(s))? {
            let graph = GraphName::NamedNode(graphs::record(&record.rid));
            for t in store.exact_graph(&record)? {
                emit(&t, &graph, &mut writer)?;
            }
            stats.records += 1;
        }
    }
    writer.finish()?;
    Ok(stats)
}

/// The Land catalog: title, publisher, and `dct:hasPart` to each source catalog.
fn land_catalog(config: &Config, sources: &[String]) -> Result<Vec<Triple>, ExportError> {
    let iri = |s: &str| {
        NamedNode::new(s).map_err(|e| ExportError::Other(format!("invalid IRI {s:?}: {e}")))
    };
    let land = iri(&config.catalog_iri())?;
    let mut out = vec![
        Triple::new(land.clone(), rdf::TYPE, dcat::CATALOG.into_owned()),
        Triple::new(
            land.clone(),
            dct::TITLE,
            match &config.catalog.language {
                Some(lang) => Literal::new_language_tagged_literal(&config.catalog.title, lang)
                    .unwrap_or_else(|_| Literal::new_simple_literal(&config.catalog.title)),
                None => Literal::new_simple_literal(&config.catalog.title),
            },
        ),
    ];
    if let Some(d) = &config.catalog.description {
        out.push(Triple::new(
            land.clone(),
            dct::DESCRIPTION,
            Literal::new_simple_literal(d),
        ));
    }
    if let Some(p) = &config.catalog.publisher {
        let agent = iri(p.iri.as_str())?;
        out.push(Triple::new(land.clone(), dct::PUBLISHER, agent.clone()));
        out.push(Triple::new(
            agent.clone(),
            rdf::TYPE,
            foaf::AGENT.into_owned(),
        ));
        out.push(Triple::new(
            agent,
            foaf::NAME,
            Literal::new_simple_literal(&p.name),
        ));
    }
    if let Some(h) = &config.catalog.homepage {
        out.push(Triple::new(land.clone(), foaf::HOMEPAGE, iri(h.as_str())?));
    }
    for s in sources {
        let id = crate::config::SourceId(s.clone());
        out.push(Triple::new(
            land.clone(),
            dct::HAS_PART,
            iri(&config.source_catalog_iri(&id))?,
        ));
    }
    Ok(out)
}
