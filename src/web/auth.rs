//! Who may read the page: HTTP Basic users (`web.users`, Argon2 password
//! hashes) and a bearer token (`web.token_file`). `/healthz` stays open and
//! says nothing but status. Nothing secret is logged or rendered: failures
//! name the user, never the password or token.
//!
//! The seam is [`protect`]: it wraps any router in a middleware that checks
//! the `Authorization` header, so it does not care how the router is built or
//! served (plain TCP or TLS). Argon2 is deliberately slow, so verifications
//! run on blocking threads, at most [`VERIFY_SLOTS`] at a time, and a
//! successful (user, password) pair is remembered as a keyed digest (HMAC with
//! a per-process random key, so nothing stored is a usable password hash).

use crate::config::{Located, WebSettings};
use argon2::{Argon2, PasswordHash, PasswordHasher, PasswordVerifier, password_hash::SaltString};
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

/// Argon2 verifications allowed at once (each takes ~19 MiB and tens of ms).
pub const VERIFY_SLOTS: usize = 2;
/// Remembered successful logins before the memory is cleared.
const REMEMBERED: usize = 256;
/// A bearer token shorter than this is refused (guessable).
pub const MIN_TOKEN_LEN: usize = 16;
/// The longest password `hash-password` accepts.
pub const MAX_PASSWORD_LEN: usize = 1024;

/// Why authentication could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The token file is unreadable, unsafe or malformed.
    #[error("{config} line {line}: `web.token_file`: {message}")]
    TokenFile {
        /// The config file.
        config: PathBuf,
        /// Its line naming the token file.
        line: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// A password could not be hashed.
    #[error("cannot hash the password: {0}")]
    Hash(String),
    /// No randomness from the operating system.
    #[error("the system random number generator failed")]
    Random,
}

/// A bearer token as read from its file. Its `Debug` hides the value.
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

/// Read `web.token_file`: refuse it when every user may read it, when it is
/// not a single token of visible ASCII, or when it is shorter than
/// [`MIN_TOKEN_LEN`].
pub fn read_token_file(file: &Located<PathBuf>, config: &Path) -> Result<Token, AuthError> {
    let err = |message: String| AuthError::TokenFile {
        config: config.to_path_buf(),
        line: file.line,
        message,
    };
    let path = &file.value;
    let meta =
        std::fs::metadata(path).map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if mode & 0o004 != 0 {
            return Err(err(format!(
                "{} is readable by every user (mode {:o}); run `chmod 600 {}` (or 640 with the service's group)",
                path.display(),
                mode & 0o777,
                path.display()
            )));
        }
    }
    if meta.len() > 4096 {
        return Err(err(format!(
            "{} is {} bytes; a token file holds one token",
            path.display(),
            meta.len()
        )));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
    let token = text.trim();
    if token.len() < MIN_TOKEN_LEN || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(err(format!(
            "{} must hold one token of at least {MIN_TOKEN_LEN} visible ASCII characters \
             (e.g. `openssl rand -hex 32`)",
            path.display()
        )));
    }
    Ok(Token(token.to_string()))
}

/// Hash a password for `web.users` (Argon2id, default parameters, random salt).
pub fn hash_password(password: &[u8]) -> Result<String, AuthError> {
    let mut salt = [0u8; 16];
    SystemRandom::new()
        .fill(&mut salt)
        .map_err(|_| AuthError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password, &salt)
        .map(|h| h.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// The page's credentials, checked per request.
pub struct Auth {
    users: Vec<(String, String)>,
    token: Option<hmac::Tag>,
    key: hmac::Key,
    remembered: Mutex<HashSet<Vec<u8>>>,
    slots: Semaphore,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field(
                "users",
                &self.users.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("token", &self.token.is_some())
            .finish()
    }
}

/// What a request presented.
enum Presented {
    Basic { user: String, password: String },
    Bearer(String),
}

impl Auth {
    /// The checker for `[web]`, or `None` when authentication is off (the
    /// config only allows that on loopback). Reads the token file.
    pub fn from_settings(web: &WebSettings, config: &Path) -> Result<Option<Arc<Auth>>, AuthError> {
        if !web.auth_enabled() {
            return Ok(None);
        }
        let token = web
            .token_file
            .as_ref()
            .map(|f| read_token_file(f, config))
            .transpose()?;
        let users = web
            .users
            .iter()
            .map(|u| (u.name.clone(), u.password_hash.clone()))
            .collect();
        Ok(Some(Arc::new(Auth::new(users, token)?)))
    }

    /// A checker for these (name, Argon2 PHC string) users and token.
    pub fn new(users: Vec<(String, String)>, token: Option<Token>) -> Result<Auth, AuthError> {
        let key = hmac::Key::generate(hmac::HMAC_SHA256, &SystemRandom::new())
            .map_err(|_| AuthError::Random)?;
        let token = token.map(|t| hmac::sign(&key, t.0.as_bytes()));
        Ok(Auth {
            users,
            token,
            key,
            remembered: Mutex::new(HashSet::new()),
            slots: Semaphore::new(VERIFY_SLOTS),
        })
    }

    /// Whether the headers carry valid credentials.
    async fn allows(&self, headers: &HeaderMap) -> bool {
        match presented(headers) {
            None => false,
            Some(Presented::Bearer(t)) => self
                .token
                .as_ref()
                .is_some_and(|tag| hmac::verify(&self.key, t.as_bytes(), tag.as_ref()).is_ok()),
            Some(Presented::Basic { user, password }) => {
                let ok = self.check_password(&user, &password).await;
                if !ok {
                    tracing::warn!(user = %user.escape_debug(), "page: wrong user name or password");
                }
                ok
            }
        }
    }

    async fn check_password(&self, user: &str, password: &str) -> bool {
        let mut msg = Vec::with_capacity(user.len() + password.len() + 1);
        msg.extend_from_slice(user.as_bytes());
        msg.push(0);
        msg.extend_from_slice(password.as_bytes());
        let digest = hmac::sign(&self.key, &msg).as_ref().to_vec();
        if self
            .remembered
            .lock()
            .is_ok_and(|set| set.contains(&digest))
        {
            return true;
        }
        // An unknown user costs the same as a known one: verify against the
        // first user's hash and then refuse.
        let known = self.users.iter().find(|(n, _)| n == user);
        let Some((_, phc)) = known.or(self.users.first()) else {
            return false;
        };
        let Ok(_permit) = self.slots.acquire().await else {
            return false;
        };
        let phc = phc.clone();
        let password = password.to_string();
        let verified = tokio::task::spawn_blocking(move || {
            PasswordHash::new(&phc).is_ok_and(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
        })
        .await
        .unwrap_or(false);
        let ok = verified && known.is_some();
        if ok && let Ok(mut set) = self.remembered.lock() {
            if set.len() >= REMEMBERED {
                set.clear();
            }
            set.insert(digest);
        }
        ok
    }

    fn challenge(&self) -> Response {
        let mut resp = (
            StatusCode::UNAUTHORIZED,
            "This page needs a user name and password (or a bearer token).\n",
        )
            .into_response();
        let h = resp.headers_mut();
        if !self.users.is_empty() {
            h.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Pandian\", charset=\"UTF-8\""),
            );
        }
        if self.token.is_some() {
            h.append(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"Pandian\""),
            );
        }
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

/// The credentials in an `Authorization` header, if it is well formed.
fn presented(headers: &HeaderMap) -> Option<Presented> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, rest) = value.split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("basic") {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(rest)
            .ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (user, password) = text.split_once(':')?;
        Some(Presented::Basic {
            user: user.to_string(),
            password: password.to_string(),
        })
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Presented::Bearer(rest.to_string()))
    } else {
        None
    }
}

/// The path that never needs credentials.
pub const OPEN_PATH: &str = "/healthz";

/// Wrap `router` so every request but [`OPEN_PATH`] must authenticate; with
/// `None` (authentication off) the router is returned as it is.
pub fn protect(router: Router, auth: Option<Arc<Auth>>) -> Router {
    match auth {
        None => router,
        Some(auth) => router.layer(middleware::from_fn_with_state(auth, require)),
    }
}

async fn require(State(auth): State<Arc<Auth>>, req: Request, next: Next) -> Response {
    if req.uri().path() == OPEN_PATH || auth.allows(req.headers()).await {
        next.run(req).await
    } else {
        auth.challenge()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    fn basic(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    }

    fn app(auth: Auth) -> Router {
        let router = Router::new()
            .route("/", get(|| async { "inventory" }))
            .route(OPEN_PATH, get(|| async { "{\"status\":\"ok\"}" }));
        protect(router, Some(Arc::new(auth)))
    }

    async fn status(
        app: &Router,
        uri: &str,
        authorization: Option<&str>,
    ) -> (StatusCode, Response) {
        let mut req = Request::builder().uri(uri);
        if let Some(a) = authorization {
            req = req.header(header::AUTHORIZATION, a);
        }
        let resp = app
            .clone()
            .oneshot(req.body(Body::empty()).unwrap())
            .await
            .unwrap();
        (resp.status(), resp)
    }

    fn admin() -> Auth {
        let hash = hash_password(b"correct horse").unwrap();
        Auth::new(vec![("admin".into(), hash)], None).unwrap()
    }

    #[tokio::test]
    async fn auth_basic_right_wrong_and_missing_credentials() {
        let app = app(admin());
        let cases = [
            (Some(basic("admin", "correct horse")), StatusCode::OK),
            (Some(basic("admin", "correct horse")), StatusCode::OK), // remembered
            (Some(basic("admin", "wrong")), StatusCode::UNAUTHORIZED),
            (
                Some(basic("nobody", "correct horse")),
                StatusCode::UNAUTHORIZED,
            ),
            (Some(basic("admin", "")), StatusCode::UNAUTHORIZED),
            (None, StatusCode::UNAUTHORIZED),
            (Some("Basic !!!not-base64".into()), StatusCode::UNAUTHORIZED),
            (Some("Basic".into()), StatusCode::UNAUTHORIZED),
            (Some("Digest admin".into()), StatusCode::UNAUTHORIZED),
            (
                Some("Bearer 0123456789abcdef".into()),
                StatusCode::UNAUTHORIZED,
            ),
        ];
        for (authorization, want) in cases {
            let (got, resp) = status(&app, "/", authorization.as_deref()).await;
            assert_eq!(got, want, "{authorization:?}");
            if got == StatusCode::UNAUTHORIZED {
                let challenge = resp.headers().get(header::WWW_AUTHENTICATE).unwrap();
                assert!(challenge.to_str().unwrap().starts_with("Basic "));
            }
        }
    }

    #[tokio::test]
    async fn auth_bearer_token_and_healthz_stays_open() {
        let token = Token("s3cret-token-0123456789".into());
        let app = app(Auth::new(Vec::new(), Some(token)).unwrap());
        let (ok, _) = status(&app, "/", Some("Bearer s3cret-token-0123456789")).await;
        let (lower, _) = status(&app, "/", Some("bearer s3cret-token-0123456789")).await;
        let (wrong, resp) = status(&app, "/", Some("Bearer s3cret-token-012345678")).await;
        let (basic_instead, _) = status(&app, "/", Some(&basic("admin", "x"))).await;
        assert_eq!(
            (ok, lower, wrong, basic_instead),
            (
                StatusCode::OK,
                StatusCode::OK,
                StatusCode::UNAUTHORIZED,
                StatusCode::UNAUTHORIZED
            )
        );
        assert_eq!(
            resp.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            "Bearer realm=\"Pandian\""
        );
        let (health, _) = status(&app, OPEN_PATH, None).await;
        assert_eq!(health, StatusCode::OK);
        // Only the exact path is open.
        let (other, _) = status(&app, "/healthz/../", None).await;
        assert_eq!(other, StatusCode::UNAUTHORIZED);
    }

    #[test]
    fn auth_hash_password_makes_verifiable_argon2id() {
        let h = hash_password(b"pw").unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert_ne!(h, hash_password(b"pw").unwrap(), "salted");
        let parsed = PasswordHash::new(&h).unwrap();
        assert!(Argon2::default().verify_password(b"pw", &parsed).is_ok());
        assert!(Argon2::default().verify_password(b"pW", &parsed).is_err());
    }

    #[test]
    fn auth_token_file_refused_when_world_readable_short_or_missing() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("pandian-token-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("token");
        let at = |p: &Path| Located {
            value: p.to_path_buf(),
            line: 7,
        };
        let config = Path::new("/etc/pandian/pandian.toml");
        std::fs::write(&file, "0123456789abcdef0123\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = read_token_file(&at(&file), config).unwrap_err().to_string();
        assert!(
            err.starts_with("/etc/pandian/pandian.toml line 7: `web.token_file`:")
                && err.contains("readable by every user")
                && err.contains("chmod 600"),
            "{err}"
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        let token = read_token_file(&at(&file), config).unwrap();
        assert_eq!(token.0, "0123456789abcdef0123");
        assert_eq!(format!("{token:?}"), "Token(<redacted>)");
        std::fs::write(&file, "short\n").unwrap();
        assert!(read_token_file(&at(&file), config).is_err());
        std::fs::write(&file, "two tokens 0123456789abcdef\n").unwrap();
        assert!(read_token_file(&at(&file), config).is_err());
        let err = read_token_file(&at(&dir.join("missing")), config).unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
