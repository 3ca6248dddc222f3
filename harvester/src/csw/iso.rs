//! The parts of an ISO 19139 record (`gmd:MD_Metadata`, `gmi:MI_Metadata`,
//! InGrid IDF) that the DCAT mapping uses, read leniently from an
//! [`Element`] tree: every field is optional, nothing panics on odd input.

use super::xml::Element;

/// Text with an optional `gmx:Anchor` link and its `PT_FreeText`
/// translations.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Text {
    pub text: Option<String>,
    pub href: Option<String>,
    /// (locale reference as written, e.g. `#FR`, text).
    pub translations: Vec<(String, String)>,
}

impl Text {
    fn of(e: &Element) -> Option<Text> {
        let t = Text {
            text: e.value(),
            href: e.anchor_href(),
            translations: translations(e),
        };
        (t.text.is_some() || t.href.is_some()).then_some(t)
    }
}

/// `gmd:PT_FreeText/gmd:textGroup/gmd:LocalisedCharacterString` of a
/// property element: (`locale` attribute, text).
fn translations(e: &Element) -> Vec<(String, String)> {
    e.all(&[
        "gmd:PT_FreeText",
        "gmd:textGroup",
        "gmd:LocalisedCharacterString",
    ])
    .into_iter()
    .filter_map(|l| Some((l.attr("locale")?.trim().to_owned(), l.own_text()?)))
    .collect()
}

/// `MD_Identifier` / `RS_Identifier`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Identifier {
    pub code: Option<String>,
    pub code_href: Option<String>,
    pub code_space: Option<String>,
}

/// `CI_ResponsibleParty` (and InGrid's `idfResponsibleParty`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Party {
    pub role: Option<String>,
    pub organisation: Option<String>,
    pub individual: Option<String>,
    pub position: Option<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub street: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub admin_area: Option<String>,
    pub country: Option<String>,
    pub url: Option<String>,
}

/// One `MD_Keywords` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keywords {
    pub thesaurus: Option<String>,
    pub thesaurus_href: Option<String>,
    pub keyword_type: Option<String>,
    pub keywords: Vec<Text>,
}

/// One `resourceConstraints` block.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Constraints {
    /// Element name (`gmd:MD_LegalConstraints`, `gmd:MD_Constraints`, …).
    pub kind: String,
    pub use_limitations: Vec<Text>,
    pub access_constraints: Vec<String>,
    pub use_constraints: Vec<String>,
    pub other_constraints: Vec<Text>,
}

/// `CI_OnlineResource`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Online {
    pub linkage: Option<String>,
    pub protocol: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub function: Option<String>,
    /// `gmd:transferSize` of its transfer options (megabytes, 10^6 bytes, as
    /// ISO 19115 defines it) in bytes.
    pub transfer_bytes: Option<u64>,
    /// A service operation's `srv:connectPoint`: an access point whatever
    /// its function says.
    pub connect_point: bool,
}

impl Online {
    /// A `gmd:CI_OnlineResource` element.
    fn read(o: &Element, transfer_bytes: Option<u64>) -> Self {
        Self {
            linkage: value_of(o, &["gmd:linkage"]),
            protocol: value_of(o, &["gmd:protocol"]),
            name: value_of(o, &["gmd:name"]),
            description: value_of(o, &["gmd:description"]),
            function: value_of(o, &["gmd:function"]),
            transfer_bytes,
            connect_point: false,
        }
    }
}

/// A geographic bounding box in decimal degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub west: f64,
    pub east: f64,
    pub south: f64,
    pub north: f64,
}

/// What the mapping needs of one ISO 19139 record.
#[derive(Debug, Clone, Default)]
pub struct IsoRecord {
    /// `gmd:MD_Metadata`, `gmi:MI_Metadata`.
    pub root: String,
    pub file_identifier: Option<String>,
    /// `gmd:parentIdentifier`: the fileIdentifier of the series the record
    /// belongs to.
    pub parent_identifier: Option<String>,
    pub metadata_language: Option<String>,
    pub hierarchy_level: Option<String>,
    pub metadata_contacts: Vec<Party>,
    /// `gmd:dateStamp` as written.
    pub date_stamp: Option<String>,
    pub standard_name: Option<String>,
    pub standard_version: Option<String>,
    pub title: Option<String>,
    pub abstract_text: Option<String>,
    /// `PT_FreeText` translations of title and abstract: (locale, text).
    pub title_translations: Vec<(String, String)>,
    pub abstract_translations: Vec<(String, String)>,
    /// `gmd:locale/gmd:PT_Locale`: (`id`, language code).
    pub locales: Vec<(String, String)>,
    pub identifiers: Vec<Identifier>,
    /// (dateType code, date as written).
    pub dates: Vec<(String, String)>,
    /// Resource parties: `pointOfContact` and `citedResponsibleParty`.
    pub parties: Vec<Party>,
    pub distributors: Vec<Party>,
    pub keywords: Vec<Keywords>,
    pub topic_categories: Vec<String>,
    pub languages: Vec<String>,
    pub bboxes: Vec<BBox>,
    /// `EX_GeographicDescription/geographicIdentifier/*/code`: place names
    /// (with an Anchor href when the code is anchored).
    pub places: Vec<Text>,
    /// (begin, end) as written.
    pub temporal: Vec<(Option<String>, Option<String>)>,
    pub frequency: Option<String>,
    pub constraints: Vec<Constraints>,
    pub lineage: Option<String>,
    pub online: Vec<Online>,
    /// `MD_Format` names.
    pub formats: Vec<String>,
    /// `srv:serviceType` of a service.
    pub service_type: Option<String>,
    /// `cit/gmd:alternateTitle`.
    pub alternate_titles: Vec<String>,
    /// `cit/gmd:edition`.
    pub edition: Option<String>,
    /// `gmd:referenceSystemInfo/*/gmd:referenceSystemIdentifier/*`: code
    /// (Anchor href or text) and codeSpace.
    pub reference_systems: Vec<Identifier>,
    /// `ident/gmd:spatialResolution/*/gmd:distance` in metres (`uom` m or
    /// metre; km converted).
    pub resolution_meters: Vec<f64>,
    /// `ident/gmd:spatialResolution/*/gmd:equivalentScale/*/gmd:denominator`.
    pub scale_denominators: Vec<u64>,
    /// `gmd:dataQualityInfo//gmd:DQ_ConformanceResult` with `gmd:pass` true:
    /// the specification's title (with its Anchor href) and publication date.
    pub conforms_to: Vec<(Text, Option<String>)>,
    /// `srv:operatesOn` of a service: (`uuidref`, `xlink:href`).
    pub operates_on: Vec<(Option<String>, Option<String>)>,
    /// `gmd:characterSet` of the metadata (`MD_CharacterSetCode`).
    pub metadata_charset: Option<String>,
    /// `ident/gmd:characterSet`: the resource's character sets.
    pub resource_charsets: Vec<String>,
}

fn value_of(e: &Element, path: &[&str]) -> Option<String> {
    e.path(path).and_then(Element::value)
}

fn party(e: &Element) -> Party {
    let contact = e.path(&["gmd:contactInfo", "gmd:CI_Contact"]);
    let address = contact.and_then(|c| c.path(&["gmd:address", "gmd:CI_Address"]));
    let mut p = Party {
        role: value_of(e, &["gmd:role"]),
        organisation: value_of(e, &["gmd:organisationName"]),
        individual: value_of(e, &["gmd:individualName"]),
        position: value_of(e, &["gmd:positionName"]),
        ..Default::default()
    };
    if let Some(c) = contact {
        for phone in c.all(&["gmd:phone", "gmd:CI_Telephone", "gmd:voice"]) {
            if let Some(v) = phone.value() {
                p.phones.push(v);
            }
        }
        p.url = c
            .path(&["gmd:onlineResource", "gmd:CI_OnlineResource", "gmd:linkage"])
            .and_then(Element::value);
    }
    if let Some(a) = address {
        for m in a.children_named("gmd:electronicMailAddress") {
            if let Some(v) = m.value() {
                p.emails.push(v);
            }
        }
        let street: Vec<String> = a
            .children_named("gmd:deliveryPoint")
            .filter_map(Element::value)
            .collect();
        p.street = (!street.is_empty()).then(|| street.join(", "));
        p.city = value_of(a, &["gmd:city"]);
        p.postal_code = value_of(a, &["gmd:postalCode"]);
        p.admin_area = value_of(a, &["gmd:administrativeArea"]);
        p.country = value_of(a, &["gmd:country"]);
    }
    p
}

/// The `MD_Identifier`/`RS_Identifier` inside a property element, when it
/// has a code.
fn identifier(property: &Element) -> Option<Identifier> {
    let ide = property.children.first()?;
    let code = ide.child("gmd:code");
    let ident = Identifier {
        code: code.and_then(Element::value),
        code_href: code.and_then(Element::anchor_href),
        code_space: value_of(ide, &["gmd:codeSpace"]),
    };
    (ident.code.is_some() || ident.code_href.is_some()).then_some(ident)
}

fn parties_in(e: &Element, prop: &str) -> Vec<Party> {
    e.children_named(prop)
        .filter_map(|p| p.child("gmd:CI_ResponsibleParty"))
        .map(party)
        .collect()
}

fn parse_decimal(e: &Element, name: &str) -> Option<f64> {
    let v = e.child(name)?.value()?;
    let f: f64 = v.trim().replace(',', ".").parse().ok()?;
    f.is_finite().then_some(f)
}

fn gml_time(e: &Element, names: &[&str]) -> Option<String> {
    for n in names {
        if let Some(c) = e.child(n) {
            if let Some(t) = c.own_text() {
                return Some(t);
            }
            // gml:begin/gml:TimeInstant/gml:timePosition
            if let Some(t) = c
                .descendants("gml:timePosition")
                .into_iter()
                .find_map(Element::own_text)
            {
                return Some(t);
            }
        }
    }
    None
}

impl IsoRecord {
    /// Reads a record from its `MD_Metadata` element.
    pub fn from_element(md: &Element) -> IsoRecord {
        let mut r = IsoRecord {
            root: md.name.clone(),
            file_identifier: value_of(md, &["gmd:fileIdentifier"]),
            parent_identifier: value_of(md, &["gmd:parentIdentifier"]),
            metadata_language: md.child("gmd:language").and_then(Element::value),
            hierarchy_level: md.child("gmd:hierarchyLevel").and_then(Element::value),
            metadata_contacts: parties_in(md, "gmd:contact"),
            date_stamp: md.child("gmd:dateStamp").and_then(Element::value),
            standard_name: value_of(md, &["gmd:metadataStandardName"]),
            standard_version: value_of(md, &["gmd:metadataStandardVersion"]),
            metadata_charset: md.child("gmd:characterSet").and_then(Element::value),
            ..Default::default()
        };
        for l in md.all(&["gmd:locale", "gmd:PT_Locale"]) {
            if let (Some(id), Some(code)) = (
                l.attr("id"),
                l.child("gmd:languageCode").and_then(Element::value),
            ) {
                r.locales.push((id.trim().to_owned(), code));
            }
        }
        // identificationInfo: the first identification of any kind.
        let ident = md
            .child("gmd:identificationInfo")
            .and_then(|i| i.children.first());
        if let Some(id) = ident {
            r.read_identification(id);
        }
        for dist in md.all(&["gmd:distributionInfo", "gmd:MD_Distribution"]) {
            for f in dist.descendants("gmd:MD_Format") {
                if let Some(n) = value_of(f, &["gmd:name"]) {
                    if !r.formats.contains(&n) {
                        r.formats.push(n);
                    }
                }
            }
            // The transfer options only: a distributor's contact homepage is
            // no distribution.
            let mut blocks = dist.all(&["gmd:transferOptions", "gmd:MD_DigitalTransferOptions"]);
            blocks.extend(dist.all(&[
                "gmd:distributor",
                "gmd:MD_Distributor",
                "gmd:distributorTransferOptions",
                "gmd:MD_DigitalTransferOptions",
            ]));
            for block in blocks {
                let transfer_bytes = value_of(block, &["gmd:transferSize"])
                    .and_then(|v| v.trim().replace(',', ".").parse::<f64>().ok())
                    .filter(|mb| mb.is_finite() && *mb >= 0.0)
                    .map(|mb| (mb * 1_000_000.0).round() as u64);
                for o in block.all(&["gmd:onLine", "gmd:CI_OnlineResource"]) {
                    let online = Online::read(o, transfer_bytes);
                    if online.linkage.is_some() && !r.online.contains(&online) {
                        r.online.push(online);
                    }
                }
            }
            for d in dist.all(&["gmd:distributor", "gmd:MD_Distributor"]) {
                r.distributors
                    .extend(parties_in(d, "gmd:distributorContact"));
            }
        }
        // A service's operations name its access points too (often the
        // only ones: GetCapabilities of a WMS).
        if let Some(id) = ident {
            // Also without the `srv:containsOperations` wrapper, as
            // Mapbender writes them.
            let mut points = id.all(&[
                "srv:containsOperations",
                "srv:SV_OperationMetadata",
                "srv:connectPoint",
                "gmd:CI_OnlineResource",
            ]);
            points.extend(id.all(&[
                "srv:SV_OperationMetadata",
                "srv:connectPoint",
                "gmd:CI_OnlineResource",
            ]));
            for o in points {
                let online = Online {
                    connect_point: true,
                    ..Online::read(o, None)
                };
                if online.linkage.is_none() {
                    continue;
                }
                // A distribution link to the same URL is the access point.
                match r.online.iter_mut().find(|k| k.linkage == online.linkage) {
                    Some(known) => known.connect_point = true,
                    None => r.online.push(online),
                }
            }
        }
        for rs in md.all(&[
            "gmd:referenceSystemInfo",
            "gmd:MD_ReferenceSystem",
            "gmd:referenceSystemIdentifier",
        ]) {
            if let Some(ident) = identifier(rs) {
                if !r.reference_systems.contains(&ident) {
                    r.reference_systems.push(ident);
                }
            }
        }
        for dq in md.all(&["gmd:dataQualityInfo", "gmd:DQ_DataQuality"]) {
            for result in dq.descendants("gmd:DQ_ConformanceResult") {
                let pass = result
                    .child("gmd:pass")
                    .and_then(Element::value)
                    .is_some_and(|v| v.trim() == "true" || v.trim() == "1");
                let Some(spec) = result.path(&["gmd:specification", "gmd:CI_Citation"]) else {
                    continue;
                };
                let Some(title) = spec.child("gmd:title").and_then(Text::of) else {
                    continue;
                };
                let date = spec
                    .all(&["gmd:date", "gmd:CI_Date"])
                    .into_iter()
                    .find_map(|d| value_of(d, &["gmd:date"]));
                if pass && !r.conforms_to.iter().any(|(t, _)| t == &title) {
                    r.conforms_to.push((title, date));
                }
            }
        }
        r.lineage = md
            .all(&[
                "gmd:dataQualityInfo",
                "gmd:DQ_DataQuality",
                "gmd:lineage",
                "gmd:LI_Lineage",
            ])
            .into_iter()
            .find_map(|l| value_of(l, &["gmd:statement"]));
        r
    }

    fn read_identification(&mut self, id: &Element) {
        self.resource_charsets = id
            .children_named("gmd:characterSet")
            .filter_map(Element::value)
            .collect();
        if let Some(cit) = id.path(&["gmd:citation", "gmd:CI_Citation"]) {
            self.title = value_of(cit, &["gmd:title"]);
            if let Some(t) = cit.child("gmd:title") {
                self.title_translations = translations(t);
            }
            for d in cit.all(&["gmd:date", "gmd:CI_Date"]) {
                if let (Some(ty), Some(date)) =
                    (value_of(d, &["gmd:dateType"]), value_of(d, &["gmd:date"]))
                {
                    self.dates.push((ty, date));
                }
            }
            self.identifiers
                .extend(cit.children_named("gmd:identifier").filter_map(identifier));
            self.parties
                .extend(parties_in(cit, "gmd:citedResponsibleParty"));
            self.alternate_titles = cit
                .children_named("gmd:alternateTitle")
                .filter_map(Element::value)
                .collect();
            self.edition = value_of(cit, &["gmd:edition"]);
        }
        self.abstract_text = value_of(id, &["gmd:abstract"]);
        if let Some(a) = id.child("gmd:abstract") {
            self.abstract_translations = translations(a);
        }
        self.parties.extend(parties_in(id, "gmd:pointOfContact"));
        self.frequency = id
            .all(&[
                "gmd:resourceMaintenance",
                "gmd:MD_MaintenanceInformation",
                "gmd:maintenanceAndUpdateFrequency",
            ])
            .into_iter()
            .find_map(Element::value);
        for kw in id.all(&["gmd:descriptiveKeywords", "gmd:MD_Keywords"]) {
            let th = kw.path(&["gmd:thesaurusName", "gmd:CI_Citation", "gmd:title"]);
            let block = Keywords {
                thesaurus: th.and_then(Element::value),
                thesaurus_href: th.and_then(Element::anchor_href),
                keyword_type: value_of(kw, &["gmd:type"]),
                keywords: kw
                    .children_named("gmd:keyword")
                    .filter_map(Text::of)
                    .collect(),
            };
            if !block.keywords.is_empty() {
                self.keywords.push(block);
            }
        }
        for tc in id.children_named("gmd:topicCategory") {
            let code = tc
                .child("gmd:MD_TopicCategoryCode")
                .and_then(Element::own_text);
            if let Some(v) = code.or_else(|| tc.value()) {
                self.topic_categories.push(v);
            }
        }
        for l in id.children_named("gmd:language") {
            if let Some(v) = l.value() {
                self.languages.push(v);
            }
        }
        let extents: Vec<&Element> = id
            .children
            .iter()
            .filter(|c| c.name == "gmd:extent" || c.name == "srv:extent")
            .filter_map(|c| c.child("gmd:EX_Extent"))
            .collect();
        for ex in extents {
            for b in ex.all(&["gmd:geographicElement", "gmd:EX_GeographicBoundingBox"]) {
                if let (Some(west), Some(east), Some(south), Some(north)) = (
                    parse_decimal(b, "gmd:westBoundLongitude"),
                    parse_decimal(b, "gmd:eastBoundLongitude"),
                    parse_decimal(b, "gmd:southBoundLatitude"),
                    parse_decimal(b, "gmd:northBoundLatitude"),
                ) {
                    self.bboxes.push(BBox {
                        west,
                        east,
                        south,
                        north,
                    });
                }
            }
            for g in ex.all(&[
                "gmd:geographicElement",
                "gmd:EX_GeographicDescription",
                "gmd:geographicIdentifier",
            ]) {
                for id in &g.children {
                    if let Some(t) = id.child("gmd:code").and_then(Text::of) {
                        if !self.places.contains(&t) {
                            self.places.push(t);
                        }
                    }
                }
            }
            for t in ex.all(&["gmd:temporalElement", "gmd:EX_TemporalExtent", "gmd:extent"]) {
                if let Some(p) = t.child("gml:TimePeriod") {
                    let begin = gml_time(p, &["gml:beginPosition", "gml:begin"]);
                    let end = gml_time(p, &["gml:endPosition", "gml:end"]);
                    if begin.is_some() || end.is_some() {
                        self.temporal.push((begin, end));
                    }
                } else if let Some(i) = t.child("gml:TimeInstant") {
                    if let Some(at) = gml_time(i, &["gml:timePosition"]) {
                        self.temporal.push((Some(at.clone()), Some(at)));
                    }
                }
            }
        }
        for c in id.children_named("gmd:resourceConstraints") {
            for block in &c.children {
                let mut k = Constraints {
                    kind: block.name.clone(),
                    ..Default::default()
                };
                for u in block.children_named("gmd:useLimitation") {
                    k.use_limitations.extend(Text::of(u));
                }
                for a in block.children_named("gmd:accessConstraints") {
                    k.access_constraints.extend(a.value());
                }
                for a in block.children_named("gmd:useConstraints") {
                    k.use_constraints.extend(a.value());
                }
                for o in block.children_named("gmd:otherConstraints") {
                    k.other_constraints.extend(Text::of(o));
                }
                self.constraints.push(k);
            }
        }
        for r in id.all(&["gmd:spatialResolution", "gmd:MD_Resolution"]) {
            if let Some(d) = r
                .child("gmd:distance")
                .and_then(|d| d.child("gco:Distance"))
            {
                let uom = d.attr("uom").unwrap_or("m").trim().to_ascii_lowercase();
                // Unit names, and the EPSG unit codes (9001 metre, 9036 km).
                let unit = uom.rsplit([':', '/', '#']).next().unwrap_or("");
                let factor = match unit {
                    "m" | "metre" | "meter" | "meters" | "metres" | "9001" => Some(1.0),
                    "km" | "kilometre" | "kilometer" | "9036" => Some(1000.0),
                    "cm" => Some(0.01),
                    _ => None,
                };
                let value = d
                    .own_text()
                    .and_then(|t| t.replace(',', ".").parse::<f64>().ok());
                if let (Some(f), Some(v)) = (factor, value) {
                    if v.is_finite() && v > 0.0 {
                        self.resolution_meters.push(v * f);
                    }
                }
            }
            for den in r.all(&[
                "gmd:equivalentScale",
                "gmd:MD_RepresentativeFraction",
                "gmd:denominator",
            ]) {
                if let Some(n) = den.value().and_then(|v| v.trim().parse::<u64>().ok()) {
                    if n > 0 {
                        self.scale_denominators.push(n);
                    }
                }
            }
        }
        self.service_type = value_of(id, &["srv:serviceType"]);
        for o in id.children_named("srv:operatesOn") {
            let attr = |n: &str| {
                o.attr(n)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_owned)
            };
            let link = (attr("uuidref"), attr("xlink:href"));
            if (link.0.is_some() || link.1.is_some()) && !self.operates_on.contains(&link) {
                self.operates_on.push(link);
            }
        }
    }

    /// True when the record describes a service (`hierarchyLevel` service or
    /// an `srv:SV_ServiceIdentification`).
    pub fn is_service(&self) -> bool {
        match self.hierarchy_level.as_deref() {
            Some(h) => h.eq_ignore_ascii_case("service"),
            None => self.service_type.is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csw::xml::{parse_tree, XmlLimits};

    #[test]
    fn online_resources_of_the_transfer_options_only() {
        let xml = r#"<gmd:MD_Metadata xmlns:gmd="http://www.isotc211.org/2005/gmd" xmlns:gco="http://www.isotc211.org/2005/gco">
          <gmd:distributionInfo><gmd:MD_Distribution>
            <gmd:distributor><gmd:MD_Distributor><gmd:distributorContact><gmd:CI_ResponsibleParty>
              <gmd:organisationName><gco:CharacterString>Amt</gco:CharacterString></gmd:organisationName>
              <gmd:contactInfo><gmd:CI_Contact><gmd:onlineResource><gmd:CI_OnlineResource>
                <gmd:linkage><gmd:URL>https://amt.example/</gmd:URL></gmd:linkage>
              </gmd:CI_OnlineResource></gmd:onlineResource></gmd:CI_Contact></gmd:contactInfo>
            </gmd:CI_ResponsibleParty></gmd:distributorContact></gmd:MD_Distributor></gmd:distributor>
            <gmd:transferOptions><gmd:MD_DigitalTransferOptions>
              <gmd:transferSize><gco:Real>2.5</gco:Real></gmd:transferSize>
              <gmd:onLine><gmd:CI_OnlineResource>
                <gmd:linkage><gmd:URL>https://amt.example/data.zip</gmd:URL></gmd:linkage>
              </gmd:CI_OnlineResource></gmd:onLine>
            </gmd:MD_DigitalTransferOptions></gmd:transferOptions>
          </gmd:MD_Distribution></gmd:distributionInfo>
        </gmd:MD_Metadata>"#;
        let tree = parse_tree(xml.as_bytes(), &XmlLimits::default()).unwrap();
        let r = IsoRecord::from_element(&tree);
        assert_eq!(r.online.len(), 1, "{:?}", r.online);
        assert_eq!(
            r.online[0].linkage.as_deref(),
            Some("https://amt.example/data.zip")
        );
        assert_eq!(r.online[0].transfer_bytes, Some(2_500_000));
        assert_eq!(r.distributors.len(), 1);
    }
}
