//! A metrics recorder for tests: the few metrics they count, each in an `AtomicU64`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// A counter kept in an `AtomicU64`: the failed commits
/// (`baton_store_errors_total{operation="commit"}`) and the merged ones.
#[derive(Debug, Default)]
struct Count(Arc<AtomicU64>);

impl metrics::CounterFn for Count {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, _: u64) {}
}

impl metrics::HistogramFn for Count {
    fn record(&self, _: f64) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// A gauge whose largest value is kept.
#[derive(Debug, Default)]
struct Peak(Arc<AtomicU64>);

impl metrics::GaugeFn for Peak {
    fn increment(&self, _: f64) {}
    fn decrement(&self, _: f64) {}
    fn set(&self, value: f64) {
        self.0.fetch_max(value as u64, Ordering::Relaxed);
    }
}

/// Counts the failed commits, the commits merged with the one before them
/// (`baton_store_commits_merged_total`) and the commit batches (the records of
/// `baton_store_commit_seconds`), and keeps the most commits in flight seen
/// (`baton_commits_in_flight`).
#[derive(Debug, Default)]
pub struct Recorder {
    pub failed: Arc<AtomicU64>,
    pub merged: Arc<AtomicU64>,
    pub batches: Arc<AtomicU64>,
    pub peak_in_flight: Arc<AtomicU64>,
}

impl metrics::Recorder for Recorder {
    fn describe_counter(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_gauge(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn describe_histogram(
        &self,
        _: metrics::KeyName,
        _: Option<metrics::Unit>,
        _: metrics::SharedString,
    ) {
    }
    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let commit = key.name() == "baton_store_errors_total"
            && key
                .labels()
                .any(|l| l.key() == "operation" && l.value() == "commit");
        if commit {
            metrics::Counter::from_arc(Arc::new(Count(self.failed.clone())))
        } else if key.name() == "baton_store_commits_merged_total" {
            metrics::Counter::from_arc(Arc::new(Count(self.merged.clone())))
        } else {
            metrics::Counter::noop()
        }
    }
    fn register_gauge(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        if key.name() == "baton_commits_in_flight" {
            metrics::Gauge::from_arc(Arc::new(Peak(self.peak_in_flight.clone())))
        } else {
            metrics::Gauge::noop()
        }
    }
    fn register_histogram(
        &self,
        key: &metrics::Key,
        _: &metrics::Metadata<'_>,
    ) -> metrics::Histogram {
        if key.name() == "baton_store_commit_seconds" {
            metrics::Histogram::from_arc(Arc::new(Count(self.batches.clone())))
        } else {
            metrics::Histogram::noop()
        }
    }
}
