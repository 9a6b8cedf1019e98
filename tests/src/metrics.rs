//! A Baton process's `GET /metrics` (Prometheus text), read by tests.

/// The `/metrics` text of the process at `base`.
pub async fn scrape(base: &str) -> String {
    reqwest::get(format!("{base}/metrics"))
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("the /metrics body")
}

/// The value of the first sample line that starts with `name` (labels included).
pub fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|l| l.starts_with(name))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}
