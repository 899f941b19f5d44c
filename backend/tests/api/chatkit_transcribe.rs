//! ChatKit's `input.transcribe` (dictation), through the real server: the
//! audio goes to an OpenAI-compatible transcription endpoint (a scripted one
//! here) and its text comes back for the composer; without an endpoint the
//! request is refused as unsupported.

use serde_json::{Value, json};
use todo_core::testing::db;

use crate::support::app::TestApp;
use crate::support::scripted_transcription::{Answer, ScriptedTranscription};

async fn start(extra: &[(&str, &str)]) -> TestApp {
    let mut overrides = vec![("MODEL_TIMEOUT_SECS", "5")];
    overrides.extend_from_slice(extra);
    TestApp::spawn_with(db::sqlite().await, &overrides).await
}

async fn transcribe(app: &TestApp, params: Value) -> (u16, Value) {
    let response = app
        .client
        .post(format!("{}/api/ann/chat", app.base))
        .bearer_auth(app.token("ann"))
        .json(&json!({"type": "input.transcribe", "params": params}))
        .send()
        .await
        .expect("answered");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// 0x00 0x01 0x02 0xff 0xfe: bytes that are not text, so a lossy copy would show.
const AUDIO_B64: &str = "AAEC//4=";

#[tokio::test]
async fn transcribes_through_the_configured_endpoint() {
    let stt = ScriptedTranscription::start(vec![Answer::text("  add buy milk \n")]).await;
    let url = format!("{}?model=small-model", stt.url());
    let app = start(&[
        ("TRANSCRIPTION_URL", url.as_str()),
        ("OPENAI_API_KEY", "stt-key"),
    ])
    .await;

    let (status, body) = transcribe(
        &app,
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

#[tokio::test]
async fn a_failing_endpoint_is_a_clear_error_without_its_address() {
    let stt =
        ScriptedTranscription::start(vec![Answer::status(500, "{\"error\": \"boom\"}")]).await;
    let url = stt.url();
    let app = start(&[("TRANSCRIPTION_URL", url.as_str())]).await;
    let (status, body) = transcribe(
        &app,
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
        let (status, body) = transcribe(&app, params.clone()).await;
        assert_eq!(status, 400, "{params} → {body}");
    }
    assert_eq!(stt.received().len(), 1);
}

#[tokio::test]
async fn without_an_endpoint_transcription_is_unsupported() {
    let app = start(&[]).await;
    let (status, body) = transcribe(
        &app,
        json!({"audio_base64": AUDIO_B64, "mime_type": "audio/webm"}),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.to_string().contains("not supported"),
        "the answer says it is unsupported: {body}"
    );
}
