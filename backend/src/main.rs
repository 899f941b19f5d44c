//! `todo-backend`: serve the chat API, or `todo-backend migrate`.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use secrecy::ExposeSecret;
use todo_backend::startup::Application;
use todo_core::config::Settings;
use todo_core::db::Database;

#[derive(Parser)]
#[command(version, about = "The todo assistant's chat server")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Apply the database migrations and exit.
    Migrate,
}

#[actix_web::main]
async fn main() -> ExitCode {
    todo_core::telemetry::init("info,todo_backend=info,todo_core=info");
    match run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("todo-backend failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    if let Some(Command::Migrate) = cli.command {
        let db = Database::connect(settings.database_url.expose_secret(), 1).await?;
        db.run_migrations().await?;
        tracing::info!(database = db.backend_name(), "migrations applied");
        return Ok(());
    }
    Application::build(settings)
        .await?
        .run_until_stopped()
        .await?;
    Ok(())
}
