//! What every request to the page passes before anything else, and what
//! every response carries.
//!
//! - **Methods.** The page is read-only: GET and HEAD only; anything else
//!   gets 405 with `Allow: GET, HEAD`.
//! - **Host.** A request whose `Host` is not one of `web.hosts`, `localhost`,
//!   or a literal address of this server (the address the connection came
//!   in on, or a loopback address) gets 421, so a page on another site
//!   cannot read the inventory through DNS rebinding. `/healthz` too: it
//!   says nothing, but nothing is answered for a name the server is not.
//! - **Headers.** Every response says `nosniff`, may not be framed, has a
//!   Content-Security-Policy that allows no script, no external resource
//!   and forms only to this server, sends no referrer, and is not cached
//!   unless its handler says otherwise.
//!
//! The guard wraps the router outside authentication ([`super::auth`]): a
//! refused Host or method never reaches the password check.

use super::redirect::host_only;
use super::serve::LocalAddr;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use std::net::IpAddr;
use std::sync::Arc;

/// The Content-Security-Policy of every response: the pages need only
/// their own inline styles and forms that submit to this server.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; \
form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// The names (`web.hosts`) this server answers to, besides its addresses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hosts {
    names: Vec<String>,
}

impl Hosts {
    /// These names (case and a trailing dot do not matter).
    pub fn new(names: &[String]) -> Hosts {
        Hosts {
            names: names.iter().map(|n| normal(n)).collect(),
        }
    }

    /// Whether a request with `Host: host` that came in on `local` is for
    /// this server.
    pub fn allows(&self, host: &str, local: Option<IpAddr>) -> bool {
        let Some(host) = host_only(host.trim()) else {
            return false;
        };
        let literal = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(host);
        if let Ok(ip) = literal.parse::<IpAddr>() {
            let ip = ip.to_canonical();
            return ip.is_loopback() || local.is_some_and(|l| l.to_canonical() == ip);
        }
        let name = normal(host);
        name == "localhost" || self.names.contains(&name)
    }
}

fn normal(name: &str) -> String {
    name.trim().trim_end_matches('.').to_ascii_lowercase()
}

/// Wrap `router` in the guard.
pub fn guard(router: Router, hosts: Hosts) -> Router {
    router.layer(middleware::from_fn_with_state(Arc::new(hosts), check))
}

fn refuse(status: StatusCode, message: &'static str) -> Response {
    (status, message).into_response()
}

async fn check(State(hosts): State<Arc<Hosts>>, req: Request, next: Next) -> Response {
    let mut resp = if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "This page is read-only: GET and HEAD only.\n",
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        r
    } else {
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_string)
            .or_else(|| req.uri().authority().map(|a| a.to_string()));
        let local = req.extensions().get::<LocalAddr>().map(|l| l.0.ip());
        match host {
            Some(h) if hosts.allows(&h, local) => next.run(req).await,
            _ => refuse(
                StatusCode::MISDIRECTED_REQUEST,
                "This server does not answer to that host name; open it by its address, \
                 or add the name to web.hosts in its config.\n",
            ),
        }
    };
    secure(resp.headers_mut());
    resp
}

/// The headers every response carries (a handler's own win).
fn secure(h: &mut HeaderMap) {
    let set: [(HeaderName, &'static str); 7] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
        (
            HeaderName::from_static("cross-origin-resource-policy"),
            "same-origin",
        ),
        (header::CACHE_CONTROL, "no-store"),
    ];
    for (name, value) in set {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::routing::get;
    use tower::ServiceExt;

    #[test]
    fn guard_host_table() {
        let hosts = Hosts::new(&["Pandian.Example.".to_string()]);
        let here: Option<IpAddr> = "198.51.100.2".parse().ok();
        let mapped: Option<IpAddr> = "::ffff:198.51.100.2".parse().ok();
        let cases = [
            ("pandian.example", here, true),
            ("PANDIAN.example:8443", here, true),
            ("pandian.example.", here, true),
            ("198.51.100.2", here, true),
            ("198.51.100.2:8080", here, true),
            ("198.51.100.2", mapped, true),
            ("127.0.0.1:8080", here, true),
            ("127.0.0.1", None, true),
            ("[::1]:8080", here, true),
            ("localhost:8080", here, true),
            ("198.51.100.3", here, false),
            ("198.51.100.2", None, false),
            ("[2001:db8::2]", here, false),
            ("evil.example", here, false),
            ("pandian.example.evil.example", here, false),
            ("", here, false),
            ("pandian.example/x", here, false),
            ("user@pandian.example", here, false),
        ];
        for (host, local, want) in cases {
            assert_eq!(hosts.allows(host, local), want, "{host:?} via {local:?}");
        }
        assert!(!Hosts::default().allows("pandian.example", here));
    }

    async fn send(app: &Router, method: Method, host: Option<&str>) -> Response {
        let mut req = Request::builder().method(method).uri("/x");
        if let Some(h) = host {
            req = req.header(header::HOST, h);
        }
        let mut req = req.body(Body::empty()).unwrap();
        req.extensions_mut()
            .insert(LocalAddr("198.51.100.2:8080".parse().unwrap()));
        app.clone().oneshot(req).await.unwrap()
    }

    #[tokio::test]
    async fn guard_refuses_other_methods_and_hosts_and_sets_headers() {
        let app = guard(
            Router::new().route("/x", get(|| async { "inventory" })),
            Hosts::new(&["pandian.example".to_string()]),
        );
        let cases = [
            (Method::GET, Some("pandian.example"), StatusCode::OK),
            (Method::HEAD, Some("198.51.100.2:8080"), StatusCode::OK),
            (
                Method::GET,
                Some("rebound.evil.example"),
                StatusCode::MISDIRECTED_REQUEST,
            ),
            (Method::GET, None, StatusCode::MISDIRECTED_REQUEST),
            (
                Method::POST,
                Some("pandian.example"),
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            (
                Method::DELETE,
                Some("pandian.example"),
                StatusCode::METHOD_NOT_ALLOWED,
            ),
            (
                Method::OPTIONS,
                Some("pandian.example"),
                StatusCode::METHOD_NOT_ALLOWED,
            ),
        ];
        for (method, host, want) in cases {
            let r = send(&app, method.clone(), host).await;
            assert_eq!(r.status(), want, "{method} {host:?}");
            let h = r.headers();
            assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
            assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
            assert_eq!(h[header::CONTENT_SECURITY_POLICY], CSP);
            assert_eq!(h[header::REFERRER_POLICY], "no-referrer");
            if want == StatusCode::METHOD_NOT_ALLOWED {
                assert_eq!(h[header::ALLOW], "GET, HEAD");
            }
        }
    }
}
