//! The `baton` server: the HTTP gateway (Baton's REST API under `/v1`, the AWS Step
//! Functions JSON API on `POST /`, callbacks, history, health and metrics) and the engine
//! workers, in one process or split (`baton serve` / `baton worker`).
//!
//! Dependency rule: this crate sits on `baton-engine` (and the leaf crates); nothing but
//! the end-to-end tests depends on it. It is the only crate with axum and
//! tracing-subscriber, the only one with clap besides the engine's `baton-bench` binary,
//! and the only place `anyhow` appears (in `main`).

pub mod auth;
pub mod aws;
pub mod backend;
pub mod config;
pub mod credentials;
pub mod edge;
pub mod observe;
pub mod rest;
pub mod server;
pub mod service;
pub mod ui;

pub use backend::Backend;
pub use config::GatewayConfig;
pub use server::{AppState, app, serve};
