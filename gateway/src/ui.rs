//! The web console under `/ui/`: a single-page application whose built files
//! (`gateway/ui/dist/`, made from `gateway/ui/src/` by `npm run build`) are embedded in the
//! binary, so `baton serve` needs nothing beside it and no page loads anything from
//! another host (the content security policy says so to the browser too).
//!
//! Any `/ui/…` path that is not a file is a page of the application: `index.html` answers
//! it, so deep links work on reload. Files with a content hash in their name are cached for
//! good; `index.html` is revalidated every time. The build leaves a gzip copy beside each
//! asset (`app-<hash>.js.gz`): a browser that takes gzip gets it as is, with no compression
//! per request (the compression layer leaves encoded answers alone).

use std::borrow::Cow;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use rust_embed::Embed;

use crate::server::SharedState;

#[derive(Embed)]
#[folder = "ui/dist/"]
struct Assets;

/// What the console's pages may load: this origin only.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; \
     connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/// `/ui/…` routes, and `/` sending browsers to the console.
pub fn routes() -> Router<SharedState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/ui/") }))
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route(
            "/ui/",
            get(|headers: HeaderMap| async move { file("index.html", &headers) }),
        )
        .route(
            "/ui/{*path}",
            get(
                |Path(path): Path<String>, headers: HeaderMap| async move { file(&path, &headers) },
            ),
        )
}

/// True when `Accept-Encoding` lists gzip (or `*`) without `q=0`.
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (coding.eq_ignore_ascii_case("gzip") || coding == "*") && !refused
        })
}

fn file(path: &str, headers: &HeaderMap) -> Response {
    let (path, asset) = match Assets::get(path) {
        Some(asset) => (path, asset),
        // A file name with an extension that is not there is a 404; any other path is a
        // page of the application.
        None if path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.')) =>
        {
            return (StatusCode::NOT_FOUND, "no such file\n").into_response();
        }
        None => match Assets::get("index.html") {
            Some(index) => ("index.html", index),
            None => return (StatusCode::NOT_FOUND, "the console is not built\n").into_response(),
        },
    };
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let cache = if path == "index.html" {
        "no-cache"
    } else if path.starts_with("assets/") {
        // Built files carry a content hash in their name.
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let gzipped = Assets::get(&format!("{path}.gz"));
    let has_gzip = gzipped.is_some();
    let (data, encoded) = match gzipped {
        Some(gz) if accepts_gzip(headers) => (gz.data, true),
        _ => (asset.data, false),
    };
    let body = match data {
        Cow::Borrowed(bytes) => Body::from(Bytes::from_static(bytes)),
        Cow::Owned(bytes) => Body::from(bytes),
    };
    let mut response = body.into_response();
    let headers = response.headers_mut();
    if encoded {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    if has_gzip {
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    if let Ok(value) = HeaderValue::from_str(mime.as_ref()) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
