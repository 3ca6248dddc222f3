//! SPARQL query governance: which queries may run, where they run, and how
//! much time and memory one may take.
//!
//! A query passes, in order:
//! 1. [`check_text`]: its size (`sparql.max_query_bytes`) and nesting depth
//!    (`sparql.max_nesting`), read lexically before any parser sees it, so a
//!    filter nested a thousand parentheses deep never reaches the recursive
//!    parser;
//! 2. [`check_algebra`] on the parsed query: `SERVICE` is refused (the
//!    endpoint never calls other endpoints, whatever Oxigraph's features),
//!    and so is an expression that could build strings many times longer
//!    than any stored value (`CONCAT`/`REPLACE` chains through `BIND`: each
//!    step may double a string without reading a quad, where the
//!    evaluator's cancellation cannot stop it), and a Cartesian product
//!    under `DISTINCT`, `ORDER BY` or `GROUP BY` (built in memory from
//!    already read solutions, again out of cancellation's reach);
//! 3. the [`Executor`]: at most `sparql.max_concurrent` evaluations at once
//!    and `sparql.max_queued` waiting; beyond that the caller is told to
//!    come back later. Evaluations run on their own threads (never on the
//!    threads of the async runtime or its blocking pool, which harvesting,
//!    search and `/health` use), each with an allocation budget
//!    (`sparql.max_memory`, [`crate::alloc_budget`]) and the timeout: both
//!    cancel the evaluation at its next read of the store. A slot is held
//!    until the evaluation has really ended.
//!
//! A query that names no graphs runs on [`PublishedRecords`]: its default
//! graph is the union of the published records' graphs.

mod executor;
mod growth;
mod lexical;
mod published;

pub use executor::{Busy, Executor, Outcome};
pub use growth::check_algebra;
pub use lexical::check_text;
pub use published::PublishedRecords;

/// The limits a query is checked against.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Longest query text, in bytes.
    pub max_query_bytes: usize,
    /// Deepest nesting of brackets, braces and parentheses.
    pub max_nesting: usize,
    /// Largest factor by which an expression may lengthen the strings it is
    /// given (a value from the store counts 1, `CONCAT(?a, ?a)` 2).
    pub max_growth: f64,
}

impl Limits {
    /// The limits of `[sparql]`.
    pub fn from_config(c: &crate::config::SparqlConfig) -> Self {
        Self {
            max_query_bytes: usize::try_from(c.max_query_bytes).unwrap_or(usize::MAX),
            max_nesting: c.max_nesting,
            max_growth: c.max_growth,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_query_bytes: 64 * 1024,
            max_nesting: 64,
            max_growth: 64.0,
        }
    }
}

/// Why a query is refused before it runs (an HTTP 400 naming the limit).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the query is {size} bytes long, more than the limit of {limit} bytes (sparql.max_query_bytes)")]
    TooLong { size: usize, limit: usize },
    #[error("the query nests brackets, braces or parentheses {depth} deep, more than the limit of {limit} (sparql.max_nesting)")]
    TooDeep { depth: usize, limit: usize },
    #[error("SERVICE is not supported: this endpoint does not query other endpoints (federated queries are refused)")]
    Service,
    #[error("unsupported query form: {0}")]
    Unsupported(String),
    #[error("the query combines {parts} parts that share no variable (a Cartesian product) under {place}, which would be built in memory; join the parts through a shared variable, or drop {place}")]
    Cartesian { place: String, parts: usize },
    #[error("the expression {variable} could build strings {factor} times longer than the values it reads, more than the limit of {limit} (sparql.max_growth); chains of CONCAT or REPLACE through BIND are refused")]
    Growth {
        variable: String,
        factor: String,
        limit: String,
    },
}
