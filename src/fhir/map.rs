//! Mapping an extraction to FHIR resources.

use std::io::Write;

use base64::Engine;

use super::ids::{name_uuid, resource_id};
use super::model::*;
use crate::context::Assertion;
use crate::dictionary::Kind;
use crate::error::RecordError;
use crate::mention::{Abatement, CharCounter, Extraction, Mention};

const CONDITION_CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/condition-clinical";
const CONDITION_VER_STATUS: &str = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
const CONDITION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/condition-category";

/// How resources refer to each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefStyle {
    /// `urn:uuid:<id>`, resolved inside a Bundle by `fullUrl`.
    Urn,
    /// `Type/id`, resolved within a set of NDJSON files.
    Relative,
}

impl RefStyle {
    fn to(self, resource_type: &str, id: &str) -> Reference {
        Reference {
            reference: match self {
                RefStyle::Urn => format!("urn:uuid:{id}"),
                RefStyle::Relative => format!("{resource_type}/{id}"),
            },
        }
    }
}

/// The resource type a mention becomes, if any.
///
/// A relative's problem becomes a FamilyMemberHistory, unless negated ("no
/// family history of IHD": mentions only). Hypothetical findings and a
/// relative's medication become nothing. A drug or a reaction named in the
/// allergies section becomes nothing here: it belongs to an allergy
/// statement, never to a MedicationStatement or a Condition.
pub fn resource_type_of(kind: Kind, assertion: &Assertion, section: Option<&str>) -> Option<&'static str> {
    if assertion.hypothetical {
        return None;
    }
    match kind {
        Kind::Problem if assertion.family => (!assertion.negated).then_some("FamilyMemberHistory"),
        // A reaction named in an allergy statement is not a problem list entry.
        Kind::Problem if section == Some("allergies") => None,
        Kind::Problem => Some("Condition"),
        Kind::Medication if assertion.family || section == Some("allergies") => None,
        Kind::Medication => Some("MedicationStatement"),
    }
}

/// Whether a section is a list of the patient's standing problems.
fn is_problem_list(section: Option<&str>) -> bool {
    matches!(section, Some("past_medical_history" | "past_surgical_history"))
}

/// The version written on the Device.
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn resources<'a>(
    ex: &'a Extraction<'a>,
    recorded: Option<&'a str>,
    style: RefStyle,
) -> Vec<(String, Resource<'a>)> {
    let mut out = Vec::with_capacity(ex.mentions.len() + 4);
    let note_date = ex.note_date.as_deref();
    let text_chars = CharCounter::new(ex.text).at(ex.text.len());

    let patient_id = match ex.patient {
        Some(p) => name_uuid(&["Patient", "patient", p]),
        None => name_uuid(&["Patient", "note", ex.note_id]),
    }
    .to_string();
    let patient_ref = || style.to("Patient", &patient_id);
    out.push((
        patient_id.clone(),
        Resource::Patient(Patient {
            id: patient_id.clone(),
            identifier: ex.patient.map(|value| Identifier { value }).into_iter().collect(),
        }),
    ));

    let device_id = name_uuid(&["Device", "note2fhir", VERSION]).to_string();
    out.push((
        device_id.clone(),
        Resource::Device(Device {
            id: device_id.clone(),
            device_name: vec![DeviceName {
                name: "note2fhir",
                kind: "user-friendly-name",
            }],
            version: vec![DeviceVersion { value: VERSION }],
        }),
    ));

    let doc_id = resource_id(ex.note_id, "DocumentReference", 0, text_chars, 0);
    let doc_ref_string = style.to("DocumentReference", &doc_id).reference;
    let bytes = ex.text.as_bytes();
    let hash = sha1_smol::Sha1::from(bytes).digest().bytes();
    out.push((
        doc_id.clone(),
        Resource::DocumentReference(DocumentReference {
            id: doc_id.clone(),
            identifier: vec![Identifier { value: ex.note_id }],
            status: "current",
            kind: CodeableConcept::one("http://loinc.org", "11506-3", "Progress note"),
            subject: patient_ref(),
            content: vec![Content {
                attachment: Attachment {
                    content_type: "text/plain; charset=utf-8",
                    language: "en-GB",
                    data: (!bytes.is_empty())
                        .then(|| base64::engine::general_purpose::STANDARD.encode(bytes)),
                    size: bytes.len(),
                    hash: base64::engine::general_purpose::STANDARD.encode(hash),
                },
            }],
            context: note_date.map(|start| DocumentContext {
                period: Period { start: Some(start) },
            }),
        }),
    ));

    let mut targets = Vec::new();
    for m in &ex.mentions {
        let Some(fhir) = &m.fhir else { continue };
        let derivation = vec![DerivationReference {
            reference: doc_ref_string.clone(),
            offset: m.start,
            length: m.end - m.start,
        }];
        let resource = match fhir.resource_type {
            "Condition" => Resource::Condition(condition(
                m,
                fhir.id.clone(),
                derivation,
                patient_ref(),
                note_date,
            )),
            "FamilyMemberHistory" => Resource::FamilyMemberHistory(family_member_history(
                m,
                fhir.id.clone(),
                derivation,
                patient_ref(),
                note_date,
            )),
            "MedicationStatement" => Resource::MedicationStatement(MedicationStatement {
                id: fhir.id.clone(),
                contained: combination(m).into_iter().collect(),
                medication_reference: m.concept.combination.then(|| Reference {
                    reference: "#med".to_string(),
                }),
                extension: derivation,
                status: if m.assertion.negated {
                    "not-taken"
                } else {
                    "unknown"
                },
                medication: (!m.concept.combination).then(|| concept(m)),
                subject: patient_ref(),
                date_asserted: note_date,
                derived_from: vec![style.to("DocumentReference", &doc_id)],
            }),
            _ => continue,
        };
        targets.push(style.to(fhir.resource_type, &fhir.id));
        out.push((fhir.id.clone(), resource));
    }

    if let (Some(recorded), false) = (recorded, targets.is_empty()) {
        let id = resource_id(ex.note_id, "Provenance", 0, text_chars, 0);
        out.push((
            id.clone(),
            Resource::Provenance(Provenance {
                id,
                target: targets,
                recorded,
                activity: CodeableConcept::one(
                    "http://terminology.hl7.org/CodeSystem/v3-DataOperation",
                    "CREATE",
                    "create",
                ),
                agent: vec![ProvenanceAgent {
                    kind: CodeableConcept::one(
                        "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                        "assembler",
                        "Assembler",
                    ),
                    who: style.to("Device", &device_id),
                }],
                entity: vec![ProvenanceEntity {
                    role: "derivation",
                    what: style.to("DocumentReference", &doc_id),
                }],
            }),
        ));
    }
    out
}

/// A combination product (co-amoxiclav) has no single open code: it becomes
/// a contained Medication named by its text, with each ingredient coded.
fn combination<'a>(m: &Mention<'a>) -> Option<ContainedMedication<'a>> {
    m.concept.combination.then(|| ContainedMedication {
        resource_type: "Medication",
        id: "med",
        code: CodeableConcept {
            coding: Vec::new(),
            text: Some(m.text),
        },
        ingredient: m
            .concept
            .codes
            .iter()
            .map(|c| Ingredient {
                item: CodeableConcept {
                    coding: vec![Coding {
                        system: &c.system,
                        code: &c.code,
                        display: None,
                    }],
                    text: None,
                },
            })
            .collect(),
    })
}

fn concept<'a>(m: &Mention<'a>) -> CodeableConcept<'a> {
    CodeableConcept {
        coding: m
            .concept
            .codes
            .iter()
            .map(|c| Coding {
                system: &c.system,
                code: &c.code,
                display: Some(m.concept.display),
            })
            .collect(),
        text: Some(m.text),
    }
}

fn condition<'a>(
    m: &'a Mention<'a>,
    id: String,
    extension: Vec<DerivationReference>,
    subject: Reference,
    recorded_date: Option<&'a str>,
) -> Condition<'a> {
    const ACTIVE: Option<(&str, &str)> = Some(("active", "Active"));
    let a = &m.assertion;
    let problem_list = is_problem_list(m.section);
    let verification = if a.negated {
        ("refuted", "Refuted")
    } else if a.uncertain {
        match m.certainty {
            Some("differential") => ("differential", "Differential"),
            Some("unconfirmed") => ("unconfirmed", "Unconfirmed"),
            _ => ("provisional", "Provisional"),
        }
    } else {
        ("confirmed", "Confirmed")
    };
    let clinical = match verification.0 {
        "refuted" | "unconfirmed" => None,
        _ if a.historical => Some(("resolved", "Resolved")),
        // A chronic condition on a problem list is current; anything else
        // listed there with no cue may be past or present: say nothing.
        "confirmed" if problem_list && !m.chronic => None,
        _ => ACTIVE,
    };
    let category = if problem_list || a.historical {
        ("problem-list-item", "Problem List Item")
    } else {
        ("encounter-diagnosis", "Encounter Diagnosis")
    };
    Condition {
        id,
        extension,
        clinical_status: clinical
            .map(|(code, display)| CodeableConcept::one(CONDITION_CLINICAL, code, display)),
        verification_status: CodeableConcept::one(CONDITION_VER_STATUS, verification.0, verification.1),
        category: vec![CodeableConcept::one(CONDITION_CATEGORY, category.0, category.1)],
        code: concept(m),
        subject,
        onset: m.onset.as_deref(),
        abatement_date: match &m.abatement {
            Some(Abatement::DateTime(d)) if clinical.is_some() => Some(d.as_str()),
            _ => None,
        },
        abatement_text: match m.abatement {
            Some(Abatement::Text(t)) if clinical.is_some() => Some(t),
            _ => None,
        },
        recorded_date,
    }
}

/// v3-RoleCode display and administrative gender of each relation.
fn relation_details(code: &str) -> (&'static str, Option<&'static str>) {
    match code {
        "MTH" => ("mother", Some("female")),
        "FTH" => ("father", Some("male")),
        "SIS" => ("sister", Some("female")),
        "BRO" => ("brother", Some("male")),
        "SONC" => ("son", Some("male")),
        "DAUC" => ("daughter", Some("female")),
        "GRMTH" => ("grandmother", Some("female")),
        "GRFTH" => ("grandfather", Some("male")),
        "AUNT" => ("aunt", Some("female")),
        "UNCLE" => ("uncle", Some("male")),
        "SIB" => ("sibling", None),
        _ => ("family member", None),
    }
}

fn family_member_history<'a>(
    m: &Mention<'a>,
    id: String,
    extension: Vec<DerivationReference>,
    patient: Reference,
    date: Option<&'a str>,
) -> FamilyMemberHistory<'a> {
    let code = m.relation.unwrap_or("FAMMEMB");
    let (display, sex) = relation_details(code);
    let relative_text = m
        .explain
        .cues
        .iter()
        .rev()
        .find(|c| c.category == "family" && c.end <= m.start)
        .map(|c| c.text);
    FamilyMemberHistory {
        id,
        extension,
        status: "partial",
        patient,
        date,
        relationship: CodeableConcept {
            coding: vec![Coding {
                system: "http://terminology.hl7.org/CodeSystem/v3-RoleCode",
                code,
                display: Some(display),
            }],
            text: relative_text,
        },
        sex: sex.map(|g| CodeableConcept {
            coding: vec![Coding {
                system: "http://hl7.org/fhir/administrative-gender",
                code: g,
                display: None,
            }],
            text: None,
        }),
        condition: vec![FamilyCondition {
            code: concept(m),
            onset_age: m.onset_age.map(|value| Age {
                value,
                unit: "yr",
                system: "http://unitsofmeasure.org",
                code: "a",
            }),
        }],
    }
}

/// Write the note's Bundle (type `collection`) as one compact JSON value.
///
/// `recorded` is the instant of the Provenance and the Bundle's timestamp;
/// without it there is neither.
pub fn bundle_to_writer<W: Write>(
    w: W,
    ex: &Extraction<'_>,
    recorded: Option<&str>,
) -> serde_json::Result<()> {
    let entry = resources(ex, recorded, RefStyle::Urn)
        .into_iter()
        .map(|(id, resource)| BundleEntry {
            full_url: format!("urn:uuid:{id}"),
            resource,
        })
        .collect();
    let bundle = Bundle {
        resource_type: "Bundle",
        id: name_uuid(&["Bundle", ex.note_id]).to_string(),
        kind: "collection",
        timestamp: recorded,
        entry,
    };
    serde_json::to_writer(w, &bundle)
}

/// Write an OperationOutcome for a rejected record. Its diagnostics name the
/// record and the reason, never the note text.
pub fn operation_outcome_to_writer<W: Write>(w: W, err: &RecordError) -> serde_json::Result<()> {
    let diagnostics = err.to_string();
    serde_json::to_writer(
        w,
        &OperationOutcome {
            resource_type: "OperationOutcome",
            issue: vec![Issue {
                severity: "error",
                code: err.kind.issue_code(),
                diagnostics: &diagnostics,
            }],
        },
    )
}
