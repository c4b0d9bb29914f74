//! FHIR R4 output: one Bundle per note.
//!
//! # What each note becomes
//!
//! * A `Patient`: the input's patient id as an identifier, or a placeholder
//!   named after the note.
//! * A `Device` naming note2fhir and its version.
//! * A `DocumentReference` holding the note (LOINC 11506-3 progress note): the
//!   text as a base64 attachment with its size in UTF-8 bytes and its SHA-1
//!   hash (no `data` for an empty note); the note date in `context.period`.
//! * One `Condition` per problem mention: `verificationStatus` confirmed,
//!   provisional when uncertain, refuted when negated (and then no
//!   `clinicalStatus`).
//! * One `MedicationStatement` per medication mention: status `unknown`, or
//!   `not-taken` when negated.
//! * A `Provenance` when a recording time is given and there is something to
//!   point at.
//!
//! Every derived resource carries the `derivation-reference` extension, whose
//! `offset` and `length` are Unicode code points into the attachment's text.
//! Ids are UUIDv5 (see [`ids`]); nothing reads the clock.

pub mod ids;
mod map;
mod model;

pub use map::{
    bundle_to_writer, operation_outcome_to_writer, resource_type_of, resources_to_ndjson, RefStyle,
};
