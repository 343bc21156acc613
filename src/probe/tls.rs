//! The TLS side of the TCP probe. The certificate is read with our own
//! ClientHello ([`crate::wire::tls`]): old devices speak only TLS 1.0 or
//! 1.1, which rustls refuses. The page behind HTTPS is fetched with
//! rustls and a verifier that accepts any certificate: we read what a
//! device serves, we do not trust it, send it nothing secret, and keep
//! nothing but the facts.

use super::tcp::read_until;
use crate::wire::tls::{self as wire, Names, Progress};
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use std::net::Ipv4Addr;
use std::sync::{Arc, OnceLock};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Why no certificate or no TLS session.
#[derive(Debug, thiserror::Error)]
pub enum TlsProbeError {
    /// Sending or receiving failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The server's answer was not a certificate.
    #[error("{0}")]
    Wire(#[from] wire::TlsError),
    /// rustls refused the client configuration.
    #[error("TLS client configuration refused")]
    Config,
    /// The server's certificate message did not come in time or whole.
    #[error("no certificate before the answer ended")]
    Incomplete,
}

/// Send our hello on `s` and read the first certificate's names.
pub async fn certificate(s: &mut TcpStream) -> Result<Names, TlsProbeError> {
    let mut random = [0u8; 32];
    // The random need not be secret: no key is ever derived from it.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut random);
    s.write_all(&wire::client_hello(random)).await?;
    let got = read_until(s, super::tcp::READ_CAP, |b| {
        !matches!(wire::server_certificate(b), Ok(Progress::More))
    })
    .await?;
    match wire::server_certificate(&got)? {
        Progress::Certificate(der) => Ok(wire::names(&der)?),
        Progress::More => Err(TlsProbeError::Incomplete),
    }
}

/// A TLS session over `tcp` (TLS 1.2 or 1.3), any certificate accepted.
pub async fn handshake(
    ip: Ipv4Addr,
    tcp: TcpStream,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, TlsProbeError> {
    let connector = tokio_rustls::TlsConnector::from(config().ok_or(TlsProbeError::Config)?);
    let name = ServerName::IpAddress(std::net::IpAddr::V4(ip).into());
    let t = tokio::time::timeout(super::WAIT, connector.connect(name, tcp))
        .await
        .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
    Ok(t)
}

/// The client configuration, built once; `None` if rustls refuses it
/// (it does not with the ring provider's default versions).
fn config() -> Option<Arc<rustls::ClientConfig>> {
    static CONFIG: OnceLock<Option<Arc<rustls::ClientConfig>>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let verifier = Arc::new(AnyCertificate(provider.clone()));
            rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .ok()
                .map(|b| {
                    Arc::new(
                        b.dangerous()
                            .with_custom_certificate_verifier(verifier)
                            .with_no_client_auth(),
                    )
                })
        })
        .clone()
}

/// Accepts every certificate and signature: the probe reads a device's
/// page, it does not authenticate the device.
#[derive(Debug)]
struct AnyCertificate(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AnyCertificate {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
