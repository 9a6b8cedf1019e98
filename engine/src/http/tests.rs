//! The HTTP task client against real servers on 127.0.0.1:0 (axum, or raw TCP where the
//! test needs to misbehave at the socket level).

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap as AxumHeaders, Method as AxumMethod, StatusCode, Uri};
use axum::response::Response;
use axum::routing::{any, get};
use axum::serve::ListenerExt;
use baton_definitions::{ErrorName, Failure};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use super::guard::{Lookup, LookupFuture};
use super::{AllowList, HttpConfig, HttpInvoker};
use crate::machine::{HttpRequest, ResponseShape};

// ---- helpers ----------------------------------------------------------------------------

/// Serves `router` on 127.0.0.1:0; the counter is the number of accepted connections.
async fn serve(router: Router) -> (SocketAddr, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    let listener = listener.tap_io(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (addr, accepted)
}

/// Runs `handler` for every connection accepted on 127.0.0.1:0.
async fn raw_server<F, Fut>(handler: F) -> (SocketAddr, Arc<AtomicUsize>)
where
    F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&accepted);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handler(stream));
        }
    });
    (addr, accepted)
}

/// Reads a request head (these tests only send bodiless requests to raw servers).
async fn read_head(stream: &mut TcpStream) -> io::Result<Vec<u8>> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    Ok(head)
}

fn request(method: &str, url: String) -> HttpRequest {
    HttpRequest {
        method: method.into(),
        url,
        headers: Vec::new(),
        query: Vec::new(),
        body: None,
        shape: ResponseShape::Invoke,
        idempotency_key: "exec-1/Call API/1".into(),
        timeout_seconds: Some(5),
    }
}

fn invoker() -> HttpInvoker {
    HttpInvoker::new(HttpConfig::default()).expect("client")
}

fn failure(result: Result<Value, Failure>) -> Failure {
    match result {
        Ok(v) => panic!("expected a failure, got {v}"),
        Err(f) => f,
    }
}

fn cause(f: &Failure) -> &str {
    f.cause.as_deref().unwrap_or_default()
}

/// Echoes the request back as JSON, with a repeated response header.
async fn echo(method: AxumMethod, uri: Uri, headers: AxumHeaders, body: Bytes) -> Response {
    let headers: serde_json::Map<String, Value> = headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                json!(String::from_utf8_lossy(v.as_bytes())),
            )
        })
        .collect();
    let answer = json!({
        "method": method.as_str(),
        "path": uri.path(),
        "query": uri.query(),
        "headers": headers,
        "body": String::from_utf8_lossy(&body),
    });
    Response::builder()
        .header("content-type", "application/json; charset=utf-8")
        .header("x-multi", "1")
        .header("x-multi", "2")
        .body(Body::from(answer.to_string()))
        .expect("response")
}

// ---- requests and results -----------------------------------------------------------------

#[tokio::test]
async fn invoke_sends_method_query_headers_and_text_body() {
    let (addr, _) = serve(Router::new().route("/echo", any(echo))).await;
    let mut req = request("PATCH", format!("http://{addr}/echo?a=1#frag"));
    req.query = vec![
        ("x".into(), "hello world".into()),
        ("x".into(), "&=é".into()),
    ];
    req.headers = vec![
        ("X-Custom".into(), "one".into()),
        ("X-Custom".into(), "two".into()),
    ];
    req.body = Some(json!("just text"));
    let result = invoker().invoke(&req).await.expect("success");

    assert_eq!(result["StatusCode"], json!(200));
    assert_eq!(result["StatusText"], json!("OK"));
    assert_eq!(result["Headers"]["x-multi"], json!(["1", "2"]));
    assert_eq!(
        result["Headers"]["content-type"],
        json!(["application/json; charset=utf-8"])
    );
    let echoed = &result["ResponseBody"];
    assert_eq!(echoed["method"], json!("PATCH"));
    assert_eq!(echoed["path"], json!("/echo"));
    assert_eq!(echoed["query"], json!("a=1&x=hello+world&x=%26%3D%C3%A9"));
    assert_eq!(echoed["body"], json!("just text"));
    let h = &echoed["headers"];
    assert_eq!(h["content-type"], json!("text/plain; charset=UTF-8"));
    assert_eq!(h["idempotency-key"], json!("exec-1/Call%20API/1"));
    assert!(
        h["user-agent"]
            .as_str()
            .is_some_and(|ua| ua.starts_with("Baton/")),
        "{h}"
    );
}

#[tokio::test]
async fn repeated_request_headers_are_all_sent() {
    let router = Router::new().route(
        "/h",
        get(|headers: AxumHeaders| async move {
            let values: Vec<String> = headers
                .get_all("x-custom")
                .iter()
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .collect();
            axum::Json(json!(values))
        }),
    );
    let (addr, _) = serve(router).await;
    let mut req = request("GET", format!("http://{addr}/h"));
    req.headers = vec![
        ("X-Custom".into(), "one".into()),
        ("x-custom".into(), "two".into()),
    ];
    let result = invoker().invoke(&req).await.expect("success");
    assert_eq!(result["ResponseBody"], json!(["one", "two"]));
}

#[tokio::test]
async fn invoke_json_bodies_and_given_content_type() {
    let (addr, _) = serve(Router::new().route("/echo", any(echo))).await;
    let invoker = invoker();

    let mut req = request("POST", format!("http://{addr}/echo"));
    req.body = Some(json!({"n": 1, "s": "x"}));
    let r = invoker.invoke(&req).await.expect("success");
    assert_eq!(
        r["ResponseBody"]["headers"]["content-type"],
        json!("application/json")
    );
    assert_eq!(r["ResponseBody"]["body"], json!(r#"{"n":1,"s":"x"}"#));

    // A string with a given Content-Type is sent raw under that type.
    req.body = Some(json!("a=1&b=2"));
    req.headers = vec![(
        "Content-Type".into(),
        "application/x-www-form-urlencoded".into(),
    )];
    let r = invoker.invoke(&req).await.expect("success");
    assert_eq!(
        r["ResponseBody"]["headers"]["content-type"],
        json!("application/x-www-form-urlencoded")
    );
    assert_eq!(r["ResponseBody"]["body"], json!("a=1&b=2"));

    // No body: no Content-Type, empty body; the request's own User-Agent wins.
    req.body = None;
    req.headers = vec![("User-Agent".into(), "custom/1".into())];
    let r = invoker.invoke(&req).await.expect("success");
    assert_eq!(
        r["ResponseBody"]["headers"]["user-agent"],
        json!("custom/1")
    );
    assert!(r["ResponseBody"]["headers"].get("content-type").is_none());
    assert_eq!(r["ResponseBody"]["body"], json!(""));
}

#[tokio::test]
async fn invoke_response_body_is_text_unless_json_content_type() {
    let router = Router::new()
        .route("/text", get(|| async { r#"{"looks": "like json"}"# }))
        .route(
            "/problem",
            get(|| async {
                Response::builder()
                    .header("content-type", "application/problem+json")
                    .body(Body::from(r#"{"title":"t"}"#))
                    .expect("response")
            }),
        )
        .route(
            "/broken-json",
            get(|| async {
                Response::builder()
                    .header("content-type", "application/json")
                    .body(Body::from("{oops"))
                    .expect("response")
            }),
        );
    let (addr, _) = serve(router).await;
    let invoker = invoker();
    let r = invoker
        .invoke(&request("GET", format!("http://{addr}/text")))
        .await
        .expect("success");
    assert_eq!(r["ResponseBody"], json!(r#"{"looks": "like json"}"#));
    let r = invoker
        .invoke(&request("GET", format!("http://{addr}/problem")))
        .await
        .expect("success");
    assert_eq!(r["ResponseBody"], json!({"title": "t"}));
    let r = invoker
        .invoke(&request("GET", format!("http://{addr}/broken-json")))
        .await
        .expect("success");
    assert_eq!(r["ResponseBody"], json!("{oops"));
}

#[tokio::test]
async fn body_shape_posts_json_and_parses_the_answer() {
    let router = Router::new()
        .route(
            "/task",
            any(|headers: AxumHeaders, body: Bytes| async move {
                let input: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                axum::Json(json!({
                    "got": input,
                    "type": headers.get("content-type").and_then(|v| v.to_str().ok()),
                    "key": headers.get("idempotency-key").and_then(|v| v.to_str().ok()),
                }))
            }),
        )
        .route("/text", any(|| async { "plain words" }))
        .route("/empty", any(|| async { StatusCode::NO_CONTENT }));
    let (addr, _) = serve(router).await;
    let invoker = invoker();

    let mut req = request("POST", format!("http://{addr}/task"));
    req.shape = ResponseShape::Body;
    req.body = Some(json!("a string input is still JSON"));
    let r = invoker.invoke(&req).await.expect("success");
    assert_eq!(
        r,
        json!({"got": "a string input is still JSON", "type": "application/json", "key": "exec-1/Call%20API/1"})
    );

    req.url = format!("http://{addr}/text");
    assert_eq!(
        invoker.invoke(&req).await.expect("success"),
        json!("plain words")
    );
    req.url = format!("http://{addr}/empty");
    assert_eq!(invoker.invoke(&req).await.expect("success"), Value::Null);
}

#[tokio::test]
async fn head_requests_have_no_body() {
    let (addr, _) = serve(Router::new().route("/echo", any(echo))).await;
    let r = invoker()
        .invoke(&request("HEAD", format!("http://{addr}/echo")))
        .await
        .expect("success");
    assert_eq!(r["StatusCode"], json!(200));
    assert_eq!(r["ResponseBody"], json!(""));
}

// ---- status failures ---------------------------------------------------------------------

#[tokio::test]
async fn non_2xx_fails_with_the_status_code() {
    let hits = Arc::new(AtomicUsize::new(0));
    let target_hits = Arc::clone(&hits);
    let router = Router::new()
        .route(
            "/missing",
            get(|| async {
                (
                    StatusCode::NOT_FOUND,
                    axum::Json(json!({"message": "no such thing"})),
                )
            }),
        )
        .route(
            "/boom",
            get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "try later") }),
        )
        .route(
            "/redirect",
            get(|| async {
                Response::builder()
                    .status(StatusCode::FOUND)
                    .header("location", "/target")
                    .body(Body::empty())
                    .expect("response")
            }),
        )
        .route(
            "/target",
            get(move || {
                target_hits.fetch_add(1, Ordering::SeqCst);
                async { "followed" }
            }),
        );
    let (addr, _) = serve(router).await;
    let invoker = invoker();

    let f = failure(
        invoker
            .invoke(&request("GET", format!("http://{addr}/missing")))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpStatusCode(404));
    assert_eq!(f.error.to_string(), "States.Http.StatusCode.404");
    assert_eq!(
        cause(&f),
        r#"{"StatusCode":404,"StatusText":"Not Found","ResponseBody":{"message":"no such thing"}}"#
    );

    let f = failure(
        invoker
            .invoke(&request("GET", format!("http://{addr}/boom")))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpStatusCode(503));
    assert_eq!(
        cause(&f),
        r#"{"StatusCode":503,"StatusText":"Service Unavailable","ResponseBody":"try later"}"#
    );

    let f = failure(
        invoker
            .invoke(&request("GET", format!("http://{addr}/redirect")))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpStatusCode(302));
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "redirect must not be followed"
    );
}

#[tokio::test]
async fn a_large_error_body_is_truncated_not_refused() {
    let router = Router::new().route(
        "/big",
        get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "e".repeat(300_000)) }),
    );
    let (addr, _) = serve(router).await;
    let config = HttpConfig {
        max_response_bytes: 1000,
        ..HttpConfig::default()
    };
    let invoker = HttpInvoker::new(config).expect("client");
    let f = failure(
        invoker
            .invoke(&request("GET", format!("http://{addr}/big")))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpStatusCode(500));
    let parsed: Value = serde_json::from_str(cause(&f)).expect("cause is JSON");
    let body = parsed["ResponseBody"].as_str().expect("text body");
    assert!(body.starts_with(&"e".repeat(1000)), "{body}");
    assert!(body.ends_with("(truncated at 1000 bytes)"), "{body}");
}

// ---- size cap ----------------------------------------------------------------------------

#[tokio::test]
async fn a_streamed_body_over_the_cap_stops_the_download() {
    const TOTAL: usize = 1 << 20;
    let (done_tx, done_rx) = oneshot::channel::<(usize, bool)>();
    let done_tx = Arc::new(std::sync::Mutex::new(Some(done_tx)));
    let (addr, _) = raw_server(move |mut stream| {
        let done_tx = Arc::clone(&done_tx);
        async move {
            let _ = read_head(&mut stream).await;
            // No Content-Length: the body runs until the connection closes.
            let head =
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n";
            let mut written = 0;
            let mut broke = stream.write_all(head).await.is_err();
            let chunk = vec![b'x'; 16 * 1024];
            while !broke && written < TOTAL {
                match stream.write_all(&chunk).await {
                    Ok(()) => written += chunk.len(),
                    Err(_) => broke = true,
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            if let Some(tx) = done_tx.lock().ok().and_then(|mut g| g.take()) {
                let _ = tx.send((written, broke));
            }
        }
    })
    .await;

    let started = Instant::now();
    let f = failure(
        invoker()
            .invoke(&request("GET", format!("http://{addr}/stream")))
            .await,
    );
    assert_eq!(f.error, ErrorName::DataLimitExceeded);
    assert!(cause(&f).contains("262144 bytes"), "{}", cause(&f));
    // 64 chunks at 5 ms each would take 320 ms to send in full.
    let (written, broke) = tokio::time::timeout(Duration::from_secs(10), done_rx)
        .await
        .expect("server finished")
        .expect("server reported");
    assert!(
        broke,
        "the server should see the connection close (wrote {written})"
    );
    assert!(
        written < TOTAL,
        "the client kept reading: {written} bytes written"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn a_declared_length_over_the_cap_fails_before_reading() {
    let router = Router::new()
        .route("/big", get(|| async { "y".repeat(262_145) }))
        .route("/exact", get(|| async { "y".repeat(262_144) }));
    let (addr, _) = serve(router).await;
    let invoker = invoker();
    let f = failure(
        invoker
            .invoke(&request("GET", format!("http://{addr}/big")))
            .await,
    );
    assert_eq!(f.error, ErrorName::DataLimitExceeded);
    assert_eq!(
        cause(&f),
        format!("The response to GET http://{addr}/big exceeds the maximum of 262144 bytes")
    );
    let r = invoker
        .invoke(&request("GET", format!("http://{addr}/exact")))
        .await
        .expect("exactly the cap is fine");
    assert_eq!(r["ResponseBody"].as_str().map(str::len), Some(262_144));
}

// ---- socket failures and timeouts ----------------------------------------------------------

#[tokio::test]
async fn connection_refused_is_a_socket_failure() {
    // Bind and drop to get a port nobody listens on.
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        l.local_addr().expect("addr").port()
    };
    let f = failure(
        invoker()
            .invoke(&request(
                "POST",
                format!("http://127.0.0.1:{port}/x?token=secret"),
            ))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpSocket);
    assert_eq!(
        cause(&f),
        format!(
            "Connection refused connecting to 127.0.0.1:{port} (POST http://127.0.0.1:{port}/x)"
        )
    );
}

#[tokio::test]
async fn a_body_cut_short_is_a_socket_failure() {
    let (addr, _) = raw_server(|mut stream| async move {
        let _ = read_head(&mut stream).await;
        let _ = stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b")
            .await;
        // Dropping the stream closes it 90 bytes early.
    })
    .await;
    let f = failure(
        invoker()
            .invoke(&request("GET", format!("http://{addr}/short")))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpSocket);
    assert!(
        cause(&f).starts_with(&format!(
            "The response body from {addr} was cut off (GET http://{addr}/short): "
        )),
        "{}",
        cause(&f)
    );
}

#[tokio::test]
async fn a_connection_closed_without_an_answer_is_a_socket_failure_and_not_retried() {
    let (addr, accepted) = raw_server(|mut stream| async move {
        let _ = read_head(&mut stream).await;
        // Close without answering.
    })
    .await;
    let f = failure(
        invoker()
            .invoke(&request("GET", format!("http://{addr}/hangup")))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpSocket);
    assert!(cause(&f).contains(&addr.to_string()), "{}", cause(&f));
    assert!(
        cause(&f).contains("(GET http://"),
        "the cause names the call: {}",
        cause(&f)
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "no automatic retry");
}

#[tokio::test]
async fn tls_to_a_plain_server_is_a_socket_failure() {
    let (addr, _) = raw_server(|mut stream| async move {
        let _ = stream.read(&mut [0u8; 1024]).await;
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
    })
    .await;
    let f = failure(
        invoker()
            .invoke(&request("GET", format!("https://{addr}/tls")))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpSocket);
    assert!(
        cause(&f).starts_with(&format!(
            "Could not connect to {addr} (TCP or TLS failure) (GET https://{addr}/tls): "
        )),
        "{}",
        cause(&f)
    );
}

#[tokio::test]
async fn a_slow_server_times_out() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late"
        }),
    );
    let (addr, _) = serve(router).await;
    let mut req = request("GET", format!("http://{addr}/slow?q=1"));
    req.timeout_seconds = Some(1);
    let started = Instant::now();
    let f = failure(invoker().invoke(&req).await);
    let elapsed = started.elapsed();
    assert_eq!(f.error, ErrorName::Timeout);
    assert_eq!(
        cause(&f),
        format!("The HTTP request to http://{addr}/slow did not answer within 1 seconds")
    );
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(3),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn the_default_timeout_applies_without_timeout_seconds() {
    let router = Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(10)).await;
            "late"
        }),
    );
    let (addr, _) = serve(router).await;
    let config = HttpConfig {
        default_timeout: Duration::from_millis(300),
        ..HttpConfig::default()
    };
    let mut req = request("GET", format!("http://{addr}/slow"));
    req.timeout_seconds = None;
    let f = failure(HttpInvoker::new(config).expect("client").invoke(&req).await);
    assert_eq!(f.error, ErrorName::Timeout);
    assert!(cause(&f).ends_with("within 0.300 seconds"), "{}", cause(&f));
}

// ---- SSRF guard --------------------------------------------------------------------------

/// Maps names to addresses without DNS.
struct FakeDns(HashMap<&'static str, Vec<SocketAddr>>);

impl Lookup for FakeDns {
    fn lookup(&self, host: String) -> LookupFuture {
        let found = self.0.get(host.as_str()).cloned();
        Box::pin(async move {
            found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such host"))
        })
    }
}

fn fake_dns(config: HttpConfig) -> HttpInvoker {
    let addr = |s: &str| -> SocketAddr { s.parse().expect("addr") };
    let dns = FakeDns(HashMap::from([
        ("metadata.test", vec![addr("169.254.169.254:0")]),
        (
            "mixed.test",
            vec![addr("127.0.0.1:0"), addr("[fd00:ec2::254]:0")],
        ),
        ("local.test", vec![addr("127.0.0.1:0")]),
    ]));
    HttpInvoker::with_lookup(config, Arc::new(dns)).expect("client")
}

#[tokio::test]
async fn link_local_literals_are_refused() {
    let invoker = invoker();
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]:8080/",
        "http://2852039166/",
    ] {
        let f = failure(invoker.invoke(&request("GET", url.into())).await);
        assert_eq!(f.error, ErrorName::Permissions, "{url}");
        assert!(cause(&f).contains(". Refused "), "{}", cause(&f));
        assert!(
            cause(&f).starts_with(
                "Baton does not call link-local or cloud metadata addresses (169.254.169.254); \
                 set BATON_ALLOW_LINK_LOCAL=true to allow"
            ),
            "{}",
            cause(&f)
        );
    }
}

#[tokio::test]
async fn names_resolving_to_link_local_are_refused() {
    let invoker = fake_dns(HttpConfig::default());
    for host in ["metadata.test", "mixed.test"] {
        let f = failure(
            invoker
                .invoke(&request("GET", format!("http://{host}/latest")))
                .await,
        );
        assert_eq!(f.error, ErrorName::Permissions, "{host}: {f}");
        assert!(
            cause(&f).ends_with(&format!(
                ", which resolves to {} (GET http://{host}/latest)",
                if host == "metadata.test" {
                    "169.254.169.254"
                } else {
                    "fd00:ec2::254"
                }
            )),
            "{}",
            cause(&f)
        );
    }
    let f = failure(
        invoker
            .invoke(&request("GET", "http://nowhere.test/".into()))
            .await,
    );
    assert_eq!(f.error, ErrorName::HttpSocket);
    assert_eq!(
        cause(&f),
        "Could not resolve host nowhere.test: no such host (GET http://nowhere.test/)"
    );
}

#[tokio::test]
async fn resolved_names_connect_on_the_url_port() {
    let (addr, _) = serve(Router::new().route("/echo", any(echo))).await;
    let invoker = fake_dns(HttpConfig::default());
    let r = invoker
        .invoke(&request(
            "GET",
            format!("http://local.test:{}/echo", addr.port()),
        ))
        .await
        .expect("success");
    assert_eq!(
        r["ResponseBody"]["headers"]["host"],
        json!(format!("local.test:{}", addr.port()))
    );
}

#[tokio::test]
async fn allow_link_local_lets_requests_through_the_guard() {
    // `mixed.test` is 127.0.0.1 and fd00:ec2::254: refused by default (see above), and with
    // the opt-in the connector takes the first address, this server, so nothing is sent
    // to a real metadata address.
    let (addr, _) = serve(Router::new().route("/echo", any(echo))).await;
    let config = HttpConfig {
        allow_link_local: true,
        ..HttpConfig::default()
    };
    let r = fake_dns(config)
        .invoke(&request(
            "GET",
            format!("http://mixed.test:{}/echo", addr.port()),
        ))
        .await
        .expect("allowed");
    assert_eq!(r["StatusCode"], json!(200));
}

#[tokio::test]
async fn deny_private_networks_refuses_loopback_until_an_allowed_cidr_covers_it() {
    let (addr, accepted) = serve(Router::new().route("/echo", any(echo))).await;
    let deny = HttpConfig {
        deny_private_networks: true,
        ..HttpConfig::default()
    };
    let literal = format!("http://127.0.0.1:{}/echo", addr.port());
    let named = format!("http://local.test:{}/echo", addr.port());
    for url in [&literal, &named] {
        let f = failure(
            fake_dns(deny.clone())
                .invoke(&request("GET", url.clone()))
                .await,
        );
        assert_eq!(f.error, ErrorName::Permissions, "{url}: {f}");
        assert!(
            cause(&f).starts_with(
                "Baton does not call loopback or private network addresses with \
                 BATON_DENY_PRIVATE_NETWORKS=true (127.0.0.1 is a loopback or unspecified \
                 address); to allow it, add 127.0.0.1/32 or its network to BATON_ALLOW_HOSTS. Refused "
            ),
            "{}",
            cause(&f)
        );
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "nothing was sent");
    let allowed = HttpConfig {
        allow_hosts: Some(AllowList::parse("127.0.0.1/32").expect("list")),
        ..deny
    };
    for url in [literal, named] {
        let r = fake_dns(allowed.clone())
            .invoke(&request("GET", url))
            .await
            .expect("allowed by CIDR");
        assert_eq!(r["StatusCode"], json!(200));
    }
    let listed = HttpConfig {
        allow_hosts: Some(AllowList::parse("api.example.com").expect("list")),
        ..HttpConfig::default()
    };
    let url = format!("http://local.test:{}/echo", addr.port());
    let f = failure(fake_dns(listed).invoke(&request("GET", url)).await);
    assert_eq!(
        cause(&f),
        format!(
            "Baton calls only the hosts of BATON_ALLOW_HOSTS, and neither local.test nor \
             127.0.0.1 is on it. Refused local.test, which resolves to 127.0.0.1 \
             (GET http://local.test:{}/echo)",
            addr.port()
        )
    );
}

// ---- invalid requests --------------------------------------------------------------------

#[tokio::test]
async fn requests_that_cannot_be_sent_are_runtime_failures() {
    let invoker = invoker();
    let cases: Vec<(HttpRequest, &str)> = vec![
        (
            request("GET", "ftp://example.com/file".into()),
            "only http and https URLs can be called, not ftp:",
        ),
        (
            request("GET", "file:///etc/passwd".into()),
            "only http and https URLs can be called, not file:",
        ),
        (request("GET", "not a url".into()), "is not a valid URL"),
        (
            request("GE T", "http://127.0.0.1:1/".into()),
            "is not an HTTP method",
        ),
        (
            HttpRequest {
                headers: vec![("bad header".into(), "v".into())],
                ..request("GET", "http://127.0.0.1:1/".into())
            },
            "is not a valid header name",
        ),
        (
            HttpRequest {
                headers: vec![("X-Ok".into(), "line\nbreak".into())],
                ..request("GET", "http://127.0.0.1:1/".into())
            },
            "the value of header X-Ok is not valid",
        ),
        (
            HttpRequest {
                headers: vec![("Content-Length".into(), "5".into())],
                ..request("GET", "http://127.0.0.1:1/".into())
            },
            "the Content-Length header is set by the HTTP client",
        ),
    ];
    for (req, expected) in cases {
        let f = failure(invoker.invoke(&req).await);
        assert_eq!(f.error, ErrorName::Runtime, "{f}");
        assert!(
            cause(&f).starts_with("The HTTP request is invalid: ") && cause(&f).contains(expected),
            "{}",
            cause(&f)
        );
    }
}

// ---- pooling -----------------------------------------------------------------------------

#[tokio::test]
async fn sequential_requests_reuse_one_connection() {
    let (addr, accepted) = serve(Router::new().route("/echo", any(echo))).await;
    let invoker = invoker();
    let clone = invoker.clone();
    for i in 0..3 {
        let mut req = request("POST", format!("http://{addr}/echo"));
        req.body = Some(json!({"i": i}));
        let who = if i % 2 == 0 { &invoker } else { &clone };
        who.invoke(&req).await.expect("success");
    }
    assert_eq!(accepted.load(Ordering::SeqCst), 1);
}

// ---- back-pressure ----------------------------------------------------------------------

/// With `max_in_flight` 3, 20 requests sent at once reach the service at most 3 at a time,
/// and every one is answered: the others wait their turn, none is dropped. The waiting
/// does not count against a request's timeout.
#[tokio::test]
async fn requests_beyond_max_in_flight_wait_their_turn() {
    let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let (n, m) = (now.clone(), most.clone());
    let router = Router::new().route(
        "/slow",
        any(move || {
            let (n, m) = (n.clone(), m.clone());
            async move {
                let current = n.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(current, Ordering::SeqCst);
                // 7 rounds of 200 ms: the last requests wait longer than their 1 s timeout.
                tokio::time::sleep(Duration::from_millis(200)).await;
                n.fetch_sub(1, Ordering::SeqCst);
                "{}"
            }
        }),
    );
    let (addr, _) = serve(router).await;
    let invoker = HttpInvoker::new(HttpConfig {
        max_in_flight: 3,
        ..HttpConfig::default()
    })
    .expect("client");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let invoker = invoker.clone();
        let mut r = request("POST", format!("http://{addr}/slow"));
        r.timeout_seconds = Some(1);
        tasks.push(tokio::spawn(async move { invoker.invoke(&r).await }));
    }
    for task in tasks {
        let answer = task.await.expect("task").expect("answered");
        assert_eq!(answer["StatusCode"], 200);
    }
    assert_eq!(
        most.load(Ordering::SeqCst),
        3,
        "at most 3 at a time, and 3 used"
    );
}
