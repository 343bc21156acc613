//! The order a run asks its targets in: a pseudo-random permutation of
//! 0..n computed on the fly (a full-period linear congruential sequence over
//! the next power of two, skipping values past n), so a /12 needs no
//! shuffled copy of its million addresses, consecutive addresses are not
//! asked back to back, and the same seed gives the same order. Pure.

/// Every index in 0..n exactly once, in an order the seed decides.
#[derive(Debug, Clone)]
pub struct Permutation {
    n: u64,
    mask: u64,
    a: u64,
    c: u64,
    x: u64,
    left: u64,
}

impl Permutation {
    /// A permutation of 0..n.
    pub fn new(n: u64, seed: u64) -> Permutation {
        let m = n.max(1).next_power_of_two();
        // a ≡ 1 (mod 4) and c odd give the full period m (Hull–Dobell).
        let mix = splitmix(seed);
        let a = ((mix & 0xffff_fffc) | 1) + 4;
        let c = (splitmix(mix) | 1) & (m - 1).max(1);
        Permutation {
            n,
            mask: m - 1,
            a: (a & (m - 1)) | 1,
            c: c | 1,
            x: splitmix(mix ^ 0x9e37) & (m - 1),
            left: n,
        }
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Iterator for Permutation {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        if self.left == 0 {
            return None;
        }
        // At most m steps find the next value below n (m < 2n).
        for _ in 0..=self.mask {
            self.x = self.a.wrapping_mul(self.x).wrapping_add(self.c) & self.mask;
            if self.x < self.n {
                self.left -= 1;
                return Some(self.x);
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_visits_everything_once() {
        for n in [0u64, 1, 2, 3, 7, 254, 256, 1000, 65_534] {
            for seed in [0u64, 1, 42, u64::MAX] {
                let mut seen: Vec<u64> = Permutation::new(n, seed).collect();
                assert_eq!(seen.len() as u64, n, "n={n} seed={seed}");
                seen.sort_unstable();
                seen.dedup();
                assert_eq!(seen.len() as u64, n);
                assert!(seen.iter().all(|v| *v < n));
            }
        }
    }

    #[test]
    fn permutation_is_not_the_identity_and_seeds_differ() {
        let a: Vec<u64> = Permutation::new(254, 1).collect();
        let b: Vec<u64> = Permutation::new(254, 2).collect();
        let identity: Vec<u64> = (0..254).collect();
        assert_ne!(a, identity);
        assert_ne!(a, b);
        assert_eq!(
            a,
            Permutation::new(254, 1).collect::<Vec<_>>(),
            "same seed, same order"
        );
        // Neighbours rarely follow each other.
        let adjacent = a.windows(2).filter(|w| w[0] + 1 == w[1]).count();
        assert!(adjacent < 25, "{adjacent} adjacent pairs");
    }

    proptest::proptest! {
        #[test]
        fn permutation_any_size(n in 0u64..5000, seed in proptest::prelude::any::<u64>()) {
            let mut v: Vec<u64> = Permutation::new(n, seed).collect();
            v.sort_unstable();
            proptest::prop_assert_eq!(v, (0..n).collect::<Vec<_>>());
        }
    }
}
