//! The integration tests: one binary, one module per concern.

mod cli;
mod fixtures;
mod invariants;
mod schema;
mod snapshots;
