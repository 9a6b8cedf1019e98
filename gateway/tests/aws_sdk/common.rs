//! The gateway in-process on 127.0.0.1:0 over a MemoryStore, engine workers on the same
//! store and key ring, and an AWS SDK client pointed at it.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_sfn::Client;
use aws_sdk_sfn::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_sfn::config::{
    BehaviorVersion, ConfigBag, Credentials, Intercept, Region, RuntimeComponents,
};
use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use baton_engine::machine::Settings;
use baton_engine::store::MemoryStore;
use baton_engine::testing::engine::TestEngine;
use baton_gateway::server::SharedState;
use baton_gateway::service::Service;
use baton_gateway::{AppState, Backend, GatewayConfig};

pub const KEY: &str = "AKIDBATONTEST";
pub const SECRET: &str = "baton-test-secret-key";
pub const ROLE: &str = "arn:aws:iam::123456789012:role/test";

/// One Pass state adding `{"r": {"ok": true}}`.
pub const PASS: &str = r#"{"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ok": true}, "ResultPath": "$.r", "End": true}}}"#;
/// A Fail state.
pub const FAIL: &str = r#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Custom.Bad", "Cause": "it went wrong"}}}"#;
/// Runs for a minute (stop it).
pub const WAIT: &str =
    r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": true}}}"#;

/// `StartSyncExecution` has the host prefix `sync-`; a loopback endpoint has no such host, so
/// the prefix is taken off again before signing (as `--no-inject-host-prefix` does for the CLI).
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

/// An SDK client for `url` signing with `key`/`secret`.
pub async fn client(url: &str, key: &str, secret: &str) -> Client {
    let shared = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, None, None, "baton-tests"))
        .endpoint_url(url)
        .load()
        .await;
    let config = aws_sdk_sfn::config::Builder::from(&shared)
        .interceptor(NoHostPrefix)
        .build();
    Client::from_conf(config)
}

/// A running gateway with workers.
#[derive(Debug)]
pub struct Harness {
    pub client: Client,
    pub url: String,
    pub state: SharedState,
    pub engine: TestEngine<MemoryStore>,
    stop: CancellationToken,
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::with_credentials(Vec::new()).await
    }

    /// With SigV4 checks for these `(access key id, secret)` pairs.
    pub async fn with_credentials(aws_credentials: Vec<(String, String)>) -> Harness {
        Harness::build(aws_credentials, None).await
    }

    /// With a mock configuration (`--mock-config`) in the gateway and the workers.
    pub async fn with_mocks(mocks: baton_engine::mock::MockConfig) -> Harness {
        Harness::build(Vec::new(), Some(Arc::new(mocks))).await
    }

    async fn build(
        aws_credentials: Vec<(String, String)>,
        mocks: Option<Arc<baton_engine::mock::MockConfig>>,
    ) -> Harness {
        let store = MemoryStore::new(4);
        let engine = TestEngine::start_with_mocks(store.clone(), 2, mocks.clone());
        let http = baton_engine::http::HttpInvoker::new(Default::default()).expect("HTTP client");
        let state = Arc::new(AppState {
            service: Service::new(
                Backend::Memory(store),
                Settings::default(),
                engine.keys.clone(),
            )
            .with_mocks(mocks)
            .with_http(http),
            config: GatewayConfig {
                aws_credentials,
                sync_timeout: Duration::from_secs(10),
                ..GatewayConfig::default()
            },
            metrics: None,
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = CancellationToken::new();
        tokio::spawn(baton_gateway::serve(
            listener,
            state.clone(),
            stop.clone().cancelled_owned(),
        ));
        Harness {
            client: client(&url, KEY, SECRET).await,
            url,
            state,
            engine,
            stop,
        }
    }

    /// Creates a STANDARD state machine; returns its ARN.
    pub async fn machine(&self, name: &str, definition: &str) -> String {
        self.client
            .create_state_machine()
            .name(name)
            .definition(definition)
            .role_arn(ROLE)
            .send()
            .await
            .expect("create state machine")
            .state_machine_arn
    }

    /// Starts an execution; returns its ARN.
    pub async fn start_execution(&self, machine: &str, name: &str, input: &str) -> String {
        self.client
            .start_execution()
            .state_machine_arn(machine)
            .name(name)
            .input(input)
            .send()
            .await
            .expect("start execution")
            .execution_arn
    }

    /// Polls DescribeExecution until the execution is not RUNNING (at most 10 s).
    pub async fn wait_done(
        &self,
        execution: &str,
    ) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
        for _ in 0..1000 {
            let out = self
                .client
                .describe_execution()
                .execution_arn(execution)
                .send()
                .await
                .expect("describe execution");
            if out.status != ExecutionStatus::Running {
                return out;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("{execution} did not finish");
    }

    pub async fn stop(self) {
        self.stop.cancel();
        self.engine.stop().await;
    }
}

pub fn json(text: Option<&str>) -> Value {
    serde_json::from_str(text.expect("JSON text")).expect("valid JSON")
}
