//! Helpers for end-to-end tests: the `baton` binary as a child process and HTTP services
//! on loopback that record what they receive.

pub mod baton;
pub mod services;
