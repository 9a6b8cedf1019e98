//! Choice rules (being written).
