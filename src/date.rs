//! Dates and times: finding them and normalising them against the note date.
