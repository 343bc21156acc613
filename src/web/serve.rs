//! Serving the page so that nothing a client does can stop a scan.
//!
//! - **Descriptor budget.** At start the soft `RLIMIT_NOFILE` is raised to
//!   the hard limit ([`raise_descriptor_limit`]); [`Limits::for_descriptors`]
//!   then caps concurrent connections well below it, leaving
//!   [`SCAN_RESERVE`] descriptors (and as many again) for probes, SNMP, DNS
//!   and SQLite. The page's own store reads are bounded apart from the
//!   connections ([`super::READERS`] and [`super::HEALTH_READERS`] at once),
//!   so many clients asking at once cannot eat into that reserve either.
//! - **Cap.** At most `max_connections` connections are open (one more is
//!   held while room is made). A new connection past the cap closes the
//!   oldest *idle* one (no request in progress: never sent one, or between
//!   requests on keep-alive); when every connection has a request in
//!   progress, accepting waits. Waiting connections stay in the kernel's
//!   backlog, costing no descriptor.
//! - **Timeouts.** A request head must arrive within `header_read_timeout`
//!   of the connection opening or of the previous response (hyper restarts
//!   the timer for each head, so it is also the keep-alive idle timeout);
//!   a connection lives at most `lifetime`.
//!
//! HTTP/1.1 only. **TLS seam:** the accept loop counts each TCP connection
//! against the cap, then hands it to an [`Accept`] implementation, which
//! returns the byte stream hyper serves. [`Plain`] returns the TCP stream
//! itself; a TLS acceptor implements [`Accept`] with its handshake (run
//! under the header-read timeout) and is passed to [`serve`] instead.

use axum::Router;
use hyper::body::Incoming;
use hyper::service::Service as _;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot, watch};

/// Descriptors kept free for scanning (raw sockets, SNMP and DNS sockets,
/// SQLite files, the runtime itself).
pub const SCAN_RESERVE: u64 = 256;
/// Never more connections than this, however high the descriptor limit.
pub const MAX_CONNECTIONS: usize = 512;
/// Never fewer (a machine with a tiny limit still serves the page).
pub const MIN_CONNECTIONS: usize = 8;
/// How long a request head may take, from connect or the last response.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest a connection may stay open.
pub const CONNECTION_LIFETIME: Duration = Duration::from_secs(120);
/// How long connections get to finish when the daemon stops.
pub const DRAIN: Duration = Duration::from_secs(5);
/// The listen backlog: connections waiting here cost no descriptor.
pub const BACKLOG: i32 = 1024;

/// The address a request's connection was accepted on (a request
/// extension [`serve`] adds): the guard checks `Host` against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalAddr(pub SocketAddr);

/// The server's limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// See [`HEADER_READ_TIMEOUT`].
    pub header_read_timeout: Duration,
    /// See [`CONNECTION_LIFETIME`].
    pub lifetime: Duration,
}

impl Limits {
    /// The limits for a process allowed `nofile` open descriptors: half of
    /// what is left after [`SCAN_RESERVE`], between [`MIN_CONNECTIONS`] and
    /// [`MAX_CONNECTIONS`].
    pub fn for_descriptors(nofile: u64) -> Limits {
        let spare = nofile.saturating_sub(SCAN_RESERVE) / 2;
        let cap = usize::try_from(spare)
            .unwrap_or(MAX_CONNECTIONS)
            .clamp(MIN_CONNECTIONS, MAX_CONNECTIONS);
        Limits {
            max_connections: cap,
            header_read_timeout: HEADER_READ_TIMEOUT,
            lifetime: CONNECTION_LIFETIME,
        }
    }
}

/// Raise the soft `RLIMIT_NOFILE` to the hard limit and return the soft
/// limit now in force (or 1024, the usual default, when it cannot be read).
pub fn raise_descriptor_limit() -> u64 {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return 1024;
    };
    if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
        return hard;
    }
    soft
}

/// Bind the page's listener (before any namespace switch), with a
/// [`BACKLOG`]-deep queue.
pub fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let domain = socket2::Domain::for_address(addr);
    let sock = socket2::Socket::new(domain, socket2::Type::STREAM, Some(socket2::Protocol::TCP))?;
    sock.set_reuse_address(true)?;
    if addr.is_ipv6() {
        // `[::]` means IPv6 (and IPv4 where the system maps it), as std does.
        let _ = sock.set_only_v6(false);
    }
    sock.bind(&addr.into())?;
    sock.listen(BACKLOG)?;
    Ok(sock.into())
}

/// Turns an accepted TCP connection into the stream hyper serves: the
/// seam where TLS goes (see the module docs).
pub trait Accept: Clone + Send + Sync + 'static {
    /// The stream served.
    type Io: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// Set up one connection (for TLS: the handshake).
    fn accept(&self, tcp: TcpStream) -> impl Future<Output = io::Result<Self::Io>> + Send;
}

/// Plain HTTP: the TCP stream as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Plain;

impl Accept for Plain {
    type Io = TcpStream;
    async fn accept(&self, tcp: TcpStream) -> io::Result<TcpStream> {
        Ok(tcp)
    }
}

/// The open connections, oldest first.
#[derive(Default)]
struct Conns {
    slots: Mutex<Vec<Slot>>,
    /// A connection closed or went idle.
    changed: Notify,
    next: AtomicU64,
}

struct Slot {
    id: u64,
    busy: Arc<AtomicUsize>,
    kill: Option<oneshot::Sender<()>>,
}

impl Conns {
    fn len(&self) -> usize {
        self.slots.lock().map_or(0, |s| s.len())
    }

    fn add(&self) -> (u64, Arc<AtomicUsize>, oneshot::Receiver<()>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let busy = Arc::new(AtomicUsize::new(0));
        let (tx, rx) = oneshot::channel();
        if let Ok(mut s) = self.slots.lock() {
            s.push(Slot {
                id,
                busy: busy.clone(),
                kill: Some(tx),
            });
        }
        (id, busy, rx)
    }

    fn remove(&self, id: u64) {
        if let Ok(mut s) = self.slots.lock() {
            s.retain(|slot| slot.id != id);
        }
        self.changed.notify_waiters();
    }

    /// Close the oldest connection without a request in progress; false
    /// when every connection is busy.
    fn evict_oldest_idle(&self) -> bool {
        let Ok(mut s) = self.slots.lock() else {
            return false;
        };
        let Some(i) = s
            .iter()
            .position(|slot| slot.busy.load(Ordering::Acquire) == 0)
        else {
            return false;
        };
        let mut slot = s.remove(i);
        if let Some(kill) = slot.kill.take() {
            let _ = kill.send(());
        }
        true
    }
}

/// Removes a connection from the registry when its task ends.
struct SlotGuard(Arc<Conns>, u64);

impl Drop for SlotGuard {
    fn drop(&mut self) {
        self.0.remove(self.1);
    }
}

/// Counts a request in progress on one connection.
struct BusyGuard(Arc<AtomicUsize>, Arc<Conns>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        if self.0.fetch_sub(1, Ordering::AcqRel) == 1 {
            self.1.changed.notify_waiters();
        }
    }
}

/// Serve `app` on `listener` within `limits` until `stop` resolves, then
/// give open connections [`DRAIN`] to finish.
pub async fn serve<A: Accept>(
    listener: TcpListener,
    acceptor: A,
    app: Router,
    limits: Limits,
    stop: impl Future<Output = ()> + Send,
) {
    let conns = Arc::new(Conns::default());
    let (closing_tx, closing) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    let mut accept_errors = 0u64;
    tokio::pin!(stop);
    loop {
        let accepted = tokio::select! {
            () = &mut stop => break,
            Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
            r = listener.accept() => r,
        };
        let tcp = match accepted {
            Ok((tcp, _)) => tcp,
            Err(e) => {
                accept_errors += 1;
                if accept_errors == 1 || accept_errors.is_multiple_of(1000) {
                    tracing::warn!(error = %e, count = accept_errors, "status page: cannot accept a connection");
                }
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
                ) {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                continue;
            }
        };
        // Make room: close the oldest idle connection, or wait for one.
        while conns.len() >= limits.max_connections {
            let changed = conns.changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if conns.evict_oldest_idle() {
                break;
            }
            tokio::select! {
                () = &mut stop => return drain(tasks, closing_tx).await,
                () = changed => {}
                () = tokio::time::sleep(Duration::from_secs(1)) => {}
            }
        }
        let (id, busy, kill) = conns.add();
        let guard = SlotGuard(conns.clone(), id);
        let local = tcp.local_addr().ok().map(LocalAddr);
        let service = counted(app.clone(), busy, conns.clone(), local);
        let acceptor = acceptor.clone();
        let mut closing = closing.clone();
        tasks.spawn(async move {
            let _guard = guard;
            let io = match tokio::time::timeout(limits.header_read_timeout, acceptor.accept(tcp))
                .await
            {
                Ok(Ok(io)) => io,
                _ => return,
            };
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(io), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = kill => {}
                () = tokio::time::sleep(limits.lifetime) => {}
                () = async { let _ = closing.wait_for(|c| *c).await; } => {
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(DRAIN, conn).await;
                }
            }
        });
    }
    drain(tasks, closing_tx).await;
}

/// Ask every connection to finish, and wait for them at most [`DRAIN`].
async fn drain(mut tasks: tokio::task::JoinSet<()>, closing: watch::Sender<bool>) {
    let _ = closing.send(true);
    let _ = tokio::time::timeout(DRAIN + Duration::from_secs(1), async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    tasks.abort_all();
}

/// The router as a hyper service that marks its connection busy while a
/// request is in progress.
fn counted(
    app: Router,
    busy: Arc<AtomicUsize>,
    conns: Arc<Conns>,
    local: Option<LocalAddr>,
) -> impl hyper::service::Service<
    hyper::Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone
+ Send
+ 'static {
    let inner = TowerToHyperService::new(app);
    let svc = move |mut req: hyper::Request<Incoming>| {
        if let Some(l) = local {
            req.extensions_mut().insert(l);
        }
        busy.fetch_add(1, Ordering::AcqRel);
        let guard = BusyGuard(busy.clone(), conns.clone());
        let fut = inner.call(req);
        async move {
            let r = fut.await;
            drop(guard);
            r
        }
    };
    hyper::service::service_fn(svc)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use std::io::{Read, Write};

    #[test]
    fn limits_leave_room_for_scanning() {
        let cases = [
            (1024, 384),
            (4096, 512),
            (1 << 20, 512),
            (256, MIN_CONNECTIONS),
            (0, MIN_CONNECTIONS),
            (u64::MAX, 512),
        ];
        for (nofile, cap) in cases {
            let l = Limits::for_descriptors(nofile);
            assert_eq!(l.max_connections, cap, "{nofile}");
            if nofile >= 1024 {
                // Sockets, plus every store read the page may hold at once.
                let readers = (super::super::READERS + super::super::HEALTH_READERS)
                    * super::super::DESCRIPTORS_PER_READER;
                assert!(
                    (l.max_connections + readers) as u64 + SCAN_RESERVE * 2 <= nofile,
                    "{nofile}"
                );
            }
        }
    }

    /// A server on loopback with small limits; returns its port and a
    /// sender that stops it.
    async fn start(limits: Limits) -> (u16, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let std = bind("127.0.0.1:0".parse().unwrap()).unwrap();
        std.set_nonblocking(true).unwrap();
        let port = std.local_addr().unwrap().port();
        let listener = TcpListener::from_std(std).unwrap();
        let app = Router::new().route("/healthz", get(|| async { "ok" }));
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(listener, Plain, app, limits, async move {
            let _ = rx.await;
        }));
        (port, tx, task)
    }

    /// Blocking GET on its own thread (the test's runtime keeps serving).
    async fn get_healthz(port: u16) -> io::Result<String> {
        tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(("127.0.0.1", port))?;
            s.set_read_timeout(Some(Duration::from_secs(5)))?;
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
            let mut out = String::new();
            s.read_to_string(&mut out)?;
            Ok(out)
        })
        .await
        .map_err(io::Error::other)?
    }

    /// Whether the server closed `s` within `limit` (EOF or reset on read).
    fn closed_within(s: &mut std::net::TcpStream, limit: Duration) -> bool {
        s.set_read_timeout(Some(limit)).unwrap();
        let mut buf = [0u8; 512];
        loop {
            match s.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => continue,
                Err(e)
                    if e.kind() == io::ErrorKind::WouldBlock
                        || e.kind() == io::ErrorKind::TimedOut =>
                {
                    return false;
                }
                Err(_) => return true,
            }
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serve_answers_past_the_cap_by_closing_idle_connections() {
        let limits = Limits {
            max_connections: 4,
            header_read_timeout: Duration::from_secs(30),
            lifetime: Duration::from_secs(60),
        };
        let (port, stop, task) = start(limits).await;
        // Twenty idle connections: five times the cap, none sends a byte.
        let idle: Vec<std::net::TcpStream> = (0..20)
            .map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        let reply = get_healthz(port).await.unwrap();
        assert!(
            reply.starts_with("HTTP/1.1 200") && reply.ends_with("ok"),
            "{reply}"
        );
        // The oldest idle ones were closed to make room.
        let mut first = idle.into_iter().next().unwrap();
        assert!(closed_within(&mut first, Duration::from_secs(5)));
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn serve_closes_idle_half_sent_and_kept_alive_connections() {
        let limits = Limits {
            max_connections: 16,
            header_read_timeout: Duration::from_millis(400),
            lifetime: Duration::from_secs(60),
        };
        let (port, stop, task) = start(limits).await;
        let (idle, half, kept) = tokio::task::spawn_blocking(move || {
            let connect = || std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
            let mut idle = connect();
            let mut half = connect();
            half.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
            let mut kept = connect();
            kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
                .unwrap();
            let mut buf = [0u8; 256];
            let n = kept.read(&mut buf).unwrap();
            assert!(String::from_utf8_lossy(&buf[..n]).contains("200 OK"));
            let limit = Duration::from_secs(5);
            (
                closed_within(&mut idle, limit),
                closed_within(&mut half, limit),
                closed_within(&mut kept, limit),
            )
        })
        .await
        .unwrap();
        assert!(idle, "a connection that never sends is closed");
        assert!(half, "a half-sent request head is closed");
        assert!(kept, "an idle keep-alive connection is closed");
        let _ = stop.send(());
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .unwrap()
            .unwrap();
    }
}
