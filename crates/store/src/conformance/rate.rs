//! Shared rate windows.

use super::*;
use crate::*;
use std::collections::HashSet;

const MINUTE_MS: i64 = 60_000;

fn granted(remaining: u32) -> RateTake {
    RateTake {
        granted: true,
        remaining,
        wait_ms: 0,
    }
}

pub async fn a_fresh_rate_window_grants_its_limit_then_says_how_long_to_wait(store: TestStore) {
    let t = tenant("t1");
    for left in (0..5).rev() {
        let answer = store
            .take_rate(&t, "bp:shop", 1, 5, MINUTE_MS)
            .await
            .unwrap();
        assert_eq!(answer, granted(left));
    }
    let refused = store
        .take_rate(&t, "bp:shop", 1, 5, MINUTE_MS)
        .await
        .unwrap();
    assert!(!refused.granted && refused.remaining == 0, "{refused:?}");
    assert!(
        (50_000..=MINUTE_MS).contains(&refused.wait_ms),
        "the wait runs to the window's end, about a minute away: {refused:?}"
    );

    // A refused take spends nothing; a call dearer than the whole window is charged the window.
    let t2 = tenant("t2");
    assert_eq!(
        store
            .take_rate(&t2, "bp:shop", 3, 5, MINUTE_MS)
            .await
            .unwrap(),
        granted(2)
    );
    let refused = store
        .take_rate(&t2, "bp:shop", 3, 5, MINUTE_MS)
        .await
        .unwrap();
    assert!(!refused.granted && refused.remaining == 2, "{refused:?}");
    assert_eq!(
        store
            .take_rate(&t2, "bp:shop", 2, 5, MINUTE_MS)
            .await
            .unwrap(),
        granted(0)
    );
    assert_eq!(
        store
            .take_rate(&t2, "bp:big", 500, 200, MINUTE_MS)
            .await
            .unwrap(),
        granted(0)
    );
}

pub async fn a_rate_window_reopens_when_it_ends(store: TestStore) {
    let t = tenant("t1");
    let window_ms = 400;
    for left in [1, 0] {
        assert_eq!(
            store.take_rate(&t, "k", 1, 2, window_ms).await.unwrap(),
            granted(left)
        );
    }
    let refused = store.take_rate(&t, "k", 1, 2, window_ms).await.unwrap();
    assert!(
        !refused.granted && (1..=window_ms).contains(&refused.wait_ms),
        "{refused:?}"
    );
    tokio::time::sleep(Duration::from_millis(
        u64::try_from(refused.wait_ms).unwrap() + 20,
    ))
    .await;
    assert_eq!(
        store.take_rate(&t, "k", 1, 2, window_ms).await.unwrap(),
        granted(1),
        "after the wait a fresh window is open"
    );
}

pub async fn concurrent_rate_takers_never_share_a_unit(store: TestStore) {
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut granted = Vec::new();
            for _ in 0..20 {
                let answer = store
                    .take_rate(&tenant("t1"), "bp:shop", 1, 100, MINUTE_MS)
                    .await
                    .unwrap();
                if answer.granted {
                    granted.push(answer.remaining);
                }
            }
            granted
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    assert_eq!(
        all.len(),
        100,
        "exactly the window's 100 units were granted"
    );
    let distinct: HashSet<u32> = all.iter().copied().collect();
    assert_eq!(
        distinct,
        (0..100).collect::<HashSet<u32>>(),
        "every unit was granted once: each take saw the one before it"
    );
}

pub async fn observing_the_server_count_corrects_the_rate_window(store: TestStore) {
    let t = tenant("t1");
    assert_eq!(
        store.take_rate(&t, "k", 1, 200, MINUTE_MS).await.unwrap(),
        granted(199)
    );
    // The same window (the server's ends within the slack of ours): the smaller count wins.
    store
        .observe_rate(&t, "k", 150, MINUTE_MS - 500)
        .await
        .unwrap();
    assert_eq!(
        store.take_rate(&t, "k", 1, 200, MINUTE_MS).await.unwrap(),
        granted(149)
    );
    store.observe_rate(&t, "k", 180, MINUTE_MS).await.unwrap();
    assert_eq!(
        store.take_rate(&t, "k", 1, 200, MINUTE_MS).await.unwrap(),
        granted(148),
        "a higher server count does not raise ours: calls may be in flight"
    );
    // Another window (ends 20 s away, not a minute): the server's replaces ours, count and end.
    store.observe_rate(&t, "k", 2, 20_000).await.unwrap();
    assert_eq!(
        store.take_rate(&t, "k", 2, 200, MINUTE_MS).await.unwrap(),
        granted(0)
    );
    let refused = store.take_rate(&t, "k", 1, 200, MINUTE_MS).await.unwrap();
    assert!(
        !refused.granted && (10_000..=20_000).contains(&refused.wait_ms),
        "the wait runs to the server's window end: {refused:?}"
    );
    // A key never taken from starts from the server's count.
    store.observe_rate(&t, "fresh", 3, MINUTE_MS).await.unwrap();
    assert_eq!(
        store
            .take_rate(&t, "fresh", 1, 200, MINUTE_MS)
            .await
            .unwrap(),
        granted(2)
    );
}

pub async fn rate_windows_are_isolated_by_key_and_tenant(store: TestStore) {
    let (t1, t2) = (tenant("t1"), tenant("t2"));
    assert_eq!(
        store.take_rate(&t1, "a", 3, 3, MINUTE_MS).await.unwrap(),
        granted(0)
    );
    assert!(
        !store
            .take_rate(&t1, "a", 1, 3, MINUTE_MS)
            .await
            .unwrap()
            .granted
    );
    assert_eq!(
        store.take_rate(&t1, "b", 1, 3, MINUTE_MS).await.unwrap(),
        granted(2),
        "another key has its own window"
    );
    assert_eq!(
        store.take_rate(&t2, "a", 1, 3, MINUTE_MS).await.unwrap(),
        granted(2),
        "another tenant has its own window"
    );
    store.observe_rate(&t2, "b", 0, MINUTE_MS).await.unwrap();
    assert_eq!(
        store.take_rate(&t1, "b", 1, 3, MINUTE_MS).await.unwrap(),
        granted(1),
        "an observation touches only its own tenant and key"
    );
}
