//! Map Runs ride in the record head: a commit writes them, loading and listing read them.

use super::*;
use crate::machine::{MapRun, MapRunStatus};

fn run(children: u32, succeeded: u64) -> MapRun {
    MapRun {
        children,
        frame: 0,
        label: "Each".into(),
        status: MapRunStatus::Running,
        start_ms: 1_500,
        stop_ms: None,
        max_concurrency: 2,
        tolerated_count: 1,
        tolerated_percentage: 12.5,
        total: 4,
        started: 2,
        succeeded,
        failed: 0,
        aborted: 0,
        redrive_count: 0,
        redrive_ms: None,
    }
}

/// The head's Map Runs (and their counters) are written by every commit and read back by
/// `load_execution` and `list_executions`.
pub async fn map_runs_ride_in_the_head<S: Store>(store: &S) {
    let id = "suite:mapruns";
    let record = start(store, id, 1_000, vec![]).await;
    let lease = store
        .acquire(partition(store, id), "w", LONG)
        .await
        .unwrap()
        .unwrap();
    let mut request = next(&record);
    request.record.head.map_runs = vec![run(1, 0)];
    let record = commit(store, &lease, request).await;
    let mut request = next(&record);
    request.record.head.map_runs[0].succeeded = 2;
    request.record.head.map_runs.push(run(7, 0));
    let record = commit(store, &lease, request).await;
    let loaded = store.load_execution(id).await.unwrap().unwrap();
    assert_eq!(loaded.map_runs, [run(1, 2), run(7, 0)]);
    assert_eq!(loaded, record);
    let page = store
        .list_executions("suite", None, None, 10)
        .await
        .unwrap();
    assert_eq!(page.executions.len(), 1);
    assert_eq!(page.executions[0].map_runs, [run(1, 2), run(7, 0)]);
}
