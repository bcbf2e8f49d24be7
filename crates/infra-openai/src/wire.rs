//! The Chat Completions wire format (only the fields Atende sends or reads).

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `POST /chat/completions` body.
#[derive(Debug, Serialize)]
pub(crate) struct ChatRequest<'a> {
    pub model: &'a str,
    pub messages: [ChatMessage<'a>; 2],
    pub temperature: f32,
    pub response_format: ResponseFormat,
}

/// One prompt message.
#[derive(Debug, Serialize)]
pub(crate) struct ChatMessage<'a> {
    pub role: &'static str,
    pub content: &'a str,
}

/// `response_format` of type `json_schema`.
#[derive(Debug, Serialize)]
pub(crate) struct ResponseFormat {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub json_schema: JsonSchema,
}

/// The named strict schema.
#[derive(Debug, Serialize)]
pub(crate) struct JsonSchema {
    pub name: &'static str,
    pub strict: bool,
    pub schema: Value,
}

/// A chat completion.
#[derive(Debug, Deserialize)]
pub(crate) struct ChatResponse {
    #[serde(default)]
    pub model: Option<String>,
    #[serde(default)]
    pub choices: Vec<Choice>,
    #[serde(default)]
    pub usage: Option<Usage>,
}

/// One choice.
#[derive(Debug, Deserialize)]
pub(crate) struct Choice {
    pub message: AssistantMessage,
    #[serde(default)]
    pub finish_reason: Option<String>,
}

/// The assistant's message.
#[derive(Debug, Deserialize)]
pub(crate) struct AssistantMessage {
    #[serde(default)]
    pub content: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
}

/// Token usage.
#[derive(Debug, Deserialize)]
pub(crate) struct Usage {
    #[serde(default)]
    pub prompt_tokens: Option<u32>,
    #[serde(default)]
    pub completion_tokens: Option<u32>,
}

/// An error body (`{"error": {"type", "code", ...}}`); only the kind is kept, never the message,
/// which can echo part of a key.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorBody {
    pub error: ErrorDetail,
}

/// The error's kind.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorDetail {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub code: Option<Value>,
}
