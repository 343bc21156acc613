//! HTTPS for the page: rustls (ring provider) with the PEM certificate and
//! key named by `web.tls_cert` and `web.tls_key`.
//!
//! [`Tls`] is the page server's [`Accept`](super::serve::Accept) for HTTPS:
//! [`super::serve::serve`] counts each TCP connection against its cap, then
//! runs the handshake under its header-read timeout, so a client that never
//! finishes one holds a slot for at most that long and never holds up the
//! others.

use crate::config::{Located, TlsFiles};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Why TLS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// A PEM file is unreadable, empty, unsafe or does not fit its partner.
    #[error("{config} line {line}: `{key}`: {message}")]
    File {
        /// The config file.
        config: PathBuf,
        /// Its line naming the file.
        line: usize,
        /// `web.tls_cert` or `web.tls_key`.
        key: &'static str,
        /// What is wrong and what to do.
        message: String,
    },
}

/// Load the certificate chain and key into a rustls server config (TLS 1.2
/// and 1.3, HTTP/1.1). The key file is refused when every user may read it.
pub fn server_config(files: &TlsFiles, config: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let err = |at: &Located<PathBuf>, key: &'static str, message: String| TlsError::File {
        config: config.to_path_buf(),
        line: at.line,
        key,
        message,
    };
    let cert_path = &files.cert.value;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert_path)
        .and_then(|it| it.collect::<Result<_, _>>())
        .map_err(|e| {
            err(
                &files.cert,
                "web.tls_cert",
                format!("{}: {e}", cert_path.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(err(
            &files.cert,
            "web.tls_cert",
            format!(
                "{} holds no PEM certificate (-----BEGIN CERTIFICATE-----)",
                cert_path.display()
            ),
        ));
    }
    let key_path = &files.key.value;
    if let Some(mode) = world_readable(key_path) {
        return Err(err(
            &files.key,
            "web.tls_key",
            format!(
                "{} is readable by every user (mode {mode:o}); run `chmod 600 {}` (or 640 with the service's group)",
                key_path.display(),
                key_path.display()
            ),
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key_path).map_err(|e| {
        err(
            &files.key,
            "web.tls_key",
            format!(
                "{}: {e} (a PEM private key: PKCS#8, PKCS#1 RSA or SEC1 EC)",
                key_path.display()
            ),
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut cfg = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|b| b.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|e| {
            err(
                &files.key,
                "web.tls_key",
                format!(
                    "{} does not go with {}: {e}",
                    key_path.display(),
                    cert_path.display()
                ),
            )
        })?;
    cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(cfg))
}

#[cfg(unix)]
fn world_readable(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (mode & 0o004 != 0).then_some(mode & 0o777)
}

#[cfg(not(unix))]
fn world_readable(_: &Path) -> Option<u32> {
    None
}

/// The server side of TLS for one certificate: cheap to clone, one per
/// listener.
#[derive(Clone)]
pub struct Tls {
    acceptor: TlsAcceptor,
}

impl Tls {
    /// From a config made by [`server_config`].
    pub fn new(config: Arc<ServerConfig>) -> Tls {
        Tls {
            acceptor: TlsAcceptor::from(config),
        }
    }

    /// Run the server handshake on an accepted connection (no timeout of
    /// its own: the caller bounds it).
    pub async fn handshake(&self, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        self.acceptor.accept(tcp).await
    }
}

impl super::serve::Accept for Tls {
    type Io = TlsStream<TcpStream>;

    /// The handshake, which the accept loop runs under its header-read
    /// timeout while the connection counts against its cap.
    async fn accept(&self, tcp: TcpStream) -> std::io::Result<TlsStream<TcpStream>> {
        self.handshake(tcp).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};
    use std::process::Command;
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A self-signed EC certificate made the way the appliance makes its own.
    fn openssl_cert(dir: &Path) -> Option<TlsFiles> {
        let ok = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=pandian-test",
                "-addext",
                "subjectAltName=DNS:localhost,IP:127.0.0.1",
                "-keyout",
            ])
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(dir.join("cert.pem"))
            .output()
            .ok()?
            .status
            .success();
        ok.then(|| TlsFiles {
            cert: Located {
                value: dir.join("cert.pem"),
                line: 3,
            },
            key: Located {
                value: dir.join("key.pem"),
                line: 4,
            },
        })
    }

    fn test_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("pandian-tls-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Trusts exactly one certificate (the one the test made).
    #[derive(Debug)]
    struct Pinned(CertificateDer<'static>, Arc<rustls::crypto::CryptoProvider>);

    impl ServerCertVerifier for Pinned {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            _: &[CertificateDer<'_>],
            _: &ServerName<'_>,
            _: &[u8],
            _: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            if end_entity.as_ref() == self.0.as_ref() {
                Ok(ServerCertVerified::assertion())
            } else {
                Err(rustls::Error::General("not the pinned certificate".into()))
            }
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

    #[tokio::test]
    async fn tls_handshake_on_loopback_serves_the_router() {
        let dir = test_dir("handshake");
        let Some(files) = openssl_cert(&dir) else {
            eprintln!("skipped: openssl is not installed (apt-get install openssl)");
            return;
        };
        let cfg = server_config(&files, Path::new("/etc/pandian.toml")).unwrap();
        let std = crate::web::serve::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        std.set_nonblocking(true).unwrap();
        let addr = std.local_addr().unwrap();
        let tcp = tokio::net::TcpListener::from_std(std).unwrap();
        let app = axum::Router::new().route("/healthz", axum::routing::get(|| async { "ok" }));
        let limits = crate::web::serve::Limits {
            max_connections: 8,
            header_read_timeout: Duration::from_secs(1),
            lifetime: Duration::from_secs(30),
        };
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(crate::web::serve::serve(
            tcp,
            Tls::new(cfg),
            app,
            limits,
            async move {
                let _ = stop_rx.await;
            },
        ));

        // A client that connects and never speaks must not block the next
        // one, and is cut off once the header-read timeout has passed.
        let mut silent = TcpStream::connect(addr).await.unwrap();

        let cert = CertificateDer::from_pem_file(dir.join("cert.pem")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let client = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned(cert, provider)))
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let tcp = TcpStream::connect(addr).await.unwrap();
        let name = ServerName::try_from("localhost").unwrap();
        let mut tls = tokio::time::timeout(Duration::from_secs(5), connector.connect(name, tcp))
            .await
            .expect("handshake in time")
            .expect("handshake");
        tls.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut reply = Vec::new();
        tls.read_to_end(&mut reply).await.unwrap();
        let reply = String::from_utf8_lossy(&reply);
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.ends_with("ok"), "{reply}");

        // Plain HTTP on the TLS port gets no page.
        let mut plain = TcpStream::connect(addr).await.unwrap();
        plain
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut buf)).await;
        assert!(
            !String::from_utf8_lossy(&buf).contains("200 OK"),
            "plain HTTP must not be served"
        );
        let mut byte = [0u8; 1];
        let closed = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut byte)).await;
        assert!(
            matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
            "a handshake that never starts is cut off: {closed:?}"
        );
        let _ = stop_tx.send(());
        let _ = tokio::time::timeout(Duration::from_secs(10), server).await;
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn tls_bad_files_name_the_config_line() {
        use std::os::unix::fs::PermissionsExt;
        let dir = test_dir("bad");
        let Some(files) = openssl_cert(&dir) else {
            eprintln!("skipped: openssl is not installed (apt-get install openssl)");
            return;
        };
        let config = Path::new("/etc/pandian.toml");
        std::fs::set_permissions(&files.key.value, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = server_config(&files, config).unwrap_err().to_string();
        assert!(
            err.starts_with("/etc/pandian.toml line 4: `web.tls_key`:")
                && err.contains("readable by every user"),
            "{err}"
        );
        std::fs::set_permissions(&files.key.value, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(server_config(&files, config).is_ok());

        // A certificate file with no certificate; a key that is not a key.
        std::fs::write(dir.join("empty.pem"), "not pem\n").unwrap();
        let swapped = TlsFiles {
            cert: Located {
                value: dir.join("empty.pem"),
                line: 3,
            },
            key: files.key.clone(),
        };
        let err = server_config(&swapped, config).unwrap_err().to_string();
        assert!(err.contains("line 3: `web.tls_cert`"), "{err}");
        let wrong_key = TlsFiles {
            cert: files.cert.clone(),
            key: Located {
                value: dir.join("cert.pem"),
                line: 4,
            },
        };
        std::fs::set_permissions(dir.join("cert.pem"), std::fs::Permissions::from_mode(0o600))
            .unwrap();
        let err = server_config(&wrong_key, config).unwrap_err().to_string();
        assert!(err.contains("line 4: `web.tls_key`"), "{err}");

        // A key from another certificate.
        let other = test_dir("other");
        let other_files = openssl_cert(&other).unwrap();
        let mismatched = TlsFiles {
            cert: files.cert.clone(),
            key: other_files.key.clone(),
        };
        let err = server_config(&mismatched, config).unwrap_err().to_string();
        assert!(err.contains("does not go with"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(&other);
    }
}
