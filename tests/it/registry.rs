//! The shipped sources.toml (issue: the real Kazakhstan registry).

use sourcewatch::registry;

fn shipped() -> registry::Registry {
    let path = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/sources.toml"));
    registry::load(path, load_date()).unwrap_or_else(|e| panic!("{e}"))
}

fn chrono_today() -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(super::TODAY, "%Y-%m-%d").unwrap()
}

/// The date the shipped file is validated against: the real date, or the pinned TODAY when that
/// is later. `verify` and the nightly `--refresh` move its dates to real days, which a pinned
/// date would soon call "in the future".
pub(super) fn load_date() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive().max(chrono_today())
}

#[test]
fn every_fact_names_a_source_and_every_egov_source_has_a_selector() {
    let reg = shipped();
    for fact in reg.facts() {
        assert!(
            reg.source(&fact.source).is_some(),
            "{} names {}",
            fact.id,
            fact.source
        );
    }
    for source in &reg.sources {
        if source
            .url
            .host_str()
            .is_some_and(|h| h.ends_with("egov.kz"))
        {
            assert!(!source.select.is_empty(), "{} has no selector", source.id);
        }
        assert!(source.url.scheme() == "https", "{}", source.url);
    }
}

#[test]
fn every_seed_route_is_present_and_the_it_route_has_its_documents() {
    let reg = shipped();
    for route in [
        "kz-pr-it-specialists",
        "kz-kandas-status",
        "kz-business-visa-single-entry",
        "kz-b12-1-tourist-neo-nomad",
        "kz-labour-immigrant-permit",
        "kz-c2-family-reunification",
        "kz-temporary-residence",
        "kz-b9-1-digital-nomad",
        "kz-investor-visas-a5-a6",
    ] {
        assert!(
            reg.routes.iter().any(|r| r.id == route),
            "missing route {route}"
        );
    }
    let it = reg
        .routes
        .iter()
        .find(|r| r.id == "kz-pr-it-specialists")
        .unwrap();
    let documents = it.facts.iter().filter(|f| f.id.contains("/doc-")).count();
    assert_eq!(documents, 14);
    // Dates move with every verification; what must hold is that none is in the future.
    let real_today = chrono::Utc::now().date_naive();
    for f in &it.facts {
        assert!(
            f.last_verified <= real_today,
            "{} last_verified {} is after {real_today}",
            f.id,
            f.last_verified
        );
    }
    let medical = it
        .facts
        .iter()
        .find(|f| f.id.ends_with("/medical-certificate"))
        .unwrap();
    assert_eq!(
        medical.quote.as_deref(),
        Some(
            "A medical examination certificate is required to confirm the absence of prohibited diseases."
        )
    );
}
