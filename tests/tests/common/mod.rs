//! What the end-to-end test files share: an AWS SDK (aws-sdk-sfn) client for a `baton
//! serve` process, and small waiting helpers.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};

/// Takes the `sync-` host prefix of StartSyncExecution off again: a loopback endpoint has
/// no such host.
#[derive(Debug)]
struct NoHostPrefix;

impl Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
        let request = context.request_mut();
        if let Some(rest) = request.uri().strip_prefix("http://sync-") {
            let uri = format!("http://{rest}");
            request.set_uri(uri)?;
        }
        Ok(())
    }
}

/// An SDK client for the server at `url`, signing with `AKIDTEST`/`secret` (which a
/// server without `--aws-credentials` does not check).
pub async fn sdk_client(url: &str) -> Client {
    sdk_client_with(url, "AKIDTEST", "secret").await
}

/// An SDK client for the server at `url`, signing with these credentials; no retries, so
/// an error comes back at once.
pub async fn sdk_client_with(url: &str, key_id: &str, secret: &str) -> Client {
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key_id, secret, None, None, "tests"))
        .endpoint_url(url)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    Client::from_conf(
        aws_sdk_sfn::config::Builder::from(&shared)
            .interceptor(NoHostPrefix)
            .build(),
    )
}

/// Calls `check` until it returns `Some`, every 50 ms; panics with `what` after `timeout`.
pub async fn eventually<T, F, Fut>(timeout: Duration, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
