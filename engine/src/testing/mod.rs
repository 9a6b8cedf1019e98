//! Test support shared by this crate's tests and the end-to-end tests: the recorded AWS
//! conformance corpus, a `redis-server` child process (and a tiny RESP client to drive
//! it), and the store suite.

pub mod conformance;
pub mod engine;
pub mod redis_cluster;
pub mod redis_server;
pub mod resp;
pub mod store_suite;
