//! `GET /metrics`: the Prometheus text exposition format (version 0.0.4)
//! of what the store knows: live devices by class, origin and vendor; open
//! findings by severity; each job's latest finished run (duration,
//! addresses, hosts that answered, devices, SNMP answers, probe packets
//! and errors, when it finished) and whether it is running now; the build.
//! Behind the page's authentication like everything but `/healthz`.
//!
//! Label values come from the network (a vendor is what a device
//! announced), so every one is escaped as the format asks (backslash,
//! double quote, line feed) and vendors beyond the most common
//! [`MAX_VENDORS`](crate::store::metrics::MAX_VENDORS) are summed under
//! `vendor="(other)"`, so hostile devices can neither break the format
//! nor grow it without bound. Rendering is pure ([`render`]).

use super::{AppError, AppState};
use crate::store::ScanRow;
use crate::store::metrics::{Counts, duration_seconds};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::fmt::Write as _;

/// The Content-Type of the text exposition format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// A label value as the format writes it inside double quotes.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// One job's runs as `/metrics` reports them.
#[derive(Debug, Clone, PartialEq)]
pub struct JobRuns {
    /// The job.
    pub job: String,
    /// Its latest run.
    pub last: Option<ScanRow>,
    /// Its latest run that finished.
    pub done: Option<ScanRow>,
}

/// Writes families: a `# HELP` and `# TYPE` line once, then samples.
struct Out {
    text: String,
}

impl Out {
    fn family(&mut self, name: &str, kind: &str, help: &str) {
        let _ = writeln!(self.text, "# HELP {name} {help}");
        let _ = writeln!(self.text, "# TYPE {name} {kind}");
    }

    fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl std::fmt::Display) {
        self.text.push_str(name);
        if !labels.is_empty() {
            self.text.push('{');
            for (i, (k, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.text.push(',');
                }
                let _ = write!(self.text, "{k}=\"{}\"", escape_label(v));
            }
            self.text.push('}');
        }
        let _ = writeln!(self.text, " {value}");
    }

    fn grouped(&mut self, name: &str, help: &str, label: &str, rows: &[(String, i64)]) {
        self.family(name, "gauge", help);
        for (k, n) in rows {
            self.sample(name, &[(label, k)], n);
        }
    }
}

/// The exposition of `counts` and `jobs` for build `version`.
pub fn render(version: &str, counts: &Counts, jobs: &[JobRuns]) -> String {
    let mut o = Out {
        text: String::new(),
    };
    o.family(
        "pandian_build_info",
        "gauge",
        "The running Pandian's version (always 1).",
    );
    o.sample("pandian_build_info", &[("version", version)], 1);
    let total: i64 = counts.by_class.iter().map(|(_, n)| n).sum();
    o.family(
        "pandian_devices",
        "gauge",
        "Live devices (not merged into another).",
    );
    o.sample("pandian_devices", &[], total);
    o.grouped(
        "pandian_devices_by_class",
        "Live devices by class (unknown: no class yet).",
        "class",
        &counts.by_class,
    );
    o.grouped(
        "pandian_devices_by_origin",
        "Live devices by vendor origin: domestic, foreign or unknown.",
        "origin",
        &counts.by_origin,
    );
    let mut vendors = counts.by_vendor.clone();
    if counts.other_vendors > 0 {
        vendors.push(("(other)".to_string(), counts.other_vendors));
    }
    o.grouped(
        "pandian_devices_by_vendor",
        "Live devices by vendor, the most common ones; (other) counts the rest.",
        "vendor",
        &vendors,
    );
    o.grouped(
        "pandian_findings_open",
        "Open findings by severity, acknowledged or not.",
        "severity",
        &counts.findings_open,
    );
    o.grouped(
        "pandian_findings_unacknowledged",
        "Open findings nobody acknowledged, by severity.",
        "severity",
        &counts.findings_unacknowledged,
    );
    o.family(
        "pandian_job_running",
        "gauge",
        "Whether the job's latest run is still going (1) or not (0).",
    );
    for j in jobs {
        let running = j.last.as_ref().is_some_and(|r| r.status == "running");
        o.sample("pandian_job_running", &[("job", &j.job)], u8::from(running));
    }
    type Get = fn(&ScanRow) -> Option<i64>;
    let per_run: [(&str, &str, Get); 8] = [
        (
            "pandian_run_duration_seconds",
            "How long the job's latest finished run took.",
            duration_seconds,
        ),
        (
            "pandian_run_finished_timestamp_seconds",
            "When the job's latest finished run ended (Unix time).",
            |r| r.finished_at.as_deref().and_then(crate::timefmt::parse),
        ),
        (
            "pandian_run_addresses",
            "Addresses the job's latest finished run swept.",
            |r| Some(r.addresses),
        ),
        (
            "pandian_run_hosts_up",
            "Addresses that answered in the job's latest finished run.",
            |r| r.hosts_up,
        ),
        (
            "pandian_run_devices",
            "Devices the job's latest finished run saw.",
            |r| r.devices,
        ),
        (
            "pandian_run_snmp_ok",
            "Hosts whose SNMP answered in the job's latest finished run.",
            |r| r.snmp_ok,
        ),
        (
            "pandian_run_probe_packets",
            "Packets the probes of the job's latest finished run sent.",
            |r| r.packets,
        ),
        (
            "pandian_run_probe_errors",
            "Probes that failed or could not run in the job's latest finished run.",
            |r| r.probe_errors,
        ),
    ];
    for (name, help, get) in per_run {
        o.family(name, "gauge", help);
        for j in jobs {
            if let Some(v) = j.done.as_ref().and_then(get) {
                o.sample(name, &[("job", &j.job)], v);
            }
        }
    }
    o.text
}

pub(super) async fn metrics(State(state): State<AppState>) -> Result<Response, AppError> {
    let (counts, jobs) = state
        .with_store(|s| {
            let counts = s.metric_counts()?;
            let mut jobs = Vec::new();
            for job in s.run_jobs()? {
                let (last, done) = s.last_runs(&job)?;
                jobs.push(JobRuns { job, last, done });
            }
            Ok((counts, jobs))
        })
        .await?;
    let text = render(env!("CARGO_PKG_VERSION"), &counts, &jobs);
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_label_escape_table() {
        for (raw, want) in [
            ("plain", "plain"),
            ("华为", "华为"),
            ("a\"b", "a\\\"b"),
            ("back\\slash", "back\\\\slash"),
            ("two\nlines", "two\\nlines"),
            ("\\\"\n", "\\\\\\\"\\n"),
            ("} 1\nevil_metric 9", "} 1\\nevil_metric 9"),
        ] {
            assert_eq!(escape_label(raw), want, "{raw:?}");
        }
    }

    /// Every line is a comment or `name{labels} value`, labels quoted and
    /// escaped, values numbers: what a Prometheus scraper accepts.
    pub(crate) fn check_exposition(text: &str) {
        let name_ok = |n: &str| {
            !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        };
        for line in text.lines() {
            if line.starts_with("# HELP ") || line.starts_with("# TYPE ") {
                continue;
            }
            assert!(!line.starts_with('#'), "{line}");
            let (series, value) = line.rsplit_once(' ').expect(line);
            assert!(value.parse::<f64>().is_ok(), "value of {line}");
            let Some((name, labels)) = series.split_once('{') else {
                assert!(name_ok(series), "{line}");
                continue;
            };
            assert!(name_ok(name), "{line}");
            let labels = labels.strip_suffix('}').expect(line);
            // Walk label="value" pairs, honouring escapes.
            let mut chars = labels.chars().peekable();
            loop {
                let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
                assert!(name_ok(&key), "label {key:?} in {line}");
                assert_eq!(chars.next(), Some('"'), "{line}");
                loop {
                    match chars.next() {
                        Some('\\') => {
                            assert!(matches!(chars.next(), Some('\\' | '"' | 'n')), "{line}")
                        }
                        Some('"') => break,
                        Some('\n') | None => panic!("unterminated label in {line}"),
                        Some(_) => {}
                    }
                }
                match chars.next() {
                    Some(',') => continue,
                    None => break,
                    other => panic!("{other:?} after a label in {line}"),
                }
            }
        }
    }

    #[test]
    fn metrics_render_is_valid_exposition_with_hostile_labels() {
        let run = ScanRow {
            id: 3,
            job: "core".into(),
            status: "done".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            finished_at: Some("2026-01-01T00:01:30Z".into()),
            targets: "198.51.100.0/24".into(),
            addresses: 254,
            excluded: Some(0),
            hosts_up: Some(12),
            devices: Some(11),
            snmp_ok: Some(3),
            error: None,
            packets: Some(900),
            probe_errors: Some(1),
        };
        let counts = Counts {
            by_class: vec![("switch".into(), 2), ("unknown".into(), 9)],
            by_origin: vec![("domestic".into(), 11)],
            by_vendor: vec![("Evil \"Corp\\\" } x{y=\"1\nz".into(), 1)],
            other_vendors: 4,
            findings_open: vec![("high".into(), 1), ("low".into(), 0)],
            findings_unacknowledged: vec![("high".into(), 1), ("low".into(), 0)],
        };
        let text = render(
            "0.1.0",
            &counts,
            &[JobRuns {
                job: "core".into(),
                last: Some(run.clone()),
                done: Some(run),
            }],
        );
        check_exposition(&text);
        for want in [
            "pandian_build_info{version=\"0.1.0\"} 1\n",
            "pandian_devices 11\n",
            "pandian_devices_by_class{class=\"switch\"} 2\n",
            "pandian_devices_by_vendor{vendor=\"Evil \\\"Corp\\\\\\\" } x{y=\\\"1\\nz\"} 1\n",
            "pandian_devices_by_vendor{vendor=\"(other)\"} 4\n",
            "pandian_findings_open{severity=\"high\"} 1\n",
            "pandian_run_duration_seconds{job=\"core\"} 90\n",
            "pandian_run_probe_packets{job=\"core\"} 900\n",
            "pandian_run_probe_errors{job=\"core\"} 1\n",
            "pandian_job_running{job=\"core\"} 0\n",
        ] {
            assert!(text.contains(want), "{want}\n{text}");
        }
    }
}
