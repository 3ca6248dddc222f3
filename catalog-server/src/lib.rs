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
