//! The API's filters read indexes: `EXPLAIN QUERY PLAN` of each device,
//! run and finding filter names the index it should use, and never scans
//! a whole table (65,000 devices must stay fast; benches/store.rs times
//! them on such a store).

use super::*;
use crate::store::findings::FindingQuery;

fn store(name: &str) -> Store {
    let dir = std::env::temp_dir().join(format!("pandian-plan-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    Store::open(&dir.join("p.db")).unwrap()
}

/// A whole-table scan: `SCAN x` without an index (a covering or ordered
/// index walk says `USING ... INDEX`).
fn full_scans(plan: &[String]) -> Vec<&String> {
    plan.iter()
        .filter(|l| l.starts_with("SCAN ") && !l.contains("INDEX"))
        .collect()
}

#[test]
fn device_filters_use_their_indexes_and_scan_no_table() {
    let s = store("devices");
    type Set = fn(&mut DeviceQuery);
    let cases: &[(&str, Set, &[&str])] = &[
        ("none", |_| {}, &["devices_live_ip"]),
        (
            "class",
            |q| q.class = Some("switch".into()),
            &["devices_live_class"],
        ),
        (
            "vendor",
            |q| q.vendor = Some("huawei".into()),
            &["devices_live_vendor_nocase"],
        ),
        (
            "no vendor",
            |q| q.vendor = Some("unknown".into()),
            &["devices_live_vendor_nocase"],
        ),
        (
            "origin",
            |q| q.set_origin("domestic").unwrap(),
            &["devices_live_origin"],
        ),
        (
            "subnet",
            |q| q.set_subnet("198.51.100.0/24").unwrap(),
            &["device_addresses_ip"],
        ),
        (
            "job",
            |q| q.set_job("core").unwrap(),
            &["device_subjects_device", "observations_chain"],
        ),
        (
            "finding",
            |q| q.set_finding("rogue_dhcp").unwrap(),
            &["findings_device"],
        ),
        (
            "finding any",
            |q| q.set_finding("any").unwrap(),
            &["findings_device"],
        ),
        (
            "since, by last seen",
            |q| {
                q.set_since("2026-01-01T00:00:00Z").unwrap();
                q.set_sort("-last_seen").unwrap();
            },
            &["devices_live_last"],
        ),
        (
            "search",
            |q| q.q = Some("printer".into()),
            &["devices_live_ip"],
        ),
        (
            "vendor, by class",
            |q| {
                q.vendor = Some("h3c".into());
                q.set_sort("class").unwrap();
            },
            &["devices_live_"],
        ),
    ];
    for (name, set, want) in cases {
        let mut q = DeviceQuery::default();
        set(&mut q);
        let plan = s.device_plan(&q).unwrap().unwrap();
        let text = plan.join("\n");
        for index in *want {
            assert!(text.contains(index), "{name}: wants {index}:\n{text}");
        }
        assert!(
            full_scans(&plan).is_empty(),
            "{name}: a whole-table scan:\n{text}"
        );
    }
}

#[test]
fn filters_listed_by_address_walk_their_index_in_order() {
    // A filter matching nearly every device must not sort them all for
    // each page (schema version 6 keys these indexes by address too).
    let s = store("ordered");
    type Set = fn(&mut DeviceQuery);
    let cases: &[(&str, Set, &str)] = &[
        (
            "class",
            |q| q.class = Some("server".into()),
            "devices_live_class",
        ),
        (
            "origin",
            |q| q.set_origin("foreign").unwrap(),
            "devices_live_origin",
        ),
        (
            "origin unknown",
            |q| q.set_origin("unknown").unwrap(),
            "devices_live_origin",
        ),
        (
            "vendor",
            |q| q.vendor = Some("Cisco".into()),
            "devices_live_vendor_nocase",
        ),
    ];
    for (name, set, index) in cases {
        let mut q = DeviceQuery::default();
        set(&mut q);
        let text = s.device_plan(&q).unwrap().unwrap().join("\n");
        assert!(text.contains(index), "{name}: wants {index}:\n{text}");
        assert!(
            !text.contains("TEMP B-TREE FOR ORDER BY"),
            "{name}: sorts every match:\n{text}"
        );
    }
}

#[test]
fn device_page_identity_log_reads_both_sides_by_index() {
    let s = store("identity-log");
    let plan = s
        .plan(super::IDENTITY_LOG, &[rusqlite::types::Value::Integer(7)])
        .unwrap();
    let text = plan.join("\n");
    assert!(text.contains("identity_events_device"), "{text}");
    assert!(text.contains("identity_events_other"), "{text}");
    assert!(full_scans(&plan).is_empty(), "a whole-table scan:\n{text}");
}

#[test]
fn tally_walks_indexes_in_order() {
    let s = store("tally");
    for col in ["class", "vendor_origin", "vendor"] {
        let plan = s.plan(&crate::store::tally::live_sql(col), &[]).unwrap();
        let text = plan.join("\n");
        // A walk of the column's index in order (SQLite does not call a
        // partial index covering).
        assert!(text.contains("INDEX devices_live_"), "{col}:\n{text}");
        assert!(full_scans(&plan).is_empty(), "{col}:\n{text}");
        assert!(!text.contains("TEMP B-TREE"), "{col}:\n{text}");
    }
    let plan = s
        .plan(crate::store::tally::FINDINGS_SQL, &[])
        .unwrap()
        .join("\n");
    assert!(
        plan.contains("COVERING INDEX findings_state_severity"),
        "{plan}"
    );
}

#[test]
fn scan_and_finding_filters_use_their_indexes() {
    let s = store("scans");
    let plan = s.scan_plan(Some("core")).unwrap().join("\n");
    assert!(plan.contains("scans_job"), "{plan}");
    let plan = s.scan_plan(None).unwrap();
    assert!(full_scans(&plan).is_empty(), "{plan:?}");
    for (name, q, index) in [
        (
            "severity",
            FindingQuery {
                severity: Some("high".into()),
                ..FindingQuery::default()
            },
            "findings_severity",
        ),
        (
            "kind",
            FindingQuery {
                kind: Some("rogue_dhcp".into()),
                ..FindingQuery::default()
            },
            "findings_kind",
        ),
        (
            "open",
            FindingQuery {
                state: Some("open".into()),
                ..FindingQuery::default()
            },
            "findings_state",
        ),
    ] {
        let plan = s.finding_plan(&q).unwrap();
        let text = plan.join("\n");
        assert!(text.contains(index), "{name}: wants {index}:\n{text}");
        assert!(
            full_scans(&plan)
                .iter()
                .all(|l| !l.starts_with("SCAN f ") && l.as_str() != "SCAN f"),
            "{name}: a whole-table scan:\n{text}"
        );
    }
}

#[test]
fn since_takes_a_utc_time_or_a_day_from_its_start() {
    for (text, want) in [
        ("2026-01-31T08:00:00Z", Some("2026-01-31T08:00:00Z")),
        ("2026-01-31", Some("2026-01-31T00:00:00Z")),
        ("2024-02-29", Some("2024-02-29T00:00:00Z")),
        ("2026-02-30", None),
        ("2026-1-31", None),
        ("2026-01-31T08:00:00", None),
        ("yesterday", None),
    ] {
        let mut q = DeviceQuery::default();
        let got = q
            .set_since(text)
            .map(|()| q.since.clone().unwrap_or_default());
        match want {
            Some(w) => assert_eq!(got.as_deref(), Ok(w), "{text}"),
            None => assert!(matches!(got, Err(QueryError::Since(_))), "{text}: {got:?}"),
        }
    }
}
