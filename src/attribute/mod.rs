//! Medication attributes: the sig grammar (strength, dose, route, frequency,
//! duration, …) and medication status cues.
//!
//! Both are rule sets compiled once ([`SigParser::new`], [`StatusCues::new`])
//! from the tables in `vocab.rs` and `status.rs`, then shared by reference.
//!
//! ```
//! use note2fhir::attribute::SigParser;
//!
//! let sigs = SigParser::new();
//! let text = " 1-2 tablets QDS PRN for pain max 8 tablets/24h, then review";
//! let sig = sigs.parse(text);
//! let dose = sig.dose.as_ref().unwrap();
//! assert_eq!((dose.value.low, dose.value.high), (Some(1.0), Some(2.0)));
//! assert_eq!(dose.value.unit, "{tablet}");
//! assert_eq!(sig.frequency.as_ref().unwrap().value.per_day, Some(4.0));
//! assert_eq!(sig.as_needed_reason.as_ref().unwrap().value, "pain");
//! assert_eq!(sig.max_per_period.as_ref().unwrap().value.value, 8.0);
//! assert_eq!(&text[..sig.span_end], " 1-2 tablets QDS PRN for pain max 8 tablets/24h");
//! ```

mod sig;
mod status;
mod vocab;

#[cfg(test)]
mod tests;

pub use sig::{
    route_snomed, Amount, Attr, Duration, Form, Frequency, MaxDose, Per, Route, Sig, SigParser, SnomedRoute,
    ROUTE_SNOMED,
};
pub use status::{ClauseCues, MedStatus, StatusCue, StatusCues};
