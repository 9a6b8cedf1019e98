//! Raising the partition count of a Redis store that is in use (`RedisStore::set_partitions`,
//! `baton partitions --set`): executions stay where they started and are still found,
//! committed and listed; new ones spread over the new count; and a process that has not
//! seen the new count yet can never create a second execution with a name in use.

use baton_engine::machine::{HistoryEvent, Status};
use baton_engine::store::{RedisStore, Started, Store, StoreError, partition_of};
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::testing::store_suite::{commit, event, execution, next, read_new, start};

fn server() -> RedisServer {
    RedisServer::start().expect("redis-server is needed (apt-get install redis-server)")
}

async fn store(server: &RedisServer, partitions: u32) -> RedisStore {
    RedisStore::connect(&server.url(), "grow", partitions)
        .await
        .unwrap()
}

/// Does the record of `id` exist in partition `p`? (Read straight from Redis.)
async fn stored_in(server: &RedisServer, p: u32, id: &str) -> bool {
    let client = redis::Client::open(server.url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    redis::cmd("EXISTS")
        .arg(format!("grow:{{p{p}}}:x:{id}"))
        .query_async(&mut con)
        .await
        .unwrap()
}

/// An id whose partition under 4 and under 16 differ.
fn moving_id(prefix: &str) -> String {
    (0..)
        .map(|i| format!("sm:{prefix}{i}"))
        .find(|id| partition_of(id, 4) != partition_of(id, 16))
        .unwrap()
}

#[tokio::test]
async fn executions_stay_reachable_when_the_count_grows() {
    let server = server();
    let old = store(&server, 4).await;
    let mut before = Vec::new();
    for i in 0..40 {
        before.push(start(&old, &format!("sm:old{i}"), 1_000 + i, Vec::new()).await);
    }
    assert_eq!(old.set_partitions(16).await.unwrap(), [4, 16]);
    assert_eq!(
        old.partitions(),
        16,
        "the store that set it follows at once"
    );
    let new = store(&server, 4).await;
    assert_eq!(
        new.partitions(),
        16,
        "a store opened later reads the stored count"
    );

    for record in &before {
        let p = partition_of(&record.id, 4);
        assert!(stored_in(&server, p, &record.id).await, "nothing is moved");
        let loaded = new.load_execution(&record.id).await.unwrap();
        assert_eq!(
            loaded.as_ref().map(|e| e.seq),
            Some(record.seq),
            "{}",
            record.id
        );
        let history: Vec<HistoryEvent> = new.history(&record.id, 1, 10, false).await.unwrap();
        assert_eq!(history.len(), 1, "history of {}", record.id);
    }
    // An old execution is committed by the holder of its old partition.
    let record = &before[0];
    let lease = new
        .acquire(partition_of(&record.id, 4), "w", 60_000)
        .await
        .unwrap()
        .unwrap();
    let committed = commit(&new, &lease, next(record)).await;
    let loaded = new.load_execution(&record.id).await.unwrap().unwrap();
    assert_eq!(loaded.seq, committed.seq);

    // New executions go to partitions of the new count, some beyond the old ones.
    let mut beyond = 0;
    for i in 0..40 {
        let id = format!("sm:new{i}");
        start(&new, &id, 2_000 + i, Vec::new()).await;
        let p = partition_of(&id, 16);
        assert!(stored_in(&server, p, &id).await, "{id} in partition {p}");
        beyond += usize::from(p >= 4);
    }
    assert!(
        beyond > 10,
        "{beyond} of 40 new executions beyond partition 3"
    );
    // Their start events are in their partitions' queues.
    let lease = new.acquire(15, "w", 60_000).await.unwrap().unwrap();
    let queued: Vec<String> = read_new(&new, &lease)
        .await
        .into_iter()
        .map(|e| e.execution)
        .collect();
    let expected: Vec<String> = (0..40)
        .map(|i| format!("sm:new{i}"))
        .filter(|id| partition_of(id, 16) == 15)
        .collect();
    assert_eq!(queued, expected);

    // Listing sees all of them, old and new.
    let page = new
        .list_executions("sm", Some(Status::Running), None, 1000)
        .await
        .unwrap();
    assert_eq!(page.executions.len(), 80);
}

#[tokio::test]
async fn a_process_with_the_old_count_cannot_start_a_second_execution_of_a_name() {
    let server = server();
    // Two processes that opened the store before the count grew.
    let stale_a = store(&server, 4).await;
    let stale_b = store(&server, 4).await;
    let grown = store(&server, 4).await;
    grown.set_partitions(16).await.unwrap();
    assert_eq!(
        stale_a.partitions(),
        4,
        "not refreshed yet (it reads every 5 s)"
    );
    assert_eq!(stale_b.partitions(), 4);
    start(&grown, "sm:seed", 1, Vec::new()).await;

    // The new count starts first: the stale start is refused by the fence, re-reads the
    // layout and finds the execution.
    let first = moving_id("a");
    start(&grown, &first, 10, Vec::new()).await;
    let again = stale_a
        .start_execution(
            execution(&first, 11),
            vec![event(1, "ExecutionStarted")],
            Vec::new(),
        )
        .await
        .unwrap();
    assert!(matches!(again, Started::Exists(_)), "{again:?}");
    assert_eq!(
        stale_a.partitions(),
        16,
        "the refusal made it read the new count"
    );
    assert!(stored_in(&server, partition_of(&first, 16), &first).await);
    assert!(!stored_in(&server, partition_of(&first, 4), &first).await);

    // The old count starts first: it lands where the old count puts it, and the new
    // count's fence finds it there.
    let second = moving_id("b");
    let created = stale_b
        .start_execution(
            execution(&second, 20),
            vec![event(1, "ExecutionStarted")],
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(created, Started::Created);
    let again = grown
        .start_execution(
            execution(&second, 21),
            vec![event(1, "ExecutionStarted")],
            Vec::new(),
        )
        .await
        .unwrap();
    assert!(matches!(again, Started::Exists(_)), "{again:?}");
    assert!(stored_in(&server, partition_of(&second, 4), &second).await);
    assert!(!stored_in(&server, partition_of(&second, 16), &second).await);
    // …and after the fence the stale process cannot start a third name there either:
    // a name of that old partition that no one started yet goes to its new partition.
    let p_old = partition_of(&second, 4);
    let third = (0..)
        .map(|i| format!("sm:c{i}"))
        .find(|id| partition_of(id, 4) == p_old && partition_of(id, 16) != p_old)
        .unwrap();
    let created = stale_b
        .start_execution(
            execution(&third, 30),
            vec![event(1, "ExecutionStarted")],
            Vec::new(),
        )
        .await
        .unwrap();
    assert_eq!(created, Started::Created);
    assert_eq!(
        stale_b.partitions(),
        16,
        "refused by the fence, it read the new count"
    );
    assert!(stored_in(&server, partition_of(&third, 16), &third).await);
    assert!(!stored_in(&server, p_old, &third).await);
}

#[tokio::test]
async fn the_count_only_grows() {
    let server = server();
    let s = store(&server, 8).await;
    for bad in [8, 4, 0, 16_385] {
        let err = s.set_partitions(bad).await.unwrap_err();
        assert!(matches!(err, StoreError::Other(_)), "{bad}: {err:?}");
    }
    assert_eq!(s.partition_counts().await.unwrap(), [8]);
    assert_eq!(s.set_partitions(12).await.unwrap(), [8, 12]);
    assert_eq!(s.set_partitions(64).await.unwrap(), [8, 12, 64]);
}
