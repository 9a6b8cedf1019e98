//! The AWS conformance corpus (`../shared/conformance/cases`) driven through the AWS Step
//! Functions API with the AWS SDK client, against `baton serve --redis <url>` as a process:
//! CreateStateMachine, StartExecution (StartSyncExecution for `express_sync` cases), then
//! DescribeExecution until the execution ends, compared with what AWS recorded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_sdk_sfn::Client;
use aws_sdk_sfn::error::{DisplayErrorContext, ProvideErrorMetadata};
use aws_sdk_sfn::types::{ExecutionStatus, StateMachineType};
use serde_json::Value;
use tokio::sync::Semaphore;

use baton_engine::machine::ExecutionKind;
use baton_engine::testing::conformance::{Case, Outcome, assert_all_match, cases, compare};
use baton_engine::testing::redis_server::RedisServer;
use baton_tests::baton::Baton;

mod common;

/// Cases in flight at once.
const CONCURRENCY: usize = 32;
/// Longest wait for one execution.
const CASE_TIMEOUT: Duration = Duration::from_secs(60);

fn parse_output(text: Option<&str>) -> Option<Value> {
    text.map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_owned())))
}

/// Runs one case through the API; `Err` says why it could not be compared.
async fn run_case(c: &Client, i: usize, case: &Case) -> Result<Outcome, String> {
    let express = case.state_machine_type.as_deref() == Some("EXPRESS");
    let definition = serde_json::to_string(&case.definition).map_err(|e| e.to_string())?;
    let machine = c
        .create_state_machine()
        .name(format!("c{i}"))
        .definition(definition)
        .role_arn("arn:aws:iam::123456789012:role/conformance")
        .r#type(if express {
            StateMachineType::Express
        } else {
            StateMachineType::Standard
        })
        .send()
        .await
        .map_err(|e| format!("CreateStateMachine: {}", DisplayErrorContext(&e)))?
        .state_machine_arn;
    let input = case.input.to_string();
    if case.kind() == ExecutionKind::ExpressSync {
        let out = c
            .start_sync_execution()
            .state_machine_arn(&machine)
            .name("x")
            .input(input)
            .send()
            .await
            .map_err(|e| format!("StartSyncExecution: {}", DisplayErrorContext(&e)))?;
        return Ok(Outcome {
            status: out.status().as_str().to_owned(),
            output: parse_output(out.output()),
            error: out.error().map(str::to_owned),
            cause: out.cause().map(str::to_owned),
        });
    }
    let execution = c
        .start_execution()
        .state_machine_arn(&machine)
        .name("x")
        .input(input)
        .send()
        .await
        .map_err(|e| format!("StartExecution: {}", DisplayErrorContext(&e)))?
        .execution_arn;
    let deadline = Instant::now() + CASE_TIMEOUT;
    let mut pause = Duration::from_millis(10);
    loop {
        let d = c
            .describe_execution()
            .execution_arn(&execution)
            .send()
            .await
            .map_err(|e| format!("DescribeExecution: {:?} {:?}", e.code(), e.message()))?;
        if d.status() != &ExecutionStatus::Running {
            return Ok(Outcome {
                status: d.status().as_str().to_owned(),
                output: parse_output(d.output()),
                error: d.error().map(str::to_owned),
                cause: d.cause().map(str::to_owned),
            });
        }
        if Instant::now() > deadline {
            return Err(format!("still RUNNING after {CASE_TIMEOUT:?}"));
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_millis(200));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corpus_through_the_aws_api() {
    let Some(cases) = cases("corpus_through_the_aws_api") else {
        return;
    };
    let cases = Arc::new(cases);
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let url = redis.url();
    let baton = tokio::task::spawn_blocking(move || Baton::serve(&["--redis", &url], &[]))
        .await
        .expect("start baton");
    let client = common::sdk_client(&baton.url).await;
    let began = Instant::now();
    let permits = Arc::new(Semaphore::new(CONCURRENCY));
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..cases.len() {
        let (client, cases, permits) = (client.clone(), cases.clone(), permits.clone());
        tasks.spawn(async move {
            let _permit = permits.acquire().await.expect("semaphore");
            let case = &cases[i];
            let verdict = match run_case(&client, i, case).await {
                Ok(outcome) => compare(case, &outcome),
                Err(why) => Err(why),
            };
            (i, verdict)
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        let (i, verdict) = joined.expect("case task");
        if let Err(why) = verdict {
            failures.push(format!("{}: {why}", cases[i].name));
        }
    }
    failures.sort();
    eprintln!(
        "conformance through the AWS API: {} cases in {:.1} s",
        cases.len(),
        began.elapsed().as_secs_f64()
    );
    drop(baton);
    drop(redis);
    assert_all_match("conformance through the AWS API", cases.len(), &failures);
}
