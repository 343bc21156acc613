//! SNMP benchmark, in the lab's namespaces, same run for both sides:
//!
//! 1. full walk (1.3.6.1) of the largest fixture recording served by
//!    snmpsimd: Pandian's walker vs `snmpbulkwalk` (same max-repetitions);
//! 2. full walk of a net-snmp `snmpd` (v2c and v3 authPriv): same comparison;
//! 3. requests per second through one shared transport against one snmpd
//!    (system-group probes, v2c and v3), at a fixed concurrency.
//!
//! Run as root: `cargo bench --bench snmp_walk` (skips with a message
//! otherwise). Prints wall times and ratios; they vary run to run and with
//! the machine, so read the ratio, not the absolute figure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pandian::facts::Oid;
use pandian::lab::{HostSpec, Lab, LabSpec, SnmpdSpec, V3User};
use pandian::snmp::{Collector, CollectorOptions, CredentialConfig, Depth, cli_credentials};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CHILD: &str = "PANDIAN_SNMP_BENCH_CHILD";
const RECORDING: &str = "ciena-saos_cn5164";
const ROUNDS: usize = 3;
const REPS: u32 = 25;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 70, o)
}

fn main() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    if !pandian::lab::is_root() {
        eprintln!("snmp_walk bench skipped: it needs root (network namespaces)");
        return;
    }
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("../shared/fixtures/snmprec/{RECORDING}.snmprec"));
    if !fixture.is_file()
        || pandian::lab::which("snmpsimd").is_none()
        || pandian::lab::which("snmpbulkwalk").is_none()
    {
        eprintln!("snmp_walk bench skipped: needs ../shared/fixtures, snmpsimd and snmpbulkwalk");
        return;
    }
    let spec = LabSpec {
        prefix: format!("pbn{}", std::process::id() % 100_000),
        base: ipnetwork::Ipv4Network::new(ip(0), 24).unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        router_snmpd: None,
        hosts: vec![
            HostSpec {
                label: "snmpd".into(),
                segment: 0,
                ip: ip(10),
                mac: [0x00, 0x1b, 0x54, 0x70, 0x00, 0x10],
                drop_icmp: false,
                snmpd: Some(SnmpdSpec {
                    communities: vec!["public".into()],
                    v3_users: vec![V3User {
                        name: "bench".into(),
                        auth_protocol: "SHA-256".into(),
                        auth_password: "bench auth pass".into(),
                        priv_protocol: Some("AES".into()),
                        priv_password: Some("bench priv pass".into()),
                    }],
                    sys_descr: "bench agent".into(),
                    sys_object_id: "1.3.6.1.4.1.8072.3.2.10".into(),
                    sys_name: "bench".into(),
                    sys_contact: "bench".into(),
                    sys_location: "bench".into(),
                    extra: vec![],
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "snmpsim".into(),
                segment: 0,
                ip: ip(12),
                mac: [0x00, 0x1b, 0x54, 0x70, 0x00, 0x12],
                drop_icmp: false,
                snmpd: None,
            },
        ],
    };
    let mut lab = Lab::up(spec).expect("lab up");
    let ns = lab.host_ns(1);
    pandian::lab::start_snmpsim(&mut lab, &ns, ip(12), std::slice::from_ref(&fixture))
        .expect("snmpsimd");
    let exe = std::env::current_exe().unwrap();
    let status = lab
        .command_in(&lab.scanner_ns(), &exe)
        .env(CHILD, "1")
        .env("MIBS", "")
        .status()
        .unwrap();
    lab.down();
    assert!(status.success(), "benchmark child failed");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// snmpbulkwalk wall time and line count.
fn netsnmp(args: &[&str], target: Ipv4Addr) -> (Duration, usize) {
    let t = Instant::now();
    let out = Command::new("snmpbulkwalk")
        .args(["-m", "", "-On", "-t", "5", "-r", "2", &format!("-Cr{REPS}")])
        .args(args)
        .arg(target.to_string())
        .arg("1.3.6.1")
        .env("MIBS", "")
        .output()
        .expect("snmpbulkwalk");
    // Distinct OIDs read (net-snmp repeats the last OID with "No more
    // variables left in this MIB View", and strings may span lines).
    let n = pandian::recording::parse(&out.stdout).facts.len();
    (t.elapsed(), n)
}

fn child() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        // Wait (bounded) for snmpsimd.
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(60) {
            let ok = Command::new("snmpget")
                .args(["-m", "", "-v2c", "-t", "1", "-r", "0", "-c", RECORDING, &ip(12).to_string(), "1.3.6.1.2.1.1.1.0"])
                .env("MIBS", "")
                .output()
                .map(|o| o.status.success())
                .unwrap_or(false);
            if ok {
                break;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
        let opts = CollectorOptions {
            timeout: Duration::from_secs(5),
            retries: 2,
            max_repetitions: REPS,
            device_budget: Duration::from_secs(600),
            max_requests_per_device: 1_000_000,
            ..CollectorOptions::default()
        };
        let c = Collector::new(opts).await.unwrap();
        let root = Oid::parse("1.3.6.1").unwrap();
        let v3 = CredentialConfig {
            name: "bench-v3".into(),
            version: "3".into(),
            user: Some("bench".into()),
            auth_protocol: Some("sha256".into()),
            auth_password: Some("bench auth pass".into()),
            priv_protocol: Some("aes".into()),
            priv_password: Some("bench priv pass".into()),
            ..CredentialConfig::default()
        }
        .validate()
        .unwrap();
        let v3_args = ["-v3", "-l", "authPriv", "-u", "bench", "-a", "SHA-256", "-A", "bench auth pass", "-x", "AES", "-X", "bench priv pass"];
        let cases: Vec<(String, Ipv4Addr, pandian::snmp::Credential, Vec<&str>)> = vec![
            (
                format!("snmpsimd {RECORDING} v2c"),
                ip(12),
                cli_credentials(&[RECORDING.to_string()], None, None, None).unwrap().remove(0),
                vec!["-v2c", "-c", RECORDING],
            ),
            ("snmpd v2c".into(), ip(10), cli_credentials(&["public".into()], None, None, None).unwrap().remove(0), vec!["-v2c", "-c", "public"]),
            ("snmpd v3 SHA-256/AES".into(), ip(10), v3.clone(), v3_args.to_vec()),
        ];
        println!("full walk of 1.3.6.1, max-repetitions {REPS}, median of {ROUNDS} rounds");
        println!("{:<40} {:>10} {:>10} {:>12} {:>12} {:>7}", "agent", "ours n", "theirs n", "ours", "snmpbulkwalk", "ratio");
        for (name, target, cred, args) in &cases {
            let mut ours = Vec::new();
            let mut theirs = Vec::new();
            let (mut n_ours, mut n_theirs) = (0, 0);
            for _ in 0..ROUNDS {
                let t = Instant::now();
                let (rows, end, _req) = c.walk_subtree(IpAddr::V4(*target), cred, &root, 10_000_000).await.unwrap();
                if !end.is_complete() {
                    eprintln!("{name}: our walk ended early: {end:?}");
                }
                ours.push(t.elapsed());
                n_ours = rows.len();
                let (d, n) = netsnmp(args, *target);
                theirs.push(d);
                n_theirs = n;
            }
            let (o, t) = (median(ours), median(theirs));
            println!(
                "{:<40} {:>10} {:>10} {:>10.3} s {:>10.3} s {:>7.2}",
                name,
                n_ours,
                n_theirs,
                o.as_secs_f64(),
                t.as_secs_f64(),
                o.as_secs_f64() / t.as_secs_f64()
            );
        }

        // Requests per second: system-group probes (one GET each) through the
        // collector's shared transport, CONCURRENCY in flight.
        const N: usize = 20_000;
        const CONCURRENCY: usize = 100;
        println!("\nrequests/second against one snmpd: {N} system-group GETs, {CONCURRENCY} in flight");
        for (name, cred) in [
            ("v2c", cli_credentials(&["public".into()], None, None, None).unwrap().remove(0)),
            ("v3 SHA-256/AES", v3.clone()),
        ] {
            let c = Collector::new(CollectorOptions {
                depth: Depth::System,
                concurrency: CONCURRENCY,
                timeout: Duration::from_secs(2),
                retries: 2,
                ..CollectorOptions::default()
            })
            .await
            .unwrap();
            let creds = Arc::new(vec![cred]);
            let t = Instant::now();
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..N {
                let (c, creds) = (c.clone(), creds.clone());
                set.spawn(async move { c.probe(IpAddr::V4(ip(10)), &creds, None).await.ok().flatten().map(|r| r.requests).unwrap_or(0) });
            }
            let mut requests = 0u64;
            let mut answered = 0usize;
            while let Some(r) = set.join_next().await {
                let n = r.unwrap_or(0);
                if n > 0 {
                    answered += 1;
                }
                requests += u64::from(n);
            }
            let secs = t.elapsed().as_secs_f64();
            println!("{name:<20} {answered} of {N} answered, {requests} requests in {secs:.2} s = {:.0} req/s", requests as f64 / secs);
        }
    });
}
