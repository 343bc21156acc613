//! Fingerprints per second on one core over the labelled dev set in
//! `../shared/fixtures` (read in place). Prints the figure; skips when the
//! fixtures are absent.
//!
//! Run: `cargo bench --bench fingerprint`. First the engine's start-up:
//! `Engine::builtin` (load, validate, build the matchers) timed 7 times,
//! first and median printed (`PANDIAN_BENCH_ONLY=load` stops there, and
//! repeats it 50 times for a profiler). Then recordings are parsed once up
//! front (parse speed is printed separately); the timed loop is
//! `Engine::identify` only, single-threaded.

use std::path::{Path, PathBuf};
use std::time::Instant;

use pandian::facts::DeviceFacts;
use pandian::fingerprint::Engine;

/// Time `Engine::builtin` `n` times: (first, median) in ms.
fn start_up(n: usize) -> (f64, f64) {
    let mut times: Vec<f64> = (0..n)
        .map(|_| {
            let t = Instant::now();
            if let Err(e) = Engine::builtin() {
                panic!("{e}");
            }
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    let first = times.first().copied().unwrap_or_default();
    times.sort_by(f64::total_cmp);
    (first, times.get(n / 2).copied().unwrap_or_default())
}

fn main() {
    let only_load = std::env::var("PANDIAN_BENCH_ONLY").as_deref() == Ok("load");
    let (first, median) = start_up(if only_load { 50 } else { 7 });
    println!("engine start-up (Engine::builtin): first {first:.1} ms, median {median:.1} ms");
    if only_load {
        return;
    }
    let dir = std::env::var_os("PANDIAN_FIXTURES").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"),
        PathBuf::from,
    );
    let Ok(entries) = std::fs::read_dir(dir.join("snmprec")) else {
        println!("skipping: no fixtures at {}", dir.display());
        return;
    };
    let mut files: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    files.sort();
    let blobs: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    let bytes: usize = blobs.iter().map(Vec::len).sum();

    let t = Instant::now();
    let engine = match Engine::builtin() {
        Ok(e) => e,
        Err(e) => panic!("{e}"),
    };
    let load = t.elapsed();

    let t = Instant::now();
    let devices: Vec<DeviceFacts> = blobs
        .iter()
        .map(|b| DeviceFacts {
            snmp: pandian::recording::parse(b).facts,
            ..DeviceFacts::default()
        })
        .collect();
    let parse = t.elapsed();

    // Warm up, then time whole passes over the set for at least 3 seconds.
    let mut sink = 0usize;
    for d in &devices {
        sink += engine.identify(d).evidence.len();
    }
    let t = Instant::now();
    let mut n = 0usize;
    while t.elapsed().as_secs_f64() < 3.0 {
        for d in &devices {
            sink += engine.identify(d).evidence.len();
            n += 1;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "rules loaded and validated in {:.1} ms ({} rules)",
        load.as_secs_f64() * 1e3,
        engine.rule_count()
    );
    println!(
        "parsed {} recordings ({:.1} MB) in {:.0} ms",
        devices.len(),
        bytes as f64 / 1e6,
        parse.as_secs_f64() * 1e3
    );
    println!(
        "identify: {n} fingerprints in {secs:.2} s = {:.0} fingerprints/s on one core (checksum {sink})",
        n as f64 / secs
    );
}
