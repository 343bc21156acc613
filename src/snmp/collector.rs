//! The I/O edge: one shared UDP transport, a concurrency limit, and per-device
//! probes that find a working credential, read the system group and (at
//! [`Depth::Full`]) walk every inventory table under a request budget and a
//! deadline. One broken device never stalls a scan: every wait is bounded.

use super::convert::{self, to_wire_oid};
use super::credential::{Credential, SnmpVersion};
use super::oids;
use super::report::SnmpReport;
use super::walk::{Step, WalkEnd, WalkGuard, shrink_repetitions};
use crate::bucket::Bucket;
use crate::facts::{Oid, SnmpFacts, Value};
use async_snmp::{Auth, Client, EngineCache, ErrorStatus, Retry, UdpHandle, UdpTransport};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

pub use crate::job::Depth;

/// Collector settings. `Default` suits a LAN.
#[derive(Debug, Clone)]
pub struct CollectorOptions {
    /// Time to wait for one reply before retrying.
    pub timeout: Duration,
    /// Retries after a timeout (with short exponential backoff).
    pub retries: u32,
    /// What to read.
    pub depth: Depth,
    /// Devices probed at the same time (across all tasks sharing the collector).
    pub concurrency: usize,
    /// Wall-time limit for one device's whole probe.
    pub device_budget: Duration,
    /// Most requests sent to one device in one probe.
    pub max_requests_per_device: u32,
    /// GETBULK max-repetitions to start with (shrunk on tooBig/genErr/timeouts).
    pub max_repetitions: u32,
    /// Most rows kept from one table walk.
    pub max_rows_per_walk: usize,
    /// When a v2c community gets no answer, try it once more as SNMPv1
    /// (v1-only agents ignore v2c).
    pub v1_fallback: bool,
    /// Durable DES salt state (see the dependency notes). None: the collector
    /// makes an ephemeral one whose boots epoch is the current Unix time.
    pub des_salt: Option<async_snmp::DesSaltState>,
    /// UDP port of the agents (161).
    pub port: u16,
    /// Accept replies only from the address asked. Off by default: routers
    /// often answer from another of their addresses; v1/v2c replies are
    /// still matched by request id and community, v3 replies by
    /// authentication.
    pub strict_source: bool,
}

impl Default for CollectorOptions {
    fn default() -> Self {
        CollectorOptions {
            timeout: Duration::from_millis(1500),
            retries: 1,
            depth: Depth::Full,
            concurrency: 64,
            device_budget: Duration::from_secs(120),
            max_requests_per_device: 3000,
            max_repetitions: 25,
            max_rows_per_walk: 20_000,
            v1_fallback: true,
            des_salt: None,
            port: 161,
            strict_source: false,
        }
    }
}

/// Errors that stop the collector itself (not one device: a device that does
/// not answer is `Ok(None)`, a device that answers badly is a partial report).
#[derive(Debug, thiserror::Error)]
pub enum SnmpError {
    /// The UDP socket could not be opened.
    #[error("cannot open the SNMP UDP socket: {0}")]
    Bind(String),
    /// The collector's options are unusable.
    #[error("SNMP collector settings: {0}")]
    Options(String),
    /// The collector was shut down.
    #[error("the SNMP collector is shut down")]
    Closed,
}

/// Probes devices over SNMP. Cheap to clone; clones share the socket, the
/// concurrency limit and the SNMPv3 engine cache.
#[derive(Clone)]
pub struct Collector {
    inner: Arc<Inner>,
}

struct Inner {
    v4: UdpTransport,
    v6: Option<UdpTransport>,
    opts: CollectorOptions,
    limit: Semaphore,
    engines: Arc<EngineCache>,
    des_salt: async_snmp::DesSaltState,
    retry: Retry,
}

impl std::fmt::Debug for Collector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collector")
            .field("opts", &self.inner.opts)
            .finish_non_exhaustive()
    }
}

/// Per-probe limits, and the run's packet budget every request pays into.
struct Budget {
    deadline: Instant,
    requests: u32,
    max_requests: u32,
    bucket: Option<Arc<Bucket>>,
}

impl Budget {
    fn exhausted(&self) -> bool {
        self.requests >= self.max_requests || Instant::now() >= self.deadline
    }

    /// Count one request, waiting for the run's bucket to allow it.
    async fn spend(&mut self) {
        self.requests += 1;
        if let Some(b) = &self.bucket {
            b.acquire(1).await;
        }
    }
}

/// What one subtree walk got.
struct Walked {
    rows: Vec<(Oid, Value)>,
    end: WalkEnd,
}

/// One way to ask a device: a credential's variant.
struct Attempt {
    credential: String,
    auth: Auth,
    version: SnmpVersion,
    retry: Retry,
    /// An SNMPv1 try of a v2c community.
    fallback: bool,
}

/// An agent that answered the system group: what it said, and the client
/// and budget to read the rest with ([`Collector::read`]).
pub struct Answered {
    ip: IpAddr,
    client: Client<UdpHandle>,
    version: SnmpVersion,
    credential: String,
    facts: SnmpFacts,
    budget: Budget,
    started: Instant,
}

impl std::fmt::Debug for Answered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Answered")
            .field("ip", &self.ip)
            .field("credential", &self.credential)
            .field("version", &self.version.label())
            .finish_non_exhaustive()
    }
}

impl Answered {
    /// The system group (and engine ID) as read.
    pub fn facts(&self) -> &SnmpFacts {
        &self.facts
    }

    /// The address that answered.
    pub fn ip(&self) -> IpAddr {
        self.ip
    }

    /// The agent's snmpEngineID, when it gave one.
    pub fn engine_id(&self) -> Option<Vec<u8>> {
        let oid = Oid::parse(oids::SNMP_ENGINE_ID.oid).ok()?.child(0);
        match self.facts.get(&oid) {
            Some(Value::OctetString(b)) if (5..=32).contains(&b.len()) => Some(b.clone()),
            _ => None,
        }
    }

    /// A report of the system group alone.
    fn system_report(&self) -> SnmpReport {
        let mut r = SnmpReport {
            version: self.version.label().to_string(),
            credential: self.credential.clone(),
            facts: self.facts.clone(),
            requests: self.budget.requests,
            ..SnmpReport::default()
        };
        r.fill_system();
        r
    }
}

/// A subtree read at Full depth: label for notes, OID, and its row cap.
struct Subtree {
    oid: Oid,
    max_rows: usize,
}

/// The subtrees read at [`Depth::Full`], in order: identity first (what the
/// fingerprint engine needs most), then the big tables.
pub fn full_subtrees() -> Vec<(String, usize)> {
    let mut v: Vec<(String, usize)> = Vec::new();
    let mut add = |oid: &str, rows: usize| v.push((oid.to_string(), rows));
    add(oids::SYSTEM.oid, 200);
    add(oids::ENT_PHYSICAL_ENTRY.oid, 20_000);
    for k in super::vendor::VENDOR_SUBTREES {
        add(k.oid, 500);
    }
    add(oids::HR_SYSTEM.oid, 50);
    add(oids::HR_MEMORY_SIZE.oid, 5);
    add(oids::HR_STORAGE_ENTRY.oid, 2_000);
    add(oids::HR_DEVICE_ENTRY.oid, 2_000);
    add(oids::HR_PROCESSOR_ENTRY.oid, 1_000);
    add(oids::PRT_GENERAL_ENTRY.oid, 500);
    add(oids::PRT_MARKER_LIFE_COUNT.oid, 50);
    add(oids::PRT_MARKER_SUPPLIES_ENTRY.oid, 1_000);
    add(oids::UPS_IDENT.oid, 50);
    add(oids::UPS_BATTERY.oid, 50);
    for k in [
        oids::IF_NUMBER,
        oids::IF_DESCR,
        oids::IF_TYPE,
        oids::IF_MTU,
        oids::IF_SPEED,
        oids::IF_PHYS_ADDRESS,
        oids::IF_ADMIN_STATUS,
        oids::IF_OPER_STATUS,
        oids::IF_NAME,
        oids::IF_HIGH_SPEED,
        oids::IF_CONNECTOR_PRESENT,
        oids::IF_ALIAS,
        oids::IP_ADDR_ENTRY,
        oids::IP_ADDRESS_IF_INDEX,
        oids::IP_ADDRESS_TYPE,
        oids::IP_ADDRESS_PREFIX,
        oids::IP_NET_TO_PHYSICAL_PHYS_ADDRESS,
        oids::IP_NET_TO_PHYSICAL_TYPE,
        oids::IP_NET_TO_MEDIA_PHYS_ADDRESS,
        oids::IP_NET_TO_MEDIA_TYPE,
        oids::DOT1D_BASE_BRIDGE_ADDRESS,
        oids::DOT1D_BASE_PORT_IF_INDEX,
        oids::DOT1Q_VLAN_FDB_ID,
        oids::DOT1Q_TP_FDB_PORT,
        oids::DOT1Q_TP_FDB_STATUS,
        oids::DOT1D_TP_FDB_PORT,
        oids::DOT1D_TP_FDB_STATUS,
        oids::LLDP_LOC_CHASSIS_ID_SUBTYPE,
        oids::LLDP_LOC_CHASSIS_ID,
        oids::LLDP_LOC_PORT_ID,
        oids::LLDP_LOC_PORT_DESC,
        oids::LLDP_REM_ENTRY,
        oids::LLDP_REM_MAN_ADDR_IF_SUBTYPE,
        oids::CDP_CACHE_ENTRY,
    ] {
        add(k.oid, 20_000);
    }
    // The standard objects the fingerprint engine reads that the list
    // above does not cover (routing protocols, IEEE 802.11, processes...),
    // each bounded like the vendor subtrees.
    for o in engine_wanted_standard(&v) {
        v.push((o.to_string(), 500));
    }
    // Last: a server's package list is long, and the tables above matter
    // more when the budget runs short.
    v.push((
        oids::HR_SW_INSTALLED_NAME.oid.to_string(),
        MAX_SOFTWARE_ROWS,
    ));
    v
}

/// The fingerprint engine's wanted objects outside the enterprises tree
/// that none of `listed` covers.
fn engine_wanted_standard(listed: &[(String, usize)]) -> Vec<Oid> {
    let listed: Vec<Oid> = listed
        .iter()
        .filter_map(|(o, _)| Oid::parse(o).ok())
        .collect();
    crate::fingerprint::wanted_objects()
        .iter()
        .filter(|o| o.enterprise().is_none())
        .filter(|o| {
            o.to_string() != oids::HR_SW_INSTALLED_NAME.oid
                && !listed.iter().any(|l| o.starts_with(l))
        })
        .cloned()
        .collect()
}

/// The locations asked for a device whose sysObjectID is under
/// `enterprise`: every hand-written location (a vendor may keep its
/// identity under another enterprise) and the engine's compiled objects
/// under the device's own enterprise.
fn wanted_locations(enterprise: Option<u32>) -> Vec<Oid> {
    let mut v = super::vendor::fingerprint_locations();
    v.extend(
        crate::fingerprint::wanted_objects()
            .iter()
            .filter(|o| o.enterprise().is_some() && o.enterprise() == enterprise)
            .cloned(),
    );
    v.sort();
    v.dedup();
    v
}

/// At most this many installed packages are read from one device.
const MAX_SOFTWARE_ROWS: usize = 5_000;

fn system_oids() -> Vec<Oid> {
    [
        oids::SYS_DESCR,
        oids::SYS_OBJECT_ID,
        oids::SYS_UPTIME,
        oids::SYS_CONTACT,
        oids::SYS_NAME,
        oids::SYS_LOCATION,
        oids::SNMP_ENGINE_ID,
    ]
    .iter()
    .filter_map(|k| Oid::parse(k.oid).ok().map(|o| o.child(0)))
    .collect()
}

/// The error behind async-snmp's wrappers.
fn root(e: &async_snmp::Error) -> &async_snmp::Error {
    e.exchange_source()
}

/// Whether an error means "the agent answered" (so the credential works).
fn answered(e: &async_snmp::Error) -> bool {
    matches!(root(e), async_snmp::Error::Snmp { .. })
}

fn snmp_status(e: &async_snmp::Error) -> Option<ErrorStatus> {
    match root(e) {
        async_snmp::Error::Snmp { status, .. } => Some(*status),
        _ => None,
    }
}

fn now_epoch() -> u32 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(1);
    // Keep inside SNMP's engine-boots range (2^31 - 1), leaving room for restart's +1.
    u32::try_from(secs % 2_147_483_000).unwrap_or(1).max(1)
}

/// A DES salt state that is not persisted, shared by every collector of this
/// process (salts come from one counter, so two collectors never reuse one).
/// Its boots epoch is the Unix time, in seconds, of the first call: runs
/// started in different seconds never reuse a salt. The daemon should pass
/// the store's durable state instead (`store::snmp::des_salt_state`).
pub fn ephemeral_des_salt() -> Result<async_snmp::DesSaltState, SnmpError> {
    static STATE: std::sync::OnceLock<Result<async_snmp::DesSaltState, String>> =
        std::sync::OnceLock::new();
    STATE
        .get_or_init(|| {
            let previous =
                async_snmp::PersistedDesSaltState::new(now_epoch().saturating_sub(1).max(1))
                    .map_err(|e| e.to_string())?;
            async_snmp::DesSaltState::restart(previous, |_| Ok::<(), std::io::Error>(()))
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|e| SnmpError::Options(format!("DES salt state: {e}")))
}

impl Collector {
    /// Open the shared UDP socket(s). IPv6 is optional: when the host has no
    /// IPv6, IPv6 targets get no answer (logged once per probe).
    pub async fn new(opts: CollectorOptions) -> Result<Collector, SnmpError> {
        if opts.concurrency == 0 || opts.max_repetitions == 0 || opts.timeout.is_zero() {
            return Err(SnmpError::Options(
                "concurrency, max_repetitions and timeout must be greater than zero".into(),
            ));
        }
        let build = |addr: &str| {
            UdpTransport::builder()
                .bind(addr)
                // Let v3 agents send big bulk replies (see the dependency notes).
                .receive_capacity(65_507)
                .recv_buffer_size(4 << 20)
                .warn_on_source_mismatch(false)
                .build()
        };
        let v4 = build("0.0.0.0:0")
            .await
            .map_err(|e| SnmpError::Bind(e.to_string()))?;
        let v6 = build("[::]:0").await.ok();
        let retry = if opts.retries == 0 {
            Retry::none()
        } else {
            Retry::exponential(opts.retries.min(async_snmp::MAX_RETRIES))
                .initial_delay(Duration::from_millis(50))
                .max_delay(Duration::from_millis(800))
                .jitter(0.2)
                .build()
                .map_err(|e| SnmpError::Options(format!("retries: {e}")))?
        };
        let des_salt = match &opts.des_salt {
            Some(s) => s.clone(),
            None => ephemeral_des_salt()?,
        };
        let limit = Semaphore::new(opts.concurrency);
        Ok(Collector {
            inner: Arc::new(Inner {
                v4,
                v6,
                opts,
                limit,
                engines: Arc::new(EngineCache::new()),
                des_salt,
                retry,
            }),
        })
    }

    /// The options this collector was built with.
    pub fn options(&self) -> &CollectorOptions {
        &self.inner.opts
    }

    /// Datagrams the shared socket has seen: (correlated, discarded, malformed).
    pub fn socket_stats(&self) -> (u64, u64, u64) {
        let s = self.inner.v4.stats();
        (
            s.correlated_datagrams,
            s.discarded_datagrams,
            s.malformed_datagrams,
        )
    }

    async fn client(
        &self,
        ip: IpAddr,
        auth: Auth,
        timeout: Duration,
        retry: Retry,
    ) -> Option<Client<UdpHandle>> {
        let transport = match ip {
            IpAddr::V4(_) => &self.inner.v4,
            IpAddr::V6(_) => match &self.inner.v6 {
                Some(t) => t,
                None => {
                    tracing::warn!(%ip, "no IPv6 socket on this host; skipping SNMP for this address");
                    return None;
                }
            },
        };
        let target = SocketAddr::new(ip, self.inner.opts.port);
        let built = Client::builder(target, auth)
            .request_timeout(timeout)
            .retry(retry)
            .engine_cache(self.inner.engines.clone())
            .des_salt_state(self.inner.des_salt.clone())
            .strict_source(self.inner.opts.strict_source)
            .max_oids_per_request(16)
            .build_with(transport)
            .await;
        match built {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::warn!(%ip, error = %e, "cannot set up an SNMP client");
                None
            }
        }
    }

    /// Find a credential that works on `ip` (trying `preferred` first, then the
    /// others in order, skipping those scoped to other subnets), read the
    /// system group and, at [`Depth::Full`], the inventory tables.
    ///
    /// `Ok(None)`: no credential got an answer (no SNMP agent, or bad
    /// credentials: SNMPv3 agents do not tell the difference). Never panics;
    /// returns within the device budget (plus one request timeout at most).
    pub async fn probe(
        &self,
        ip: IpAddr,
        creds: &[Credential],
        preferred: Option<&str>,
    ) -> Result<Option<SnmpReport>, SnmpError> {
        match self.answer(ip, creds, preferred).await? {
            Some(a) => Ok(Some(self.read(a, self.inner.opts.depth).await?)),
            None => Ok(None),
        }
    }

    /// The first half of [`Collector::probe`]: find a working credential and
    /// read the system group (and the engine ID). `Ok(None)` when nothing
    /// answered.
    pub async fn answer(
        &self,
        ip: IpAddr,
        creds: &[Credential],
        preferred: Option<&str>,
    ) -> Result<Option<Answered>, SnmpError> {
        self.answer_paced(ip, creds, preferred, None).await
    }

    /// [`Collector::answer`], every request paid for from `bucket` (the
    /// run's one packet budget).
    pub async fn answer_paced(
        &self,
        ip: IpAddr,
        creds: &[Credential],
        preferred: Option<&str>,
        bucket: Option<Arc<Bucket>>,
    ) -> Result<Option<Answered>, SnmpError> {
        let _permit = self
            .inner
            .limit
            .acquire()
            .await
            .map_err(|_| SnmpError::Closed)?;
        let started = Instant::now();
        let budget_time = self.inner.opts.device_budget;
        let hard_stop = budget_time + self.inner.opts.timeout;
        match tokio::time::timeout(
            hard_stop,
            self.answer_inner(ip, creds, preferred, started, bucket),
        )
        .await
        {
            Ok(r) => Ok(r),
            Err(_) => {
                tracing::warn!(%ip, budget_ms = budget_time.as_millis() as u64, "SNMP probe cut off at its time budget");
                Ok(None)
            }
        }
    }

    /// The second half of [`Collector::probe`]: with what answered, read the
    /// inventory tables (at [`Depth::Full`]) and make the report.
    pub async fn read(&self, a: Answered, depth: Depth) -> Result<SnmpReport, SnmpError> {
        let _permit = self
            .inner
            .limit
            .acquire()
            .await
            .map_err(|_| SnmpError::Closed)?;
        let ip = a.ip;
        let hard_stop =
            a.budget.deadline.saturating_duration_since(Instant::now()) + self.inner.opts.timeout;
        let fallback = a.system_report();
        match tokio::time::timeout(hard_stop, self.collect(a, depth)).await {
            Ok(r) => Ok(r),
            Err(_) => {
                tracing::warn!(%ip, "SNMP walk cut off at its time budget");
                Ok(fallback)
            }
        }
    }

    async fn answer_inner(
        &self,
        ip: IpAddr,
        creds: &[Credential],
        preferred: Option<&str>,
        started: Instant,
        bucket: Option<Arc<Bucket>>,
    ) -> Option<Answered> {
        let opts = &self.inner.opts;
        let usable: Vec<&Credential> = creds.iter().filter(|c| c.applies_to(ip)).collect();
        if usable.is_empty() {
            tracing::debug!(%ip, "no SNMP credential applies to this address");
            return None;
        }
        // Every way to ask: each credential's variants, and a v2c community
        // once more as SNMPv1 (v1-only agents ignore v2c).
        let mut attempts: Vec<Attempt> = Vec::new();
        for cred in &usable {
            for auth in cred.auths() {
                attempts.push(Attempt {
                    credential: cred.name().to_string(),
                    auth,
                    version: cred.version(),
                    retry: self.inner.retry.clone(),
                    fallback: false,
                });
            }
            if cred.version() == SnmpVersion::V2c
                && opts.v1_fallback
                && let Some(Auth::Community { community, .. }) = cred.auths().into_iter().next()
            {
                attempts.push(Attempt {
                    credential: cred.name().to_string(),
                    auth: Auth::v1(community),
                    version: SnmpVersion::V1,
                    retry: Retry::none(),
                    fallback: true,
                });
            }
        }
        let budget = || Budget {
            deadline: started + opts.device_budget,
            requests: 0,
            max_requests: opts.max_requests_per_device,
            bucket: bucket.clone(),
        };
        // The credential that worked last time, alone first: one request.
        let (first, rest): (Vec<Attempt>, Vec<Attempt>) = attempts.into_iter().partition(|a| {
            Some(a.credential.as_str()) == preferred && a.version != SnmpVersion::V1
        });
        if !first.is_empty()
            && let Some(a) = self.race(ip, first, &budget, started).await
        {
            return Some(a);
        }
        // Everything else at once: a silent host costs one timeout, not one
        // per credential.
        let found = self.race(ip, rest, &budget, started).await;
        if found.is_none() {
            tracing::debug!(%ip, "no SNMP answer with any credential (no response or bad credentials)");
        }
        found
    }

    /// Try `attempts` at the same time; the first that answers wins (the
    /// others are dropped).
    async fn race(
        &self,
        ip: IpAddr,
        attempts: Vec<Attempt>,
        budget: &(dyn Fn() -> Budget + Sync),
        started: Instant,
    ) -> Option<Answered> {
        let mut set = tokio::task::JoinSet::new();
        // SNMPv1 tries of v2c communities go a fifth of a timeout later:
        // an agent that speaks v2c answers before they are sent (and they
        // are then never sent); a v1-only agent still answers within about
        // one timeout.
        let v1_delay = self.inner.opts.timeout / 5;
        for a in attempts {
            let me = self.clone();
            let mut b = budget();
            set.spawn(async move {
                if a.version == SnmpVersion::V1 && a.fallback {
                    tokio::time::sleep(v1_delay).await;
                }
                let client = me
                    .client(ip, a.auth, me.inner.opts.timeout, a.retry)
                    .await?;
                match me.system(&client, a.version, &mut b).await {
                    Ok(facts) => {
                        tracing::debug!(%ip, credential = a.credential, version = a.version.label(), "SNMP agent answered");
                        Some(Answered {
                            ip,
                            client,
                            version: a.version,
                            credential: a.credential,
                            facts,
                            budget: b,
                            started,
                        })
                    }
                    Err(reason) => {
                        tracing::debug!(%ip, credential = a.credential, version = a.version.label(), %reason, "no response or bad credentials");
                        None
                    }
                }
            });
        }
        let mut v1: Option<Answered> = None;
        while let Some(done) = set.join_next().await {
            let Ok(Some(answered)) = done else { continue };
            if answered.version != SnmpVersion::V1 {
                return Some(answered);
            }
            // An agent that speaks v2c answers the v1 request too, as
            // fast: give the v2c request the same community sent a moment
            // to arrive before settling for v1 (no GETBULK).
            v1.get_or_insert(answered);
            let grace = Duration::from_millis(300).min(self.inner.opts.timeout);
            let deadline = tokio::time::Instant::now() + grace;
            while let Ok(Some(more)) = tokio::time::timeout_at(deadline, set.join_next()).await {
                if let Ok(Some(a)) = more
                    && a.version != SnmpVersion::V1
                {
                    return Some(a);
                }
            }
            return v1;
        }
        v1
    }

    /// GET the system group. Ok when the agent answered (even with errors);
    /// Err(reason) when it did not.
    async fn system(
        &self,
        client: &Client<UdpHandle>,
        version: SnmpVersion,
        budget: &mut Budget,
    ) -> Result<SnmpFacts, String> {
        let oids = system_oids();
        let wire: Vec<async_snmp::Oid> = oids.iter().map(to_wire_oid).collect();
        let mut facts = SnmpFacts::new();
        budget.spend().await;
        match tokio::time::timeout_at(budget.deadline, client.get_many(&wire)).await {
            Err(_) => return Err("device budget spent".into()),
            Ok(Ok(resp)) => {
                for vb in &resp.varbinds {
                    if !convert::is_exception(&vb.value) {
                        facts.insert(convert::oid(&vb.oid), convert::value(&vb.value));
                    }
                }
            }
            Ok(Err(e)) if answered(&e) => {
                // SNMPv1 fails the whole GET when one object is missing:
                // ask one at a time.
                let _ = version;
                for o in &wire {
                    if budget.exhausted() {
                        break;
                    }
                    budget.spend().await;
                    if let Ok(Ok(resp)) =
                        tokio::time::timeout_at(budget.deadline, client.get(o)).await
                    {
                        for vb in &resp.varbinds {
                            if !convert::is_exception(&vb.value) {
                                facts.insert(convert::oid(&vb.oid), convert::value(&vb.value));
                            }
                        }
                    }
                }
            }
            Ok(Err(e)) => return Err(e.to_string()),
        }
        Ok(facts)
    }

    async fn collect(&self, a: Answered, depth: Depth) -> SnmpReport {
        let Answered {
            ip,
            client,
            version,
            credential,
            facts,
            mut budget,
            started,
        } = a;
        let mut report = SnmpReport {
            version: version.label().to_string(),
            credential,
            facts,
            ..SnmpReport::default()
        };
        if depth == Depth::Full {
            let mut reps = self.inner.opts.max_repetitions;
            let mut failures_in_a_row = 0u32;
            let subtrees: Vec<Subtree> = full_subtrees()
                .into_iter()
                .filter_map(|(o, max_rows)| {
                    Oid::parse(&o).ok().map(|oid| Subtree {
                        oid,
                        max_rows: max_rows.min(self.inner.opts.max_rows_per_walk),
                    })
                })
                .collect();
            self.locations(&client, version, &mut report, &mut budget)
                .await;
            for st in subtrees {
                if failures_in_a_row >= 2 {
                    report.incomplete.push(format!(
                        "{}: skipped, the device stopped answering",
                        super::names::display(&st.oid)
                    ));
                    continue;
                }
                if budget.exhausted() {
                    report.incomplete.push(format!(
                        "{}: skipped, request budget or time spent",
                        super::names::display(&st.oid)
                    ));
                    continue;
                }
                let w = self
                    .walk(&client, version, &st, &mut budget, &mut reps)
                    .await;
                for (o, v) in w.rows {
                    report.facts.insert(o, v);
                }
                match &w.end {
                    WalkEnd::Complete => failures_in_a_row = 0,
                    WalkEnd::Failed(reason) if reason.contains("timeout") => {
                        failures_in_a_row += 1;
                        report.incomplete.push(format!(
                            "{}: {}",
                            super::names::display(&st.oid),
                            reason
                        ));
                    }
                    other => {
                        failures_in_a_row = 0;
                        if !matches!(other, WalkEnd::EmptyReply) {
                            report.incomplete.push(format!(
                                "{}: {}",
                                super::names::display(&st.oid),
                                describe(other)
                            ));
                        }
                    }
                }
            }
        }
        report.fill_system();
        if depth == Depth::Full {
            report.decode_tables();
        }
        report.requests = budget.requests;
        report.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        tracing::debug!(
            %ip,
            credential = report.credential,
            version = report.version,
            requests = report.requests,
            elapsed_ms = report.elapsed_ms,
            values = report.facts.len(),
            incomplete = report.incomplete.len(),
            "SNMP probe done"
        );
        report
    }

    /// Read the fingerprint engine's model/serial/firmware locations: one
    /// GETNEXT per 16 locations (the first row of a column, or a scalar's
    /// `.0`), then a short walk of every location under the device's own
    /// enterprise that answered (so later rows of a column are there too).
    /// SNMPv1 fails a whole GETNEXT when one object is past the end, so v1
    /// asks only for locations under the device's own enterprise, one by one.
    async fn locations(
        &self,
        client: &Client<UdpHandle>,
        version: SnmpVersion,
        report: &mut SnmpReport,
        budget: &mut Budget,
    ) {
        let enterprise = report
            .facts
            .get(&Oid::from_arcs(vec![1, 3, 6, 1, 2, 1, 1, 2, 0]))
            .and_then(Value::as_oid)
            .and_then(Oid::enterprise);
        let all = wanted_locations(enterprise);
        let own: Vec<Oid> = all
            .iter()
            .filter(|o| o.enterprise().is_some() && o.enterprise() == enterprise)
            .cloned()
            .collect();
        let asked: Vec<Oid> = if version == SnmpVersion::V1 {
            own.clone()
        } else {
            all
        };
        let chunk = if version == SnmpVersion::V1 { 1 } else { 16 };
        let mut hits: Vec<Oid> = Vec::new();
        let mut silent = 0u32;
        for group in asked.chunks(chunk) {
            if budget.exhausted() {
                report
                    .incomplete
                    .push("fingerprint locations: skipped, request budget or time spent".into());
                return;
            }
            if silent >= 2 {
                report
                    .incomplete
                    .push("fingerprint locations: skipped, GETNEXT gets no reply".into());
                break;
            }
            let wire: Vec<async_snmp::Oid> = group.iter().map(to_wire_oid).collect();
            budget.spend().await;
            let resp =
                match tokio::time::timeout_at(budget.deadline, client.get_next_many(&wire)).await {
                    Ok(Ok(resp)) => {
                        silent = 0;
                        resp
                    }
                    Ok(Err(e)) if answered(&e) => {
                        silent = 0;
                        continue;
                    }
                    _ => {
                        silent += 1;
                        continue;
                    }
                };
            for vb in &resp.varbinds {
                if convert::is_exception(&vb.value) {
                    continue;
                }
                let oid = convert::oid(&vb.oid);
                if let Some(prefix) = group.iter().find(|p| oid.starts_with(p) && oid != **p) {
                    hits.push(prefix.clone());
                    report.facts.insert(oid, convert::value(&vb.value));
                }
            }
        }
        let mut reps = self.inner.opts.max_repetitions.min(16);
        for prefix in own.iter().filter(|o| hits.contains(o)) {
            if budget.exhausted() {
                return;
            }
            let st = Subtree {
                oid: prefix.clone(),
                max_rows: 64,
            };
            let w = self.walk(client, version, &st, budget, &mut reps).await;
            for (o, v) in w.rows {
                report.facts.insert(o, v);
            }
        }
    }

    /// Walk one subtree of `ip` with `cred` (its first variant, no credential
    /// search, no v1 fallback), under this collector's device budget. For
    /// benchmarks and checks; returns the rows, how the walk ended and the
    /// requests sent.
    pub async fn walk_subtree(
        &self,
        ip: IpAddr,
        cred: &Credential,
        root: &Oid,
        max_rows: usize,
    ) -> Result<(Vec<(Oid, Value)>, WalkEnd, u32), SnmpError> {
        let _permit = self
            .inner
            .limit
            .acquire()
            .await
            .map_err(|_| SnmpError::Closed)?;
        let auth = cred.auths().into_iter().next().ok_or_else(|| {
            SnmpError::Options(format!(
                "credential `{}` has no usable settings",
                cred.name()
            ))
        })?;
        let Some(client) = self
            .client(ip, auth, self.inner.opts.timeout, self.inner.retry.clone())
            .await
        else {
            return Ok((
                Vec::new(),
                WalkEnd::Failed("no client for this address".into()),
                0,
            ));
        };
        let mut budget = Budget {
            deadline: Instant::now() + self.inner.opts.device_budget,
            requests: 0,
            max_requests: self.inner.opts.max_requests_per_device,
            bucket: None,
        };
        let mut reps = self.inner.opts.max_repetitions;
        let st = Subtree {
            oid: root.clone(),
            max_rows,
        };
        let w = self
            .walk(&client, cred.version(), &st, &mut budget, &mut reps)
            .await;
        Ok((w.rows, w.end, budget.requests))
    }

    /// Walk one subtree with GETBULK (GETNEXT for v1), shrinking
    /// max-repetitions on tooBig/genErr/timeouts, guarded against loops.
    async fn walk(
        &self,
        client: &Client<UdpHandle>,
        version: SnmpVersion,
        st: &Subtree,
        budget: &mut Budget,
        reps: &mut u32,
    ) -> Walked {
        let mut guard = WalkGuard::new(st.oid.clone(), st.max_rows);
        let mut rows = Vec::new();
        let v1 = version == SnmpVersion::V1;
        loop {
            if budget.exhausted() {
                return Walked {
                    rows,
                    end: WalkEnd::Budget,
                };
            }
            let cursor = to_wire_oid(guard.cursor());
            budget.spend().await;
            let res = if v1 {
                tokio::time::timeout_at(budget.deadline, async {
                    client.get_next(&cursor).await.map(|r| r.varbinds)
                })
                .await
            } else {
                tokio::time::timeout_at(
                    budget.deadline,
                    client.get_bulk(
                        std::slice::from_ref(&cursor),
                        0,
                        (*reps).min(st.max_rows as u32 + 1),
                    ),
                )
                .await
            };
            let res = match res {
                Err(_) => {
                    return Walked {
                        rows,
                        end: WalkEnd::Budget,
                    };
                }
                Ok(r) => r,
            };
            match res {
                Ok(vbs) => {
                    let reply: Vec<(Oid, Value)> = vbs
                        .iter()
                        .map(|vb| (convert::oid(&vb.oid), convert::value(&vb.value)))
                        .collect();
                    match guard.accept(&reply, &mut rows) {
                        Step::Continue(_) => {}
                        Step::Done(end) => return Walked { rows, end },
                    }
                }
                Err(e) => match snmp_status(&e) {
                    Some(ErrorStatus::NoSuchName) if v1 => {
                        return Walked {
                            rows,
                            end: WalkEnd::Complete,
                        };
                    }
                    Some(ErrorStatus::TooBig | ErrorStatus::GenErr) if !v1 => {
                        match shrink_repetitions(*reps) {
                            Some(r) => *reps = r,
                            None => {
                                return Walked {
                                    rows,
                                    end: WalkEnd::Failed(format!("agent error {e}")),
                                };
                            }
                        }
                    }
                    Some(status) => {
                        return Walked {
                            rows,
                            end: WalkEnd::Failed(format!("agent error {status}")),
                        };
                    }
                    None => {
                        let is_timeout = matches!(root(&e).kind(), async_snmp::ErrorKind::Timeout);
                        // An agent that drops big replies: try smaller ones once.
                        if is_timeout && !v1 && *reps > 5 {
                            *reps = 5;
                            continue;
                        }
                        let reason = if is_timeout {
                            "timeout (no reply after retries)".to_string()
                        } else {
                            e.to_string()
                        };
                        return Walked {
                            rows,
                            end: WalkEnd::Failed(reason),
                        };
                    }
                },
            }
        }
    }
}

fn describe(end: &WalkEnd) -> String {
    match end {
        WalkEnd::Complete => "complete".into(),
        WalkEnd::NonIncreasing { oid } => {
            format!("cut off: agent returned non-increasing OID {oid}")
        }
        WalkEnd::RowLimit => "cut off at the row limit".into(),
        WalkEnd::EmptyReply => "empty reply".into(),
        WalkEnd::Budget => "cut off: request budget or time spent".into(),
        WalkEnd::Failed(r) => r.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_subtrees_parse_and_are_unique() {
        let subs = full_subtrees();
        let mut seen = std::collections::BTreeSet::new();
        for (o, rows) in &subs {
            assert!(Oid::parse(o).is_ok(), "{o}");
            assert!(*rows > 0);
            assert!(seen.insert(o.clone()), "{o} twice");
        }
    }

    /// Every OID the fingerprint engine wants is fetched: standard ones
    /// are walked at Full depth, enterprise ones are asked as locations of
    /// a device under that enterprise.
    #[test]
    fn collector_fetches_every_object_the_engine_wants() {
        let walked: Vec<Oid> = full_subtrees()
            .iter()
            .filter_map(|(o, _)| Oid::parse(o).ok())
            .collect();
        for w in crate::fingerprint::wanted_objects() {
            match w.enterprise() {
                None => assert!(
                    walked.iter().any(|p| w.starts_with(p)),
                    "{w} is wanted but not walked"
                ),
                Some(e) => assert!(
                    wanted_locations(Some(e)).contains(w),
                    "{w} is wanted but not asked for enterprise {e}"
                ),
            }
        }
    }

    #[test]
    fn ephemeral_des_salt_is_shared_by_the_process() {
        let a = ephemeral_des_salt().unwrap();
        let b = ephemeral_des_salt().unwrap();
        assert_eq!(a.engine_boots(), b.engine_boots());
        let x = a.reserve().unwrap();
        let y = b.reserve().unwrap();
        assert_ne!(x, y, "two collectors must never get the same DES salt");
    }

    #[test]
    fn collector_is_clone_send_sync() {
        fn check<T: Clone + Send + Sync + 'static>() {}
        check::<Collector>();
        check::<SnmpReport>();
        check::<Credential>();
    }

    #[tokio::test]
    async fn probe_without_credentials_is_none_and_quick() {
        let c = Collector::new(CollectorOptions::default()).await.unwrap();
        // TEST-NET-3, but no credential applies, so nothing is sent.
        let r = c
            .probe("203.0.113.9".parse().unwrap(), &[], None)
            .await
            .unwrap();
        assert!(r.is_none());
    }
}
