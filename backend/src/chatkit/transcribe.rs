//! Dictation through an OpenAI-compatible transcription endpoint
//! (`POST …/audio/transcriptions`, multipart: `file`, `model`,
//! `response_format=json`; answer `{"text": …}`), as OpenAI, whisper.cpp's
//! server, faster-whisper servers and LocalAI offer it.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;

use super::request::TranscribeParams;
use crate::error::{ApiError, Part};

/// The model named when the URL's `model` query parameter names none.
pub const DEFAULT_MODEL: &str = "whisper-1";
/// The longest transcript passed on to the composer, in characters.
pub const MAX_TEXT_CHARS: usize = 4000;

/// Decoded audio with the file name and media type the endpoint is sent.
#[derive(Debug)]
pub struct Audio {
    pub bytes: Vec<u8>,
    pub media_type: &'static str,
    pub file_name: &'static str,
}

impl Audio {
    /// Checks the MIME type (the three ChatKit records, plus mp3 and wav) and
    /// decodes the base64 audio.
    pub fn decode(params: &TranscribeParams) -> Result<Self, ApiError> {
        let media = params
            .mime_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let (media_type, file_name) = match media.as_str() {
            "audio/webm" => ("audio/webm", "audio.webm"),
            "audio/ogg" => ("audio/ogg", "audio.ogg"),
            "audio/mp4" | "audio/m4a" | "audio/x-m4a" => ("audio/mp4", "audio.m4a"),
            "audio/mpeg" | "audio/mp3" => ("audio/mpeg", "audio.mp3"),
            "audio/wav" | "audio/x-wav" | "audio/wave" => ("audio/wav", "audio.wav"),
            _ => {
                return Err(ApiError::BadRequest(format!(
                    "input.transcribe: unsupported audio type {:?}; use audio/webm, audio/ogg or audio/mp4",
                    params.mime_type.chars().take(60).collect::<String>()
                )));
            }
        };
        let bytes = STANDARD
            .decode(params.audio_base64.trim().as_bytes())
            .map_err(|_| {
                ApiError::BadRequest("input.transcribe: audio_base64 is not valid base64".into())
            })?;
        if bytes.is_empty() {
            return Err(ApiError::BadRequest(
                "input.transcribe: the audio is empty".into(),
            ));
        }
        Ok(Self {
            bytes,
            media_type,
            file_name,
        })
    }
}

pub struct Transcriber {
    client: reqwest::Client,
    endpoint: reqwest::Url,
    model: String,
    api_key: Option<String>,
}

#[derive(Deserialize)]
struct TranscriptionAnswer {
    text: String,
}

impl Transcriber {
    /// `url` is the endpoint; a `model` query parameter names the model and is
    /// taken off the URL.
    pub fn new(url: &str, api_key: Option<&str>, timeout: Duration) -> Result<Self, ApiError> {
        let mut endpoint = reqwest::Url::parse(url)
            .map_err(|e| ApiError::internal(anyhow::anyhow!("transcription_url: {e}")))?;
        let mut model = DEFAULT_MODEL.to_string();
        let rest: Vec<(String, String)> = endpoint
            .query_pairs()
            .filter_map(|(k, v)| {
                if k == "model" {
                    model = v.into_owned();
                    None
                } else {
                    Some((k.into_owned(), v.into_owned()))
                }
            })
            .collect();
        endpoint.set_query(None);
        if !rest.is_empty() {
            endpoint.query_pairs_mut().extend_pairs(rest);
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .map_err(|e| ApiError::internal(anyhow::anyhow!("transcription client: {e}")))?;
        Ok(Self {
            client,
            endpoint,
            model,
            api_key: api_key.map(str::to_owned).filter(|k| !k.is_empty()),
        })
    }

    pub async fn transcribe(&self, audio: &Audio) -> Result<String, ApiError> {
        let boundary = format!(
            "todo-transcribe-{:x}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        let body = multipart(&boundary, &self.model, audio);
        let mut request = self
            .client
            .post(self.endpoint.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let unavailable =
            |reason: String| ApiError::unavailable(Part::Transcription, anyhow::anyhow!(reason));
        let response = request.send().await.map_err(|e| {
            tracing::warn!(error = %e, "transcription request failed");
            unavailable(if e.is_timeout() {
                "it did not answer in time".into()
            } else {
                "it could not be reached".into()
            })
        })?;
        let status = response.status();
        if !status.is_success() {
            let detail: String = response
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(300)
                .collect();
            tracing::warn!(%status, detail, "transcription service refused the audio");
            return Err(unavailable(format!("it answered HTTP {}", status.as_u16())));
        }
        let answer: TranscriptionAnswer = response.json().await.map_err(|e| {
            tracing::warn!(error = %e, "transcription answer is not {{\"text\": …}}");
            unavailable("its answer had no text".into())
        })?;
        Ok(answer.text.trim().chars().take(MAX_TEXT_CHARS).collect())
    }
}

/// A `multipart/form-data` body: the model, `response_format=json`, and the file.
fn multipart(boundary: &str, model: &str, audio: &Audio) -> Vec<u8> {
    let mut body = Vec::with_capacity(audio.bytes.len() + 512);
    for (name, value) in [("model", model), ("response_format", "json")] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\nContent-Type: {}\r\n\r\n",
            audio.file_name, audio.media_type
        )
        .as_bytes(),
    );
    body.extend_from_slice(&audio.bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(audio: &str, mime: &str) -> TranscribeParams {
        TranscribeParams {
            audio_base64: audio.into(),
            mime_type: mime.into(),
        }
    }

    #[test]
    fn decodes_audio_and_names_the_file_by_its_media_type() {
        let a = Audio::decode(&params("AAEC", "audio/webm;codecs=opus")).unwrap();
        assert_eq!(
            (a.bytes.as_slice(), a.file_name),
            (&[0u8, 1, 2][..], "audio.webm")
        );
        assert_eq!(
            Audio::decode(&params("AAEC", "Audio/OGG"))
                .unwrap()
                .media_type,
            "audio/ogg"
        );
        for (audio, mime, why) in [
            ("AAEC", "video/mp4", "unsupported audio type"),
            ("not base64!", "audio/webm", "not valid base64"),
            ("", "audio/webm", "empty"),
        ] {
            match Audio::decode(&params(audio, mime)) {
                Err(ApiError::BadRequest(m)) => assert!(m.contains(why), "{m}"),
                other => panic!("expected a 400 for {audio:?} {mime:?}, got {other:?}"),
            }
        }
    }

    #[test]
    fn takes_the_model_from_the_url_and_keeps_other_parameters() {
        let t = Transcriber::new(
            "http://127.0.0.1:9/v1/audio/transcriptions?model=small&lang=ur",
            None,
            Duration::from_secs(1),
        )
        .unwrap();
        assert_eq!(t.model, "small");
        assert_eq!(
            t.endpoint.as_str(),
            "http://127.0.0.1:9/v1/audio/transcriptions?lang=ur"
        );
        let t = Transcriber::new("http://127.0.0.1:9/t", Some(""), Duration::from_secs(1)).unwrap();
        assert_eq!(
            (t.model.as_str(), t.api_key.is_none()),
            (DEFAULT_MODEL, true)
        );
    }

    #[test]
    fn builds_a_multipart_body_with_the_audio_bytes() {
        let audio = Audio {
            bytes: vec![0, 159, 146, 150],
            media_type: "audio/ogg",
            file_name: "audio.ogg",
        };
        let body = multipart("B", "m1", &audio);
        let text = String::from_utf8_lossy(&body);
        assert!(
            text.starts_with("--B\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nm1\r\n")
        );
        assert!(
            text.contains(
                "name=\"file\"; filename=\"audio.ogg\"\r\nContent-Type: audio/ogg\r\n\r\n"
            )
        );
        assert!(body.windows(4).any(|w| w == [0, 159, 146, 150]));
        assert!(text.ends_with("\r\n--B--\r\n"));
    }
}
