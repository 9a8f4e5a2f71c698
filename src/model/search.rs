//! Fuzzy search over every entity (being written).
