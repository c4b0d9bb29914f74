//! The FHIR R4 resources note2fhir writes, as serde types in the order the
//! specification lists their elements.

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};

pub(crate) const DERIVATION_REFERENCE: &str = "http://hl7.org/fhir/StructureDefinition/derivation-reference";

#[derive(Serialize)]
#[serde(tag = "resourceType")]
pub(crate) enum Resource<'a> {
    Patient(Patient<'a>),
    Device(Device<'a>),
    DocumentReference(DocumentReference<'a>),
    Condition(Condition<'a>),
    MedicationStatement(MedicationStatement<'a>),
    AllergyIntolerance(AllergyIntolerance<'a>),
    FamilyMemberHistory(FamilyMemberHistory<'a>),
    Provenance(Provenance<'a>),
}

impl Resource<'_> {
    pub fn type_name(&self) -> &'static str {
        match self {
            Resource::Patient(_) => "Patient",
            Resource::Device(_) => "Device",
            Resource::DocumentReference(_) => "DocumentReference",
            Resource::Condition(_) => "Condition",
            Resource::MedicationStatement(_) => "MedicationStatement",
            Resource::AllergyIntolerance(_) => "AllergyIntolerance",
            Resource::FamilyMemberHistory(_) => "FamilyMemberHistory",
            Resource::Provenance(_) => "Provenance",
        }
    }
}

#[derive(Serialize)]
pub(crate) struct Bundle<'a> {
    #[serde(rename = "resourceType")]
    pub resource_type: &'static str,
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<&'a str>,
    pub entry: Vec<BundleEntry<'a>>,
}

#[derive(Serialize)]
pub(crate) struct BundleEntry<'a> {
    #[serde(rename = "fullUrl")]
    pub full_url: String,
    pub resource: Resource<'a>,
}

#[derive(Serialize)]
pub(crate) struct Reference {
    pub reference: String,
}

#[derive(Serialize)]
pub(crate) struct Coding<'a> {
    pub system: &'a str,
    pub code: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct CodeableConcept<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<&'a str>,
}

impl<'a> CodeableConcept<'a> {
    pub fn one(system: &'a str, code: &'a str, display: &'a str) -> Self {
        CodeableConcept {
            coding: vec![Coding {
                system,
                code,
                display: Some(display),
            }],
            text: None,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct Identifier<'a> {
    pub value: &'a str,
}

/// The `derivation-reference` extension: where in the note a resource came
/// from. `offset` and `length` are Unicode code points.
pub(crate) struct DerivationReference {
    pub reference: String,
    pub offset: usize,
    pub length: usize,
}

impl Serialize for DerivationReference {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Inner<'b>(&'b DerivationReference);
        impl Serialize for Inner<'_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeSeq;
                let mut seq = s.serialize_seq(Some(3))?;
                seq.serialize_element(&UrlValue(
                    "reference",
                    "valueReference",
                    &Reference {
                        reference: self.0.reference.to_string(),
                    },
                ))?;
                seq.serialize_element(&UrlValue("offset", "valueInteger", &self.0.offset))?;
                seq.serialize_element(&UrlValue("length", "valueInteger", &self.0.length))?;
                seq.end()
            }
        }
        let mut st = s.serialize_struct("Extension", 2)?;
        st.serialize_field("url", DERIVATION_REFERENCE)?;
        st.serialize_field("extension", &Inner(self))?;
        st.end()
    }
}

struct UrlValue<'b, T>(&'static str, &'static str, &'b T);

impl<T: Serialize> Serialize for UrlValue<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry("url", self.0)?;
        map.serialize_entry(self.1, self.2)?;
        map.end()
    }
}

#[derive(Serialize)]
pub(crate) struct Patient<'a> {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier<'a>>,
}

#[derive(Serialize)]
pub(crate) struct DeviceName<'a> {
    pub name: &'a str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

#[derive(Serialize)]
pub(crate) struct DeviceVersion<'a> {
    pub value: &'a str,
}

#[derive(Serialize)]
pub(crate) struct Device<'a> {
    pub id: String,
    #[serde(rename = "deviceName")]
    pub device_name: Vec<DeviceName<'a>>,
    pub version: Vec<DeviceVersion<'a>>,
}

#[derive(Serialize)]
pub(crate) struct Attachment {
    #[serde(rename = "contentType")]
    pub content_type: &'static str,
    pub language: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
    pub size: usize,
    pub hash: String,
}

#[derive(Serialize)]
pub(crate) struct Content {
    pub attachment: Attachment,
}

#[derive(Serialize)]
pub(crate) struct Period<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct DocumentContext<'a> {
    pub period: Period<'a>,
}

#[derive(Serialize)]
pub(crate) struct DocumentReference<'a> {
    pub id: String,
    pub identifier: Vec<Identifier<'a>>,
    pub status: &'static str,
    #[serde(rename = "type")]
    pub kind: CodeableConcept<'a>,
    pub subject: Reference,
    pub content: Vec<Content>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<DocumentContext<'a>>,
}

#[derive(Serialize)]
pub(crate) struct Condition<'a> {
    pub id: String,
    pub extension: Vec<DerivationReference>,
    #[serde(rename = "clinicalStatus", skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept<'a>>,
    #[serde(rename = "verificationStatus")]
    pub verification_status: CodeableConcept<'a>,
    pub category: Vec<CodeableConcept<'a>>,
    pub code: CodeableConcept<'a>,
    pub subject: Reference,
    #[serde(rename = "onsetDateTime", skip_serializing_if = "Option::is_none")]
    pub onset: Option<&'a str>,
    #[serde(rename = "abatementDateTime", skip_serializing_if = "Option::is_none")]
    pub abatement_date: Option<&'a str>,
    #[serde(rename = "abatementString", skip_serializing_if = "Option::is_none")]
    pub abatement_text: Option<&'a str>,
    #[serde(rename = "recordedDate", skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<&'a str>,
}

#[derive(Serialize)]
pub(crate) struct MedicationStatement<'a> {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contained: Vec<ContainedMedication<'a>>,
    pub extension: Vec<DerivationReference>,
    pub status: &'static str,
    #[serde(rename = "medicationCodeableConcept", skip_serializing_if = "Option::is_none")]
    pub medication: Option<CodeableConcept<'a>>,
    #[serde(rename = "medicationReference", skip_serializing_if = "Option::is_none")]
    pub medication_reference: Option<Reference>,
    pub subject: Reference,
    #[serde(rename = "effectivePeriod", skip_serializing_if = "Option::is_none")]
    pub effective: Option<PeriodOwned>,
    #[serde(rename = "dateAsserted", skip_serializing_if = "Option::is_none")]
    pub date_asserted: Option<&'a str>,
    #[serde(rename = "derivedFrom")]
    pub derived_from: Vec<Reference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dosage: Vec<Dosage<'a>>,
}

#[derive(Serialize)]
pub(crate) struct PeriodOwned {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

/// A FHIR decimal: whole numbers without a fraction.
#[derive(Clone, Copy)]
pub(crate) struct Decimal(pub f64);

impl Serialize for Decimal {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0.fract() == 0.0 && self.0.abs() < 1e15 {
            s.serialize_i64(self.0 as i64)
        } else {
            s.serialize_f64(self.0)
        }
    }
}

#[derive(Serialize)]
pub(crate) struct Quantity {
    pub value: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub system: &'static str,
    pub code: String,
}

#[derive(Serialize)]
pub(crate) struct QuantityRange {
    pub low: Quantity,
    pub high: Quantity,
}

#[derive(Serialize)]
pub(crate) struct Ratio {
    pub numerator: Quantity,
    pub denominator: Quantity,
}

#[derive(Serialize)]
pub(crate) struct Dosage<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<DerivationReference>,
    pub sequence: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing<'a>>,
    #[serde(rename = "asNeededBoolean", skip_serializing_if = "Option::is_none")]
    pub as_needed_boolean: Option<bool>,
    #[serde(rename = "asNeededCodeableConcept", skip_serializing_if = "Option::is_none")]
    pub as_needed_concept: Option<TextConcept>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub route: Option<RouteConcept<'a>>,
    #[serde(rename = "doseAndRate", skip_serializing_if = "Vec::is_empty")]
    pub dose_and_rate: Vec<DoseAndRate>,
    #[serde(rename = "maxDosePerPeriod", skip_serializing_if = "Option::is_none")]
    pub max_dose_per_period: Option<ExtendedRatio>,
}

#[derive(Serialize)]
pub(crate) struct TextConcept {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<DerivationReference>,
    pub text: String,
}

#[derive(Serialize)]
pub(crate) struct RouteConcept<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<DerivationReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding<'a>>,
    pub text: String,
}

#[derive(Serialize)]
pub(crate) struct ExtendedRatio {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<DerivationReference>,
    pub numerator: Quantity,
    pub denominator: Quantity,
}

#[derive(Serialize)]
pub(crate) struct Timing<'a> {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<DerivationReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat: Option<Repeat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept<'a>>,
}

#[derive(Serialize, Default)]
pub(crate) struct Repeat {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<DerivationReference>,
    #[serde(rename = "boundsDuration", skip_serializing_if = "Option::is_none")]
    pub bounds_duration: Option<Quantity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Decimal>,
    #[serde(rename = "periodMax", skip_serializing_if = "Option::is_none")]
    pub period_max: Option<Decimal>,
    #[serde(rename = "periodUnit", skip_serializing_if = "Option::is_none")]
    pub period_unit: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<&'static str>,
}

#[derive(Serialize, Default)]
pub(crate) struct DoseAndRate {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<DerivationReference>,
    #[serde(rename = "doseQuantity", skip_serializing_if = "Option::is_none")]
    pub dose_quantity: Option<Quantity>,
    #[serde(rename = "doseRange", skip_serializing_if = "Option::is_none")]
    pub dose_range: Option<QuantityRange>,
    #[serde(rename = "rateQuantity", skip_serializing_if = "Option::is_none")]
    pub rate_quantity: Option<Quantity>,
}

#[derive(Serialize)]
pub(crate) struct AllergyIntolerance<'a> {
    pub id: String,
    pub extension: Vec<DerivationReference>,
    #[serde(rename = "clinicalStatus", skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept<'a>>,
    #[serde(rename = "verificationStatus")]
    pub verification_status: CodeableConcept<'a>,
    pub code: CodeableConcept<'a>,
    pub patient: Reference,
    #[serde(rename = "recordedDate", skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reaction: Vec<Reaction<'a>>,
}

#[derive(Serialize)]
pub(crate) struct Reaction<'a> {
    pub manifestation: Vec<CodeableConcept<'a>>,
}

/// A Medication contained in a MedicationStatement: a combination product
/// named by its text, with its ingredients coded.
#[derive(Serialize)]
pub(crate) struct ContainedMedication<'a> {
    #[serde(rename = "resourceType")]
    pub resource_type: &'static str,
    pub id: &'static str,
    pub code: CodeableConcept<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub form: Option<TextConcept>,
    pub ingredient: Vec<Ingredient<'a>>,
}

#[derive(Serialize)]
pub(crate) struct Ingredient<'a> {
    #[serde(rename = "itemCodeableConcept")]
    pub item: CodeableConcept<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub strength: Option<Ratio>,
}

#[derive(Serialize)]
pub(crate) struct FamilyCondition<'a> {
    pub code: CodeableConcept<'a>,
    #[serde(rename = "onsetAge", skip_serializing_if = "Option::is_none")]
    pub onset_age: Option<Age>,
}

#[derive(Serialize)]
pub(crate) struct Age {
    pub value: u32,
    pub unit: &'static str,
    pub system: &'static str,
    pub code: &'static str,
}

#[derive(Serialize)]
pub(crate) struct FamilyMemberHistory<'a> {
    pub id: String,
    pub extension: Vec<DerivationReference>,
    pub status: &'static str,
    pub patient: Reference,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<&'a str>,
    pub relationship: CodeableConcept<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<CodeableConcept<'a>>,
    pub condition: Vec<FamilyCondition<'a>>,
}

#[derive(Serialize)]
pub(crate) struct ProvenanceAgent<'a> {
    #[serde(rename = "type")]
    pub kind: CodeableConcept<'a>,
    pub who: Reference,
}

#[derive(Serialize)]
pub(crate) struct ProvenanceEntity {
    pub role: &'static str,
    pub what: Reference,
}

#[derive(Serialize)]
pub(crate) struct Provenance<'a> {
    pub id: String,
    pub target: Vec<Reference>,
    pub recorded: &'a str,
    pub activity: CodeableConcept<'a>,
    pub agent: Vec<ProvenanceAgent<'a>>,
    pub entity: Vec<ProvenanceEntity>,
}

#[derive(Serialize)]
pub(crate) struct OperationOutcome<'a> {
    #[serde(rename = "resourceType")]
    pub resource_type: &'static str,
    pub issue: Vec<Issue<'a>>,
}

#[derive(Serialize)]
pub(crate) struct Issue<'a> {
    pub severity: &'static str,
    pub code: &'static str,
    pub diagnostics: &'a str,
}
