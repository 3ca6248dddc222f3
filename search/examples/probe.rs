use catalog_search::{extract, RecordInfo, SearchIndex, WriterOptions};
use oxrdf::{BlankNode, Literal, NamedNode, Triple};
use std::time::Instant;
const TOPICS: &[&str] = &[
    "Straßenbäume", "Baumkataster", "Haltestellen", "Parkplätze", "Ladestationen", "Spielplätze",
    "Kindertagesstätten", "Schulen", "Bebauungspläne", "Radwege", "Verkehrszählung", "Unfallstatistik",
    "Abfallbehälter", "Glascontainer", "Wahlergebnisse", "Bevölkerungsstatistik", "Haushaltsplan",
    "Gewässergüte", "Badestellen", "Luftqualität", "Lärmkartierung", "Denkmalliste", "Friedhöfe",
    "Sportanlagen", "Bibliotheken", "Museen", "Gaststätten", "Baustellen", "Straßenreinigung",
    "Grünflächen", "Kleingärten", "Hundekotbeutelspender", "Trinkbrunnen", "Toiletten", "Feuerwachen",
    "Apotheken", "Krankenhäuser", "Pflegeeinrichtungen", "Sozialleistungen", "Arbeitslosigkeit",
    "Gewerbeanmeldungen", "Tourismus", "Übernachtungen", "Wetterdaten", "Hochwasserschutz",
    "Solarpotenzial", "Energieverbrauch", "Wärmeplanung", "Breitbandausbau", "Mobilfunkmasten",
    "Carsharing", "Fahrradabstellanlagen", "Parkscheinautomaten", "Ampeln", "Straßennamen",
    "Hausnummern", "Flurstücke", "Bodenrichtwerte", "Mietspiegel", "Wohnungsbau",
];
const WORDS: &[&str] = &[
    "Standorte", "Daten", "Übersicht", "aktuell", "jährlich", "Stadtgebiet", "Informationen",
    "Verwaltung", "öffentlich", "Messung", "Erhebung", "Bestand", "Planung", "Karte", "Liste",
    "Ergebnisse", "Stadtteil", "Bezirk", "Einwohner", "Nutzung",
];
const THEMES: &[&str] = &[
    "AGRI", "ECON", "EDUC", "ENER", "ENVI", "GOVE", "HEAL", "INTR", "JUST", "REGI", "SOCI", "TECH",
    "TRAN",
];
const FORMATS: &[&str] = &["CSV", "JSON", "XLSX", "PDF", "GEOJSON", "WMS", "WFS", "XML", "SHP", "ZIP"];
const LICENSES: &[&str] = &["cc-by/4.0", "cc-zero", "dl-by-de/2.0", "dl-zero-de/2.0", "odbl", "cc-by-sa/4.0"];
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
    const SYL: &[&str] = &["Nord", "Süd", "Ost", "West", "Alt", "Neu", "Groß", "Klein", "Ober", "Unter"];
    const BASE: &[&str] = &[
        "hafen", "burg", "stadt", "dorf", "feld", "hausen", "heim", "bach", "berg", "münde",
        "tal", "au", "brück", "ried", "hagen", "stedt", "wald", "see", "furt", "kirchen",
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
    let mut t = vec![Triple::new(d.clone(), n("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), dcat("Dataset"))];
    let title = format!("{topic} {town} {year}");
    t.push(Triple::new(d.clone(), dct("title"), Literal::new_language_tagged_literal_unchecked(&title, "de")));
    if rng.below(10) == 0 {
        t.push(Triple::new(
            d.clone(),
            dct("title"),
            Literal::new_language_tagged_literal_unchecked(format!("{topic} in {town} ({year})"), "en"),
        ));
    }
    let desc = format!(
        "<p>Dieser Datensatz enthält <b>{topic}</b> der Gemeinde {town}: {} {} {} {}.</p><ul><li>{}</li><li>{}</li></ul>",
        rng.pick(WORDS), rng.pick(WORDS), rng.pick(TOPICS), rng.pick(WORDS), rng.pick(WORDS), rng.pick(WORDS)
    );
    t.push(Triple::new(d.clone(), dct("description"), Literal::new_simple_literal(desc)));
    for _ in 0..3 {
        let kw = if rng.below(2) == 0 { rng.pick(TOPICS) } else { rng.pick(WORDS) };
        t.push(Triple::new(d.clone(), dcat("keyword"), Literal::new_language_tagged_literal_unchecked(kw, "de")));
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
            n(&format!("http://publications.europa.eu/resource/authority/data-theme/{}", rng.pick(THEMES))),
        ));
    }
    t.push(Triple::new(
        d.clone(),
        n("http://dcat-ap.de/def/dcatde/politicalGeocodingURI"),
        n(&format!("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/{:08}", 1_000_000 + m)),
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
        t.push(Triple::new(temporal.clone(), dcat("startDate"), Literal::new_typed_literal(format!("{year}-01-01"), xd.clone())));
        t.push(Triple::new(temporal, dcat("endDate"), Literal::new_typed_literal(format!("{year}-12-31"), xd)));
    }
    for k in 0..2 {
        let dist = n(&format!("{iri}/distribution/{k}"));
        t.push(Triple::new(d.clone(), dcat("distribution"), dist.clone()));
        t.push(Triple::new(dist.clone(), dct("format"), n(&format!("http://publications.europa.eu/resource/authority/file-type/{}", rng.pick(FORMATS)))));
        t.push(Triple::new(dist.clone(), dct("license"), n(&format!("http://dcat-ap.de/def/licenses/{}", rng.pick(LICENSES)))));
        t.push(Triple::new(dist.clone(), dcat("accessURL"), n(&format!("{iri}/download/{k}"))));
        t.push(Triple::new(dist, dct("title"), Literal::new_simple_literal(format!("{topic} ({k})"))));
    }
    (iri, t)
}

/// The query mix: (weight, query string).
fn query_mix() -> Vec<(u32, String)> {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let mut mix: Vec<(u32, String)> = Vec::new();
    for t in ["Bäume", "Haltestellen", "Parkplatz", "Spielplatz", "Kita", "Schulen", "Radwege", "Luftqualität", "Mietspiegel", "Wahlergebnisse"] {
        mix.push((6, format!("q={}", enc(t))));
    }
    for m in [3usize, 17, 42, 101, 250] {
        mix.push((4, format!("q={}", enc(&format!("Baumkataster {}", municipality(m))))));
        mix.push((3, format!("q={}&format=CSV", enc(&format!("Haltestellen {}", municipality(m))))));
    }
    for q in ["strassenbaeume", "Kindertagesstaetten", "Gewaessergüte", "Bebaungsplan", "Hochwaserschutz"] {
        mix.push((3, format!("q={}", enc(q))));
    }
    mix.push((3, format!("q={}", enc("\"Straßenbäume Nordhafen\""))));
    mix.push((2, format!("q={}", enc("Parkplätze -Parkscheinautomaten"))));
    mix.push((2, format!("q={}", enc("Radwege OR Fahrradabstellanlagen"))));
    mix.push((2, format!("q={}", enc("publisher:Nordhafen Baustellen"))));
    mix.push((3, "q=Verkehrsz%C3%A4hlung&theme=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FTRAN".into()));
    mix.push((3, "q=Sportanlagen&format=CSV&format=JSON".into()));
    mix.push((2, "q=Luftqualit%C3%A4t&bbox=9.5,53.4,10.5,54.0".into()));
    mix.push((2, "q=Baustellen&modified_since=2024-01-01&sort=modified".into()));
    mix.push((2, "q=Denkmalliste&page=2&size=20".into()));
    mix.push((2, "q=Wetterdaten&temporal_from=2010-01-01&temporal_to=2012-12-31".into()));
    mix.push((2, "q=Museen&sort=title".into()));
    mix.push((2, "q=Apotheken&license=http%3A%2F%2Fdcat-ap.de%2Fdef%2Flicenses%2Fcc-zero&theme=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FHEAL".into()));
    mix.push((2, format!("q=&source=bench&geocoding={}", enc("http://dcat-ap.de/def/politicalGeocoding/municipalityKey/01000042"))));
    mix.push((1, "q=&format=GEOJSON&bbox=11.0,48.0,11.5,48.5".into()));
    mix.push((1, "q=&theme=http%3A%2F%2Fpublications.europa.eu%2Fresource%2Fauthority%2Fdata-theme%2FENVI".into()));
    mix
}


fn main() {
    let docs: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let dir = std::env::temp_dir().join("search-probe");
    let _ = std::fs::remove_dir_all(&dir);
    let index = SearchIndex::create(&dir, WriterOptions { threads: 2, memory: 256 << 20 }).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let t = Instant::now();
    let mut done = 0;
    while done < docs {
        let n = 10_000.min(docs - done);
        let out: Vec<_> = (done..done + n).map(|i| {
            let (iri, triples) = record(i, &mut rng);
            extract(&RecordInfo { rid: &format!("{i:020}"), hash: "h", dataset: &iri, source: "bench", source_title: "B" }, &triples)
        }).collect();
        index.add_new(&out).unwrap();
        done += n;
    }
    index.commit().unwrap();
    println!("indexed {docs} in {:.1}s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    index.merge_all().unwrap();
    println!("merged in {:.1}s, size {} MB", t.elapsed().as_secs_f64(), index.size_on_disk() / 1_000_000);
    for (_, q) in query_mix() {
        let p: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes()).into_owned().collect();
        let mut req = catalog_search::SearchRequest::default();
        for (k, v) in &p {
            match k.as_str() { "q" => req.q = v.clone(), _ => {} }
        }
        let t = Instant::now();
        let mut total = 0;
        for _ in 0..5 { total = index.search(&req).unwrap().total; }
        println!("{:>8.2} ms  total {total:>7}  {q}", t.elapsed().as_secs_f64() * 1000.0 / 5.0);
    }
}
