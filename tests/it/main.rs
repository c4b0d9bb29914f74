//! The integration tests: one binary, one module per concern.

mod cli;
mod context;
mod dictionary;
mod fixtures;
mod invariants;
mod schema;
mod snapshots;
