//! One token bucket for every packet a run sends: ARP, ICMP, SNMP and DNS
//! all take a token per packet, so `rate` is the total packets per second.
//! The arithmetic ([`Tokens`]) is pure and takes the time as an argument;
//! [`Bucket`] wraps it for async senders and blocking ones (the ARP thread).

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The bucket's state: `rate` tokens per second, at most `burst` saved up.
#[derive(Debug, Clone, PartialEq)]
pub struct Tokens {
    rate: f64,
    burst: f64,
    have: f64,
    at: Duration,
}

impl Tokens {
    /// A full bucket at time `now` (time since some fixed origin).
    pub fn new(rate: u32, now: Duration) -> Tokens {
        let rate = f64::from(rate.max(1));
        // Bursts of about 5 ms of traffic: timers need not fire per packet,
        // and no second ever sees more than rate + burst packets.
        let burst = (rate / 200.0).clamp(1.0, 500.0);
        Tokens {
            rate,
            burst,
            have: burst,
            at: now,
        }
    }

    fn refill(&mut self, now: Duration) {
        if now > self.at {
            let gained = (now - self.at).as_secs_f64() * self.rate;
            self.have = (self.have + gained).min(self.burst);
            self.at = now;
        }
    }

    /// Take `n` tokens at `now`: Ok when they were there, else how long to
    /// wait before they will be (nothing is taken then).
    pub fn take(&mut self, n: u32, now: Duration) -> Result<(), Duration> {
        self.refill(now);
        let want = f64::from(n).min(self.burst);
        if self.have >= want {
            self.have -= want;
            return Ok(());
        }
        let secs = (want - self.have) / self.rate;
        Err(Duration::try_from_secs_f64(secs).unwrap_or(Duration::from_millis(1)))
    }

    /// Packets per second.
    pub fn rate(&self) -> f64 {
        self.rate
    }
}

/// The shared bucket of one run.
#[derive(Debug)]
pub struct Bucket {
    origin: Instant,
    state: Mutex<Tokens>,
    taken: std::sync::atomic::AtomicU64,
}

impl Bucket {
    /// A bucket of `rate` packets per second.
    pub fn new(rate: u32) -> Bucket {
        Bucket {
            origin: Instant::now(),
            state: Mutex::new(Tokens::new(rate, Duration::ZERO)),
            taken: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn try_take(&self, n: u32) -> Result<(), Duration> {
        let now = self.origin.elapsed();
        match self.state.lock() {
            Ok(mut t) => t.take(n, now).inspect(|()| {
                self.taken
                    .fetch_add(u64::from(n), std::sync::atomic::Ordering::Relaxed);
            }),
            // A poisoned lock means a sender panicked; let the others go on
            // at a conservative pace rather than stop the run.
            Err(_) => Err(Duration::from_millis(10)),
        }
    }

    /// Wait (async) until `n` packets may be sent.
    pub async fn acquire(&self, n: u32) {
        for _ in 0..1_000_000 {
            match self.try_take(n) {
                Ok(()) => return,
                Err(wait) => tokio::time::sleep(wait.max(Duration::from_micros(200))).await,
            }
        }
    }

    /// Wait (blocking the thread) until `n` packets may be sent.
    pub fn acquire_blocking(&self, n: u32) {
        for _ in 0..1_000_000 {
            match self.try_take(n) {
                Ok(()) => return,
                Err(wait) => std::thread::sleep(wait.max(Duration::from_micros(200))),
            }
        }
    }

    /// Packets sent through this bucket so far.
    pub fn taken(&self) -> u64 {
        self.taken.load(std::sync::atomic::Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_hold_the_rate_over_a_second() {
        // Simulated clock: ask for one token as often as allowed for 1 s.
        let mut t = Tokens::new(1000, Duration::ZERO);
        let mut now = Duration::ZERO;
        let mut sent = 0u32;
        while now < Duration::from_secs(1) {
            match t.take(1, now) {
                Ok(()) => sent += 1,
                Err(w) => now += w,
            }
        }
        // The burst (5 tokens) plus one second at 1000/s.
        assert!((1000..=1006).contains(&sent), "{sent}");
    }

    #[test]
    fn tokens_table() {
        let mut t = Tokens::new(100, Duration::ZERO);
        // Burst of 1 at 100/s.
        assert_eq!(t.take(1, Duration::ZERO), Ok(()));
        let wait = t.take(1, Duration::ZERO).unwrap_err();
        assert_eq!(wait, Duration::from_millis(10));
        assert_eq!(t.take(1, Duration::from_millis(10)), Ok(()));
        // Idle time does not bank more than the burst.
        let mut t = Tokens::new(10_000, Duration::ZERO);
        assert_eq!(t.take(50, Duration::from_secs(60)), Ok(()));
        assert!(t.take(1, Duration::from_secs(60)).is_err());
        // A rate of zero is treated as one per second, never a division by zero.
        let mut t = Tokens::new(0, Duration::ZERO);
        assert_eq!(t.rate(), 1.0);
        assert_eq!(t.take(1, Duration::ZERO), Ok(()));
        assert_eq!(t.take(1, Duration::ZERO), Err(Duration::from_secs(1)));
    }

    proptest::proptest! {
        /// However requests arrive, no window of one second gets more than
        /// rate + burst tokens.
        #[test]
        fn tokens_never_exceed_rate_plus_burst(
            rate in 1u32..50_000,
            gaps in proptest::collection::vec(0u64..2_000_000, 1..400),
            sizes in proptest::collection::vec(1u32..4, 1..400),
        ) {
            let mut t = Tokens::new(rate, Duration::ZERO);
            let mut now = Duration::ZERO;
            let mut granted: Vec<(Duration, u32)> = Vec::new();
            for (g, n) in gaps.iter().zip(sizes.iter().cycle()) {
                now += Duration::from_nanos(*g);
                if t.take(*n, now).is_ok() {
                    granted.push((now, (*n).min(t.burst as u32).max(1)));
                }
            }
            let limit = f64::from(rate) + t.burst + 4.0;
            for (i, (start, _)) in granted.iter().enumerate() {
                let in_window: u32 = granted[i..]
                    .iter()
                    .take_while(|(w, _)| *w < *start + Duration::from_secs(1))
                    .map(|(_, n)| *n)
                    .sum();
                proptest::prop_assert!(f64::from(in_window) <= limit, "{} > {}", in_window, limit);
            }
        }
    }
}
