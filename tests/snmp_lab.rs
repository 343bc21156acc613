//! SNMP against real agents inside the test lab's network namespaces:
//! net-snmp `snmpd` with SNMPv3 users of every auth/priv kind and v1/v2c
//! communities, a v1-only agent, `snmpsimd` serving recordings from
//! ../shared/fixtures (read in place), a hostile agent (garbage, endless and
//! looping walks, hostile strings) and a flaky relay that drops every other
//! reply. Collected tables are compared with `snmpbulkwalk` output of the
//! same agent in the same run.
//!
//! The parent test builds the lab (needs root) and re-runs this test binary
//! inside the scanner's namespace, where the checks run; nothing is sent
//! outside the lab's namespaces. Skips when not root, unless
//! PANDIAN_REQUIRE_LAB=1 (then it fails).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use pandian::facts::{Oid, SnmpFacts, Value};
use pandian::lab::{HostSpec, Lab, LabSpec, SnmpdSpec, V3User};
use pandian::snmp::{
    Collector, CollectorOptions, Credential, CredentialConfig, Depth, SnmpReport, WalkEnd,
    cli_credentials, full_subtrees,
};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const CHILD: &str = "PANDIAN_SNMP_LAB_CHILD";
const BASE: u8 = 60;

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, BASE, o)
}

/// Recordings served by snmpsimd (community = file name): LLDP + Q-BRIDGE,
/// CDP, BRIDGE-MIB FDB + Huawei, a printer, an APC UPS, a UPS-MIB UPS.
const RECORDINGS: &[&str] = &[
    "edgecos_ecs4610-24f",
    "ios_2960x",
    "vrp_5720",
    "sharp_mxm266nv",
    "apc_sua750i",
    "poweralert_ups",
];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

/// Whether the shared recordings are here; without them the snmpsimd
/// check is skipped (said on stderr) and the others still run.
fn have_recordings() -> bool {
    fixtures().join("snmprec").is_dir()
}

struct User {
    name: &'static str,
    auth: (&'static str, &'static str),
    privacy: Option<(&'static str, &'static str)>,
}

/// v3 users of every kind: (net-snmp protocol names, our protocol names).
const USERS: &[User] = &[
    User {
        name: "md5auth",
        auth: ("MD5", "md5"),
        privacy: None,
    },
    User {
        name: "md5des",
        auth: ("MD5", "md5"),
        privacy: Some(("DES", "des")),
    },
    User {
        name: "shaaes",
        auth: ("SHA", "sha"),
        privacy: Some(("AES", "aes")),
    },
    User {
        name: "sha224auth",
        auth: ("SHA-224", "sha224"),
        privacy: None,
    },
    User {
        name: "sha256aes256",
        auth: ("SHA-256", "sha256"),
        privacy: Some(("AES-256", "aes256")),
    },
    User {
        name: "sha384aes192",
        auth: ("SHA-384", "sha384"),
        privacy: Some(("AES-192", "aes192")),
    },
    User {
        name: "shaaes256",
        auth: ("SHA", "sha"),
        privacy: Some(("AES-256", "aes256")),
    },
    User {
        name: "sha512aes",
        auth: ("SHA-512", "sha512"),
        privacy: Some(("AES", "aes")),
    },
];
const AUTH_PASS: &str = "lab auth passphrase";
const PRIV_PASS: &str = "lab priv passphrase";

fn spec() -> LabSpec {
    let prefix = format!("psn{}", std::process::id() % 100_000);
    let v3_users = USERS
        .iter()
        .map(|u| V3User {
            name: u.name.into(),
            auth_protocol: u.auth.0.into(),
            auth_password: AUTH_PASS.into(),
            priv_protocol: u.privacy.map(|p| p.0.into()),
            priv_password: u.privacy.map(|_| PRIV_PASS.into()),
        })
        .collect();
    LabSpec {
        prefix,
        base: ipnetwork::Ipv4Network::new(ip(0), 24).unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        router_snmpd: None,
        hosts: vec![
            HostSpec {
                label: "v3-agent".into(),
                segment: 0,
                ip: ip(10),
                mac: [0x00, 0x1b, 0x54, 0x60, 0x00, 0x10],
                drop_icmp: false,
                snmpd: Some(SnmpdSpec {
                    communities: vec!["public".into()],
                    v3_users,
                    sys_descr: "Lab agent with every SNMPv3 user kind".into(),
                    sys_object_id: "1.3.6.1.4.1.8072.3.2.10".into(),
                    sys_name: "v3-agent".into(),
                    sys_contact: "lab@example.test".into(),
                    sys_location: "lab".into(),
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "v1-only".into(),
                segment: 0,
                ip: ip(11),
                mac: [0x00, 0x1b, 0x54, 0x60, 0x00, 0x11],
                drop_icmp: false,
                snmpd: Some(SnmpdSpec {
                    v1_only_communities: vec!["oldie".into()],
                    sys_descr: "An agent that speaks SNMPv1 only".into(),
                    sys_object_id: "1.3.6.1.4.1.8072.3.2.10".into(),
                    sys_name: "v1-only".into(),
                    sys_contact: "lab@example.test".into(),
                    sys_location: "lab".into(),
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "snmpsim".into(),
                segment: 0,
                ip: ip(12),
                mac: [0x00, 0x1b, 0x54, 0x60, 0x00, 0x12],
                drop_icmp: false,
                snmpd: None,
            },
        ],
    }
}

fn lab_allowed(name: &str) -> bool {
    if pandian::lab::is_root() {
        return true;
    }
    assert!(
        std::env::var("PANDIAN_REQUIRE_LAB").as_deref() != Ok("1"),
        "{name}: PANDIAN_REQUIRE_LAB=1 but not root; the SNMP lab needs root (network namespaces)"
    );
    eprintln!(
        "skipping {name}: the SNMP lab needs root (network namespaces); run as root or set up sudo"
    );
    false
}

fn start_snmpsim(lab: &mut Lab) {
    let recordings: Vec<_> = RECORDINGS
        .iter()
        .map(|r| fixtures().join("snmprec").join(format!("{r}.snmprec")))
        .collect();
    let ns = lab.host_ns(2);
    pandian::lab::start_snmpsim(lab, &ns, ip(12), &recordings)
        .expect("snmpsimd serving the recordings");
}

#[test]
fn lab_snmp_agents_and_recordings() {
    if std::env::var_os(CHILD).is_some() {
        child();
        return;
    }
    if !lab_allowed("lab_snmp_agents_and_recordings") {
        return;
    }
    for tool in ["snmpsimd", "snmpbulkwalk"] {
        assert!(
            pandian::lab::which(tool).is_some(),
            "`{tool}` is missing: apt-get install snmpsim snmp"
        );
    }
    let mut lab = Lab::up(spec()).expect("lab up");
    if have_recordings() {
        start_snmpsim(&mut lab);
    }
    let exe = std::env::current_exe().unwrap();
    let status = lab
        .command_in(&lab.scanner_ns(), &exe)
        .args([
            "lab_snmp_agents_and_recordings",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("MIBS", "")
        .status()
        .unwrap();
    lab.down();
    assert!(
        status.success(),
        "SNMP lab checks failed (see output above)"
    );
}

// ---------------------------------------------------------------- the child

fn child() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut failures: Vec<String> = Vec::new();
    rt.block_on(async {
        let mut checks: Vec<(&str, Check)> = vec![
            ("v3 users of every kind", Box::pin(check_v3_users())),
            ("bad v3 passphrase is no answer", Box::pin(check_bad_v3())),
            (
                "AES-256 key extension variants",
                Box::pin(check_key_extension()),
            ),
            ("preferred credential first", Box::pin(check_preferred())),
            (
                "v3 full walk equals snmpbulkwalk",
                Box::pin(check_v3_full()),
            ),
            ("v1-only agent", Box::pin(check_v1_only())),
        ];
        if have_recordings() {
            checks.push((
                "recordings equal snmpbulkwalk",
                Box::pin(check_recordings()),
            ));
        } else {
            eprintln!(
                "skip recordings equal snmpbulkwalk: no recordings at {}",
                fixtures().join("snmprec").display()
            );
        }
        checks.push(("hostile agent", Box::pin(hostile::check_hostile())));
        checks.push(("flaky relay", Box::pin(hostile::check_flaky())));
        for (name, fut) in checks {
            let t = Instant::now();
            match fut.await {
                Ok(()) => eprintln!("ok   {name} ({:.1} s)", t.elapsed().as_secs_f64()),
                Err(e) => {
                    eprintln!("FAIL {name}: {e}");
                    failures.push(format!("{name}: {e}"));
                }
            }
        }
    });
    assert!(
        failures.is_empty(),
        "{} SNMP lab check(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One named check of the child, run in order.
type Check = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>>>>;

fn opts(depth: Depth) -> CollectorOptions {
    CollectorOptions {
        depth,
        timeout: Duration::from_millis(700),
        retries: 1,
        ..CollectorOptions::default()
    }
}

fn v3_cred(u: &User, auth_pass: &str) -> Credential {
    CredentialConfig {
        name: format!("lab-{}", u.name),
        version: "3".into(),
        user: Some(u.name.into()),
        auth_protocol: Some(u.auth.1.into()),
        auth_password: Some(auth_pass.into()),
        priv_protocol: u.privacy.map(|p| p.1.into()),
        priv_password: u.privacy.map(|_| PRIV_PASS.into()),
        ..CredentialConfig::default()
    }
    .validate()
    .unwrap()
}

async fn check_v3_users() -> Result<(), String> {
    let c = Collector::new(opts(Depth::System))
        .await
        .map_err(|e| e.to_string())?;
    for u in USERS {
        let cred = v3_cred(u, AUTH_PASS);
        let r = c
            .probe(IpAddr::V4(ip(10)), std::slice::from_ref(&cred), None)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("user {} ({}) got no answer", u.name, cred.summary()))?;
        if r.version != "3"
            || r.credential != cred.name()
            || r.sys_name.as_deref() != Some("v3-agent")
        {
            return Err(format!("user {}: unexpected report {r:?}", u.name));
        }
        if !r.interfaces.is_empty() || !r.entities.is_empty() {
            return Err("Depth::System must not walk tables".into());
        }
    }
    Ok(())
}

async fn check_bad_v3() -> Result<(), String> {
    let o = opts(Depth::System);
    let limit = o.timeout * (o.retries + 1) * 2 + Duration::from_secs(2);
    let c = Collector::new(o).await.map_err(|e| e.to_string())?;
    let cred = v3_cred(&USERS[2], "wrong passphrase!");
    let t = Instant::now();
    let r = c
        .probe(IpAddr::V4(ip(10)), &[cred], None)
        .await
        .map_err(|e| e.to_string())?;
    if r.is_some() {
        return Err("a wrong passphrase got an answer".into());
    }
    if t.elapsed() > limit {
        return Err(format!("took {:?}, more than {limit:?}", t.elapsed()));
    }
    Ok(())
}

/// net-snmp extends AES-256 keys the Blumenthal way: with SHA-1 auth (a
/// 20-byte key) a Reeder-only credential gets no answer, `both` does.
async fn check_key_extension() -> Result<(), String> {
    let c = Collector::new(opts(Depth::System))
        .await
        .map_err(|e| e.to_string())?;
    let user = USERS
        .iter()
        .find(|u| u.name == "shaaes256")
        .ok_or("no shaaes256 user")?;
    for (ext, should_answer) in [("reeder", false), ("both", true), ("blumenthal", true)] {
        let cred = CredentialConfig {
            name: format!("ext-{ext}"),
            version: "3".into(),
            user: Some(user.name.into()),
            auth_protocol: Some("sha".into()),
            auth_password: Some(AUTH_PASS.into()),
            priv_protocol: Some("aes256".into()),
            priv_password: Some(PRIV_PASS.into()),
            key_extension: Some(ext.into()),
            ..CredentialConfig::default()
        }
        .validate()
        .map_err(|e| e.to_string())?;
        let r = c
            .probe(IpAddr::V4(ip(10)), &[cred], None)
            .await
            .map_err(|e| e.to_string())?;
        if r.is_some() != should_answer {
            return Err(format!(
                "key_extension {ext}: answered {}, expected {should_answer}",
                r.is_some()
            ));
        }
    }
    Ok(())
}

async fn check_preferred() -> Result<(), String> {
    let c = Collector::new(opts(Depth::System))
        .await
        .map_err(|e| e.to_string())?;
    let creds = cli_credentials(
        &["wrong-community".into(), "public".into()],
        None,
        None,
        None,
    )
    .map_err(|e| e.to_string())?;
    let t = Instant::now();
    let r = c
        .probe(IpAddr::V4(ip(10)), &creds, Some("community-2"))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no answer")?;
    if r.credential != "community-2" || r.requests != 1 || t.elapsed() > Duration::from_millis(600)
    {
        return Err(format!(
            "preferred credential not tried first: {} requests, {:?}",
            r.requests,
            t.elapsed()
        ));
    }
    // Without the preference the wrong one costs a timeout first.
    let r = c
        .probe(IpAddr::V4(ip(10)), &creds, None)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no answer")?;
    if r.credential != "community-2" || r.version != "2c" {
        return Err(format!("fallback to the second community failed: {r:?}"));
    }
    Ok(())
}

// ----------------------------------------------------- snmpbulkwalk compare

/// `snmpbulkwalk -On -Ox` (or `snmpwalk` for v1) of `subtree`, parsed.
fn netsnmp_walk(args: &[&str], target: Ipv4Addr, subtree: &str, v1: bool) -> SnmpFacts {
    let prog = if v1 { "snmpwalk" } else { "snmpbulkwalk" };
    let out = Command::new(prog)
        .args(["-m", "", "-On", "-Ox", "-t", "2", "-r", "2"])
        .args(args)
        .arg(target.to_string())
        .arg(subtree)
        .env("MIBS", "")
        .output()
        .expect("snmpbulkwalk runs");
    pandian::recording::parse(&out.stdout).facts
}

/// Values that change between two reads of a live agent.
fn volatile(oid: &Oid, v: &Value) -> bool {
    let s = oid.to_string();
    matches!(
        v,
        Value::TimeTicks(_) | Value::Counter32(_) | Value::Counter64(_)
    ) || s.starts_with("1.3.6.1.2.1.25.1.")
        // hrStorageSize and hrStorageUsed: memory rows (cached, shared,
        // buffers) change size between two reads.
        || s.starts_with("1.3.6.1.2.1.25.2.3.1.5.")
        || s.starts_with("1.3.6.1.2.1.25.2.3.1.6.")
        || s.starts_with("1.3.6.1.2.1.25.3.3.1.2.")
        || s.starts_with("1.3.6.1.2.1.2.2.1.9.")
}

/// Compare what we collected under each Full-depth subtree with net-snmp's walk.
fn compare(
    report: &SnmpReport,
    args: &[&str],
    target: Ipv4Addr,
    v1: bool,
    live: bool,
) -> Result<usize, String> {
    let mut compared = 0;
    for (sub, max_rows) in full_subtrees() {
        let prefix = Oid::parse(&sub).unwrap();
        let theirs = netsnmp_walk(args, target, &sub, v1);
        let ours: BTreeMap<&Oid, &Value> = report.facts().subtree(&prefix).collect();
        let theirs: BTreeMap<&Oid, &Value> = theirs.subtree(&prefix).collect();
        if theirs.len() > max_rows {
            continue; // cut at our row limit on purpose
        }
        let ok: Vec<&&Oid> = ours.keys().collect();
        let tk: Vec<&&Oid> = theirs.keys().collect();
        if ok != tk {
            let missing: Vec<String> = theirs
                .keys()
                .filter(|k| !ours.contains_key(*k))
                .take(3)
                .map(|k| k.to_string())
                .collect();
            let extra: Vec<String> = ours
                .keys()
                .filter(|k| !theirs.contains_key(*k))
                .take(3)
                .map(|k| k.to_string())
                .collect();
            return Err(format!(
                "{sub}: {} OIDs collected, snmpbulkwalk has {}; missing e.g. {missing:?}, extra e.g. {extra:?}",
                ours.len(),
                theirs.len()
            ));
        }
        for (k, v) in &ours {
            let t = theirs[k];
            if live && volatile(k, v) {
                continue;
            }
            let same = match (v, t) {
                // -Ox prints every string as hex; Opaque and OctetString compare by bytes.
                (a, b) if a == &b => true,
                (Value::Gauge32(a), Value::Integer(b))
                | (Value::Counter32(a), Value::Integer(b)) => i64::from(*a) == *b,
                (a, b) => a.as_bytes().is_some() && a.as_bytes() == b.as_bytes(),
            };
            if !same {
                return Err(format!("{k}: we read {v:?}, snmpbulkwalk {t:?}"));
            }
            compared += 1;
        }
    }
    Ok(compared)
}

async fn check_v3_full() -> Result<(), String> {
    let c = Collector::new(opts(Depth::Full))
        .await
        .map_err(|e| e.to_string())?;
    let u = &USERS[4];
    let cred = v3_cred(u, AUTH_PASS);
    let r = c
        .probe(IpAddr::V4(ip(10)), &[cred], None)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no answer")?;
    if r.interfaces.is_empty() || r.addresses.iter().all(|a| a.ip != IpAddr::V4(ip(10))) {
        return Err(format!(
            "tables missing: {} interfaces, addresses {:?}",
            r.interfaces.len(),
            r.addresses
        ));
    }
    if !r.arp.iter().any(|a| a.ip == IpAddr::V4(ip(1))) {
        return Err(format!(
            "the agent's ARP table should hold the scanner: {:?}",
            r.arp
        ));
    }
    // net-snmp lists the host's packages (dpkg here), snmpd among them.
    if !r.software.iter().any(|p| p.name.starts_with("snmpd")) {
        return Err(format!(
            "installed software should list snmpd: {} packages, first {:?}",
            r.software.len(),
            r.software.first()
        ));
    }
    let args = [
        "-v3", "-l", "authPriv", "-u", u.name, "-a", "SHA-256", "-A", AUTH_PASS, "-x", "AES-256",
        "-X", PRIV_PASS,
    ];
    let n = compare(&r, &args, ip(10), false, true)?;
    eprintln!(
        "     v3 full: {} values equal to snmpbulkwalk, {} requests, {} ms",
        n, r.requests, r.elapsed_ms
    );
    Ok(())
}

async fn check_v1_only() -> Result<(), String> {
    let c = Collector::new(opts(Depth::Full))
        .await
        .map_err(|e| e.to_string())?;
    let creds = cli_credentials(&["oldie".into()], None, None, None).map_err(|e| e.to_string())?;
    let r = c
        .probe(IpAddr::V4(ip(11)), &creds, None)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("v1-only agent got no answer")?;
    if r.version != "1" || r.sys_name.as_deref() != Some("v1-only") || r.interfaces.is_empty() {
        return Err(format!(
            "v1 report: version {}, sys_name {:?}, {} interfaces",
            r.version,
            r.sys_name,
            r.interfaces.len()
        ));
    }
    let n = compare(&r, &["-v1", "-c", "oldie"], ip(11), true, true)?;
    eprintln!(
        "     v1: {} values equal to snmpwalk, {} requests, {} ms",
        n, r.requests, r.elapsed_ms
    );
    Ok(())
}

#[derive(serde::Deserialize)]
struct Label {
    serial: Option<String>,
}

async fn check_recordings() -> Result<(), String> {
    let c = Collector::new(CollectorOptions {
        timeout: Duration::from_secs(3),
        ..opts(Depth::Full)
    })
    .await
    .map_err(|e| e.to_string())?;
    let labels: BTreeMap<String, Label> = serde_json::from_slice(
        &std::fs::read(fixtures().join("labels.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    for rec in RECORDINGS {
        let creds =
            cli_credentials(&[(*rec).to_string()], None, None, None).map_err(|e| e.to_string())?;
        let r = c
            .probe(IpAddr::V4(ip(12)), &creds, None)
            .await
            .map_err(|e| e.to_string())?
            .ok_or(format!("{rec}: no answer"))?;
        let n = compare(&r, &["-v2c", "-c", rec], ip(12), false, false)
            .map_err(|e| format!("{rec}: {e}"))?;
        // What the store gives back (the record, and the latest volatile
        // values) also equals snmpbulkwalk's output, table for table.
        let db = std::env::temp_dir().join(format!("pandian-snmp-lab-{}.db", std::process::id()));
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        let from_store = {
            use pandian::store::{DeriveOptions, RunEnd, RunStart, Store};
            let mut store = Store::open(&db).map_err(|e| e.to_string())?;
            let id = store
                .begin_run(&RunStart {
                    job: "default",
                    started_at: "2026-01-01T00:00:00Z",
                    targets: "198.18.0.12",
                    exclude: "",
                    addresses: 1,
                    excluded: 0,
                    rate: 1,
                    credentials: vec![],
                })
                .map_err(|e| e.to_string())?;
            let seen = pandian::record::Seen {
                ip: Some(IpAddr::V4(ip(12))),
                sources: vec![pandian::inventory::Source::Snmp],
                snmp: Some(pandian::record::SnmpSeen {
                    version: r.version.clone(),
                    credential: r.credential.clone(),
                    facts: r.facts().clone(),
                    walked_at: None,
                }),
                ..Default::default()
            };
            store.record(id, &[seen]).map_err(|e| e.to_string())?;
            let engine = pandian::fingerprint::Engine::builtin().map_err(|e| e.to_string())?;
            store
                .finish_run(
                    id,
                    &RunEnd {
                        status: pandian::store::RunStatus::Done,
                        error: None,
                        finished_at: "2026-01-01T00:00:01Z".into(),
                        answered: 1,
                        snmp_ok: 1,
                    },
                    &engine,
                    &DeriveOptions::default(),
                )
                .map_err(|e| e.to_string())?;
            let record = store
                .snmp_record(1)
                .map_err(|e| e.to_string())?
                .ok_or("no record stored")?;
            let page = store
                .device(1)
                .map_err(|e| e.to_string())?
                .and_then(|d| d.snmp)
                .ok_or("nothing stored")?;
            (SnmpReport::from_facts(record), page)
        };
        let (from_store, page) = from_store;
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
        compare(&from_store, &["-v2c", "-c", rec], ip(12), false, false)
            .map_err(|e| format!("{rec} (stored): {e}"))?;
        let tables = |x: &SnmpReport| {
            serde_json::json!([
                x.entities,
                x.interfaces,
                x.addresses,
                x.arp,
                x.fdb,
                x.neighbors,
                x.storage,
                x.host_devices,
                x.software,
                x.printer,
                x.ups
            ])
        };
        if tables(&from_store) != tables(&r) || tables(&page) != tables(&r) {
            return Err(format!(
                "{rec}: tables decoded from the store (or shown on its page) differ from the walk's"
            ));
        }
        eprintln!(
            "     {rec}: {n} values equal to snmpbulkwalk; {} entities, {} interfaces, {} arp, {} fdb, {} neighbors, printer {}, ups {}; {} requests, {} ms",
            r.entities.len(),
            r.interfaces.len(),
            r.arp.len(),
            r.fdb.len(),
            r.neighbors.len(),
            r.printer.is_some(),
            r.ups.is_some(),
            r.requests,
            r.elapsed_ms
        );
        // The labelled serial must appear somewhere in the decoded tables.
        if let Some(serial) = labels
            .get(&format!("{rec}.snmprec"))
            .and_then(|l| l.serial.clone())
        {
            let json = serde_json::to_string(&r).unwrap();
            if !json.contains(&format!("\"{serial}\"")) {
                return Err(format!(
                    "{rec}: labelled serial {serial} not in the decoded tables"
                ));
            }
        }
        let want: &[(&str, bool)] = match *rec {
            "edgecos_ecs4610-24f" => &[
                ("neighbors", !r.neighbors.is_empty()),
                ("fdb", !r.fdb.is_empty()),
                ("entities", !r.entities.is_empty()),
            ],
            "ios_2960x" => &[(
                "cdp neighbors",
                r.neighbors.iter().any(|n| n.protocol == "cdp"),
            )],
            "vrp_5720" => &[
                ("fdb", !r.fdb.is_empty()),
                ("interfaces", !r.interfaces.is_empty()),
            ],
            "sharp_mxm266nv" => &[(
                "printer supplies",
                r.printer
                    .as_ref()
                    .is_some_and(|p| !p.supplies.is_empty() && p.page_count.is_some()),
            )],
            "apc_sua750i" => &[(
                "apc ups identity and battery date",
                r.ups.as_ref().is_some_and(|u| {
                    u.model.as_deref() == Some("Smart-UPS 750") && u.battery_replaced.is_some()
                }),
            )],
            "poweralert_ups" => &[("ups-mib", r.ups.as_ref().is_some_and(|u| u.model.is_some()))],
            _ => &[],
        };
        for (what, ok) in want {
            if !ok {
                return Err(format!("{rec}: {what} not decoded"));
            }
        }
    }
    Ok(())
}

// ------------------------------------------------------ hostile and flaky agents

mod hostile {
    //! A hand-written SNMPv2c agent that misbehaves on purpose, and a relay
    //! that drops every other reply. Both listen on the scanner's own lab
    //! address (198.18.60.1) inside the scanner namespace.

    use super::*;
    use tokio::net::UdpSocket;

    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let mut v = vec![tag];
        let n = body.len();
        if n < 128 {
            v.push(n as u8);
        } else if n < 256 {
            v.extend([0x81, n as u8]);
        } else {
            v.extend([0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend_from_slice(body);
        v
    }

    fn int(i: i64) -> Vec<u8> {
        let b = i.to_be_bytes();
        let mut start = 0;
        while start < 7
            && ((b[start] == 0 && b[start + 1] & 0x80 == 0)
                || (b[start] == 0xff && b[start + 1] & 0x80 != 0))
        {
            start += 1;
        }
        tlv(0x02, &b[start..])
    }

    fn oid(arcs: &[u32]) -> Vec<u8> {
        let mut body = vec![(arcs[0] * 40 + arcs[1]) as u8];
        for &a in &arcs[2..] {
            let mut tmp = vec![(a & 0x7f) as u8];
            let mut x = a >> 7;
            while x > 0 {
                tmp.push((x & 0x7f) as u8 | 0x80);
                x >>= 7;
            }
            tmp.reverse();
            body.extend(tmp);
        }
        tlv(0x06, &body)
    }

    /// Read one TLV: (tag, body, rest).
    fn read(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
        let (&tag, rest) = b.split_first()?;
        let (&l0, rest) = rest.split_first()?;
        let (len, rest) = if l0 < 0x80 {
            (l0 as usize, rest)
        } else {
            let n = (l0 & 0x7f) as usize;
            let lb = rest.get(..n)?;
            (
                lb.iter().fold(0usize, |a, &x| (a << 8) | x as usize),
                rest.get(n..)?,
            )
        };
        Some((tag, rest.get(..len)?, rest.get(len..)?))
    }

    fn decode_oid(body: &[u8]) -> Vec<u32> {
        let mut arcs = Vec::new();
        if let Some(&f) = body.first() {
            arcs.push(u32::from(f / 40));
            arcs.push(u32::from(f % 40));
        }
        let mut acc = 0u32;
        for &b in body.iter().skip(1) {
            acc = (acc << 7) | u32::from(b & 0x7f);
            if b & 0x80 == 0 {
                arcs.push(acc);
                acc = 0;
            }
        }
        arcs
    }

    /// (community, pdu tag, request id, first varbind OID) of a v2c request.
    /// (community, PDU tag, request id, first varbind OID, max-repetitions).
    type Request = (Vec<u8>, u8, i64, Vec<u32>, i64);

    fn parse_request(b: &[u8]) -> Option<Request> {
        let (_, msg, _) = read(b)?;
        let (_, _version, rest) = read(msg)?;
        let (_, community, rest) = read(rest)?;
        let (pdu_tag, pdu, _) = read(rest)?;
        let (_, rid, rest) = read(pdu)?;
        let rid = rid
            .iter()
            .fold(if rid.first()? & 0x80 != 0 { -1i64 } else { 0 }, |a, &x| {
                (a << 8) | i64::from(x)
            });
        let (_, _, rest) = read(rest)?;
        let (_, reps, rest) = read(rest)?;
        let reps = reps.iter().fold(0i64, |a, &x| (a << 8) | i64::from(x));
        let (_, vbl, _) = read(rest)?;
        let (_, vb, _) = read(vbl)?;
        let (_, o, _) = read(vb)?;
        Some((community.to_vec(), pdu_tag, rid, decode_oid(o), reps))
    }

    fn response(community: &[u8], rid: i64, varbinds: &[(Vec<u32>, Vec<u8>)]) -> Vec<u8> {
        response_status(community, rid, 0, varbinds)
    }

    fn response_status(
        community: &[u8],
        rid: i64,
        status: i64,
        varbinds: &[(Vec<u32>, Vec<u8>)],
    ) -> Vec<u8> {
        let vbl: Vec<u8> = varbinds
            .iter()
            .flat_map(|(o, v)| tlv(0x30, &[oid(o), v.clone()].concat()))
            .collect();
        let index = if status == 0 { 0 } else { 1 };
        let pdu = tlv(
            0xa2,
            &[int(rid), int(status), int(index), tlv(0x30, &vbl)].concat(),
        );
        tlv(0x30, &[int(1), tlv(0x04, community), pdu].concat())
    }

    /// Serve until `stop`: each community selects a misbehaviour.
    async fn agent(sock: UdpSocket) {
        let mut buf = vec![0u8; 65536];
        let mut counter: u64 = 0;
        loop {
            let Ok((n, from)) = sock.recv_from(&mut buf).await else {
                return;
            };
            counter += 1;
            let Some((community, pdu, rid, first, reps)) = parse_request(&buf[..n]) else {
                continue;
            };
            let sys = |i: u32, v: Vec<u8>| (vec![1, 3, 6, 1, 2, 1, 1, i, 0], v);
            let reply = match (community.as_slice(), pdu) {
                (b"garbage", _) => {
                    // Random-looking bytes, then a truncated copy of a real reply.
                    let junk: Vec<u8> = (0..200u64)
                        .map(|i| ((i * 7919 + counter * 104_729) % 251) as u8)
                        .collect();
                    let _ = sock.send_to(&junk, from).await;
                    let _ = sock
                        .send_to(&response(&community, rid, &[sys(1, tlv(0x02, &[]))]), from)
                        .await; // zero-length INTEGER
                    let real = response(&community, rid, &[sys(1, tlv(0x04, b"x"))]);
                    real[..real.len() / 2].to_vec()
                }
                (b"fuzz", 0xa0 | 0xa1 | 0xa5) => {
                    // A well-formed reply with 1 to 4 bytes changed at random
                    // (xorshift, seeded by the request count: reproducible).
                    let mut x = counter.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                    let mut next = move || {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        x
                    };
                    let values = [
                        tlv(0x04, b"fuzzed \x1b string"),
                        int(-5),
                        tlv(0x43, &[0x7f, 0xff]),
                        tlv(0x40, &[198, 18, 0, 1]),
                        tlv(0x46, &[0x01, 0, 0, 0, 0, 0, 0, 0, 0]),
                        oid(&[1, 3, 6, 1, 4, 1, 9]),
                        vec![0x44, 0x03, 0x9f, 0x78, 0x04],
                    ];
                    let mut o = first.clone();
                    let vbs: Vec<_> = (0..5)
                        .map(|i| {
                            o.push(1 + i);
                            (o.clone(), values[(next() as usize) % values.len()].clone())
                        })
                        .collect();
                    let mut msg = response(&community, rid, &vbs);
                    for _ in 0..1 + next() % 4 {
                        let at = (next() as usize) % msg.len();
                        msg[at] ^= (next() as u8) | 1;
                    }
                    if next() % 5 == 0 {
                        msg.truncate((next() as usize) % msg.len());
                    }
                    msg
                }
                (_, 0xa0) => {
                    // GET of the system group: hostile strings.
                    let mut evil =
                        b"\x1b[2J\x1b[31mEVIL\xe2\x80\xae<script>alert(1)</script>\r\n\x00\x07"
                            .to_vec();
                    evil.extend(std::iter::repeat_n(b'A', 5000));
                    response(
                        &community,
                        rid,
                        &[
                            sys(1, tlv(0x04, &evil)),
                            sys(2, oid(&[1, 3, 6, 1, 4, 1, 99_999, 1])),
                            sys(3, tlv(0x43, &[0x01, 0x00])),
                            sys(4, tlv(0x04, &[0xff, 0xfe, 0x00, 0x41])),
                            sys(5, tlv(0x04, b"hostile\tname\x7f")),
                            sys(6, tlv(0x04, b"")),
                        ],
                    )
                }
                (b"endless", 0xa5) => {
                    // Every reply goes on with bigger OIDs, forever: a
                    // column whose last arc keeps growing.
                    let mut o = first.clone();
                    if o.len() < 12 {
                        o.extend([1, 1]);
                    }
                    let last = o.len() - 1;
                    let vbs: Vec<_> = (1..=10u32)
                        .map(|i| {
                            let mut n = o.clone();
                            n[last] = n[last].saturating_add(i);
                            (n, int(1))
                        })
                        .collect();
                    response(&community, rid, &vbs)
                }
                (b"toobig" | b"generr", 0xa5) if reps > 4 => {
                    // Refuses big bulk replies: tooBig or genErr, as some agents do.
                    let status = if community == b"toobig" { 1 } else { 5 };
                    response_status(&community, rid, status, &[(first, vec![0x05, 0x00])])
                }
                (b"toobig" | b"generr", 0xa5) => {
                    // A 12-row column 1.3.6.1.2.1.2.2.1.2.k, then endOfMibView.
                    let col = [1u32, 3, 6, 1, 2, 1, 2, 2, 1, 2];
                    let next = match first.strip_prefix(&col[..]) {
                        Some([]) => 1,
                        Some([k, ..]) => k + 1,
                        None if first.as_slice() < &col[..] => 1,
                        None => 13,
                    };
                    let mut vbs: Vec<(Vec<u32>, Vec<u8>)> = (next..13)
                        .take(reps.max(1) as usize)
                        .map(|k| ([&col[..], &[k]].concat(), int(i64::from(k))))
                        .collect();
                    if vbs.len() < reps.max(1) as usize {
                        vbs.push((first, vec![0x82, 0x00]));
                    }
                    response(&community, rid, &vbs)
                }
                (b"loop", 0xa5) => {
                    // The same OID again and again.
                    let mut o = first.clone();
                    if o.len() < 12 {
                        o.push(1);
                    }
                    response(&community, rid, &[(o.clone(), int(1)), (o, int(1))])
                }
                (_, 0xa5) => {
                    // endOfMibView for anything else.
                    response(&community, rid, &[(first, vec![0x82, 0x00])])
                }
                _ => continue,
            };
            let _ = sock.send_to(&reply, from).await;
        }
    }

    pub(super) async fn check_hostile() -> Result<(), String> {
        let sock = UdpSocket::bind(SocketAddr::new(IpAddr::V4(ip(1)), 1161))
            .await
            .map_err(|e| e.to_string())?;
        let task = tokio::spawn(agent(sock));
        let mut result = hostile_checks().await;
        if result.is_ok() {
            result = fuzz_checks().await;
        }
        task.abort();
        result
    }

    /// 300 Full-depth probes at once against replies with random byte
    /// changes: none may panic, each ends within its budget.
    async fn fuzz_checks() -> Result<(), String> {
        let o = CollectorOptions {
            port: 1161,
            timeout: Duration::from_millis(200),
            retries: 0,
            device_budget: Duration::from_secs(4),
            max_rows_per_walk: 50,
            concurrency: 300,
            v1_fallback: false,
            ..CollectorOptions::default()
        };
        let limit = o.device_budget + Duration::from_secs(3);
        let c = Collector::new(o).await.map_err(|e| e.to_string())?;
        let creds =
            std::sync::Arc::new(cli_credentials(&["fuzz".into()], None, None, None).unwrap());
        let t = Instant::now();
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..300 {
            let (c, creds) = (c.clone(), creds.clone());
            set.spawn(async move {
                c.probe(IpAddr::V4(ip(1)), &creds, None)
                    .await
                    .map(|r| r.is_some())
            });
        }
        let (mut answered, mut silent) = (0, 0);
        while let Some(r) = set.join_next().await {
            match r {
                Err(e) => return Err(format!("a probe panicked on a fuzzed reply: {e}")),
                Ok(Err(e)) => return Err(format!("collector error: {e}")),
                Ok(Ok(true)) => answered += 1,
                Ok(Ok(false)) => silent += 1,
            }
        }
        if t.elapsed() > limit {
            return Err(format!("300 fuzzed probes took {:?}", t.elapsed()));
        }
        eprintln!(
            "     fuzz: 300 probes, {answered} got a (partly) decodable answer, {silent} none, {:.1} s",
            t.elapsed().as_secs_f64()
        );
        Ok(())
    }

    async fn hostile_checks() -> Result<(), String> {
        let o = CollectorOptions {
            port: 1161,
            timeout: Duration::from_millis(300),
            retries: 1,
            device_budget: Duration::from_secs(20),
            max_rows_per_walk: 300,
            v1_fallback: false,
            ..CollectorOptions::default()
        };
        let budget = o.device_budget + o.timeout * 2;
        let c = Collector::new(o).await.map_err(|e| e.to_string())?;
        let me = IpAddr::V4(ip(1));
        let creds = |c: &str| cli_credentials(&[c.to_string()], None, None, None).unwrap();

        // Garbage and truncated replies: treated as no answer, quickly.
        let t = Instant::now();
        if c.probe(me, &creds("garbage"), None)
            .await
            .map_err(|e| e.to_string())?
            .is_some()
        {
            return Err("garbage replies were taken as an answer".into());
        }
        if t.elapsed() > Duration::from_secs(3) {
            return Err(format!("garbage took {:?}", t.elapsed()));
        }

        // Endless walks: every table is cut at the row limit, within budget.
        let t = Instant::now();
        let r = c
            .probe(me, &creds("endless"), None)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("endless: no report")?;
        if t.elapsed() > budget {
            return Err(format!("endless walk took {:?}", t.elapsed()));
        }
        if !r
            .incomplete
            .iter()
            .any(|n| n.contains("row limit") || n.contains("budget"))
        {
            return Err(format!(
                "endless walk not reported as cut: {:?}",
                r.incomplete
            ));
        }
        // Hostile strings are cleaned and bounded.
        let d = r.sys_descr.clone().unwrap_or_default();
        if d.chars().any(char::is_control)
            || d.contains('\u{202e}')
            || d.chars().count() > 1024
            || !d.contains("<script>")
        {
            return Err(format!("sys_descr not cleaned: {d:?}"));
        }
        if r.sys_name.as_deref() != Some("hostile name") {
            return Err(format!("sys_name {:?}", r.sys_name));
        }

        // Looping walks: cut at the first repeated OID.
        let r = c
            .probe(me, &creds("loop"), None)
            .await
            .map_err(|e| e.to_string())?
            .ok_or("loop: no report")?;
        if !r.incomplete.iter().any(|n| n.contains("non-increasing")) {
            return Err(format!("loop not detected: {:?}", r.incomplete));
        }
        let (rows, end, requests) = c
            .walk_subtree(
                me,
                &creds("loop")[0],
                &Oid::parse("1.3.6.1.2.1.2").unwrap(),
                1000,
            )
            .await
            .map_err(|e| e.to_string())?;
        if !matches!(end, WalkEnd::NonIncreasing { .. }) || requests > 3 || rows.len() > 2 {
            return Err(format!(
                "loop walk: {end:?} after {requests} requests, {} rows",
                rows.len()
            ));
        }
        // tooBig and genErr on big bulk replies: max-repetitions shrinks
        // (25 -> 12 -> 6 -> 3) and the whole column is read.
        for community in ["toobig", "generr"] {
            let (rows, end, requests) = c
                .walk_subtree(
                    me,
                    &creds(community)[0],
                    &Oid::parse("1.3.6.1.2.1.2.2.1.2").unwrap(),
                    1000,
                )
                .await
                .map_err(|e| e.to_string())?;
            if end != WalkEnd::Complete || rows.len() != 12 || requests > 12 {
                return Err(format!(
                    "{community}: {end:?} after {requests} requests, {} rows",
                    rows.len()
                ));
            }
        }
        Ok(())
    }

    /// Relay to the v3 agent's v2c community that drops every other reply
    /// and delays the rest by 40 ms.
    async fn relay(front: UdpSocket, back: UdpSocket) {
        let mut buf = vec![0u8; 65536];
        let mut buf2 = vec![0u8; 65536];
        let mut client: Option<SocketAddr> = None;
        let mut n_reply = 0u64;
        loop {
            tokio::select! {
                r = front.recv_from(&mut buf) => {
                    let Ok((n, from)) = r else { return };
                    client = Some(from);
                    let _ = back.send_to(&buf[..n], SocketAddr::new(IpAddr::V4(ip(10)), 161)).await;
                }
                r = back.recv_from(&mut buf2) => {
                    let Ok((n, _)) = r else { return };
                    n_reply += 1;
                    if n_reply.is_multiple_of(2) {
                        continue;
                    }
                    tokio::time::sleep(Duration::from_millis(40)).await;
                    if let Some(to) = client {
                        let _ = front.send_to(&buf2[..n], to).await;
                    }
                }
            }
        }
    }

    pub(super) async fn check_flaky() -> Result<(), String> {
        let front = UdpSocket::bind(SocketAddr::new(IpAddr::V4(ip(1)), 2161))
            .await
            .map_err(|e| e.to_string())?;
        let back = UdpSocket::bind(SocketAddr::new(IpAddr::V4(ip(1)), 0))
            .await
            .map_err(|e| e.to_string())?;
        let task = tokio::spawn(relay(front, back));
        let o = CollectorOptions {
            port: 2161,
            timeout: Duration::from_millis(150),
            retries: 3,
            device_budget: Duration::from_secs(60),
            ..CollectorOptions::default()
        };
        let budget = o.device_budget + o.timeout * 4;
        let c = Collector::new(o).await.map_err(|e| e.to_string())?;
        let t = Instant::now();
        let creds = cli_credentials(&["public".into()], None, None, None).unwrap();
        let r = c.probe(IpAddr::V4(ip(1)), &creds, None).await;
        task.abort();
        let r = r
            .map_err(|e| e.to_string())?
            .ok_or("flaky relay: no answer")?;
        if t.elapsed() > budget {
            return Err(format!("flaky probe took {:?}", t.elapsed()));
        }
        if r.interfaces.is_empty() || r.sys_name.as_deref() != Some("v3-agent") {
            return Err(format!(
                "flaky relay: {} interfaces, sys_name {:?}",
                r.interfaces.len(),
                r.sys_name
            ));
        }
        eprintln!(
            "     flaky: {} requests, {} ms, {} interfaces, incomplete {:?}",
            r.requests,
            r.elapsed_ms,
            r.interfaces.len(),
            r.incomplete
        );
        Ok(())
    }
}
