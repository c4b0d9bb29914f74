//! Scoring predicted mentions against hand-annotated gold mentions.
