//! JSON → [`crate::model`], reporting every problem at once.

pub mod fields;
