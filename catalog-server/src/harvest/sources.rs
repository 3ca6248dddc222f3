//! Which harvester a source kind gets (DCAT, CKAN, CSW) with its settings,
//! and the source's `dcat:Catalog` description, written from the config.

use super::Harvesting;
use crate::config::{SourceConfig, SourceKind};
use harvester::vocab::{dcat, dcatde, dct, foaf, rdf};
use harvester::{HarvestEvent, Location, SplitOptions};
use oxigraph::model::{Literal, NamedNode, Triple};
use std::collections::HashMap;
use tokio::sync::mpsc;

impl Harvesting {
    /// Starts the source's harvester, which sends its events to `tx`.
    pub fn spawn_harvester(
        &self,
        source: &SourceConfig,
        tx: mpsc::Sender<HarvestEvent>,
        since: Option<String>,
        memos: HashMap<String, harvester::dcat::PageMemo>,
    ) -> Result<tokio::task::JoinHandle<()>, String> {
        let location = Location::parse(&source.url, &self.config.base_dir())?;
        let headers: Vec<(String, String)> = source
            .headers
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let defaults = harvester::SourceDefaults {
            source_id: source.id.0.clone(),
            mint_base: self.config.mint_base(),
            publisher_name: source.publisher.as_ref().map(|p| p.name.clone()),
            publisher_iri: source.publisher.as_ref().map(|p| p.iri.0.clone()),
            contributor_id: source.contributor_id.as_ref().map(|i| i.0.clone()),
            geocoding: source.geocoding.as_ref().map(|i| i.0.clone()),
        };
        let http_url = || match &location {
            Location::Http(url) => Ok(url.clone()),
            Location::File(_) => Err(format!(
                "a {} source needs an http(s) URL, not a file",
                source.kind.as_str()
            )),
        };
        match source.kind {
            SourceKind::Ckan => {
                let mut spec = harvester::ckan::CkanSource::new(http_url()?);
                spec.fq = source.fq.clone();
                if let Some(rows) = source.rows {
                    spec.rows = rows;
                }
                spec.headers = headers;
                spec.max_pages = self.config.harvest.max_pages;
                spec.max_record_triples = self.config.harvest.max_record_triples;
                spec.defaults = defaults;
                // Incremental after a successful run; the full id listing
                // still drives withdrawals.
                spec.modified_since = since;
                let fetcher = self.fetcher.clone();
                Ok(tokio::spawn(async move {
                    harvester::ckan::harvest(&spec, &fetcher, tx).await;
                }))
            }
            SourceKind::Csw => {
                let mut spec = harvester::csw::CswSource::new(http_url()?, defaults);
                if let Some(size) = source.page_size {
                    spec.page_size = size;
                }
                spec.constraint = source
                    .constraint
                    .as_deref()
                    .and_then(harvester::csw::Constraint::parse);
                if let Some(schema) = &source.output_schema {
                    spec.output_schema = schema.clone();
                }
                spec.include_services = source.include_services;
                spec.headers = headers;
                spec.max_pages = self.config.harvest.max_pages;
                let fetcher = self.fetcher.clone();
                Ok(tokio::spawn(async move {
                    harvester::csw::harvest(&spec, &fetcher, tx).await;
                }))
            }
            SourceKind::Dcat => {
                let spec = harvester::dcat::DcatSource {
                    id: source.id.0.clone(),
                    location,
                    headers,
                    max_pages: self.config.harvest.max_pages,
                    split: SplitOptions {
                        source_id: source.id.0.clone(),
                        mint_base: self.config.mint_base(),
                        max_record_triples: self.config.harvest.max_record_triples,
                    },
                    parse: self.parse.clone(),
                    memos,
                };
                let fetcher = self.fetcher.clone();
                Ok(tokio::spawn(async move {
                    harvester::dcat::harvest(&spec, &fetcher, tx).await;
                }))
            }
        }
    }

    /// Writes the source's `dcat:Catalog` description from the config.
    pub(super) fn write_catalog(
        &self,
        source: &SourceConfig,
        catalog_iri: &str,
    ) -> anyhow::Result<()> {
        let catalog = NamedNode::new(catalog_iri)?;
        let mut triples = vec![
            Triple::new(catalog.clone(), rdf::TYPE, dcat::CATALOG.into_owned()),
            Triple::new(
                catalog.clone(),
                dct::TITLE,
                Literal::new_simple_literal(&source.title),
            ),
        ];
        if let Ok(url) = NamedNode::new(
            Location::parse(&source.url, &self.config.base_dir())
                .map_err(anyhow::Error::msg)?
                .as_url(),
        ) {
            if url.as_str().starts_with("http") {
                triples.push(Triple::new(catalog.clone(), dct::SOURCE, url));
            }
        }
        if let Some(p) = &source.publisher {
            let agent = NamedNode::new(p.iri.as_str())?;
            triples.push(Triple::new(catalog.clone(), dct::PUBLISHER, agent.clone()));
            triples.push(Triple::new(
                agent.clone(),
                rdf::TYPE,
                foaf::AGENT.into_owned(),
            ));
            triples.push(Triple::new(
                agent,
                foaf::NAME,
                Literal::new_simple_literal(&p.name),
            ));
        }
        if let Some(c) = &source.contributor_id {
            triples.push(Triple::new(
                catalog.clone(),
                dcatde::CONTRIBUTOR_ID,
                NamedNode::new(c.as_str())?,
            ));
        }
        if let Some(g) = &source.geocoding {
            triples.push(Triple::new(
                catalog.clone(),
                dct::SPATIAL,
                NamedNode::new(g.as_str())?,
            ));
        }
        self.store
            .write_catalog_description(&source.id.0, &triples)?;
        Ok(())
    }
}
