//! Status page under load at 65,000 devices, every one stored through the
//! real product:
//!
//! 1. `pandian scan --db` (this build's binary) in namespaces this bench
//!    makes ([`lab`]): a /16 where every address answers ARP and SNMP
//!    (one snmpd, system group; 65,280 addresses), then [`SIM_DEVICES`] real device
//!    recordings served by snmpsimd, walked at full depth, into the same
//!    database. It prints the device count and the database size.
//!    `PANDIAN_BENCH_DB=FILE` keeps that database (made on the first run,
//!    copied in on later ones: the daemon's runs change the copy only).
//! 2. `pandian serve` on it, with jobs every [`SCHEDULE_S`] s scanning two
//!    /24s of the /16 and four of the simulated devices (full depth), so
//!    scans commit while the page is read.
//! 3. `wrk -t2 -c16 -d20s --latency` on the device list, a filter matching
//!    nearly every device, a selective search, the page of the largest
//!    full-depth device, and the dashboard. It prints p50/p99 and
//!    requests/s per page, the daemon's RSS during and after, and whether
//!    the jobs kept their schedule while loaded (runs and start gaps).
//!
//! Targets (issue 15): p99 < 50 ms, daemon RSS < 100 MB. Figures, not
//! assertions. Run as root: `cargo bench --bench web_load` (skips
//! otherwise); `-- --seconds N --connections C` changes the load,
//! `-- --build-only` stops after the database is made;
//! `PANDIAN_BENCH_DAEMON_LOG=FILE` keeps the daemon's log.

#[path = "web_load/lab.rs"]
mod lab;
#[path = "web_load/wrk.rs"]
mod wrk;

use lab::WebLab;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Recordings walked at full depth.
const SIM_DEVICES: usize = 48;
/// The daemon's jobs' interval, seconds.
const SCHEDULE_S: u64 = 15;
/// Their jitter, seconds.
const JITTER_S: u64 = 1;

/// The p99 and RSS the issue asks for.
const P99_TARGET_MS: f64 = 50.0;
const RSS_TARGET_MB: f64 = 100.0;
/// [`RSS_TARGET_MB`] (10^6 bytes, as the issue gives it) in MiB, the unit
/// /proc reports: 95.4.
const RSS_TARGET_MIB: f64 = RSS_TARGET_MB * 1e6 / (1024.0 * 1024.0);

fn db_size_mib(path: &Path) -> f64 {
    ["", "-wal"]
        .iter()
        .filter_map(|ext| std::fs::metadata(format!("{}{ext}", path.display())).ok())
        .map(|m| m.len() as f64)
        .sum::<f64>()
        / (1024.0 * 1024.0)
}

/// Recordings of 20 KB to 400 KB (real tables, walked in seconds), spread
/// over the alphabet (so over vendors).
fn recordings() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/snmprec");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "snmprec"))
                .filter(|p| {
                    std::fs::metadata(p).is_ok_and(|m| (20_000..400_000).contains(&m.len()))
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    let step = (files.len() / SIM_DEVICES).max(1);
    files.into_iter().step_by(step).take(SIM_DEVICES).collect()
}

/// VmRSS and VmHWM of `pid`, in MiB.
fn rss_of(pid: u32) -> (f64, f64) {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// `pandian ARGS` in the scanner's namespace: wall time and what it printed.
fn pandian(lab: &WebLab, bin: &str, args: &[&str]) -> Result<(Duration, String), String> {
    let t = Instant::now();
    let out = lab::in_ns(&lab.scanner_ns(), bin)
        .args(args)
        .output()
        .map_err(|e| format!("{bin}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "pandian {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok((
        t.elapsed(),
        String::from_utf8_lossy(&out.stdout).trim().to_string(),
    ))
}

/// The database through the real scans (or the kept one).
fn build_db(lab: &WebLab, bin: &str, db: &Path) -> Result<(), String> {
    let kept = std::env::var_os("PANDIAN_BENCH_DB").map(PathBuf::from);
    if let Some(k) = kept.as_ref().filter(|k| k.exists()) {
        std::fs::copy(k, db).map_err(|e| format!("copy {}: {e}", k.display()))?;
        println!("database copied from {}", k.display());
        return Ok(());
    }
    let db_s = db.display().to_string();
    let (t, out) = pandian(
        lab,
        bin,
        &[
            "scan",
            "198.19.0.0/16",
            // Not ICMP: with it only ~29,000 of the 65,280 are recorded (a
            // scanner issue of its own, see the report); ARP finds them all.
            "--probes",
            "arp,snmp",
            "--snmp-depth",
            "system",
            "-c",
            "public",
            "--rate",
            "30000",
            "--timeout",
            "1500",
            "--format",
            "summary",
            "--db",
            &db_s,
        ],
    )?;
    println!(
        "scan 198.19.0.0/16 (arp,snmp system group) into the database: {:.1}s: {out}; database {:.1} MiB",
        t.as_secs_f64(),
        db_size_mib(db)
    );
    let last = WebLab::sim_ip(lab.recordings.len().saturating_sub(1));
    let range = format!("{}-{}", lab::SIM_BASE, last.octets()[3]);
    let (t, out) = pandian(
        lab,
        bin,
        &[
            "scan",
            &range,
            "--probes",
            "arp,icmp,snmp",
            "--snmp-depth",
            "full",
            "-c",
            "public",
            "--snmp-timeout",
            "3000",
            "--format",
            "summary",
            "--db",
            &db_s,
        ],
    )?;
    println!(
        "scan {range} ({} snmpsimd recordings, full depth) into the same database: {:.1}s: {out}; database {:.1} MiB",
        lab.recordings.len(),
        t.as_secs_f64(),
        db_size_mib(db)
    );
    if let Some(k) = &kept {
        // A consistent copy: the scans have closed the database.
        std::fs::copy(db, k).map_err(|e| format!("keep {}: {e}", k.display()))?;
        println!("database kept as {}", k.display());
    }
    Ok(())
}

/// One page to load.
struct Endpoint {
    label: String,
    path: String,
    /// When not empty, wrk asks for these in turn (each of its threads
    /// walking the list from a place of its own) instead of `path` alone.
    rotate: Vec<String>,
}

/// What the database holds, and the pages to load.
fn survey(db: &Path) -> Result<Vec<Endpoint>, String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| e.to_string())?;
    let one = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap_or(0) };
    let devices = one("SELECT COUNT(*) FROM devices WHERE merged_into IS NULL");
    let snmp =
        one("SELECT COUNT(*) FROM devices WHERE merged_into IS NULL AND snmp_version IS NOT NULL");
    let observations = one("SELECT COUNT(*) FROM observations");
    println!(
        "database: {devices} devices ({snmp} with SNMP), {observations} record rows, {:.1} MiB",
        db_size_mib(db)
    );
    let group = |col: &str| -> Vec<(String, i64)> {
        conn.prepare(&format!(
            "SELECT COALESCE({col}, 'unknown'), COUNT(*) FROM devices WHERE merged_into IS NULL GROUP BY 1 ORDER BY 2 DESC"
        ))
        .and_then(|mut s| {
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<Result<Vec<_>, _>>()
        })
        .unwrap_or_default()
    };
    let origins = group("vendor_origin");
    let classes = group("class");
    println!("by origin: {origins:?}");
    println!("by class: {classes:?}");
    // The full-depth device with the most recorded SNMP (its page is the
    // heaviest to build).
    let (id, ip, name, bytes): (i64, String, String, i64) = conn
        .query_row(
            "SELECT d.id, COALESCE(d.ip, ''), COALESCE(d.sys_name, ''),
                    (SELECT SUM(length(o.value)) FROM device_subjects ds JOIN observations o ON o.subject_id = ds.subject_id
                     WHERE ds.device_id = d.id) AS n
             FROM devices d WHERE d.merged_into IS NULL AND d.ip LIKE '198.18.180.%'
             ORDER BY n DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, Option<i64>>(3)?.unwrap_or(0))),
        )
        .map_err(|e| format!("no full-depth device in the database: {e}"))?;
    println!(
        "device page: id {id} ({ip}, sysName {name:?}), {:.0} KiB of recorded values",
        bytes as f64 / 1024.0
    );
    // Many device pages in turn: every full-depth device and others
    // spread over the /16, mixed (each distinct page is decoded once,
    // then kept if it is large).
    let mut spread: Vec<String> = conn
        .prepare(
            "SELECT id FROM devices WHERE merged_into IS NULL AND ip LIKE '198.18.180.%'
             UNION ALL
             SELECT id FROM (SELECT id FROM devices WHERE merged_into IS NULL AND ip NOT LIKE '198.18.180.%'
                              AND id % 61 = 0 ORDER BY id LIMIT 952)",
        )
        .and_then(|mut st| {
            st.query_map([], |r| r.get::<_, i64>(0))?
                .map(|r| r.map(|id| format!("/devices/{id}")))
                .collect::<Result<Vec<_>, _>>()
        })
        .map_err(|e| format!("device pages: {e}"))?;
    // A fixed shuffle (a linear congruential generator), so runs compare.
    let mut x: u64 = 0x9e37_79b9;
    for i in (1..spread.len()).rev() {
        x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        spread.swap(i, (x >> 33) as usize % (i + 1));
    }
    // A selective search: a full-depth device's vendor and its class.
    let (vendor, class): (String, String) = conn
        .query_row(
            "SELECT vendor, class FROM devices WHERE merged_into IS NULL AND ip LIKE '198.18.180.%'
               AND vendor IS NOT NULL AND class IS NOT NULL ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap_or_else(|_| ("cisco".into(), "switch".into()));
    let broad = origins
        .first()
        .map_or_else(|| "foreign".to_string(), |(o, _)| o.clone());
    let broad_n = origins.first().map_or(0, |(_, n)| *n);
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    let (top_class, top_class_n) = classes
        .first()
        .cloned()
        .unwrap_or_else(|| ("switch".into(), 0));
    let q = vendor.to_lowercase();
    let selective_n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM devices WHERE merged_into IS NULL AND search LIKE ?1 AND class = ?2",
            [format!("%{q}%"), class.clone()],
            |r| r.get(0),
        )
        .unwrap_or(0);
    Ok(vec![
        Endpoint {
            label: "device list /".into(),
            path: "/".into(),
            rotate: Vec::new(),
        },
        Endpoint {
            label: format!("filter origin={broad} ({broad_n} match)"),
            path: format!("/?origin={}", enc(&broad)),
            rotate: Vec::new(),
        },
        Endpoint {
            label: format!("filter class={top_class} ({top_class_n} match)"),
            path: format!("/?class={}", enc(&top_class)),
            rotate: Vec::new(),
        },
        Endpoint {
            label: format!("search q={q}&class={class} ({selective_n} match)"),
            path: format!("/?q={}&class={}", enc(&q), enc(&class)),
            rotate: Vec::new(),
        },
        Endpoint {
            label: format!("device page /devices/{id}"),
            path: format!("/devices/{id}"),
            rotate: Vec::new(),
        },
        Endpoint {
            label: format!("device pages, {} in turn", spread.len()),
            path: spread
                .first()
                .cloned()
                .unwrap_or_else(|| format!("/devices/{id}")),
            rotate: spread,
        },
        Endpoint {
            label: "dashboard".into(),
            path: "/dashboard".into(),
            rotate: Vec::new(),
        },
    ])
}

/// The daemon's config: jobs every SCHEDULE_S scanning two /24s of the
/// /16 and four simulated devices at full depth.
fn config(db: &Path, port: u16) -> String {
    let mut c = format!(
        "[scan]\ntimeout_ms = 500\nreverse_dns = false\n\n[snmp]\ntimeout_ms = 3000\nretries = 1\n\n\
         [[snmp.credentials]]\nname = \"public\"\nversion = \"2c\"\ncommunity = \"public\"\n\n\
         [store]\npath = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n",
        db.display()
    );
    let sim_last = WebLab::sim_ip(3);
    let sim = format!("{}-{}", lab::SIM_BASE, sim_last.octets()[3]);
    for (name, target, depth) in [
        ("wide-a", "198.19.10.0/24".to_string(), "system"),
        ("wide-b", "198.19.200.0/24".to_string(), "system"),
        ("sim", sim, "full"),
    ] {
        c.push_str(&format!(
            "[[job]]\nname = \"{name}\"\ntargets = [\"{target}\"]\nprobes = [\"arp\", \"snmp\"]\n\
             snmp_depth = \"{depth}\"\nschedule = \"{SCHEDULE_S}s\"\njitter = \"{JITTER_S}s\"\n\n"
        ));
    }
    c
}

fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let _ = s.set_read_timeout(Some(Duration::from_secs(30)));
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    let mut rest = Vec::new();
    let _ = s.read_to_end(&mut rest);
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

/// One run of a job: (job, started, finished, status).
type Run = (String, i64, Option<i64>, String);

fn runs(db: &Path) -> Vec<Run> {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Vec::new();
    };
    conn.prepare(
        "SELECT job, started_at, finished_at, status FROM scans WHERE job != 'default' ORDER BY job, id",
    )
    .and_then(|mut s| {
        s.query_map([], |r| {
            let start: String = r.get(1)?;
            let end: Option<String> = r.get(2)?;
            Ok((
                r.get(0)?,
                pandian::timefmt::parse(&start).unwrap_or(0),
                end.as_deref().and_then(pandian::timefmt::parse),
                r.get(3)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()
    })
    .unwrap_or_default()
}

/// Whether each job started on schedule between `from` and `to`.
fn schedule_report(all: &[Run], from: i64, to: i64) {
    let mut jobs: Vec<&str> = all.iter().map(|r| r.0.as_str()).collect();
    jobs.dedup();
    let span = (to - from) as f64;
    for job in jobs {
        let mine: Vec<&Run> = all
            .iter()
            .filter(|r| r.0 == job && r.1 >= from && r.1 <= to)
            .collect();
        let starts: Vec<i64> = mine.iter().map(|r| r.1).collect();
        let gaps: Vec<i64> = starts.windows(2).map(|w| w[1] - w[0]).collect();
        let late = gaps
            .iter()
            .filter(|g| **g > (SCHEDULE_S + JITTER_S + 2) as i64)
            .count();
        let durations: Vec<i64> = mine.iter().filter_map(|r| r.2.map(|e| e - r.1)).collect();
        let not_done = mine.iter().filter(|r| r.3 != "done").count();
        println!(
            "job {job}: {} runs started during the {span:.0}s of load (schedule {SCHEDULE_S}s + up to {JITTER_S}s jitter: ~{:.0} expected); start gaps {}..{} s (median {}), {late} late by more than 2 s; run time {}..{} s; {not_done} not done",
            starts.len(),
            span / SCHEDULE_S as f64,
            gaps.iter().min().copied().unwrap_or(0),
            gaps.iter().max().copied().unwrap_or(0),
            {
                let mut g = gaps.clone();
                g.sort();
                g.get(g.len() / 2).copied().unwrap_or(0)
            },
            durations.iter().min().copied().unwrap_or(0),
            durations.iter().max().copied().unwrap_or(0),
        );
    }
}

/// The daemon's stderr: the file PANDIAN_BENCH_DAEMON_LOG names, else nowhere.
fn daemon_log() -> std::process::Stdio {
    std::env::var_os("PANDIAN_BENCH_DAEMON_LOG")
        .and_then(|p| std::fs::File::create(p).ok())
        .map_or_else(std::process::Stdio::null, std::process::Stdio::from)
}

/// The first view of each full-depth device's page, one at a time, before
/// any load (nothing decoded yet): p50 and the slowest, milliseconds.
fn first_views(port: u16, endpoints: &[Endpoint]) {
    let Some(pages) = endpoints.iter().find(|e| !e.rotate.is_empty()) else {
        return;
    };
    let mut ms: Vec<(f64, &str)> = Vec::new();
    for path in pages.rotate.iter().take(2000) {
        let t = Instant::now();
        if http_status(port, path) == Some(200) {
            ms.push((t.elapsed().as_secs_f64() * 1000.0, path));
        }
    }
    ms.sort_by(|a, b| a.0.total_cmp(&b.0));
    let at = |q: f64| ms.get(((ms.len() as f64 * q) as usize).min(ms.len().saturating_sub(1)));
    if let (Some(p50), Some(p99), Some(max)) = (at(0.5), at(0.99), ms.last()) {
        println!(
            "\nfirst view of {} device pages, one at a time: p50 {:.2} ms, p99 {:.2} ms, slowest {:.2} ms ({})",
            ms.len(),
            p50.0,
            p99.0,
            max.0,
            max.1
        );
    }
}

/// Load `endpoints` on the daemon at `port` (pid `pid`) one after the other.
fn load(port: u16, pid: u32, endpoints: &[Endpoint], seconds: u32, connections: u32) {
    first_views(port, endpoints);
    println!(
        "\nwrk -t2 -c{connections} -d{seconds}s --latency, one page after the other (targets: p99 < {P99_TARGET_MS} ms, RSS < {RSS_TARGET_MB} MB = {RSS_TARGET_MIB:.1} MiB)"
    );
    println!(
        "{:<44} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>11}  errors",
        "page",
        "p50 ms",
        "p75 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "requests",
        "req/s",
        "RSS max MiB"
    );
    for e in endpoints {
        let url = format!("http://127.0.0.1:{port}{}", e.path);
        let status = http_status(port, &e.path);
        // RSS sampled while wrk runs.
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut peak: f64 = 0.0;
                for _ in 0..100_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    peak = peak.max(rss_of(pid).0);
                    std::thread::sleep(Duration::from_millis(200));
                }
                peak
            })
        };
        let r = if e.rotate.is_empty() {
            wrk::run(&url, 2, connections, seconds)
        } else {
            wrk::run_rotating(&url, &e.rotate, 2, connections, seconds)
        };
        stop.store(true, Ordering::Relaxed);
        let peak = sampler.join().unwrap_or(0.0);
        match r {
            Ok(r) => println!(
                "{:<44} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8.2} {:>8} {:>8.0} {:>11.0}  {}{}{}",
                e.label,
                r.p50,
                r.p75,
                r.p90,
                r.p99,
                r.max,
                r.requests,
                r.per_second,
                peak,
                if r.p99 < P99_TARGET_MS {
                    "p99 ok"
                } else {
                    "p99 OVER"
                },
                if r.non_2xx + r.socket_errors + r.timeouts > 0 {
                    format!(
                        "; {} non-2xx, {} socket errors, {} timeouts",
                        r.non_2xx, r.socket_errors, r.timeouts
                    )
                } else {
                    String::new()
                },
                if status == Some(200) {
                    String::new()
                } else {
                    format!("; status {status:?}")
                }
            ),
            Err(why) => println!("{:<44} wrk failed: {why}", e.label),
        }
    }
}

/// Each store read the pages make, alone on one connection (median of
/// five, milliseconds): where a slow page spends its time.
fn reads(db: &Path, device: i64) {
    use pandian::store::read::DeviceQuery;
    let Ok(store) = pandian::store::Store::open_read_only(db) else {
        println!("reads: cannot open {}", db.display());
        return;
    };
    let time = |label: &str, f: &dyn Fn()| {
        let mut ms: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1000.0
            })
            .collect();
        ms.sort_by(f64::total_cmp);
        println!("  {label:<40} {:>8.2} ms", ms[2]);
    };
    println!(
        "store reads alone on one connection outside the read pool, so the counts are read each time (median of 5):"
    );
    time("overview", &|| drop(store.overview()));
    time("open_findings", &|| drop(store.open_findings()));
    time("metric_counts", &|| drop(store.metric_counts()));
    time("run_jobs + last_runs x3", &|| {
        let _ = store.run_jobs();
        for j in ["wide-a", "wide-b", "sim"] {
            let _ = store.last_runs(j);
        }
    });
    type Set = fn(&mut DeviceQuery);
    let lists: [(&str, Set); 5] = [
        ("devices: first page", |_| {}),
        ("devices: origin=unknown", |q| {
            let _ = q.set_origin("unknown");
        }),
        ("devices: origin=foreign", |q| {
            let _ = q.set_origin("foreign");
        }),
        ("devices: class=server", |q| q.class = Some("server".into())),
        ("devices: q=3com&class=switch", |q| {
            q.q = Some("3com".into());
            q.class = Some("switch".into());
        }),
    ];
    for (label, set) in lists {
        let mut q = DeviceQuery::default();
        set(&mut q);
        time(label, &|| drop(store.devices(&q)));
        if let Ok(Ok(plan)) = store.device_plan(&q) {
            println!("      plan: {}", plan.join(" / "));
        }
    }
    time(&format!("device {device}"), &|| drop(store.device(device)));
}

fn main() {
    if !pandian::lab::is_root() {
        eprintln!("web_load bench: SKIPPED (needs root for the lab's namespaces)");
        return;
    }
    for tool in ["wrk", "snmpd", "snmpget", "snmpsimd"] {
        if pandian::lab::which(tool).is_none() {
            eprintln!(
                "web_load bench: SKIPPED ({tool} not installed; scripts/setup-debian installs it)"
            );
            return;
        }
    }
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: u32| -> u32 {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let seconds = flag("--seconds", 20).clamp(1, 600);
    let connections = flag("--connections", 16).clamp(2, 1000);
    let bin = env!("CARGO_BIN_EXE_pandian");
    let recordings = recordings();
    let t = Instant::now();
    let lab = match WebLab::up(recordings) {
        Ok(l) => l,
        Err(e) => {
            println!("web_load bench: SKIPPED (lab: {e})");
            return;
        }
    };
    println!(
        "lab up in {:.1}s: 198.19.0.0/16 answering (but 198.19.255.0/24), {} snmpsimd devices from {}",
        t.elapsed().as_secs_f64(),
        lab.recordings.len(),
        lab.recordings
            .iter()
            .filter_map(|p| p.file_stem())
            .map(|s| s.to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let db = lab.dir().join("web-load.db");
    if let Err(e) = build_db(&lab, bin, &db) {
        println!("web_load bench: FAILED building the database: {e}");
        return;
    }
    let endpoints = match survey(&db) {
        Ok(e) => e,
        Err(e) => {
            println!("web_load bench: FAILED: {e}");
            return;
        }
    };
    // Migrate now (the daemon would at its start), so the reads below
    // are this build's.
    if let Err(e) = pandian::store::Store::open(&db) {
        println!("web_load bench: FAILED opening the database: {e}");
        return;
    }
    if let Some(id) = endpoints
        .iter()
        .find_map(|e| e.path.strip_prefix("/devices/"))
        .and_then(|id| id.parse().ok())
    {
        reads(&db, id);
        // The same on a copy with SQLite's statistics (what `PRAGMA
        // optimize` would collect): whether ANALYZE changes any plan.
        let analyzed = lab.dir().join("analyzed.db");
        let done = std::fs::copy(&db, &analyzed).is_ok()
            && rusqlite::Connection::open(&analyzed)
                .and_then(|c| c.execute_batch("PRAGMA analysis_limit = 400; ANALYZE;"))
                .is_ok();
        if done {
            println!("with ANALYZE (analysis_limit 400):");
            reads(&analyzed, id);
        }
        let _ = std::fs::remove_file(&analyzed);
    }
    if args.iter().any(|a| a == "--build-only") {
        return;
    }
    let port = {
        let Ok(l) = std::net::TcpListener::bind("127.0.0.1:0") else {
            println!("web_load bench: FAILED: no free port");
            return;
        };
        l.local_addr().map_or(0, |a| a.port())
    };
    let cfg = lab.dir().join("daemon.toml");
    if let Err(e) = pandian::files::write_new(&cfg, config(&db, port).as_bytes(), 0o600) {
        println!("web_load bench: FAILED writing the config: {e}");
        return;
    }
    let started = Instant::now();
    let mut child = match std::process::Command::new(bin)
        .args(["serve", "--config"])
        .arg(&cfg)
        .args(["--netns", &lab.scanner_ns()])
        .stdout(std::process::Stdio::null())
        .stderr(daemon_log())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            println!("web_load bench: FAILED starting the daemon: {e}");
            return;
        }
    };
    let pid = child.id();
    let mut up = false;
    for _ in 0..600 {
        if http_status(port, "/healthz") == Some(200) {
            up = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "daemon pid {pid} {} after {:.1}s; RSS {:.0} MiB",
        if up { "serving" } else { "NOT serving" },
        started.elapsed().as_secs_f64(),
        rss_of(pid).0
    );
    // Warm up: each job runs once before the load.
    for _ in 0..120 {
        let r = runs(&db);
        let done_jobs = ["wide-a", "wide-b", "sim"]
            .iter()
            .filter(|j| r.iter().any(|x| x.0 == **j && x.2.is_some()))
            .count();
        if done_jobs == 3 {
            break;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    let (rss, hwm) = rss_of(pid);
    println!(
        "every job ran once after {:.0}s; daemon RSS {rss:.0} MiB (peak {hwm:.0})",
        started.elapsed().as_secs_f64()
    );
    let from = now_secs();
    if up {
        load(port, pid, &endpoints, seconds, connections);
    }
    let to = now_secs();
    let (rss, hwm) = rss_of(pid);
    let threads = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("Threads:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        })
        .unwrap_or_default();
    println!(
        "\ndaemon RSS after the load {rss:.0} MiB, peak (VmHWM) {hwm:.0} MiB = {:.0} MB, {threads} threads: {}",
        hwm * 1024.0 * 1024.0 / 1e6,
        if hwm < RSS_TARGET_MIB {
            "under 100 MB"
        } else {
            "OVER 100 MB"
        }
    );
    // A last run may still be committing: let it finish.
    std::thread::sleep(Duration::from_secs(3));
    schedule_report(&runs(&db), from, to);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = child.wait();
    println!("database after the load {:.1} MiB", db_size_mib(&db));
}
