//! Command-line arguments (clap) and the validated configuration built from
//! them. The library never sees clap.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use clap::{Parser, Subcommand, ValueEnum};
use note2fhir::input::{Input, Records};
use note2fhir::output::{same_path, AtomicFile, BulkOutput, LineOutput, Output};
use note2fhir::{batch, Format, OnError, Pipeline};

/// Exit code for a fatal error (bad arguments, unreadable dictionary,
/// unwritable output).
pub const EXIT_FATAL: u8 = 1;
/// Exit code when one or more records were rejected.
pub const EXIT_REJECTED: u8 = 2;
/// Exit code when the run stopped early at `--max-errors`.
pub const EXIT_STOPPED: u8 = 3;

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
    Extract(Box<ExtractArgs>),
    /// Check or count the dictionaries.
    #[command(subcommand)]
    Dict(DictCommand),
    /// Write synthetic UK ward notes (JSONL), identical for the same seed.
    Gen(GenArgs),
    /// Score predicted mentions against hand-annotated gold mentions.
    Eval(EvalArgs),
    /// Serve the live demo page and a JSON API on this machine.
    #[cfg(feature = "serve")]
    Serve(crate::serve::ServeArgs),
}

#[derive(clap::Args)]
struct GenArgs {
    /// How many notes.
    #[arg(long, default_value_t = 100)]
    notes: u64,
    /// The seed: the same seed gives the same notes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write the notes here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// Also write the mentions planted in each note (JSONL), for load tests
    /// and demos. Accuracy claims need hand-annotated notes: scoring the
    /// generator's own gold is circular.
    #[arg(long, value_name = "FILE")]
    gold: Option<PathBuf>,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// Gold mentions: JSONL of {"note_id", "mentions": [{kind, start, end, assertion}]}.
    #[arg(long, value_name = "FILE")]
    gold: PathBuf,
    /// Predicted mentions: the output of `extract --format mentions`.
    #[arg(long, value_name = "FILE")]
    pred: PathBuf,
    /// Print the scores as JSON instead of a table.
    #[arg(long)]
    json: bool,
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
    /// (one {"id","text","date"?,"patient"?} object per line), .csv files
    /// (a header row; see --id-col), any of these gzip-compressed (.gz), or -
    /// for JSONL on standard input (the default).
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

    /// With --format bulk: write into a folder that is not empty, replacing
    /// the files of an earlier bulk run (Type.ndjson, manifest.json) and
    /// removing those this run does not write; other files are kept.
    #[arg(long)]
    overwrite: bool,

    /// With --format csv: write cells exactly as extracted, without the
    /// leading ' that keeps a spreadsheet from running a cell starting with
    /// = + - @ (or a tab or CR) as a formula.
    #[arg(long)]
    csv_raw: bool,

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

    /// Also write every rejected record to FILE: one JSON line each with its
    /// position (file:line), note id and reason.
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,

    /// Print a one-line summary on stderr at the end: records in, converted
    /// and rejected, mentions by kind, seconds and MB/s.
    #[arg(long)]
    stats: bool,

    /// No progress bar (it is shown only when stderr is a terminal anyway).
    #[arg(long)]
    no_progress: bool,

    /// The largest note accepted, in bytes of UTF-8 text; a larger one is
    /// rejected while it is read, from any input (decompressed bytes count),
    /// and a JSONL line is not held beyond six times this.
    #[arg(long, value_name = "BYTES", default_value_t = note2fhir::input::DEFAULT_MAX_NOTE_BYTES)]
    max_note_bytes: usize,

    /// CSV input: the column holding the note id.
    #[arg(long, value_name = "NAME", default_value = "id")]
    id_col: String,

    /// CSV input: the column holding the note text.
    #[arg(long, value_name = "NAME", default_value = "text")]
    text_col: String,

    /// CSV input: the column holding the note date, if any.
    #[arg(long, value_name = "NAME")]
    date_col: Option<String>,

    /// CSV input: the column holding the patient id, if any.
    #[arg(long, value_name = "NAME")]
    patient_col: Option<String>,

    /// Worker threads (default: one per core). Output is identical whatever
    /// the number.
    #[arg(short = 'j', long = "threads", value_name = "N")]
    threads: Option<usize>,

    /// What to do with a bad record: report it on stderr and go on (exit 2
    /// at the end), write an OperationOutcome line in its place and go on
    /// (exit 0), or stop at the first (exit 2).
    #[arg(long, value_enum, default_value_t = OnErrorArg::Report)]
    on_error: OnErrorArg,

    /// Stop the run after N rejected records, whatever --on-error says: the
    /// output so far is kept as --on-error fail keeps it, and the exit code
    /// is 3.
    #[arg(long, value_name = "N")]
    max_errors: Option<u64>,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// One FHIR R4 Bundle per note, one JSON line each.
    Bundle,
    /// One note2fhir.mentions/1 object per note, one JSON line each.
    Mentions,
    /// The FHIR Bulk Data layout in the folder -o DIR: one NDJSON file per
    /// resource type with Type/id references, and manifest.json.
    Bulk,
    /// One CSV row per mention, with a header.
    Csv,
    /// One self-contained HTML page (-o FILE) showing each note with its
    /// findings highlighted and its FHIR beside it, for teaching. It holds
    /// every note in memory: meant for demo-sized batches.
    Html,
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
    errors: Option<PathBuf>,
    stats: bool,
    show_progress: bool,
    csv_columns: note2fhir::input::CsvColumns,
    max_note_bytes: usize,
    max_errors: Option<u64>,
    overwrite: bool,
}

impl ExtractArgs {
    fn into_config(self) -> anyhow::Result<ExtractConfig> {
        self.check_outputs()?;
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
        if self.max_errors == Some(0) {
            bail!("--max-errors must be at least 1");
        }
        Ok(ExtractConfig {
            inputs,
            format: match (self.explain, self.format) {
                (true, _) => Format::Explain,
                (false, FormatArg::Bundle) => Format::Bundle,
                (false, FormatArg::Mentions) => Format::Mentions,
                (false, FormatArg::Bulk) => Format::Bulk,
                (false, FormatArg::Csv) if self.csv_raw => Format::CsvRaw,
                (false, FormatArg::Csv) => Format::Csv,
                (false, FormatArg::Html) => Format::Both,
            },
            errors: self.errors,
            max_note_bytes: self.max_note_bytes,
            max_errors: self.max_errors,
            overwrite: self.overwrite,
            stats: self.stats,
            show_progress: !self.no_progress,
            csv_columns: note2fhir::input::CsvColumns {
                id: self.id_col,
                text: self.text_col,
                date: self.date_col,
                patient: self.patient_col,
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

impl ExtractArgs {
    /// Refuse output options that cannot work together: one file for two
    /// outputs, OperationOutcome JSON lines in CSV, CSV options without CSV.
    fn check_outputs(&self) -> anyhow::Result<()> {
        let csv = matches!(self.format, FormatArg::Csv) && !self.explain;
        if csv && matches!(self.on_error, OnErrorArg::Outcome) {
            bail!(
                "--on-error outcome writes OperationOutcome JSON lines, which have no place in CSV: \
                 use --on-error report (the default) with --errors FILE to keep the rejected records"
            );
        }
        if self.csv_raw && !csv {
            bail!("--csv-raw is for --format csv");
        }
        let (Some(output), Some(errors)) = (&self.output, &self.errors) else {
            return Ok(());
        };
        if same_path(output, errors) {
            bail!(
                "-o and --errors name the same file ({}): give the errors file another name",
                errors.display()
            );
        }
        if matches!(self.format, FormatArg::Bulk) && !self.explain {
            let bulk_files = note2fhir::output::BULK_TYPES
                .iter()
                .map(|kind| format!("{kind}.ndjson"))
                .chain(["manifest.json".to_string()]);
            for name in bulk_files {
                if same_path(&output.join(&name), errors) {
                    bail!(
                        "--errors {} is a file the bulk output writes: give the errors file another name",
                        errors.display()
                    );
                }
            }
        }
        Ok(())
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
        Command::Gen(args) => generate(&args),
        Command::Eval(args) => evaluate(&args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => crate::serve::serve(&args),
    }
}

/// Start an output file (see [`AtomicFile`]: nothing lands under `path`
/// until [`commit`]).
fn create_file(path: &Path) -> anyhow::Result<AtomicFile> {
    AtomicFile::create(path).with_context(|| format!("creating {}", path.display()))
}

/// Make an output file final.
fn commit(file: AtomicFile) -> anyhow::Result<()> {
    let path = file.target().to_path_buf();
    file.commit()
        .with_context(|| format!("writing {}", path.display()))
}

/// Write a file under a temporary name, renamed when complete.
fn write_atomically(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
    let mut file = create_file(path)?;
    write(&mut file).with_context(|| format!("writing {}", path.display()))?;
    commit(file)
}

fn generate(args: &GenArgs) -> anyhow::Result<ExitCode> {
    use rayon::prelude::*;
    let generator = note2fhir::generate::Generator::new();
    // Notes are independent: make them in parallel chunks, write in order.
    let write_all = |notes: &mut dyn Write, mut gold: Option<&mut dyn Write>| -> io::Result<()> {
        let mut start = 0;
        while start < args.notes {
            let end = (start + 4096).min(args.notes);
            let made: Vec<_> = (start..end)
                .into_par_iter()
                .map(|i| generator.note(args.seed, i))
                .collect();
            for note in made {
                notes.write_all(note.to_jsonl().as_bytes())?;
                notes.write_all(b"\n")?;
                if let Some(gold) = gold.as_deref_mut() {
                    gold.write_all(note.gold_jsonl().as_bytes())?;
                    gold.write_all(b"\n")?;
                }
            }
            start = end;
        }
        notes.flush()
    };
    if let (Some(output), Some(gold)) = (&args.output, &args.gold) {
        if same_path(output, gold) {
            bail!("-o and --gold name the same file ({})", gold.display());
        }
    }
    let mut gold_out = args.gold.as_deref().map(create_file).transpose()?;
    let gold_writer = gold_out.as_mut().map(|w| w as &mut dyn Write);
    match &args.output {
        Some(path) => write_atomically(path, |w| write_all(w, gold_writer))?,
        None => write_all(&mut BufWriter::new(io::stdout().lock()), gold_writer)?,
    }
    if let Some(gold) = gold_out {
        commit(gold)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn evaluate(args: &EvalArgs) -> anyhow::Result<ExitCode> {
    let open = |p: &PathBuf| -> anyhow::Result<io::BufReader<fs::File>> {
        Ok(io::BufReader::new(
            fs::File::open(p).with_context(|| format!("opening {}", p.display()))?,
        ))
    };
    let scores = note2fhir::eval::evaluate(open(&args.gold)?, open(&args.pred)?)?;
    let mut out = io::stdout().lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&scores.to_json())?)?;
    } else {
        write!(out, "{}", scores.to_table())?;
    }
    Ok(ExitCode::SUCCESS)
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
    let records = Records::new(config.inputs)
        .with_csv_columns(config.csv_columns.clone())
        .with_max_note_bytes(config.max_note_bytes);
    // A bulk folder is checked before anything is written into it.
    let bulk = match (&config.output, config.format) {
        (Some(dir), Format::Bulk) => Some(
            BulkOutput::new(
                dir,
                config.pipeline.recorded().map(str::to_string),
                config.overwrite,
            )
            .with_context(|| format!("writing {}", dir.display()))?,
        ),
        _ => None,
    };
    let stderr = io::stderr();
    let mut errors = match &config.errors {
        Some(path) => Some(ErrorsFile::create(path)?),
        None => None,
    };
    let mut errors_failed = None;
    let mut messages = Messages::default();
    let report = |err: &note2fhir::RecordError| {
        messages.report(err);
        if let Some(file) = errors.as_mut() {
            if let Err(e) = file.write(err) {
                errors_failed.get_or_insert(e);
            }
        }
    };
    let progress = Progress::new(config.show_progress);
    let started = std::time::Instant::now();
    let tick = |s: &batch::Summary| progress.update(s, started.elapsed());
    let batch = batch::Batch {
        pipeline: &config.pipeline,
        format: config.format,
        on_error: config.on_error,
        pool: Some(&pool),
        max_errors: config.max_errors,
    };
    let run = |out: &mut dyn Output, report: &mut dyn FnMut(&note2fhir::RecordError)| {
        batch.run(records, out, report, tick)
    };

    let header = matches!(config.format, Format::Csv | Format::CsvRaw).then(note2fhir::output::csv_header);
    let html = config.format == Format::Both;
    let mut report = report;
    let summary = match (&config.output, bulk) {
        (Some(dir), Some(mut out)) => {
            let summary = run(&mut out, &mut report).with_context(|| format!("writing {}", dir.display()))?;
            if !summary.stopped {
                out.finish()
                    .with_context(|| format!("writing {}", dir.display()))?;
            }
            summary
        }
        // Without a folder, the resources go to standard output one per
        // line with Type/id references (for pipes: Spark splits them by type).
        (output, _) if html => {
            let mut out = LineOutput::new(Vec::new(), None);
            let summary = run(&mut out, &mut report)?;
            let lines = out.into_inner();
            let page = report_page(&lines)?;
            match output {
                Some(path) => write_atomically(path, |w| w.write_all(page.as_bytes()))?,
                None => io::stdout()
                    .lock()
                    .write_all(page.as_bytes())
                    .context("writing standard output")?,
            }
            summary
        }
        (None, _) => {
            let mut out = LineOutput::new(BufWriter::with_capacity(1 << 20, io::stdout()), header);
            let summary = run(&mut out, &mut report)?;
            out.finish().context("writing standard output")?;
            summary
        }
        (Some(path), None) => {
            let mut out = LineOutput::new(create_file(path)?, header);
            let summary =
                run(&mut out, &mut report).with_context(|| format!("writing {}", path.display()))?;
            out.finish()
                .with_context(|| format!("writing {}", path.display()))?;
            if summary.stopped {
                // Dropping the file removes it: nothing changes under PATH.
                let _ = writeln!(
                    stderr.lock(),
                    "note2fhir: stopped at a rejected record; {} was not written",
                    path.display()
                );
            } else {
                commit(out.into_inner())?;
            }
            summary
        }
    };
    progress.finish();
    messages.finish();
    if let Some(file) = errors {
        file.finish()?;
    }
    if let Some(e) = errors_failed {
        return Err(e).context("writing the errors file");
    }
    let seconds = started.elapsed().as_secs_f64();
    if config.stats || summary.rejected > 0 {
        let _ = writeln!(stderr.lock(), "note2fhir: {}", summary_line(&summary, seconds));
    }
    if summary.max_errors_reached {
        return Ok(ExitCode::from(EXIT_STOPPED));
    }
    if summary.rejected > 0 && config.on_error != OnError::Outcome {
        return Ok(ExitCode::from(EXIT_REJECTED));
    }
    Ok(ExitCode::SUCCESS)
}

/// The HTML report from `Format::Both` lines.
fn report_page(lines: &[u8]) -> anyhow::Result<String> {
    let parsed: Vec<serde_json::Value> = lines
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(serde_json::from_slice)
        .collect::<Result<_, _>>()
        .context("reading the rendered notes")?;
    let notes: Vec<note2fhir::report::ReportNote<'_>> = parsed
        .iter()
        .filter(|v| v.get("resourceType").is_none())
        .map(|v| note2fhir::report::ReportNote {
            id: v["note_id"].as_str().unwrap_or(""),
            text: v["text"].as_str().unwrap_or(""),
            mentions: &v["mentions"],
            bundle: &v["bundle"],
        })
        .collect();
    Ok(note2fhir::report::render_report(
        "note2fhir: ward notes to FHIR R4",
        &notes,
    ))
}

/// "N records: C converted, R rejected; mentions …; S s, X MB/s", and
/// "; stopped early …" when `--max-errors` ended the run.
fn summary_line(s: &batch::Summary, seconds: f64) -> String {
    let [problems, medications, allergies, dates] = s.mentions;
    let mb = s.bytes as f64 / 1e6;
    format!(
        "{} records: {} converted, {} rejected; mentions: {problems} problems, {medications} medications, \
         {allergies} allergies, {dates} dates; {seconds:.2} s, {:.1} MB/s, {:.0} notes/s{}",
        s.records,
        s.converted,
        s.rejected,
        if seconds > 0.0 { mb / seconds } else { 0.0 },
        if seconds > 0.0 {
            s.records as f64 / seconds
        } else {
            0.0
        },
        if s.max_errors_reached {
            "; stopped early at --max-errors, the rest of the input unread"
        } else {
            ""
        },
    )
}

/// Rejection messages on stderr: the first [`Messages::SHOWN`] of each kind
/// of error are printed, the rest counted and summed up at the end (the
/// errors file keeps every one).
#[derive(Default)]
struct Messages {
    counts: Vec<(&'static str, u64)>,
}

impl Messages {
    const SHOWN: u64 = 100;

    fn report(&mut self, err: &note2fhir::RecordError) {
        let name = err.kind.name();
        let count = match self.counts.iter_mut().find(|(n, _)| *n == name) {
            Some((_, count)) => count,
            None => {
                self.counts.push((name, 0));
                &mut self.counts.last_mut().expect("just pushed").1
            }
        };
        *count += 1;
        let mut stderr = io::stderr().lock();
        if *count <= Self::SHOWN {
            let _ = writeln!(stderr, "note2fhir: {err}");
        } else if *count == Self::SHOWN + 1 {
            let _ = writeln!(
                stderr,
                "note2fhir: more than {} '{name}' errors: the rest are counted, not shown",
                Self::SHOWN
            );
        }
    }

    fn finish(&self) {
        for &(name, count) in &self.counts {
            if count > Self::SHOWN {
                let _ = writeln!(
                    io::stderr().lock(),
                    "note2fhir: … {} more '{name}' errors suppressed (--errors FILE keeps them all)",
                    count - Self::SHOWN
                );
            }
        }
    }
}

/// The errors file (`--errors FILE`): one JSON line per rejected record,
/// written under a temporary name and renamed when complete.
struct ErrorsFile {
    out: AtomicFile,
}

impl ErrorsFile {
    fn create(path: &Path) -> anyhow::Result<ErrorsFile> {
        Ok(ErrorsFile {
            out: create_file(path)?,
        })
    }

    fn write(&mut self, err: &note2fhir::RecordError) -> io::Result<()> {
        let line = serde_json::json!({
            "source": err.origin.source,
            "line": err.origin.line,
            "position": err.origin.to_string(),
            "id": err.note_id,
            "code": err.kind.issue_code(),
            "reason": err.reason(),
        });
        serde_json::to_writer(&mut self.out, &line)?;
        self.out.write_all(b"\n")
    }

    fn finish(self) -> anyhow::Result<()> {
        commit(self.out)
    }
}

/// A progress bar on stderr when it is a terminal; silent otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = (enabled && io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar
        });
        Progress { bar }
    }

    fn update(&self, s: &batch::Summary, elapsed: std::time::Duration) {
        if let Some(bar) = &self.bar {
            let secs = elapsed.as_secs_f64().max(1e-9);
            bar.set_message(format!(
                "{} notes ({} rejected), {:.0} notes/s, {:.1} MB/s",
                s.records,
                s.rejected,
                s.records as f64 / secs,
                s.bytes as f64 / 1e6 / secs
            ));
            bar.tick();
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
