pub mod engine;
pub mod partitions;
pub mod validate;
