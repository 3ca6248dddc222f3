//! The catalog's own names: graph IRIs and the few terms no standard
//! vocabulary has.

/// Terms of the catalog's own vocabulary (`urn:dcat-catalog:vocab#`).
pub mod cat {
    pub const NS: &str = "urn:dcat-catalog:vocab#";
    macro_rules! t {
        ($($name:ident = $local:literal),*) => {$(
            pub const $name: oxigraph::model::NamedNodeRef<'static> =
                oxigraph::model::NamedNodeRef::new_unchecked(concat!("urn:dcat-catalog:vocab#", $local));
        )*};
    }
    t!(
        SOURCE = "source",
        CONTENT_HASH = "contentHash",
        STATUS = "status",
        WITHDRAWN_AT = "withdrawnAt",
        RUN_ID = "runId",
        RUN_OF = "runOf",
        TRIGGER = "trigger",
        COMPLETE = "complete",
        END_REASON = "endReason",
        DELETIONS = "deletions",
        ERROR = "error",
        WARNING = "warning",
        URL = "url",
        RECORD = "record",
        REASON = "reason",
        SNIPPET = "snippet",
        VALIDATION = "validation",
        VALIDATED_WITH = "validatedWith",
        VIOLATIONS = "violations",
        WARNINGS = "warnings",
        INFOS = "infos",
        QUALITY_SCORE = "qualityScore",
        QUALITY_BAND = "qualityBand",
        QUALITY_POINTS = "qualityPoints",
        DEDUP_KEY = "dedupKey",
        DEDUP_COMPLETE = "dedupIndexComplete",
        DUPLICATE_OF = "duplicateOf",
        LINK_CHECK = "LinkCheck",
        HTTP_STATUS = "httpStatus",
        LINK_OK = "linkOk",
        LINK_ERROR = "linkError",
        CONTENT_TYPE = "contentType",
        FINAL_URL = "finalUrl",
        RESPONSE_MILLIS = "responseMillis",
        CHECKED_AT = "checkedAt",
        NEXT_CHECK = "nextCheck",
        SUCCESSES = "successes",
        FAILURES = "failures"
    );
}

/// Names of the graphs the catalog writes.
pub mod graphs {
    use oxigraph::model::NamedNode;

    pub const RECORD_PREFIX: &str = "urn:dcat-catalog:record:";
    pub const CATALOG_PREFIX: &str = "urn:dcat-catalog:catalog:";
    pub const META_PREFIX: &str = "urn:dcat-catalog:meta:";
    pub const RUN_PREFIX: &str = "urn:dcat-catalog:run:";
    pub const VALIDATION_PREFIX: &str = "urn:dcat-catalog:validation:";
    /// The deduplication index (see [`crate::store::dedup`]).
    pub const DEDUP: &str = "urn:dcat-catalog:dedup";

    /// The graph of the deduplication index.
    pub fn dedup() -> NamedNode {
        NamedNode::new_unchecked(DEDUP)
    }

    /// The graph of the link checker's results, one node per checked URL.
    pub const LINKS: &str = "urn:dcat-catalog:links";

    /// The graph of the link checker's results.
    pub fn links() -> NamedNode {
        NamedNode::new_unchecked(LINKS)
    }

    /// The graph holding the `sh:ValidationReport` of one record.
    pub fn validation(rid: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{VALIDATION_PREFIX}{rid}"))
    }

    /// The graph (and activity IRI) of one harvest run.
    pub fn run(id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{RUN_PREFIX}{id}"))
    }

    /// The graph of one record.
    pub fn record(rid: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{RECORD_PREFIX}{rid}"))
    }

    /// The graph holding a source's `dcat:Catalog`.
    pub fn catalog(source: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{CATALOG_PREFIX}{source}"))
    }

    /// The graph holding the provenance (`dcat:CatalogRecord`s) of a source's records.
    pub fn meta(source: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{META_PREFIX}{source}"))
    }
}

use oxigraph::model::LiteralRef;

/// `cat:status` of a withdrawn record.
pub const WITHDRAWN: LiteralRef<'static> = LiteralRef::new_simple_literal("withdrawn");
/// `cat:status` of a published record.
pub const PUBLISHED: LiteralRef<'static> = LiteralRef::new_simple_literal("published");
/// `cat:status` of a run in progress.
pub const RUNNING: LiteralRef<'static> = LiteralRef::new_simple_literal("running");
