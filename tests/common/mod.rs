//! Helpers shared by the integration tests: lab gating, running the
//! binary, a tiny HTTP client for loopback.
#![allow(dead_code)]

use pandian::lab::{self, Lab, LabSpec};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Output;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

/// The built `pandian` binary, or the one `PANDIAN_TEST_BIN` names (to run
/// the command-line tests against another build, e.g. to see that a test
/// fails on an older one).
pub fn bin() -> &'static str {
    static BIN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    BIN.get_or_init(|| {
        std::env::var("PANDIAN_TEST_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_pandian").into())
    })
}

/// A namespace prefix unique to this process and call.
pub fn unique_prefix(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "pt{}{}{}",
        std::process::id() % 100_000,
        tag,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Build a lab, or say why not and return None (a skip). With
/// PANDIAN_REQUIRE_LAB=1 (CI) a skip is a failure.
pub fn lab_or_skip(spec: LabSpec) -> Option<Lab> {
    let require = std::env::var("PANDIAN_REQUIRE_LAB").is_ok_and(|v| v == "1");
    if !lab::is_root() {
        assert!(
            !require,
            "PANDIAN_REQUIRE_LAB=1 but not root: the lab tests need root"
        );
        eprintln!(
            "SKIPPED: lab tests need root (network namespaces); run as root or set PANDIAN_REQUIRE_LAB=1 in CI"
        );
        return None;
    }
    match Lab::up(spec) {
        Ok(l) => Some(l),
        Err(e) => {
            assert!(!require, "lab could not be built: {e}");
            eprintln!("SKIPPED: lab could not be built: {e}");
            None
        }
    }
}

/// Run pandian with `args` inside namespace `ns`.
pub fn pandian_in(ns: &str, args: &[&str]) -> Output {
    pandian_in_env(ns, args, &[])
}

/// Run pandian with `args` and extra environment variables inside `ns`.
pub fn pandian_in_env(ns: &str, args: &[&str], env: &[(&str, &str)]) -> Output {
    lab::run_in(ns, bin())
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run pandian")
}

/// Write a file only its owner may read (credentials, configs with secrets).
pub fn write_private(path: &std::path::Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).expect("write");
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
}

/// GET a path from 127.0.0.1:port; returns (status, body).
pub fn http_get(port: u16, path: &str) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_secs(2))?;
    s.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_string()
    };
    Ok((status, body))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    for _ in 0..100_000 {
        let Some((size, rest)) = body.split_once("\r\n") else {
            break;
        };
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// Poll `f` every 200 ms until it returns Some, for at most `limit`.
pub fn poll<T>(limit: Duration, mut f: impl FnMut() -> Option<T>) -> Option<T> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(v) = f() {
            return Some(v);
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    None
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// Every derived table of a Pandian database, row by row, as text (for
/// comparing a rebuild with the incremental tables).
pub fn dump_derived(db: &std::path::Path) -> Vec<String> {
    let conn = rusqlite::Connection::open(db).expect("open db");
    let mut out = Vec::new();
    for (table, order) in [
        ("devices", "id"),
        ("device_addresses", "device_id, ip"),
        ("device_macs", "device_id, mac"),
        ("device_keys", "device_id, kind, value"),
        ("device_subjects", "subject_id, first_run"),
        ("shared_macs", "mac"),
        ("identity_events", "id"),
        ("fingerprints", "device_id"),
    ] {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))
            .expect("query");
        let cols = stmt.column_count();
        let rows = stmt
            .query_map([], |r| {
                let mut line = format!("{table}:");
                for i in 0..cols {
                    let v: rusqlite::types::Value = r.get(i)?;
                    line.push_str(&format!(" {v:?}"));
                }
                Ok(line)
            })
            .expect("rows");
        for r in rows {
            out.push(r.expect("row"));
        }
    }
    out
}
