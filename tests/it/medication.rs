//! Medication details, status and allergies through the whole pipeline,
//! with the safety cases that must never regress.

use note2fhir::{Format, Note};
use serde_json::Value;

use crate::fixtures;

fn bundle(text: &str) -> Vec<Value> {
    let note = Note::new("m", text).with_date("2025-03-12").unwrap();
    let mut line = Vec::new();
    fixtures::pipeline().write_note(&note, Format::Bundle, &mut line);
    let bundle: Value = serde_json::from_slice(&line).unwrap();
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"].clone())
        .collect()
}

fn of_type(resources: &[Value], ty: &str) -> Vec<Value> {
    resources
        .iter()
        .filter(|r| r["resourceType"] == ty)
        .cloned()
        .collect()
}

fn mentions(text: &str) -> Vec<Value> {
    let note = Note::new("m", text).with_date("2025-03-12").unwrap();
    let mut line = Vec::new();
    fixtures::pipeline().write_note(&note, Format::Mentions, &mut line);
    let out: Value = serde_json::from_slice(&line).unwrap();
    out["mentions"].as_array().unwrap().clone()
}

fn dose(statement: &Value) -> (Value, Value) {
    let q = &statement["dosage"][0]["doseAndRate"][0]["doseQuantity"];
    (q["value"].clone(), q["code"].clone())
}

#[test]
fn micrograms_are_never_milligrams() {
    for text in [
        "Digoxin 62.5 micrograms OD",
        "Digoxin 62.5mcg OD",
        "Digoxin 62.5 µg OD",
    ] {
        let ms = of_type(&bundle(text), "MedicationStatement");
        assert_eq!(dose(&ms[0]), (Value::from(62.5), Value::from("ug")), "{text}");
        assert_eq!(
            ms[0]["dosage"][0]["doseAndRate"][0]["doseQuantity"]["system"],
            "http://unitsofmeasure.org"
        );
    }
}

#[test]
fn a_leading_dot_is_a_fraction() {
    let ms = of_type(&bundle("Enoxaparin .5mg SC OD"), "MedicationStatement");
    assert_eq!(dose(&ms[0]), (Value::from(0.5), Value::from("mg")));
}

#[test]
fn units_for_insulin_and_heparin_are_international_units() {
    for text in [
        "Insulin glargine 10 units SC nocte",
        "Heparin 5000 U SC BD",
        "Insulin glargine 10units SC mane",
    ] {
        let ms = of_type(&bundle(text), "MedicationStatement");
        assert_eq!(dose(&ms[0]).1, "[iU]", "{text}");
    }
}

#[test]
fn methotrexate_once_weekly_is_never_daily() {
    let ms = of_type(&bundle("Methotrexate 15mg once weekly PO"), "MedicationStatement");
    let repeat = &ms[0]["dosage"][0]["timing"]["repeat"];
    assert_eq!(
        (repeat["frequency"].clone(), repeat["period"].clone()),
        (Value::from(1), Value::from(1))
    );
    assert_eq!(repeat["periodUnit"], "wk");
    let m = &mentions("Methotrexate 15mg once weekly PO")[0];
    assert_eq!(m["medication"]["frequency"]["per_day"], Value::Null);
}

#[test]
fn paracetamol_od_in_a_presenting_complaint_is_an_overdose() {
    let resources = bundle("PC: paracetamol OD, 30 tablets at 2200.");
    assert!(of_type(&resources, "MedicationStatement").is_empty());
    let conditions = of_type(&resources, "Condition");
    assert_eq!(conditions[0]["code"]["coding"][0]["code"], "295124009");
    assert_eq!(conditions[0]["code"]["text"], "paracetamol OD");
    // In a drug history OD stays a frequency.
    let ms = of_type(&bundle("DH: paracetamol 1g OD"), "MedicationStatement");
    assert_eq!(ms[0]["dosage"][0]["timing"]["code"]["coding"][0]["code"], "QD");
}

#[test]
fn drug_chart_lines_become_statements_with_dosage() {
    let ms = of_type(
        &bundle("Ramipril 5mg OD PO\nBisoprolol 2.5mg OD PO\nParacetamol 1g QDS PO PRN"),
        "MedicationStatement",
    );
    assert_eq!(ms.len(), 3);
    let d = &ms[0]["dosage"][0];
    assert_eq!(d["text"], "5mg OD PO");
    assert_eq!(d["route"]["coding"][0]["code"], "26643006");
    assert_eq!(d["timing"]["repeat"]["frequency"], 1);
    assert_eq!(d["timing"]["repeat"]["periodUnit"], "d");
    assert_eq!(ms[2]["dosage"][0]["asNeededBoolean"], true);
    // Each attribute points at its own span.
    let off = |v: &Value| v["extension"][0]["extension"][1]["valueInteger"].clone();
    assert_eq!(off(d), 9);
    assert_eq!(off(&d["route"]), 16);
    assert_eq!(off(&d["doseAndRate"][0]), 9);
    assert_eq!(off(&d["timing"]), 13);
}

#[test]
fn one_drug_with_two_instructions() {
    let ms = of_type(&bundle("Paracetamol 1g QDS PO / PRN"), "MedicationStatement");
    let dosages = ms[0]["dosage"].as_array().unwrap();
    assert_eq!(dosages.len(), 2);
    assert_eq!(dosages[0]["text"], "1g QDS PO");
    assert_eq!(dosages[1]["text"], "PRN");
    assert_eq!(dosages[1]["asNeededBoolean"], true);
}

#[test]
fn ranges_prn_reasons_maxima_durations_rates_and_strengths() {
    let ms = of_type(
        &bundle("Paracetamol 1-2 tablets QDS PRN for pain max 8 tablets/24h. Amoxicillin 500mg TDS PO x5/7. Oramorph 10mg/5ml 2.5ml PRN. Saline at 125ml/hr IV."),
        "MedicationStatement",
    );
    let d = &ms[0]["dosage"][0];
    assert_eq!(d["doseAndRate"][0]["doseRange"]["low"]["value"], 1);
    assert_eq!(d["doseAndRate"][0]["doseRange"]["high"]["code"], "{tablet}");
    assert_eq!(d["asNeededCodeableConcept"]["text"], "pain");
    assert_eq!(d["maxDosePerPeriod"]["numerator"]["value"], 8);
    assert_eq!(d["maxDosePerPeriod"]["denominator"]["code"], "h");
    let amox = &ms[1]["dosage"][0]["timing"]["repeat"];
    assert_eq!(
        (
            amox["boundsDuration"]["value"].clone(),
            amox["boundsDuration"]["code"].clone()
        ),
        (Value::from(5), Value::from("d"))
    );
    let oramorph = &ms[2];
    assert_eq!(oramorph["medicationReference"]["reference"], "#med");
    let strength = &oramorph["contained"][0]["ingredient"][0]["strength"];
    assert_eq!(
        (
            strength["numerator"]["value"].clone(),
            strength["denominator"]["value"].clone()
        ),
        (Value::from(10), Value::from(5))
    );
    assert_eq!(dose(oramorph), (Value::from(2.5), Value::from("mL")));
}

#[test]
fn status_from_the_words_around_the_drug() {
    let table = [
        ("Started apixaban 5mg BD today.", "active"),
        ("Continue apixaban.", "active"),
        ("Stopped ramipril due to AKI.", "stopped"),
        ("Ramipril discontinued.", "stopped"),
        ("Metformin held pending CTPA.", "on-hold"),
        ("Omit metformin tonight.", "on-hold"),
        ("Plan to start bisoprolol.", "intended"),
        ("Consider statin: atorvastatin.", "intended"),
        ("Declined warfarin.", "not-taken"),
        ("Not taking aspirin.", "not-taken"),
        ("No anticoagulation: not on apixaban.", "not-taken"),
        ("Course of amoxicillin completed.", "completed"),
        ("DH: ramipril 5mg OD", "active"),
        ("Ramipril 5mg OD", "unknown"),
    ];
    for (text, want) in table {
        let m = mentions(text)
            .into_iter()
            .find(|m| m["kind"] == "medication")
            .unwrap();
        assert_eq!(m["medication"]["status"], want, "{text}");
        let ms = of_type(&bundle(text), "MedicationStatement");
        assert_eq!(ms[0]["status"], want, "{text}");
    }
    // A start date from the note; a dose change kept.
    let ms = of_type(&bundle("Started apixaban 5mg BD."), "MedicationStatement");
    assert_eq!(ms[0]["effectivePeriod"]["start"], "2025-03-12");
    let m = mentions("Amlodipine increased to 10mg OD.");
    assert_eq!(m[0]["medication"]["change"], "increased to 10mg");
    assert_eq!(m[0]["medication"]["dose"]["value"], 10.0);
}

#[test]
fn no_regular_medications_is_a_statement_not_a_drug() {
    for text in ["DH: nil", "No regular medications."] {
        let ms = of_type(&bundle(text), "MedicationStatement");
        assert_eq!(ms.len(), 1, "{text}");
        assert_eq!(
            ms[0]["medicationCodeableConcept"]["coding"][0]["code"],
            "787481004"
        );
        assert_eq!(ms[0]["status"], "active");
    }
}

#[test]
fn allergies_statements_reactions_and_overrides() {
    let nkda = of_type(&bundle("Allergies: NKDA"), "AllergyIntolerance");
    assert_eq!(nkda[0]["code"]["coding"][0]["code"], "409137002");
    assert_eq!(nkda[0]["clinicalStatus"]["coding"][0]["code"], "active");
    let nka = of_type(&bundle("NKA."), "AllergyIntolerance");
    assert_eq!(nka[0]["code"]["coding"][0]["code"], "716186003");

    let resources = bundle("Allergies: penicillin (rash), codeine - vomiting. NKDA.");
    let ai = of_type(&resources, "AllergyIntolerance");
    assert_eq!(ai.len(), 2, "a real allergy overrides NKDA");
    assert_eq!(ai[0]["code"]["coding"][0]["code"], "373270004");
    assert_eq!(ai[0]["reaction"][0]["manifestation"][0]["text"], "rash");
    assert_eq!(ai[1]["code"]["coding"][0]["code"], "UX6OWY2V7J");
    assert_eq!(ai[1]["reaction"][0]["manifestation"][0]["text"], "vomiting");
    assert!(
        of_type(&resources, "MedicationStatement").is_empty(),
        "an allergen is never a medication"
    );
    assert!(
        of_type(&resources, "Condition").is_empty(),
        "a reaction is not a problem of the patient's"
    );
    let m = mentions("Allergies: penicillin (rash). NKDA.");
    let nkda = m.iter().find(|m| m["text"] == "NKDA").unwrap();
    assert_eq!(nkda["allergy"]["overridden"], true);
    assert_eq!(nkda["fhir"], Value::Null);

    let outside = of_type(
        &bundle("Allergic to codeine – vomiting. Penicillin allergy."),
        "AllergyIntolerance",
    );
    assert_eq!(outside.len(), 2);
    let verification = |text: &str| {
        of_type(&bundle(text), "AllergyIntolerance")[0]["verificationStatus"]["coding"][0]["code"].clone()
    };
    assert_eq!(verification("?penicillin allergy"), "unconfirmed");
    assert_eq!(verification("Not allergic to codeine."), "refuted");
    assert!(
        of_type(&bundle("Mother allergic to codeine."), "AllergyIntolerance").is_empty(),
        "a relative's allergy"
    );
}
