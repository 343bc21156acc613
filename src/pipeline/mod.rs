//! The probe pipeline: one run of a job. Every probe sends under one packet
//! budget ([`bucket`]); targets are asked in a random order ([`order`]);
//! liveness replies stream out as they arrive ([`liveness`]) and a host's
//! SNMP and DNS start the moment it answers ([`host`]), with no phase
//! barrier; what was seen goes to a [`Sink`] in bounded batches, so memory
//! does not grow with the number of targets and a kill loses at most the
//! batch in flight. `pandian scan` and the daemon run this same code.
//!
//! ```text
//!  targets ─▶ ARP (thread per attached subnet) ─┐
//!          └▶ ICMP (one raw socket) ────────────┴▶ alive ─▶ dispatcher ─▶ host tasks
//!                                                              │            (SNMP, DNS)
//!                                                              ▼
//!                                                  batches ─▶ Sink (store / memory)
//! ```

pub mod host;
pub mod liveness;
pub mod order;
mod segment;

pub use crate::bucket::Bucket;

use crate::announce::Announced;

use crate::inventory::Probed;
use crate::record::{Seen, SnmpSeen, Source};
use crate::snmp::{Collector, Credential, SnmpReport};
use crate::sweep::{SweepError, arp, dns};
use crate::target::{self, Target, TargetError};
use liveness::{Alive, Passes, Shared};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};
use tokio::sync::{mpsc, watch};

pub use crate::job::Probes;

/// Everything one run needs to know.
#[derive(Debug, Clone)]
pub struct RunPlan {
    /// What to sweep.
    pub targets: Vec<Target>,
    /// What never to touch.
    pub exclude: Vec<Target>,
    /// Packets per second, every probe together.
    pub rate: u32,
    /// The longest wait for ARP/ICMP replies after a round.
    pub probe_timeout: Duration,
    /// Rounds of ARP/ICMP requests to targets nobody heard from.
    pub passes: u32,
    /// Which probes.
    pub probes: Probes,
    /// Resolver configuration for reverse DNS (None: /etc/resolv.conf).
    pub resolv_conf: Option<std::path::PathBuf>,
    /// SNMP credentials (none: no SNMP).
    pub credentials: Vec<Credential>,
    /// Live hosts probed by SNMP/DNS at once.
    pub concurrency: usize,
    /// Seed of the order targets are asked in (vary it per run).
    pub seed: u64,
}

impl RunPlan {
    /// The plan of one run of `job`; `resolv_conf` for reverse DNS, `seed`
    /// for the order of targets (vary it per run).
    pub fn for_job(
        job: &crate::job::Job,
        resolv_conf: Option<std::path::PathBuf>,
        seed: u64,
    ) -> RunPlan {
        RunPlan {
            targets: job.targets.clone(),
            exclude: job.exclude.clone(),
            rate: job.rate,
            probe_timeout: job.probe_timeout,
            passes: 2,
            probes: job.probes,
            resolv_conf,
            credentials: job.credentials.clone(),
            concurrency: 64,
            seed,
        }
    }
}

/// Where a run's sightings go, batch by batch.
pub trait Sink: Send {
    /// Take one batch. An error stops the run (the store is unwritable).
    fn put(&mut self, batch: Vec<Probed>) -> Result<(), String>;
}

/// Writes each batch to the record of run `run` and, when `keep` is set,
/// keeps the sightings too (`pandian scan --db` prints them).
pub struct StoreSink<'a> {
    /// The store.
    pub store: &'a mut crate::store::Store,
    /// The run the batches belong to.
    pub run: i64,
    /// Everything written so far, when asked for.
    pub keep: Option<Vec<Probed>>,
}

impl Sink for StoreSink<'_> {
    fn put(&mut self, batch: Vec<Probed>) -> Result<(), String> {
        let seen: Vec<Seen> = batch.iter().map(|p| p.seen.clone()).collect();
        self.store
            .record(self.run, &seen)
            .map_err(|e| e.to_string())?;
        if let Some(k) = self.keep.as_mut() {
            k.extend(batch.into_iter().map(Probed::compact));
        }
        Ok(())
    }
}

/// Keeps everything in memory (`pandian scan` prints it all anyway).
#[derive(Debug, Default)]
pub struct Collect(pub Vec<Probed>);

impl Sink for Collect {
    fn put(&mut self, batch: Vec<Probed>) -> Result<(), String> {
        self.0.extend(batch.into_iter().map(Probed::compact));
        Ok(())
    }
}

/// Keeps nothing (`pandian scan --format summary` without a database).
#[derive(Debug, Default)]
pub struct Discard;

impl Sink for Discard {
    fn put(&mut self, _: Vec<Probed>) -> Result<(), String> {
        Ok(())
    }
}

/// How a run went.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// When it started.
    pub started: SystemTime,
    /// When it ended.
    pub finished: SystemTime,
    /// Addresses swept.
    pub addresses: usize,
    /// Addresses that answered a probe.
    pub answered: usize,
    /// Addresses where SNMP answered.
    pub snmp_ok: usize,
    /// Packets sent through the bucket.
    pub packets: u64,
    /// Probes that could not run (e.g. ICMP without CAP_NET_RAW).
    pub warnings: Vec<String>,
    /// A stop cut the run short.
    pub interrupted: bool,
}

/// A run that could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A target or exclusion is malformed.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// Neither ARP nor ICMP could run.
    #[error("no liveness probe could run: {0}")]
    NoProbe(SweepError),
    /// The sink refused a batch (the database is unwritable).
    #[error("storing the run's results: {0}")]
    Sink(String),
}

/// Batches of this many sightings, or older than [`BATCH_AGE`], go to the sink.
pub const BATCH: usize = 256;
/// The longest a sighting waits in a batch.
pub const BATCH_AGE: Duration = Duration::from_secs(2);

/// What a host task gives back: the address, the MAC known when it
/// started, SNMP (report, and where the tables were read if elsewhere), the
/// reverse-DNS name, what it announced.
type HostDone = (
    Ipv4Addr,
    Option<[u8; 6]>,
    Option<(SnmpReport, Option<IpAddr>)>,
    Option<String>,
    Vec<Announced>,
);

/// A routed host a router's ARP table gave: its MAC and the routers.
type RouterSeen = ([u8; 6], Vec<IpAddr>);

/// Compact liveness state of one live address.
#[derive(Debug, Clone, Default)]
struct HostState {
    mac: Option<[u8; 6]>,
    sources: Vec<Source>,
    rtt: Option<Duration>,
    /// Sources already handed to the sink.
    reported: Vec<Source>,
    /// The host task finished (or there was none).
    done: bool,
}

/// The batcher: sightings in, batches to the sink.
struct Batcher<'a> {
    sink: &'a mut dyn Sink,
    pending: Vec<Probed>,
    since: Option<Instant>,
}

impl Batcher<'_> {
    fn push(&mut self, p: Probed) -> Result<(), RunError> {
        self.since.get_or_insert_with(Instant::now);
        self.pending.push(p);
        if self.pending.len() >= BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn due(&self) -> bool {
        self.since.is_some_and(|s| s.elapsed() >= BATCH_AGE)
    }

    fn flush(&mut self) -> Result<(), RunError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.pending);
        self.since = None;
        let sink = &mut *self.sink;
        tokio::task::block_in_place(|| sink.put(batch)).map_err(RunError::Sink)
    }
}

/// The run's one SYN+ACK capture for the banner probe's p0f hint
/// (`probe::synack`); None without banners, or without CAP_NET_RAW (said
/// in the debug log: the hint is skipped, nothing else changes).
fn syn_ack_capture(probes: &Probes) -> Option<Arc<crate::probe::synack::Capture>> {
    if !probes.banners {
        return None;
    }
    crate::probe::synack::Capture::open()
        .inspect_err(|e| tracing::debug!("{e}"))
        .ok()
        .map(Arc::new)
}

fn rtt_ms(d: Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// Run one job's sweep: liveness, then SNMP and DNS per live host as it
/// answers, then what routers' ARP tables add; sightings to `sink`.
/// `stop`: when it turns true, sending stops, hosts in flight get `grace`,
/// and what was seen is flushed.
pub async fn run(
    plan: &RunPlan,
    collector: &Collector,
    preferred: &HashMap<IpAddr, String>,
    sink: &mut dyn Sink,
    mut stop: Option<watch::Receiver<bool>>,
    grace: Duration,
) -> Result<Outcome, RunError> {
    let started = SystemTime::now();
    let mut addresses = target::expand(&plan.targets, &plan.exclude)?;
    // Pandian never probes the machine it runs on.
    let own = arp::own_addresses();
    addresses.retain(|a| !own.contains(a));
    // An attached subnet's network and broadcast addresses name no host.
    let edges = arp::subnet_edges();
    let mut skipped: Vec<String> = Vec::new();
    let mut n_skipped = 0usize;
    addresses.retain(|a| match edges.get(a) {
        Some(what) => {
            n_skipped += 1;
            if skipped.len() < 5 {
                skipped.push(format!("{a} is {what}"));
            }
            false
        }
        None => true,
    });
    addresses.sort_unstable();
    addresses.dedup();
    let n_addresses = addresses.len();
    let (groups, routed_targets) = arp::partition(&addresses);
    let arp_on = plan.probes.arp && !groups.is_empty();
    let shared = Arc::new(Shared::new(addresses.clone()));
    let bucket = Arc::new(Bucket::new(plan.rate));
    let synacks = syn_ack_capture(&plan.probes);
    let mut segment_warnings = Vec::new();
    let segment_task = plan.probes.segment.then(|| {
        segment::spawn(
            &groups,
            plan,
            addresses.clone(),
            &bucket,
            &mut segment_warnings,
        )
    });
    let passes = Passes {
        passes: plan.passes.max(1),
        timeout: plan.probe_timeout,
        seed: plan.seed,
    };
    let (alive_tx, mut alive_rx) = mpsc::unbounded_channel::<Alive>();
    let mut warnings = Vec::new();
    if n_skipped > 0 {
        warnings.push(format!(
            "not probed: {}{} (they name no host)",
            skipped.join("; "),
            if n_skipped > skipped.len() {
                format!(" and {} more", n_skipped - skipped.len())
            } else {
                String::new()
            }
        ));
    }

    // Liveness probes: ICMP sweeps what no attached subnet reaches, and
    // pings attached hosts once ARP found them. Unbounded, as the alive
    // events are (at most one address per target): ARP's receiver must
    // never wait on ICMP, which waits on the bucket behind every other probe.
    let (follow_tx, follow_rx) = mpsc::unbounded_channel::<Ipv4Addr>();
    let icmp_list = if arp_on {
        routed_targets
    } else {
        addresses.clone()
    };
    let icmp_task = plan.probes.icmp.then(|| {
        let (shared, bucket, tx) = (shared.clone(), bucket.clone(), alive_tx.clone());
        tokio::spawn(liveness::icmp(
            icmp_list, follow_rx, shared, bucket, passes, tx,
        ))
    });
    let follow = plan.probes.icmp.then_some(follow_tx);
    let arp_task = arp_on.then(|| {
        let (shared, bucket, tx) = (shared.clone(), bucket.clone(), alive_tx.clone());
        tokio::task::spawn_blocking(move || {
            std::thread::scope(|s| {
                let handles: Vec<_> = groups
                    .iter()
                    .map(|g| {
                        s.spawn(|| liveness::arp(g, &shared, &bucket, passes, &tx, follow.as_ref()))
                    })
                    .collect();
                let mut packets = 0u64;
                let mut first_err = None;
                for h in handles {
                    match h.join() {
                        Ok(Ok(p)) => packets += p,
                        Ok(Err(e)) => first_err = first_err.or(Some(e)),
                        Err(_) => {}
                    }
                }
                match first_err {
                    Some(e) if packets == 0 => Err(e),
                    _ => Ok(packets),
                }
            })
        })
    });
    drop(alive_tx);

    let resolver = match (plan.probes.dns, &plan.resolv_conf) {
        (false, _) => None,
        (true, Some(path)) => dns::Reverse::from_file(path, Duration::from_millis(800)),
        (true, None) => dns::Reverse::from_system(Duration::from_millis(800)),
    };
    let snmp_on = plan.probes.snmp && !plan.credentials.is_empty();
    let walks = Arc::new(host::Walks::default());
    let creds: Arc<Vec<Credential>> = Arc::new(plan.credentials.clone());
    let mut hosts: HashMap<Ipv4Addr, HostState> = HashMap::new();
    let mut tasks: tokio::task::JoinSet<HostDone> = tokio::task::JoinSet::new();
    // Routers' ARP entries for targets: (MAC, routers).
    let mut routed: HashMap<Ipv4Addr, RouterSeen> = HashMap::new();
    let mut batcher = Batcher {
        sink,
        pending: Vec::new(),
        since: None,
    };
    let mut snmp_ok = 0usize;
    // Agents with an ARP table: read it again once the sweep is over (the
    // sweep itself makes routers ask for hosts that answer only ARP).
    let mut arp_agents: Vec<(IpAddr, String)> = Vec::new();
    let mut interrupted = false;
    let mut alive_open = true;
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut waiting: std::collections::VecDeque<Ipv4Addr> = std::collections::VecDeque::new();
    let slots = plan.concurrency.max(1);
    for _ in 0..u64::MAX {
        while tasks.len() < slots {
            let Some(ip) = waiting.pop_front() else {
                break;
            };
            let mac = hosts.get(&ip).and_then(|st| st.mac);
            let rtt = hosts.get(&ip).and_then(|st| st.rtt);
            let (collector, creds, walks, bucket, resolver) = (
                collector.clone(),
                creds.clone(),
                walks.clone(),
                bucket.clone(),
                resolver.clone(),
            );
            let pref = preferred.get(&IpAddr::V4(ip)).cloned();
            let probes = plan.probes;
            let synacks = synacks.clone();
            tasks.spawn(async move {
                let addr = IpAddr::V4(ip);
                let snmp = async {
                    if snmp_on {
                        host::snmp(
                            &collector,
                            &walks,
                            addr,
                            &creds,
                            pref.as_deref(),
                            bucket.clone(),
                        )
                        .await
                    } else {
                        None
                    }
                };
                let name = async {
                    match &resolver {
                        Some(r) => host::reverse(r, addr, &bucket).await,
                        None => None,
                    }
                };
                let announced = async {
                    if probes.asks_hosts() {
                        crate::probe::host(ip, rtt, &probes, &bucket, synacks.as_deref()).await
                    } else {
                        Vec::new()
                    }
                };
                let (snmp, name, announced) = tokio::join!(snmp, name, announced);
                (ip, mac, snmp, name, announced)
            });
        }
        if !alive_open && tasks.is_empty() && waiting.is_empty() {
            break;
        }
        let stopped = async {
            match stop.as_mut() {
                Some(s) => {
                    let _ = s.wait_for(|v| *v).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            a = alive_rx.recv(), if alive_open => {
                let Some(a) = a else {
                    alive_open = false;
                    continue;
                };
                let st = hosts.entry(a.ip).or_default();
                if let (Some(known), Some(other)) = (st.mac, a.mac)
                    && known != other
                {
                    // Another MAC answered for the address: recorded as its
                    // own sighting (an address conflict), nothing more.
                    batcher.push(Probed {
                        seen: Seen {
                            ip: Some(IpAddr::V4(a.ip)),
                            mac: Some(other),
                            sources: vec![Source::Arp],
                            ..Seen::default()
                        },
                        report: None,
                        stats: None,
                    })?;
                    continue;
                }
                let first = st.sources.is_empty();
                if !st.sources.contains(&a.source) {
                    st.sources.push(a.source);
                }
                st.mac = st.mac.or(a.mac);
                st.rtt = Some(st.rtt.map_or(a.rtt, |r| r.min(a.rtt)));
                if first {
                    if snmp_on || resolver.is_some() || plan.probes.asks_hosts() {
                        // Started when a slot is free: a waiting host is
                        // an address, not a parked task.
                        waiting.push_back(a.ip);
                    } else {
                        st.done = true;
                        st.reported = st.sources.clone();
                        batcher.push(liveness_only(a.ip, st))?;
                    }
                } else if st.done && !st.reported.contains(&a.source) {
                    // A second probe heard a host already reported.
                    st.reported.push(a.source);
                    let mut p = liveness_only(a.ip, st);
                    p.seen.sources = vec![a.source];
                    batcher.push(p)?;
                }
            }
            Some(joined) = tasks.join_next(), if !tasks.is_empty() => {
                let Ok((ip, mac, snmp, name, announced)) = joined else { continue };
                let st = hosts.entry(ip).or_default();
                st.done = true;
                st.reported = st.sources.clone();
                if let Some((report, _)) = &snmp {
                    snmp_ok += 1;
                    collect_router_arp(&shared, report, IpAddr::V4(ip), &mut routed);
                    if !report.arp.is_empty() {
                        arp_agents.push((IpAddr::V4(ip), report.credential.clone()));
                    }
                }
                batcher.push(probed(ip, mac.or(st.mac), st, snmp, name, announced))?;
            }
            _ = tick.tick() => {
                if batcher.due() {
                    batcher.flush()?;
                }
            }
            () = stopped => {
                interrupted = true;
                shared.stop();
                // Hosts in flight get a bounded grace, then are dropped.
                let deadline = tokio::time::Instant::now() + grace;
                while let Ok(Some(joined)) = tokio::time::timeout_at(deadline, tasks.join_next()).await {
                    let Ok((ip, mac, snmp, name, announced)) = joined else { continue };
                    let st = hosts.entry(ip).or_default();
                    st.done = true;
                    batcher.push(probed(ip, mac.or(st.mac), st, snmp, name, announced))?;
                }
                tasks.abort_all();
                // Hosts that answered but whose turn had not come.
                for ip in waiting.drain(..) {
                    if let Some(st) = hosts.get_mut(&ip) {
                        st.done = true;
                        st.reported = st.sources.clone();
                        batcher.push(liveness_only(ip, st))?;
                    }
                }
                break;
            }
        }
    }
    // Liveness probe results (and whether any could run).
    let mut packets_ok = false;
    if let Some(t) = icmp_task {
        match t.await {
            Ok(Ok(_)) => packets_ok = true,
            Ok(Err(e)) => warnings.push(format!("ICMP sweep failed: {e}")),
            Err(e) => warnings.push(format!("ICMP sweep failed: {e}")),
        }
    }
    if let Some(t) = arp_task {
        match t.await {
            Ok(Ok(_)) => packets_ok = true,
            Ok(Err(e)) => warnings.push(format!("ARP sweep failed: {e}")),
            Err(e) => warnings.push(format!("ARP sweep failed: {e}")),
        }
    }
    if !packets_ok && n_addresses > 0 && !interrupted && hosts.is_empty() {
        batcher.flush()?;
        let reason = warnings.join("; ");
        return Err(RunError::NoProbe(SweepError::Io {
            probe: "ARP/ICMP",
            iface: "-".into(),
            source: std::io::Error::other(reason),
        }));
    }
    // Routers' ARP tables once more, for targets still unheard.
    let unheard = shared.targets().len() > shared.answered_count();
    if unheard && !interrupted {
        for (router, cred_name) in &arp_agents {
            let Some(cred) = plan.credentials.iter().find(|c| c.name() == cred_name) else {
                continue;
            };
            let mut facts = crate::facts::SnmpFacts::new();
            for col in [
                &crate::snmp::oids::IP_NET_TO_PHYSICAL_PHYS_ADDRESS,
                &crate::snmp::oids::IP_NET_TO_PHYSICAL_TYPE,
                &crate::snmp::oids::IP_NET_TO_MEDIA_PHYS_ADDRESS,
                &crate::snmp::oids::IP_NET_TO_MEDIA_TYPE,
            ] {
                let Ok(root) = crate::facts::Oid::parse(col.oid) else {
                    continue;
                };
                if let Ok((rows, _, requests)) =
                    collector.walk_subtree(*router, cred, &root, 20_000).await
                {
                    bucket.acquire(requests).await;
                    for (o, v) in rows {
                        facts.insert(o, v);
                    }
                }
            }
            let late = SnmpReport {
                arp: crate::snmp::tables::arp(&facts),
                ..SnmpReport::default()
            };
            collect_router_arp(&shared, &late, *router, &mut routed);
        }
    }
    // The DHCP servers that answered, one sighting each, and the targets
    // that answered a multicast query, each under the MAC liveness found
    // for it (the same subject as its own sighting); one heard only by
    // multicast counts as answering.
    warnings.extend(segment_warnings);
    let mut multicast_only = 0usize;
    if let Some(t) = segment_task {
        let (seen, errors) = segment::collect(t, |ip| hosts.get(&ip).and_then(|st| st.mac)).await;
        warnings.extend(errors);
        for seen in seen {
            if let Some(IpAddr::V4(ip)) = seen.ip
                && !seen.announced.is_empty()
                && !hosts.contains_key(&ip)
            {
                multicast_only += 1;
            }
            batcher.push(Probed {
                seen,
                report: None,
                stats: None,
            })?;
        }
    }
    // What only routers' ARP tables know.
    let mut extra: Vec<(Ipv4Addr, RouterSeen)> = routed.into_iter().collect();
    extra.sort_by_key(|(ip, _)| *ip);
    for (ip, (mac, routers)) in extra {
        match hosts.get(&ip) {
            Some(st) if st.mac.is_some() => {}
            _ => batcher.push(Probed {
                seen: Seen {
                    ip: Some(IpAddr::V4(ip)),
                    mac: Some(mac),
                    via: routers,
                    sources: vec![Source::RouterArp],
                    ..Seen::default()
                },
                report: None,
                stats: None,
            })?,
        }
    }
    batcher.flush()?;
    Ok(Outcome {
        started,
        finished: SystemTime::now(),
        addresses: n_addresses,
        answered: hosts.len() + multicast_only,
        snmp_ok,
        packets: bucket.taken(),
        warnings,
        interrupted,
    })
}

fn liveness_only(ip: Ipv4Addr, st: &HostState) -> Probed {
    let mut sources = st.sources.clone();
    sources.sort();
    Probed {
        seen: Seen {
            ip: Some(IpAddr::V4(ip)),
            mac: st.mac,
            sources,
            rtt_ms: st.rtt.map(rtt_ms),
            ..Seen::default()
        },
        report: None,
        stats: None,
    }
}

fn probed(
    ip: Ipv4Addr,
    mac: Option<[u8; 6]>,
    st: &HostState,
    snmp: Option<(SnmpReport, Option<IpAddr>)>,
    name: Option<String>,
    announced: Vec<Announced>,
) -> Probed {
    let mut sources = st.sources.clone();
    if snmp.is_some() {
        sources.push(Source::Snmp);
    }
    sources.extend(announced.iter().map(|a| a.source));
    let hostname = name
        .map(|h| crate::snmp::text::clean(&h, 255))
        .filter(|h| !h.is_empty());
    if hostname.is_some() {
        sources.push(Source::Dns);
    }
    sources.sort();
    sources.dedup();
    let (report, walked_at) = match snmp {
        Some((r, w)) => (Some(r), w),
        None => (None, None),
    };
    Probed {
        seen: Seen {
            ip: Some(IpAddr::V4(ip)),
            mac,
            via: Vec::new(),
            sources,
            rtt_ms: st.rtt.map(rtt_ms),
            hostname,
            snmp: report.as_ref().map(|r| SnmpSeen {
                version: r.version.clone(),
                credential: r.credential.clone(),
                facts: r.facts().clone(),
                walked_at,
            }),
            dhcp_offers: Vec::new(),
            announced,
        },
        report,
        stats: None,
    }
}

/// Keep a router's ARP entries for this run's targets (valid, unicast, not
/// the router itself): the first MAC given, every router giving it.
fn collect_router_arp(
    shared: &Shared,
    report: &SnmpReport,
    router: IpAddr,
    out: &mut HashMap<Ipv4Addr, RouterSeen>,
) {
    for row in &report.arp {
        let IpAddr::V4(ip) = row.ip else { continue };
        if row.entry_type.as_deref() == Some("invalid")
            || IpAddr::V4(ip) == router
            || shared.targets().binary_search(&ip).is_err()
        {
            continue;
        }
        let Some(mac) = crate::wire::parse_mac(&row.mac) else {
            continue;
        };
        if !crate::identity::is_unicast(mac) {
            continue;
        }
        let e = out.entry(ip).or_insert((mac, Vec::new()));
        if e.0 == mac && !e.1.contains(&router) {
            e.1.push(router);
        }
    }
}

/// What [`execute`] did.
#[derive(Debug)]
pub struct Execution {
    /// How the run went.
    pub outcome: Outcome,
    /// Its id in the store, when there was one.
    pub run_id: Option<i64>,
    /// What deriving it did, when there was a store.
    pub applied: Option<crate::store::Applied>,
    /// Every sighting, when asked to keep them.
    pub probed: Vec<Probed>,
}

/// Why [`execute`] stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// The run could not go on.
    #[error(transparent)]
    Run(#[from] RunError),
    /// The store refused (the run's record so far is kept).
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

/// Where a run is recorded: a store this task owns (`pandian scan --db`),
/// or the daemon's writer thread, shared by every job.
pub enum Recorder<'a> {
    /// A store, the rules and the options to derive with.
    Direct(
        &'a mut crate::store::Store,
        &'a crate::fingerprint::Engine,
        &'a crate::store::DeriveOptions,
    ),
    /// The writer thread (it derives with its own rules).
    Writer(&'a crate::store::writer::Handle),
}

impl Recorder<'_> {
    async fn preferred(&mut self) -> HashMap<IpAddr, String> {
        match self {
            Recorder::Direct(s, _, _) => s.preferred_credentials(),
            Recorder::Writer(h) => h.preferred_credentials().await,
        }
        .unwrap_or_default()
    }

    async fn begin(
        &mut self,
        start: crate::store::writer::RunStartOwned,
    ) -> Result<i64, crate::store::StoreError> {
        match self {
            Recorder::Direct(s, _, _) => {
                let id = s.begin_run(&crate::store::RunStart {
                    job: &start.job,
                    started_at: &start.started_at,
                    targets: &start.targets,
                    exclude: &start.exclude,
                    addresses: start.addresses,
                    excluded: start.excluded,
                    rate: start.rate,
                    credentials: start.credentials.clone(),
                })?;
                if start.segment_probes {
                    s.set_run_param(id, "segment_probes", "true")?;
                }
                Ok(id)
            }
            Recorder::Writer(h) => h.begin_run(start).await,
        }
    }

    async fn finish(
        &mut self,
        run: i64,
        end: crate::store::RunEnd,
    ) -> Result<crate::store::Applied, crate::store::StoreError> {
        match self {
            Recorder::Direct(s, engine, opts) => {
                tokio::task::block_in_place(|| s.finish_run(run, &end, engine, opts))
            }
            Recorder::Writer(h) => h.finish_run(run, end).await,
        }
    }

    /// Keep what the run itself counted (packets sent, probes that failed
    /// or could not run) with its record, for the API and `/metrics`. A
    /// store that refuses is logged; the run goes on.
    async fn note_counts(&mut self, run: i64, outcome: &Outcome) {
        for (key, value) in [
            ("packets", outcome.packets),
            ("probe_errors", outcome.warnings.len() as u64),
        ] {
            let r = match self {
                Recorder::Direct(s, _, _) => s.set_run_param(run, key, &value.to_string()),
                Recorder::Writer(h) => h.set_run_param(run, key, value.to_string()).await,
            };
            if let Err(e) = r {
                tracing::warn!(error = %e, key, "could not record the run's counts");
            }
        }
    }

    async fn abandon(&mut self, run: i64, status: &str, error: String) {
        let at = crate::timefmt::system(SystemTime::now());
        let r = match self {
            Recorder::Direct(s, _, _) => s.end_run_without_results(run, &at, status, &error),
            Recorder::Writer(h) => h.end_run_without_results(run, at, status, error).await,
        };
        if let Err(e) = r {
            tracing::error!(error = %e, "could not close the run's record (it is closed at the next start)");
        }
    }
}

/// Sends each batch to the writer thread.
struct WriterSink<'a> {
    handle: &'a crate::store::writer::Handle,
    run: i64,
    keep: Option<Vec<Probed>>,
}

impl Sink for WriterSink<'_> {
    fn put(&mut self, batch: Vec<Probed>) -> Result<(), String> {
        let seen: Vec<Seen> = batch.iter().map(|p| p.seen.clone()).collect();
        self.handle
            .record_blocking(self.run, seen)
            .map_err(|e| e.to_string())?;
        if let Some(k) = self.keep.as_mut() {
            k.extend(batch.into_iter().map(Probed::compact));
        }
        Ok(())
    }
}

/// One run of job `job`, start to end: recorded through `recorder` when
/// given (begin, batches, then closed and derived), sightings kept when
/// `keep` (for printing). A run a stop cut short is closed as interrupted
/// at once, its batches kept, and derived at the next start, so a stop
/// never waits for derivation. `pandian scan` and the daemon both run
/// jobs through here.
pub async fn execute(
    job: &str,
    plan: &RunPlan,
    collector: &Collector,
    recorder: Option<Recorder<'_>>,
    keep: bool,
    stop: Option<watch::Receiver<bool>>,
    grace: Duration,
) -> Result<Execution, ExecError> {
    use crate::store::{RunEnd, RunStatus};
    let describe = |t: &[Target]| {
        t.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" ")
    };
    let Some(mut recorder) = recorder else {
        let mut sink = Collect::default();
        let mut drop_all = Discard;
        let target: &mut dyn Sink = if keep { &mut sink } else { &mut drop_all };
        let outcome = run(plan, collector, &HashMap::new(), target, stop, grace).await?;
        return Ok(Execution {
            outcome,
            run_id: None,
            applied: None,
            probed: sink.0,
        });
    };
    let preferred = recorder.preferred().await;
    let all = target::expand(&plan.targets, &[])
        .map(|a| a.len())
        .unwrap_or(0);
    let asked = target::expand(&plan.targets, &plan.exclude)
        .map(|a| a.len())
        .unwrap_or(0);
    let run_id = recorder
        .begin(crate::store::writer::RunStartOwned {
            job: job.to_string(),
            started_at: crate::timefmt::system(SystemTime::now()),
            targets: describe(&plan.targets),
            exclude: describe(&plan.exclude),
            addresses: asked,
            excluded: all.saturating_sub(asked),
            rate: plan.rate,
            credentials: plan
                .credentials
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
            segment_probes: plan.probes.segment,
        })
        .await?;
    let span = tracing::info_span!("run", job, run_id);
    let _enter = span.enter();
    tracing::info!(targets = %describe(&plan.targets), addresses = asked, "run started");
    let (result, probed) = match &mut recorder {
        Recorder::Direct(store, _, _) => {
            let mut sink = StoreSink {
                store,
                run: run_id,
                keep: keep.then(Vec::new),
            };
            let r = run(plan, collector, &preferred, &mut sink, stop, grace).await;
            (r, sink.keep.take().unwrap_or_default())
        }
        Recorder::Writer(handle) => {
            let mut sink = WriterSink {
                handle,
                run: run_id,
                keep: keep.then(Vec::new),
            };
            let r = run(plan, collector, &preferred, &mut sink, stop, grace).await;
            (r, sink.keep.take().unwrap_or_default())
        }
    };
    let outcome = match result {
        Ok(o) => o,
        Err(e) => {
            tracing::error!(error = %e, "run failed");
            recorder.abandon(run_id, "failed", e.to_string()).await;
            return Err(e.into());
        }
    };
    for w in &outcome.warnings {
        tracing::warn!("{w}");
    }
    recorder.note_counts(run_id, &outcome).await;
    if outcome.interrupted {
        recorder
            .abandon(
                run_id,
                RunStatus::Interrupted.as_str(),
                "Pandian was stopped during this run; what it saw is kept".to_string(),
            )
            .await;
        tracing::info!(
            answered = outcome.answered,
            packets = outcome.packets,
            "run interrupted; its batches are kept and taken in at the next start"
        );
        return Ok(Execution {
            outcome,
            run_id: Some(run_id),
            applied: None,
            probed,
        });
    }
    let end = RunEnd {
        status: RunStatus::Done,
        error: None,
        finished_at: crate::timefmt::system(outcome.finished),
        answered: outcome.answered,
        snmp_ok: outcome.snmp_ok,
    };
    match recorder.finish(run_id, end).await {
        Ok(applied) => {
            tracing::info!(
                answered = outcome.answered,
                devices = applied.devices,
                new = applied.new_devices,
                merges = applied.merges,
                splits = applied.splits,
                packets = outcome.packets,
                "run stored"
            );
            Ok(Execution {
                outcome,
                run_id: Some(run_id),
                applied: Some(applied),
                probed,
            })
        }
        Err(e) => {
            tracing::error!(error = %e, "could not close this run (its record is kept and taken in at the next start)");
            recorder.abandon(run_id, "failed", e.to_string()).await;
            Err(e.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snmp::tables::ArpRow;

    #[test]
    fn router_arp_adds_only_targets_valid_unicast_neighbours() {
        let wanted: Vec<Ipv4Addr> = [
            "198.51.100.1",
            "198.51.100.7",
            "198.51.100.8",
            "198.51.100.9",
            "198.51.100.10",
        ]
        .iter()
        .map(|s| s.parse().unwrap())
        .collect();
        let shared = Shared::new(wanted);
        let report = |rows: &[(&str, &str, &str)]| SnmpReport {
            arp: rows
                .iter()
                .map(|(ip, mac, kind)| ArpRow {
                    ip: ip.parse().unwrap(),
                    mac: (*mac).into(),
                    if_index: Some(2),
                    entry_type: Some((*kind).into()),
                })
                .collect(),
            ..SnmpReport::default()
        };
        let mut out = HashMap::new();
        let r1: IpAddr = "198.51.100.1".parse().unwrap();
        collect_router_arp(
            &shared,
            &report(&[
                ("198.51.100.7", "00:00:0c:00:00:07", "dynamic"),
                ("198.51.100.8", "00:00:0c:00:00:08", "invalid"),
                ("203.0.113.5", "00:00:0c:00:00:05", "dynamic"),
                ("198.51.100.9", "01:00:5e:00:00:09", "dynamic"),
                ("198.51.100.1", "00:00:0c:00:00:01", "local"),
                ("198.51.100.10", "not a mac", "dynamic"),
            ]),
            r1,
            &mut out,
        );
        let r2: IpAddr = "198.51.100.2".parse().unwrap();
        collect_router_arp(
            &shared,
            &report(&[("198.51.100.7", "00:00:0c:00:00:77", "dynamic")]),
            r2,
            &mut out,
        );
        let ip7: Ipv4Addr = "198.51.100.7".parse().unwrap();
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(
            out[&ip7],
            ([0, 0, 0x0c, 0, 0, 7], vec![r1]),
            "first router's MAC wins"
        );
    }
}
