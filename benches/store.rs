//! Store benchmark: what the record costs at scale, through the real ingest
//! (`Store::record` in batches, then `Store::finish_run`, which derives
//! devices, identities and fingerprints) and the real read model.
//!
//! `cargo bench --bench store` ingests 65,000 devices (a /16 of hosts seen
//! by ARP and ICMP, one in a hundred an SNMP agent read from a fixture
//! recording in ../shared/fixtures when present, else a small synthetic
//! agent) in three runs: a first sighting, the same again, and one where 5%
//! moved address and 1% changed name. It prints each run's time, the
//! database size after it, the peak RSS, and read timings (a page of the
//! device list, a filtered search, one device page).
//!
//! `cargo bench --bench store -- --office-lab N` (root) also runs
//! `pandian scan --db` N times (200 in the note) on the standard lab and
//! prints the database size: what months of an office's scans cost.
//!
//! `cargo bench --bench store -- --daemon-lab N` (root) ingests the
//! 65,000 devices once, then starts `pandian serve` on that database in the
//! standard lab with four jobs every 10 s, lets it make N scheduled runs
//! (200 in the note) while the page and API are read, and prints the
//! daemon's RSS over the runs (start, every 20 runs, peak): flat or not.
//! `PANDIAN_BENCH_DB=FILE` keeps the ingested database for the next run;
//! `PANDIAN_BENCH_DAEMON_LOG=FILE` keeps the daemon's log.
//!
//! Figures, not assertions: sizes and times are for reading.

use pandian::facts::{Oid, SnmpFacts, Value};
use pandian::fingerprint::Engine;
use pandian::inventory::Source;
use pandian::record::{Seen, SnmpSeen};
use pandian::store::read::DeviceQuery;
use pandian::store::{DeriveOptions, RunEnd, RunStart, Store};
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Instant;

const DEVICES: u32 = 65_000;
const BATCH: usize = 1_000;

fn rss_peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

fn db_size_mib(path: &Path) -> f64 {
    ["", "-wal"]
        .iter()
        .filter_map(|ext| std::fs::metadata(format!("{}{ext}", path.display())).ok())
        .map(|m| m.len() as f64)
        .sum::<f64>()
        / (1024.0 * 1024.0)
}

/// SNMP agents to clone: fixture recordings when present.
fn agents() -> Vec<SnmpFacts> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/snmprec");
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files.iter().step_by(37).take(20) {
            if let Ok(bytes) = std::fs::read(f) {
                let facts = pandian::recording::parse(&bytes).facts;
                if !facts.is_empty() {
                    out.push(facts);
                }
            }
        }
    }
    if out.is_empty() {
        let mut f = SnmpFacts::new();
        let o = |s: &str| Oid::parse(s).unwrap_or_else(|_| Oid::from_arcs(vec![1, 3]));
        f.insert(
            o("1.3.6.1.2.1.1.1.0"),
            Value::OctetString(b"Cisco IOS Software, C2960X Software, Version 15.2(7)E4".to_vec()),
        );
        f.insert(
            o("1.3.6.1.2.1.1.2.0"),
            Value::ObjectId(o("1.3.6.1.4.1.9.1.1208")),
        );
        for i in 1..=48u32 {
            f.insert(
                o(&format!("1.3.6.1.2.1.2.2.1.2.{i}")),
                Value::OctetString(format!("Gi1/0/{i}").into_bytes()),
            );
        }
        out.push(f);
    }
    out
}

fn sighting(round: u32, i: u32, agents: &[SnmpFacts]) -> Seen {
    {
        {
            // 5% of hosts moved to another address in round 3.
            let moved = round == 3 && i.is_multiple_of(20);
            let host = if moved { i + DEVICES } else { i };
            let ip = Ipv4Addr::from(0xC612_0000u32 + 1 + (host % 131_000));
            let mac = [0x00, 0x1b, 0x21, (i >> 16) as u8, (i >> 8) as u8, i as u8];
            let renamed = round == 3 && i % 100 == 1;
            let mut s = Seen {
                ip: Some(IpAddr::V4(ip)),
                mac: Some(mac),
                sources: vec![Source::Arp, Source::Icmp, Source::Dns],
                rtt_ms: Some(f64::from(i % 7) / 10.0),
                hostname: Some(format!(
                    "host{i}{}.example.test",
                    if renamed { "-new" } else { "" }
                )),
                ..Seen::default()
            };
            if i.is_multiple_of(100) {
                let mut facts = agents[(i as usize / 100) % agents.len()].clone();
                // Each clone its own serials and bridge MAC (a clone is another
                // device of the same model), and its own engine ID.
                let suffix = format!("-{i}");
                let serial_cols = [
                    Oid::from_arcs(vec![1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, 11]),
                    Oid::from_arcs(vec![1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17]),
                ];
                let renamed: Vec<(Oid, Value)> = serial_cols
                    .iter()
                    .flat_map(|col| {
                        facts
                            .subtree(col)
                            .map(|(o, v)| (o.clone(), v.clone()))
                            .collect::<Vec<_>>()
                    })
                    .filter_map(|(o, v)| match v {
                        Value::OctetString(mut b) if !b.is_empty() => {
                            b.extend_from_slice(suffix.as_bytes());
                            Some((o, Value::OctetString(b)))
                        }
                        _ => None,
                    })
                    .collect();
                for (o, v) in renamed {
                    facts.insert(o, v);
                }
                for base in [
                    Oid::from_arcs(vec![1, 3, 6, 1, 2, 1, 17, 1, 1, 0]),
                    Oid::from_arcs(vec![1, 0, 8802, 1, 1, 2, 1, 3, 2, 0]),
                ] {
                    if facts.get(&base).is_some() {
                        facts.insert(
                            base,
                            Value::OctetString(vec![
                                0x00,
                                0x1b,
                                0x22,
                                (i >> 16) as u8,
                                (i >> 8) as u8,
                                i as u8,
                            ]),
                        );
                    }
                }
                // Each clone its own engine ID, so identity keeps them apart.
                facts.insert(
                    Oid::from_arcs(vec![1, 3, 6, 1, 6, 3, 10, 2, 1, 1, 0]),
                    Value::OctetString(
                        [0x80, 0, 0x1f, 0x88, 0x80]
                            .into_iter()
                            .chain(i.to_be_bytes())
                            .collect(),
                    ),
                );
                s.sources.push(Source::Snmp);
                s.sources.sort();
                s.snmp = Some(SnmpSeen {
                    version: "2c".into(),
                    credential: "office".into(),
                    facts,
                    walked_at: None,
                });
            }
            s
        }
    }
}

fn ingest(store: &mut Store, engine: &Engine, round: u32, agents: &[SnmpFacts], path: &Path) {
    let started = format!("2026-01-0{round}T00:00:00Z");
    let t = Instant::now();
    let id = store
        .begin_run(&RunStart {
            job: "default",
            started_at: &started,
            targets: "198.18.0.0/15",
            exclude: "",
            addresses: 131_070,
            excluded: 0,
            rate: 10_000,
            credentials: vec!["office".into()],
        })
        .expect("begin");
    // Sightings made a batch at a time, as a scan streams them.
    let mut i = 0;
    while i < DEVICES {
        let batch: Vec<Seen> = (i..(i + BATCH as u32).min(DEVICES))
            .map(|n| sighting(round, n, agents))
            .collect();
        store.record(id, &batch).expect("record");
        i += BATCH as u32;
    }
    let write = t.elapsed();
    let applied = store
        .finish_run(
            id,
            &RunEnd {
                status: pandian::store::RunStatus::Done,
                error: None,
                finished_at: started.clone(),
                answered: DEVICES as usize,
                snmp_ok: (DEVICES / 100) as usize,
            },
            engine,
            &DeriveOptions::default(),
        )
        .expect("finish");
    println!(
        "run {round}: record {:.1}s, derive {:.1}s ({} devices, {} new, {} fingerprinted); database {:.1} MiB; peak RSS {:.0} MiB",
        write.as_secs_f64(),
        (t.elapsed() - write).as_secs_f64(),
        applied.devices,
        applied.new_devices,
        applied.fingerprinted,
        db_size_mib(path),
        rss_peak_mib()
    );
}

fn reads(path: &Path) {
    let store = Store::open_read_only(path).expect("open");
    let time = |label: &str, f: &dyn Fn()| {
        let t = Instant::now();
        for _ in 0..5 {
            f();
        }
        println!(
            "read {label}: {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0 / 5.0
        );
    };
    time("first page of 100 by address", &|| {
        let _ = store.devices(&DeviceQuery::default());
    });
    let mut q = DeviceQuery::default();
    let _ = q.set_sort("-last_seen");
    time("page of 100 by last seen", &|| {
        let _ = store.devices(&q);
    });
    let q = DeviceQuery {
        q: Some("host6400".into()),
        ..DeviceQuery::default()
    };
    time("search 'host6400'", &|| {
        let _ = store.devices(&q);
    });
    let mut q = DeviceQuery::default();
    let _ = q.set_subnet("198.18.200.0/24");
    time("subnet filter /24", &|| {
        let _ = store.devices(&q);
    });
    // The API's filters (each reads an index; see read_plan_tests.rs).
    type Set = fn(&mut DeviceQuery);
    let filters: [(&str, Set); 7] = [
        ("filter job", |q| {
            let _ = q.set_job("default");
        }),
        ("filter finding=any", |q| {
            let _ = q.set_finding("any");
        }),
        ("filter origin=foreign", |q| {
            let _ = q.set_origin("foreign");
        }),
        ("filter vendor", |q| q.vendor = Some("cisco".into())),
        ("filter class", |q| q.class = Some("switch".into())),
        ("filter since, by last seen", |q| {
            let _ = q.set_since("2026-01-01T00:00:00Z");
            let _ = q.set_sort("-last_seen");
        }),
        ("page 11 of 100 (keyset)", |_| {}),
    ];
    for (label, set) in filters {
        let mut q = DeviceQuery::default();
        set(&mut q);
        if label.starts_with("page 11") {
            for _ in 0..10 {
                q.after = store
                    .devices(&q)
                    .ok()
                    .and_then(|p| p.ok())
                    .and_then(|p| p.next);
            }
        }
        time(label, &|| {
            let _ = store.devices(&q);
        });
    }
    time("metrics counts", &|| {
        let _ = store.metric_counts();
    });
    time("one SNMP device's page", &|| {
        let _ = store.device(101);
    });
    time("overview", &|| {
        let _ = store.overview();
    });
}

fn office_lab(scans: usize) {
    if !pandian::lab::is_root() {
        println!("office lab: SKIPPED (needs root for the lab's namespaces)");
        return;
    }
    let lab = match pandian::lab::Lab::up(pandian::lab::standard(
        &format!("pbs{}", std::process::id() % 100_000),
        0,
    )) {
        Ok(l) => l,
        Err(e) => {
            println!("office lab: SKIPPED ({e})");
            return;
        }
    };
    let db = lab.dir().join("office.db");
    let bin = env!("CARGO_BIN_EXE_pandian");
    let t = Instant::now();
    for i in 0..scans {
        let out = pandian::lab::run_in(&lab.scanner_ns(), bin)
            .args([
                "scan",
                "198.18.0.0/24",
                "198.18.1.0/24",
                "-c",
                "public",
                "-c",
                "huawei-ro",
                "--timeout",
                "300",
                "--format",
                "jsonl",
                "--db",
            ])
            .arg(&db)
            .output()
            .expect("scan");
        if !out.status.success() {
            println!(
                "office lab: scan {i} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            return;
        }
    }
    let store = Store::open_read_only(&db).expect("open");
    let rows: i64 = store
        .connection()
        .query_row("SELECT COUNT(*) FROM observations", [], |r| r.get(0))
        .unwrap_or(0);
    println!(
        "office lab: {scans} scans in {:.0}s; database {:.2} MiB; {rows} observation rows; {} devices",
        t.elapsed().as_secs_f64(),
        db_size_mib(&db),
        store.overview().map(|o| o.devices).unwrap_or(0)
    );
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

fn http_get(port: u16, path: &str) -> usize {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return 0;
    };
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(30)));
    let _ = write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    let mut body = Vec::new();
    let _ = s.read_to_end(&mut body);
    body.len()
}

/// The daemon's stderr: the file PANDIAN_BENCH_DAEMON_LOG names, else nowhere.
fn daemon_log() -> std::process::Stdio {
    std::env::var_os("PANDIAN_BENCH_DAEMON_LOG")
        .and_then(|p| std::fs::File::create(p).ok())
        .map_or_else(std::process::Stdio::null, std::process::Stdio::from)
}

fn daemon_lab(runs: usize) {
    if !pandian::lab::is_root() {
        println!("daemon lab: SKIPPED (needs root for the lab's namespaces)");
        return;
    }
    let lab = match pandian::lab::Lab::up(pandian::lab::standard(
        &format!("pbd{}", std::process::id() % 100_000),
        0,
    )) {
        Ok(l) => l,
        Err(e) => {
            println!("daemon lab: SKIPPED ({e})");
            return;
        }
    };
    let db = lab.dir().join("daemon.db");
    // PANDIAN_BENCH_DB=FILE keeps the ingested database there (made on the
    // first run, copied in on later ones), so repeated measurements skip the
    // ingest.
    let kept = std::env::var_os("PANDIAN_BENCH_DB").map(PathBuf::from);
    match &kept {
        Some(k) if k.exists() => {
            std::fs::copy(k, &db).expect("copy the kept database");
            println!("daemon lab: database copied from {}", k.display());
        }
        _ => {
            let engine = Engine::builtin().expect("rules");
            let agents = agents();
            let mut store = Store::open(&db).expect("open");
            ingest(&mut store, &engine, 1, &agents, &db);
            drop(store);
            if let Some(k) = &kept {
                std::fs::copy(&db, k).expect("keep the database");
            }
        }
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
        l.local_addr().expect("addr").port()
    };
    let mut config = format!(
        "[scan]\ntimeout_ms = 300\n\n[snmp]\ntimeout_ms = 500\nretries = 0\n\n\
         [[snmp.credentials]]\nname = \"public\"\nversion = \"2c\"\ncommunity = \"public\"\n\n\
         [[snmp.credentials]]\nname = \"huawei\"\nversion = \"2c\"\ncommunity = \"huawei-ro\"\n\n\
         [store]\npath = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n",
        db.display()
    );
    for (name, target) in [
        ("seg0-low", "198.18.0.0/25"),
        ("seg0-high", "198.18.0.128/25"),
        ("seg1", "198.18.1.0/24"),
        ("all", "198.18.0.0/23"),
    ] {
        config.push_str(&format!(
            "[[job]]\nname = \"{name}\"\ntargets = [\"{target}\"]\nschedule = \"10s\"\njitter = \"2s\"\n\n"
        ));
    }
    let path = lab.dir().join("daemon.toml");
    pandian::files::write_new(&path, config.as_bytes(), 0o600).expect("config");
    let bin = env!("CARGO_BIN_EXE_pandian");
    // `serve --netns` binds the page here (so this process can read it),
    // then scans from inside the lab's scanner namespace.
    let mut child = std::process::Command::new(bin)
        .args(["serve", "--config"])
        .arg(&path)
        .args(["--netns", &lab.scanner_ns()])
        .stdout(std::process::Stdio::null())
        .stderr(daemon_log())
        .spawn()
        .expect("serve");
    let pid = child.id();
    let done = || -> usize {
        Store::open_read_only(&db)
            .ok()
            .and_then(|s| {
                s.connection()
                    .query_row(
                        "SELECT COUNT(*) FROM scans WHERE status = 'done' AND job != 'default'",
                        [],
                        |r| r.get::<_, i64>(0),
                    )
                    .ok()
            })
            .unwrap_or(0) as usize
    };
    let t = Instant::now();
    let limit = std::time::Duration::from_secs(runs as u64 * 10 + 300);
    let mut next_report = 0;
    let mut samples = Vec::new();
    while t.elapsed() < limit {
        std::thread::sleep(std::time::Duration::from_secs(5));
        let n = done();
        let page = http_get(port, "/") + http_get(port, "/api/v1/devices?limit=1000");
        let (rss, hwm) = rss_of(pid);
        samples.push(rss);
        if n >= next_report {
            println!(
                "daemon lab: {n} runs after {:.0}s: RSS {rss:.0} MiB (peak {hwm:.0}); page+API {} KiB",
                t.elapsed().as_secs_f64(),
                page / 1024
            );
            next_report = n + 20;
        }
        if n >= runs {
            break;
        }
    }
    let (rss, hwm) = rss_of(pid);
    let _ = nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid as i32),
        nix::sys::signal::Signal::SIGTERM,
    );
    let _ = child.wait();
    let tenth = (samples.len() / 10).max(1);
    let avg = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
    println!(
        "daemon lab: {} runs over 65,000 stored devices in {:.0}s; RSS first tenth {:.0} MiB, last tenth {:.0} MiB, at the end {rss:.0} MiB, peak {hwm:.0} MiB; database {:.1} MiB",
        done(),
        t.elapsed().as_secs_f64(),
        avg(&samples[..tenth.min(samples.len())]),
        avg(&samples[samples.len().saturating_sub(tenth)..]),
        db_size_mib(&db)
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(pos) = args.iter().position(|a| a == "--daemon-lab") {
        let n = args
            .get(pos + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        daemon_lab(n);
        return;
    }
    if let Some(pos) = args.iter().position(|a| a == "--office-lab") {
        let n = args
            .get(pos + 1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(200);
        office_lab(n);
        return;
    }
    if let Some(pos) = args.iter().position(|a| a == "--reads") {
        // Only the reads, on a copy of a database made before (it is
        // migrated first, so give a copy).
        let path = PathBuf::from(args.get(pos + 1).expect("--reads DATABASE"));
        drop(Store::open(&path).expect("open and migrate"));
        reads(&path);
        return;
    }
    let dir = std::env::temp_dir().join(format!("pandian-store-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("bench.db");
    let engine = Engine::builtin().expect("rules");
    let agents = agents();
    println!(
        "store bench: {DEVICES} devices, {} SNMP agents cloned from {} recordings; RSS before ingest {:.0} MiB",
        DEVICES / 100,
        agents.len(),
        rss_peak_mib()
    );
    let mut store = Store::open(&path).expect("open");
    for round in 1..=3 {
        ingest(&mut store, &engine, round, &agents, &path);
    }
    drop(store);
    reads(&path);
    let t = Instant::now();
    let mut store = Store::open(&path).expect("open");
    let n = store
        .rebuild(&engine, &DeriveOptions::default())
        .expect("rebuild");
    println!(
        "rebuild: {n} runs in {:.1}s; database {:.1} MiB",
        t.elapsed().as_secs_f64(),
        db_size_mib(&path)
    );
    if std::env::var_os("PANDIAN_BENCH_KEEP").is_some() {
        println!("kept {}", path.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
