//! Report benchmark: what the origin report and the evidence package cost
//! on a database made by the real ingest (`Store::record`, then
//! `Store::finish_run`, which derives devices and findings and writes the
//! run's origin snapshot).
//!
//! `cargo bench --bench report [-- DEVICES]` (default 5,000) ingests that
//! many hosts seen by ARP and ICMP (MAC blocks of a domestic, two foreign
//! and a locally administered maker, in turn) in three runs, then prints:
//! each run's `finish_run` time and its snapshot alone, the origin report
//! read, the evidence read, the package built (zip with XLSX and CSVs),
//! its size and the peak RSS. There is no peer to compare with: the
//! figures are for reading (e.g. that a snapshot is a small part of a
//! run), not targets. `cargo test --bench report` runs the same in the
//! test profile.

use pandian::fingerprint::Engine;
use pandian::inventory::Source;
use pandian::record::Seen;
use pandian::report::evidence;
use pandian::store::{DeriveOptions, RunEnd, RunStart, RunStatus, Store};
use std::net::{IpAddr, Ipv4Addr};
use std::time::Instant;

fn rss_peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let n: u32 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5_000)
        .min(65_000);
    let dir = std::env::temp_dir().join(format!("pandian-report-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("bench.db");
    let mut store = Store::open(&path).expect("open");
    let engine = Engine::builtin().expect("rules");
    let ouis: [[u8; 3]; 4] = [
        [0x00, 0xe0, 0xfc],
        [0x00, 0x00, 0x0c],
        [0x00, 0x1b, 0x21],
        [0x02, 0x00, 0x00],
    ];
    println!("report bench: {n} devices, 3 runs");
    for day in 0..3u32 {
        let seen: Vec<Seen> = (0..n)
            .map(|i| {
                let o = ouis[(i % 4) as usize];
                let b = i.to_be_bytes();
                Seen {
                    ip: Some(IpAddr::V4(Ipv4Addr::from(0xc612_0001 + i))),
                    mac: Some([o[0], o[1], o[2], b[1], b[2], b[3]]),
                    sources: vec![Source::Arp, Source::Icmp],
                    ..Seen::default()
                }
            })
            .collect();
        let time = format!("2026-11-{:02}T08:00:00Z", 20 + day);
        let id = store
            .begin_run(&RunStart {
                job: "default",
                started_at: &time,
                targets: "198.18.0.0/16",
                exclude: "",
                addresses: 65_534,
                excluded: 0,
                rate: 1000,
                credentials: vec![],
            })
            .expect("begin");
        for batch in seen.chunks(1000) {
            store.record(id, batch).expect("record");
        }
        let t = Instant::now();
        store
            .finish_run(
                id,
                &RunEnd {
                    status: RunStatus::Done,
                    error: None,
                    finished_at: time.clone(),
                    answered: seen.len(),
                    snmp_ok: 0,
                },
                &engine,
                &DeriveOptions::default(),
            )
            .expect("finish");
        let run_s = t.elapsed().as_secs_f64();
        let t = Instant::now();
        pandian::store::origin::snapshot(store.connection(), id).expect("snapshot");
        println!(
            "run {id}: finish_run {run_s:.2} s, of which the origin snapshot (written again alone) {:.1} ms",
            t.elapsed().as_secs_f64() * 1000.0
        );
    }
    let now = "2026-11-22T12:00:00Z";
    let t = Instant::now();
    let report = store.origin_report(now, None).expect("report");
    println!(
        "origin report read: {:.1} ms ({} devices, {} vendors, {} unknown)",
        t.elapsed().as_secs_f64() * 1000.0,
        report.overall.total(),
        report.by_vendor.len(),
        report.unknown_total
    );
    let t = Instant::now();
    let data = store
        .evidence(now, "2026-11-22", "2026-11-22T23:59:59Z")
        .expect("evidence");
    let read_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let zip = evidence::package(&data).expect("package");
    println!(
        "evidence: read {read_s:.2} s, package built {:.2} s, {} devices, {} findings, {:.0} KiB; peak RSS {:.0} MiB",
        t.elapsed().as_secs_f64(),
        data.inventory.len(),
        data.findings.len(),
        zip.len() as f64 / 1024.0,
        rss_peak_mib()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
