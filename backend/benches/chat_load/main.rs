//! `make bench`: chat turns/s, latency and memory of the release binaries,
//! then the MCP sidecar's tool-call latency over stdio and streamable HTTP.
//! Figures only: a benchmark reports, it does not pass or fail.
//!
//! Settings (environment): BENCH_LEVELS (default "1,4,16,32"), BENCH_TURNS
//! (turns per level, default 1000), BENCH_MCP_CALLS (calls per tool, default
//! 500), BENCH_BIN_DIR (default: the release binaries cargo built),
//! BENCH_DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL server where a
//! database is created for the run; SQLite otherwise, or when
//! BENCH_DATABASE_URL=sqlite).

mod chat;
mod db;
mod procs;
mod sidecar;
mod stats;
mod tokens;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use chat::ChatTarget;
use db::BenchDb;
use procs::Proc;
use sidecar::SidecarSetup;
use stats::{Memory, Summary, child_named, cpu_time, ms};

const AUDIENCE: &str = "todo-api";

struct Settings {
    levels: Vec<usize>,
    turns: usize,
    mcp_calls: usize,
    bin_dir: PathBuf,
}

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
        Ok(Self {
            levels,
            turns: count("BENCH_TURNS", "1000")?,
            mcp_calls: count("BENCH_MCP_CALLS", "500")?,
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
    chat_section(settings, backend, sidecar, db, secret, logs).await?;
    sidecar_section(settings, sidecar, db, secret, logs).await
}

async fn chat_section(
    settings: &Settings,
    backend: &Path,
    sidecar: &Path,
    db: &BenchDb,
    secret: &str,
    logs: &Path,
) -> anyhow::Result<()> {
    let env = [
        ("HOST", "127.0.0.1".to_string()),
        ("DATABASE_URL", db.url.clone()),
        ("BETTER_AUTH_SECRET", secret.to_string()),
        ("AUTH_AUDIENCE", AUDIENCE.to_string()),
        ("LLM_PROVIDER", "offline".to_string()),
        ("MCP_COMMAND", sidecar.display().to_string()),
    ];
    let server = Proc::start(
        "todo-backend",
        backend,
        |_| Vec::new(),
        &env,
        &logs.join("todo-backend.log"),
        "/readyz",
    )
    .await?;
    let target = Arc::new(ChatTarget {
        base_url: format!("http://127.0.0.1:{}", server.port),
        secret: secret.to_string(),
        audience: AUDIENCE.to_string(),
    });

    println!();
    println!(
        "Chat endpoint (offline agent, stdio sidecar, {}): {} turns per level",
        db.kind, settings.turns
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
        println!(
            "      CPU per turn: backend {}, todo-mcp {}",
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
