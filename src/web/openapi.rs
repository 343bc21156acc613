//! `GET /api/v1/openapi.json`: the API described as OpenAPI 3.1 (JSON
//! Schema 2020-12), checked in as `openapi.json` beside this file and
//! served as it is. It cannot drift unnoticed: `tests/web_api.rs` starts
//! the real server on a real store, requests every documented path and
//! validates each response against the document's schemas; the tests
//! here check that every `/api/` route the router registers is
//! documented and that the enums (finding kinds, severities, probes)
//! are the code's own lists.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// The document's text.
pub const DOCUMENT: &str = include_str!("openapi.json");

pub(super) async fn document() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        DOCUMENT,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn doc() -> Value {
        serde_json::from_str(DOCUMENT).expect("openapi.json is JSON")
    }

    /// Every path a `route` call under src/web registers under /api/ (and
    /// /metrics, /healthz).
    fn registered_api_routes() -> Vec<String> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web");
        let mut found = Vec::new();
        let mut dirs = vec![root];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for part in text.split(".route(\"").skip(1) {
                    let route = part.split('"').next().unwrap_or_default();
                    if route.starts_with("/api/") || route == "/metrics" || route == "/healthz" {
                        found.push(route.to_string());
                    }
                }
            }
        }
        found.sort();
        found.dedup();
        found
    }

    #[test]
    fn openapi_documents_every_api_route_the_router_registers() {
        let doc = doc();
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().unwrap();
        let routes = registered_api_routes();
        assert!(routes.len() >= 12, "found the routes: {routes:?}");
        for route in &routes {
            assert!(
                paths.contains_key(route),
                "{route} is served but not in openapi.json"
            );
        }
        for path in paths.keys() {
            assert!(
                routes.contains(path),
                "{path} is documented but no route serves it"
            );
            let ops = paths[path].as_object().unwrap();
            assert_eq!(
                ops.keys().collect::<Vec<_>>(),
                ["get"],
                "{path}: only GET (HEAD follows it)"
            );
        }
    }

    #[test]
    fn openapi_enums_are_the_codes_own_lists() {
        let doc = doc();
        let enum_of = |v: &Value| -> Vec<String> {
            v["enum"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        };
        let s = &doc["components"]["schemas"];
        assert_eq!(
            enum_of(&s["Finding"]["properties"]["kind"]),
            crate::audit::KINDS
        );
        assert_eq!(
            enum_of(&s["Finding"]["properties"]["severity"]),
            crate::audit::SEVERITIES
        );
        assert_eq!(
            enum_of(&s["Job"]["properties"]["probes"]["items"]),
            crate::job::PROBE_NAMES
        );
        let devices = &doc["paths"]["/api/v1/devices"]["get"]["parameters"];
        let finding = devices
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "finding")
            .unwrap();
        let mut want = vec!["any".to_string()];
        want.extend(crate::audit::KINDS.iter().map(|k| k.to_string()));
        assert_eq!(enum_of(&finding["schema"]), want);
    }
}
