//! The countries an address may name. Brightpearl keeps a numeric id per country and shows both
//! ISO codes: postal addresses carry `countryIsoCode` (3 letters), `countryIsoCode2` and
//! `countryId`; order parties carry `country` (the name), `countryIsoCode` (2 letters!),
//! `countryIsoCode3` and `countryId`.
//!
//! Ids: the recordings show United Kingdom = 222 and Costa Rica = 282. 222 is United Kingdom in
//! the classic osCommerce country table, which Brightpearl's ids appear to follow, so the other
//! ids here are taken from that numbering (INFERRED); Costa Rica keeps its recorded 282.
//! Names are the ones Brightpearl shows ("United Kingdom", "United States").

/// One country.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// Brightpearl's numeric id (`countryId`).
    pub id: u64,
    /// ISO 3166-1 alpha-2 (`GB`).
    pub iso2: &'static str,
    /// ISO 3166-1 alpha-3 (`GBR`).
    pub iso3: &'static str,
    /// The name Brightpearl shows (`United Kingdom`).
    pub name: &'static str,
    /// Other names people type for it (`UK`, `Great Britain`), matched ignoring case.
    pub aliases: &'static [&'static str],
}

const fn c(
    id: u64,
    iso2: &'static str,
    iso3: &'static str,
    name: &'static str,
    aliases: &'static [&'static str],
) -> Country {
    Country {
        id,
        iso2,
        iso3,
        name,
        aliases,
    }
}

/// Every country the sandbox knows, by name.
pub static COUNTRIES: &[Country] = &[
    c(10, "AR", "ARG", "Argentina", &[]),
    c(13, "AU", "AUS", "Australia", &[]),
    c(14, "AT", "AUT", "Austria", &["Österreich"]),
    c(21, "BE", "BEL", "Belgium", &["Belgique", "België"]),
    c(30, "BR", "BRA", "Brazil", &["Brasil"]),
    c(33, "BG", "BGR", "Bulgaria", &[]),
    c(38, "CA", "CAN", "Canada", &[]),
    c(43, "CL", "CHL", "Chile", &[]),
    c(44, "CN", "CHN", "China", &["People's Republic of China"]),
    c(47, "CO", "COL", "Colombia", &[]),
    c(282, "CR", "CRI", "Costa Rica", &[]),
    c(53, "HR", "HRV", "Croatia", &["Hrvatska"]),
    c(55, "CY", "CYP", "Cyprus", &[]),
    c(56, "CZ", "CZE", "Czech Republic", &["Czechia"]),
    c(57, "DK", "DNK", "Denmark", &["Danmark"]),
    c(67, "EE", "EST", "Estonia", &[]),
    c(72, "FI", "FIN", "Finland", &["Suomi"]),
    c(73, "FR", "FRA", "France", &[]),
    c(81, "DE", "DEU", "Germany", &["Deutschland"]),
    c(84, "GR", "GRC", "Greece", &[]),
    c(96, "HK", "HKG", "Hong Kong", &[]),
    c(97, "HU", "HUN", "Hungary", &[]),
    c(98, "IS", "ISL", "Iceland", &[]),
    c(99, "IN", "IND", "India", &[]),
    c(
        103,
        "IE",
        "IRL",
        "Ireland",
        &["Eire", "Republic of Ireland"],
    ),
    c(104, "IL", "ISR", "Israel", &[]),
    c(105, "IT", "ITA", "Italy", &["Italia"]),
    c(107, "JP", "JPN", "Japan", &[]),
    c(
        113,
        "KR",
        "KOR",
        "South Korea",
        &["Korea, Republic of", "Korea"],
    ),
    c(117, "LV", "LVA", "Latvia", &[]),
    c(123, "LT", "LTU", "Lithuania", &[]),
    c(124, "LU", "LUX", "Luxembourg", &[]),
    c(129, "MY", "MYS", "Malaysia", &[]),
    c(132, "MT", "MLT", "Malta", &[]),
    c(138, "MX", "MEX", "Mexico", &["México"]),
    c(
        150,
        "NL",
        "NLD",
        "Netherlands",
        &["The Netherlands", "Holland", "Nederland"],
    ),
    c(153, "NZ", "NZL", "New Zealand", &[]),
    c(160, "NO", "NOR", "Norway", &["Norge"]),
    c(168, "PH", "PHL", "Philippines", &[]),
    c(170, "PL", "POL", "Poland", &["Polska"]),
    c(171, "PT", "PRT", "Portugal", &[]),
    c(175, "RO", "ROU", "Romania", &[]),
    c(184, "SA", "SAU", "Saudi Arabia", &[]),
    c(188, "SG", "SGP", "Singapore", &[]),
    c(189, "SK", "SVK", "Slovakia", &[]),
    c(190, "SI", "SVN", "Slovenia", &[]),
    c(193, "ZA", "ZAF", "South Africa", &[]),
    c(195, "ES", "ESP", "Spain", &["España", "Espana"]),
    c(203, "SE", "SWE", "Sweden", &["Sverige"]),
    c(
        204,
        "CH",
        "CHE",
        "Switzerland",
        &["Schweiz", "Suisse", "Svizzera"],
    ),
    c(206, "TW", "TWN", "Taiwan", &[]),
    c(209, "TH", "THA", "Thailand", &[]),
    c(215, "TR", "TUR", "Turkey", &["Türkiye", "Turkiye"]),
    c(220, "UA", "UKR", "Ukraine", &[]),
    c(221, "AE", "ARE", "United Arab Emirates", &["UAE"]),
    c(
        222,
        "GB",
        "GBR",
        "United Kingdom",
        &[
            "UK",
            "U.K.",
            "Great Britain",
            "Britain",
            "England",
            "Scotland",
            "Wales",
            "Northern Ireland",
        ],
    ),
    c(
        223,
        "US",
        "USA",
        "United States",
        &[
            "United States of America",
            "U.S.A.",
            "U.S.",
            "America",
            "US of A",
        ],
    ),
    c(230, "VN", "VNM", "Viet Nam", &["Vietnam"]),
];

/// The country with ISO alpha-2 code `code` (any case).
pub fn by_iso2(code: &str) -> Option<&'static Country> {
    let code = code.trim();
    COUNTRIES.iter().find(|c| c.iso2.eq_ignore_ascii_case(code))
}

/// The country with ISO alpha-3 code `code` (any case).
pub fn by_iso3(code: &str) -> Option<&'static Country> {
    let code = code.trim();
    COUNTRIES.iter().find(|c| c.iso3.eq_ignore_ascii_case(code))
}

/// The country with Brightpearl id `id`.
pub fn by_id(id: u64) -> Option<&'static Country> {
    COUNTRIES.iter().find(|c| c.id == id)
}

/// The country called `name` (its shown name or an alias, ignoring case and surrounding space).
pub fn by_name(name: &str) -> Option<&'static Country> {
    let name = name.trim().to_lowercase();
    COUNTRIES.iter().find(|c| {
        c.name.to_lowercase() == name || c.aliases.iter().any(|a| a.to_lowercase() == name)
    })
}

/// A country from whatever a client sent: an alpha-3 code (what the docs ask for), an
/// alpha-2 code (what many clients send), or a name.
pub fn by_code_or_name(text: &str) -> Option<&'static Country> {
    let text = text.trim();
    match text.len() {
        2 => by_iso2(text).or_else(|| by_name(text)),
        3 => by_iso3(text).or_else(|| by_name(text)),
        _ => by_name(text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_up_every_way() {
        assert_eq!(by_iso2("gb").unwrap().id, 222);
        assert_eq!(by_iso3("GBR").unwrap().iso2, "GB");
        assert_eq!(by_id(222).unwrap().name, "United Kingdom");
        assert_eq!(by_id(282).unwrap().iso3, "CRI");
        assert_eq!(by_name(" great britain ").unwrap().iso2, "GB");
        assert_eq!(by_code_or_name("UAE").unwrap().iso2, "AE");
        assert_eq!(by_code_or_name("uk").unwrap().iso2, "GB");
        assert_eq!(by_code_or_name("usa").unwrap().iso2, "US");
        assert_eq!(by_code_or_name("Deutschland").unwrap().iso3, "DEU");
        assert!(by_code_or_name("XX").is_none());
        assert!(by_code_or_name("Atlantis").is_none());
    }

    #[test]
    fn table_is_consistent() {
        let mut ids = std::collections::HashSet::new();
        let mut codes = std::collections::HashSet::new();
        for country in COUNTRIES {
            assert!(ids.insert(country.id), "{} id repeated", country.name);
            assert!(codes.insert(country.iso2), "{} repeated", country.iso2);
            assert!(codes.insert(country.iso3), "{} repeated", country.iso3);
            assert_eq!(country.iso2.len(), 2);
            assert_eq!(country.iso3.len(), 3);
        }
        assert!(COUNTRIES.len() >= 40);
    }
}
