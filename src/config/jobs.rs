//! `[[job]]` entries: each validated against what `[scan]` and `[snmp]`
//! give the jobs that leave a key out. Pure.

use super::{ConfigError, DEFAULT_JOB, JobSection, format_duration, line_of, parse_duration};
use crate::job::{self, Depth, Job, Probes};
use crate::schedule::Schedule;
use crate::snmp::Credential;
use crate::target::{Target, TargetError};
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

/// What a job takes from `[scan]` and `[snmp]` for the keys it leaves out.
pub(super) struct JobDefaults<'a> {
    /// `[scan]` has subnets (they are the job `default`).
    pub scan_has_subnets: bool,
    /// `scan.exclude`, added to every job's own.
    pub exclude: &'a [Target],
    /// Every credential, in order.
    pub credentials: &'a [Credential],
    /// `scan.interval`.
    pub interval: &'a Schedule,
    /// `scan.rate`.
    pub rate: u32,
    /// `scan.timeout_ms`.
    pub probe_timeout: Duration,
    /// `snmp.depth`.
    pub snmp_depth: Depth,
    /// `scan.segment_probes`.
    pub segment_probes: bool,
}

/// The file being validated, for errors with its line numbers.
pub(super) struct Cx<'a> {
    /// Its text.
    pub text: &'a str,
    /// Its path.
    pub path: &'a Path,
}

impl Cx<'_> {
    /// An error at `span`, naming `key`.
    pub fn invalid(&self, span: std::ops::Range<usize>, key: &str, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: if span.is_empty() {
                0
            } else {
                line_of(self.text, span.start)
            },
            key: key.to_string(),
            message,
        }
    }

    /// Targets, each checked, the error naming `key[i]`.
    pub fn targets(&self, list: &[Spanned<String>], key: &str) -> Result<Vec<Target>, ConfigError> {
        list.iter()
            .enumerate()
            .map(|(i, s)| {
                s.get_ref().parse::<Target>().map_err(|e: TargetError| {
                    self.invalid(s.span(), &format!("{key}[{i}]"), e.to_string())
                })
            })
            .collect()
    }

    /// `full` or `system`.
    pub fn depth(&self, v: &Spanned<String>, key: &str) -> Result<Depth, ConfigError> {
        match v.get_ref().as_str() {
            "full" => Ok(Depth::Full),
            "system" => Ok(Depth::System),
            other => Err(self.invalid(
                v.span(),
                key,
                format!("`{other}` is neither \"full\" nor \"system\""),
            )),
        }
    }
}

/// The `i`-th `[[job]]`, after the jobs `earlier` (names must differ).
pub(super) fn validate_job(
    j: &JobSection,
    i: usize,
    d: &JobDefaults<'_>,
    earlier: &[Job],
    cx: &Cx<'_>,
) -> Result<Job, ConfigError> {
    let key = |k: &str| format!("job[{i}].{k}");
    let name = j.name.get_ref().trim();
    if !job::valid_name(name) {
        return Err(cx.invalid(
            j.name.span(),
            &key("name"),
            format!(
                "`{}` is not a job name: use 1 to 64 letters, digits, `-`, `_` or `.`",
                crate::text::clean(j.name.get_ref(), 80)
            ),
        ));
    }
    if name == crate::passive::JOB {
        return Err(cx.invalid(
            j.name.span(),
            &key("name"),
            "`passive` names the runs of passive listening ([passive]); give this job another name"
                .to_string(),
        ));
    }
    if earlier.iter().any(|o: &Job| o.name == name) {
        let why = if name == DEFAULT_JOB && d.scan_has_subnets {
            "the [scan] section's subnets are already the job `default`; rename this job or move those subnets into it"
        } else {
            "two jobs have this name; names identify a job's runs"
        };
        return Err(cx.invalid(j.name.span(), &key("name"), why.to_string()));
    }
    let targets = cx.targets(&j.targets, &key("targets"))?;
    if targets.is_empty() {
        return Err(cx.invalid(
            j.name.span(),
            &key("targets"),
            "a job needs targets: addresses, CIDR blocks or ranges".into(),
        ));
    }
    let mut job_exclude = cx.targets(&j.exclude, &key("exclude"))?;
    job_exclude.extend(d.exclude.iter().copied());
    let span = j.targets.first().map(|s| s.span()).unwrap_or(0..0);
    match crate::target::expand(&targets, &job_exclude) {
        Err(e) => return Err(cx.invalid(span, &key("targets"), e.to_string())),
        Ok(a) if a.is_empty() => {
            return Err(cx.invalid(
                span,
                &key("targets"),
                "the exclusions (the job's and [scan]'s) cover every address: the job would scan nothing".into(),
            ));
        }
        Ok(_) => {}
    }
    let creds = match &j.credentials {
        None => d.credentials.to_vec(),
        Some(names) => {
            let mut out: Vec<Credential> = Vec::new();
            for (k, n) in names.iter().enumerate() {
                let Some(c) = d
                    .credentials
                    .iter()
                    .find(|c| c.name() == n.get_ref().trim())
                else {
                    let known: Vec<&str> = d.credentials.iter().map(Credential::name).collect();
                    return Err(cx.invalid(
                        n.span(),
                        &format!("job[{i}].credentials[{k}]"),
                        format!(
                            "no [[snmp.credentials]] entry is named `{}`{}",
                            crate::text::clean(n.get_ref(), 80),
                            if known.is_empty() {
                                String::from(" (there are none)")
                            } else {
                                format!(" (known: {})", known.join(", "))
                            }
                        ),
                    ));
                };
                if !out.iter().any(|o| o.name() == c.name()) {
                    out.push(c.clone());
                }
            }
            out
        }
    };
    let mut probes = match &j.probes {
        None => Probes::default(),
        Some(list) => {
            let mut p = Probes::none();
            for (k, n) in list.iter().enumerate() {
                if !p.enable(n.get_ref()) {
                    return Err(cx.invalid(
                        n.span(),
                        &format!("job[{i}].probes[{k}]"),
                        format!(
                            "`{}` is not a probe; choose from {}",
                            crate::text::clean(n.get_ref(), 80),
                            job::PROBE_NAMES.join(", ")
                        ),
                    ));
                }
            }
            if !p.finds_hosts() {
                let span = list.first().map(|s| s.span()).unwrap_or(j.name.span());
                return Err(cx.invalid(
                    span,
                    &key("probes"),
                    "name arp or icmp too: without a liveness probe no host is ever found".into(),
                ));
            }
            p
        }
    };
    probes.segment = j.segment_probes.unwrap_or(d.segment_probes);
    let schedule = match &j.schedule {
        None => d.interval.clone(),
        Some(text) => text
            .get_ref()
            .parse::<Schedule>()
            .map_err(|e| cx.invalid(text.span(), &key("schedule"), e.to_string()))?,
    };
    // An interval's jitter stays under the interval; a cron
    // expression's under a day (its gaps vary).
    let bound = match &schedule {
        Schedule::Every(d) => *d,
        Schedule::Cron(_) => Duration::from_secs(86_400),
    };
    let jitter = match &j.jitter {
        None => None,
        Some(text) => Some(
            parse_duration(text.get_ref())
                .filter(|d| *d <= bound)
                .ok_or_else(|| {
                    cx.invalid(
                        text.span(),
                        &key("jitter"),
                        format!(
                            "`{}` is not a duration up to {}; write e.g. \"30s\", or \"0s\" for none",
                            crate::text::clean(text.get_ref(), 80),
                            format_duration(bound)
                        ),
                    )
                })?,
        ),
    };
    let rate = match &j.rate {
        None => d.rate,
        Some(r) if (1..=100_000).contains(r.get_ref()) => *r.get_ref(),
        Some(r) => {
            return Err(cx.invalid(
                r.span(),
                &key("rate"),
                format!("{} packets/s is outside 1..=100000", r.get_ref()),
            ));
        }
    };
    let probe_timeout = match &j.timeout_ms {
        None => d.probe_timeout,
        Some(t) if (10..=60_000).contains(t.get_ref()) => Duration::from_millis(*t.get_ref()),
        Some(t) => {
            return Err(cx.invalid(
                t.span(),
                &key("timeout_ms"),
                format!("{} ms is outside 10..=60000", t.get_ref()),
            ));
        }
    };
    let snmp_depth = match &j.snmp_depth {
        None => d.snmp_depth,
        Some(v) => cx.depth(v, &key("snmp_depth"))?,
    };
    Ok(Job {
        name: name.to_string(),
        targets,
        exclude: job_exclude,
        credentials: creds,
        probes,
        schedule,
        jitter,
        rate,
        probe_timeout,
        snmp_depth,
    })
}
