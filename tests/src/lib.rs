//! Helpers for end-to-end tests: the `baton` binary as a child process, HTTP services on
//! loopback that record what they receive, a client for the REST API, and the harness of
//! the Redis fault tests.

pub mod approvals;
pub mod baton;
pub mod fault_checks;
pub mod faults;
pub mod history;
pub mod metrics;
pub mod rest;
pub mod services;
