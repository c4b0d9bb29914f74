//! Medication attributes: the sig grammar (strength, dose, route, frequency,
//! duration, …) and medication status cues.
