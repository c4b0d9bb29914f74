//! The panic guard: a bug met while converting one note rejects that note
//! with [`RecordErrorKind::InternalError`] (`internal-error`, naming the
//! note) and the batch goes on.
//!
//! A panic's message is never shown, because it may quote note text (a
//! slicing panic quotes the string it slices). The guard drops it unread;
//! [`install_quiet_hook`] replaces Rust's default panic hook, which prints
//! the message to standard error, with one that prints only where the panic
//! happened.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe, PanicHookInfo};

use crate::error::{RecordError, RecordErrorKind};
use crate::note::Note;

/// Run `convert` for `note`; a panic inside it becomes an `internal-error`
/// rejection of `note`, with its origin and id and nothing else.
///
/// A [`crate::Pipeline`] holds no state that a panic could leave half
/// changed (it is only read while converting), so it stays usable for the
/// next note.
pub fn guarded<T>(note: &Note, convert: impl FnOnce() -> T) -> Result<T, RecordError> {
    catch_unwind(AssertUnwindSafe(convert)).map_err(|payload| {
        // The payload may quote note text: it is dropped unread.
        drop(payload);
        RecordError::new(
            note.origin.clone(),
            Some(note.id.clone()),
            RecordErrorKind::InternalError,
        )
    })
}

/// Replace the process's panic hook with one that writes
/// `PROGRAM: internal error at FILE:LINE:COLUMN` to standard error, and a
/// backtrace when `RUST_BACKTRACE` asks for one, but never the panic's
/// message.
pub fn install_quiet_hook(program: &'static str) {
    std::panic::set_hook(Box::new(move |info| {
        let _ = write_quiet(&mut std::io::stderr().lock(), program, info);
    }));
}

/// What the quiet hook writes for a panic.
fn write_quiet(out: &mut dyn Write, program: &str, info: &PanicHookInfo<'_>) -> std::io::Result<()> {
    let at = info
        .location()
        .map_or_else(|| "an unknown place".to_string(), ToString::to_string);
    writeln!(
        out,
        "{program}: internal error at {at} (the message is withheld: it may quote note text)"
    )?;
    let backtrace = std::backtrace::Backtrace::capture();
    if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
        writeln!(out, "{backtrace}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_the_notes_rejection() {
        let note = Note::new("n-7", "secret words");
        assert_eq!(guarded(&note, || 3), Ok(3));
        let err = guarded(&note, || -> usize {
            let text = note.text.as_str();
            let (from, to) = (text.len(), std::hint::black_box(2));
            text[from..to].len()
        })
        .unwrap_err();
        assert_eq!(err.kind, RecordErrorKind::InternalError);
        assert_eq!(err.note_id.as_deref(), Some("n-7"));
        let shown = err.to_string();
        assert!(
            shown.contains("internal-error") && shown.contains("\"n-7\""),
            "{shown}"
        );
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(err.kind.issue_code(), "exception");
    }

    #[test]
    fn the_quiet_hook_withholds_the_message() {
        static CAUGHT: std::sync::Mutex<Vec<u8>> = std::sync::Mutex::new(Vec::new());
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|info| {
            if let Ok(mut caught) = CAUGHT.lock() {
                let _ = write_quiet(&mut *caught, "note2fhir", info);
            }
        }));
        let line = line!() + 1;
        let caught = catch_unwind(|| panic!("secret words"));
        std::panic::set_hook(previous);
        assert!(caught.is_err());
        let written = String::from_utf8(CAUGHT.lock().unwrap().clone()).unwrap();
        let expected = format!("note2fhir: internal error at src/guard.rs:{line}:");
        assert!(written.contains(&expected), "{written}");
        assert!(!written.contains("secret"), "{written}");
    }
}
