//! The deterministic environment generator (being written).
