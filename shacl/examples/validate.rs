//! Validates RDF files against SHACL shapes, optionally with a shared vocabulary graph.
//!
//! ```text
//! cargo run --release -p shacl --example validate -- \
//!     --shapes a.ttl --shapes b.ttl [--vocab v.rdf ...] [--repeat N] data.ttl ...
//! ```
//!
//! Each data file is validated separately against the union of the shapes files,
//! with the vocabulary graph (see `Shapes::validate_record`). `--repeat N` validates every data file
//! N times and prints the throughput.

use oxrdf::Graph;
use oxrdfio::{RdfFormat, RdfParser};
use shacl::Shapes;
use std::error::Error;
use std::path::Path;
use std::time::Instant;

fn load(path: &str, graph: &mut Graph) -> Result<(), Box<dyn Error>> {
    let extension = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("ttl");
    let format = RdfFormat::from_extension(extension)
        .ok_or_else(|| format!("unknown RDF format of {path}"))?;
    let base = format!("file://{}", std::fs::canonicalize(path)?.display());
    let bytes = std::fs::read(path)?;
    for quad in RdfParser::from_format(format)
        .with_base_iri(base)?
        .for_slice(&bytes)
    {
        let quad = quad?;
        graph.insert(oxrdf::TripleRef::new(
            &quad.subject,
            &quad.predicate,
            &quad.object,
        ));
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut shapes_graph = Graph::new();
    let mut vocabulary = Graph::new();
    let mut data_files = Vec::new();
    let mut repeat = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--shapes" => load(
                &args.next().ok_or("--shapes needs a file")?,
                &mut shapes_graph,
            )?,
            "--vocab" => load(&args.next().ok_or("--vocab needs a file")?, &mut vocabulary)?,
            "--repeat" => repeat = args.next().ok_or("--repeat needs a number")?.parse()?,
            _ => data_files.push(arg),
        }
    }
    let start = Instant::now();
    let shapes = Shapes::from_graph(&shapes_graph)?;
    eprintln!(
        "compiled {} shapes from {} triples in {:?}; vocabulary: {} triples",
        shapes.len(),
        shapes_graph.len(),
        start.elapsed(),
        vocabulary.len()
    );
    let mut records = Vec::new();
    for file in &data_files {
        let mut g = Graph::new();
        load(file, &mut g)?;
        records.push((file, g));
    }
    for (file, data) in &records {
        let report = shapes.validate_record(data, &vocabulary)?;
        println!("# {file}: {} triples\n{report}", data.len());
    }
    if repeat > 0 {
        let start = Instant::now();
        let mut results = 0;
        for _ in 0..repeat {
            for (_, data) in &records {
                results += shapes.validate_record(data, &vocabulary)?.results.len();
            }
        }
        let n = repeat * records.len();
        let elapsed = start.elapsed();
        eprintln!(
            "validated {n} graphs in {elapsed:?}: {:.0} graphs/s ({results} results)",
            n as f64 / elapsed.as_secs_f64()
        );
    }
    Ok(())
}
