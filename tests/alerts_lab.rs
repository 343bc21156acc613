//! Alerts to real receivers inside a lab: socat listening for syslog over
//! UDP and over TCP, and Python HTTP servers taking webhooks (one that
//! answers, one that fails its first try, one that is too slow), plus a
//! webhook where nothing listens. The daemon runs in the lab's scanner
//! namespace; the receivers in a host namespace at 198.18.60.10.
//! Needs root; skips otherwise (fails under PANDIAN_REQUIRE_LAB=1).
//!
//! The findings code is not on this branch: the test writes `findings` and
//! `finding_events` rows with plain SQL (test setup), as that code will.
#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::{HostSpec, LabSpec};
use rusqlite::{Connection, params};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const RECEIVER: &str = "198.18.60.10";

/// A webhook receiver: records each request (path, headers, body) as one
/// JSON line. `ok` answers 200; `tls` too, over HTTPS; `flaky` answers
/// 503 to the first try of each event and 200 after; `slow` sleeps past
/// any timeout.
/// A UDP syslog receiver: each datagram into `DIR/udp-N` (the directory
/// may be emptied and made again while it runs).
const UDP_RECEIVER_PY: &str = r#"
import os, socket, sys
host, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((host, port))
n = 0
while n < 100000:
    data, _ = s.recvfrom(65536)
    n += 1
    try:
        with open(os.path.join(out, "udp-%06d" % n), "wb") as f:
            f.write(data)
    except OSError:
        pass
"#;

const RECEIVER_PY: &str = r#"
import http.server, json, sys, threading, time
mode, addr, port, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
lock = threading.Lock()
tries = {}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8")
        key = self.headers.get("Idempotency-Key", "")
        with lock:
            tries[key] = tries.get(key, 0) + 1
            first = tries[key] == 1
            with open(out, "a") as f:
                f.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": body}) + "\n")
        if mode == "slow":
            time.sleep(20)
        code = 503 if mode == "flaky" and first else 200
        self.send_response(code)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer.daemon_threads = True
srv = http.server.ThreadingHTTPServer((addr, port), H)
if mode == "tls":
    import ssl
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
srv.serve_forever()
"#;

fn spec(prefix: &str) -> LabSpec {
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.60.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: Ipv4Addr::new(198, 18, 60, 1),
        hosts: vec![HostSpec {
            label: "receivers".into(),
            segment: 0,
            ip: RECEIVER.parse().unwrap(),
            mac: [0x52, 0x54, 0x00, 0x60, 0x00, 0x0a],
            drop_icmp: false,
            snmpd: None,
        }],
        router_snmpd: None,
    }
}

/// Test setup: a finding, written as the findings code writes them (the
/// daemon's own findings of the lab come and go beside these). Its id.
fn add_finding(c: &Connection, kind: &str, severity: &str, summary: &str) -> i64 {
    c.execute(
        "INSERT INTO findings (key, kind, severity, state, device_id, ip, mac, summary, evidence, first_seen, last_seen, first_run, last_run)
         VALUES (?1, ?2, ?3, 'open', NULL, '198.18.60.10', '52:54:00:60:00:0a', ?4,
                 '[{\"source\":\"arp\",\"key\":\"mac\",\"value\":\"52:54:00:60:00:0a\",\"seen\":\"2026-12-01T20:00:00Z\"}]',
                 '2026-12-01T20:00:00Z', '2026-12-01T20:00:00Z', 0, 0)",
        params![format!("lab-test:{kind}"), kind, severity, summary],
    )
    .expect("insert finding");
    c.last_insert_rowid()
}

/// Test setup: an event of finding `finding`. Its id.
fn add_event(c: &Connection, finding: i64, event: &str) -> i64 {
    c.execute(
        "INSERT INTO finding_events (finding_id, run_id, time, event) VALUES (?1, 0, '2026-12-01T20:00:05Z', ?2)",
        params![finding, event],
    )
    .expect("insert event");
    c.last_insert_rowid()
}

/// `got` sorted, after checking that no event came twice.
fn once(mut got: Vec<i64>, what: &str) -> Vec<i64> {
    got.sort();
    let mut unique = got.clone();
    unique.dedup();
    assert_eq!(got, unique, "{what}: an event arrived twice");
    got
}

/// Whether every id in `mine` is in `got`.
fn has_all(got: &[i64], mine: &[i64]) -> bool {
    mine.iter().all(|id| got.contains(id))
}

/// Every file in `dir` starting with `stem`, read.
fn files(dir: &Path, stem: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().starts_with(stem) {
            out.push(std::fs::read(e.path()).unwrap_or_default());
        }
    }
    out
}

/// RFC 6587 octet-counted frames in `stream`; None if the framing breaks.
fn frames(mut stream: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    while !stream.is_empty() {
        let sp = stream.iter().position(|b| *b == b' ')?;
        let len: usize = std::str::from_utf8(&stream[..sp]).ok()?.parse().ok()?;
        let rest = &stream[sp + 1..];
        if rest.len() < len {
            // A frame still arriving.
            break;
        }
        out.push(rest[..len].to_vec());
        stream = &rest[len..];
    }
    Some(out)
}

/// The event ids of syslog messages, each checked for the RFC 5424 shape:
/// PRI, version 1, the app name, MSGID = kind, Pandian's SD-ID, BOM + MSG.
fn syslog_events(messages: &[Vec<u8>]) -> Vec<i64> {
    let mut ids = Vec::new();
    for m in messages {
        let text = std::str::from_utf8(m).expect("UTF-8 syslog message");
        let (pri, rest) = text
            .strip_prefix('<')
            .and_then(|t| t.split_once('>'))
            .expect("PRI");
        let pri: u16 = pri.parse().expect("PRI number");
        assert!(pri / 8 == 16 || pri / 8 == 3, "local0 or daemon: {text}");
        let fields: Vec<&str> = rest.splitn(7, ' ').collect();
        assert_eq!(fields[0], "1", "VERSION: {text}");
        assert_eq!(fields[3], "pandian", "APP-NAME: {text}");
        assert_eq!(fields[2], "inventory-lab", "HOSTNAME: {text}");
        assert!(
            fields[6].starts_with("[pandian@32473 event=\""),
            "SD: {text}"
        );
        assert!(text.contains("] \u{feff}"), "BOM before MSG: {text}");
        assert!(!text.contains('\n'), "one line: {text}");
        let id = text
            .split("event_id=\"")
            .nth(1)
            .and_then(|r| r.split('"').next())
            .and_then(|n| n.parse().ok())
            .expect("event_id");
        let kind = fields[5];
        assert!(
            text.contains(&format!(" kind=\"{kind}\"")),
            "MSGID is the kind: {text}"
        );
        ids.push(id);
    }
    ids.sort();
    ids
}

/// Webhook requests recorded in `file`: (event id, the request).
fn hooks(file: &Path) -> Vec<(i64, serde_json::Value)> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|r| {
            let body: serde_json::Value =
                serde_json::from_str(r["body"].as_str().unwrap_or("")).expect("JSON body");
            (body["event_id"].as_i64().unwrap_or(-1), r)
        })
        .collect()
}

/// A recorded request's header, by name in any case.
fn header<'a>(r: &'a serde_json::Value, name: &str) -> Option<&'a str> {
    r["headers"]
        .as_object()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.as_str())
}

/// A lab CA and a certificate for 198.18.60.10 it signed (cert.pem,
/// key.pem, ca.pem in `dir`).
fn make_certificates(dir: &Path) {
    let run = |args: &[&str]| {
        let out = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    run(&[
        &["req", "-x509"][..],
        &ec,
        &[
            "-days",
            "2",
            "-subj",
            "/CN=pandian lab CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
    ]
    .concat());
    run(&[
        &["req"][..],
        &ec,
        &[
            "-subj",
            "/CN=198.18.60.10",
            "-keyout",
            "key.pem",
            "-out",
            "leaf.csr",
        ],
    ]
    .concat());
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:198.18.60.10\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
        "-out",
        "cert.pem",
    ]);
}

fn start(lab: &pandian::lab::Lab, config: &Path, log: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .expect("log");
    Command::new(bin())
        .args(["serve", "--config"])
        .arg(config)
        .args(["--netns", &lab.scanner_ns()])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start daemon")
}

fn stop(mut child: Child) {
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let _ = poll(Duration::from_secs(30), || child.try_wait().ok().flatten());
    let _ = child.kill();
    let _ = child.wait();
}

fn count(db: &Path, sql: &str) -> i64 {
    let c = Connection::open(db).expect("open");
    c.query_row(sql, [], |r| r.get(0)).unwrap_or(-1)
}

#[test]
fn lab_alerts_reach_syslog_and_webhooks_once_despite_a_dead_and_a_slow_receiver() {
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("al"))) else {
        return;
    };
    let require = std::env::var("PANDIAN_REQUIRE_LAB").is_ok_and(|v| v == "1");
    for tool in ["socat", "python3", "openssl"] {
        if pandian::lab::which(tool).is_none() {
            assert!(!require, "{tool} is not installed (scripts/setup-debian)");
            eprintln!("SKIPPED: {tool} is not installed (scripts/setup-debian)");
            return;
        }
    }
    let rx = lab.host_ns(0);
    let dir = lab.dir().to_path_buf();
    let syslog_dir = dir.join("syslog");
    std::fs::create_dir(&syslog_dir).unwrap();
    // Every UDP datagram into a file of its own, by one socket that never
    // closes (socat's UDP-RECVFROM with fork rebinds after each datagram,
    // and a datagram sent in that gap is refused).
    let udp = dir.join("udp_receiver.py");
    std::fs::write(&udp, UDP_RECEIVER_PY).unwrap();
    let mut c = lab.command_in(&rx, "python3");
    c.arg(&udp)
        .args([RECEIVER, "5514"])
        .arg(&syslog_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    lab.spawn_in(&rx, c).unwrap();
    // socat: every TCP connection's byte stream into a file of its own.
    let mut c = lab.command_in(&rx, "socat");
    c.args([
        "-u",
        &format!("TCP-LISTEN:5514,bind={RECEIVER},reuseaddr,fork"),
        &format!("SYSTEM:cat > {}/tcp-$$", syslog_dir.display()),
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    lab.spawn_in(&rx, c).unwrap();
    let script = dir.join("receiver.py");
    std::fs::write(&script, RECEIVER_PY).unwrap();
    make_certificates(&dir);
    for (mode, port) in [("ok", 8080), ("flaky", 8081), ("slow", 8082), ("tls", 8443)] {
        let mut c = lab.command_in(&rx, "python3");
        c.arg(&script)
            .args([mode, RECEIVER, &port.to_string()])
            .arg(dir.join(format!("{mode}.jsonl")))
            .arg(dir.join("cert.pem"))
            .arg(dir.join("key.pem"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        lab.spawn_in(&rx, c).unwrap();
    }
    // Ready when each TCP port accepts (probed from the receivers' own
    // namespace, on the lab's address).
    for port in [5514, 8080, 8081, 8082, 8443] {
        let ready = poll(Duration::from_secs(15), || {
            let mut c = lab.command_in(&rx, "socat");
            c.args([
                "-u",
                "/dev/null",
                &format!("TCP:{RECEIVER}:{port},connect-timeout=1"),
            ]);
            c.output().ok().filter(|o| o.status.success())
        });
        assert!(ready.is_some(), "receiver on port {port} did not start");
    }
    // The probes above made TCP connections: forget their (empty) files.
    let _ = std::fs::remove_dir_all(&syslog_dir);
    std::fs::create_dir(&syslog_dir).unwrap();

    // The store, with three events waiting before the daemon starts.
    let db = dir.join("alerts.db");
    // The events this test wrote, in order.
    let mut mine: Vec<i64> = Vec::new();
    let first_finding;
    {
        let mut store = pandian::store::Store::open(&db).unwrap();
        let engine = pandian::fingerprint::Engine::builtin().unwrap();
        store
            .ensure_derived(&engine, &pandian::store::DeriveOptions::default())
            .unwrap();
        let c = store.connection();
        let f1 = add_finding(
            c,
            "unregistered",
            "high",
            "198.18.60.10 is not in the register",
        );
        let f2 = add_finding(
            c,
            "randomized_mac",
            "low",
            "hostile \"name\"] \\ with\nnewline 设备",
        );
        mine.push(add_event(c, f1, "opened"));
        mine.push(add_event(c, f2, "opened"));
        let f3 = add_finding(c, "new_device", "info", "a device never seen before");
        mine.push(add_event(c, f3, "opened"));
        first_finding = f1;
    }
    let port = free_port();
    let config = dir.join("pandian.toml");
    write_private(
        &config,
        &format!(
            "[scan]\nsubnets = [\"198.18.60.0/24\"]\ninterval = \"10s\"\ntimeout_ms = 200\nreverse_dns = false\n\n\
             [store]\npath = \"{db}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n\
             [alerts]\nhostname = \"inventory-lab\"\n\n\
             [[alerts.syslog]]\naddress = \"{RECEIVER}:5514\"\ntransport = \"udp\"\n\n\
             [[alerts.syslog]]\naddress = \"{RECEIVER}:5514\"\ntransport = \"tcp\"\nfacility = \"daemon\"\n\n\
             [[alerts.webhook]]\nurl = \"http://{RECEIVER}:8080/hook?tenant=lab\"\nheaders = {{ X-Tenant = \"lab\" }}\n\n\
             [[alerts.webhook]]\nurl = \"http://bot:SECRETPASS1@{RECEIVER}:8081/flaky?token=SECRETTOKEN1\"\n\n\
             [[alerts.webhook]]\nurl = \"http://{RECEIVER}:8082/slow?token=SECRETTOKEN2\"\ntimeout = \"1s\"\nheaders = {{ Authorization = \"Bearer SECRETHEADER2\" }}\n\n\
             [[alerts.webhook]]\nurl = \"http://bot:SECRETPASS3@{RECEIVER}:8099/down?token=SECRETTOKEN3\"\n\n\
             [[alerts.webhook]]\nurl = \"http://{RECEIVER}:8080/high-only\"\nmin_severity = \"high\"\n\n\
             [[alerts.webhook]]\nurl = \"https://{RECEIVER}:8443/tls\"\nca_file = \"{ca}\"\n",
            db = db.display(),
            ca = dir.join("ca.pem").display(),
        ),
    );
    let config_text = std::fs::read_to_string(&config).unwrap();
    let check = Command::new(bin())
        .args(["check-config", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&check.stdout).to_string()
        + &String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "{shown}");
    assert!(
        shown.contains("webhook http://198.18.60.10:8081/flaky?…"),
        "{shown}"
    );
    assert!(shown.contains("syslog tcp://198.18.60.10:5514"), "{shown}");
    assert!(
        !shown.contains("SECRET"),
        "check-config shows a secret: {shown}"
    );

    let log = dir.join("daemon.log");
    let daemon = start(&lab, &config, &log);
    let read_log = || std::fs::read_to_string(&log).unwrap_or_default();
    let ok_file = dir.join("ok.jsonl");
    // The syslog receivers and the answering webhook have all three while
    // the slow one is still on its first event (its tries take ~20 s).
    let got = poll(Duration::from_secs(30), || {
        let udp = syslog_events(&files(&syslog_dir, "udp"));
        let tcp: Vec<Vec<u8>> = files(&syslog_dir, "tcp")
            .iter()
            .flat_map(|s| frames(s).expect("octet-counted frames"))
            .collect();
        let tcp = syslog_events(&tcp);
        let ok: Vec<i64> = hooks(&ok_file)
            .iter()
            .filter(|(_, r)| r["path"] == "/hook?tenant=lab")
            .map(|(id, _)| *id)
            .collect();
        (has_all(&udp, &mine) && has_all(&tcp, &mine) && has_all(&ok, &mine))
            .then_some((udp, tcp, ok))
    });
    let slow_gave_up = read_log()
        .lines()
        .any(|l| l.contains("alert not delivered") && l.contains("8082/slow?…"));
    let (udp, tcp, ok) =
        got.unwrap_or_else(|| panic!("alerts did not arrive; log:\n{}", read_log()));
    once(udp, "UDP syslog");
    once(tcp, "TCP syslog");
    once(ok, "webhook");
    assert!(
        !slow_gave_up,
        "the others were served while the slow webhook was still trying: {}",
        read_log()
    );

    // The body as documented; headers the config named; the hostile
    // summary intact in JSON.
    let reqs = hooks(&ok_file);
    let (_, second) = reqs.iter().find(|(id, _)| *id == mine[1]).unwrap();
    let body: serde_json::Value = serde_json::from_str(second["body"].as_str().unwrap()).unwrap();
    assert_eq!(body["finding"]["kind"], "randomized_mac");
    assert_eq!(
        body["finding"]["summary"],
        "hostile \"name\"] \\ with\u{240a}newline 设备"
    );
    assert_eq!(body["finding"]["evidence"][0]["source"], "arp");
    assert_eq!(header(second, "X-Tenant"), Some("lab"));
    assert_eq!(
        header(second, "Idempotency-Key"),
        Some(mine[1].to_string().as_str())
    );
    assert_eq!(header(second, "Content-Type"), Some("application/json"));
    // min_severity = high: only the high finding.
    let high: Vec<&serde_json::Value> = reqs
        .iter()
        .filter(|(_, r)| r["path"] == "/high-only")
        .map(|(_, r)| r)
        .collect();
    assert!(
        high.iter().any(|r| r["body"]
            .as_str()
            .unwrap()
            .contains(&format!("\"event_id\":{}", mine[0]))),
        "{high:?}"
    );
    for r in &high {
        let body: serde_json::Value = serde_json::from_str(r["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["finding"]["severity"], "high", "{body}");
    }

    // Two more events while it runs: sent after the next run finishes.
    {
        let c = Connection::open(&db).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c.execute(
            "UPDATE findings SET state = 'resolved' WHERE id = ?1",
            [first_finding],
        )
        .unwrap();
        mine.push(add_event(&c, first_finding, "resolved"));
        let f5 = add_finding(
            &c,
            "ip_conflict",
            "medium",
            "198.18.60.10 answered by two MACs",
        );
        mine.push(add_event(&c, f5, "opened"));
    }
    let flaky_file = dir.join("flaky.jsonl");
    let all = poll(Duration::from_secs(60), || {
        let ok: Vec<i64> = hooks(&ok_file)
            .iter()
            .filter(|(_, r)| r["path"] == "/hook?tenant=lab")
            .map(|(id, _)| *id)
            .collect();
        // Each event's second try on the flaky one (the first gets a 503).
        let flaky = hooks(&flaky_file);
        let retried = mine
            .iter()
            .all(|id| flaky.iter().filter(|(i, _)| i == id).count() >= 2);
        (has_all(&ok, &mine) && retried).then_some(())
    });
    assert!(
        all.is_some(),
        "later events did not arrive; log:\n{}",
        read_log()
    );

    // The flaky one: each event failed once (503) and was retried once.
    let mut tries: BTreeMap<i64, usize> = BTreeMap::new();
    for (id, r) in hooks(&flaky_file) {
        *tries.entry(id).or_default() += 1;
        assert!(
            header(&r, "Authorization").is_some_and(|a| a.starts_with("Basic ")),
            "user info as HTTP Basic: {r}"
        );
    }
    assert!(
        mine.iter().all(|id| tries.get(id) == Some(&2)) && tries.values().all(|n| *n <= 2),
        "one 503, one retry each: {tries:?}"
    );

    // Until the slow and dead webhooks have given up on everything, the
    // cursor stays; then a clean stop and a new start.
    let settled = poll(Duration::from_secs(90), || {
        (count(&db, "SELECT last_event_id FROM alert_state")
            == count(&db, "SELECT MAX(id) FROM finding_events"))
        .then_some(())
    });
    stop(daemon);
    assert!(
        settled.is_some(),
        "the cursor reached the last event; log:\n{}",
        read_log()
    );
    let mut daemon = start(&lab, &config, &log);
    let runs_before = count(&db, "SELECT COUNT(*) FROM scans WHERE status = 'done'");
    let ran = poll(Duration::from_secs(40), || {
        (count(&db, "SELECT COUNT(*) FROM scans WHERE status = 'done'") > runs_before).then_some(())
    });
    assert!(
        ran.is_some(),
        "a run finished after the restart; log:\n{}",
        read_log()
    );

    // SIGHUP with a new webhook: it gets the events from then on only.
    write_private(
        &config,
        &format!("{config_text}\n[[alerts.webhook]]\nurl = \"http://{RECEIVER}:8080/added\"\n"),
    );
    let pid = nix::unistd::Pid::from_raw(daemon.id() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGHUP).unwrap();
    let added = poll(Duration::from_secs(20), || {
        read_log()
            .contains(
                "alert destination started destination=webhook http://198.18.60.10:8080/added",
            )
            .then_some(())
    });
    assert!(
        added.is_some(),
        "reload started the new webhook; log:\n{}",
        read_log()
    );
    {
        let c = Connection::open(&db).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        let f6 = add_finding(&c, "mac_moved", "medium", "52:54:00:60:00:0a moved");
        mine.push(add_event(&c, f6, "opened"));
    }
    let sixth_id = mine[5];
    let sixth = poll(Duration::from_secs(40), || {
        let reqs = hooks(&ok_file);
        let at = |path: &str| {
            reqs.iter()
                .any(|(id, r)| *id == sixth_id && r["path"] == path)
        };
        (at("/added") && at("/hook?tenant=lab")).then_some(())
    });
    assert!(
        sixth.is_some(),
        "the sixth event after the reload; log:\n{}",
        read_log()
    );
    std::thread::sleep(Duration::from_secs(2));
    if let Ok(Some(status)) = daemon.try_wait() {
        panic!("the daemon exited ({status}); log:\n{}", read_log());
    }
    stop(daemon);
    // A clean stop leaves every event delivered or given up: the cursor
    // is at the newest event, so the next start sends nothing again.
    assert_eq!(
        count(&db, "SELECT last_event_id FROM alert_state"),
        count(&db, "SELECT MAX(id) FROM finding_events"),
        "log:\n{}",
        read_log()
    );
    let added: Vec<i64> = hooks(&ok_file)
        .iter()
        .filter(|(_, r)| r["path"] == "/added")
        .map(|(id, _)| *id)
        .collect();
    let added = once(added, "the webhook added by SIGHUP");
    assert!(added.contains(&sixth_id), "{added:?}");
    assert!(
        !mine[..5].iter().any(|id| added.contains(id)),
        "a destination added by SIGHUP starts from then on: {added:?}"
    );

    // Never twice: every event once per destination, across the restart.
    let ok = hooks(&ok_file)
        .iter()
        .filter(|(_, r)| r["path"] == "/hook?tenant=lab")
        .map(|(id, _)| *id)
        .collect();
    let tls = hooks(&dir.join("tls.jsonl"))
        .iter()
        .map(|(id, _)| *id)
        .collect();
    let udp = syslog_events(&files(&syslog_dir, "udp"));
    let tcp: Vec<Vec<u8>> = files(&syslog_dir, "tcp")
        .iter()
        .flat_map(|s| frames(s).expect("frames"))
        .collect();
    let tcp = syslog_events(&tcp);
    for (got, what) in [
        (ok, "webhook"),
        (tls, "HTTPS webhook, trusting the configured CA"),
        (udp, "UDP syslog"),
        (tcp, "TCP syslog"),
    ] {
        let got = once(got, what);
        assert!(
            has_all(&got, &mine),
            "{what}: {got:?} lacks some of {mine:?}"
        );
    }
    // The resolved event is informational (6) at local0 (UDP).
    let resolved = files(&syslog_dir, "udp")
        .into_iter()
        .find(|m| String::from_utf8_lossy(m).contains(&format!("event_id=\"{}\"", mine[3])))
        .unwrap();
    assert!(
        resolved.starts_with(b"<134>1 "),
        "{}",
        String::from_utf8_lossy(&resolved)
    );

    // The slow one was tried; the dead and slow ones were logged by their
    // redacted URLs; no secret anywhere in the log.
    assert!(
        !hooks(&dir.join("slow.jsonl")).is_empty(),
        "the slow receiver was tried"
    );
    let text = read_log();
    assert!(
        text.contains("webhook http://198.18.60.10:8099/down?…"),
        "{text}"
    );
    assert!(
        text.contains("webhook http://198.18.60.10:8082/slow?…"),
        "{text}"
    );
    assert!(text.contains("alert not delivered"), "{text}");
    assert!(!text.contains("SECRET"), "a secret in the log:\n{text}");
    // What an operator sees (with --nocapture).
    for line in text
        .lines()
        .filter(|l| l.contains("alert not delivered"))
        .take(4)
    {
        eprintln!("{line}");
    }
}
