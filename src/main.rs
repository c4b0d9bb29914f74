//! The `note2fhir` command.

mod cli;
#[cfg(feature = "serve")]
mod serve;

use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A panic's message may quote note text: print only where it happened.
    note2fhir::guard::install_quiet_hook("note2fhir");
    match cli::run() {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            let _ = writeln!(std::io::stderr(), "note2fhir: error: {err:#}");
            ExitCode::from(cli::EXIT_FATAL)
        }
    }
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause.downcast_ref::<note2fhir::Error>().is_some_and(|e| {
                matches!(e.kind(), note2fhir::ErrorKind::Io { err, .. } if err.kind() == std::io::ErrorKind::BrokenPipe)
            })
    })
}
