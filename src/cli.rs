//! Command-line arguments (clap) and the validated configuration built from
//! them. The library never sees clap.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use note2fhir::input::{Input, Records};
use note2fhir::{batch, Format, OnError, Pipeline};

/// Exit code for a fatal error (bad arguments, unreadable dictionary,
/// unwritable output).
pub const EXIT_FATAL: u8 = 1;
/// Exit code when one or more records were rejected.
pub const EXIT_REJECTED: u8 = 2;

/// Turn free-text UK ward notes into coded FHIR R4 JSON.
#[derive(Parser)]
#[command(name = "note2fhir", version, about)]
struct Opts {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Extract medications and problems from notes and write FHIR or mentions.
    Extract(ExtractArgs),
    /// Check or count the dictionaries.
    #[command(subcommand)]
    Dict(DictCommand),
}

#[derive(Subcommand)]
enum DictCommand {
    /// Report malformed rows, conflicting codes, everyday words and drug
    /// names that are ward shorthand (file:line); exit 1 on errors.
    Lint(DictArgs),
    /// Count terms by kind and source.
    Stats(DictArgs),
}

#[derive(clap::Args)]
struct DictArgs {
    /// Also check this dictionary (TSV), layered after the built-in ones.
    /// Repeatable.
    #[arg(long = "dict", value_name = "FILE")]
    dict: Vec<PathBuf>,
}

impl DictArgs {
    fn sources(&self) -> anyhow::Result<Vec<(String, String)>> {
        let mut sources: Vec<(String, String)> = note2fhir::dictionary::EMBEDDED
            .iter()
            .map(|(name, contents)| (format!("<embedded>/{name}"), contents.to_string()))
            .collect();
        for path in &self.dict {
            let contents = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            sources.push((path.display().to_string(), contents));
        }
        Ok(sources)
    }
}

#[derive(clap::Args)]
struct ExtractArgs {
    /// Inputs: .txt files (one note each, id = file stem), directories (every
    /// .txt below, id = relative path without extension), .jsonl/.ndjson files
    /// (one {"id","text","date"?,"patient"?} object per line), or - for JSONL
    /// on standard input (the default).
    #[arg(value_name = "INPUT")]
    inputs: Vec<String>,

    /// Output format: one FHIR R4 Bundle or one mentions object per note,
    /// one JSON line each.
    #[arg(long, value_enum, default_value_t = FormatArg::Bundle)]
    format: FormatArg,

    /// Write to this file instead of standard output (written under a
    /// temporary name and renamed when complete).
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    output: Option<PathBuf>,

    /// The date of notes whose record gives none (YYYY-MM-DD). Without
    /// either, a date at the head of the note is used.
    #[arg(long, value_name = "YYYY-MM-DD")]
    note_date: Option<String>,

    /// How to read numeric dates such as 03/04/2025: uk (day first, 3 April)
    /// or us (month first, 4 March).
    #[arg(long, value_enum, default_value_t = DatesArg::Uk)]
    dates: DatesArg,

    /// The time zone of times written without one (IANA name); FHIR
    /// date-times carry its offset on that date, summer time included.
    #[arg(long, value_name = "ZONE", default_value = "Europe/London")]
    tz: String,

    /// The instant the output is recorded at (e.g. 2025-03-12T18:30:00Z); it
    /// adds a Provenance to each Bundle. Defaults to SOURCE_DATE_EPOCH when
    /// that is set; otherwise there is no Provenance.
    #[arg(long, value_name = "INSTANT")]
    recorded: Option<String>,

    /// Add a dictionary (TSV); its entries replace built-in ones with the
    /// same term. Repeatable.
    #[arg(long = "dict", value_name = "FILE")]
    dict: Vec<PathBuf>,

    /// Add context rules (TSV: phrase, category, direction, window, value);
    /// a rule replaces a built-in one with the same phrase. Repeatable.
    #[arg(long = "context", value_name = "FILE")]
    context: Vec<PathBuf>,

    /// Print a readable trace per note instead of JSON: each finding, its
    /// section, flags, the cues that set them, the dictionary rule and the
    /// resource it became.
    #[arg(long)]
    explain: bool,

    /// Worker threads (default: one per core). Output is identical whatever
    /// the number.
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,

    /// What to do with a bad record: report it on stderr and go on (exit 2
    /// at the end), write an OperationOutcome line in its place and go on
    /// (exit 0), or stop at the first (exit 2).
    #[arg(long, value_enum, default_value_t = OnErrorArg::Report)]
    on_error: OnErrorArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    Bundle,
    Mentions,
}

#[derive(Clone, Copy, ValueEnum)]
enum DatesArg {
    Uk,
    Us,
}

#[derive(Clone, Copy, ValueEnum)]
enum OnErrorArg {
    Report,
    Outcome,
    Fail,
}

/// The validated configuration of `extract`.
struct ExtractConfig {
    inputs: Vec<Input>,
    format: Format,
    output: Option<PathBuf>,
    threads: Option<usize>,
    on_error: OnError,
    pipeline: Pipeline,
}

impl ExtractArgs {
    fn into_config(self) -> anyhow::Result<ExtractConfig> {
        let inputs = if self.inputs.is_empty() {
            vec![Input::Stdin]
        } else {
            self.inputs
                .iter()
                .map(|arg| Input::from_arg(arg))
                .collect::<Result<Vec<_>, _>>()?
        };
        let tz: chrono_tz::Tz = self
            .tz
            .parse()
            .map_err(|_| anyhow::anyhow!("--tz {:?}: not an IANA time zone name", self.tz))?;
        let recorded = match (self.recorded, std::env::var("SOURCE_DATE_EPOCH")) {
            (Some(instant), _) => Some(instant),
            (None, Ok(epoch)) => {
                let seconds: i64 = epoch.trim().parse().with_context(|| {
                    format!("SOURCE_DATE_EPOCH {epoch:?} is not a whole number of seconds")
                })?;
                Some(note2fhir::instant_from_epoch(seconds))
            }
            (None, Err(_)) => None,
        };
        let mut builder = Pipeline::builder().date_options(note2fhir::date::DateOptions {
            order: match self.dates {
                DatesArg::Uk => note2fhir::date::DateOrder::DayFirst,
                DatesArg::Us => note2fhir::date::DateOrder::MonthFirst,
            },
            tz,
        });
        if let Some(date) = &self.note_date {
            builder = builder.note_date(date)?;
        }
        for path in &self.dict {
            builder = builder.dictionary_file(path)?;
        }
        for path in &self.context {
            builder = builder.context_file(path)?;
        }
        if let Some(instant) = &recorded {
            builder = builder.recorded(instant)?;
        }
        if self.threads == Some(0) {
            bail!("-j must be at least 1");
        }
        Ok(ExtractConfig {
            inputs,
            format: match (self.explain, self.format) {
                (true, _) => Format::Explain,
                (false, FormatArg::Bundle) => Format::Bundle,
                (false, FormatArg::Mentions) => Format::Mentions,
            },
            output: self.output,
            threads: self.threads,
            on_error: match self.on_error {
                OnErrorArg::Report => OnError::Report,
                OnErrorArg::Outcome => OnError::Outcome,
                OnErrorArg::Fail => OnError::Fail,
            },
            pipeline: builder.build()?,
        })
    }
}

/// Parse the arguments and run the command.
pub fn run() -> anyhow::Result<ExitCode> {
    let opts = match Opts::try_parse() {
        Ok(opts) => opts,
        Err(err) => {
            let _ = err.print();
            return Ok(if err.use_stderr() {
                ExitCode::from(EXIT_FATAL)
            } else {
                ExitCode::SUCCESS
            });
        }
    };
    match opts.command {
        Command::Extract(args) => extract(args.into_config()?),
        Command::Dict(DictCommand::Lint(args)) => dict_lint(&args),
        Command::Dict(DictCommand::Stats(args)) => dict_stats(&args),
    }
}

fn dict_lint(args: &DictArgs) -> anyhow::Result<ExitCode> {
    use note2fhir::dictionary::lint;
    let sources = args.sources()?;
    let findings = lint::lint(
        &sources,
        &lint::word_list(lint::EMBEDDED_STOPLIST),
        &lint::word_list(lint::EMBEDDED_RESERVED),
    );
    let mut out = io::stdout().lock();
    for finding in &findings {
        writeln!(out, "{finding}")?;
    }
    let errors = findings.iter().filter(|f| f.error).count();
    let rows: usize = sources
        .iter()
        .map(|(_, c)| c.lines().count().saturating_sub(1))
        .sum();
    writeln!(
        out,
        "{} dictionaries, {rows} rows: {errors} errors, {} warnings",
        sources.len(),
        findings.len() - errors
    )?;
    Ok(if errors > 0 {
        ExitCode::from(EXIT_FATAL)
    } else {
        ExitCode::SUCCESS
    })
}

fn dict_stats(args: &DictArgs) -> anyhow::Result<ExitCode> {
    let mut dict = note2fhir::dictionary::Dictionary::new();
    for (name, contents) in args.sources()? {
        dict.add_tsv(&name, &contents)?;
    }
    let mut out = io::stdout().lock();
    writeln!(out, "kind\tsource\tterms")?;
    for (kind, source, n) in note2fhir::dictionary::lint::stats(&dict) {
        writeln!(out, "{kind}\t{source}\t{n}")?;
    }
    writeln!(out, "total\t\t{}", dict.len())?;
    Ok(ExitCode::SUCCESS)
}

fn extract(config: ExtractConfig) -> anyhow::Result<ExitCode> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = config.threads {
        pool = pool.num_threads(n);
    }
    let pool = pool.build().context("starting worker threads")?;
    let records = Records::new(config.inputs);
    let stderr = io::stderr();
    let report = |err: &note2fhir::RecordError| {
        let _ = writeln!(stderr.lock(), "note2fhir: {err}");
    };

    let summary = match &config.output {
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout);
            let summary = pool.install(|| {
                batch::run(
                    &config.pipeline,
                    records,
                    config.format,
                    config.on_error,
                    &mut out,
                    report,
                )
            })?;
            out.flush().context("writing standard output")?;
            summary
        }
        Some(path) => {
            let name = path
                .file_name()
                .context("-o needs a file name")?
                .to_string_lossy();
            let partial = path.with_file_name(format!(".{name}.partial"));
            let file =
                fs::File::create(&partial).with_context(|| format!("creating {}", partial.display()))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            let summary = pool
                .install(|| {
                    batch::run(
                        &config.pipeline,
                        records,
                        config.format,
                        config.on_error,
                        &mut out,
                        report,
                    )
                })
                .with_context(|| format!("writing {}", partial.display()))?;
            out.into_inner()
                .map_err(|e| e.into_error())
                .and_then(|f| f.sync_all())
                .with_context(|| format!("writing {}", partial.display()))?;
            if summary.stopped {
                let _ = writeln!(
                    stderr.lock(),
                    "note2fhir: stopped; partial output left in {}",
                    partial.display()
                );
            } else {
                fs::rename(&partial, path)
                    .with_context(|| format!("renaming {} to {}", partial.display(), path.display()))?;
            }
            summary
        }
    };
    if summary.rejected > 0 {
        let _ = writeln!(
            stderr.lock(),
            "note2fhir: {} of {} records rejected",
            summary.rejected,
            summary.records
        );
        if config.on_error != OnError::Outcome {
            return Ok(ExitCode::from(EXIT_REJECTED));
        }
    }
    Ok(ExitCode::SUCCESS)
}
