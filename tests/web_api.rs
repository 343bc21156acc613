//! The API against its own description: the real server (guard, bearer
//! authentication, the router, hyper on a loopback socket) on a real store
//! filled through the real ingest path (`begin_run`, `record`,
//! `finish_run` with the built-in rules, an imported register), every
//! path of `openapi.json` requested with typical parameters, and every
//! JSON answer validated against the document's schema for that status
//! (JSON Schema 2020-12, the `jsonschema` crate). Exports, `/metrics`
//! (hostile vendor names), HEAD, refused methods and Host names, and the
//! security headers are checked on the same server. Only 127.0.0.1.
// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use pandian::announce::Announced;
use pandian::config::Located;
use pandian::fingerprint::Engine;
use pandian::inventory::Source;
use pandian::record::Seen;
use pandian::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use pandian::web::{self, AppState};
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

const TOKEN: &str = "web-api-test-token-0123456789";
const HOSTILE_HOSTNAME: &str = "=cmd|' /C calc'!A0";
const HOSTILE_VENDOR: &str = "Evil \"Corp\\ } x{y=\"1";

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("pandian-web-api-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn seen(ip: &str, mac: [u8; 6]) -> Seen {
    Seen {
        ip: Some(ip.parse().unwrap()),
        mac: Some(mac),
        sources: vec![Source::Arp],
        ..Seen::default()
    }
}

/// A store as a daemon leaves it: two runs of job `core` (the second
/// with its counts, as the pipeline records them), a failed run of job
/// `edge`, and an imported register.
fn store(dir: &Path) -> PathBuf {
    let path = dir.join("api.db");
    let mut s = Store::open(&path).unwrap();
    let engine = Engine::builtin().unwrap();
    let huawei = Seen {
        hostname: Some(HOSTILE_HOSTNAME.into()),
        sources: vec![Source::Arp, Source::Dns],
        ..seen("198.51.100.7", [0x00, 0xe0, 0xfc, 0, 0, 1])
    };
    let phone = seen("198.51.100.9", [0xda, 0xa1, 0x19, 0, 0, 9]);
    let announcer = Seen {
        announced: [
            (Source::Ssdp, "manufacturer", HOSTILE_VENDOR),
            (Source::Ssdp, "friendly_name", "<script>alert(1)</script>"),
            (Source::Mdns, "service", "_ipp._tcp"),
        ]
        .iter()
        .filter_map(|(s, k, v)| Announced::new(*s, k, v))
        .collect(),
        sources: vec![Source::Arp, Source::Ssdp],
        ..seen("198.51.100.20", [0x00, 0x1b, 0x54, 0, 0, 0x20])
    };
    let plain: Vec<Seen> = (30..36u8)
        .map(|i| seen(&format!("198.51.100.{i}"), [0x00, 0x1b, 0x54, 0, 0, i]))
        .collect();
    let mut all = vec![huawei, phone, announcer];
    all.extend(plain);
    for (round, (start, end)) in [
        ("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"),
        ("2026-01-02T00:00:00Z", "2026-01-02T00:01:30Z"),
    ]
    .into_iter()
    .enumerate()
    {
        let id = s
            .begin_run(&RunStart {
                job: "core",
                started_at: start,
                targets: "198.51.100.0/24",
                exclude: "",
                addresses: 254,
                excluded: 0,
                rate: 100,
                credentials: vec![],
            })
            .unwrap();
        s.record(id, &all).unwrap();
        if round == 1 {
            s.set_run_param(id, "packets", "1234").unwrap();
            s.set_run_param(id, "probe_errors", "1").unwrap();
        }
        s.finish_run(
            id,
            &RunEnd {
                status: RunStatus::Done,
                error: None,
                finished_at: end.into(),
                answered: all.len(),
                snmp_ok: 0,
            },
            &engine,
            &DeriveOptions::default(),
        )
        .unwrap();
    }
    let failed = s
        .begin_run(&RunStart {
            job: "edge",
            started_at: "2026-01-02T01:00:00Z",
            targets: "203.0.113.0/28",
            exclude: "",
            addresses: 14,
            excluded: 0,
            rate: 100,
            credentials: vec![],
        })
        .unwrap();
    s.end_run_without_results(
        failed,
        "2026-01-02T01:00:01Z",
        "failed",
        "no liveness probe could run",
    )
    .unwrap();
    let text =
        "资产编号,责任人,MAC地址,IP地址\nA-1,张三,00:e0:fc:00:00:01,\nA-2,李四,,198.51.100.200\n";
    let reg = pandian::assets::read("r.csv", text.as_bytes()).unwrap();
    s.import_assets(
        &reg,
        "r.csv",
        &pandian::store::assets::sha256_hex(text.as_bytes()),
        "2026-01-02T02:00:00Z",
        false,
    )
    .unwrap();
    path
}

/// The jobs a config names, as the daemon hands them to the page.
fn jobs() -> Vec<pandian::job::Job> {
    let text = r#"
[scan]
subnets = []
[store]
path = "/var/lib/pandian/p.db"
[[job]]
name = "core"
targets = ["198.51.100.0/24"]
schedule = "15m"
[[job]]
name = "edge"
targets = ["203.0.113.0/28"]
exclude = ["203.0.113.1"]
probes = ["arp", "icmp"]
schedule = "0 */2 * * 1-5"
"#;
    pandian::config::parse(text, Path::new("/etc/pandian.toml"))
        .unwrap()
        .jobs
}

struct Server {
    port: u16,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

async fn start(dir: &Path) -> Server {
    let db = store(dir);
    let state = AppState::new(db, true, "/etc/pandian.toml".into());
    state.jobs().configure(&jobs());
    state.jobs().planned(
        "core",
        Some(std::time::UNIX_EPOCH + Duration::from_secs(1_798_761_600)),
    );
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&token_file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let token = web::auth::read_token_file(
        &Located {
            value: token_file,
            line: 1,
        },
        Path::new("/etc/pandian.toml"),
    )
    .unwrap();
    let auth = std::sync::Arc::new(web::auth::Auth::new(Vec::new(), Some(token)).unwrap());
    let app = web::guard::guard(
        web::auth::protect(web::app(state), Some(auth)),
        web::guard::Hosts::new(&["pandian.test".to_string()]),
    );
    let std_listener = web::serve::bind("127.0.0.1:0".parse().unwrap()).unwrap();
    std_listener.set_nonblocking(true).unwrap();
    let port = std_listener.local_addr().unwrap().port();
    let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(web::serve::serve(
        listener,
        web::serve::Plain,
        app,
        web::serve::Limits::for_descriptors(1024),
        async move {
            let _ = rx.await;
        },
    ));
    Server {
        port,
        stop: Some(tx),
        task,
    }
}

impl Server {
    async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .unwrap()
            .unwrap();
    }
}

/// One answer: status, headers (lower-case names), body.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..1_000_000 {
        let Some(eol) = body.windows(2).position(|w| w == b"\r\n") else {
            break;
        };
        let size = std::str::from_utf8(&body[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok())
            .unwrap_or(0);
        body = &body[eol + 2..];
        if size == 0 || body.len() < size {
            break;
        }
        out.extend_from_slice(&body[..size]);
        body = body.get(size + 2..).unwrap_or_default();
    }
    out
}

/// One HTTP/1.1 request on its own connection (a blocking thread, so the
/// server keeps running on the test's runtime).
async fn request(
    port: u16,
    method: &str,
    path: &str,
    host: &str,
    authorization: Option<&str>,
) -> Answer {
    let (method, path, host) = (method.to_string(), path.to_string(), host.to_string());
    let authorization = authorization.map(str::to_string);
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
        if let Some(a) = authorization {
            head.push_str(&format!("Authorization: {a}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).unwrap();
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).unwrap();
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("a response head");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let headers: BTreeMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let body = &raw[split + 4..];
        let body = if headers
            .get("transfer-encoding")
            .is_some_and(|t| t == "chunked")
        {
            dechunk(body)
        } else {
            body.to_vec()
        };
        Answer {
            status,
            headers,
            body,
        }
    })
    .await
    .unwrap()
}

async fn get(port: u16, path: &str) -> Answer {
    request(
        port,
        "GET",
        path,
        "127.0.0.1",
        Some(&format!("Bearer {TOKEN}")),
    )
    .await
}

/// The schema a documented response promises, for `path`, `status` and
/// `content_type`, as a validator (components resolved in place).
fn validator(doc: &Value, path: &str, status: u16, content_type: &str) -> jsonschema::Validator {
    let response = &doc["paths"][path]["get"]["responses"][status.to_string()];
    assert!(
        response.is_object(),
        "{path}: status {status} is not documented"
    );
    let media = content_type.split(';').next().unwrap_or("").trim();
    let schema = &response["content"][media]["schema"];
    assert!(
        schema.is_object(),
        "{path} {status}: content type {media} is not documented"
    );
    let mut root = schema.clone();
    root["components"] = doc["components"].clone();
    jsonschema::draft202012::new(&root).unwrap_or_else(|e| panic!("{path}: schema: {e}"))
}

fn check(doc: &Value, template: &str, uri: &str, a: &Answer) {
    let ct = a.header("content-type").to_string();
    let v = validator(doc, template, a.status, &ct);
    if ct.starts_with("application/json") {
        let body = a.json();
        let errors: Vec<String> = v
            .iter_errors(&body)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{uri}: the answer does not match openapi.json:\n{}\n{}",
            errors.join("\n"),
            a.text()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_api_answers_match_the_openapi_document() {
    let dir = dir("openapi");
    let server = start(&dir).await;
    let port = server.port;
    let served = get(port, "/api/v1/openapi.json").await;
    assert_eq!(served.status, 200);
    let doc = served.json();
    assert_eq!(
        doc,
        serde_json::from_str::<Value>(web::openapi::DOCUMENT).unwrap()
    );
    // Typical requests of every documented path (template, request, status).
    let cases: &[(&str, &str, u16)] = &[
        ("/api/v1/devices", "/api/v1/devices", 200),
        ("/api/v1/devices", "/api/v1/devices?limit=2", 200),
        (
            "/api/v1/devices",
            "/api/v1/devices?sort=-last_seen&limit=3",
            200,
        ),
        ("/api/v1/devices", "/api/v1/devices?class=switch", 200),
        ("/api/v1/devices", "/api/v1/devices?vendor=HUAWEI", 200),
        ("/api/v1/devices", "/api/v1/devices?origin=domestic", 200),
        (
            "/api/v1/devices",
            "/api/v1/devices?subnet=198.51.100.0/28",
            200,
        ),
        ("/api/v1/devices", "/api/v1/devices?job=core", 200),
        ("/api/v1/devices", "/api/v1/devices?finding=any", 200),
        (
            "/api/v1/devices",
            "/api/v1/devices?finding=randomized_mac",
            200,
        ),
        (
            "/api/v1/devices",
            "/api/v1/devices?since=2026-01-02T00:00:00Z",
            200,
        ),
        ("/api/v1/devices", "/api/v1/devices?q=198.51.100.2", 200),
        ("/api/v1/devices", "/api/v1/devices?format=csv", 200),
        ("/api/v1/devices", "/api/v1/devices?format=xlsx", 200),
        ("/api/v1/devices", "/api/v1/devices?sort=bogus", 400),
        ("/api/v1/devices", "/api/v1/devices?since=yesterday", 400),
        ("/api/v1/devices", "/api/v1/devices?finding=nope", 400),
        ("/api/v1/devices", "/api/v1/devices?format=pdf", 400),
        ("/api/v1/devices/{id}", "/api/v1/devices/1", 200),
        ("/api/v1/devices/{id}", "/api/v1/devices/3", 200),
        ("/api/v1/devices/{id}", "/api/v1/devices/999", 404),
        ("/api/v1/findings", "/api/v1/findings", 200),
        (
            "/api/v1/findings",
            "/api/v1/findings?state=open&limit=1",
            200,
        ),
        ("/api/v1/findings", "/api/v1/findings?severity=info", 200),
        (
            "/api/v1/findings",
            "/api/v1/findings?kind=randomized_mac",
            200,
        ),
        ("/api/v1/findings", "/api/v1/findings?format=csv", 200),
        ("/api/v1/findings", "/api/v1/findings?format=xlsx", 200),
        ("/api/v1/findings", "/api/v1/findings?kind=nope", 400),
        ("/api/v1/scans", "/api/v1/scans", 200),
        ("/api/v1/scans", "/api/v1/scans?job=core&limit=1", 200),
        ("/api/v1/scans", "/api/v1/scans?format=csv", 200),
        ("/api/v1/scans", "/api/v1/scans?format=xlsx&job=edge", 200),
        ("/api/v1/scans", "/api/v1/scans?job=two%20words", 400),
        ("/api/v1/jobs", "/api/v1/jobs", 200),
        ("/api/v1/assets", "/api/v1/assets", 200),
        ("/api/v1/assets", "/api/v1/assets?unmatched=assets", 200),
        (
            "/api/v1/assets",
            "/api/v1/assets?unmatched=devices&limit=2",
            200,
        ),
        ("/api/v1/assets", "/api/v1/assets?unmatched=nobody", 400),
        ("/api/v1/report/origin", "/api/v1/report/origin", 200),
        (
            "/api/v1/report/origin.csv",
            "/api/v1/report/origin.csv",
            200,
        ),
        (
            "/api/v1/report/origin.csv",
            "/api/v1/report/origin.csv?table=unknowns",
            200,
        ),
        (
            "/api/v1/report/origin.csv",
            "/api/v1/report/origin.csv?table=nope",
            400,
        ),
        (
            "/api/v1/report/origin.xlsx",
            "/api/v1/report/origin.xlsx",
            200,
        ),
        (
            "/api/v1/report/evidence.zip",
            "/api/v1/report/evidence.zip",
            200,
        ),
        (
            "/api/v1/report/evidence.zip",
            "/api/v1/report/evidence.zip?date=31-01-2026",
            400,
        ),
        ("/api/v1/openapi.json", "/api/v1/openapi.json", 200),
        ("/metrics", "/metrics", 200),
        ("/healthz", "/healthz", 200),
    ];
    // The validator is live: an undocumented field, a wrong type and a
    // missing field are each refused.
    let scans = validator(&doc, "/api/v1/scans", 200, "application/json");
    let good = get(port, "/api/v1/scans?limit=1").await.json();
    assert!(scans.is_valid(&good));
    for bad in [
        serde_json::json!({"items": [], "next": null, "extra": 1}),
        serde_json::json!({"items": [{"id": "7"}], "next": null}),
        serde_json::json!({"items": []}),
    ] {
        assert!(!scans.is_valid(&bad), "{bad}");
    }
    let mut renamed = good.clone();
    if let Some(o) = renamed["items"][0].as_object_mut() {
        let v = o.remove("hosts_up").unwrap();
        o.insert("hosts".into(), v);
    }
    assert!(!scans.is_valid(&renamed), "a renamed field is drift");
    let documented: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    for path in &documented {
        assert!(
            cases.iter().any(|(t, _, _)| t == path),
            "{path} is documented but this test requests it nowhere"
        );
    }
    for (template, uri, want) in cases {
        assert!(documented.iter().any(|p| p == template), "{template}");
        let a = get(port, uri).await;
        assert_eq!(a.status, *want, "{uri}: {}", a.text());
        check(&doc, template, uri, &a);
    }

    // Paging follows `next` to the end without repeating a device.
    let mut ids = Vec::new();
    let mut uri = "/api/v1/devices?limit=2&sort=-last_seen".to_string();
    for _ in 0..20 {
        let page = get(port, &uri).await.json();
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d["id"].as_i64().unwrap()),
        );
        match page["next"].as_str() {
            Some(n) => uri = format!("/api/v1/devices?limit=2&sort=-last_seen&after={n}"),
            None => break,
        }
    }
    let all = get(port, "/api/v1/devices").await.json();
    let total = all["items"].as_array().unwrap().len();
    assert_eq!(ids.len(), total, "{ids:?}");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), total);

    // Filters: each one narrows as it says.
    let items = |v: &Value| v["items"].as_array().unwrap().clone();
    let domestic = items(&get(port, "/api/v1/devices?origin=domestic").await.json());
    assert!(!domestic.is_empty() && domestic.len() < total);
    assert!(domestic.iter().all(|d| d["vendor_origin"] == "domestic"));
    let subnet = items(
        &get(port, "/api/v1/devices?subnet=198.51.100.0/28")
            .await
            .json(),
    );
    assert_eq!(subnet.len(), 2, "198.51.100.7 and .9");
    let random = items(
        &get(port, "/api/v1/devices?finding=randomized_mac")
            .await
            .json(),
    );
    assert_eq!(random.len(), 1);
    assert_eq!(random[0]["ip"], "198.51.100.9");
    assert_eq!(
        items(&get(port, "/api/v1/devices?job=core").await.json()).len(),
        total
    );
    assert!(items(&get(port, "/api/v1/devices?job=edge").await.json()).is_empty());
    assert!(
        items(
            &get(port, "/api/v1/devices?since=2026-01-03T00:00:00Z")
                .await
                .json()
        )
        .is_empty()
    );
    let edge = items(&get(port, "/api/v1/scans?job=edge").await.json());
    assert_eq!(edge.len(), 1);
    assert_eq!(edge[0]["status"], "failed");

    // Exports: the same filters, a header row, formula-safe cells.
    let csv = get(port, "/api/v1/devices?origin=domestic&format=csv").await;
    assert_eq!(csv.header("content-type"), "text/csv; charset=utf-8");
    assert!(
        csv.header("content-disposition")
            .starts_with("attachment; filename=\"pandian-devices-")
    );
    let text = csv.text();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), domestic.len() + 1, "{text}");
    assert!(
        lines[0]
            .trim_start_matches('\u{feff}')
            .starts_with("id,ip,addresses,mac,")
    );
    let everything = get(port, "/api/v1/devices?format=csv").await.text();
    assert!(
        everything.contains(&format!(",'{HOSTILE_HOSTNAME},")),
        "{everything}"
    );
    assert!(!everything.contains(&format!(",{HOSTILE_HOSTNAME},")));
    let xlsx = get(port, "/api/v1/findings?format=xlsx").await;
    assert!(xlsx.body.starts_with(b"PK\x03\x04"));
    let scans_csv = get(port, "/api/v1/scans?format=csv&job=core").await.text();
    assert_eq!(scans_csv.trim_end().split("\r\n").count(), 3, "{scans_csv}");
    assert!(
        scans_csv.contains(",1234,1,"),
        "the recorded counts: {scans_csv}"
    );

    // Jobs: configured, with their latest runs as /api/v1/scans shows them.
    let jobs = items(&get(port, "/api/v1/jobs").await.json());
    assert_eq!(jobs.len(), 2);
    let scans = items(&get(port, "/api/v1/scans").await.json());
    let core = &jobs[0];
    assert_eq!(core["name"], "core");
    assert_eq!(core["schedule"], "15m");
    assert_eq!(core["next_run"], "2027-01-01T00:00:00Z");
    assert_eq!(
        core["last_run"], scans[1],
        "the same object as /api/v1/scans"
    );
    assert_eq!(core["last_run"]["packets"], 1234);
    assert_eq!(jobs[1]["schedule"], "0 */2 * * 1-5");
    assert_eq!(jobs[1]["last_run"]["status"], "failed");
    assert_eq!(jobs[1]["last_done"], Value::Null);
    assert_eq!(jobs[1]["probes"], serde_json::json!(["arp", "icmp"]));

    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_api_metrics_escape_hostile_vendors_and_need_credentials() {
    let dir = dir("metrics");
    let server = start(&dir).await;
    let port = server.port;
    let m = get(port, "/metrics").await;
    assert_eq!(m.status, 200);
    assert!(
        m.header("content-type")
            .starts_with("text/plain; version=0.0.4")
    );
    let text = m.text();
    for want in [
        "pandian_devices 9\n",
        "pandian_devices_by_origin{origin=\"domestic\"} ",
        "pandian_findings_open{severity=\"info\"} 1\n",
        "pandian_run_duration_seconds{job=\"core\"} 90\n",
        "pandian_run_probe_packets{job=\"core\"} 1234\n",
        "pandian_run_probe_errors{job=\"core\"} 1\n",
        "pandian_run_hosts_up{job=\"core\"} 9\n",
        "pandian_job_running{job=\"edge\"} 0\n",
        "pandian_build_info{version=\"",
    ] {
        assert!(text.contains(want), "{want}\n{text}");
    }
    // The hostile vendor is one escaped label, never a broken line.
    let escaped = "Evil \\\"Corp\\\\ } x{y=\\\"1";
    assert!(
        text.contains(&format!(
            "pandian_devices_by_vendor{{vendor=\"{escaped}\"}} 1\n"
        )),
        "{text}"
    );
    for line in text.lines().filter(|l| !l.starts_with('#')) {
        let value = line.rsplit(' ').next().unwrap();
        assert!(value.parse::<f64>().is_ok(), "{line}");
        assert!(line.starts_with("pandian_"), "{line}");
    }
    // Credentials: everything but /healthz, which says only its status.
    for path in ["/metrics", "/api/v1/openapi.json", "/api/v1/jobs", "/"] {
        let a = request(port, "GET", path, "127.0.0.1", None).await;
        assert_eq!(a.status, 401, "{path}");
    }
    let health = request(port, "GET", "/healthz", "127.0.0.1", None).await;
    assert_eq!(
        (health.status, health.text().as_str()),
        (200, "{\"status\":\"ok\"}")
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_api_only_get_and_head_for_known_hosts_with_security_headers() {
    let dir = dir("guard");
    let server = start(&dir).await;
    let port = server.port;
    let bearer = format!("Bearer {TOKEN}");
    let cases = [
        ("GET", "127.0.0.1", 200),
        ("GET", &format!("127.0.0.1:{port}") as &str, 200),
        ("GET", "pandian.test", 200),
        ("GET", "PANDIAN.test:443", 200),
        ("GET", "localhost", 200),
        ("HEAD", "127.0.0.1", 200),
        ("GET", "rebound.evil.example", 421),
        ("GET", "198.51.100.1", 421),
        ("POST", "127.0.0.1", 405),
        ("PUT", "127.0.0.1", 405),
        ("DELETE", "pandian.test", 405),
        ("OPTIONS", "127.0.0.1", 405),
    ];
    for (method, host, want) in cases {
        let a = request(port, method, "/api/v1/devices", host, Some(&bearer)).await;
        assert_eq!(a.status, want, "{method} Host: {host}: {}", a.text());
        assert_eq!(a.header("x-content-type-options"), "nosniff");
        assert_eq!(a.header("x-frame-options"), "DENY");
        assert_eq!(a.header("content-security-policy"), web::guard::CSP);
        assert_eq!(a.header("referrer-policy"), "no-referrer");
        if method == "HEAD" {
            assert!(a.body.is_empty(), "HEAD has no body");
            assert!(a.header("content-type").starts_with("application/json"));
        }
        if want == 405 {
            assert_eq!(a.header("allow"), "GET, HEAD");
        }
    }
    // A refused Host is refused before credentials are asked for, and
    // /healthz is no exception.
    let a = request(port, "GET", "/healthz", "rebound.evil.example", None).await;
    assert_eq!(a.status, 421);
    let a = request(port, "GET", "/", "rebound.evil.example", None).await;
    assert_eq!(a.status, 421);
    assert!(!a.text().contains("198.51.100"), "nothing of the inventory");
    server.stop().await;
}
