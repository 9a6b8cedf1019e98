//! When redis-server had a child (an AOF rewrite: the bench's server saves no RDB) during
//! the open loop. On this 2-core machine the child takes a core from baton, Redis and the
//! harness for a second or two while it writes the whole dataset, and the callbacks of
//! those seconds queue: the report tells their latency apart from the rest's.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use baton_engine::testing::resp;

/// How often `INFO persistence` is read.
const POLL: Duration = Duration::from_millis(50);
/// A window lasts this long after the child is seen gone: the queue it left drains.
pub const AFTER: Duration = Duration::from_secs(1);

/// Polls redis-server until [`Watcher::stop`].
pub struct Watcher {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Seen>,
}

/// What the watcher saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// From a child's start to [`AFTER`] past its end.
    pub windows: Vec<(Instant, Instant)>,
    /// Bytes appended to the AOF: the growth of `aof_current_size` between polls (a
    /// rewrite's end shrinks it; what was appended in the poll around that is missed).
    pub aof_bytes: u64,
}

impl Watcher {
    pub fn start(port: u16) -> Watcher {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut seen = Seen::default();
            let (mut open, mut size): (Option<Instant>, Option<u64>) = (None, None);
            while !flag.load(Ordering::Relaxed) {
                let polled = Instant::now();
                let info = resp::command(port, &["INFO", "persistence"], Duration::from_secs(5))
                    .and_then(|r| r.text().map_err(std::io::Error::other))
                    .expect("INFO persistence");
                let fields = resp::parse_info(&info);
                let now_size: u64 = (fields.get("aof_current_size"))
                    .and_then(|v| v.parse().ok())
                    .expect("INFO persistence has aof_current_size (AOF is on)");
                if let Some(before) = size {
                    seen.aof_bytes += now_size.saturating_sub(before);
                }
                size = Some(now_size);
                let busy = ["aof_rewrite_in_progress", "rdb_bgsave_in_progress"]
                    .iter()
                    .any(|f| fields.get(*f).map(String::as_str) == Some("1"));
                match (busy, open) {
                    // The child may have started up to one poll ago.
                    (true, None) => open = Some(polled - POLL),
                    (false, Some(from)) => {
                        seen.windows.push((from, polled + AFTER));
                        open = None;
                    }
                    _ => {}
                }
                std::thread::sleep(POLL);
            }
            if let Some(from) = open {
                seen.windows.push((from, Instant::now() + AFTER));
            }
            seen
        });
        Watcher { stop, thread }
    }

    pub fn stop(self) -> Seen {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().expect("the fork watcher")
    }
}

/// Whether `at` falls in one of `windows`.
pub fn within(windows: &[(Instant, Instant)], at: Instant) -> bool {
    windows.iter().any(|(from, to)| *from <= at && at <= *to)
}
