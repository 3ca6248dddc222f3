use super::*;

const PREFIXES: &str = "
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
@prefix ft: <http://publications.europa.eu/resource/authority/file-type/> .
@prefix ex: <https://example.org/> .
";

fn triples(ttl: &str) -> Vec<Triple> {
    RdfParser::from_format(RdfFormat::Turtle)
        .for_slice(format!("{PREFIXES}{ttl}").as_bytes())
        .map(|q| Triple::from(q.expect("test Turtle parses")))
        .collect()
}

fn dataset() -> NamedNode {
    NamedNode::new_unchecked("https://example.org/d")
}

fn score_of(ttl: &str, violations: Option<usize>) -> Quality {
    score(
        &triples(ttl),
        dataset().as_ref(),
        violations,
        None,
        QualityVocabularies::shipped(),
    )
}

fn points(q: &Quality, name: &str) -> u32 {
    q.measurements
        .iter()
        .find(|m| m.metric.name() == name)
        .map(|m| m.points)
        .expect("every metric is measured")
}

/// The metric alone passes and fails with one triple more or less.
fn pass_fail(name: &str, with: &str, without: &str, max: u32) {
    let q = score_of(with, Some(1));
    assert_eq!(points(&q, name), max, "{name} with: {with}");
    let q = score_of(without, Some(1));
    assert_eq!(points(&q, name), 0, "{name} without: {without}");
}

#[test]
fn the_table_adds_up_to_405_in_five_dimensions() {
    let total: u32 = Metric::ALL.iter().map(|m| m.weight()).sum();
    assert_eq!(total, MAX_SCORE);
    let by = |d: Dimension| -> u32 {
        Metric::ALL
            .iter()
            .filter(|m| m.dimension() == d)
            .map(|m| m.weight())
            .sum()
    };
    assert_eq!(by(Dimension::Findability), 100);
    assert_eq!(by(Dimension::Accessibility), 100);
    assert_eq!(by(Dimension::Interoperability), 110);
    assert_eq!(by(Dimension::Reusability), 75);
    assert_eq!(by(Dimension::Contextuality), 20);
}

#[test]
fn bands_follow_the_published_ranges() {
    assert_eq!(Band::of(405), Band::Excellent);
    assert_eq!(Band::of(351), Band::Excellent);
    assert_eq!(Band::of(350), Band::Good);
    assert_eq!(Band::of(221), Band::Good);
    assert_eq!(Band::of(220), Band::Sufficient);
    assert_eq!(Band::of(121), Band::Sufficient);
    assert_eq!(Band::of(120), Band::Bad);
    assert_eq!(Band::of(0), Band::Bad);
    assert_eq!(Band::parse("Good"), Some(Band::Good));
}

#[test]
fn the_shipped_lists_are_loaded() {
    let v = QualityVocabularies::shipped();
    assert!(v.file_types.len() > 150, "{}", v.file_types.len());
    assert_eq!(v.non_proprietary.len(), 29);
    assert_eq!(v.machine_readable.len(), 20);
    assert!(v
        .licences
        .contains("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"));
    assert!(v
        .licences
        .contains("http://dcat-ap.de/def/licenses/dl-by-de/2.0"));
    assert_eq!(v.access_rights.len(), 3);
    for code in v.non_proprietary.iter().chain(&v.machine_readable) {
        assert!(
            v.file_types.contains(code),
            "{code} is in the EU file-type table"
        );
    }
}

#[test]
fn findability_metrics_look_at_the_dataset() {
    for (name, p, o) in [
        ("keywordAvailability", "dcat:keyword", "\"Wasser\""),
        ("categoryAvailability", "dcat:theme", "ex:t"),
        ("spatialAvailability", "dct:spatial", "ex:s"),
        ("temporalAvailability", "dct:temporal", "ex:p"),
        ("contactPointAvailability", "dcat:contactPoint", "ex:c"),
        ("publisherAvailability", "dct:publisher", "ex:o"),
        ("accessRightsAvailability", "dct:accessRights", "ex:r"),
    ] {
        let max = Metric::ALL
            .iter()
            .find(|m| m.name() == name)
            .map_or(0, |m| m.weight());
        pass_fail(
            name,
            &format!("ex:d {p} {o} ."),
            // On a distribution it does not count.
            &format!("ex:d dcat:distribution ex:x . ex:x {p} {o} ."),
            max,
        );
    }
}

#[test]
fn access_rights_alignment_needs_the_eu_table() {
    pass_fail(
        "accessRightsVocabularyAlignment",
        "ex:d dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> .",
        "ex:d dct:accessRights ex:public .",
        5,
    );
}

#[test]
fn availability_metrics_of_distributions() {
    for (name, p, o, max) in [
        (
            "downloadUrlAvailability",
            "dcat:downloadURL",
            "ex:f.csv",
            20,
        ),
        ("formatAvailability", "dct:format", "\"CSV\"", 20),
        (
            "mediaTypeAvailability",
            "dcat:mediaType",
            "\"text/csv\"",
            10,
        ),
        ("licenceAvailability", "dct:license", "ex:l", 20),
        ("rightsAvailability", "dct:rights", "ex:r", 5),
        ("byteSizeAvailability", "dcat:byteSize", "12", 5),
    ] {
        pass_fail(
            name,
            &format!("ex:d dcat:distribution ex:x . ex:x {p} {o} ."),
            // On the dataset it does not count.
            &format!("ex:d dcat:distribution ex:x ; {p} {o} ."),
            max,
        );
    }
}

#[test]
fn format_alignment_by_eu_file_type_or_iana_media_type() {
    let name = "formatMediaTypeVocabularyAlignment";
    pass_fail(
        name,
        "ex:d dcat:distribution ex:x . ex:x dct:format ft:CSV .",
        "ex:d dcat:distribution ex:x . ex:x dct:format \"CSV\" .",
        10,
    );
    pass_fail(
        name,
        "ex:d dcat:distribution ex:x . ex:x dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> .",
        "ex:d dcat:distribution ex:x . ex:x dcat:mediaType <https://example.org/media/csv> .",
        10,
    );
    pass_fail(
        name,
        "ex:d dcat:distribution ex:x . ex:x dcat:mediaType \"application/json\" .",
        "ex:d dcat:distribution ex:x . ex:x dcat:mediaType \"json\" .",
        10,
    );
    assert!(!is_iana_media_type(
        Literal::new_simple_literal("chemical/x-pdb")
            .as_ref()
            .into()
    ));
}

#[test]
fn non_proprietary_and_machine_readable_lists() {
    pass_fail(
        "formatMediaTypeNonProprietary",
        "ex:d dcat:distribution ex:x . ex:x dct:format ft:PNG .",
        "ex:d dcat:distribution ex:x . ex:x dct:format ft:XLSX .",
        20,
    );
    pass_fail(
        "formatMediaTypeMachineInterpretable",
        "ex:d dcat:distribution ex:x . ex:x dct:format ft:XLSX .",
        "ex:d dcat:distribution ex:x . ex:x dct:format ft:PNG .",
        20,
    );
}

#[test]
fn known_licences_are_eu_or_dcat_ap_de() {
    let name = "knownLicence";
    pass_fail(
        name,
        "ex:d dcat:distribution ex:x . ex:x dct:license <http://publications.europa.eu/resource/authority/licence/CC_BY_4_0> .",
        "ex:d dcat:distribution ex:x . ex:x dct:license <https://creativecommons.org/licenses/by/4.0/> .",
        10,
    );
    pass_fail(
        name,
        "ex:d dcat:distribution ex:x . ex:x dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> .",
        "ex:d dcat:distribution ex:x . ex:x dct:license \"dl-by-de/2.0\" .",
        10,
    );
}

#[test]
fn dates_count_on_the_dataset_or_any_distribution() {
    for (name, p) in [
        ("dateIssuedAvailability", "dct:issued"),
        ("dateModifiedAvailability", "dct:modified"),
    ] {
        pass_fail(
            name,
            &format!("ex:d {p} \"2024-01-01\" ."),
            "ex:d dcat:keyword \"k\" .",
            5,
        );
        // Any distribution, not only the best one.
        let q = score_of(
            &format!(
                "ex:d dcat:distribution ex:a, ex:b . ex:a dcat:downloadURL ex:f . ex:b {p} \"2024-01-01\" ."
            ),
            None,
        );
        assert_eq!(points(&q, name), 5);
        assert_eq!(
            q.best_distribution,
            Some(NamedNode::new_unchecked("https://example.org/a").into())
        );
    }
}

#[test]
fn compliance_needs_validation_without_violations() {
    assert_eq!(
        points(
            &score_of("ex:d dcat:keyword \"k\" .", Some(0)),
            "dcatApCompliance"
        ),
        30
    );
    assert_eq!(
        points(
            &score_of("ex:d dcat:keyword \"k\" .", Some(2)),
            "dcatApCompliance"
        ),
        0
    );
    let q = score_of("ex:d dcat:keyword \"k\" .", None);
    let m = &q.measurements[Metric::ALL
        .iter()
        .position(|m| *m == Metric::DcatApCompliance)
        .unwrap_or(0)];
    assert_eq!((m.points, m.note(false)), (0, Some("not validated")));
}

#[test]
fn the_best_distribution_carries_the_distribution_metrics() {
    // ex:a has a licence (20) and rights (5); ex:b a download URL (20), a
    // format (20) that is aligned (10) and machine-readable (20).
    let q = score_of(
        "ex:d dcat:distribution ex:a, ex:b .
         ex:a dct:license ex:l ; dct:rights ex:r .
         ex:b dcat:downloadURL ex:f ; dct:format ft:XLSX .",
        Some(0),
    );
    assert_eq!(
        q.best_distribution,
        Some(NamedNode::new_unchecked("https://example.org/b").into())
    );
    assert_eq!(points(&q, "licenceAvailability"), 0);
    assert_eq!(points(&q, "downloadUrlAvailability"), 20);
    assert_eq!(points(&q, "formatMediaTypeMachineInterpretable"), 20);
    assert_eq!(q.score, 20 + 20 + 10 + 20 + 30);
}

#[test]
fn without_distributions_no_distribution_metric_scores() {
    let q = score_of(
        "ex:d dct:license ex:l ; dcat:downloadURL ex:f ; dct:format ft:CSV ; dcat:keyword \"k\" .",
        Some(0),
    );
    assert_eq!(q.best_distribution, None);
    for m in &q.measurements {
        if m.metric.on_distribution() {
            assert_eq!(m.points, 0, "{}", m.metric.name());
            assert!(m.note(false).is_some());
        }
    }
    assert_eq!(q.score, 30 + 30);
    assert_eq!(q.band, Band::Bad);
}

#[test]
fn status_codes_are_not_checked_without_link_statuses() {
    let ttl = "ex:d dcat:distribution ex:x . ex:x dcat:accessURL ex:a ; dcat:downloadURL ex:f .";
    let q = score_of(ttl, Some(0));
    for name in ["accessUrlStatusCode", "downloadUrlStatusCode"] {
        let m = q
            .measurements
            .iter()
            .find(|m| m.metric.name() == name)
            .map(|m| (m.points, m.note(true)));
        assert_eq!(m, Some((0, Some("not checked"))), "{name}");
    }
    let links = |u: &str| -> Option<LinkStatus> {
        match u {
            "https://example.org/a" => Some(LinkStatus { status: Some(301) }),
            "https://example.org/f" => Some(LinkStatus { status: Some(404) }),
            _ => None,
        }
    };
    let q = score(
        &triples(ttl),
        dataset().as_ref(),
        Some(0),
        Some(&links),
        QualityVocabularies::shipped(),
    );
    assert_eq!(points(&q, "accessUrlStatusCode"), 50);
    assert_eq!(points(&q, "downloadUrlStatusCode"), 0);
    let m = q
        .measurements
        .iter()
        .find(|m| m.metric == Metric::DownloadUrlStatusCode);
    assert_eq!(m.map(|m| m.found.clone()), Some(Found::Status(Some(404))));
}

#[test]
fn a_complete_record_scores_405_minus_the_unchecked_links() {
    let q = score_of(
        "ex:d dcat:keyword \"k\" ; dcat:theme ex:t ; dct:spatial ex:s ; dct:temporal ex:p ;
            dct:accessRights <http://publications.europa.eu/resource/authority/access-right/PUBLIC> ;
            dcat:contactPoint ex:c ; dct:publisher ex:o ; dct:issued \"2024\" ; dct:modified \"2025\" ;
            dcat:distribution ex:x .
         ex:x dcat:accessURL ex:a ; dcat:downloadURL ex:f ; dct:format ft:CSV ;
            dcat:mediaType <https://www.iana.org/assignments/media-types/text/csv> ;
            dct:license <http://dcat-ap.de/def/licenses/dl-by-de/2.0> ; dct:rights ex:r ; dcat:byteSize 1 .",
        Some(0),
    );
    assert_eq!(q.score, 405 - 50 - 30);
    // Without link checks the best a record can reach is 325: Good.
    assert_eq!(q.band, Band::Good);
}

#[test]
fn dqv_measurements_name_piveaus_metrics() {
    let q = score_of(
        "ex:d dcat:keyword \"k\" ; dcat:distribution ex:x . ex:x dcat:byteSize 3 .",
        Some(0),
    );
    let out = q.dqv_triples("abc", dataset().as_ref(), "2026-12-05T03:00:00Z");
    let metrics: Vec<String> = out
        .iter()
        .filter(|t| t.predicate == DQV_IS_MEASUREMENT_OF)
        .map(|t| t.object.to_string())
        .collect();
    assert_eq!(metrics.len(), 24);
    assert!(metrics.contains(&"<https://piveau.eu/ns/voc#keywordAvailability>".to_owned()));
    assert!(metrics.contains(&"<https://piveau.eu/ns/voc#score>".to_owned()));
    let on_distribution = out.iter().any(|t| {
        t.predicate == DQV_COMPUTED_ON
            && t.object == NamedNode::new_unchecked("https://example.org/x").into()
    });
    assert!(on_distribution);
    // Three triples per measured metric, two for the two link metrics that
    // were not checked, four for the score.
    assert_eq!(out.len(), 21 * 3 + 2 * 2 + 4);
    let score_node = out
        .iter()
        .find(|t| {
            t.predicate == DQV_IS_MEASUREMENT_OF
                && t.object == NamedNode::new_unchecked("https://piveau.eu/ns/voc#score").into()
        })
        .map(|t| t.subject.clone());
    let total = out
        .iter()
        .find(|t| t.predicate == DQV_VALUE && Some(&t.subject) == score_node.as_ref());
    assert_eq!(
        total.map(|t| t.object.clone()),
        Some(Literal::from(i64::from(q.score)).into())
    );
    // Numerical blank nodes (kept inline by the store), distinct per record.
    let other = q.dqv_triples("abd", dataset().as_ref(), "2026-12-05T03:00:00Z");
    assert!(out.iter().all(|t| match &t.subject {
        oxrdf::NamedOrBlankNode::BlankNode(b) => b.as_ref().unique_id().is_some(),
        _ => false,
    }));
    assert!(out
        .iter()
        .all(|t| other.iter().all(|o| o.subject != t.subject)));
}

#[test]
fn points_round_trip_through_the_meta_literal() {
    let q = score_of("ex:d dcat:keyword \"k\" .", Some(0));
    let points = parse_points(&q.points()).expect("points");
    assert_eq!(points.len(), Metric::ALL.len());
    assert_eq!(points.iter().map(|p| p.1).sum::<u32>(), q.score);
    assert_eq!(parse_points("1 2"), None);
    assert_eq!(
        parse_points(&"999 ".repeat(23).trim_end().replace("999", "99")),
        None
    );
}
