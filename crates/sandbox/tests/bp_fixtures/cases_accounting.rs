//! Conformance cases (being written).
