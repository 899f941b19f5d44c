//! ChatKit's `input.transcribe` (dictation), through the real server: the
//! audio goes to an OpenAI-compatible transcription endpoint (a scripted one
//! here) and its text comes back for the composer; without an endpoint the
//! request is refused as unsupported.

#[path = "support/scripted_transcription.rs"]
mod scripted_transcription;

use scripted_transcription::{Answer, ScriptedTranscription};
use serde_json::{Value, json};
use todo_backend::startup::Application;
use todo_core::config::Settings;
use todo_core::testing::{db, jwt};

const SECRET: &str = "chatkit-transcribe-test-secret-0123456789";

async fn start(extra: &[(&str, &str)]) -> (String, db::TestDb) {
    let database = db::sqlite().await;
    let mut env = vec![
        ("DATABASE_URL".to_string(), database.url.clone()),
        ("HOST".into(), "127.0.0.1".into()),
        ("PORT".into(), "0".into()),
        ("BETTER_AUTH_SECRET".into(), SECRET.into()),
        ("LLM_PROVIDER".into(), "offline".into()),
        ("MODEL_TIMEOUT_SECS".into(), "5".into()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let settings = Settings::load_from(env).expect("test settings");
    let app = Application::build(settings)
        .await
        .expect("the server starts");
    let base = format!("http://127.0.0.1:{}", app.port());
    actix_web::rt::spawn(app.run_until_stopped());
    (base, database)
}

async fn transcribe(base: &str, params: Value) -> (u16, Value) {
    let token = jwt::sign_hs256(SECRET, "ann", "todo-api", 300);
    let response = reqwest::Client::new()
        .post(format!("{base}/api/ann/chat"))
        .bearer_auth(token)
        .json(&json!({"type": "input.transcribe", "params": params}))
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// 0x00 0x01 0x02 0xff 0xfe: bytes that are not text, so a lossy copy would show.
const AUDIO_B64: &str = "AAEC//4=";

#[actix_web::test]
async fn transcribes_through_the_configured_endpoint() {
    let stt = ScriptedTranscription::start(vec![Answer::text("  add buy milk \n")]).await;
    let url = format!("{}?model=small-model", stt.url());
    let (base, _db) = start(&[
        ("TRANSCRIPTION_URL", url.as_str()),
        ("OPENAI_API_KEY", "stt-key"),
    ])
    .await;

    let (status, body) = transcribe(
        &base,
        json!({"audio_base64": AUDIO_B64, "mime_type": "audio/webm;codecs=opus"}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // TranscriptionResult: exactly {"text": …}.
    assert_eq!(body, json!({"text": "add buy milk"}));

    let received = stt.received();
    assert_eq!(received.len(), 1);
    let r = &received[0];
    assert_eq!(r.path_and_query, "/v1/audio/transcriptions");
    assert_eq!(r.authorization.as_deref(), Some("Bearer stt-key"));
    assert_eq!(r.field("model"), Some("small-model"));
    assert_eq!(r.field("response_format"), Some("json"));
    assert_eq!(r.file, vec![0x00, 0x01, 0x02, 0xff, 0xfe]);
    assert_eq!(r.file_name.as_deref(), Some("audio.webm"));
    assert_eq!(r.file_type.as_deref(), Some("audio/webm"));
}

#[actix_web::test]
async fn a_failing_endpoint_is_a_clear_error_without_its_address() {
    let stt =
        ScriptedTranscription::start(vec![Answer::status(500, "{\"error\": \"boom\"}")]).await;
    let url = stt.url();
    let (base, _db) = start(&[("TRANSCRIPTION_URL", url.as_str())]).await;
    let (status, body) = transcribe(
        &base,
        json!({"audio_base64": AUDIO_B64, "mime_type": "audio/ogg"}),
    )
    .await;
    assert_eq!(status, 503, "{body}");
    let text = body.to_string();
    assert!(text.contains("transcription"), "{text}");
    assert!(!text.contains("127.0.0.1"), "no internal address: {text}");
    // No key configured: no Authorization header is sent.
    assert_eq!(stt.received()[0].authorization, None);

    // Bad input never reaches the endpoint.
    for params in [
        json!({"audio_base64": "%%%", "mime_type": "audio/ogg"}),
        json!({"audio_base64": AUDIO_B64, "mime_type": "text/plain"}),
        json!({"audio_base64": "", "mime_type": "audio/ogg"}),
        json!({"mime_type": "audio/ogg"}),
    ] {
        let (status, body) = transcribe(&base, params.clone()).await;
        assert_eq!(status, 400, "{params} → {body}");
    }
    assert_eq!(stt.received().len(), 1);
}

#[actix_web::test]
async fn without_an_endpoint_transcription_is_unsupported() {
    let (base, _db) = start(&[]).await;
    let (status, body) = transcribe(
        &base,
        json!({"audio_base64": AUDIO_B64, "mime_type": "audio/webm"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.to_string().contains("not supported"),
        "the answer says it is unsupported: {body}"
    );
}
