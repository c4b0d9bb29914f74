//! Resource ids: UUIDv5 names, so the same input always gives the same ids.
//!
//! Every id is a version 5 UUID under [`namespace`] of a name made of
//! length-prefixed parts, so that no two different part lists share a name.
//! A resource derived from a span is named by (note id, resource type,
//! code-point start, code-point end, ordinal); the ordinal tells apart two
//! resources of one type from one span.

use std::sync::OnceLock;

use uuid::Uuid;

/// The project namespace: UUIDv5 of the URL namespace and `urn:note2fhir`.
pub fn namespace() -> Uuid {
    static NS: OnceLock<Uuid> = OnceLock::new();
    *NS.get_or_init(|| Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:note2fhir"))
}

/// The id named by `parts`.
pub fn name_uuid(parts: &[&str]) -> Uuid {
    let mut name = Vec::new();
    for part in parts {
        name.extend_from_slice(part.len().to_string().as_bytes());
        name.push(b':');
        name.extend_from_slice(part.as_bytes());
    }
    Uuid::new_v5(&namespace(), &name)
}

/// The id of a resource of `resource_type` derived from a span of a note.
pub fn resource_id(note_id: &str, resource_type: &str, start: usize, end: usize, ordinal: usize) -> String {
    name_uuid(&[
        note_id,
        resource_type,
        &start.to_string(),
        &end.to_string(),
        &ordinal.to_string(),
    ])
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct() {
        assert_eq!(
            resource_id("n1", "Condition", 3, 5, 0),
            resource_id("n1", "Condition", 3, 5, 0)
        );
        assert_ne!(
            resource_id("n1", "Condition", 3, 5, 0),
            resource_id("n1", "Condition", 3, 5, 1)
        );
        // Length prefixes keep part boundaries apart.
        assert_ne!(name_uuid(&["ab", "c"]), name_uuid(&["a", "bc"]));
        // Pinned: a change here changes every id in every output.
        assert_eq!(
            namespace().to_string(),
            Uuid::new_v5(&Uuid::NAMESPACE_URL, b"urn:note2fhir").to_string()
        );
        assert_eq!(name_uuid(&["Bundle", "n1"]).get_version_num(), 5);
    }
}
