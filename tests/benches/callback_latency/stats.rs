//! Percentiles by exact sorting of every sample (60,000 at the default size).

use std::time::Duration;

use serde_json::{Value, json};

/// A latency distribution in milliseconds.
#[derive(Debug, Clone, Copy, Default)]
pub struct Summary {
    pub n: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Summary {
    pub fn of(samples: &[Duration]) -> Summary {
        let mut sorted: Vec<Duration> = samples.to_vec();
        sorted.sort_unstable();
        // Nearest rank: the smallest sample with at least q of all samples at or below it.
        let at = |q: f64| -> f64 {
            if sorted.is_empty() {
                return f64::NAN;
            }
            let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            sorted[rank - 1].as_secs_f64() * 1e3
        };
        Summary {
            n: sorted.len(),
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: at(1.0),
        }
    }

    /// One line: `what  n  p50 p90 p99 p99.9 max` in ms.
    pub fn line(&self, what: &str) -> String {
        format!(
            "{what:<34} n={:<6} p50 {:>8.3}  p90 {:>8.3}  p99 {:>8.3}  p99.9 {:>8.3}  max {:>8.3} ms",
            self.n, self.p50, self.p90, self.p99, self.p999, self.max
        )
    }

    pub fn json(&self) -> Value {
        let r = |x: f64| (x * 1e3).round() / 1e3;
        json!({"n": self.n, "p50": r(self.p50), "p90": r(self.p90), "p99": r(self.p99),
               "p99_9": r(self.p999), "max": r(self.max)})
    }
}
