//! The teaching report: notes with their findings highlighted, as one
//! self-contained HTML page.
