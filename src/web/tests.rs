use super::*;
use crate::fingerprint::Engine;
use crate::inventory::Source;
use crate::record::Seen;
use crate::store::{DeriveOptions, RunEnd, RunStart};
use axum::body::Body;
use axum::http::Request;
use http_body_util::BodyExt;
use tower::ServiceExt;

fn store_with(name: &str, seen: &[Seen]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pandian-web-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("w.db");
    let mut s = Store::open(&path).unwrap();
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
    s.record(id, seen).unwrap();
    s.finish_run(
        id,
        &RunEnd {
            status: crate::store::RunStatus::Done,
            error: None,
            finished_at: "2026-01-01T00:01:00Z".into(),
            answered: seen.len(),
            snmp_ok: 0,
        },
        &Engine::builtin().unwrap(),
        &DeriveOptions::default(),
    )
    .unwrap();
    path
}

fn hostile() -> Seen {
    Seen {
        ip: Some("198.51.100.7".parse().unwrap()),
        mac: Some([0x00, 0xe0, 0xfc, 0, 0, 1]),
        sources: vec![Source::Arp, Source::Dns],
        hostname: Some("<script>alert(1)</script>".into()),
        ..Seen::default()
    }
}

/// The hostile device, also announcing (a hostile friendly name).
fn announcing() -> Seen {
    Seen {
        announced: [
            (Source::Ssdp, "friendly_name", "<script>alert(2)</script>"),
            (Source::Mdns, "service", "_ipp._tcp"),
        ]
        .iter()
        .filter_map(|(s, k, v)| crate::announce::Announced::new(*s, k, v))
        .collect(),
        ..hostile()
    }
}

async fn get(app: Router, uri: &str, accept_language: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::builder().uri(uri);
    if let Some(a) = accept_language {
        req = req.header(header::ACCEPT_LANGUAGE, a);
    }
    let resp = app.oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

#[tokio::test]
async fn web_page_escapes_device_strings_and_speaks_chinese() {
    let app = app(AppState::new(
        store_with("page", &[hostile()]),
        true,
        "/etc/pandian.toml".into(),
    ));
    let (status, html) = get(app.clone(), "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("198.51.100.7"));
    assert!(
        !html.contains("<script>alert(1)"),
        "hostile hostname must be escaped"
    );
    assert!(!html.contains("not-configured"));
    let (_, zh) = get(app.clone(), "/", Some("zh-CN,zh;q=0.9")).await;
    assert!(zh.contains("lang=\"zh-CN\"") && zh.contains("国产"), "{zh}");
    // A repeated key keeps its first value instead of failing.
    let (status, zh) = get(app, "/?lang=zh&lang=en", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(zh.contains("lang=\"zh-CN\""));
}

#[tokio::test]
async fn web_api_devices_is_an_envelope_with_addresses_and_macs() {
    let app = app(AppState::new(
        store_with("api", &[hostile()]),
        true,
        "x".into(),
    ));
    let (status, body) = get(app.clone(), "/api/v1/devices", None).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let d = &v["items"][0];
    assert_eq!(v["next"], serde_json::Value::Null);
    assert_eq!(d["first_seen"], "2026-01-01T00:00:00Z");
    assert_eq!(d["ip"], "198.51.100.7");
    assert_eq!(d["addresses"][0]["ip"], "198.51.100.7");
    assert_eq!(d["addresses"][0]["active"], true);
    assert_eq!(d["macs"][0]["mac"], "00:e0:fc:00:00:01");
    assert_eq!(d["vendor_origin"], "domestic", "{d}");
    assert_eq!(d["seen_by"], serde_json::json!(["arp", "dns"]));
    let (status, one) = get(app.clone(), "/api/v1/devices/1", None).await;
    assert_eq!(status, StatusCode::OK);
    let one: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(one["identity_log"][0]["kind"], "new");
    let (status, body) = get(app.clone(), "/api/v1/devices?sort=bogus", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("sort"), "{body}");
    let (status, body) = get(app.clone(), "/api/v1/scans", None).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["items"][0]["job"], "default");
    assert_eq!(v["items"][0]["status"], "done");
    let (status, body) = get(app, "/healthz", None).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "{\"status\":\"ok\"}")
    );
}

#[tokio::test]
async fn web_device_page_shows_identity_addresses_and_history() {
    let app = app(AppState::new(
        store_with("device", &[announcing()]),
        true,
        "x".into(),
    ));
    let (status, html) = get(app.clone(), "/devices/1", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains("198.51.100.7") && html.contains("Huawei"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(1)"), "escaped");
    assert!(
        html.contains("id=\"history\"") && html.contains("ptr"),
        "record history"
    );
    assert!(html.contains("id=\"held\""));
    assert!(
        html.contains("id=\"announced\"") && html.contains("_ipp._tcp"),
        "announced facts"
    );
    assert!(!html.contains("<script>alert(2)"), "announcements escaped");
    let (status, json) = get(app.clone(), "/api/v1/devices/1", None).await;
    assert_eq!(status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let announced = v["announced"].as_array().expect("announced");
    assert!(
        announced
            .iter()
            .any(|a| a["source"] == "mdns" && a["key"] == "service" && a["value"] == "_ipp._tcp"),
        "{json}"
    );
    for bad in [
        "/devices/999",
        "/devices/not-a-number",
        "/devices/+1",
        "/devices/%201",
    ] {
        let (status, _) = get(app.clone(), bad, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
}

#[tokio::test]
async fn web_list_filters_and_pages() {
    let seen: Vec<Seen> = (1..=30u8)
        .map(|i| Seen {
            ip: Some(format!("198.51.100.{i}").parse().unwrap()),
            mac: Some([0x00, 0x1b, 0x54, 0, 0, i]),
            sources: vec![Source::Arp],
            ..Seen::default()
        })
        .collect();
    let app = app(AppState::new(store_with("pages", &seen), true, "x".into()));
    let (_, body) = get(app.clone(), "/api/v1/devices?limit=20", None).await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(20));
    let next = v["next"].as_str().unwrap().to_string();
    let (_, body) = get(
        app.clone(),
        &format!("/api/v1/devices?limit=20&after={next}"),
        None,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(10));
    assert_eq!(v["items"][0]["ip"], "198.51.100.21");
    let (_, body) = get(
        app.clone(),
        "/api/v1/devices?subnet=198.51.100.0/29&q=00:1b:54",
        None,
    )
    .await;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(7));
    let (status, html) = get(app, "/?limit=10", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("id=\"next-page\""), "a next-page link");
}

#[tokio::test]
async fn web_unreadable_database_is_503_not_a_panic() {
    let app = app(AppState::new(
        PathBuf::from("/nonexistent/dir/p.db"),
        true,
        "x".into(),
    ));
    for uri in [
        "/",
        "/dashboard",
        "/report/origin",
        "/register",
        "/api/v1/devices",
        "/healthz",
    ] {
        let (status, body) = get(app.clone(), uri, None).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{uri}");
        assert!(
            !body.contains("/nonexistent"),
            "details stay in the log: {body}"
        );
    }
    // In the reader's language on a page, JSON under the API.
    let (_, zh) = get(app.clone(), "/dashboard", Some("zh-CN,zh;q=0.9")).await;
    assert!(zh.contains("id=\"unavailable\""), "{zh}");
    assert!(
        visible_text(&zh).contains(&Lang::Zh.labels().unwrap().unavailable),
        "{zh}"
    );
    let (_, en) = get(app.clone(), "/?lang=en", None).await;
    assert!(
        visible_text(&en).contains(&Lang::En.labels().unwrap().unavailable),
        "{en}"
    );
    let (_, api) = get(app.clone(), "/api/v1/devices", None).await;
    let v: serde_json::Value = serde_json::from_str(&api).expect("JSON");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("not readable"))
    );
    let (_, health) = get(app, "/healthz", None).await;
    assert!(health.starts_with("the inventory database is not readable"));
}

#[tokio::test]
async fn web_scan_errors_never_show_the_database_path() {
    let db = store_with("dbpath", &[hostile()]);
    // A failed run's error (a full disk) as the daemon stored it before it
    // learnt to leave the path out.
    let mut s = Store::open(&db).unwrap();
    let id = s
        .begin_run(&RunStart {
            job: "default",
            started_at: "2026-01-02T00:00:00Z",
            targets: "198.51.100.0/24",
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec![],
        })
        .unwrap();
    let full = format!("database {}: database or disk is full", db.display());
    s.end_run_without_results(id, "2026-01-02T00:00:01Z", "failed", &full)
        .unwrap();
    let app = app(AppState::new(db.clone(), true, "x".into()));
    let shown = db.display().to_string();
    let (status, html) = get(app.clone(), "/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("disk is full"), "the error is shown");
    assert!(!html.contains(&shown), "but not the path");
    let (_, api) = get(app, "/api/v1/scans", None).await;
    assert!(
        api.contains("disk is full") && !api.contains(&shown),
        "{api}"
    );
}

/// A gate page reads wait at, so a test can hold them open.
#[derive(Default)]
struct Gate {
    open: std::sync::Mutex<bool>,
    opened: std::sync::Condvar,
}

impl Gate {
    /// Wait (at most 20 s) until the gate opens.
    fn wait(&self) {
        let open = self.open.lock().unwrap();
        let _ = self
            .opened
            .wait_timeout_while(open, std::time::Duration::from_secs(20), |o| !*o)
            .unwrap();
    }

    fn release(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_store_reads_are_bounded_and_healthz_keeps_its_own() {
    use std::sync::atomic::AtomicUsize;
    let state = AppState::new(store_with("readers", &[]), true, "x".into());
    let gate = Arc::new(Gate::default());
    let inside = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    // Three times as many slow page reads as may run at once.
    let mut reads = tokio::task::JoinSet::new();
    for _ in 0..3 * READERS {
        let (state, gate, inside, peak) =
            (state.clone(), gate.clone(), inside.clone(), peak.clone());
        reads.spawn(async move {
            state
                .with_store(move |s| {
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    gate.wait();
                    inside.fetch_sub(1, Ordering::SeqCst);
                    s.version()
                })
                .await
                .is_ok()
        });
    }
    for _ in 0..200 {
        if inside.load(Ordering::SeqCst) >= READERS {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // Room for more to start, were they allowed to.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(inside.load(Ordering::SeqCst), READERS, "reads at once");
    // Every page permit is taken: /healthz still answers.
    let health = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        get(app(state.clone()), "/healthz", None),
    )
    .await;
    gate.release();
    let (status, body) = health.expect("/healthz waited for the pages");
    assert_eq!(status, StatusCode::OK, "{body}");
    let mut ok = 0;
    while let Some(r) = reads.join_next().await {
        ok += usize::from(r.unwrap());
    }
    assert_eq!(ok, 3 * READERS, "every read ran in its turn");
    assert_eq!(peak.load(Ordering::SeqCst), READERS);
}

#[tokio::test]
async fn web_api_findings_filters_and_refuses_bad_ones() {
    let phone = Seen {
        ip: Some("198.51.100.9".parse().unwrap()),
        mac: Some([0xda, 0xa1, 0x19, 0, 0, 9]),
        sources: vec![Source::Arp],
        ..Seen::default()
    };
    let app = app(AppState::new(
        store_with("findings", &[hostile(), phone]),
        true,
        "/etc/pandian.toml".into(),
    ));
    let (status, body) = get(app.clone(), "/api/v1/findings", None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let items = v["items"].as_array().unwrap();
    // The phone's private MAC, and the Huawei MAC that answers no
    // management (a switch maker's: perhaps an unmanaged switch).
    assert_eq!(items.len(), 2, "{body}");
    assert_eq!(items[1]["kind"], "unmanaged_switch", "{body}");
    let f = &items[0];
    assert_eq!(f["kind"], "randomized_mac");
    assert_eq!(f["state"], "open");
    assert_eq!(f["ip"], "198.51.100.9");
    assert_eq!(f["mac"], "da:a1:19:00:00:09");
    for field in [
        "id",
        "severity",
        "device_id",
        "evidence",
        "first_seen",
        "last_seen",
    ] {
        assert!(!f[field].is_null(), "{field} missing: {f}");
    }
    assert!(v["next"].is_null());
    let id = f["device_id"].as_i64().unwrap();
    for (uri, want) in [
        (
            "/api/v1/findings?kind=randomized_mac&severity=info".to_string(),
            1,
        ),
        ("/api/v1/findings?state=resolved".to_string(), 0),
        ("/api/v1/findings?state=acknowledged".to_string(), 0),
        (format!("/api/v1/findings?device={id}"), 1),
        ("/api/v1/findings?limit=1".to_string(), 1),
        (format!("/api/v1/findings?device={}", id + 1000), 0),
    ] {
        let (status, body) = get(app.clone(), &uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["items"].as_array().unwrap().len(), want, "{uri}: {body}");
    }
    for uri in [
        "/api/v1/findings?kind=nope",
        "/api/v1/findings?state=closed",
        "/api/v1/findings?severity=critical",
        "/api/v1/findings?device=abc",
        "/api/v1/findings?after=%27%3B",
    ] {
        let (status, body) = get(app.clone(), uri, None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
    }
}

#[tokio::test]
async fn web_findings_page_speaks_both_languages_and_links_from_the_overview() {
    let phone = Seen {
        ip: Some("198.51.100.9".parse().unwrap()),
        mac: Some([0xda, 0xa1, 0x19, 0, 0, 9]),
        sources: vec![Source::Arp],
        ..Seen::default()
    };
    let app = app(AppState::new(
        store_with("findings-page", &[hostile(), phone]),
        true,
        "/etc/pandian.toml".into(),
    ));
    let (status, html) = get(app.clone(), "/findings", None).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("randomised MAC") && html.contains("198.51.100.9"),
        "{html}"
    );
    assert!(html.contains("unmanaged switch"), "{html}");
    assert!(!html.contains("<script>alert"), "escaped");
    let (status, zh) = get(app.clone(), "/findings?lang=zh&kind=randomized_mac", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        zh.contains("lang=\"zh-CN\"") && zh.contains("随机MAC地址"),
        "{zh}"
    );
    assert!(
        !zh.contains("非网管交换机</td>"),
        "filtered to one kind: {zh}"
    );
    let (status, _) = get(app.clone(), "/findings?state=closed", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, index) = get(app.clone(), "/", None).await;
    assert!(index.contains("id=\"findings-open\">2<"), "{index}");
    let (_, index_zh) = get(app, "/?lang=zh", None).await;
    assert!(
        index_zh.contains("href=\"/findings?lang=zh\""),
        "{index_zh}"
    );
}

#[tokio::test]
async fn web_unknown_paths_get_a_page_in_the_readers_language_or_json() {
    let app = app(AppState::new(
        store_with("nf", &[hostile()]),
        true,
        "x".into(),
    ));
    let (status, html) = get(app.clone(), "/no/such/page", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        html.contains("id=\"not-found\"") && html.contains("<style"),
        "{html}"
    );
    let (_, zh) = get(app.clone(), "/no/such/page", Some("zh-CN")).await;
    assert!(zh.contains("没有这个页面"), "{zh}");
    let (_, dev) = get(app.clone(), "/devices/999?lang=zh", None).await;
    assert!(
        dev.contains("没有这台设备") && dev.contains("<style"),
        "{dev}"
    );
    let (status, json) = get(app, "/api/v1/nothing", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(json.contains("\"error\""), "{json}");
}

/// A Huawei switch answering SNMP with its tables (the recording in
/// `testdata/`), also seen by ARP and reverse DNS.
fn switch() -> Seen {
    let rec = crate::recording::parse(include_bytes!("testdata/huawei-s5735.snmprec"));
    assert_eq!(rec.problem_count, 0, "{:?}", rec.problems);
    Seen {
        ip: Some("198.51.100.7".parse().unwrap()),
        mac: Some([0x00, 0xe0, 0xfc, 0x12, 0x34, 0x00]),
        sources: vec![Source::Arp, Source::Dns, Source::Snmp],
        hostname: Some("core-sw1.example.net".into()),
        snmp: Some(crate::record::SnmpSeen {
            version: "2c".into(),
            credential: "office".into(),
            facts: rec.facts,
            walked_at: None,
        }),
        ..Seen::default()
    }
}

/// The page's text as a reader sees it and as a translator would: tags,
/// the style sheet, attribute values and the device's own text (elements
/// marked `translate="no"`, leaves only) left out, a few entities decoded.
fn visible_text(html: &str) -> String {
    // Every style block out (a page may have more than one).
    let mut body = html.to_string();
    while let (Some(a), Some(b)) = (body.find("<style>"), body.find("</style>")) {
        if a >= b {
            break;
        }
        body.replace_range(a..b + "</style>".len(), "");
    }
    let mut out = String::new();
    let mut tag = String::new();
    let mut in_tag = false;
    let mut skip = false;
    for ch in body.chars() {
        match ch {
            '<' => {
                in_tag = true;
                skip = false;
                tag.clear();
            }
            '>' if in_tag => {
                in_tag = false;
                skip = tag.contains("translate=\"no\"");
                out.push(' ');
            }
            c if in_tag => tag.push(c),
            c if !skip => out.push(c),
            _ => {}
        }
    }
    out.replace("&#38;", "&")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
}

/// Whether `needle` occurs in `hay` as whole words (not inside a longer
/// Latin word).
fn has_words(hay: &str, needle: &str) -> bool {
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    hay.match_indices(needle).any(|(at, _)| {
        !letter(hay[..at].chars().next_back()) && !letter(hay[at + needle.len()..].chars().next())
    })
}

/// English labels that a Chinese page must not show: the English
/// catalogue's values that differ from the Chinese ones and hold a Latin
/// word (format patterns and unit symbols aside).
fn english_labels() -> Vec<(String, String)> {
    let zh: std::collections::BTreeMap<String, String> =
        i18n::flat_values(i18n::Lang::Zh).into_iter().collect();
    i18n::flat_values(i18n::Lang::En)
        .into_iter()
        .filter(|(k, v)| {
            // The switch names English in English on purpose.
            k != "language_name"
                && !k.starts_with("format.")
                && !k.starts_with("unit.")
                && zh.get(k) != Some(v)
                && v.chars().filter(char::is_ascii_alphabetic).count() >= 3
        })
        .map(|(k, v)| {
            // A pattern's fixed text up to its first field: "… {n} more rows in"
            // is looked for as "more rows in".
            let fixed = v
                .split(['{', '}'])
                .step_by(2)
                .map(str::trim)
                .max_by_key(|s| s.len())
                .unwrap_or("")
                .trim_matches(['…', ' ', ':'])
                .to_string();
            (k, fixed)
        })
        .filter(|(_, v)| v.len() >= 3)
        .collect()
}

fn page_problems(path: &str, html: &str, zh: bool) -> Vec<String> {
    let mut problems = Vec::new();
    let text = visible_text(html);
    if zh {
        if !html.contains("<html lang=\"zh-CN\">") {
            problems.push("not marked zh-CN".into());
        }
        for (key, label) in english_labels() {
            if has_words(&text, &label) {
                problems.push(format!(
                    "English label `{key}` = {label:?} on the Chinese page"
                ));
            }
        }
    }
    for stray in [
        "{n}",
        "{subject}",
        "{unit}",
        "<th></th>",
        "columns.",
        "class_name.",
    ] {
        if html.contains(stray) {
            problems.push(format!("unfilled or missing label: {stray}"));
        }
    }
    if !html.contains("id=\"lang-switch\"") {
        problems.push("no language switch".into());
    }
    if !(html.contains("id=\"nav-dashboard\"") && html.contains("id=\"nav-jobs\"")) {
        problems.push("no link to the dashboard and the jobs in the navigation".into());
    }
    problems
        .into_iter()
        .map(|p| format!("{path}: {p}"))
        .collect()
}

#[tokio::test]
async fn web_every_page_speaks_each_language_with_no_english_label_on_chinese_pages() {
    let phone = Seen {
        ip: Some("198.51.100.9".parse().unwrap()),
        mac: Some([0xda, 0xa1, 0x19, 0, 0, 9]),
        sources: vec![Source::Arp],
        ..Seen::default()
    };
    let state = AppState::new(
        store_with(
            "i18n-pages",
            &[switch(), announcing_at("198.51.100.8"), phone],
        ),
        true,
        "/etc/pandian.toml".into(),
    );
    configure_jobs(&state);
    let app = app(state);
    let (_, list) = get(app.clone(), "/api/v1/devices", None).await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    let ids: Vec<i64> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["id"].as_i64())
        .collect();
    assert_eq!(ids.len(), 3, "{list}");
    let mut pages: Vec<(String, StatusCode)> = vec![
        ("/".into(), StatusCode::OK),
        ("/?class=switch&q=198.51".into(), StatusCode::OK),
        ("/findings".into(), StatusCode::OK),
        ("/no/such/page".into(), StatusCode::NOT_FOUND),
        ("/devices/999".into(), StatusCode::NOT_FOUND),
        ("/?sort=bogus".into(), StatusCode::BAD_REQUEST),
        ("/findings?state=closed".into(), StatusCode::BAD_REQUEST),
        ("/dashboard".into(), StatusCode::OK),
        ("/jobs".into(), StatusCode::OK),
        ("/jobs?job=default".into(), StatusCode::OK),
        ("/jobs?job=no%20such".into(), StatusCode::BAD_REQUEST),
        ("/jobs?after=x".into(), StatusCode::BAD_REQUEST),
        ("/report/origin".into(), StatusCode::OK),
        ("/register".into(), StatusCode::OK),
        ("/register?unmatched=assets".into(), StatusCode::OK),
        ("/register?unmatched=devices".into(), StatusCode::OK),
        ("/register?unmatched=bogus".into(), StatusCode::BAD_REQUEST),
        (
            "/register?unmatched=devices&after=x".into(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "/?sort=-last_seen&since=2026-01-01&finding=any&job=default".into(),
            StatusCode::OK,
        ),
        ("/?since=yesterday".into(), StatusCode::BAD_REQUEST),
    ];
    pages.extend(
        ids.iter()
            .map(|id| (format!("/devices/{id}"), StatusCode::OK)),
    );
    let mut problems = Vec::new();
    for (path, want) in &pages {
        let sep = if path.contains('?') { '&' } else { '?' };
        for (uri, accept, zh) in [
            (path.clone(), None, false),
            (format!("{path}{sep}lang=zh"), None, true),
            (path.clone(), Some("zh-CN,zh;q=0.9"), true),
        ] {
            let (status, html) = get(app.clone(), &uri, accept).await;
            assert_eq!(status, *want, "{uri}: {html}");
            problems.extend(page_problems(&uri, &html, zh));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// [`announcing`] at another address and MAC.
fn announcing_at(ip: &str) -> Seen {
    Seen {
        ip: Some(ip.parse().unwrap()),
        mac: Some([0x00, 0xe0, 0xfc, 0, 0, 8]),
        ..announcing()
    }
}

#[tokio::test]
async fn web_device_page_names_snmp_columns_oids_and_units_in_each_language() {
    let app = app(AppState::new(
        store_with("i18n-device", &[switch()]),
        true,
        "x".into(),
    ));
    let (status, en) = get(app.clone(), "/devices/1", None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, zh) = get(app.clone(), "/devices/1?lang=zh", None).await;
    for table in [
        "snmp-interfaces",
        "snmp-addresses",
        "snmp-arp",
        "snmp-fdb",
        "snmp-neighbors",
        "snmp-entities",
    ] {
        assert!(en.contains(&format!("id=\"{table}\"")), "{table}: {en}");
        assert!(zh.contains(&format!("id=\"{table}\"")), "{table}");
    }
    for (page, wants) in [
        (
            &en,
            &[
                "<th title=\"IF-MIB::ifAdminStatus\">Admin state</th>",
                "<th title=\"IF-MIB::ifHighSpeed\">Speed</th>",
                ">1 Gbit/s<",
                ">10 Gbit/s<",
                "title=\"up\">up<",
                "title=\"IANAifType 6\">Ethernet<",
                "title=\"ifIndex 50\" translate=\"no\">Vlanif1<",
                "Neighbour name",
                "title=\"power_supply\">power supply<",
                "title=\"2026-01-01T00:00:00Z\">2026-01-01 00:00 UTC<",
                "14 d 6 h 56 min",
                "Product identifier",
            ][..],
        ),
        (
            &zh,
            &[
                "<th title=\"IF-MIB::ifAdminStatus\">管理状态</th>",
                "<th title=\"IF-MIB::ifHighSpeed\">速率</th>",
                ">1 Gbit/s<",
                "title=\"down\">停用<",
                "title=\"IANAifType 6\">以太网<",
                "对端名称",
                "title=\"power_supply\">电源<",
                "title=\"2026-01-01T00:00:00Z\">2026年1月1日 00:00 UTC<",
                "14 天 6 小时 56 分",
                "产品标识",
                "接口",
            ],
        ),
    ] {
        for want in wants {
            assert!(page.contains(want), "{want} missing");
        }
    }
    // An OID shows as its MIB name, the dotted OID as the title.
    let product = "title=\"1.3.6.1.4.1.2011.2.23.1005\" translate=\"no\">HUAWEI-";
    assert!(en.contains(product) && zh.contains(product), "{en}");
    assert!(
        !en.contains(">1.3.6.1.4.1.2011.2.23.1005<"),
        "a bare OID shown"
    );
    // No raw field names as headers, and device markup stays text.
    for raw in ["admin_status", "speed_bps", "remote_name", "vendor_type"] {
        assert!(!en.contains(&format!("<th>{raw}")), "{raw}");
        assert!(!en.contains(&format!(">{raw}</th>")), "{raw}");
    }
    assert!(!en.contains("<b>core</b>"), "markup escaped");
    assert!(en.contains("uplink &#60;b&#62;core&#60;/b&#62;"), "{en}");
}

#[tokio::test]
async fn web_language_switch_keeps_the_path_and_the_query() {
    let app = app(AppState::new(
        store_with("i18n-switch", &[switch()]),
        true,
        "x".into(),
    ));
    let cases = [
        (
            "/?q=198.51&class=switch",
            Some("zh-CN"),
            "href=\"?q=198.51&#38;class=switch&#38;lang=en\"",
            "href=\"/devices/1\"",
        ),
        (
            "/?lang=zh&q=core",
            None,
            "href=\"?q=core&#38;lang=en\"",
            "href=\"/devices/1?lang=zh\"",
        ),
        (
            "/?lang=en",
            Some("zh-CN"),
            "href=\"?lang=zh\"",
            "href=\"/devices/1?lang=en\"",
        ),
        (
            "/devices/1?lang=zh",
            None,
            "href=\"?lang=en\"",
            "href=\"/?lang=zh\"",
        ),
        (
            "/findings?severity=info&lang=zh",
            None,
            "href=\"?severity=info&#38;lang=en\"",
            "name=\"lang\" value=\"zh\"",
        ),
        (
            "/nothing/here?x=1",
            None,
            "href=\"?x=1&#38;lang=zh\"",
            "href=\"/\"",
        ),
    ];
    for (uri, accept, switch, link) in cases {
        let (_, html) = get(app.clone(), uri, accept).await;
        let shown = html
            .find("lang-switch")
            .map_or("", |i| &html[i..(i + 200).min(html.len())]);
        assert!(html.contains(switch), "{uri}: no {switch}: {shown}");
        assert!(html.contains(link), "{uri}: no {link}");
    }
}

/// Two configured jobs on `state`'s board: `default` (every 15 minutes,
/// next at 2027-01-01 00:00 UTC; it has a run in [`store_with`]'s store)
/// and `edge` (ARP and ping only, never run).
fn configure_jobs(state: &AppState) {
    let text = r#"
[scan]
subnets = []
[[job]]
name = "default"
targets = ["198.51.100.0/24"]
schedule = "15m"
[[job]]
name = "edge"
targets = ["203.0.113.0/28"]
exclude = ["203.0.113.1"]
probes = ["arp", "icmp"]
schedule = "0 */2 * * 1-5"
"#;
    let settings = crate::config::parse(text, std::path::Path::new("/etc/pandian.toml")).unwrap();
    state.jobs().configure(&settings.jobs);
    let next = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_798_761_600);
    state.jobs().planned("default", Some(next));
}

/// `n` more runs of job `job` in the store at `path` (left running).
fn more_runs(path: &std::path::Path, job: &str, n: usize) {
    let mut s = Store::open(path).unwrap();
    for i in 0..n {
        let started = format!("2026-01-02T00:{:02}:00Z", i % 60);
        s.begin_run(&RunStart {
            job,
            started_at: &started,
            targets: "203.0.113.0/28",
            exclude: "",
            addresses: 14,
            excluded: 1,
            rate: 100,
            credentials: vec![],
        })
        .unwrap();
    }
}

#[tokio::test]
async fn web_dashboard_charts_the_counts_and_lists_the_jobs() {
    let phone = Seen {
        ip: Some("198.51.100.9".parse().unwrap()),
        mac: Some([0xda, 0xa1, 0x19, 0, 0, 9]),
        sources: vec![Source::Arp],
        ..Seen::default()
    };
    let path = store_with(
        "dashboard",
        &[switch(), announcing_at("198.51.100.8"), phone],
    );
    // A device that calls itself something hostile.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE devices SET vendor = '<script>alert(3)</script>' WHERE id = 2",
            [],
        )
        .unwrap();
    let state = AppState::new(path, true, "x".into());
    configure_jobs(&state);
    let app = app(state);
    let (status, en) = get(app.clone(), "/dashboard", None).await;
    assert_eq!(status, StatusCode::OK, "{en}");
    let (_, zh) = get(app.clone(), "/dashboard?lang=zh", None).await;
    for (page, wants) in [
        (
            &en,
            &[
                "id=\"chart-class\"",
                "id=\"chart-origin\"",
                "id=\"chart-vendor\"",
                "id=\"chart-severity\"",
                "id=\"dash-jobs\"",
                "id=\"dash-devices\">3<",
                "Devices by class",
                "<a href=\"/?class=switch\">",
                "<a href=\"/?origin=domestic\">",
                "<a href=\"/findings?state=open&amp;severity=high\">",
                "<a href=\"/?vendor=%3Cscript%3Ealert%283%29%3C%2Fscript%3E\">",
                "&lt;script&gt;alert(3)&lt;/script&gt;",
                "<a href=\"/jobs?job=default\">default</a>",
                ">15m<",
                "title=\"2027-01-01T00:00:00Z\">2027-01-01 00:00 UTC<",
                ">1 min 0 s<",
                "not planned",
                "No runs yet.",
            ][..],
        ),
        (
            &zh,
            &[
                "id=\"chart-class\"",
                "设备类别分布",
                "<a href=\"/?class=switch&amp;lang=zh\">",
                ">交换机</text>",
                "2027年1月1日 00:00 UTC",
                ">1 分 0 秒<",
                "未排定",
                "<a href=\"/jobs?job=default&amp;lang=zh\">",
            ],
        ),
    ] {
        for want in wants {
            assert!(page.contains(want), "{want} missing: {page}");
        }
    }
    for page in [&en, &zh] {
        assert!(!page.contains("<script>alert"), "the vendor is escaped");
    }
    // Bars proportional to their counts: the class chart's counts and
    // widths, in order.
    let class = en
        .split("id=\"chart-class\"")
        .nth(1)
        .and_then(|s| s.split("</svg>").next())
        .unwrap();
    let counts: Vec<u32> = class
        .split("data-count=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    let widths = chart::widths(class);
    assert_eq!(counts.len(), widths.len(), "{class}");
    let max = *counts.iter().max().unwrap();
    for (n, w) in counts.iter().zip(&widths) {
        assert_eq!(*w, (n * chart::BAR_MAX + max / 2) / max, "{class}");
    }
    assert!(widths.contains(&chart::BAR_MAX), "{class}");
}

#[tokio::test]
async fn web_jobs_page_shows_each_job_and_pages_its_runs() {
    let path = store_with("jobs-page", &[switch()]);
    more_runs(&path, "edge", 55);
    let state = AppState::new(path, true, "x".into());
    configure_jobs(&state);
    let app = app(state);
    let (status, en) = get(app.clone(), "/jobs", None).await;
    assert_eq!(status, StatusCode::OK, "{en}");
    for want in [
        "id=\"jobs\"",
        "id=\"runs\"",
        ">198.51.100.0/24<",
        ">203.0.113.1<",
        ">0 */2 * * 1-5<",
        "title=\"icmp\">ping<",
        "title=\"banners\">banners<",
        "2,000 packets/s",
        "title=\"2027-01-01T00:00:00Z\">2027-01-01 00:00 UTC<",
        "Probe packets",
        "id=\"next-page\"",
    ] {
        assert!(en.contains(want), "{want} missing: {en}");
    }
    let rows = |html: &str| {
        html.split("id=\"runs\"")
            .nth(1)
            .map_or(0, |t| t.matches("<tr>").count().saturating_sub(1))
    };
    assert_eq!(rows(&en), 50, "a page of runs");
    let (_, default) = get(app.clone(), "/jobs?job=default", None).await;
    assert_eq!(rows(&default), 1, "{default}");
    for want in [
        ">1 min 0 s<",
        ">254<",
        "status-done",
        "<option value=\"default\" selected",
    ] {
        assert!(default.contains(want), "{want} missing: {default}");
    }
    assert!(!default.contains("id=\"next-page\""));
    // The next page of edge's runs, in Chinese: the rest, and the way back.
    let (_, first) = get(app.clone(), "/jobs?job=edge&lang=zh", None).await;
    assert_eq!(rows(&first), 50);
    let next = first
        .split("id=\"next-page\"")
        .next()
        .and_then(|s| s.rsplit("href=\"").next())
        .and_then(|s| s.split('"').next())
        .unwrap()
        .replace("&#38;", "&");
    let (status, second) = get(app.clone(), &next, None).await;
    assert_eq!(status, StatusCode::OK, "{next}");
    assert_eq!(rows(&second), 5, "{next}");
    assert!(
        second.contains("lang=\"zh-CN\"") && second.contains("进行中"),
        "{second}"
    );
    assert!(
        second.contains("href=\"/jobs?job=edge&#38;lang=zh\" id=\"first-page\""),
        "{second}"
    );
    assert!(
        second.contains("探测发包数") && first.contains("2,000 包/秒"),
        "{second}"
    );
}

/// Screenshots of the overview and a device page in both languages, for a
/// person to look at (layout, Chinese glyphs): run with
/// `PANDIAN_SCREENSHOTS=DIR cargo test --lib web::tests::web_screenshots -- --ignored`.
/// Serves the page on 127.0.0.1 only, from a store of its own, and runs
/// headless Chromium against it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs chromium and a person to look at the pictures"]
async fn web_screenshots() {
    let Ok(dir) = std::env::var("PANDIAN_SCREENSHOTS") else {
        eprintln!("SKIPPED: set PANDIAN_SCREENSHOTS=DIR");
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut seen = vec![switch(), announcing_at("198.51.100.8")];
    seen.extend((20..=40u8).map(|i| Seen {
        ip: Some(format!("198.51.100.{i}").parse().unwrap()),
        mac: Some([0x00, 0x1b, 0x54, 0, 0, i]),
        sources: vec![Source::Arp],
        hostname: Some(format!("host-{i}.example.net")),
        ..Seen::default()
    }));
    let path = store_with("shots", &seen);
    more_runs(&path, "edge", 3);
    {
        // A register: one asset on the network (the switch's MAC), one not.
        let reg = "资产编号,责任人,部门,位置,序列号,MAC地址,IP地址,主机名,厂商,型号,购置日期,保修截止,备注
ZC-001,张三,信息中心,二楼机房,,00:e0:fc:12:34:00,,,华为,S5735,2021-05-01,2027-01-01,核心交换机
ZC-002,李四,财务部,三楼,,,198.51.100.250,,联想,ThinkCentre,2022-01-10,,财务电脑
";
        let mut s = Store::open(&path).unwrap();
        let r = crate::assets::read("reg.csv", reg.as_bytes()).unwrap();
        let sha = crate::store::assets::sha256_hex(reg.as_bytes());
        s.import_assets(&r, "reg.csv", &sha, "2026-01-01T00:02:00Z", false)
            .unwrap()
            .unwrap();
    }
    let state = AppState::new(path, true, "/etc/pandian.toml".into());
    configure_jobs(&state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let server = tokio::spawn(async move { axum::serve(listener, app(state)).await });
    let profile = dir.join("chromium-profile");
    for (name, path, height) in [
        ("index-en", "/?lang=en", 900),
        ("index-zh", "/?lang=zh", 900),
        ("device-en", "/devices/1?lang=en", 900),
        ("device-zh", "/devices/1?lang=zh", 900),
        ("device-en-full", "/devices/1?lang=en", 4200),
        ("device-zh-full", "/devices/1?lang=zh", 4200),
        ("findings-en", "/findings?lang=en", 900),
        ("findings-zh", "/findings?lang=zh", 900),
        ("dashboard-en", "/dashboard?lang=en", 1100),
        ("dashboard-zh", "/dashboard?lang=zh", 1100),
        ("jobs-en", "/jobs?lang=en", 900),
        ("jobs-zh", "/jobs?lang=zh", 900),
        ("origin-en", "/report/origin?lang=en", 1800),
        ("origin-zh", "/report/origin?lang=zh", 1800),
        ("register-en", "/register?lang=en", 900),
        ("register-zh", "/register?lang=zh", 900),
        ("shadow-zh", "/register?unmatched=devices&lang=zh", 900),
    ] {
        let file = dir.join(format!("{name}.png"));
        let mut child = std::process::Command::new("chromium")
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size=1400,{height}"))
            .arg(format!("--screenshot={}", file.display()))
            .arg(format!("http://127.0.0.1:{port}{path}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromium runs");
        let mut done = false;
        for _ in 0..600 {
            if child.try_wait().unwrap().is_some() {
                done = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        if !done {
            let _ = child.kill();
            let _ = child.wait();
        }
        assert!(
            done && file.exists(),
            "{name}: no screenshot within a minute"
        );
    }
    server.abort();
    let _ = std::fs::remove_dir_all(profile);
}

#[tokio::test]
async fn web_origin_report_page_splits_links_and_says_why_unknown() {
    let phone = Seen {
        ip: Some("198.51.100.9".parse().unwrap()),
        mac: Some([0xda, 0xa1, 0x19, 0, 0, 9]),
        sources: vec![Source::Arp],
        ..Seen::default()
    };
    let app = app(AppState::new(
        store_with(
            "origin-page",
            &[switch(), announcing_at("198.51.100.8"), phone],
        ),
        true,
        "x".into(),
    ));
    let (status, en) = get(app.clone(), "/report/origin?lang=en", None).await;
    assert_eq!(status, StatusCode::OK, "{en}");
    for id in [
        "origin-devices",
        "origin-of-all",
        "origin-of-known",
        "origin-chart",
        "origin-by-class",
        "origin-by-vendor",
        "origin-trend",
        "origin-unknowns",
        "ratio-note",
    ] {
        assert!(en.contains(&format!("id=\"{id}\"")), "{id} missing");
    }
    // Three devices: two Huawei MACs (domestic), one random MAC (unknown).
    let api: serde_json::Value =
        serde_json::from_str(&get(app.clone(), "/api/v1/report/origin", None).await.1).unwrap();
    let overall = &api["overall"];
    let domestic = overall["domestic"]["count"].as_u64().unwrap();
    let unknown = overall["unknown"]["count"].as_u64().unwrap();
    assert_eq!(overall["devices"], 3, "{api}");
    assert!(unknown >= 1, "{api}");
    // The page says the same figures, and the counts link to the list.
    assert!(en.contains("<b id=\"origin-devices\">3</b>"), "{en}");
    let links = en.replace("&#38;", "&").replace("&amp;", "&");
    if domestic > 0 {
        assert!(links.contains("href=\"/?origin=domestic&lang=en\""), "{en}");
    }
    assert!(links.contains("href=\"/?origin=unknown&lang=en\""), "{en}");
    // The random-MAC phone is listed with why, linking to its page.
    assert!(en.contains("the MAC block of da:a1:19:00:00:09"), "{en}");
    assert!(en.contains("/devices/"), "{en}");
    // The hostile host name never reaches the page as markup.
    assert!(!en.contains("<script>alert"), "escaped");
    let (_, zh) = get(app.clone(), "/report/origin", Some("zh-CN")).await;
    assert!(zh.contains("未识别出厂商：MAC da:a1:19:00:00:09"), "{zh}");
    assert!(zh.contains(&Lang::Zh.labels().unwrap().domestic_of_known));
    // The downloads it links to answer.
    for dl in [
        "/api/v1/report/origin.xlsx",
        "/api/v1/report/origin.csv?table=summary",
        "/api/v1/report/origin.csv?table=unknowns",
    ] {
        assert!(en.contains(&dl.replace('&', "&#38;")), "{dl} not linked");
        assert_eq!(get(app.clone(), dl, None).await.0, StatusCode::OK, "{dl}");
    }
}

#[tokio::test]
async fn web_register_page_shows_matches_missing_assets_and_shadow_devices() {
    let path = store_with("register-page", &[switch(), announcing_at("198.51.100.8")]);
    let reg =
        "资产编号,责任人,部门,位置,序列号,MAC地址,IP地址,主机名,厂商,型号,购置日期,保修截止,备注
ZC-001,<img src=x onerror=alert(1)>,信息中心,二楼机房,,00:e0:fc:12:34:00,,,华为,S5735,,2027-01-01,
ZC-002,李四,财务部,三楼,,,198.51.100.250,,联想,ThinkCentre,,,
";
    {
        let mut s = Store::open(&path).unwrap();
        let r = crate::assets::read("reg.csv", reg.as_bytes()).unwrap();
        s.import_assets(
            &r,
            "reg.csv",
            &crate::store::assets::sha256_hex(reg.as_bytes()),
            "2026-01-01T00:02:00Z",
            false,
        )
        .unwrap()
        .unwrap();
    }
    let app = app(AppState::new(path, true, "/etc/pandian.toml".into()));
    let (status, en) = get(app.clone(), "/register?lang=en", None).await;
    assert_eq!(status, StatusCode::OK, "{en}");
    assert!(en.contains("<b id=\"register-assets\">2</b>"), "{en}");
    assert!(en.contains("<b id=\"register-matched\">1</b>"), "{en}");
    assert!(en.contains("<b id=\"register-missing\">1</b>"), "{en}");
    assert!(en.contains("<b id=\"register-shadow\">1</b>"), "{en}");
    assert!(!en.contains("<img src=x"), "the owner is escaped");
    assert!(en.contains("&#60;img src=x onerror=alert(1)&#62;"), "{en}");
    // ZC-001 matched the switch by its MAC, ZC-002 is nowhere.
    assert!(en.contains(">MAC address</td>"), "{en}");
    assert!(en.contains("not found on the network"), "{en}");
    let (_, missing) = get(app.clone(), "/register?unmatched=assets&lang=zh", None).await;
    assert!(
        missing.contains("ZC-002") && !missing.contains("ZC-001"),
        "{missing}"
    );
    assert!(missing.contains("网络中未发现"), "{missing}");
    let (_, shadow) = get(app.clone(), "/register?unmatched=devices", None).await;
    assert!(shadow.contains("id=\"register-devices\""), "{shadow}");
    assert!(
        shadow.contains("198.51.100.8") && !shadow.contains("198.51.100.7"),
        "{shadow}"
    );
    // An empty register says how to import one, naming the config file.
    let empty = app_for(store_with("register-empty", &[hostile()]));
    let (_, none) = get(empty, "/register", None).await;
    assert!(none.contains("id=\"no-register\""), "{none}");
    assert!(
        none.contains("pandian assets import --config /etc/pandian.toml"),
        "{none}"
    );
}

fn app_for(path: PathBuf) -> Router {
    app(AppState::new(path, true, "/etc/pandian.toml".into()))
}

#[tokio::test]
async fn web_device_list_sorts_by_its_headings_and_filters_by_job_finding_and_day() {
    let mut seen = vec![switch(), announcing_at("198.51.100.8")];
    seen.push(Seen {
        ip: Some("198.51.100.30".parse().unwrap()),
        mac: Some([0x00, 0x1b, 0x54, 0, 0, 30]),
        sources: vec![Source::Arp],
        hostname: Some("aaa-first.example.net".into()),
        ..Seen::default()
    });
    let path = store_with("sorting", &seen);
    more_runs(&path, "edge", 1);
    let state = AppState::new(path, true, "x".into());
    configure_jobs(&state);
    let app = app(state);
    let (_, page) = get(app.clone(), "/?lang=en&class=switch", None).await;
    // Headings link to their sort, keeping the filter and the language.
    assert!(
        page.contains("href=\"/?class=switch&#38;sort=hostname&#38;lang=en\""),
        "{page}"
    );
    assert!(page.contains("href=\"/?class=switch&#38;sort=-last_seen&#38;lang=en\""));
    // Sorted by address now (the default): its heading says so and flips.
    assert!(page.contains("aria-sort=\"ascending\""));
    assert!(page.contains("href=\"/?class=switch&#38;sort=-ip&#38;lang=en\""));
    // The job filter offers the configured jobs.
    assert!(
        page.contains("<option value=\"edge\">edge</option>"),
        "{page}"
    );
    let order = |html: &str| -> Vec<String> {
        html.match_indices("<a href=\"/devices/")
            .filter_map(|(at, _)| {
                let rest = &html[at..];
                let start = rest.find('>')? + 1;
                let end = rest.find("</a>")?;
                Some(rest[start..end].to_string())
            })
            .collect()
    };
    let (_, by_name) = get(app.clone(), "/?sort=hostname", None).await;
    let (_, by_name_desc) = get(app.clone(), "/?sort=-hostname", None).await;
    let asc = order(&by_name);
    let mut desc = order(&by_name_desc);
    assert_eq!(asc.len(), 3, "{by_name}");
    desc.reverse();
    assert_eq!(asc, desc);
    assert!(by_name_desc.contains("aria-sort=\"descending\""));
    assert!(by_name.contains("<input type=\"hidden\" name=\"sort\" value=\"hostname\">"));
    // Seen since a day: every device was seen on 2026-01-01, none later.
    let (_, since_then) = get(app.clone(), "/?since=2026-01-01", None).await;
    assert_eq!(order(&since_then).len(), 3);
    assert!(since_then.contains("value=\"2026-01-01\""));
    assert!(since_then.contains("id=\"clear-filters\""));
    let (_, later) = get(app.clone(), "/?since=2026-02-01", None).await;
    assert!(order(&later).is_empty(), "{later}");
    // The job filter: the `edge` runs saw nothing of these.
    let (_, edge) = get(app.clone(), "/?job=edge", None).await;
    assert!(order(&edge).is_empty());
    assert!(edge.contains("<option value=\"edge\" selected>"));
    let (_, default) = get(app.clone(), "/?job=default", None).await;
    assert_eq!(order(&default).len(), 3);
    // A finding filter that no device has.
    let (status, none) = get(app, "/?finding=any", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(none.contains("<option value=\"any\" selected>"), "{none}");
}

/// A run of job `default` at `time` that saw `seen`, taken into the store at `path`.
fn add_run(path: &std::path::Path, time: &str, seen: &[Seen]) {
    let mut s = Store::open(path).unwrap();
    let id = s
        .begin_run(&RunStart {
            job: "default",
            started_at: time,
            targets: "198.51.100.0/24",
            exclude: "",
            addresses: 254,
            excluded: 0,
            rate: 100,
            credentials: vec![],
        })
        .unwrap();
    s.record(id, seen).unwrap();
    s.finish_run(
        id,
        &RunEnd {
            status: crate::store::RunStatus::Done,
            error: None,
            finished_at: time.into(),
            answered: seen.len(),
            snmp_ok: 0,
        },
        &Engine::builtin().unwrap(),
        &DeriveOptions::default(),
    )
    .unwrap();
}

#[tokio::test]
async fn web_device_timeline_tells_what_changed_when_from_real_runs() {
    let path = store_with("timeline", &[switch()]);
    // A week later: a firmware upgrade (sysDescr), a new address beside the
    // old one, a new DNS name.
    let mut upgraded = switch();
    if let Some(snmp) = upgraded.snmp.as_mut() {
        snmp.facts.insert(
            crate::facts::Oid::parse("1.3.6.1.2.1.1.1.0").unwrap(),
            crate::facts::Value::OctetString(b"Huawei VRP V200R022C00SPC100".to_vec()),
        );
    }
    upgraded.hostname = Some("core-sw1-new.example.net".into());
    add_run(&path, "2026-01-08T00:00:00Z", &[upgraded]);
    let app = app_for(path);
    let (_, list) = get(app.clone(), "/api/v1/devices", None).await;
    let list: serde_json::Value = serde_json::from_str(&list).unwrap();
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
    let id = list["items"][0]["id"].as_i64().unwrap();
    let (status, en) = get(app.clone(), &format!("/devices/{id}?lang=en"), None).await;
    assert_eq!(status, StatusCode::OK);
    let at = en.find("id=\"timeline\"").expect("a timeline");
    let timeline = &en[at..en[at..].find("</table>").map_or(en.len(), |e| at + e)];
    // The upgrade, by the object's MIB name, old and new value, on its day.
    assert!(timeline.contains("SNMPv2-MIB::sysDescr.0"), "{timeline}");
    assert!(timeline.contains("V200R022C00SPC100"), "{timeline}");
    assert!(timeline.contains("V200R019C10SPC500"), "{timeline}");
    assert!(timeline.contains("2026-01-08"), "{timeline}");
    assert!(timeline.contains("core-sw1-new.example.net"), "{timeline}");
    assert!(timeline.contains("first seen on the network"), "{timeline}");
    // Newest first.
    let new_at = timeline.find("2026-01-08").unwrap();
    let first_at = timeline.find("first seen on the network").unwrap();
    assert!(new_at < first_at, "{timeline}");
    // And in Chinese.
    let (_, zh) = get(app, &format!("/devices/{id}?lang=zh"), None).await;
    assert!(
        zh.contains("首次在网络中发现") && zh.contains("变更"),
        "{zh}"
    );
}

#[test]
fn web_list_summary_rows_say_what_the_full_identity_says() {
    let path = store_with(
        "summary-rows",
        &[switch(), announcing_at("198.51.100.8"), hostile()],
    );
    let s = Store::open(&path).unwrap();
    let full = s.devices(&DeviceQuery::default()).unwrap().unwrap();
    let summary = s
        .devices(&DeviceQuery {
            summary: true,
            ..DeviceQuery::default()
        })
        .unwrap()
        .unwrap();
    assert_eq!(full.items.len(), summary.items.len());
    assert!(full.items.iter().any(|d| d.identity["model"].is_string()));
    for (f, m) in full.items.iter().zip(&summary.items) {
        assert_eq!(f.id, m.id);
        for key in ["class", "vendor", "model", "serial", "os", "vendor_origin"] {
            assert_eq!(f.identity[key], m.identity[key], "device {} {key}", f.id);
        }
        // The summary leaves the evidence out.
        assert!(m.identity.get("evidence").is_none());
    }
}
