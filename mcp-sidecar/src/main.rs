//! `todo-mcp`: stdio by default, `--http ADDR` for streamable HTTP,
//! `migrate` to apply migrations, `healthcheck` for container probes.
//!
//! `TODO_MCP_DEMO_FAULT` breaks the HTTP server on purpose for the failure
//! demo (docs/demo.md): `crash` panics once started, `hang` holds the port
//! and never answers. Unset (the default) changes nothing.

use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rmcp::ServiceExt;
use todo_core::auth::JwtVerifier;
use todo_core::config::Settings;
use todo_core::db::Database;
use todo_mcp::{TodoServer, http};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(version, about = "MCP server with the todo task tools")]
struct Cli {
    /// Serve streamable HTTP at /mcp on this address instead of stdio (e.g. 127.0.0.1:8090).
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the database migrations and exit.
    Migrate,
    /// Exit 0 when the HTTP server's /healthz answers (for exec probes).
    Healthcheck {
        #[arg(long, default_value = "http://127.0.0.1:8090/healthz")]
        url: String,
    },
}

fn main() -> ExitCode {
    todo_core::telemetry::init("info,todo_mcp=info");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(Cli::parse())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("todo-mcp failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    if let Some(Command::Healthcheck { url }) = &cli.command {
        return healthcheck(url).await;
    }
    let settings = Settings::load()?;
    let db = Database::open(&settings).await.with_context(|| {
        format!(
            "cannot open the database ({})",
            settings.redacted_database_url()
        )
    })?;
    if let Some(Command::Migrate) = cli.command {
        db.run_migrations().await?;
        tracing::info!("migrations applied");
        return Ok(());
    }
    let verifier = JwtVerifier::from_settings(&settings)?;
    let server = TodoServer::new(db, verifier).with_max_tasks_per_user(settings.max_tasks_per_user);
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));

    match cli.http {
        Some(addr) => match std::env::var("TODO_MCP_DEMO_FAULT").as_deref() {
            Ok("crash") => panic!("TODO_MCP_DEMO_FAULT=crash: the MCP server crashes on start"),
            Ok("hang") => {
                // Connections queue in the listener's backlog and get no answer.
                let _listener = tokio::net::TcpListener::bind(addr).await?;
                tracing::warn!(%addr, "TODO_MCP_DEMO_FAULT=hang: listening, never answering");
                shutdown.cancelled().await;
                Ok(())
            }
            _ => http::serve(server, addr, shutdown).await,
        },
        None => {
            tracing::info!("serving MCP over stdio");
            let running = server.serve(rmcp::transport::stdio()).await?;
            let cancel = running.cancellation_token();
            tokio::select! {
                result = running.waiting() => { result?; }
                () = shutdown.cancelled() => cancel.cancel(),
            }
            Ok(())
        }
    }
}

async fn cancel_on_signal(shutdown: CancellationToken) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    shutdown.cancel();
}

async fn healthcheck(url: &str) -> anyhow::Result<()> {
    let response = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(3))
        .build()?
        .get(url)
        .send()
        .await
        .with_context(|| format!("{url} unreachable"))?;
    anyhow::ensure!(
        response.status().is_success(),
        "{url} answered {}",
        response.status()
    );
    Ok(())
}
