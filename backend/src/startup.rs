//! Builds the application from settings: database, token verifier, MCP
//! client, agent and the HTTP server (zero2prod's `Application`).
//!
//! The binary calls [`Application::build`]; tests run many apps in one
//! process with [`Application::build_on`]: a listener they bound to port 0,
//! no signal handlers, and extra variables for the stdio sidecar. The only
//! process-wide state is the metrics recorder, installed once and shared.

use std::net::TcpListener;

use actix_web::dev::{Server, ServerHandle};
use actix_web::{App, HttpServer, web};
use anyhow::Context;
use todo_core::auth::JwtVerifier;
use todo_core::config::Settings;
use todo_core::db::Database;

use crate::state::AppState;
use crate::{routes, telemetry};

pub struct Application {
    port: u16,
    server: Server,
    state: web::Data<AppState>,
}

/// How an application shares its process.
#[derive(Debug, Clone)]
pub struct Hosting {
    /// Stop on SIGTERM / Ctrl-C. Off when the process hosts other things
    /// (a test binary), so Ctrl-C still ends the process.
    pub handle_signals: bool,
    /// Added to the environment of a stdio sidecar.
    pub sidecar_env: Vec<(String, String)>,
    /// HTTP worker threads; `None`: one per CPU.
    pub workers: Option<usize>,
}

impl Hosting {
    /// The binary: the process is the application.
    pub fn process() -> Self {
        Self {
            handle_signals: true,
            sidecar_env: Vec::new(),
            workers: None,
        }
    }

    /// One of many applications in a process: two workers each is plenty.
    pub fn embedded(sidecar_env: Vec<(String, String)>) -> Self {
        Self {
            handle_signals: false,
            sidecar_env,
            workers: Some(2),
        }
    }
}

impl Application {
    /// Binds `HOST:PORT` (port 0 picks a free one) and builds the application on it.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.host, settings.port))?;
        Self::build_on(settings, listener, Hosting::process()).await
    }

    /// Opens the database and serves on `listener` (its address wins over
    /// `HOST:PORT`).
    pub async fn build_on(
        settings: Settings,
        listener: TcpListener,
        hosting: Hosting,
    ) -> anyhow::Result<Self> {
        let db = Database::open(&settings).await.with_context(|| {
            format!(
                "cannot open the database ({})",
                settings.redacted_database_url()
            )
        })?;
        let verifier = JwtVerifier::from_settings(&settings)?;
        let configured_workers = settings.http_workers;
        let port = listener.local_addr()?.port();
        todo_core::telemetry::metrics_handle();
        // Present from the start, so a scrape shows 0 rather than nothing.
        metrics::counter!("todo_mcp_reconnects_total").increment(0);
        metrics::counter!("todo_tool_call_retries_total").increment(0);
        let state = web::Data::new(AppState::with_sidecar_env(
            settings,
            db,
            verifier,
            hosting.sidecar_env,
        )?);
        tracing::info!(
            port,
            agent = state.agent.name(),
            database = state.db.backend_name(),
            mcp = state.mcp.target_kind(),
            "todo-backend listening"
        );
        let app_state = state.clone();
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(telemetry::observe))
                .app_data(app_state.clone())
                .configure(routes::configure)
        })
        // Streamed events (ChatKit's deltas) leave as they are written; with
        // Nagle's algorithm a small write waits for the client's delayed ACK.
        .tcp_nodelay(true)
        .listen(listener)?
        .shutdown_timeout(10);
        if !hosting.handle_signals {
            server = server.disable_signals();
        }
        // The host's choice (an embedded server) first, then the setting.
        let workers = hosting
            .workers
            .or((configured_workers > 0).then_some(configured_workers));
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        Ok(Self {
            port,
            server: server.run(),
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server when told to (tests stop theirs on drop).
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGTERM / Ctrl-C when signals are handled;
    /// actix stops gracefully), then stops the sidecar.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.state.mcp.shutdown().await;
        result
    }
}
