//! Strict RFC 3339 timestamps (being written).
