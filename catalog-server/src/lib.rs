//! The catalog server: configuration, the embedded store with its exact-graph
//! archive, validation, the harvest pipeline, the search index as a follower
//! of the store, export, and HTTP.
//!
//! The top-level modules form layers; a module uses only modules of lower
//! layers (checked by `tests/layering.rs`, see ARCHITECTURE.md):
//!
//! | layer | modules |
//! |---|---|
//! | 3 | [`http`] |
//! | 2 | [`harvest`], [`search_index`], [`export`], [`backup`], [`sparql`], [`links`] |
//! | 1 | [`store`], [`validation`] |
//! | 0 | [`alloc`], [`config`], [`contexts`], [`metrics`] |

pub mod alloc;
pub mod backup;
pub mod config;
pub mod contexts;
pub mod export;
pub mod harvest;
pub mod http;
pub mod links;
pub mod metrics;
pub mod search_index;
pub mod sparql;
pub mod store;
pub mod validation;

pub use alloc::tune_allocator;
