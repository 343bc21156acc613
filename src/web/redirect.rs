//! The plain-HTTP listener (`web.redirect_http`, the appliance's port 80):
//! `/healthz` answered as on the HTTPS page, every other request sent there
//! with a 308. It serves no data, so it needs no authentication.
//!
//! The redirect keeps the host the client asked for (so a browser that came
//! by address or by name stays on it) but only when the `Host` header is a
//! plain host name or address; anything else gets a 400, never a redirect to
//! a place the header chose.

use super::AppState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The redirect router; `https_port` is the port of `web.listen`.
pub fn app(state: AppState, https_port: u16) -> Router {
    Router::new()
        .route(super::auth::OPEN_PATH, get(super::healthz))
        .fallback(move |headers: HeaderMap, uri: Uri| async move {
            redirect(&headers, &uri, https_port)
        })
        .with_state(state)
}

fn redirect(headers: &HeaderMap, uri: &Uri, https_port: u16) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(host_only);
    let Some(host) = host else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
            "This address serves the page over HTTPS only; open https://<this address>/\n",
        )
            .into_response();
    };
    let port = if https_port == 443 {
        String::new()
    } else {
        format!(":{https_port}")
    };
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    let target = format!("https://{host}{port}{path}");
    match HeaderValue::from_str(&target) {
        Ok(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [
                (header::LOCATION, location),
                (
                    header::X_CONTENT_TYPE_OPTIONS,
                    HeaderValue::from_static("nosniff"),
                ),
            ],
        )
            .into_response(),
        Err(_) => StatusCode::BAD_REQUEST.into_response(),
    }
}

/// The host part of a `Host` header when it is a DNS name, an IPv4 address
/// or a bracketed IPv6 address (an optional `:port` is dropped).
pub(super) fn host_only(value: &str) -> Option<&str> {
    if let Some(rest) = value.strip_prefix('[') {
        let (inner, after) = rest.split_once(']')?;
        let port_ok = after.is_empty()
            || after
                .strip_prefix(':')
                .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
        let ok = port_ok && inner.parse::<std::net::Ipv6Addr>().is_ok();
        return ok.then(|| &value[..inner.len() + 2]);
    }
    let host = match value.split_once(':') {
        Some((h, p)) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => h,
        Some(_) => return None,
        None => value,
    };
    let ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
        && !host.starts_with(['-', '.']);
    ok.then_some(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_host_only_table() {
        let cases = [
            ("pandian.example", Some("pandian.example")),
            ("198.51.100.7", Some("198.51.100.7")),
            ("198.51.100.7:80", Some("198.51.100.7")),
            ("[2001:db8::7]", Some("[2001:db8::7]")),
            ("[2001:db8::7]:8080", Some("[2001:db8::7]")),
            ("", None),
            ("evil.example/path", None),
            ("user@evil.example", None),
            ("host:port", None),
            ("[not-v6]", None),
            ("[2001:db8::7]x", None),
            ("-x", None),
            ("a b", None),
        ];
        for (value, want) in cases {
            assert_eq!(host_only(value), want, "{value:?}");
        }
    }

    #[test]
    fn redirect_keeps_path_and_query_and_port() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("198.51.100.7"));
        let uri: Uri = "/devices/3?lang=zh".parse().unwrap();
        let r = redirect(&h, &uri, 443);
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(
            r.headers()[header::LOCATION],
            "https://198.51.100.7/devices/3?lang=zh"
        );
        let r = redirect(&h, &"/".parse().unwrap(), 8443);
        assert_eq!(r.headers()[header::LOCATION], "https://198.51.100.7:8443/");
        h.insert(header::HOST, HeaderValue::from_static("evil.example/x"));
        assert_eq!(redirect(&h, &uri, 443).status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            redirect(&HeaderMap::new(), &uri, 443).status(),
            StatusCode::BAD_REQUEST
        );
    }
}
