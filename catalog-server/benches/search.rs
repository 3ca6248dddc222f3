//! Search benchmark.
//!
//! 1. Indexing: N synthetic DCAT-AP.de records (default 1,000,000; ~30
//!    triples each: German title (10 % also English), HTML description, 3
//!    keywords, publisher, 1–2 themes, geocoding, modified/issued, a WKT
//!    polygon, 30 % a temporal range, 2 distributions with format and
//!    licence) go through the real extraction (`catalog_search::extract`) and
//!    into an empty index (2 writer threads, 256 MB), then are merged into
//!    one segment. Reports documents/s, index size and peak RSS.
//! 2. Load: the real HTTP router serves the index on loopback; a second
//!    process (this binary, re-executed as `client`) sends a fixed mix of
//!    citizen queries (words, phrases, typos, facet filters, bbox, dates,
//!    sorting, paging) from C connections (default 6: enough to keep both
//!    cores busy, so throughput is the server's capacity, while requests
//!    queue little) for D seconds and reports throughput and p50/p90/p99
//!    latency.
//!
//! 3. With `SEARCH_BENCH_PAGES=1` the load client asks for the same
//!    searches as the citizens' web page (`/datasets?…`, `Accept:
//!    text/html`): search plus the page's template.
//!
//! 4. With `SEARCH_BENCH_SUGGEST=1` the load client asks `/api/suggest` for
//!    what a citizen types letter by letter: every prefix (2 letters and
//!    more) of the topic words, some with umlauts written out, and two-word
//!    prefixes (`baumkataster nordh`), so titles, keywords and publishers are
//!    all looked up.
//!
//! Every fifth record is unscored, the others carry a quality score, so the
//! `quality` facet and `sort=quality` are part of the work.
//!
//! Run: `cargo bench -p catalog-server --bench search -- [DOCS] [SECONDS] [CONNECTIONS]`

mod common;

use catalog_search::{extract, RecordInfo, SearchIndex, WriterOptions, BROWSE_CACHE_DEFAULT};
use catalog_server::config::Config;
use catalog_server::harvest::Harvesting;
use catalog_server::http::{router, AppState};
use catalog_server::store::CatalogStore;
use oxrdf::{BlankNode, Literal, NamedNode, Triple};
use std::sync::Arc;
use std::time::{Duration, Instant};

const TOPICS: &[&str] = &[
    "Straßenbäume",
    "Baumkataster",
    "Haltestellen",
    "Parkplätze",
    "Ladestationen",
    "Spielplätze",
    "Kindertagesstätten",
    "Schulen",
    "Bebauungspläne",
    "Radwege",
    "Verkehrszählung",
    "Unfallstatistik",
    "Abfallbehälter",
    "Glascontainer",
    "Wahlergebnisse",
    "Bevölkerungsstatistik",
    "Haushaltsplan",
    "Gewässergüte",
    "Badestellen",
    "Luftqualität",
    "Lärmkartierung",
    "Denkmalliste",
    "Friedhöfe",
    "Sportanlagen",
    "Bibliotheken",
    "Museen",
    "Gaststätten",
    "Baustellen",
    "Straßenreinigung",
    "Grünflächen",
    "Kleingärten",
    "Hundekotbeutelspender",
    "Trinkbrunnen",
    "Toiletten",
    "Feuerwachen",
    "Apotheken",
    "Krankenhäuser",
    "Pflegeeinrichtungen",
    "Sozialleistungen",
    "Arbeitslosigkeit",
    "Gewerbeanmeldungen",
    "Tourismus",
    "Übernachtungen",
    "Wetterdaten",
    "Hochwasserschutz",
    "Solarpotenzial",
    "Energieverbrauch",
    "Wärmeplanung",
    "Breitbandausbau",
    "Mobilfunkmasten",
    "Carsharing",
    "Fahrradabstellanlagen",
    "Parkscheinautomaten",
    "Ampeln",
    "Straßennamen",
    "Hausnummern",
    "Flurstücke",
    "Bodenrichtwerte",
    "Mietspiegel",
    "Wohnungsbau",
];
const WORDS: &[&str] = &[
    "Standorte",
    "Daten",
    "Übersicht",
    "aktuell",
    "jährlich",
    "Stadtgebiet",
    "Informationen",
    "Verwaltung",
    "öffentlich",
    "Messung",
    "Erhebung",
    "Bestand",
    "Planung",
    "Karte",
    "Liste",
    "Ergebnisse",
    "Stadtteil",
    "Bezirk",
    "Einwohner",
    "Nutzung",
];
const THEMES: &[&str] = &[
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH",
    "TRAN",
];
const FORMATS: &[&str] = &[
    "CSV", "JSON", "XLSX", "PDF", "GEOJSON", "WMS", "WFS", "XML", "SHP", "ZIP",
];
const LICENSES: &[&str] = &[
    "cc-by/4.0",
    "cc-zero",
    "dl-by-de/2.0",
    "dl-zero-de/2.0",
    "odbl",
    "cc-by-sa/4.0",
];
const MUNICIPALITIES: usize = 400;

/// A small deterministic generator (xorshift*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn municipality(i: usize) -> String {
    const SYL: &[&str] = &[
        "Nord", "Süd", "Ost", "West", "Alt", "Neu", "Groß", "Klein", "Ober", "Unter",
    ];
    const BASE: &[&str] = &[
        "hafen", "burg", "stadt", "dorf", "feld", "hausen", "heim", "bach", "berg", "münde", "tal",
        "au", "brück", "ried", "hagen", "stedt", "wald", "see", "furt", "kirchen",
    ];
    let s = SYL[i % SYL.len()];
    let b = BASE[(i / SYL.len()) % BASE.len()];
    let n = i / (SYL.len() * BASE.len());
    if n == 0 {
        format!("{s}{b}")
    } else {
        format!("{s}{b} {n}")
    }
}

fn n(iri: &str) -> NamedNode {
    NamedNode::new_unchecked(iri)
}

/// The triples of synthetic record `i`.
fn record(i: usize, rng: &mut Rng) -> (String, Vec<Triple>) {
    let dct = |l: &str| n(&format!("http://purl.org/dc/terms/{l}"));
    let dcat = |l: &str| n(&format!("http://www.w3.org/ns/dcat#{l}"));
    let m = rng.below(MUNICIPALITIES);
    let town = municipality(m);
    let topic = rng.pick(TOPICS);
    let year = 2005 + rng.below(20);
    let iri = format!("https://opendata.example/{m}/dataset/{i}");
    let d = n(&iri);
    let mut t = vec![Triple::new(
        d.clone(),
        n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
        dcat("Dataset"),
    )];
    let title = format!("{topic} {town} {year}");
    t.push(Triple::new(
        d.clone(),
        dct("title"),
        Literal::new_language_tagged_literal_unchecked(&title, "de"),
    ));
    if rng.below(10) == 0 {
        t.push(Triple::new(
            d.clone(),
            dct("title"),
            Literal::new_language_tagged_literal_unchecked(
                format!("{topic} in {town} ({year})"),
                "en",
            ),
        ));
    }
    let desc = format!(
        "<p>Dieser Datensatz enthält <b>{topic}</b> der Gemeinde {town}: {} {} {} {}.</p><ul><li>{}</li><li>{}</li></ul>",
        rng.pick(WORDS), rng.pick(WORDS), rng.pick(TOPICS), rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS)
    );
    t.push(Triple::new(
        d.clone(),
        dct("description"),
        Literal::new_simple_literal(desc),
    ));
    for _ in 0..3 {
        let kw = if rng.below(2) == 0 {
            rng.pick(TOPICS)
        } else {
            rng.pick(WORDS)
        };
        t.push(Triple::new(
            d.clone(),
            dcat("keyword"),
            Literal::new_language_tagged_literal_unchecked(kw, "de"),
        ));
    }
    let publisher = BlankNode::new_unchecked(format!("p{i}"));
    t.push(Triple::new(d.clone(), dct("publisher"), publisher.clone()));
    t.push(Triple::new(
        publisher,
        n("http://xmlns.com/foaf/0.1/name"),
        Literal::new_simple_literal(format!("Stadt {town} – Amt {}", 1 + rng.below(5))),
    ));
    for _ in 0..1 + rng.below(2) {
        t.push(Triple::new(
            d.clone(),
            dcat("theme"),
            n(&format!(
                "http://publications.europa.eu/resource/authority/data-theme/{}",
                rng.pick(THEMES)
            )),
        ));
    }
    t.push(Triple::new(
        d.clone(),
        n("http://dcat-ap.de/def/dcatde/politicalGeocodingURI"),
        n(&format!(
            "http://dcat-ap.de/def/politicalGeocoding/municipalityKey/{:08}",
            1_000_000 + m
        )),
    ));
    let day = 1 + rng.below(28);
    let month = 1 + rng.below(12);
    let modified_year = (year + rng.below(3)).min(2025);
    let date = |y: usize| {
        Literal::new_typed_literal(
            format!("{y}-{month:02}-{day:02}T10:00:00Z"),
            n("http://www.w3.org/2001/XMLSchema#dateTime"),
        )
    };
    t.push(Triple::new(d.clone(), dct("issued"), date(year)));
    t.push(Triple::new(d.clone(), dct("modified"), date(modified_year)));
    // A box around the town (Germany: lon 6–15, lat 47.5–55).
    let lon = 6.0 + (m as f64 * 0.37) % 9.0;
    let lat = 47.5 + (m as f64 * 0.53) % 7.5;
    let w = 0.02 + rng.unit() * 0.1;
    let spatial = BlankNode::new_unchecked(format!("s{i}"));
    t.push(Triple::new(d.clone(), dct("spatial"), spatial.clone()));
    t.push(Triple::new(
        spatial,
        n("http://www.w3.org/ns/locn#geometry"),
        Literal::new_typed_literal(
            format!(
                "POLYGON(({lon:.4} {lat:.4}, {:.4} {lat:.4}, {:.4} {:.4}, {lon:.4} {:.4}, {lon:.4} {lat:.4}))",
                lon + w, lon + w, lat + w, lat + w
            ),
            n("http://www.opengis.net/ont/geosparql#wktLiteral"),
        ),
    ));
    if rng.below(10) < 3 {
        let temporal = BlankNode::new_unchecked(format!("t{i}"));
        t.push(Triple::new(d.clone(), dct("temporal"), temporal.clone()));
        let xd = n("http://www.w3.org/2001/XMLSchema#date");
        t.push(Triple::new(
            temporal.clone(),
            dcat("startDate"),
            Literal::new_typed_literal(format!("{year}-01-01"), xd.clone()),
        ));
        t.push(Triple::new(
            temporal,
            dcat("endDate"),
            Literal::new_typed_literal(format!("{year}-12-31"), xd),
        ));
    }
    for k in 0..2 {
        let dist = n(&format!("{iri}/distribution/{k}"));
        t.push(Triple::new(d.clone(), dcat("distribution"), dist.clone()));
        t.push(Triple::new(
            dist.clone(),
            dct("format"),
            n(&format!(
                "http://publications.europa.eu/resource/authority/file-type/{}",
                rng.pick(FORMATS)
            )),
        ));
        t.push(Triple::new(
            dist.clone(),
            dct("license"),
            n(&format!(
                "http://dcat-ap.de/def/licenses/{}",
                rng.pick(LICENSES)
            )),
        ));
        t.push(Triple::new(
            dist.clone(),
            dcat("accessURL"),
            n(&format!("{iri}/download/{k}")),
        ));
        t.push(Triple::new(
            dist,
            dct("title"),
            Literal::new_simple_literal(format!("{topic} ({k})")),
        ));
    }
    (iri, t)
}

/// The query mix: (weight, query string).
/// What a citizen types into the search box, letter by letter: every
/// prefix of two letters or more of the topic words (lower case; every
/// second topic with its umlauts written out), and of two words.
fn suggest_mix() -> Vec<(u32, String)> {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut mix = Vec::new();
    for (i, topic) in TOPICS.iter().enumerate() {
        let mut word = topic.to_lowercase();
        if i % 2 == 1 {
            word = word
                .replace('ä', "ae")
                .replace('ö', "oe")
                .replace('ü', "ue")
                .replace('ß', "ss");
        }
        let chars: Vec<char> = word.chars().collect();
        for end in 2..=chars.len() {
            let prefix: String = chars[..end].iter().collect();
            mix.push((1, format!("q={}", enc(&prefix))));
        }
        for second in ["n", "nordh", "kleinb"] {
            mix.push((1, format!("q={}", enc(&format!("{word} {second}")))));
        }
    }
    mix
}

fn query_mix() -> Vec<(u32, String)> {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut mix: Vec<(u32, String)> = Vec::new();
    for t in [
        "Bäume",
        "Haltestellen",
        "Parkplatz",
        "Spielplatz",
        "Kita",
        "Schulen",
        "Radwege",
        "Luftqualität",
        "Mietspiegel",
        "Wahlergebnisse",
    ] {
        mix.push((6, format!("q={}", enc(t))));
    }
    for m in [3usize, 17, 42, 101, 250] {
        mix.push((
            4,
            format!("q={}", enc(&format!("Baumkataster {}", municipality(m)))),
        ));
        mix.push((
            3,
            format!(
                "q={}&format=CSV",
                enc(&format!("Haltestellen {}", municipality(m)))
            ),
        ));
    }
    for q in [
        "strassenbaeume",
        "Kindertagesstaetten",
        "Gewaessergüte",
        "Bebaungsplan",
        "Hochwaserschutz",
    ] {
        mix.push((3, format!("q={}", enc(q))));
    }
    // As citizens type: stop words in both spellings, a compound in two
    // words, words a dataset lacks (the relaxed step).
    for q in [
        "haltestellen fuer den bus in der stadt",
        "die ladestationen für elektroautos",
        "baum kataster",
        "kataster der baeume und gruenflaechen im kreis",
    ] {
        mix.push((3, format!("q={}", enc(q))));
    }
    mix.push((3, format!("q={}", enc("\"Straßenbäume Nordhafen\""))));
    mix.push((2, format!("q={}", enc("Parkplätze -Parkscheinautomaten"))));
    mix.push((2, format!("q={}", enc("Radwege OR Fahrradabstellanlagen"))));
    mix.push((2, format!("q={}", enc("publisher:Nordhafen Baustellen"))));
    mix.push((3, "q=Verkehrsz%C3%A4hlung&theme=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FTRAN".into()));
    mix.push((3, "q=Sportanlagen&format=CSV&format=JSON".into()));
    mix.push((2, "q=Luftqualit%C3%A4t&bbox=9.5,53.4,10.5,54.0".into()));
    mix.push((
        2,
        "q=Baustellen&modified_since=2024-01-01&sort=modified".into(),
    ));
    mix.push((2, "q=Denkmalliste&page=2&size=20".into()));
    mix.push((
        2,
        "q=Wetterdaten&temporal_from=2010-01-01&temporal_to=2012-12-31".into(),
    ));
    mix.push((2, "q=Museen&sort=title".into()));
    mix.push((2, "q=Spielpl%C3%A4tze&sort=quality".into()));
    mix.push((1, "q=&source=bench&quality=Bad&sort=quality".into()));
    mix.push((2, "q=Apotheken&license=http%3A%2F%2Fdcat-ap.de%2Fdef%2Flicenses%2Fcc-zero&theme=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FHEAL".into()));
    mix.push((
        2,
        format!(
            "q=&source=bench&geocoding={}",
            enc("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/01000042")
        ),
    ));
    mix.push((1, "q=&format=GEOJSON&bbox=11.0,48.0,11.5,48.5".into()));
    mix.push((
        1,
        "q=&theme=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FENVI"
            .into(),
    ));
    mix
}

fn main() -> anyhow::Result<()> {
    catalog_server::tune_allocator();
    let args = common::args();
    if args.first().map(String::as_str) == Some("client") {
        return client(&args[1..]);
    }
    let docs: usize = args
        .first()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let connections: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(6);
    // SEARCH_BENCH_DIR keeps the index (and reuses one of the same size),
    // so query-side changes can be measured without indexing again.
    let keep = std::env::var_os("SEARCH_BENCH_DIR").map(std::path::PathBuf::from);
    let dir = keep.clone().unwrap_or_else(|| {
        std::env::temp_dir().join(format!("catalog-bench-search-{}", std::process::id()))
    });
    if keep.is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
    std::fs::create_dir_all(&dir)?;
    std::fs::write(
        dir.join("catalog.toml"),
        "data_dir = \"data\"\nbase_iri = \"http://bench.example/\"\n",
    )?;
    let config = Arc::new(Config::load(&dir.join("catalog.toml"))?);

    // 1. Indexing.
    let rss_reset = common::reset_peak_rss();
    let options = WriterOptions {
        threads: 2,
        memory: 256 * 1024 * 1024,
    };
    let index_dir = config.data_dir.join("search");
    if keep.is_some() {
        let (index, rebuilt) = SearchIndex::open(&index_dir, options)?;
        if rebuilt.is_none() && index.num_docs() == docs as u64 {
            println!(
                "## Search benchmark ({docs} synthetic datasets, index reused from {})\n",
                dir.display()
            );
            return load_test(&config, index, seconds, connections, &dir, false);
        }
    }
    let index = SearchIndex::create(&index_dir, options)?;
    let started = Instant::now();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let batch = 10_000;
    let mut extract_secs = 0.0;
    let mut done = 0;
    while done < docs {
        let n = batch.min(docs - done);
        let t0 = Instant::now();
        let mut out = Vec::with_capacity(n);
        for i in done..done + n {
            let (iri, triples) = record(i, &mut rng);
            let rid = catalog_server::store::record_id("bench", &iri);
            let mut doc = extract(
                &RecordInfo {
                    rid: &rid,
                    hash: &rid,
                    dataset: &iri,
                    source: "bench",
                    source_title: "Benchmark",
                },
                &triples,
            );
            doc.quality = (!i.is_multiple_of(5)).then(|| {
                let score = ((i * 7919) % 406) as u32;
                let band = catalog_server::validation::quality::Band::of(score);
                (score, band.name().to_owned())
            });
            out.push(doc);
        }
        extract_secs += t0.elapsed().as_secs_f64();
        index.add_new(&out)?;
        done += n;
        if done % 200_000 == 0 || done == docs {
            index.commit()?;
            eprintln!("indexed {done} in {:.1} s", started.elapsed().as_secs_f64());
        }
    }
    let indexed_secs = started.elapsed().as_secs_f64();
    let merge_started = Instant::now();
    index.merge_all()?;
    let merge_secs = merge_started.elapsed().as_secs_f64();
    let peak_index = common::peak_rss_mib();
    let size = index.size_on_disk();
    anyhow::ensure!(
        index.num_docs() == docs as u64,
        "index holds {} of {docs}",
        index.num_docs()
    );
    println!("## Search benchmark ({docs} synthetic datasets)\n");
    println!("| phase | value |\n|---|---|");
    println!(
        "| generate + extract + index + commit | {indexed_secs:.1} s = **{:.0} docs/s** (of which generating triples + extraction {extract_secs:.1} s) |",
        docs as f64 / indexed_secs
    );
    println!("| merge into one segment | {merge_secs:.1} s |");
    println!(
        "| index size | {:.0} MB ({:.0} bytes/doc) |",
        size as f64 / 1e6,
        size as f64 / docs as f64
    );
    println!(
        "| peak RSS while indexing | {peak_index:.0} MiB{} |",
        if rss_reset { "" } else { " (process peak)" }
    );

    load_test(&config, index, seconds, connections, &dir, keep.is_none())
}

/// 2. Load test over HTTP from a second process.
fn load_test(
    config: &Arc<Config>,
    index: SearchIndex,
    seconds: u64,
    connections: usize,
    dir: &std::path::Path,
    remove: bool,
) -> anyhow::Result<()> {
    let store = Arc::new(CatalogStore::open(&config.data_dir)?);
    let harvesting = Arc::new(Harvesting::new(config.clone(), store.clone())?);
    let search = Arc::new(index);
    let state = Arc::new(AppState::new(
        store,
        catalog_server::harvest::Current::new(harvesting),
        search.clone(),
        config,
        Default::default(),
    ));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    rt.spawn(async move {
        let _ = axum::serve(listener, router(state)).await;
    });
    // First without the browse cache (every request computed), then with it,
    // then one connection without it (service time without queueing).
    // SEARCH_BENCH_ONLY=N: only the N-th of these runs (1-based).
    let only: Option<usize> = std::env::var("SEARCH_BENCH_ONLY")
        .ok()
        .and_then(|v| v.parse().ok());
    let runs = [
        (0, connections, "without the browse cache"),
        (BROWSE_CACHE_DEFAULT, connections, "with the browse cache"),
        (0, 1, "one connection, without the browse cache"),
    ];
    for (n, (capacity, conns, label)) in runs.into_iter().enumerate() {
        if only.is_some_and(|o| o != n + 1) {
            continue;
        }
        search.set_browse_cache(capacity);
        common::reset_peak_rss();
        let exe = std::env::current_exe()?;
        let cpu_before = common::cpu_seconds();
        let client_cpu_before = common::children_cpu_seconds();
        let out = std::process::Command::new(exe)
            .args([
                "client",
                &format!("http://{addr}"),
                &seconds.to_string(),
                &conns.to_string(),
            ])
            .output()?;
        anyhow::ensure!(
            out.status.success(),
            "load client failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!("| **{label}** | |");
        let cpu = common::cpu_seconds() - cpu_before;
        let stdout = String::from_utf8_lossy(&out.stdout);
        print!("{stdout}");
        eprint!("{}", String::from_utf8_lossy(&out.stderr));
        // The server's CPU time per request (this process serves; the
        // client is another process): unlike latency, it hardly depends
        // on what else runs on the machine.
        let requests: f64 = stdout
            .lines()
            .find_map(|l| l.strip_prefix("| load: "))
            .and_then(|l| l.split(" | ").nth(1))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0.0);
        if requests > 0.0 {
            println!(
                "| server CPU time per request | {:.2} ms (so at most {:.0} requests/s per core) |",
                cpu * 1000.0 / requests,
                requests / cpu.max(1e-9)
            );
            let client_cpu = common::children_cpu_seconds() - client_cpu_before;
            println!(
                "| load client CPU time per request | {:.2} ms |",
                client_cpu * 1000.0 / requests
            );
        }
        println!(
            "| server peak RSS during the load test | {:.0} MiB |",
            common::peak_rss_mib()
        );
    }
    drop(rt);
    if remove {
        let _ = std::fs::remove_dir_all(dir);
    }
    Ok(())
}

/// The load generator: `client BASE SECONDS CONNECTIONS`.
fn client(args: &[String]) -> anyhow::Result<()> {
    let base = args.first().cloned().unwrap_or_default();
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(20);
    let connections: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(6);
    // The citizens' web page, or search-as-you-type, instead of the search API.
    let pages = std::env::var_os("SEARCH_BENCH_PAGES").is_some();
    let suggest = std::env::var_os("SEARCH_BENCH_SUGGEST").is_some();
    let mix = if suggest { suggest_mix() } else { query_mix() };
    let total_weight: u32 = mix.iter().map(|(w, _)| w).sum();
    let (path, accept) = if suggest {
        ("/api/suggest", "application/json")
    } else if pages {
        ("/datasets", "text/html")
    } else {
        ("/api/search", "application/json")
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    let (lat, by_kind, errors, hits, elapsed) = rt.block_on(async move {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(connections)
            .build()?;
        // Warm-up: every query once.
        for (_, q) in &mix {
            let r = client
                .get(format!("{base}{path}?{q}"))
                .header("accept", accept)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "{q}: {}", r.status());
            let _ = r.bytes().await?;
        }
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..connections {
            let client = client.clone();
            let base = base.clone();
            let mix = mix.clone();
            tasks.push(tokio::spawn(async move {
                let mut rng = Rng(0x1234_5678 + c as u64 * 7919);
                let mut lat: Vec<u32> = Vec::new();
                let mut kinds: Vec<(usize, u32)> = Vec::new();
                let (mut errors, mut hits) = (0u64, 0u64);
                while Instant::now() < deadline {
                    let mut r = (rng.next() % u64::from(total_weight)) as u32;
                    let kind = mix
                        .iter()
                        .position(|(w, _)| {
                            if r < *w {
                                true
                            } else {
                                r -= w;
                                false
                            }
                        })
                        .unwrap_or(0);
                    let q = mix[kind].1.as_str();
                    let t0 = Instant::now();
                    let ok = match client
                        .get(format!("{base}{path}?{q}"))
                        .header("accept", accept)
                        .send()
                        .await
                    {
                        Ok(resp) if resp.status().is_success() => resp.bytes().await.is_ok(),
                        _ => false,
                    };
                    let micros = t0.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                    lat.push(micros);
                    kinds.push((kind, micros));
                    if ok {
                        hits += 1;
                    } else {
                        errors += 1;
                    }
                }
                (lat, kinds, errors, hits)
            }));
        }
        let mut all = Vec::new();
        let mut by_kind: Vec<(usize, u32)> = Vec::new();
        let (mut errors, mut hits) = (0, 0);
        for t in tasks {
            let (l, k, e, h) = t.await?;
            all.extend(l);
            by_kind.extend(k);
            errors += e;
            hits += h;
        }
        anyhow::Ok((all, by_kind, errors, hits, started.elapsed().as_secs_f64()))
    })?;
    let mut lat = lat;
    lat.sort_unstable();
    let pct = |p: f64| -> f64 {
        if lat.is_empty() {
            return 0.0;
        }
        let i = ((lat.len() as f64 * p).ceil() as usize).clamp(1, lat.len()) - 1;
        f64::from(lat[i]) / 1000.0
    };
    println!(
        "| load: {connections} connections, {seconds} s, {} query kinds{} | {} requests, {errors} errors |",
        if suggest { suggest_mix() } else { query_mix() }.len(),
        if suggest {
            ", search-as-you-type `/api/suggest`"
        } else if pages {
            ", web page `/datasets`"
        } else {
            ""
        },
        hits + errors
    );
    println!(
        "| throughput | **{:.0} queries/s** |",
        (hits + errors) as f64 / elapsed
    );
    println!(
        "| latency p50 / p90 / p99 / max | **{:.2} / {:.2} / {:.2} / {:.2} ms** |",
        pct(0.50),
        pct(0.90),
        pct(0.99),
        lat.last().map(|v| f64::from(*v) / 1000.0).unwrap_or(0.0)
    );
    // The slowest query kinds by mean latency (where p99 comes from).
    let mix = if suggest { suggest_mix() } else { query_mix() };
    let mut sums = vec![(0u64, 0u64); mix.len()];
    for (k, micros) in by_kind {
        sums[k].0 += u64::from(micros);
        sums[k].1 += 1;
    }
    let mut means: Vec<(f64, usize)> = sums
        .iter()
        .enumerate()
        .filter(|(_, (_, n))| *n > 0)
        .map(|(k, (sum, n))| (*sum as f64 / *n as f64 / 1000.0, k))
        .collect();
    means.sort_by(|a, b| b.0.total_cmp(&a.0));
    let slowest: Vec<String> = means
        .iter()
        .take(4)
        .map(|(ms, k)| format!("`{}` {ms:.1} ms", mix[*k].1))
        .collect();
    println!("| slowest kinds (mean) | {} |", slowest.join(", "));
    // SEARCH_BENCH_KINDS=1: every kind's mean latency and count, on stderr.
    if std::env::var_os("SEARCH_BENCH_KINDS").is_some() {
        for (ms, k) in &means {
            eprintln!("{ms:8.2} ms  x{:<5} {}", sums[*k].1, mix[*k].1);
        }
    }
    Ok(())
}
