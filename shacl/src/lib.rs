//! A SHACL Core and SHACL-SPARQL validation engine on Oxigraph's RDF model types.
//!
//! Compile a shapes graph once into [`Shapes`], then validate many (small)
//! data graphs against it. The data is accessed through the [`DataGraph`]
//! trait, implemented for [`oxrdf::Graph`] and for [`UnionGraph`], a
//! zero-copy union of e.g. a record graph and a shared vocabulary graph.
//!
//! ```
//! use oxrdf::Graph;
//! use oxttl::TurtleParser;
//! use shacl::{Shapes, UnionGraph};
//!
//! fn parse(ttl: &str) -> Graph {
//!     let triples: Vec<oxrdf::Triple> = TurtleParser::new()
//!         .for_slice(ttl)
//!         .collect::<Result<_, _>>()
//!         .unwrap();
//!     triples.into_iter().collect()
//! }
//!
//! let shapes = Shapes::from_graph(&parse(
//!     r#"@prefix sh: <http://www.w3.org/ns/shacl#> .
//!     @prefix dcat: <http://www.w3.org/ns/dcat#> .
//!     @prefix dct: <http://purl.org/dc/terms/> .
//!     <http://example.com/shapes#DatasetShape> a sh:NodeShape ; sh:targetClass dcat:Dataset ;
//!        sh:property [ sh:path dct:title ; sh:minCount 1 ; sh:message "Title missing"@en ] ."#,
//! ))?;
//! let record = parse(
//!     r#"<http://example.com/d1> a <http://www.w3.org/ns/dcat#Dataset> ."#,
//! );
//! let vocabulary = Graph::new();
//! let report = shapes.validate(&UnionGraph::new(&record, &vocabulary))?;
//! assert!(!report.conforms);
//! assert_eq!(report.results[0].messages[0].value(), "Title missing");
//! # Result::<_, Box<dyn std::error::Error>>::Ok(())
//! ```

#![deny(missing_docs)]

mod error;
mod graph;
mod model;
mod path;
mod rdfutil;
mod report;
mod shapes;
mod sparql;
mod validate;
pub mod vocab;
mod xsd;

pub use error::{ShapeError, ValidationError};
pub use graph::{DataGraph, UnionGraph};
pub use path::Path;
pub use report::{Severity, ValidationReport, ValidationResult};
pub use shapes::{Shapes, ShapesGraph};
pub use xsd::{compare as compare_terms, is_well_formed};

#[cfg(test)]
mod tests;

/// Compile-time check: compiled shapes can be shared across threads.
const _: () = {
    const fn check<T: Send + Sync>() {}
    check::<Shapes>();
};
