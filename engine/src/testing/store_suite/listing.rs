//! Listing filters (status, name prefix, start-time range), paging with them across
//! partitions, the bounded name scan, and counts by status.

use super::*;
use crate::store::{ExecutionCounts, ExecutionFilter, ExecutionPage, NAME_SCAN_PER_EXECUTION};

/// Ends `record` with `status` (expiring at `expires_ms`, when given).
async fn end<S: Store>(
    store: &S,
    leases: &[Lease],
    record: &Execution,
    status: Status,
    expires_ms: Option<i64>,
) -> Execution {
    let mut request = next(record);
    request.record.head.status = status;
    request.record.head.stop_ms = Some(record.start_ms + 1);
    request.record.head.expires_ms = expires_ms;
    request.active = false;
    let lease = &leases[partition(store, &record.id) as usize];
    commit(store, lease, request).await
}

/// Every page of a listing, `limit` at a time, following `next` (200 pages at most).
async fn pages<S: Store>(
    store: &S,
    sm: &str,
    filter: &ExecutionFilter,
    limit: usize,
) -> Vec<ExecutionPage> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..200 {
        let page = (store.list_executions_filtered(sm, filter, cursor.as_deref(), limit))
            .await
            .unwrap();
        assert!(page.executions.len() <= limit, "{filter:?} limit {limit}");
        cursor = page.next.clone();
        pages.push(page);
        if cursor.is_none() {
            return pages;
        }
    }
    panic!("{filter:?}, limit {limit}: still a next page after 200");
}

fn names(pages: &[ExecutionPage]) -> Vec<String> {
    (pages.iter().flat_map(|p| &p.executions))
        .map(|e| e.name.clone())
        .collect()
}

fn filter(
    status: Option<Status>,
    prefix: Option<&str>,
    from: Option<i64>,
    before: Option<i64>,
) -> ExecutionFilter {
    ExecutionFilter {
        status,
        name_prefix: prefix.map(str::to_owned),
        started_from_ms: from,
        started_before_ms: before,
    }
}

/// Each filter alone and combined, against the same selection made by hand, with page
/// sizes from 1 up: every match once, newest first (ties by name, descending).
pub async fn list_filters_alone_and_combined<S: Store>(store: &S) {
    let leases = leases(store).await;
    // 60 executions over every partition: three name families, four per start time.
    let mut model: Vec<(i64, String, Status)> = Vec::new();
    for i in 0..60i64 {
        let name = format!("{}-{i}", ["alpha", "beta", "alps"][i as usize % 3]);
        let start_ms = 1_000 + (i / 4) * 10;
        let record = start(store, &format!("filters:{name}"), start_ms, vec![]).await;
        let status = match i {
            _ if i % 5 == 0 => Status::Succeeded,
            _ if i % 7 == 0 => Status::Failed,
            _ if i % 11 == 0 => Status::Aborted,
            13 => Status::TimedOut,
            _ => Status::Running,
        };
        if status != Status::Running {
            end(store, &leases, &record, status, None).await;
        }
        model.push((start_ms, record.id, status));
    }
    start(store, "filters-other:alpha-1", 1_050, vec![]).await;
    let spread: std::collections::BTreeSet<Partition> = model
        .iter()
        .map(|(_, id, _)| partition(store, id))
        .collect();
    assert_eq!(spread.len(), store.partitions() as usize, "every partition");
    model.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));

    let cases = [
        filter(None, None, None, None),
        filter(Some(Status::Running), None, None, None),
        filter(Some(Status::Succeeded), None, None, None),
        filter(Some(Status::TimedOut), None, None, None),
        filter(None, Some("al"), None, None),
        filter(None, Some("alp"), None, None),
        filter(None, Some("alpha-1"), None, None),
        filter(None, Some("gamma"), None, None),
        filter(None, Some(""), None, None),
        // 1,050 and 1,100 are start times of four executions each: inclusive, exclusive.
        filter(None, None, Some(1_050), None),
        filter(None, None, None, Some(1_100)),
        filter(None, None, Some(1_050), Some(1_100)),
        filter(None, None, Some(1_051), Some(1_060)),
        filter(None, None, Some(1_100), Some(1_100)),
        filter(None, None, Some(5_000), None),
        filter(Some(Status::Running), Some("al"), None, None),
        filter(Some(Status::Running), None, Some(1_030), Some(1_120)),
        filter(None, Some("beta"), Some(1_020), Some(1_130)),
        filter(
            Some(Status::Succeeded),
            Some("alp"),
            Some(1_000),
            Some(1_141),
        ),
    ];
    for case in cases {
        let prefix = case.name_prefix.clone().unwrap_or_default();
        let expected: Vec<String> = (model.iter())
            .filter(|(start, id, status)| {
                case.status.is_none_or(|s| s == *status)
                    && id["filters:".len()..].starts_with(&prefix)
                    && case.started_from_ms.is_none_or(|from| *start >= from)
                    && case.started_before_ms.is_none_or(|before| *start < before)
            })
            .map(|(_, id, _)| id["filters:".len()..].to_owned())
            .collect();
        for limit in [1, 2, 3, 7, 100] {
            let pages = pages(store, "filters", &case, limit).await;
            assert_eq!(names(&pages), expected, "{case:?}, limit {limit}");
            if prefix.is_empty() {
                // Without a name to look for, a page is full unless it is the last.
                let short = pages.iter().position(|p| p.executions.len() < limit);
                assert!(
                    short.is_none_or(|i| i == pages.len() - 1),
                    "{case:?}, limit {limit}: a short page before the last"
                );
            }
        }
    }
}

/// With a name prefix that matches only old executions, a call reads a bounded number of
/// index entries: it returns a short (here empty) page with a cursor, and following the
/// cursors finds every match once, in order.
pub async fn list_name_scan_is_bounded<S: Store>(store: &S) {
    for j in 0..3 {
        start(store, &format!("scan:rare-{j}"), 1_000 + j, vec![]).await;
    }
    let bulk = 300;
    for i in 0..bulk {
        start(store, &format!("scan:bulk-{i}"), 10_000 + i, vec![]).await;
    }
    for limit in [1, 2] {
        let rare = filter(None, Some("rare"), None, None);
        let pages = pages(store, "scan", &rare, limit).await;
        assert_eq!(
            names(&pages),
            ["rare-2", "rare-1", "rare-0"][..],
            "limit {limit}"
        );
        let first = &pages[0];
        assert!(
            first.executions.is_empty() && first.next.is_some(),
            "limit {limit}: the first call stops reading before the rare names: {first:?}"
        );
        // More than one call: each reads at most NAME_SCAN_PER_EXECUTION × limit entries or
        // one batch per index, fewer than the 300 newer ones. And each goes on
        // below a full read of some index (4 entries at least): the cursors make progress.
        assert!(NAME_SCAN_PER_EXECUTION * limit < bulk as usize);
        let most = bulk as usize / 4 + 2;
        assert!(
            (2..=most).contains(&pages.len()),
            "limit {limit}: {} calls",
            pages.len()
        );
    }
    // Without a prefix the same listing fills its pages.
    let all = (store.list_executions("scan", None, None, 2))
        .await
        .unwrap();
    assert_eq!(all.executions.len(), 2);
    let bulk_only = filter(Some(Status::Running), Some("bulk-29"), None, None);
    let found = names(&pages(store, "scan", &bulk_only, 100).await);
    assert_eq!(
        found,
        [
            "bulk-299", "bulk-298", "bulk-297", "bulk-296", "bulk-295", "bulk-294", "bulk-293",
            "bulk-292", "bulk-291", "bulk-290", "bulk-29"
        ]
    );
}

/// Counts by status follow starts, ends and deletions; executions past their retention
/// are left out before they are deleted; other machines' are not counted.
pub async fn execution_counts_follow_changes<S: Store>(store: &S) {
    let leases = leases(store).await;
    let empty = store.count_executions("counted").await.unwrap();
    assert_eq!(empty, ExecutionCounts::default());
    let mut records = Vec::new();
    for i in 0..12 {
        records.push(start(store, &format!("counted:e{i}"), 1_000 + i, vec![]).await);
    }
    start(store, "counted-not:e0", 1_000, vec![]).await;
    let counts = store.count_executions("counted").await.unwrap();
    assert_eq!(counts.running, 12);
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), 12);

    let now = crate::clock::now_ms();
    let later = Some(now + 60_000);
    let ends = [
        (Status::Succeeded, later),
        (Status::Succeeded, later),
        (Status::Succeeded, Some(1)), // past its retention, not deleted yet
        (Status::Failed, later),
        (Status::TimedOut, later),
        (Status::Aborted, None),
        (Status::Aborted, Some(2)), // past its retention, not deleted yet
    ];
    for (record, (status, expires)) in records.iter().zip(ends) {
        end(store, &leases, record, status, expires).await;
    }
    let expected = ExecutionCounts {
        running: 5,
        succeeded: 2,
        failed: 1,
        timed_out: 1,
        aborted: 1,
    };
    assert_eq!(store.count_executions("counted").await.unwrap(), expected);

    // The sweep deletes the two expired ones: the counts stay.
    let mut deleted = 0;
    for lease in &leases {
        deleted += store.expire(lease, now, 100).await.unwrap().len();
    }
    assert_eq!(deleted, 2);
    assert_eq!(store.count_executions("counted").await.unwrap(), expected);
    // The others, once their retention ran out.
    for lease in &leases {
        store.expire(lease, now + 60_000, 100).await.unwrap();
    }
    let expected = ExecutionCounts {
        running: 5,
        aborted: 1,
        ..ExecutionCounts::default()
    };
    assert_eq!(store.count_executions("counted").await.unwrap(), expected);
    let other = store.count_executions("counted-not").await.unwrap();
    assert_eq!((other.running, other.get(Status::Succeeded)), (1, 0));
}
