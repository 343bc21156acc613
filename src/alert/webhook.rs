//! One webhook POST: resolve, connect (at most 5 s), TLS for https (the
//! built-in Mozilla roots or the configured `ca_file`), one HTTP/1.1
//! request on its own connection, the status of the answer; all of it
//! under the webhook's `timeout`. Errors never carry the URL (it may hold a
//! secret): they name the destination by its redacted form.

use crate::config::WebhookTarget;
use bytes::Bytes;
use http_body_util::Full;
use hyper::header::{self, HeaderName, HeaderValue};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// Connecting gets at most this much of the request's timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What the receiver answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx.
    Accepted,
    /// 408, 429 or 5xx: worth another try.
    Retry(u16),
    /// Any other status: the receiver refused this request; retrying will
    /// not change its mind.
    Refused(u16),
}

/// The TLS client settings for `target` (None for http://). Reads the CA
/// file when one is configured.
pub fn tls_config(target: &WebhookTarget) -> Result<Option<Arc<rustls::ClientConfig>>, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    if !target.https {
        return Ok(None);
    }
    let mut roots = rustls::RootCertStore::empty();
    match &target.ca_file {
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        Some(path) => {
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .and_then(|it| it.collect::<Result<_, _>>())
                .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            if certs.is_empty() {
                return Err(format!(
                    "ca_file {}: no PEM certificates in it",
                    path.display()
                ));
            }
            for c in certs {
                roots
                    .add(c)
                    .map_err(|e| format!("ca_file {}: {e}", path.display()))?;
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("TLS: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Some(Arc::new(cfg)))
}

/// The request for `body` (the event id goes in `Idempotency-Key`, so a
/// receiver can drop a repeat after a crash).
fn request(
    target: &WebhookTarget,
    body: Bytes,
    event_id: i64,
) -> Result<hyper::Request<Full<Bytes>>, String> {
    let default_port = if target.https { 443 } else { 80 };
    let host = if target.host.contains(':') {
        format!("[{}]", target.host)
    } else {
        target.host.clone()
    };
    let host = if target.port == default_port {
        host
    } else {
        format!("{host}:{}", target.port)
    };
    let mut req = hyper::Request::post(target.path_and_query.as_str())
        .header(header::HOST, host)
        .header(header::CONTENT_TYPE, "application/json")
        .header(
            header::USER_AGENT,
            concat!("pandian/", env!("CARGO_PKG_VERSION")),
        )
        .header("idempotency-key", event_id.to_string())
        .body(Full::new(body))
        .map_err(|_| "the URL's path cannot be sent".to_string())?;
    let headers = req.headers_mut();
    if let Some((user, pass)) = &target.userinfo {
        use base64::Engine as _;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        let mut v = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| "the URL's user and password cannot be sent".to_string())?;
        v.set_sensitive(true);
        headers.insert(header::AUTHORIZATION, v);
    }
    for (name, value) in &target.headers {
        let n = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header {name} cannot be sent"))?;
        let mut v =
            HeaderValue::from_str(value).map_err(|_| format!("header {name} cannot be sent"))?;
        v.set_sensitive(true);
        headers.insert(n, v);
    }
    Ok(req)
}

/// POST `body` once, within `limit` (at most the webhook's timeout).
pub async fn post(
    target: &WebhookTarget,
    tls: Option<&Arc<rustls::ClientConfig>>,
    body: Bytes,
    event_id: i64,
    limit: Duration,
) -> Result<Outcome, String> {
    let limit = limit.min(target.timeout);
    match tokio::time::timeout(limit, post_inner(target, tls, body, event_id, limit)).await {
        Err(_) => Err(format!("no answer within {limit:?}")),
        Ok(r) => r,
    }
}

async fn post_inner(
    target: &WebhookTarget,
    tls: Option<&Arc<rustls::ClientConfig>>,
    body: Bytes,
    event_id: i64,
    limit: Duration,
) -> Result<Outcome, String> {
    let req = request(target, body, event_id)?;
    let addr = super::syslog::resolve(&target.host, target.port).await?;
    let connect = limit.min(CONNECT_TIMEOUT);
    let tcp = match tokio::time::timeout(connect, TcpStream::connect(addr)).await {
        Err(_) => return Err(format!("connecting to {addr} timed out after {connect:?}")),
        Ok(Err(e)) => return Err(format!("cannot connect to {addr}: {e}")),
        Ok(Ok(s)) => s,
    };
    let _ = tcp.set_nodelay(true);
    match tls {
        None => exchange(tcp, req).await,
        Some(cfg) => {
            let name = rustls::pki_types::ServerName::try_from(target.host.clone())
                .map_err(|_| format!("`{}` is not a name TLS can check", target.host))?;
            let stream = tokio_rustls::TlsConnector::from(cfg.clone())
                .connect(name, tcp)
                .await
                .map_err(|e| format!("TLS with {addr}: {e}"))?;
            exchange(stream, req).await
        }
    }
}

/// Send `req` over `io` and read the answer's status.
async fn exchange<I>(io: I, req: hyper::Request<Full<Bytes>>) -> Result<Outcome, String>
where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(io))
            .await
            .map_err(|e| format!("HTTP: {e}"))?;
    let driver = tokio::spawn(async move {
        let _ = conn.await;
    });
    let answer = sender.send_request(req).await;
    driver.abort();
    let status = answer.map_err(|e| format!("HTTP: {e}"))?.status().as_u16();
    Ok(match status {
        200..=299 => Outcome::Accepted,
        408 | 429 | 500..=599 => Outcome::Retry(status),
        other => Outcome::Refused(other),
    })
}
