pub mod client;
pub mod engine;
pub mod partitions;
pub mod validate;
