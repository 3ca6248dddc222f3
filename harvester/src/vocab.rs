//! IRIs of the vocabularies the harvester reads and writes.

macro_rules! terms {
    ($ns:literal; $($name:ident = $local:literal),* $(,)?) => {
        /// The namespace IRI.
        pub const NS: &str = $ns;
        $(pub const $name: oxrdf::NamedNodeRef<'static> =
            oxrdf::NamedNodeRef::new_unchecked(concat!($ns, $local));)*
    };
}

pub mod rdf {
    terms!("http://www.w3.org/1999/02/22-rdf-syntax-ns#"; TYPE = "type");
}

pub mod dcat {
    terms!("http://www.w3.org/ns/dcat#";
        CATALOG = "Catalog", CATALOG_RECORD = "CatalogRecord", DATASET = "Dataset",
        DATASET_SERIES = "DatasetSeries", DISTRIBUTION = "Distribution", DATA_SERVICE = "DataService",
        // Properties (lower-case local names).
        DATASET_LINK = "dataset", RECORD = "record", DISTRIBUTION_LINK = "distribution",
        ACCESS_URL = "accessURL", DOWNLOAD_URL = "downloadURL", KEYWORD = "keyword", THEME = "theme",
        BYTE_SIZE = "byteSize", MEDIA_TYPE = "mediaType", LANDING_PAGE = "landingPage",
        CONTACT_POINT = "contactPoint", BBOX = "bbox", START_DATE = "startDate", END_DATE = "endDate",
        THEME_TAXONOMY = "themeTaxonomy", SERVICE = "service", ACCESS_SERVICE = "accessService",
        SERVES_DATASET = "servesDataset", ENDPOINT_URL = "endpointURL",
        ENDPOINT_DESCRIPTION = "endpointDescription", IN_SERIES = "inSeries", VERSION = "version",
        SPATIAL_RESOLUTION_IN_METERS = "spatialResolutionInMeters", CENTROID = "centroid",
        QUALIFIED_RELATION = "qualifiedRelation", RELATIONSHIP = "Relationship", HAD_ROLE = "hadRole",
        ROLE = "Role", RESOURCE = "Resource", CATALOG_LINK = "catalog", HAS_VERSION = "hasVersion",
        TEMPORAL_RESOLUTION = "temporalResolution", COMPRESS_FORMAT = "compressFormat", PACKAGE_FORMAT = "packageFormat");
}

pub mod dct {
    terms!("http://purl.org/dc/terms/";
        IDENTIFIER = "identifier", TITLE = "title", DESCRIPTION = "description",
        PUBLISHER = "publisher", ISSUED = "issued", MODIFIED = "modified", LICENSE = "license",
        FORMAT = "format", SPATIAL = "spatial", TEMPORAL = "temporal", LANGUAGE = "language",
        SOURCE = "source", HAS_PART = "hasPart", ACCRUAL_PERIODICITY = "accrualPeriodicity",
        CREATOR = "creator", CONFORMS_TO = "conformsTo", ACCESS_RIGHTS = "accessRights",
        RIGHTS = "rights", PROVENANCE = "provenance", RIGHTS_HOLDER = "rightsHolder",
        LOCATION = "Location", PERIOD_OF_TIME = "PeriodOfTime", LICENSE_DOCUMENT = "LicenseDocument",
        MEDIA_TYPE_OR_EXTENT = "MediaTypeOrExtent", ALTERNATIVE = "alternative",
        IS_REFERENCED_BY = "isReferencedBy", RELATION = "relation", REFERENCES = "references",
        CONTRIBUTOR = "contributor",
        STANDARD = "Standard", RIGHTS_STATEMENT = "RightsStatement", PROVENANCE_STATEMENT = "ProvenanceStatement", IS_VERSION_OF = "isVersionOf", HAS_VERSION = "hasVersion", TYPE = "type", CREATED = "created",
        IS_PART_OF = "isPartOf");
}

pub mod foaf {
    terms!("http://xmlns.com/foaf/0.1/";
        PRIMARY_TOPIC = "primaryTopic", AGENT = "Agent", ORGANIZATION = "Organization",
        NAME = "name", HOMEPAGE = "homepage", PAGE = "page", MBOX = "mbox", PERSON = "Person",
        DOCUMENT = "Document");
}

pub mod hydra {
    terms!("http://www.w3.org/ns/hydra/core#";
        NEXT = "next", NEXT_PAGE = "nextPage", PAGED_COLLECTION = "PagedCollection",
        PARTIAL_COLLECTION_VIEW = "PartialCollectionView", TOTAL_ITEMS = "totalItems");
}

pub mod vcard {
    terms!("http://www.w3.org/2006/vcard/ns#";
        KIND = "Kind", ORGANIZATION = "Organization", INDIVIDUAL = "Individual", FN = "fn",
        HAS_EMAIL = "hasEmail", HAS_TELEPHONE = "hasTelephone", HAS_URL = "hasURL",
        HAS_ADDRESS = "hasAddress", STREET_ADDRESS = "street-address", LOCALITY = "locality",
        POSTAL_CODE = "postal-code", COUNTRY_NAME = "country-name", ORGANIZATION_NAME = "organization-name",
        HAS_UID = "hasUID", ADDRESS = "Address",
        REGION = "region");
}

pub mod dcatde {
    terms!("http://dcat-ap.de/def/dcatde/";
        CONTRIBUTOR_ID = "contributorID", POLITICAL_GEOCODING_URI = "politicalGeocodingURI",
        POLITICAL_GEOCODING_LEVEL_URI = "politicalGeocodingLevelURI", MAINTAINER = "maintainer",
        ORIGINATOR = "originator", LICENSE_ATTRIBUTION_BY_TEXT = "licenseAttributionByText",
        GEOCODING_DESCRIPTION = "geocodingDescription", LEGAL_BASIS = "legalBasis", QUALITY_PROCESS_URI = "qualityProcessURI");
}

/// DCAT-AP's own terms (High-Value Datasets).
pub mod dcatap {
    terms!("http://data.europa.eu/r5r/";
        APPLICABLE_LEGISLATION = "applicableLegislation", HVD_CATEGORY = "hvdCategory",
        AVAILABILITY = "availability");
}

/// Where legislation and High-Value Dataset category IRIs live.
pub mod hvd {
    /// Legislation IRIs (ELI) start with this.
    pub const ELI_NS: &str = "http://data.europa.eu/eli/";
    /// The HVD category concepts (`c_…`) of the EU vocabulary.
    pub const CATEGORY_NS: &str = "http://data.europa.eu/bna/c_";
    /// Commission Implementing Regulation (EU) 2023/138, the High-Value
    /// Datasets regulation: the legislation every HVD category belongs to.
    pub const REGULATION: oxrdf::NamedNodeRef<'static> =
        oxrdf::NamedNodeRef::new_unchecked("http://data.europa.eu/eli/reg_impl/2023/138/oj");
}

pub mod dqv {
    terms!("http://www.w3.org/ns/dqv#";
        HAS_QUALITY_MEASUREMENT = "hasQualityMeasurement", QUALITY_MEASUREMENT = "QualityMeasurement",
        IS_MEASUREMENT_OF = "isMeasurementOf", VALUE = "value");
}

/// GeoDCAT-AP.
pub mod geodcatap {
    terms!("http://data.europa.eu/930/";
        RESOURCE_TYPE = "resourceType", REFERENCE_SYSTEM = "referenceSystem",
        SPATIAL_RESOLUTION_AS_SCALE = "spatialResolutionAsScale");
}

pub mod xsd {
    terms!("http://www.w3.org/2001/XMLSchema#";
        STRING = "string", DATE = "date", DATE_TIME = "dateTime", INTEGER = "integer",
        NON_NEGATIVE_INTEGER = "nonNegativeInteger", DECIMAL = "decimal", BOOLEAN = "boolean",
        G_YEAR = "gYear", G_YEAR_MONTH = "gYearMonth",
        HEX_BINARY = "hexBinary", DURATION = "duration", ANY_URI = "anyURI");
}

pub mod prov {
    terms!("http://www.w3.org/ns/prov#";
        WAS_DERIVED_FROM = "wasDerivedFrom", GENERATED_AT_TIME = "generatedAtTime",
        STARTED_AT_TIME = "startedAtTime", ENDED_AT_TIME = "endedAtTime", ACTIVITY = "Activity",
        WAS_GENERATED_BY = "wasGeneratedBy", USED = "used");
}

pub mod adms {
    terms!("http://www.w3.org/ns/adms#";
        VERSION_NOTES = "versionNotes",
        IDENTIFIER = "identifier",
        IDENTIFIER_CLASS = "Identifier",
        SAMPLE = "sample",
        STATUS = "status");
}

pub mod rdfs {
    terms!("http://www.w3.org/2000/01/rdf-schema#";
        LABEL = "label");
}

pub mod skos {
    terms!("http://www.w3.org/2004/02/skos/core#";
        PREF_LABEL = "prefLabel",
        NOTATION = "notation");
}

pub mod locn {
    terms!("http://www.w3.org/ns/locn#";
        GEOMETRY = "geometry");
}

/// GeoSPARQL's literal types.
pub mod gsp {
    terms!("http://www.opengis.net/ont/geosparql#";
        GEOJSON_LITERAL = "geoJSONLiteral",
        WKT_LITERAL = "wktLiteral");
}

pub mod spdx {
    terms!("http://spdx.org/rdf/terms#";
        CHECKSUM = "checksum",
        CHECKSUM_CLASS = "Checksum",
        ALGORITHM = "algorithm",
        CHECKSUM_VALUE = "checksumValue");
}

pub mod owl {
    terms!("http://www.w3.org/2002/07/owl#";
        VERSION_INFO = "versionInfo");
}

pub mod cnt {
    terms!("http://www.w3.org/2011/content#";
        CHARACTER_ENCODING = "characterEncoding");
}
