//! The harvester turns municipal sources into self-contained DCAT-AP records.
//!
//! It fetches (with limits), pages, parses and splits; it knows nothing of
//! storage. A source harvest sends [`HarvestEvent`]s over a channel: pages with
//! their records, failed pages, and a final `Finished { complete }` that tells
//! the consumer whether the listing was complete (the only case in which
//! absence from the listing may mean deletion).

pub mod canon;
pub mod ckan;
pub mod csw;
pub mod dcat;
pub mod fetch;
pub mod iri;
pub mod normalize;
pub mod rdf;
pub mod record;
pub mod split;
pub mod values;
pub mod vocab;
pub mod xml_guard;

pub use fetch::{
    Conditional, Document, FetchError, FetchLimits, Fetcher, LinkAnswer, Location, SourceHeaders,
    Validators,
};
pub use rdf::{JsonLdContexts, ParseError, ParseOptions};
pub use record::{HarvestEvent, Page, PageError, Record, RecordError, SourceDefaults};
pub use split::{canonical_form, canonical_hash, canonical_ntriples, SplitOptions};
