//! Pacing probes to a packets-per-second rate, in small bursts.

use std::time::{Duration, Instant};

/// Says when the n-th packet may go: packet n is due at start + n / rate.
/// Sending is done in bursts so timers are not asked for microseconds.
#[derive(Debug, Clone)]
pub struct Pacer {
    start: Instant,
    rate: u32,
}

impl Pacer {
    /// A pacer starting now.
    pub fn new(rate: u32, start: Instant) -> Self {
        Pacer {
            start,
            rate: rate.max(1),
        }
    }

    /// When packet `n` (from 0) is due.
    pub fn due(&self, n: u64) -> Instant {
        let nanos = u128::from(n) * 1_000_000_000 / u128::from(self.rate);
        self.start + Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
    }

    /// How long to wait at `now` before sending packet `n`; zero when it is
    /// due within a millisecond.
    pub fn wait(&self, n: u64, now: Instant) -> Duration {
        let due = self.due(n);
        let w = due.saturating_duration_since(now);
        if w < Duration::from_millis(1) {
            Duration::ZERO
        } else {
            w
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_spreads_packets() {
        let t0 = Instant::now();
        let p = Pacer::new(1000, t0);
        assert_eq!(p.due(0), t0);
        assert_eq!(p.due(1000), t0 + Duration::from_secs(1));
        assert_eq!(p.wait(500, t0), Duration::from_millis(500));
        assert_eq!(p.wait(500, t0 + Duration::from_secs(2)), Duration::ZERO);
        assert_eq!(Pacer::new(0, t0).due(1), t0 + Duration::from_secs(1));
    }
}
