//! Export of the consolidated catalog: exactly what the catalog endpoint
//! serves (the Land catalog, the sources' catalogs and every listed
//! record's *exact* graph from the archive, not from Oxigraph's normalized
//! copy, as it goes upstream), in any RDF syntax, through the endpoint's own
//! code ([`pages`]). Quad syntaxes (N-Quads, TriG) keep one named graph per
//! record.

pub mod pages;

use crate::config::Config;
use crate::store::{CatalogStore, StoreError};
use harvester::vocab::{dcat, dct, foaf, rdf};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{Literal, NamedNode, Triple};
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

/// Common prefixes for readable Turtle/TriG/RDF-XML output (the catalog
/// endpoint's Turtle and TriG pages declare them all).
pub const PREFIXES: &[(&str, &str)] = &[
    ("rdf", harvester::vocab::rdf::NS),
    ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", harvester::vocab::xsd::NS),
    ("dcat", harvester::vocab::dcat::NS),
    ("dct", harvester::vocab::dct::NS),
    ("foaf", harvester::vocab::foaf::NS),
    ("vcard", harvester::vocab::vcard::NS),
    ("adms", "http://www.w3.org/ns/adms#"),
    ("skos", "http://www.w3.org/2004/02/skos/core#"),
    ("dcatde", harvester::vocab::dcatde::NS),
    ("hydra", harvester::vocab::hydra::NS),
    ("locn", "http://www.w3.org/ns/locn#"),
    ("prov", harvester::vocab::prov::NS),
    ("schema", "http://schema.org/"),
    ("owl", "http://www.w3.org/2002/07/owl#"),
    ("spdx", "http://spdx.org/rdf/terms#"),
    ("dcatap", harvester::vocab::dcatap::NS),
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

/// Writes the catalog (optionally of one source) to `out`: exactly what
/// the catalog endpoint serves ([`pages::write_page`]: the Land catalog or
/// the source's, the sub-catalogs, the dataset links and every listed
/// record's graph as it goes upstream), as one page without paging links.
/// `all` lists every stored record instead of the endpoint's (withdrawn
/// records and duplicates too).
pub fn export(
    store: &CatalogStore,
    config: &Config,
    source: Option<&str>,
    all: bool,
    format: RdfFormat,
    out: impl Write,
) -> Result<ExportStats, ExportError> {
    if let Some(s) = source {
        if config.source(s).is_none() && !store.stored_sources()?.iter().any(|x| x == s) {
            return Err(ExportError::UnknownSource(s.to_owned()));
        }
    }
    let view = if all {
        pages::View::read_all(store)?
    } else {
        pages::View::read(store)?
    };
    let req = pages::PageRequest {
        source: source.map(str::to_owned),
        page: 1,
        after: None,
        modified_since: None,
    };
    let page = |e: pages::PageError| match e {
        pages::PageError::Export(e) => e,
        pages::PageError::NotFound(m) => ExportError::Other(m),
    };
    let selection = pages::select(&view, &req, usize::MAX).map_err(page)?;
    let stats =
        pages::write_page(store, config, &req, &selection, None, format, out).map_err(page)?;
    Ok(ExportStats {
        records: stats.datasets,
        triples: stats.triples,
    })
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
