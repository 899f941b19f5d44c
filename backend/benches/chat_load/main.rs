//! `make bench`: chat turns/s, latency, memory and (on PostgreSQL)
//! statements per turn of the release binaries, with the offline agent and
//! with the OpenAI agent against a scripted model server that answers at
//! once; the time from the model's first token to ChatKit's first delta;
//! then the MCP sidecar's tool-call latency over stdio and streamable HTTP.
//! Figures only: a benchmark reports, it does not pass or fail.
//!
//! Settings (environment): BENCH_MODES (default
//! "offline,scripted,first-delta,sidecar"), BENCH_LEVELS (default
//! "1,4,16,32"), BENCH_TURNS (turns per level, default 1000),
//! BENCH_TOKEN_DELAY_MS (per reply token in first-delta mode, default 20),
//! BENCH_DELTA_USERS (default 8), BENCH_DELTA_TURNS (default 200),
//! BENCH_MCP_CALLS (calls per tool, default 500), BENCH_BIN_DIR (default: the
//! release binaries cargo built), BENCH_DATABASE_URL or TEST_DATABASE_URL (a
//! PostgreSQL server where a database is created for the run; SQLite
//! otherwise, or when BENCH_DATABASE_URL=sqlite).

mod chat;
mod db;
mod live;
mod model;
mod procs;
mod sidecar;
mod stats;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chat::{ChatTarget, Workload};
use db::BenchDb;
use model::BenchModel;
use procs::Proc;
use sidecar::SidecarSetup;
use stats::{Memory, Summary, child_named, cpu_time, ms};

const AUDIENCE: &str = "todo-api";

struct Settings {
    modes: Vec<String>,
    levels: Vec<usize>,
    turns: usize,
    mcp_calls: usize,
    token_delay: Duration,
    delta_users: usize,
    delta_turns: usize,
    bin_dir: PathBuf,
}

const MODES: [&str; 4] = ["offline", "scripted", "first-delta", "sidecar"];

impl Settings {
    fn from_env() -> anyhow::Result<Self> {
        let levels = env_or("BENCH_LEVELS", "1,4,16,32")
            .split(',')
            .map(|s| s.trim().parse::<usize>().ok().filter(|n| *n > 0))
            .collect::<Option<Vec<_>>>()
            .context("BENCH_LEVELS must be positive integers separated by commas, e.g. 1,4,16")?;
        let count = |key: &str, default: &str| {
            env_or(key, default)
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .with_context(|| format!("{key} must be a positive integer"))
        };
        let bin_dir = match std::env::var_os("BENCH_BIN_DIR") {
            Some(dir) => PathBuf::from(dir),
            None => Path::new(env!("CARGO_BIN_EXE_todo-backend"))
                .parent()
                .context("no folder for the release binaries")?
                .to_path_buf(),
        };
        let modes: Vec<String> = env_or("BENCH_MODES", &MODES.join(","))
            .split(',')
            .map(|m| m.trim().to_string())
            .collect();
        if let Some(unknown) = modes.iter().find(|m| !MODES.contains(&m.as_str())) {
            anyhow::bail!(
                "unknown mode {unknown:?} in BENCH_MODES; known: {}",
                MODES.join(",")
            );
        }
        let token_delay_ms = env_or("BENCH_TOKEN_DELAY_MS", "20")
            .trim()
            .parse::<u64>()
            .context("BENCH_TOKEN_DELAY_MS must be a whole number of milliseconds")?;
        Ok(Self {
            modes,
            levels,
            turns: count("BENCH_TURNS", "1000")?,
            mcp_calls: count("BENCH_MCP_CALLS", "500")?,
            token_delay: Duration::from_millis(token_delay_ms),
            delta_users: count("BENCH_DELTA_USERS", "8")?,
            delta_turns: count("BENCH_DELTA_TURNS", "200")?,
            bin_dir,
        })
    }
}

fn env_or(key: &str, default: &str) -> String {
    std::env::var(key)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

/// A throwaway shared secret for this run's tokens, from the kernel's RNG.
fn random_secret() -> anyhow::Result<String> {
    use std::io::Read;
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .context("cannot read /dev/urandom")?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn main() -> std::process::ExitCode {
    // `cargo bench` passes `--bench`; there are no other arguments.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench failed: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> anyhow::Result<()> {
    let settings = Settings::from_env()?;
    let backend = settings.bin_dir.join("todo-backend");
    let sidecar = settings.bin_dir.join("todo-mcp");
    for bin in [&backend, &sidecar] {
        anyhow::ensure!(
            bin.is_file(),
            "{} is missing; run cargo build --release --bins",
            bin.display()
        );
    }
    let logs = tempfile::Builder::new().prefix("todo-bench-").tempdir()?;
    let db = BenchDb::create(&backend).await?;
    let secret = random_secret()?;
    let outcome = measure(&settings, &backend, &sidecar, &db, &secret, logs.path()).await;
    db.drop_database().await;
    if outcome.is_err() {
        // Keep the logs for the post-mortem.
        let kept = logs.keep();
        eprintln!("process logs kept in {}", kept.display());
    }
    outcome
}

async fn measure(
    settings: &Settings,
    backend: &Path,
    sidecar: &Path,
    db: &BenchDb,
    secret: &str,
    logs: &Path,
) -> anyhow::Result<()> {
    println!(
        "machine: {} CPUs, database: {}, binaries: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        db.kind,
        settings.bin_dir.display()
    );
    let runs = |mode: &str| settings.modes.iter().any(|m| m == mode);
    let bench = Bench {
        settings,
        sidecar,
        backend,
        db,
        secret,
        logs,
    };
    if runs("offline") {
        chat_section(&bench, None).await?;
    }
    if runs("scripted") {
        let model = BenchModel::start(Duration::ZERO).await?;
        chat_section(&bench, Some(&model)).await?;
    }
    if runs("first-delta") {
        first_delta_section(&bench).await?;
    }
    if runs("sidecar") {
        sidecar_section(settings, sidecar, db, secret, logs).await?;
    }
    Ok(())
}

struct Bench<'a> {
    settings: &'a Settings,
    backend: &'a Path,
    sidecar: &'a Path,
    db: &'a BenchDb,
    secret: &'a str,
    logs: &'a Path,
}

impl Bench<'_> {
    /// The backend with the offline agent, or with the OpenAI agent against
    /// `model` (streaming, as by default).
    async fn start_backend(&self, model: Option<&BenchModel>) -> anyhow::Result<Proc> {
        let provider = if model.is_some() { "openai" } else { "offline" };
        let mut env = vec![
            ("HOST", "127.0.0.1".to_string()),
            ("DATABASE_URL", self.db.url.clone()),
            ("BETTER_AUTH_SECRET", self.secret.to_string()),
            ("AUTH_AUDIENCE", AUDIENCE.to_string()),
            ("LLM_PROVIDER", provider.to_string()),
            ("MCP_COMMAND", self.sidecar.display().to_string()),
        ];
        if let Some(model) = model {
            env.push(("OPENAI_BASE_URL", model.base_url()));
            env.push(("OPENAI_MODEL", "bench".to_string()));
        }
        Proc::start(
            "todo-backend",
            self.backend,
            |_| Vec::new(),
            &env,
            &self.logs.join(format!("todo-backend-{provider}.log")),
            "/readyz",
        )
        .await
    }
}

/// Per ChatKit turn: from the model's first reply token to the client's
/// first `text_delta` event, with the model writing one word per delay.
async fn first_delta_section(bench: &Bench<'_>) -> anyhow::Result<()> {
    let settings = bench.settings;
    let model = Arc::new(BenchModel::start(settings.token_delay).await?);
    let server = bench.start_backend(Some(&model)).await?;
    let target = Arc::new(ChatTarget {
        base_url: format!("http://127.0.0.1:{}", server.port),
        secret: bench.secret.to_string(),
        audience: AUDIENCE.to_string(),
        workload: Workload::Adds,
    });
    let result = live::run(
        target,
        model.clone(),
        settings.delta_users,
        settings.delta_turns,
    )
    .await;
    println!();
    println!(
        "ChatKit first delta (OpenAI agent, scripted model writing a word every {} ms, {}): \
         {} users, {} turns",
        settings.token_delay.as_millis(),
        bench.db.kind,
        settings.delta_users,
        settings.delta_turns
    );
    match Summary::of(result.lags) {
        Some(s) => println!(
            "  model's first token -> client's first text_delta: p50 {} ms, p95 {} ms, \
             p99 {} ms, max {} ms; errors {}",
            ms(s.p50),
            ms(s.p95),
            ms(s.p99),
            ms(s.max),
            result.errors
        ),
        None => println!("  no turn succeeded; errors {}", result.errors),
    }
    for sample in result.samples.iter().take(3) {
        println!("  error: {sample}");
    }
    drop(server);
    Ok(())
}

async fn chat_section(bench: &Bench<'_>, model: Option<&BenchModel>) -> anyhow::Result<()> {
    let settings = bench.settings;
    let db = bench.db;
    let server = bench.start_backend(model).await?;
    let target = Arc::new(ChatTarget {
        base_url: format!("http://127.0.0.1:{}", server.port),
        secret: bench.secret.to_string(),
        audience: AUDIENCE.to_string(),
        workload: if model.is_some() {
            Workload::Adds
        } else {
            Workload::Cycle
        },
    });

    println!();
    println!(
        "Chat endpoint ({}, stdio sidecar, {}): {} turns per level",
        if model.is_some() {
            "OpenAI agent, scripted model answering at once, streamed; every turn an add"
        } else {
            "offline agent"
        },
        db.kind,
        settings.turns
    );
    println!(
        "{:>5} {:>8} {:>8} {:>8} {:>8} {:>8} {:>7} | {:>21} {:>21}",
        "users",
        "turns/s",
        "p50 ms",
        "p90 ms",
        "p99 ms",
        "max ms",
        "errors",
        "backend MiB peak/now",
        "todo-mcp MiB peak/now"
    );
    let memory = |label: &str| {
        let mcp = child_named(server.pid(), "todo-mcp").and_then(Memory::of);
        println!(
            "{label:>5}{:53} | {:>21} {:>21}",
            "",
            Memory::show(Memory::of(server.pid())),
            Memory::show(mcp)
        );
    };
    memory("idle");
    let mut samples = Vec::new();
    let cpu = || {
        let mcp = child_named(server.pid(), "todo-mcp").and_then(cpu_time);
        (cpu_time(server.pid()), mcp)
    };
    for &users in &settings.levels {
        let statements_before = db.statements().await;
        let before = cpu();
        let result = chat::run_level(target.clone(), users, users, settings.turns).await;
        let after = cpu();
        let done = result.latencies.len();
        let rate = done as f64 / result.elapsed.as_secs_f64();
        let mcp = child_named(server.pid(), "todo-mcp").and_then(Memory::of);
        let row = Summary::of(result.latencies);
        let cell = |f: fn(&Summary) -> Duration| row.as_ref().map_or("-".into(), |s| ms(f(s)));
        println!(
            "{users:>5} {rate:>8.1} {:>8} {:>8} {:>8} {:>8} {:>7} | {:>21} {:>21}",
            cell(|s| s.p50),
            cell(|s| s.p90),
            cell(|s| s.p99),
            cell(|s| s.max),
            result.errors,
            Memory::show(Memory::of(server.pid())),
            Memory::show(mcp)
        );
        // CPU per turn of each process over the level (10 ms resolution,
        // so meaningful over hundreds of turns).
        let per_turn = |b: Option<Duration>, a: Option<Duration>| match (b, a) {
            (Some(b), Some(a)) if done > 0 => {
                format!("{:.3} ms", (a - b).as_secs_f64() * 1e3 / done as f64)
            }
            _ => "-".into(),
        };
        // Everything both processes ran in the bench database over the level.
        let statements = match (statements_before, db.statements().await) {
            (Some(Ok(b)), Some(Ok(a))) if done > 0 => {
                format!(", statements per turn {:.2}", (a - b) as f64 / done as f64)
            }
            (Some(Err(e)), _) | (_, Some(Err(e))) => format!(", statements per turn: - ({e:#})"),
            _ => String::new(),
        };
        println!(
            "      CPU per turn: backend {}, todo-mcp {}{statements}",
            per_turn(before.0, after.0),
            per_turn(before.1, after.1)
        );
        samples.extend(result.samples);
    }
    for sample in samples.iter().take(5) {
        println!("  error: {sample}");
    }
    drop(server);
    Ok(())
}

async fn sidecar_section(
    settings: &Settings,
    sidecar: &Path,
    db: &BenchDb,
    secret: &str,
    logs: &Path,
) -> anyhow::Result<()> {
    let setup = SidecarSetup {
        command: sidecar,
        database_url: &db.url,
        secret,
        audience: AUDIENCE,
        log_dir: logs,
        calls: settings.mcp_calls,
    };
    let results = [setup.stdio().await?, setup.http().await?];
    println!();
    println!(
        "MCP sidecar alone ({}): {} sequential calls per tool; list_tasks returns 20 tasks",
        db.kind, settings.mcp_calls
    );
    println!(
        "{:<16} {:<11} {:>8} {:>8} {:>8} {:>7} | {:>21} {:>21}",
        "transport",
        "tool",
        "p50 ms",
        "p99 ms",
        "max ms",
        "errors",
        "idle MiB peak/now",
        "after MiB peak/now"
    );
    for r in &results {
        for (i, (tool, summary)) in [("add_task", &r.add), ("list_tasks", &r.list)]
            .iter()
            .enumerate()
        {
            let cell =
                |f: fn(&Summary) -> Duration| summary.as_ref().map_or("-".into(), |s| ms(f(s)));
            let (errors, idle, after) = if i == 0 {
                (
                    r.errors.to_string(),
                    Memory::show(r.idle),
                    Memory::show(r.after),
                )
            } else {
                (String::new(), String::new(), String::new())
            };
            let line = format!(
                "{:<16} {:<11} {:>8} {:>8} {:>8} {:>7} | {:>21} {:>21}",
                if i == 0 { r.transport } else { "" },
                tool,
                cell(|s| s.p50),
                cell(|s| s.p99),
                cell(|s| s.max),
                errors,
                idle,
                after
            );
            println!("{}", line.trim_end());
        }
    }
    Ok(())
}
