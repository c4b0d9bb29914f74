//! Python bindings of note2fhir (built by maturin).
