//! Running `wrk --latency` against one URL and reading what it prints.

use std::process::Command;

/// What one wrk run measured.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Median latency, milliseconds.
    pub p50: f64,
    /// 75th percentile, ms.
    pub p75: f64,
    /// 90th percentile, ms.
    pub p90: f64,
    /// 99th percentile, ms.
    pub p99: f64,
    /// Slowest request, ms.
    pub max: f64,
    /// Requests completed.
    pub requests: u64,
    /// Requests per second.
    pub per_second: f64,
    /// Responses that were not 2xx or 3xx.
    pub non_2xx: u64,
    /// Connect, read and write errors.
    pub socket_errors: u64,
    /// Requests that timed out (not in the latency figures).
    pub timeouts: u64,
}

/// `5.12ms`, `830.00us`, `1.20s`, `2.00m` in milliseconds.
fn millis(text: &str) -> Option<f64> {
    let t = text.trim();
    let (num, scale) = if let Some(n) = t.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = t.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = t.strip_suffix('s') {
        (n, 1000.0)
    } else if let Some(n) = t.strip_suffix('m') {
        (n, 60_000.0)
    } else if let Some(n) = t.strip_suffix('h') {
        (n, 3_600_000.0)
    } else {
        return None;
    };
    num.parse::<f64>().ok().map(|v| v * scale)
}

/// Read wrk's report (`--latency`).
pub fn parse(out: &str) -> Option<Report> {
    let mut r = Report::default();
    let mut saw_distribution = false;
    for line in out.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Latency", _avg, _stdev, max, ..] => r.max = millis(max).unwrap_or(0.0),
            [pct, value] if pct.ends_with('%') => {
                let v = millis(value);
                match *pct {
                    "50%" => r.p50 = v?,
                    "75%" => r.p75 = v?,
                    "90%" => r.p90 = v?,
                    "99%" => {
                        r.p99 = v?;
                        saw_distribution = true;
                    }
                    _ => {}
                }
            }
            [n, "requests", "in", ..] => r.requests = n.parse().ok()?,
            ["Requests/sec:", n] => r.per_second = n.parse().ok()?,
            ["Non-2xx", "or", "3xx", "responses:", n] => r.non_2xx = n.parse().ok()?,
            ["Socket", "errors:", rest @ ..] => {
                // connect 0, read 0, write 0, timeout 12
                let nums: Vec<u64> = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse().ok())
                    .collect();
                r.socket_errors = nums.iter().take(3).sum();
                r.timeouts = nums.get(3).copied().unwrap_or(0);
            }
            _ => {}
        }
    }
    saw_distribution.then_some(r)
}

/// `wrk -t THREADS -c CONNECTIONS -d SECONDS --latency URL`; the report, or
/// what went wrong.
pub fn run(url: &str, threads: u32, connections: u32, seconds: u32) -> Result<Report, String> {
    run_with(url, None, threads, connections, seconds)
}

/// [`run`] asking for `paths` (on `url`'s server) in turn: a Lua script
/// gives each request the next path.
pub fn run_rotating(
    url: &str,
    paths: &[String],
    threads: u32,
    connections: u32,
    seconds: u32,
) -> Result<Report, String> {
    let mut lua = String::from("local paths = {\n");
    for p in paths {
        // Paths are ours (`/devices/N`); quoted for Lua all the same.
        lua.push_str(&format!("  {p:?},\n"));
    }
    lua.push_str(
        "}\nlocal i = math.random(#paths)\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n",
    );
    let script = std::env::temp_dir().join(format!("pandian-wrk-{}.lua", std::process::id()));
    std::fs::write(&script, lua).map_err(|e| format!("{}: {e}", script.display()))?;
    let r = run_with(url, Some(&script), threads, connections, seconds);
    let _ = std::fs::remove_file(&script);
    r
}

fn run_with(
    url: &str,
    script: Option<&std::path::Path>,
    threads: u32,
    connections: u32,
    seconds: u32,
) -> Result<Report, String> {
    let mut cmd = Command::new("wrk");
    if let Some(s) = script {
        cmd.arg("-s").arg(s);
    }
    let out = cmd
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &connections.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "10s",
            "--latency",
            url,
        ])
        .output()
        .map_err(|e| format!("wrk: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse(&text).ok_or_else(|| {
        format!(
            "wrk printed no latency distribution: {}{}",
            text,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}
