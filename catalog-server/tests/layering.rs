//! Keeps `catalog-server`'s module layers one-way (ARCHITECTURE.md, "Layers").
//!
//! Every top-level module of the library (`src/X.rs` or `src/X/`) belongs to
//! one layer; a module may use modules of lower layers only, so no two
//! top-level modules can depend on each other in a circle. The check reads
//! the sources: every path that starts at the crate root (`crate::x`, also
//! inside `use crate::{…}` groups, and `super::…` paths that climb to the
//! root) names the top-level module it uses. Comments are ignored.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A new top-level module must be added here.
const LAYERS: &[&[&str]] = &[
    // Foundations: no module of this crate below them.
    &["alloc", "config", "contexts", "metrics"],
    // Data: the store and the validation profiles, independent of each other.
    &["store", "validation"],
    // Work on the data: harvesting, the search index, export, backups.
    &[
        "harvest",
        "search_index",
        "export",
        "backup",
        "sparql",
        "links",
    ],
    // The public surface.
    &["http"],
];

/// One use of a top-level module by another.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Edge {
    from: String,
    to: String,
    file: String,
    line: usize,
}

/// The top-level modules each source file uses. `files`: path relative to
/// `src/` (with `/` separators) and text.
fn edges(files: &[(String, String)]) -> Vec<Edge> {
    let mut out = Vec::new();
    for (path, text) in files {
        let Some(module_path) = module_path(path) else {
            continue;
        };
        let Some(from) = module_path.first().cloned() else {
            continue;
        };
        for (i, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for to in roots_named(code, &module_path) {
                if to != from {
                    out.push(Edge {
                        from: from.clone(),
                        to,
                        file: path.clone(),
                        line: i + 1,
                    });
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// `harvest/run.rs` → `[harvest, run]`, `harvest/mod.rs` → `[harvest]`,
/// `config.rs` → `[config]`; `None` for the crate roots.
fn module_path(path: &str) -> Option<Vec<String>> {
    if path == "lib.rs" || path == "main.rs" || !path.ends_with(".rs") {
        return None;
    }
    let mut parts: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(str::to_owned)
        .collect();
    if parts.last().map(String::as_str) == Some("mod") {
        parts.pop();
    }
    Some(parts)
}

/// The top-level modules a line of code names through the crate root.
fn roots_named(code: &str, module_path: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while i < code.len() {
        let rest = &code[i..];
        let boundary = i == 0 || !is_ident(bytes[i - 1]);
        if boundary && rest.starts_with("crate::") {
            i += "crate::".len();
            i = names_at(code, i, &mut out);
            continue;
        }
        if boundary && rest.starts_with("super::") {
            // Count the `super::` steps and see whether they reach the root.
            let mut steps = 0;
            let mut j = i;
            while code[j..].starts_with("super::") {
                steps += 1;
                j += "super::".len();
            }
            if steps >= module_path.len() {
                j = names_at(code, j, &mut out);
            }
            i = j;
            continue;
        }
        i += rest.chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Reads what follows a path's root at `i`: an identifier, or a `{…}` group
/// whose top-level entries each start with one. Returns the index after it.
fn names_at(code: &str, mut i: usize, out: &mut Vec<String>) -> usize {
    let bytes = code.as_bytes();
    if i < bytes.len() && bytes[i] == b'{' {
        let mut depth = 0usize;
        let mut entry_start = true;
        while i < bytes.len() {
            match bytes[i] {
                b'{' => {
                    depth += 1;
                    if depth == 1 {
                        entry_start = true;
                    }
                }
                b'}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return i + 1;
                    }
                }
                b',' if depth == 1 => entry_start = true,
                b if depth == 1 && entry_start && is_ident(b) => {
                    let start = i;
                    while i < bytes.len() && is_ident(bytes[i]) {
                        i += 1;
                    }
                    let name = &code[start..i];
                    if name != "self" {
                        out.push(name.to_owned());
                    }
                    entry_start = false;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        // A group continued on the next lines: the rest is read there.
        return i;
    }
    let start = i;
    while i < bytes.len() && is_ident(bytes[i]) {
        i += 1;
    }
    if i > start {
        out.push(code[start..i].to_owned());
    }
    i
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Joins `use crate::{` groups that rustfmt spread over several lines into
/// one line each, so that every entry is seen with its root.
fn join_groups(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut open = 0i32;
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            if open == 0 {
                out.push_str(line);
                out.push('\n');
            }
            continue;
        }
        let starts_group = open == 0
            && (code.contains("crate::{") || code.contains("super::{"))
            && code.matches('{').count() > code.matches('}').count();
        if open > 0 || starts_group {
            out.push_str(code);
            out.push(' ');
            open += code.matches('{').count() as i32 - code.matches('}').count() as i32;
            if open <= 0 {
                open = 0;
                out.push('\n');
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// Every problem found: modules in no layer, uses of a module in the same
/// or a higher layer, and cycles.
fn problems(files: &[(String, String)]) -> Vec<String> {
    let files: Vec<(String, String)> = files
        .iter()
        .map(|(p, t)| (p.clone(), join_groups(t)))
        .collect();
    let mut problems = Vec::new();
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|(p, _)| module_path(p).and_then(|m| m.first().cloned()))
        .collect();
    for m in &modules {
        if layer_of(m).is_none() {
            problems.push(format!(
                "module `{m}` is in no layer: add it to LAYERS in catalog-server/tests/layering.rs and to ARCHITECTURE.md"
            ));
        }
    }
    let edges = edges(&files);
    let mut graph: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for e in &edges {
        if !modules.contains(&e.to) {
            // An item of the crate root (lib.rs), e.g. `crate::tune_allocator`.
            continue;
        }
        graph.entry(&e.from).or_default().insert(&e.to);
        if let (Some(from), Some(to)) = (layer_of(&e.from), layer_of(&e.to)) {
            if to >= from {
                problems.push(format!(
                    "src/{}:{}: `{}` (layer {from}) uses `{}` (layer {to}); a module may use only modules of lower layers",
                    e.file, e.line, e.from, e.to
                ));
            }
        }
    }
    if let Some(cycle) = find_cycle(&graph) {
        problems.push(format!(
            "cycle between top-level modules: {}",
            cycle.join(" → ")
        ));
    }
    problems
}

/// A cycle of the graph, if it has one (depth-first search).
fn find_cycle<'a>(graph: &BTreeMap<&'a str, BTreeSet<&'a str>>) -> Option<Vec<String>> {
    fn visit<'a>(
        node: &'a str,
        graph: &BTreeMap<&'a str, BTreeSet<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut BTreeSet<&'a str>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| *n == node) {
            let mut cycle: Vec<String> = stack[at..].iter().map(|s| s.to_string()).collect();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(c) = visit(next, graph, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(node);
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(c) = visit(node, graph, &mut Vec::new(), &mut done) {
            return Some(c);
        }
    }
    None
}

fn sources(dir: &Path, root: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            sources(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let rel = path
                .strip_prefix(root)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
            out.push((rel, text));
        }
    }
}

#[test]
fn top_level_modules_use_only_lower_layers() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&root, &root, &mut files);
    assert!(files.len() > 10, "found only {} source files", files.len());
    let problems = problems(&files);
    assert!(
        problems.is_empty(),
        "catalog-server's module layers are broken:\n{}",
        problems.join("\n")
    );
}

/// The check finds what it is there to find: an upward use (also one in a
/// multi-line `use` group or through `super::super::`), a cycle, a module
/// in no layer; and ignores comments and uses inside one module.
#[test]
fn the_check_finds_upward_uses_cycles_and_unlayered_modules() {
    let file = |p: &str, t: &str| (p.to_owned(), t.to_owned());
    let clean = vec![
        file("config.rs", "pub struct Config;\n"),
        file(
            "store/mod.rs",
            "use crate::config::Config;\n/// [`crate::http`] serves it.\nmod records;\n",
        ),
        file("store/records.rs", "use super::CatalogStore;\n"),
        file(
            "http/mod.rs",
            "use crate::{\n    config::Config,\n    store::CatalogStore,\n};\n",
        ),
    ];
    assert_eq!(problems(&clean), Vec::<String>::new());

    let mut upward = clean.clone();
    upward.push(file(
        "store/runs.rs",
        "use crate::{\n    config::Config,\n    http::AppState,\n};\n",
    ));
    let found = problems(&upward);
    assert!(
        found
            .iter()
            .any(|p| p.contains("src/store/runs.rs:1") && p.contains("uses `http`")),
        "{found:?}"
    );

    let mut climbing = clean.clone();
    climbing.push(file(
        "store/records.rs",
        "fn f() { super::super::http::serve(); }\n",
    ));
    let found = problems(&climbing);
    assert!(found.iter().any(|p| p.contains("uses `http`")), "{found:?}");

    let mut cycle = clean.clone();
    cycle.push(file("config.rs", "use crate::store::CatalogStore;\n"));
    let found = problems(&cycle);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("cycle between top-level modules")),
        "{found:?}"
    );

    let mut stray = clean;
    stray.push(file("util.rs", "pub fn helper() {}\n"));
    let found = problems(&stray);
    assert!(
        found
            .iter()
            .any(|p| p.contains("module `util` is in no layer")),
        "{found:?}"
    );
}
