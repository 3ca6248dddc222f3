//! The synthetic DCAT-AP.de catalog of the harvest benchmarks: Turtle pages
//! of datasets with ~10 properties and 2 distributions each, Hydra-paged.

use std::fmt::Write as _;

const THEMES: &[&str] = &[
    "TRAN", "ENVI", "GOVE", "EDUC", "HEAL", "ECON", "SOCI", "REGI", "AGRI", "ENER",
];
const FORMATS: &[(&str, &str)] = &[
    ("CSV", "text/csv"),
    ("JSON", "application/json"),
    ("GEOJSON", "application/geo+json"),
    ("PDF", "application/pdf"),
    (
        "XLSX",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
];
const TOWNS: &[&str] = &[
    "Kiel",
    "Lübeck",
    "Flensburg",
    "Neumünster",
    "Norderstedt",
    "Elmshorn",
    "Pinneberg",
    "Wedel",
];
const TOPICS: &[&str] = &[
    "Straßenbäume",
    "Haushaltsplan",
    "Radverkehrszählung",
    "Bebauungspläne",
    "Wahlergebnisse",
    "Kindertagesstätten",
    "Luftqualität",
    "Parkplätze",
    "Bevölkerungsstatistik",
    "Badegewässer",
];

/// Page `number` (from 1) of a catalog of `total` datasets, `per_page`
/// each, its links under `base`.
pub fn page(number: usize, per_page: usize, total: usize, base: &str) -> String {
    let mut s = String::with_capacity(per_page * 2600);
    s.push_str(
        "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n@prefix dct: <http://purl.org/dc/terms/> .\n\
         @prefix dcatde: <http://dcat-ap.de/def/dcatde/> .\n@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n\
         @prefix vcard: <http://www.w3.org/2006/vcard/ns#> .\n@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n\
         @prefix hydra: <http://www.w3.org/ns/hydra/core#> .\n\n",
    );
    let first = (number - 1) * per_page;
    let last = (first + per_page).min(total);
    let _ = writeln!(
        s,
        "<{base}/catalog> a dcat:Catalog ; dct:title \"Synthetischer Katalog\"@de ."
    );
    for i in first..last {
        let town = TOWNS[i % TOWNS.len()];
        let topic = TOPICS[i % TOPICS.len()];
        let theme = THEMES[i % THEMES.len()];
        let ds = format!("https://opendata.example/dataset/{i}");
        let _ = write!(
            s,
            "<{base}/catalog> dcat:dataset <{ds}> .\n\
             <{ds}> a dcat:Dataset ;\n  dct:identifier \"ds-{i}\" ;\n  dct:title \"{topic} {town} {i}\"@de ;\n\
               dct:description \"Der Datensatz {topic} der Stadt {town} enthält tagesaktuelle Angaben, \
             erhoben vom Fachbereich und veröffentlicht im Open-Data-Portal. Nummer {i}.\"@de ;\n\
               dcat:keyword \"{topic}\"@de, \"{town}\"@de, \"offene Daten\"@de ;\n\
               dcat:theme <http://publications.europa.eu/resource/authority/data-theme/{theme}> ;\n\
               dct:publisher <https://opendata.example/org/{town_l}> ;\n\
               dcat:contactPoint [ a vcard:Organization ; vcard:fn \"Open-Data-Team {town}\" ; vcard:hasEmail <mailto:opendata@{town_l}.example> ] ;\n\
               dct:issued \"2023-0{m}-1{d}\"^^xsd:date ;\n  dct:modified \"2024-0{m}-2{d}T08:15:00\"^^xsd:dateTime ;\n\
               dcatde:politicalGeocodingURI <http://dcat-ap.de/def/politicalGeocoding/municipalityKey/0100200{k}> ;\n\
               dcat:landingPage <https://opendata.example/dataset/{i}/info> ;\n\
               dcat:distribution <{ds}/csv>, <{ds}/json> .\n",
            town_l = town.to_lowercase(),
            m = 1 + i % 9,
            d = i % 10,
            k = i % 10,
        );
        for (j, suffix) in ["csv", "json"].iter().enumerate() {
            let (fmt, media) = FORMATS[(i + j) % FORMATS.len()];
            let _ = write!(
                s,
                "<{ds}/{suffix}> a dcat:Distribution ;\n  dct:title \"{topic} ({fmt})\"@de ;\n\
                   dcat:accessURL <https://opendata.example/files/{i}.{suffix}> ;\n\
                   dcat:downloadURL <https://opendata.example/files/{i}.{suffix}> ;\n\
                   dct:format <http://publications.europa.eu/resource/authority/file-type/{fmt}> ;\n\
                   dcat:mediaType <https://www.iana.org/assignments/media-types/{media}> ;\n\
                   dcat:byteSize \"{size}\"^^xsd:nonNegativeInteger ;\n\
                   dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> .\n",
                size = 1000 + i * 7 + j,
            );
        }
    }
    let pages = total.div_ceil(per_page);
    if number < pages {
        let _ = writeln!(
            s,
            "<{base}/catalog?page={number}> a hydra:PartialCollectionView ; hydra:next <{base}/catalog?page={}> .",
            number + 1
        );
    }
    s
}
