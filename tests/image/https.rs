//! A small blocking HTTP(S) client for the booted appliance: HTTP/1.0 (so
//! replies are never chunked), any certificate accepted but recorded, so the
//! test can compare it with the fingerprint the console shows.

use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A reply.
#[derive(Debug)]
pub struct Reply {
    /// Status code (0 when the connection failed).
    pub status: u16,
    /// Header lines, lower-cased names.
    pub headers: Vec<(String, String)>,
    /// Body as text.
    pub body: String,
    /// SHA-256 of the server's certificate, as `AA:BB:...` (HTTPS only).
    pub cert_sha256: Option<String>,
}

impl Reply {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What to send.
pub struct Request<'a> {
    /// Port on 127.0.0.1 (a QEMU host forward).
    pub port: u16,
    /// HTTPS or plain HTTP.
    pub tls: bool,
    /// Path and query.
    pub path: &'a str,
    /// `user:password` for Basic auth.
    pub basic: Option<&'a str>,
    /// Connect from inside this network namespace (`ip netns` name).
    pub netns: Option<&'a str>,
}

#[derive(Debug)]
struct Recorder(Mutex<Option<Vec<u8>>>, Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Ok(mut slot) = self.0.lock() {
            *slot = Some(end_entity.as_ref().to_vec());
        }
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.1.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.1.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.1.signature_verification_algorithms.supported_schemes()
    }
}

fn connect(port: u16, netns: Option<&str>) -> std::io::Result<TcpStream> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let Some(ns) = netns else {
        return TcpStream::connect_timeout(&addr, Duration::from_secs(10));
    };
    // A socket stays in the namespace it was made in: make it on a thread
    // that entered the namespace, use it from here.
    let ns = ns.to_string();
    std::thread::spawn(move || {
        let file = std::fs::File::open(format!("/run/netns/{ns}"))?;
        nix::sched::setns(&file, nix::sched::CloneFlags::CLONE_NEWNET)
            .map_err(std::io::Error::from)?;
        TcpStream::connect_timeout(&addr, Duration::from_secs(10))
    })
    .join()
    .map_err(|_| std::io::Error::other("connect thread panicked"))?
}

fn sha256_hex(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    d.as_ref()
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// GET `req.path`; `Err` carries why the exchange failed.
pub fn get(req: &Request<'_>) -> Result<Reply, String> {
    let mut tcp = connect(req.port, req.netns).map_err(|e| format!("connect: {e}"))?;
    tcp.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    tcp.set_write_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| e.to_string())?;
    let mut text = format!(
        "GET {} HTTP/1.0\r\nHost: 127.0.0.1\r\nUser-Agent: pandian-image-test\r\n",
        req.path
    );
    if let Some(b) = req.basic {
        let enc = base64::engine::general_purpose::STANDARD.encode(b);
        text.push_str(&format!("Authorization: Basic {enc}\r\n"));
    }
    text.push_str("\r\n");
    let mut raw = Vec::new();
    let mut cert = None;
    if req.tls {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let recorder = Arc::new(Recorder(Mutex::new(None), provider.clone()));
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth();
        let name = ServerName::try_from("pandian").map_err(|e| e.to_string())?;
        let conn =
            rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
        let mut tls = rustls::StreamOwned::new(conn, tcp);
        tls.write_all(text.as_bytes())
            .map_err(|e| format!("TLS write: {e}"))?;
        match tls.read_to_end(&mut raw) {
            Ok(_) => {}
            // hyper may close without close_notify after a complete reply.
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof && !raw.is_empty() => {}
            Err(e) => return Err(format!("TLS read: {e}")),
        }
        cert = recorder.0.lock().ok().and_then(|c| c.clone());
    } else {
        tcp.write_all(text.as_bytes())
            .map_err(|e| format!("write: {e}"))?;
        tcp.read_to_end(&mut raw)
            .map_err(|e| format!("read: {e}"))?;
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("no status line in {head:?}"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_string(),
        cert_sha256: cert.map(|c| sha256_hex(&c)),
    })
}
