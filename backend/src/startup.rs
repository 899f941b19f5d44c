//! Builds the application from settings: database, token verifier, MCP
//! client, agent and the HTTP server (zero2prod's `Application`).

use std::net::TcpListener;

use actix_web::dev::Server;
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

impl Application {
    /// Opens the database, binds `HOST:PORT` (port 0 picks a free one).
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = Database::open(&settings).await.with_context(|| {
            format!(
                "cannot open the database ({})",
                settings.redacted_database_url()
            )
        })?;
        let verifier = JwtVerifier::from_settings(&settings)?;
        let listener = TcpListener::bind((settings.host.as_str(), settings.port))
            .with_context(|| format!("cannot listen on {}:{}", settings.host, settings.port))?;
        let port = listener.local_addr()?.port();
        todo_core::telemetry::metrics_handle();
        // Present from the start, so a scrape shows 0 rather than nothing.
        metrics::counter!("todo_mcp_reconnects_total").increment(0);
        let state = web::Data::new(AppState::new(settings, db, verifier)?);
        tracing::info!(
            port,
            agent = state.agent.name(),
            database = state.db.backend_name(),
            mcp = state.mcp.target_kind(),
            "todo-backend listening"
        );
        let app_state = state.clone();
        let server = HttpServer::new(move || {
            App::new()
                .wrap(actix_web::middleware::from_fn(telemetry::observe))
                .app_data(app_state.clone())
                .configure(routes::configure)
        })
        // Streamed events (ChatKit's deltas) leave as they are written; with
        // Nagle's algorithm a small write waits for the client's delayed ACK.
        .tcp_nodelay(true)
        .listen(listener)?
        .shutdown_timeout(10)
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until SIGTERM / Ctrl-C (actix stops gracefully), then stops the sidecar.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.state.mcp.shutdown().await;
        result
    }
}
