//! Synthetic ward notes for load tests and demos.
