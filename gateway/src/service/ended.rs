//! Synchronous starts (`?wait=`) wake when this process's workers end the execution they
//! wait for, instead of at their next poll. Executions that other processes run are still
//! polled.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

/// The executions waited for, each with the signal its waiters listen to.
#[derive(Debug, Default)]
pub struct EndWatch {
    waiting: Mutex<HashMap<String, (Arc<Notify>, usize)>>,
}

impl EndWatch {
    /// Execution `id` ended: wakes whoever waits for it.
    pub fn ended(&self, id: &str) {
        let waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((notify, _)) = waiting.get(id) {
            notify.notify_waiters();
        }
    }

    /// Starts waiting for `id` (until the [`Watch`] is dropped).
    pub fn watch(self: &Arc<Self>, id: &str) -> Watch {
        let mut waiting = self.waiting.lock().unwrap_or_else(|e| e.into_inner());
        let entry = waiting.entry(id.to_owned()).or_default();
        entry.1 += 1;
        Watch {
            watch: self.clone(),
            id: id.to_owned(),
            notify: entry.0.clone(),
        }
    }
}

/// Waiting for one execution's end.
#[derive(Debug)]
pub struct Watch {
    watch: Arc<EndWatch>,
    id: String,
    pub notify: Arc<Notify>,
}

impl Drop for Watch {
    fn drop(&mut self) {
        let mut waiting = (self.watch.waiting.lock()).unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = waiting.get_mut(&self.id) {
            entry.1 -= 1;
            if entry.1 == 0 {
                waiting.remove(&self.id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_end_wakes_its_waiters_only() {
        let watch = Arc::new(EndWatch::default());
        let a = watch.watch("sm:a");
        let b = watch.watch("sm:b");
        {
            let mut woken_a = std::pin::pin!(a.notify.notified());
            let mut woken_b = std::pin::pin!(b.notify.notified());
            woken_a.as_mut().enable();
            woken_b.as_mut().enable();
            watch.ended("sm:a");
            let quick = std::time::Duration::from_millis(50);
            assert!(tokio::time::timeout(quick, woken_a).await.is_ok());
            assert!(tokio::time::timeout(quick, woken_b).await.is_err());
        }
        drop((a, b));
        assert!(
            watch.waiting.lock().unwrap().is_empty(),
            "dropped watches leave nothing"
        );
    }
}
