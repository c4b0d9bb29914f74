//! The integration tests: one binary, one module per concern.

// Tests print notices (skips, measured figures) on stderr.
#![allow(clippy::print_stderr)]

mod bad_input;
mod batch;
mod cli;
mod context;
mod corpora;
mod dates;
mod dictionary;
mod expected;
mod fixtures;
mod invariants;
mod limits;
mod medication;
mod outputs;
mod properties;
mod report;
mod scale;
pub mod schema;
mod serve;
mod snapshots;
