//! Baton's runtime (being written).
