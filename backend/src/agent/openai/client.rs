//! One chat-completions call: the HTTP client, the time limit and errors
//! worded for operators (with the API key scrubbed out).

use std::time::Duration;

use async_openai::Client;
use async_openai::config::{Config, OpenAIConfig};
use async_openai::error::OpenAIError;
use async_openai::types::chat::CreateChatCompletionRequest;
use reqwest::header::{AUTHORIZATION, HeaderMap};
use secrecy::SecretString;

use futures_util::StreamExt;

use super::wire::{CompletionChunk, CompletionReply, ModelTurn, StreamedTurn};
use crate::agent::AgentError;

/// OpenAI's own endpoint, used when no base URL is configured.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

/// Longest piece of a server's error message quoted in an [`AgentError`].
const MAX_QUOTED: usize = 300;

/// [`OpenAIConfig`] that sends no `Authorization` header when there is no
/// key: local servers (Ollama, llama.cpp, vLLM) need none.
#[derive(Debug, Clone)]
struct Endpoint {
    inner: OpenAIConfig,
    has_key: bool,
}

impl Config for Endpoint {
    fn headers(&self) -> HeaderMap {
        let mut headers = self.inner.headers();
        if !self.has_key {
            headers.remove(AUTHORIZATION);
        }
        headers
    }

    fn url(&self, path: &str) -> String {
        self.inner.url(path)
    }

    fn query(&self) -> Vec<(&str, &str)> {
        self.inner.query()
    }

    fn api_base(&self) -> &str {
        self.inner.api_base()
    }

    fn api_key(&self) -> &SecretString {
        self.inner.api_key()
    }
}

#[derive(Clone)]
pub struct ModelClient {
    client: Client<Endpoint>,
    base_url: String,
    timeout: Duration,
    /// Kept only to scrub it from error messages.
    api_key: Option<String>,
}

impl ModelClient {
    pub fn new(api_key: Option<&str>, base_url: Option<&str>, timeout: Duration) -> Self {
        let api_key = api_key
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .map(str::to_string);
        let base_url = base_url
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .unwrap_or(DEFAULT_BASE_URL)
            .trim_end_matches('/')
            .to_string();
        // Key and base URL are set explicitly so that the library never
        // falls back to its own reading of the environment.
        let config = OpenAIConfig::new()
            .with_api_base(&base_url)
            .with_api_key(api_key.clone().unwrap_or_default());
        let endpoint = Endpoint {
            inner: config,
            has_key: api_key.is_some(),
        };
        Self {
            client: Client::with_config(endpoint),
            base_url,
            timeout,
            api_key,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// One model round, bounded by the configured timeout.
    pub async fn complete(
        &self,
        request: &CreateChatCompletionRequest,
        round: usize,
    ) -> Result<ModelTurn, AgentError> {
        let chat = self.client.chat();
        let call = crate::telemetry::model_request(chat.create_byot::<_, CompletionReply>(request));
        let reply = match tokio::time::timeout(self.timeout, call).await {
            Err(_) => {
                return Err(AgentError::Model(format!(
                    "no answer from the model server at {} within {:?}",
                    self.base_url, self.timeout
                )));
            }
            Ok(Err(error)) => return Err(AgentError::Model(self.describe(&error))),
            Ok(Ok(reply)) => reply,
        };
        reply.into_turn(round).map_err(AgentError::Model)
    }

    /// One streamed model round (`stream: true` must be set in `request`):
    /// `on_text` gets each piece of reply text as it arrives. The whole round,
    /// stream included, is bounded by the configured timeout.
    pub async fn complete_streaming(
        &self,
        request: &CreateChatCompletionRequest,
        round: usize,
        on_text: &mut (dyn FnMut(&str) + Send),
    ) -> Result<ModelTurn, AgentError> {
        let chat = self.client.chat();
        let streamed = async {
            let mut stream = chat
                .create_stream_byot::<_, CompletionChunk>(request)
                .await?;
            let mut turn = StreamedTurn::default();
            while let Some(chunk) = stream.next().await {
                if let Some(text) = turn.push(chunk?) {
                    on_text(&text);
                }
            }
            Ok::<_, OpenAIError>(turn)
        };
        // Err(None): timed out; Err(Some(e)): the server failed.
        let timed = async {
            match tokio::time::timeout(self.timeout, streamed).await {
                Ok(Ok(turn)) => Ok(turn),
                Ok(Err(error)) => Err(Some(error)),
                Err(_) => Err(None),
            }
        };
        match crate::telemetry::model_request(timed).await {
            Err(None) => Err(AgentError::Model(format!(
                "no answer from the model server at {} within {:?}",
                self.base_url, self.timeout
            ))),
            Err(Some(error)) => Err(AgentError::Model(self.describe(&error))),
            Ok(turn) => Ok(turn.finish(round)),
        }
    }

    fn describe(&self, error: &OpenAIError) -> String {
        let text = match error {
            OpenAIError::ApiError(api) => format!(
                "the model server at {} answered {}: {}",
                self.base_url,
                api.status_code,
                quote(&api.api_error.message)
            ),
            OpenAIError::Reqwest(error) => format!(
                "could not reach the model server at {}: {}",
                self.base_url,
                error_chain(error)
            ),
            OpenAIError::JSONDeserialize(error, _) => format!(
                "the model server at {} sent something that is not a chat completion: {error}",
                self.base_url
            ),
            other => format!("the model request failed: {}", quote(&other.to_string())),
        };
        match &self.api_key {
            Some(key) => text.replace(key.as_str(), "[redacted]"),
            None => text,
        }
    }
}

/// An error and its causes, e.g. "error sending request: connection refused".
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

fn quote(message: &str) -> String {
    let message = message.trim();
    if message.chars().count() <= MAX_QUOTED {
        return message.to_string();
    }
    let cut: String = message.chars().take(MAX_QUOTED).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_means_no_authorization_header() {
        let local = ModelClient::new(
            None,
            Some("http://127.0.0.1:11434/v1/"),
            Duration::from_secs(1),
        );
        assert_eq!(local.base_url(), "http://127.0.0.1:11434/v1");
        assert!(local.client.config().headers().get(AUTHORIZATION).is_none());

        let hosted = ModelClient::new(Some("sk-test"), None, Duration::from_secs(1));
        assert_eq!(hosted.base_url(), DEFAULT_BASE_URL);
        assert_eq!(
            hosted.client.config().headers()[AUTHORIZATION],
            "Bearer sk-test"
        );
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(1000);
        assert_eq!(quote(&long).chars().count(), MAX_QUOTED + 1);
        assert_eq!(quote(" short "), "short");
    }
}
