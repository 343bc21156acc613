use crate::fingerprint::{Engine, VendorOverride, VendorOverrides};
use crate::inventory::Source;
use crate::record::Seen;
use crate::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use crate::web::{AppState, app, auth};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use std::path::PathBuf;
use std::sync::Arc;
use tower::ServiceExt;

/// A vendor table naming hostile brands for two MAC blocks, as a user's
/// `[[vendor]]` entries could.
fn engine() -> Engine {
    let entry = |brand: &str, oui: &str, origin: &str| VendorOverride {
        brand: brand.into(),
        ouis: vec![oui.into()],
        origin: Some(origin.into()),
        ..VendorOverride::default()
    };
    let table = VendorOverrides::new(vec![
        entry("=cmd|' /C calc'!A0", "02:00:5e", "foreign"),
        entry("<script>alert(1)</script>", "02:00:5f", "domestic"),
    ])
    .unwrap_or_else(|e| panic!("{e}"));
    Engine::builtin()
        .unwrap_or_else(|e| panic!("{e}"))
        .with_overrides(table)
}

fn arp(ip: &str, mac: [u8; 6]) -> Seen {
    Seen {
        ip: ip.parse().ok(),
        mac: Some(mac),
        sources: vec![Source::Arp, Source::Icmp],
        ..Seen::default()
    }
}

/// One real run: a Huawei host (domestic by its MAC block), a Cisco one
/// (foreign), the two hostile brands, an address with no MAC (unknown).
fn store(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pandian-webreport-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("r.db");
    let mut s = Store::open(&path).unwrap_or_else(|e| panic!("{e}"));
    let seen = vec![
        arp("198.51.100.10", [0x00, 0xe0, 0xfc, 0, 0, 1]),
        arp("198.51.100.11", [0x00, 0x00, 0x0c, 0, 0, 1]),
        arp("198.51.100.12", [0x02, 0x00, 0x5e, 0, 0, 1]),
        arp("198.51.100.13", [0x02, 0x00, 0x5f, 0, 0, 1]),
        Seen {
            ip: "198.51.100.20".parse().ok(),
            sources: vec![Source::Icmp],
            ..Seen::default()
        },
    ];
    let id = s
        .begin_run(&RunStart {
            job: "default",
            started_at: "2026-11-30T08:00:00Z",
            targets: "198.51.100.0/24",
            exclude: "198.51.100.254",
            addresses: 253,
            excluded: 1,
            rate: 100,
            credentials: vec!["office".into()],
        })
        .unwrap_or_else(|e| panic!("{e}"));
    s.record(id, &seen).unwrap_or_else(|e| panic!("{e}"));
    s.finish_run(
        id,
        &RunEnd {
            status: RunStatus::Done,
            error: None,
            finished_at: "2026-11-30T08:01:00Z".into(),
            answered: seen.len(),
            snmp_ok: 0,
        },
        &engine(),
        &DeriveOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    path
}

struct Got {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

async fn get(app: Router, uri: &str, authorization: Option<&str>) -> Got {
    let mut req = Request::builder().uri(uri);
    if let Some(a) = authorization {
        req = req.header(header::AUTHORIZATION, a);
    }
    let resp = app
        .oneshot(req.body(Body::empty()).unwrap_or_default())
        .await
        .unwrap_or_else(|e| match e {});
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    Got {
        status,
        headers,
        body,
    }
}

fn header_of(g: &Got, name: header::HeaderName) -> &str {
    g.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn web_origin_report_as_json_csv_and_xlsx() {
    let db = store("origin");
    let app = app(AppState::new(db.clone(), true, "x".into()));
    let g = get(app.clone(), "/api/v1/report/origin", None).await;
    assert_eq!(g.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_slice(&g.body).unwrap_or_default();
    assert_eq!(v["by_origin"]["domestic"]["count"], 2, "{v}");
    assert_eq!(v["by_origin"]["foreign"]["count"], 2);
    assert_eq!(v["by_origin"]["unknown"]["count"], 1);
    assert_eq!(v["by_origin"]["unknown"]["percent"], 20.0);
    assert_eq!(v["overall"]["domestic_ratio"]["of_all"], 40.0);
    assert_eq!(v["overall"]["domestic_ratio"]["of_known"], 50.0);
    assert!(
        v["ratio_note"]["zh"]
            .as_str()
            .is_some_and(|s| s.contains("含未知"))
    );
    let vendors: Vec<&str> = v["by_vendor"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|x| x["vendor"].as_str())
        .collect();
    assert!(
        vendors.contains(&"Huawei") && vendors.contains(&"=cmd|' /C calc'!A0"),
        "{vendors:?}"
    );
    for key in ["domestic", "foreign", "unknown"] {
        assert!(v["by_class"][0][key]["count"].is_u64(), "{key}");
        assert!(v["by_vendor"][0][key]["count"].is_u64(), "{key}");
    }
    assert_eq!(v["trend"][0]["devices"], 5);
    assert_eq!(v["unknowns"]["items"][0]["ip"], "198.51.100.20");

    let g = get(app.clone(), "/api/v1/report/origin.csv", None).await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(
        header_of(&g, header::CONTENT_TYPE),
        "text/csv; charset=utf-8"
    );
    assert!(
        header_of(&g, header::CONTENT_DISPOSITION)
            .starts_with("attachment; filename=\"pandian-origin-")
    );
    assert_eq!(header_of(&g, header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    assert!(g.body.starts_with(crate::report::csv::BOM));
    let text = String::from_utf8_lossy(&g.body);
    assert!(
        text.contains("国产 / Domestic") && text.contains("未识别类型"),
        "{text}"
    );
    assert!(text.contains(",'=cmd|' /C calc'!A0,"), "{text}");
    assert!(!text.contains(",=cmd"), "{text}");

    let g = get(
        app.clone(),
        "/api/v1/report/origin.csv?table=unknowns",
        None,
    )
    .await;
    assert!(header_of(&g, header::CONTENT_DISPOSITION).contains("pandian-origin-unknowns-"));
    let text = String::from_utf8_lossy(&g.body);
    assert!(
        text.contains("198.51.100.20") && text.contains("no MAC address known"),
        "{text}"
    );
    let g = get(app.clone(), "/api/v1/report/origin.csv?table=trend", None).await;
    assert_eq!(String::from_utf8_lossy(&g.body).lines().count(), 2);
    let g = get(app.clone(), "/api/v1/report/origin.csv?table=%3Cx%3E", None).await;
    assert_eq!(g.status, StatusCode::BAD_REQUEST);

    let g = get(app.clone(), "/api/v1/report/origin.xlsx", None).await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(header_of(&g, header::CONTENT_TYPE), super::XLSX_TYPE);
    assert!(header_of(&g, header::CONTENT_DISPOSITION).ends_with(".xlsx\""));
    assert!(g.body.starts_with(b"PK\x03\x04"));

    // The page links to them in both languages.
    for (uri, words) in [("/", "Origin report"), ("/?lang=zh", "信创产地统计")] {
        let g = get(app.clone(), uri, None).await;
        let html = String::from_utf8_lossy(&g.body);
        assert!(
            html.contains(words) && html.contains("/api/v1/report/origin.xlsx"),
            "{uri}"
        );
        assert!(html.contains("/api/v1/report/evidence.zip"));
        assert!(
            !html.contains("<script>alert(1)"),
            "a hostile vendor is escaped on the page"
        );
    }
    drop(app);
    let _ = std::fs::remove_dir_all(db.parent().unwrap_or(&db));
}

#[tokio::test]
async fn web_evidence_zip_refuses_a_bad_date_and_needs_credentials() {
    let db = store("evidence");
    let app = app(AppState::new(db.clone(), true, "x".into()));
    let g = get(
        app.clone(),
        "/api/v1/report/evidence.zip?date=2026-02-31",
        None,
    )
    .await;
    assert_eq!(g.status, StatusCode::BAD_REQUEST);
    assert!(String::from_utf8_lossy(&g.body).contains("YYYY-MM-DD"));
    let g = get(
        app.clone(),
        "/api/v1/report/evidence.zip?date=2026-11-30",
        None,
    )
    .await;
    assert_eq!(g.status, StatusCode::OK);
    assert_eq!(header_of(&g, header::CONTENT_TYPE), "application/zip");
    assert_eq!(
        header_of(&g, header::CONTENT_DISPOSITION),
        "attachment; filename=\"pandian-evidence-2026-11-30.zip\""
    );
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(g.body)).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = (0..zip.len())
        .filter_map(|i| {
            zip.by_index(i)
                .ok()
                .and_then(|f| f.name().ok().map(|n| n.to_string()))
        })
        .collect();
    for want in [
        "MANIFEST",
        "inventory.csv",
        "origin.xlsx",
        "scans.csv",
        "findings.csv",
        "register-match.csv",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    let mut scans = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("scans.csv").unwrap_or_else(|e| panic!("{e}")),
        &mut scans,
    )
    .unwrap_or_default();
    // Scanned 253, answered 5, unreachable 248, excluded 1.
    assert!(scans.contains(",253,5,248,1,5,"), "{scans}");
    assert!(
        scans.contains("198.51.100.254") && scans.contains(",office,"),
        "{scans}"
    );
    // The day before the first run: no runs, no devices.
    let g = get(
        app.clone(),
        "/api/v1/report/evidence.zip?date=2026-11-29",
        None,
    )
    .await;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(g.body)).unwrap_or_else(|e| panic!("{e}"));
    let mut inv = String::new();
    std::io::Read::read_to_string(
        &mut zip
            .by_name("inventory.csv")
            .unwrap_or_else(|e| panic!("{e}")),
        &mut inv,
    )
    .unwrap_or_default();
    assert_eq!(inv.lines().count(), 1, "only the header: {inv}");

    // Behind the page's authentication like every route.
    let hash = auth::hash_password(b"correct horse").unwrap_or_else(|e| panic!("{e}"));
    let guard =
        auth::Auth::new(vec![("auditor".into(), hash)], None).unwrap_or_else(|e| panic!("{e}"));
    let protected = auth::protect(app, Some(Arc::new(guard)));
    for uri in [
        "/api/v1/report/origin",
        "/api/v1/report/origin.csv",
        "/api/v1/report/origin.xlsx",
        "/api/v1/report/evidence.zip",
    ] {
        let g = get(protected.clone(), uri, None).await;
        assert_eq!(g.status, StatusCode::UNAUTHORIZED, "{uri}");
    }
    use base64::Engine as _;
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("auditor:correct horse")
    );
    let g = get(protected, "/api/v1/report/origin.csv", Some(&basic)).await;
    assert_eq!(g.status, StatusCode::OK);
    let _ = std::fs::remove_dir_all(db.parent().unwrap_or(&db));
}
