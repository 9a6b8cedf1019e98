//! Helpers for end-to-end tests: the `baton` binary as a child process, HTTP services on
//! loopback that record what they receive, and a client for the REST API.

pub mod baton;
pub mod rest;
pub mod services;
