//! Faults that lose nothing and duplicate nothing: concurrent "add a task"
//! turns while the sidecar is killed (SIGKILL) several times, over stdio (the
//! backend respawns it) and over streamable HTTP (restarted half a second
//! later, as a pod's kubelet would). Every task stored must belong to a turn
//! that answered success, once; every success must have stored its task.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use todo_core::db::{StatusFilter, tasks};
use todo_core::testing::db::{TasksWriteLock, TestDb};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use crate::support::app::{SIDECAR_LISTENING, TestApp, port_from_log, send_signal, sidecar_bin};
use crate::support::scripted_openai::{Reply, SCRIPTED_MODEL, ScriptedOpenAi};

const USERS: usize = 12;
const LOAD: Duration = Duration::from_secs(8);
/// When the sidecar is killed, from the start of the load.
const KILLS_AT: [Duration; 3] = [
    Duration::from_millis(1500),
    Duration::from_millis(3700),
    Duration::from_millis(5900),
];
/// How long the HTTP sidecar stays down after each kill.
const HTTP_DOWNTIME: Duration = Duration::from_millis(500);
/// The longest a turn may take: the retry window plus a respawn, with room.
const TURN_LIMIT: Duration = Duration::from_secs(20);

/// One test at a time: the figures mean something only without a
/// neighbour competing for the CPU.
static SERIAL: Mutex<()> = Mutex::const_new(());

/// What the load saw.
#[derive(Default)]
struct Tally {
    turns: usize,
    failed: usize,
    /// Tokens of the turns that answered success with a created task.
    succeeded: HashSet<String>,
    /// Failure bodies, for the report.
    failures: Vec<String>,
    /// How long each turn took.
    latencies: Vec<Duration>,
    /// From each kill of the HTTP sidecar until its successor answered.
    outages: Vec<Duration>,
}

impl Tally {
    /// (median, slowest) turn.
    fn latency(&mut self) -> (Duration, Duration) {
        self.latencies.sort();
        let n = self.latencies.len();
        (
            self.latencies.get(n / 2).copied().unwrap_or_default(),
            self.latencies.last().copied().unwrap_or_default(),
        )
    }
}

enum Mode {
    Stdio,
    Http,
}

/// A `todo-mcp --http` process the test kills and restarts on one port: the
/// first binds port 0 and logs the port it got; its successors take it over.
struct HttpSidecar {
    port: u16,
    env: Vec<(String, String)>,
    child: Option<Child>,
    _dir: tempfile::TempDir,
}

impl HttpSidecar {
    async fn start(mut env: Vec<(String, String)>) -> Self {
        env.retain(|(k, _)| k != "RUST_LOG");
        env.push(("RUST_LOG".into(), "warn,todo_mcp::http=info".into()));
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("sidecar.log");
        let mut sidecar = HttpSidecar {
            port: 0,
            env,
            child: None,
            _dir: dir,
        };
        sidecar.spawn_logging_to(Some(&log)).await;
        sidecar
    }

    fn mcp_url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    async fn spawn(&mut self) {
        self.spawn_logging_to(None).await;
    }

    async fn spawn_logging_to(&mut self, log: Option<&Path>) {
        let output = || match log {
            Some(path) => Stdio::from(std::fs::File::create(path).unwrap()),
            None => Stdio::null(),
        };
        let child = Command::new(sidecar_bin())
            .arg("--http")
            .arg(format!("127.0.0.1:{}", self.port))
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(output())
            .stderr(output())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn todo-mcp --http");
        self.child = Some(child);
        if let Some(path) = log {
            self.port = port_from_log(path, SIDECAR_LISTENING).await;
        }
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        let url = format!("http://127.0.0.1:{}/healthz", self.port);
        while !client
            .get(&url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            assert!(Instant::now() < deadline, "todo-mcp --http did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        send_signal(child.id().expect("pid"), "KILL");
        let _ = child.wait().await;
    }
}

/// One "add task <token>" turn: `Ok` when it answered success with the
/// created task, otherwise why not.
async fn turn(app: &TestApp, user: &str, token: &str) -> Result<(), String> {
    let response = app
        .client
        .post(format!("{}/api/{user}/chat", app.base))
        .bearer_auth(app.token(user))
        .json(&json!({ "message": format!("add task {token}") }))
        .send()
        .await
        .map_err(|e| format!("no response: {e}"))?;
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status != 200 {
        // Errors carry a code, a plain message and the request id.
        assert!(body["error"]["code"].is_string(), "{status}: {body}");
        assert!(body["error"]["request_id"].is_string(), "{status}: {body}");
        return Err(format!("{status} {}", body["error"]));
    }
    let result = &body["tool_calls"][0]["result"];
    let title = result["title"].as_str().unwrap_or_default().to_lowercase();
    if result["status"] == "created" && title.contains(token) {
        Ok(())
    } else {
        Err(format!("200 without the task: {body}"))
    }
}

/// Runs the load, killing the sidecar at [`KILLS_AT`]; returns the tally
/// and how many kills hit a live sidecar.
async fn load_with_kills(
    app: &Arc<TestApp>,
    mode: &Mode,
    http: Option<&mut HttpSidecar>,
) -> (Tally, usize) {
    let tally = Arc::new(std::sync::Mutex::new(Tally::default()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for u in 0..USERS {
        let (app, tally) = (app.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            let user = format!("user{u}");
            let mut n = 0;
            while started.elapsed() < LOAD {
                n += 1;
                let token = format!("tk{u}x{n}");
                let began = Instant::now();
                let outcome = turn(&app, &user, &token).await;
                let took = began.elapsed();
                assert!(took < TURN_LIMIT, "a turn took {took:?}");
                let mut t = tally.lock().unwrap();
                t.turns += 1;
                t.latencies.push(took);
                match outcome {
                    Ok(()) => {
                        t.succeeded.insert(token);
                    }
                    Err(why) => {
                        t.failed += 1;
                        t.failures.push(why);
                    }
                }
            }
        }));
    }
    let mut kills = 0;
    let mut outages = Vec::new();
    let mut http = http;
    for at in KILLS_AT {
        tokio::time::sleep_until((started + at).into()).await;
        match mode {
            Mode::Stdio => {
                if let Some(pid) = app.sidecar_pid() {
                    send_signal(pid, "KILL");
                    kills += 1;
                }
            }
            Mode::Http => {
                let sidecar = http.as_deref_mut().expect("an HTTP sidecar");
                let killed = Instant::now();
                sidecar.kill().await;
                kills += 1;
                tokio::time::sleep(HTTP_DOWNTIME).await;
                sidecar.spawn().await;
                outages.push(killed.elapsed());
            }
        }
    }
    for w in workers {
        w.await.expect("a load worker panicked");
    }
    let mut tally = Arc::try_unwrap(tally).ok().unwrap().into_inner().unwrap();
    tally.outages = outages;
    (tally, kills)
}

/// The counters of the backend's `/metrics` whose names contain `part`.
async fn metric_lines(app: &TestApp, part: &str) -> Vec<String> {
    let text = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#') && l.contains(part))
        .map(str::to_owned)
        .collect()
}

/// The real backend binary (its stdio sidecar is its child, and its
/// `/metrics` counts only its own calls).
async fn sidecar_killed_under_load(db: TestDb, mode: Mode) {
    let _serial = SERIAL.lock().await;
    let store = if db.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let secret = format!("faults-secret-{}-0123456789abcdef", std::process::id());
    let mut http = None;
    let mut env = vec![("BETTER_AUTH_SECRET".to_string(), secret.clone())];
    if let Mode::Http = mode {
        let sidecar_env = vec![
            ("DATABASE_URL".to_string(), db.url.clone()),
            ("BETTER_AUTH_SECRET".to_string(), secret.clone()),
        ];
        let sidecar = HttpSidecar::start(sidecar_env).await;
        env.push(("MCP_URL".to_string(), sidecar.mcp_url()));
        http = Some(sidecar);
    }
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let app = Arc::new(TestApp::spawn_process_with(db, &env).await);
    let first_pid = app.sidecar_pid();

    let (mut tally, kills) = load_with_kills(&app, &mode, http.as_mut()).await;
    let (median, slowest) = tally.latency();

    // What was stored, per token.
    let mut stored: HashMap<String, usize> = HashMap::new();
    for u in 0..USERS {
        for task in tasks::list(&app.db.db, &format!("user{u}"), StatusFilter::All)
            .await
            .unwrap()
        {
            let title = task.title.to_lowercase();
            let token = title
                .split_whitespace()
                .last()
                .unwrap_or_default()
                .to_owned();
            *stored.entry(token).or_default() += 1;
        }
    }
    let duplicates: usize = stored.values().map(|n| n - 1).sum();
    let unreplied: Vec<&String> = stored
        .keys()
        .filter(|t| !tally.succeeded.contains(*t))
        .collect();
    let lost: Vec<&String> = tally
        .succeeded
        .iter()
        .filter(|t| !stored.contains_key(*t))
        .collect();
    let mode_name = match mode {
        Mode::Stdio => "stdio",
        Mode::Http => "http",
    };
    println!(
        "faults {mode_name} on {store}: {} turns by {USERS} users in {LOAD:?}, {kills} SIGKILLs; \
         {} failed turns, {} changes without a successful reply, {} duplicates, {} lost; turns took {median:?} (median), {slowest:?} (slowest)",
        tally.turns,
        tally.failed,
        unreplied.len(),
        duplicates,
        lost.len(),
    );
    if !tally.outages.is_empty() {
        println!("  sidecar away after each kill: {:?}", tally.outages);
    }
    for line in metric_lines(&app, "retries").await {
        println!("  {line}");
    }
    for line in metric_lines(&app, "reconnects").await {
        println!("  {line}");
    }
    for why in tally.failures.iter().take(5) {
        println!("  failed turn: {why}");
    }

    assert_eq!(kills, KILLS_AT.len(), "every kill found a sidecar");
    // One reconnect (over stdio: one respawn) per death, however many turns
    // found it dead.
    let reconnects = metric_lines(&app, "todo_mcp_reconnects_total").await;
    assert_eq!(
        reconnects,
        [format!("todo_mcp_reconnects_total {kills}")],
        "reconnects"
    );
    if let Mode::Stdio = mode {
        let pid = app.sidecar_pid().expect("a sidecar runs after the load");
        assert_ne!(Some(pid), first_pid, "the sidecar was respawned");
        assert!(
            Path::new(&format!("/proc/{pid}")).exists(),
            "the sidecar lives"
        );
    }
    // The kills hit calls in flight: some were retried. (How many turns fit
    // in the load depends on the machine; PostgreSQL on a busy one is slow.)
    assert!(tally.turns >= USERS, "the load ran: {} turns", tally.turns);
    let retries = metric_lines(&app, "todo_tool_call_retries_total").await;
    let retried: u64 = retries
        .first()
        .and_then(|l| l.split_whitespace().last()?.parse().ok())
        .unwrap_or(0);
    assert!(retried > 0, "no call was retried: {retries:?}");
    assert_eq!(duplicates, 0, "tasks stored twice");
    assert!(
        unreplied.is_empty(),
        "changes whose turn did not succeed: {unreplied:?}"
    );
    assert!(
        lost.is_empty(),
        "successful turns with no stored task: {lost:?}"
    );
    assert_eq!(
        tally.failed, 0,
        "turns failed although the sidecar was back within the retry window: {:?}",
        tally.failures
    );
}

async fn stdio_sidecar_killed_under_load(db: TestDb) {
    sidecar_killed_under_load(db, Mode::Stdio).await;
}

async fn http_sidecar_killed_under_load(db: TestDb) {
    sidecar_killed_under_load(db, Mode::Http).await;
}

/// The backend binary reaching its own `todo-mcp --http` (which the test
/// kills), with a short retry window and `extra` settings.
async fn over_an_http_sidecar(db: TestDb, extra: &[(&str, &str)]) -> (Arc<TestApp>, HttpSidecar) {
    let secret = format!("faults-secret-{}-0123456789abcdef", std::process::id());
    let sidecar = HttpSidecar::start(vec![
        ("DATABASE_URL".to_string(), db.url.clone()),
        ("BETTER_AUTH_SECRET".to_string(), secret.clone()),
    ])
    .await;
    let mcp_url = sidecar.mcp_url();
    let mut env = vec![
        ("BETTER_AUTH_SECRET", secret.as_str()),
        ("MCP_URL", mcp_url.as_str()),
        ("TOOL_RETRY_WINDOW_MS", "300"),
    ];
    env.extend_from_slice(extra);
    let app = TestApp::spawn_process_with(db, &env).await;
    (Arc::new(app), sidecar)
}

/// A turn whose second tool call finds the sidecar gone for good answers
/// 503, and the message names what its first call already changed.
async fn a_turn_cut_short_says_what_it_changed(db: TestDb) {
    let _serial = SERIAL.lock().await;
    // The model asks for one task, then (while the test kills the sidecar)
    // for another.
    let model = ScriptedOpenAi::start(vec![
        Reply::tool_call("add_task", json!({"title": "Eggs"})),
        Reply::tool_call("add_task", json!({"title": "Bread"})).after(Duration::from_millis(1500)),
        Reply::text("Both added."),
    ])
    .await;
    let base_url = model.base_url();
    let (app, mut sidecar) = over_an_http_sidecar(
        db,
        &[
            ("LLM_PROVIDER", "openai"),
            ("OPENAI_BASE_URL", &base_url),
            ("OPENAI_MODEL", SCRIPTED_MODEL),
        ],
    )
    .await;

    let turn = tokio::spawn({
        let app = app.clone();
        async move {
            app.chat("dana", json!({"message": "add eggs and bread"}))
                .await
        }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    let eggs = loop {
        let stored = tasks::list(&app.db.db, "dana", StatusFilter::All)
            .await
            .unwrap();
        if let Some(task) = stored.first() {
            break task.clone();
        }
        assert!(Instant::now() < deadline, "the first call never landed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    sidecar.kill().await;

    let (status, body) = turn.await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert!(body["error"]["request_id"].is_string(), "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("already created task {} \"Eggs\"", eggs.id))
            && message.contains("the rest was not done"),
        "{message}"
    );
    assert!(
        !message.contains("127.0.0.1"),
        "no internal address: {message}"
    );
    let stored = tasks::list(&app.db.db, "dana", StatusFilter::All)
        .await
        .unwrap();
    assert_eq!(stored, vec![eggs], "only the first call's change");
}

/// A call cut off in the middle of its change, with no sidecar to retry on,
/// is reported as a step that may or may not have been done.
async fn a_call_cut_off_mid_way_is_reported_in_doubt(db: TestDb) {
    let _serial = SERIAL.lock().await;
    let (app, mut sidecar) = over_an_http_sidecar(db, &[]).await;

    // The sidecar's insert waits behind this lock until the sidecar is gone.
    let lock = TasksWriteLock::take(&app.db.db).await.unwrap();
    let turn = tokio::spawn({
        let app = app.clone();
        async move { app.chat("erin", json!({"message": "add bread"})).await }
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    while lock.has_waiters(&app.db.db).await.unwrap() != Some(true) {
        assert!(
            Instant::now() < deadline,
            "the call never reached the store"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sidecar.kill().await;
    let (status, body) = turn.await.unwrap();
    lock.release().await.unwrap();

    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains(
            "It stopped while trying to create a task \"Bread\", which may or may not have been done"
        ),
        "{message}"
    );
    assert!(
        !message.contains("already"),
        "nothing was confirmed: {message}"
    );
    // Here it was not: the dead sidecar's transaction never committed.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        tasks::list(&app.db.db, "erin", StatusFilter::All)
            .await
            .unwrap()
            .is_empty()
    );
}

todo_core::db_test!(
    stdio_sidecar_killed_under_load,
    http_sidecar_killed_under_load,
    a_turn_cut_short_says_what_it_changed
);

/// PostgreSQL only: its table lock holds the sidecar's insert alone, where
/// SQLite's write lock would hold the backend's own writes too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cut_off_mid_way_is_reported_in_doubt_on_postgres() {
    let Some(db) = todo_core::testing::db::postgres().await else {
        return;
    };
    a_call_cut_off_mid_way_is_reported_in_doubt(db).await;
}
