pub mod engine;
pub mod partitions;
