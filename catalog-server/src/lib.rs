//! The catalog server: configuration, the embedded store with its exact-graph
//! archive, the harvest pipeline, HTTP (SPARQL) and export.

pub mod admin;
pub mod config;
pub mod contexts;
pub mod export;
pub mod follow;
pub mod lifecycle;
pub mod metrics;
pub mod pagememo;
pub mod pipeline;
pub mod quickhash;
pub mod scheduler;
pub mod search_api;
pub mod search_index;
pub mod server;
pub mod store;
pub mod validation;
pub mod validation_api;
pub mod vocab;

/// The allocator of every program built on this crate (the binary, its
/// benchmarks and tests): mimalloc. A harvest allocates and frees millions
/// of small buffers (terms, quads, the bulk loader's keys); with the system
/// allocator that took ~10 % of a harvest's CPU time (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
