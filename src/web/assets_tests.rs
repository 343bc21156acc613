//! `/api/v1/assets` over a database with a real run and an imported register.

use super::super::{AppState, app};
use crate::fingerprint::Engine;
use crate::inventory::Source;
use crate::record::Seen;
use crate::store::assets::sha256_hex;
use crate::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn db_with_register(name: &str) -> std::path::PathBuf {
    let dir =
        std::env::temp_dir().join(format!("pandian-web-assets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("w.db");
    let mut s = Store::open(&path).unwrap();
    let seen: Vec<Seen> = (1..=3u8)
        .map(|i| Seen {
            ip: Some(format!("198.51.100.{i}").parse().unwrap()),
            mac: Some([0x00, 0x1b, 0x54, 0, 0, i]),
            sources: vec![Source::Arp],
            ..Seen::default()
        })
        .collect();
    let id = s
        .begin_run(&RunStart {
            job: "default",
            started_at: "2026-01-01T00:00:00Z",
            targets: "198.51.100.0/24",
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec![],
        })
        .unwrap();
    s.record(id, &seen).unwrap();
    s.finish_run(
        id,
        &RunEnd {
            status: RunStatus::Done,
            error: None,
            finished_at: "2026-01-01T00:01:00Z".into(),
            answered: seen.len(),
            snmp_ok: 0,
        },
        &Engine::builtin().unwrap(),
        &DeriveOptions::default(),
    )
    .unwrap();
    let text = "资产编号,责任人,MAC地址,IP地址\nA-1,张三,00:1b:54:00:00:01,\nA-2,李四,,198.51.100.2\nA-3,王五,,\n";
    let reg = crate::assets::read("r.csv", text.as_bytes()).unwrap();
    s.import_assets(
        &reg,
        "r.csv",
        &sha256_hex(text.as_bytes()),
        "2026-01-02T00:00:00Z",
        false,
    )
    .unwrap();
    path
}

async fn get_json(app: axum::Router, uri: &str) -> (StatusCode, serde_json::Value) {
    let resp = app
        .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&body).unwrap_or_default())
}

#[tokio::test]
async fn web_api_assets_lists_matches_and_the_unmatched() {
    let app = app(AppState::new(db_with_register("api"), true, "x".into()));
    let (status, v) = get_json(app.clone(), "/api/v1/assets").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["next"], serde_json::Value::Null);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[0]["asset_tag"], "A-1");
    assert_eq!(items[0]["owner"], "张三");
    assert_eq!(items[0]["mac"], "00:1b:54:00:00:01");
    assert_eq!(items[0]["match"]["method"], "mac");
    assert_eq!(items[0]["match"]["confidence"], 0.9);
    assert_eq!(items[0]["match"]["evidence"], "mac 00:1b:54:00:00:01");
    assert!(items[0]["match"]["device_id"].is_i64());
    assert_eq!(items[1]["match"]["method"], "ip");
    assert_eq!(items[2]["match"], serde_json::Value::Null);

    // Paged by tag.
    let (_, p1) = get_json(app.clone(), "/api/v1/assets?limit=2").await;
    assert_eq!(p1["items"].as_array().unwrap().len(), 2);
    let next = p1["next"].as_str().unwrap().to_string();
    let (_, p2) = get_json(app.clone(), &format!("/api/v1/assets?limit=2&after={next}")).await;
    assert_eq!(p2["items"][0]["asset_tag"], "A-3");
    assert_eq!(p2["next"], serde_json::Value::Null);

    let (_, v) = get_json(app.clone(), "/api/v1/assets?unmatched=assets").await;
    let tags: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| a["asset_tag"].as_str())
        .collect();
    assert_eq!(tags, vec!["A-3"]);

    let (_, v) = get_json(app.clone(), "/api/v1/assets?unmatched=devices").await;
    let devices = v["items"].as_array().unwrap();
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0]["ip"], "198.51.100.3");

    for bad in [
        "/api/v1/assets?unmatched=everything",
        "/api/v1/assets?after=nothex",
        "/api/v1/assets?unmatched=devices&after=x",
    ] {
        let (status, v) = get_json(app.clone(), bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(v["error"].is_string(), "{bad}: {v}");
    }
}
