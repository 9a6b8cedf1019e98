//! Doorbells across processes: a worker waiting for its partition's queue (no blocking read
//! per partition) is woken by a start made through another store — another process — at
//! once, not when its fallback look (5 s here) comes round.

use std::time::{Duration, Instant};

use baton_engine::store::{QueueRead, RedisStore, Store, partition_of};
use baton_engine::testing::redis_server::RedisServer;
use baton_engine::testing::store_suite::start;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_from_another_process_wakes_the_partition_holder() {
    let server = RedisServer::start().expect("redis-server is needed");
    let worker = RedisStore::connect(&server.url(), "bell", 4).await.unwrap();
    let gateway = RedisStore::connect(&server.url(), "bell", 4).await.unwrap();
    let id = "sm:rung";
    let p = partition_of(id, 4);
    let lease = worker.acquire(p, "w-bell", 60_000).await.unwrap().unwrap();
    // The first wait starts the worker's doorbell listener; nothing is queued yet.
    let first = worker
        .read_queue(&lease, QueueRead::New, 10, 200)
        .await
        .unwrap();
    assert!(first.is_empty());

    for round in 0..3 {
        let reader = {
            let (worker, lease) = (worker.clone(), lease.clone());
            tokio::spawn(async move {
                let began = Instant::now();
                let entries = worker
                    .read_queue(&lease, QueueRead::New, 10, 5_000)
                    .await
                    .unwrap();
                (entries, began.elapsed())
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let id = format!("sm:rung{round}");
        let p_round = partition_of(&id, 4);
        let id = if p_round == p {
            id
        } else {
            (0..)
                .map(|i| format!("sm:r{round}x{i}"))
                .find(|id| partition_of(id, 4) == p)
                .unwrap()
        };
        start(&gateway, &id, 1, Vec::new()).await;
        let (entries, waited) = reader.await.unwrap();
        println!("round {round}: woken after {waited:?}");
        assert_eq!(entries.len(), 1, "{entries:?}");
        assert_eq!(entries[0].execution, id);
        assert!(
            waited < Duration::from_millis(2_500),
            "woken after {waited:?}: the ring did not arrive (the 5 s fallback did)"
        );
        worker.ack(&lease, &[entries[0].id.clone()]).await.unwrap();
    }
}
