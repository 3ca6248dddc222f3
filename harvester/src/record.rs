//! The unit of harvesting: a self-contained DCAT-AP record, and the events a
//! source harvest emits.

use oxrdf::{NamedNode, Triple};

/// One harvested dataset: the `dcat:Dataset` (or `dcat:DatasetSeries`), its
/// distributions and every node they reference that is not itself a dataset.
///
/// `triples` is the *exact* graph as parsed or mapped: lexical forms and
/// datatypes are exactly as the source wrote them (no normalization).
#[derive(Debug, Clone)]
pub struct Record {
    /// IRI of the dataset (the source's IRI, or a minted one, see [`crate::mint`]).
    pub dataset: NamedNode,
    /// The record's triples. Blank nodes are local to the record.
    pub triples: Vec<Triple>,
    /// The URL of the page (or file) the record was read from.
    pub page_url: String,
    /// True when the dataset IRI was minted by us (the source used a blank node).
    pub minted: bool,
}

/// A problem with one record of a page: the page as a whole was usable.
#[derive(Debug, Clone)]
pub struct RecordError {
    /// The page the record came from.
    pub page_url: String,
    /// What identifies the record in the source (IRI, id, position).
    pub record: String,
    /// Why it was rejected.
    pub reason: String,
    /// A short snippet of the offending input.
    pub snippet: String,
}

/// The repairs of a page as warnings naming the record (the dataset IRI) and
/// property each concerns; a repair outside every record names its subject.
pub fn repair_warnings(
    repairs: &[crate::iri::Repair],
    records: &[Record],
    page_url: &str,
) -> Vec<RecordError> {
    use std::collections::HashMap;
    if repairs.is_empty() {
        return Vec::new();
    }
    let mut by_triple: HashMap<&Triple, usize> = HashMap::new();
    let mut by_subject: HashMap<&oxrdf::NamedOrBlankNode, usize> = HashMap::new();
    for (i, r) in records.iter().enumerate() {
        for t in &r.triples {
            by_triple.insert(t, i);
            by_subject.entry(&t.subject).or_insert(i);
        }
    }
    repairs
        .iter()
        .map(|repair| {
            let record = repair
                .triple
                .as_ref()
                .and_then(|t| by_triple.get(t))
                .or_else(|| by_subject.get(&repair.subject))
                .map_or_else(
                    || repair.subject.to_string(),
                    |&i| records[i].dataset.as_str().to_owned(),
                );
            RecordError {
                page_url: page_url.to_owned(),
                record,
                reason: repair.describe(),
                snippet: repair.subject.to_string(),
            }
        })
        .collect()
}

/// The dates a mapping kept as text because they are in no form it reads
/// ([`crate::values::date_or_text`]), as warnings naming the record, the
/// property and the value. DCAT-AP.de 3 (as GovData validates it) asks
/// only for a literal there, so validation alone would not show the
/// steward what to fix.
pub fn undated_warnings(record: &Record, page_url: &str) -> Vec<RecordError> {
    use crate::vocab::{dcat, dct, xsd};
    const DATES: [(oxrdf::NamedNodeRef<'static>, &str); 5] = [
        (dct::ISSUED, "dct:issued"),
        (dct::MODIFIED, "dct:modified"),
        (dct::CREATED, "dct:created"),
        (dcat::START_DATE, "dcat:startDate"),
        (dcat::END_DATE, "dcat:endDate"),
    ];
    let mut out = Vec::new();
    for t in &record.triples {
        let oxrdf::Term::Literal(l) = &t.object else {
            continue;
        };
        // A language-tagged literal is an rdf:langString, no xsd:string.
        if l.datatype() != xsd::STRING {
            continue;
        }
        let Some((_, name)) = DATES.iter().find(|(p, _)| t.predicate.as_ref() == *p) else {
            continue;
        };
        let on = match &t.subject {
            oxrdf::NamedOrBlankNode::NamedNode(n) if n == &record.dataset => String::new(),
            oxrdf::NamedOrBlankNode::NamedNode(n) => format!(" of <{}>", n.as_str()),
            _ => String::new(),
        };
        out.push(RecordError {
            page_url: page_url.to_owned(),
            record: record.dataset.as_str().to_owned(),
            reason: format!(
                "{name}{on} {:?} is no date in a form the mapping reads (2023-12-31, \
                 2023-12-31T14:30:00, 2023, 2023-12, 31.12.2023): kept as written",
                l.value()
            ),
            snippet: l.value().chars().take(200).collect(),
        });
    }
    out
}

/// A page that was fetched and parsed.
#[derive(Debug, Default)]
pub struct Page {
    /// The URL as requested.
    pub url: String,
    /// 1-based position in the listing.
    pub number: usize,
    /// Records found on the page.
    pub records: Vec<Record>,
    /// Records of the page that could not be used.
    pub record_errors: Vec<RecordError>,
    /// What was repaired or left out of the page's records (invalid IRIs
    /// and language tags, see [`crate::iri`]): the records are used.
    pub warnings: Vec<RecordError>,
    /// Bytes received for the page (after decompression).
    pub bytes: u64,
    /// Time spent fetching the page.
    pub fetch_time: std::time::Duration,
    /// Time spent parsing and splitting the page.
    pub parse_time: std::time::Duration,
    /// DCAT over HTTP: the page's `ETag`/`Last-Modified` (empty otherwise).
    pub validators: crate::fetch::Validators,
    /// DCAT: the next page the listing continues with (`None`: last page, or
    /// no usable link).
    pub next: Option<String>,
    /// Datasets of the page left out because an earlier page of the run
    /// already had them.
    pub duplicates: usize,
}

/// A page that could not be fetched or parsed. Nothing of it is used.
#[derive(Debug, Clone)]
pub struct PageError {
    pub url: String,
    pub number: usize,
    pub reason: String,
}

/// What a source harvest emits, in order: pages (ok or failed), then `Finished`.
#[derive(Debug)]
pub enum HarvestEvent {
    Page(Page),
    PageFailed(PageError),
    /// A page answered `304 Not Modified` to a conditional request made with
    /// the validators of a [`crate::dcat::PageMemo`]: it still holds the
    /// memo's datasets, which are not fetched, parsed or sent again.
    PageUnchanged {
        url: String,
        number: usize,
        /// The memo's datasets not already seen earlier in the run.
        datasets: Vec<String>,
        /// The memo's datasets left out because an earlier page had them.
        duplicates: usize,
        /// Time spent on the conditional request.
        fetch_time: std::time::Duration,
    },
    /// The listing ended. `complete` is true only when every page of the
    /// listing was fetched and parsed and no bound cut it short: only then may
    /// a consumer conclude that a record missing from the listing is gone.
    Finished {
        complete: bool,
        reason: Option<String>,
        /// The IRIs of all datasets present in the source, when that set is
        /// not simply the records emitted (e.g. an incremental CKAN run fetches
        /// only changed packages but lists all ids). `None`: the emitted records
        /// are the listing.
        listing: Option<Vec<String>>,
    },
}

/// What the operator's config says about a source: used to mint IRIs and to
/// fill what a mapped record lacks (CKAN, CSW).
#[derive(Debug, Clone, Default)]
pub struct SourceDefaults {
    /// The source's id (part of minted IRIs).
    pub source_id: String,
    /// Namespace for minted dataset IRIs, e.g. `https://land.example/id/dataset/`.
    pub mint_base: String,
    /// The municipality publishing the source.
    pub publisher_name: Option<String>,
    pub publisher_iri: Option<String>,
    /// `dcatde:contributorID` IRI.
    pub contributor_id: Option<String>,
    /// `dcatde:politicalGeocodingURI` IRI.
    pub geocoding: Option<String>,
}

/// Shorten input to a snippet for error reports (on a char boundary).
pub fn snippet(input: &str, max: usize) -> String {
    let trimmed = input.trim();
    if trimmed.len() <= max {
        return trimmed.to_owned();
    }
    let mut end = max;
    while !trimmed.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &trimmed[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippet_cuts_on_char_boundary() {
        assert_eq!(snippet("  abc  ", 10), "abc");
        assert_eq!(snippet("Straßenbäume", 4), "Stra…");
        assert_eq!(snippet("Straßenbäume", 5), "Stra…");
        assert_eq!(snippet("Straßenbäume", 6), "Straß…");
    }
}
