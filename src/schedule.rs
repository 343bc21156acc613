//! When a job runs: every interval (`"15m"`), or a five-field cron
//! expression (`"0 */2 * * 1-5"`: minute, hour, day of month, month, day of
//! week), plus a random delay up to the job's jitter so jobs on one
//! schedule do not all start on the same second. Pure: the caller passes
//! the current local time and the random draw.
//!
//! Cron as in Vixie cron: `*`, numbers, ranges `1-5`, steps `*/15` and
//! `10-40/10`, lists `1,15`, month and weekday names (`jan`, `mon`), `7`
//! for Sunday too; when both day of month and day of week are restricted,
//! a day matching either runs.

use chrono::{Datelike, Duration as ChronoDuration, NaiveDateTime, Timelike};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// A job's schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// Start every this long (from the previous start).
    Every(Duration),
    /// Start at the minutes a cron expression names.
    Cron(Cron),
}

/// A parsed five-field cron expression.
#[derive(Clone, PartialEq, Eq)]
pub struct Cron {
    text: String,
    minutes: u64,
    hours: u32,
    days: u32,
    months: u16,
    weekdays: u8,
    days_star: bool,
    weekdays_star: bool,
}

impl fmt::Debug for Cron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cron({:?})", self.text)
    }
}

/// Why a schedule does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Neither a duration nor five fields.
    #[error(
        "`{0}` is not a schedule: give an interval (\"90s\", \"15m\", \"1h\", \"1d\") or five cron fields (\"0 */2 * * 1-5\")"
    )]
    Syntax(String),
    /// An interval outside the bounds.
    #[error("interval `{0}` is outside 10s..=7d")]
    Interval(String),
    /// One cron field is wrong.
    #[error("cron `{expr}`: {field} field `{value}`: {why}")]
    Field {
        /// The whole expression.
        expr: String,
        /// Which field.
        field: &'static str,
        /// Its text.
        value: String,
        /// What is wrong.
        why: String,
    },
    /// A cron expression that never fires (e.g. 31 February).
    #[error("cron `{0}` never fires")]
    Never(String),
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// Parse an interval as the config writes it (`90s`, `15m`, `1h`, `1d`).
pub fn parse_interval(text: &str) -> Option<Duration> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let secs = match unit.trim() {
        "" | "s" => n,
        "m" => n.checked_mul(60)?,
        "h" => n.checked_mul(3600)?,
        "d" => n.checked_mul(86_400)?,
        _ => return None,
    };
    Some(Duration::from_secs(secs))
}

fn field(
    expr: &str,
    name: &'static str,
    text: &str,
    lo: u32,
    hi: u32,
    names: &[&str],
) -> Result<(u64, bool), ScheduleError> {
    let err = |why: &str| ScheduleError::Field {
        expr: expr.to_string(),
        field: name,
        value: text.to_string(),
        why: why.to_string(),
    };
    let value = |s: &str| -> Result<u32, ScheduleError> {
        let lower = s.to_ascii_lowercase();
        if let Some(i) = names.iter().position(|n| *n == lower) {
            return Ok(u32::try_from(i).unwrap_or(0) + lo);
        }
        let n: u32 = s.parse().map_err(|_| err("not a number or name"))?;
        // Sunday may be written 7.
        if name == "day-of-week" && n == 7 {
            return Ok(0);
        }
        if n < lo || n > hi {
            return Err(err(&format!("outside {lo}-{hi}")));
        }
        Ok(n)
    };
    let mut bits = 0u64;
    for part in text.split(',') {
        if part.is_empty() {
            return Err(err("empty list item"));
        }
        let (range, step) = match part.split_once('/') {
            Some((r, s)) => {
                let step: u32 = s.parse().map_err(|_| err("step is not a number"))?;
                if step == 0 || step > hi {
                    return Err(err("step out of range"));
                }
                (r, step)
            }
            None => (part, 1),
        };
        let (a, b) = if range == "*" {
            (lo, hi)
        } else if let Some((x, y)) = range.split_once('-') {
            let (x, y) = (value(x)?, value(y)?);
            if y < x {
                return Err(err("range ends before it starts"));
            }
            (x, y)
        } else {
            let x = value(range)?;
            // `5/10` means from 5 to the end, every 10.
            if step > 1 { (x, hi) } else { (x, x) }
        };
        let mut v = a;
        while v <= b {
            bits |= 1 << v;
            v += step;
        }
    }
    Ok((bits, text == "*"))
}

impl FromStr for Cron {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = text.split_whitespace().collect();
        let [mi, ho, dm, mo, dw] = parts[..] else {
            return Err(ScheduleError::Syntax(text.to_string()));
        };
        let expr = parts.join(" ");
        let (minutes, _) = field(&expr, "minute", mi, 0, 59, &[])?;
        let (hours, _) = field(&expr, "hour", ho, 0, 23, &[])?;
        let (days, days_star) = field(&expr, "day-of-month", dm, 1, 31, &[])?;
        let (months, _) = field(&expr, "month", mo, 1, 12, &MONTHS)?;
        let (weekdays, weekdays_star) = field(&expr, "day-of-week", dw, 0, 6, &WEEKDAYS)?;
        let cron = Cron {
            text: expr,
            minutes,
            hours: u32::try_from(hours).unwrap_or(0),
            days: u32::try_from(days).unwrap_or(0),
            months: u16::try_from(months).unwrap_or(0),
            weekdays: u8::try_from(weekdays).unwrap_or(0),
            days_star,
            weekdays_star,
        };
        // A day-of-month that no named month has (31 in Feb only...).
        let start = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .unwrap_or_default();
        if cron.next_after(start).is_none() {
            return Err(ScheduleError::Never(cron.text));
        }
        Ok(cron)
    }
}

impl Cron {
    fn day_matches(&self, t: &NaiveDateTime) -> bool {
        let dom = self.days & (1 << t.day()) != 0;
        let dow = self.weekdays & (1 << t.weekday().num_days_from_sunday()) != 0;
        match (self.days_star, self.weekdays_star) {
            (true, true) => true,
            (false, true) => dom,
            (true, false) => dow,
            (false, false) => dom || dow,
        }
    }

    /// The first minute strictly after `t` that the expression names
    /// (local civil time); None if none within eight years.
    pub fn next_after(&self, t: NaiveDateTime) -> Option<NaiveDateTime> {
        let mut c = t.with_second(0)?.with_nanosecond(0)? + ChronoDuration::minutes(1);
        let limit = t + ChronoDuration::days(8 * 366);
        while c <= limit {
            if self.months & (1 << c.month()) == 0 {
                // First minute of the next month.
                let (y, m) = if c.month() == 12 {
                    (c.year() + 1, 1)
                } else {
                    (c.year(), c.month() + 1)
                };
                c = chrono::NaiveDate::from_ymd_opt(y, m, 1)?.and_hms_opt(0, 0, 0)?;
                continue;
            }
            if !self.day_matches(&c) {
                c = (c.date() + ChronoDuration::days(1)).and_hms_opt(0, 0, 0)?;
                continue;
            }
            if self.hours & (1 << c.hour()) == 0 {
                c = c.with_minute(0)? + ChronoDuration::hours(1);
                continue;
            }
            if self.minutes & (1 << c.minute()) == 0 {
                c += ChronoDuration::minutes(1);
                continue;
            }
            return Some(c);
        }
        None
    }
}

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let t = text.trim();
        if t.split_whitespace().count() == 5 {
            return t.parse().map(Schedule::Cron);
        }
        match parse_interval(t) {
            Some(d) if d >= Duration::from_secs(10) && d <= Duration::from_secs(7 * 86_400) => {
                Ok(Schedule::Every(d))
            }
            Some(_) => Err(ScheduleError::Interval(t.to_string())),
            None => Err(ScheduleError::Syntax(t.chars().take(80).collect())),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Every(d) => write!(f, "every {}", format_duration(*d)),
            Schedule::Cron(c) => write!(f, "cron \"{}\"", c.text),
        }
    }
}

impl Schedule {
    /// The schedule as the config writes it (`15m`, `0 */2 * * 1-5`).
    pub fn config_text(&self) -> String {
        match self {
            Schedule::Every(d) => format_duration(*d),
            Schedule::Cron(c) => c.text.clone(),
        }
    }

    /// The usual gap between two starts (for a cron expression, the gap
    /// after its next start from `now`): what the default jitter is a tenth of.
    pub fn period(&self, now: NaiveDateTime) -> Duration {
        match self {
            Schedule::Every(d) => *d,
            Schedule::Cron(c) => c
                .next_after(now)
                .and_then(|a| {
                    c.next_after(a)
                        .map(|b| (b - a).to_std().unwrap_or_default())
                })
                .unwrap_or(Duration::from_secs(3600)),
        }
    }

    /// How long after `now` the next run should start, given when the
    /// previous one started (`since_last`: None before the first run, which
    /// then starts at once for an interval), before jitter.
    pub fn wait(&self, now: NaiveDateTime, since_last: Option<Duration>) -> Duration {
        match self {
            Schedule::Every(d) => since_last.map_or(Duration::ZERO, |s| d.saturating_sub(s)),
            Schedule::Cron(c) => c
                .next_after(now)
                .and_then(|n| (n - now).to_std().ok())
                .unwrap_or(Duration::from_secs(86_400)),
        }
    }
}

/// A duration the way the config writes it: `15m`, `2h`, `90s`.
pub fn format_duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0 => "0s".to_string(),
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// `draw` in [0, 1) scaled to a delay up to `jitter`.
pub fn jitter_delay(jitter: Duration, draw: f64) -> Duration {
    let f = if draw.is_finite() {
        draw.clamp(0.0, 1.0)
    } else {
        0.0
    };
    Duration::from_millis((jitter.as_millis() as f64 * f) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn schedule_parse_table() {
        let ok = [
            ("15m", "every 15m"),
            ("90s", "every 90s"),
            ("1d", "every 1d"),
            ("*/15 * * * *", "cron \"*/15 * * * *\""),
            ("0  2 * * mon-fri", "cron \"0 2 * * mon-fri\""),
        ];
        for (text, shown) in ok {
            assert_eq!(
                text.parse::<Schedule>().unwrap().to_string(),
                shown,
                "{text}"
            );
        }
        for bad in [
            "",
            "soon",
            "5s",
            "8d",
            "* * * *",
            "60 * * * *",
            "*/0 * * * *",
            "5-1 * * * *",
            "0 0 31 feb *",
            "0 0 * foo *",
        ] {
            assert!(bad.parse::<Schedule>().is_err(), "{bad:?}");
        }
        let e = "0 25 * * *".parse::<Schedule>().unwrap_err().to_string();
        assert!(e.contains("hour field `25`") && e.contains("0-23"), "{e}");
    }

    #[test]
    fn cron_next_after_table() {
        let cases = [
            ("*/15 * * * *", "2026-12-01 10:07", "2026-12-01 10:15"),
            ("*/15 * * * *", "2026-12-01 10:15", "2026-12-01 10:30"),
            ("0 2 * * *", "2026-12-01 10:07", "2026-12-02 02:00"),
            ("30 9 * * mon-fri", "2026-12-04 10:00", "2026-12-07 09:30"),
            ("0 0 1 * *", "2026-12-15 00:00", "2027-01-01 00:00"),
            ("0 0 29 2 *", "2026-03-01 00:00", "2028-02-29 00:00"),
            ("0 12 1 * 0", "2026-12-01 13:00", "2026-12-06 12:00"),
            ("0 12 * * 7", "2026-12-01 13:00", "2026-12-06 12:00"),
            ("5/20 * * * *", "2026-12-01 10:26", "2026-12-01 10:45"),
        ];
        for (expr, from, want) in cases {
            let c: Cron = expr.parse().unwrap();
            assert_eq!(
                c.next_after(at(from)),
                Some(at(want)),
                "{expr} after {from}"
            );
        }
    }

    #[test]
    fn schedule_waits_and_jitter() {
        let every: Schedule = "15m".parse().unwrap();
        let now = at("2026-12-01 10:07");
        assert_eq!(every.wait(now, None), Duration::ZERO);
        assert_eq!(
            every.wait(now, Some(Duration::from_secs(60))),
            Duration::from_secs(840)
        );
        assert_eq!(
            every.wait(now, Some(Duration::from_secs(2000))),
            Duration::ZERO
        );
        let cron: Schedule = "*/15 * * * *".parse().unwrap();
        assert_eq!(cron.wait(now, None), Duration::from_secs(8 * 60));
        assert_eq!(cron.period(now), Duration::from_secs(15 * 60));
        assert_eq!(
            jitter_delay(Duration::from_secs(90), 0.5),
            Duration::from_secs(45)
        );
        assert_eq!(
            jitter_delay(Duration::from_secs(90), f64::NAN),
            Duration::ZERO
        );
        assert_eq!(
            jitter_delay(Duration::from_secs(90), 7.0),
            Duration::from_secs(90)
        );
    }

    proptest::proptest! {
        /// Any five fields either refuse with a reason or fire at a minute
        /// they name, later than the start.
        #[test]
        fn cron_parses_or_refuses_and_fires_forward(
            fields in proptest::collection::vec("[0-9*/,a-z-]{1,8}", 5),
            minutes in 0i64..5_000_000,
        ) {
            let expr = fields.join(" ");
            if let Ok(c) = expr.parse::<Cron>() {
                let from = at("2026-01-01 00:00") + ChronoDuration::minutes(minutes);
                if let Some(n) = c.next_after(from) {
                    proptest::prop_assert!(n > from);
                    proptest::prop_assert_eq!(c.next_after(n - ChronoDuration::minutes(1)), Some(n));
                }
            }
        }
    }
}
