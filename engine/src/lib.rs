//! Baton's runtime: the pure stepper ([`machine`]), the [`store::Store`] trait with its
//! Redis and in-memory implementations, workers with partition leases and durable timers,
//! and the HTTP task client.
//!
//! Dependency rule: this crate depends on `baton-definitions` and `baton-callbacks` only
//! (of ours). `machine/` is pure — it must not use tokio, redis or reqwest; CI checks it.

pub mod clock;
pub mod http;
pub mod machine;
pub mod mock;
pub mod store;
pub mod teststate;
pub mod worker;

#[cfg(any(test, feature = "test-util"))]
pub mod testing;
