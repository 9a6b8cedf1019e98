//! Bounded, jittered backoff for retries after store errors, and the rule for how often
//! such errors are logged.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// Exponential backoff with full jitter: the n-th wait is uniform in `[d/2, d]` with
/// `d = min(max, base · 2ⁿ)`.
#[derive(Debug, Clone)]
pub struct Backoff {
    base: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    pub fn new(base: Duration, max: Duration) -> Backoff {
        Backoff {
            base,
            max: max.max(base),
            attempt: 0,
        }
    }

    /// The next wait.
    pub fn next_delay(&mut self) -> Duration {
        let factor = 2u32.saturating_pow(self.attempt.min(20));
        self.attempt = self.attempt.saturating_add(1);
        let ceiling = self.base.saturating_mul(factor).min(self.max);
        ceiling.mul_f64(0.5 + rand::random::<f64>() * 0.5)
    }

    /// Failures in a row so far.
    pub fn failures(&self) -> u32 {
        self.attempt
    }

    /// Whether the failure about to be waited for is worth a log line: the 1st, 2nd, 4th,
    /// 8th, … in a row.
    pub fn should_log(&self) -> bool {
        (self.attempt + 1).is_power_of_two()
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    /// Sleeps the next wait; false when `cancel` fired first.
    pub async fn sleep(&mut self, cancel: &CancellationToken) -> bool {
        let delay = self.next_delay();
        tokio::select! {
            () = cancel.cancelled() => false,
            () = tokio::time::sleep(delay) => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_jittered_and_bounded() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(2));
        let delays: Vec<Duration> = (0..10).map(|_| b.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(50) && delays[0] <= Duration::from_millis(100));
        assert!(delays[3] >= Duration::from_millis(400) && delays[3] <= Duration::from_millis(800));
        for d in &delays[6..] {
            assert!(
                *d >= Duration::from_secs(1) && *d <= Duration::from_secs(2),
                "{d:?}"
            );
        }
        assert_eq!(b.failures(), 10);
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(100));
    }

    #[test]
    fn logs_thin_out() {
        let mut b = Backoff::new(Duration::from_millis(1), Duration::from_millis(1));
        let logged: Vec<u32> = (1..=20)
            .filter(|_| {
                let log = b.should_log();
                b.next_delay();
                log
            })
            .collect::<Vec<_>>();
        assert_eq!(logged, [1, 2, 4, 8, 16]);
    }
}
