//! Mapping an extraction to FHIR resources.

use std::io::Write;

use base64::Engine;

use super::ids::{name_uuid, resource_id};
use super::model::*;
use crate::context::Assertion;
use crate::dictionary::Kind;
use crate::error::RecordError;
use crate::medication::DosageOut;
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
        Kind::Allergy if assertion.family || assertion.hypothetical => None,
        Kind::Allergy => Some("AllergyIntolerance"),
        Kind::Date => None,
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
    for (i, m) in ex.mentions.iter().enumerate() {
        let Some(fhir) = &m.fhir else { continue };
        let derivation = derivation(&doc_ref_string, m.start, m.end);
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
            "MedicationStatement" => Resource::MedicationStatement(medication_statement(
                m,
                fhir.id.clone(),
                derivation,
                patient_ref(),
                note_date,
                &doc_ref_string,
                style.to("DocumentReference", &doc_id),
            )),
            "AllergyIntolerance" => Resource::AllergyIntolerance(allergy_intolerance(
                ex,
                i,
                fhir.id.clone(),
                derivation,
                patient_ref(),
                note_date,
            )),
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

const UCUM: &str = "http://unitsofmeasure.org";

/// A UCUM quantity; the unit shown is the annotation's word for a count
/// (`{tablet}` → tablet) and the code itself otherwise.
fn quantity(value: f64, code: &str) -> Quantity {
    let unit = match code.strip_prefix('{').and_then(|c| c.strip_suffix('}')) {
        Some(word) => Some(word.to_string()),
        None if code == "1" => None,
        None => Some(code.to_string()),
    };
    Quantity {
        value: Decimal(value),
        unit,
        system: UCUM,
        code: code.to_string(),
    }
}

fn derivation(reference: &str, start: usize, end: usize) -> Vec<DerivationReference> {
    vec![DerivationReference {
        reference: reference.to_string(),
        offset: start,
        length: end - start,
    }]
}

/// The contained Medication of a statement, when the drug needs one: a
/// combination product (named by its text, each ingredient coded), or a
/// drug whose strength is given apart from its dose ("2 x 500mg tablets").
fn contained_medication<'a>(m: &'a Mention<'a>) -> Option<ContainedMedication<'a>> {
    let med = m.medication.as_ref();
    if m.concept.combination {
        return Some(ContainedMedication {
            resource_type: "Medication",
            id: "med",
            code: CodeableConcept {
                coding: Vec::new(),
                text: Some(m.text),
            },
            form: None,
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
                    strength: None,
                })
                .collect(),
        });
    }
    let dosage = &med?.dosage;
    let strength = dosage.strength.as_ref()?;
    let denominator = match (&strength.per, &dosage.dose) {
        (Some(per), _) => quantity(per.value, &per.unit),
        (None, Some(dose)) if dose.unit.starts_with('{') => quantity(1.0, &dose.unit),
        _ => quantity(1.0, "1"),
    };
    Some(ContainedMedication {
        resource_type: "Medication",
        id: "med",
        code: concept(m),
        form: dosage.form.as_ref().map(|f| TextConcept {
            extension: Vec::new(),
            text: f.text.clone(),
        }),
        ingredient: vec![Ingredient {
            item: concept(m),
            strength: Some(Ratio {
                numerator: quantity(strength.value, &strength.unit),
                denominator,
            }),
        }],
    })
}

const GTS: &str = "http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation";

/// One FHIR Dosage from one set of instructions; every attribute carries
/// the derivation-reference of its own span.
fn dosage<'a>(d: &'a DosageOut, sequence: u32, doc: &str) -> Option<Dosage<'a>> {
    let sig = d.sig.as_ref()?;
    let mut repeat = Repeat::default();
    let mut has_repeat = false;
    if let Some(f) = &d.frequency {
        has_repeat = true;
        if f.stat {
            repeat.count = Some(1);
        } else {
            repeat.frequency = Some(f.frequency.max(1));
            repeat.period = Some(Decimal(f.period));
            repeat.period_max = f.period_max.map(Decimal);
            repeat.period_unit = Some(f.period_unit);
        }
        repeat.when = f.when.clone();
    }
    if let Some(dur) = &d.duration {
        if let (Some(value), Some(unit)) = (dur.value, dur.unit) {
            has_repeat = true;
            repeat.bounds_duration = Some(quantity(value, unit));
            repeat.extension = derivation(doc, dur.start, dur.end);
        }
    }
    let timing = d.frequency.as_ref().map(|f| Timing {
        extension: derivation(doc, f.start, f.end),
        repeat: None,
        code: f.code.map(|code| CodeableConcept {
            coding: vec![Coding {
                system: GTS,
                code,
                display: None,
            }],
            text: Some(&f.text),
        }),
    });
    let timing = match (timing, has_repeat) {
        (Some(mut t), true) => {
            t.repeat = Some(repeat);
            Some(t)
        }
        (Some(t), false) => Some(t),
        (None, true) => Some(Timing {
            extension: Vec::new(),
            repeat: Some(repeat),
            code: None,
        }),
        (None, false) => None,
    };
    let route = d.route.as_ref().map(|r| {
        let snomed = crate::attribute::route_snomed(r.code);
        RouteConcept {
            extension: derivation(doc, r.start, r.end),
            coding: snomed
                .map(|s| Coding {
                    system: "http://snomed.info/sct",
                    code: s.code,
                    display: Some(s.display),
                })
                .into_iter()
                .collect(),
            text: r.text.clone(),
        }
    });
    let mut dose_and_rate = Vec::new();
    if let Some(dose) = &d.dose {
        let mut dr = DoseAndRate {
            extension: derivation(doc, dose.start, dose.end),
            ..DoseAndRate::default()
        };
        match (dose.low, dose.high) {
            (Some(low), Some(high)) if high > low => {
                dr.dose_range = Some(QuantityRange {
                    low: quantity(low, &dose.unit),
                    high: quantity(high, &dose.unit),
                })
            }
            _ => dr.dose_quantity = Some(quantity(dose.value, &dose.unit)),
        }
        dose_and_rate.push(dr);
    }
    if let Some(rate) = &d.rate {
        let unit = match &rate.per {
            Some(per) if per.value == 1.0 => format!("{}/{}", rate.unit, per.unit),
            _ => rate.unit.clone(),
        };
        dose_and_rate.push(DoseAndRate {
            extension: derivation(doc, rate.start, rate.end),
            rate_quantity: Some(quantity(rate.value, &unit)),
            ..DoseAndRate::default()
        });
    }
    let max_dose_per_period = d.max_per_period.as_ref().map(|x| ExtendedRatio {
        extension: derivation(doc, x.start, x.end),
        numerator: quantity(x.value, &x.unit),
        denominator: quantity(x.period, x.period_unit),
    });
    let (as_needed_boolean, as_needed_concept) = match (&d.as_needed_reason, d.as_needed) {
        (Some(reason), _) => (
            None,
            Some(TextConcept {
                extension: derivation(doc, reason.start, reason.end),
                text: reason.text.clone(),
            }),
        ),
        (None, true) => (Some(true), None),
        (None, false) => (None, None),
    };
    Some(Dosage {
        extension: derivation(doc, sig.start, sig.end),
        sequence,
        text: Some(sig.text.clone()),
        timing,
        as_needed_boolean,
        as_needed_concept,
        route,
        dose_and_rate,
        max_dose_per_period,
    })
}

fn medication_statement<'a>(
    m: &'a Mention<'a>,
    id: String,
    extension: Vec<DerivationReference>,
    subject: Reference,
    note_date: Option<&'a str>,
    doc: &str,
    document: Reference,
) -> MedicationStatement<'a> {
    let med = m.medication.as_ref();
    let status = match med.map(|x| x.status) {
        Some(status) => status,
        None if m.assertion.negated => "not-taken",
        None => "unknown",
    };
    let contained = contained_medication(m);
    let when = m.onset.clone().or(note_date.map(str::to_string));
    let effective = match status {
        "stopped" | "completed" => when.map(|end| PeriodOwned {
            start: None,
            end: Some(end),
        }),
        _ if med.is_some_and(|x| x.started) => when.map(|start| PeriodOwned {
            start: Some(start),
            end: None,
        }),
        _ => None,
    };
    let dosages = med
        .map(|x| {
            std::iter::once(&x.dosage)
                .chain(&x.more)
                .zip(1..)
                .filter_map(|(d, n)| dosage(d, n, doc))
                .collect()
        })
        .unwrap_or_default();
    MedicationStatement {
        id,
        medication_reference: contained.as_ref().map(|_| Reference {
            reference: "#med".to_string(),
        }),
        medication: contained.is_none().then(|| concept(m)),
        contained: contained.into_iter().collect(),
        extension,
        status,
        subject,
        effective,
        date_asserted: note_date,
        derived_from: vec![document],
        dosage: dosages,
    }
}

fn allergy_intolerance<'a>(
    ex: &'a Extraction<'a>,
    index: usize,
    id: String,
    extension: Vec<DerivationReference>,
    patient: Reference,
    recorded_date: Option<&'a str>,
) -> AllergyIntolerance<'a> {
    const CLINICAL: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
    const VERIFICATION: &str = "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";
    let m = &ex.mentions[index];
    let a = &m.assertion;
    let (clinical, verification) = if a.negated {
        (("inactive", "Inactive"), ("refuted", "Refuted"))
    } else if a.uncertain {
        (("active", "Active"), ("unconfirmed", "Unconfirmed"))
    } else if a.historical {
        (("resolved", "Resolved"), ("confirmed", "Confirmed"))
    } else {
        (("active", "Active"), ("confirmed", "Confirmed"))
    };
    let reactions: Vec<CodeableConcept<'a>> = m
        .allergy
        .iter()
        .flat_map(|x| &x.reactions)
        // Reactions follow their allergen closely: look from it on first.
        .filter_map(|rid| {
            let same = |r: &&Mention<'_>| r.id == *rid;
            ex.mentions[index..]
                .iter()
                .find(same)
                .or_else(|| ex.mentions.iter().find(same))
        })
        .map(concept)
        .collect();
    AllergyIntolerance {
        id,
        extension,
        clinical_status: Some(CodeableConcept::one(CLINICAL, clinical.0, clinical.1)),
        verification_status: CodeableConcept::one(VERIFICATION, verification.0, verification.1),
        code: concept(m),
        patient,
        recorded_date,
        reaction: if reactions.is_empty() {
            Vec::new()
        } else {
            vec![Reaction {
                manifestation: reactions,
            }]
        },
    }
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

/// Write the note's resources as NDJSON lines with `Type/id` references (the
/// Bulk Data layout), returning each line's resource type and byte range in
/// `out`.
pub fn resources_to_ndjson(
    out: &mut Vec<u8>,
    ex: &Extraction<'_>,
    recorded: Option<&str>,
) -> Vec<(&'static str, std::ops::Range<usize>)> {
    let mut lines = Vec::new();
    for (_, resource) in resources(ex, recorded, RefStyle::Relative) {
        let start = out.len();
        // Serialising our own types into memory cannot fail.
        let _ = serde_json::to_writer(&mut *out, &resource);
        out.push(b'\n');
        lines.push((resource.type_name(), start..out.len()));
    }
    lines
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
