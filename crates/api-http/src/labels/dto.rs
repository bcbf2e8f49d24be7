//! Bodies of `/api/labels`.

use chrono::{DateTime, Utc};
use domain::labels::Label;
use garde::Validate;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

/// A label of the clinic.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelDto {
    /// Its id.
    pub id: Uuid,
    /// Its name (unique in the clinic, ignoring case).
    pub name: String,
    /// `#rrggbb`, lower-case.
    #[schema(example = "#00aa00")]
    pub colour: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Label> for LabelDto {
    fn from(l: Label) -> Self {
        Self {
            id: l.id.0,
            name: l.fields.name,
            colour: l.fields.colour,
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

/// A page of labels.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabelList {
    /// The labels, by name.
    pub data: Vec<LabelDto>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The labels of a conversation, by name.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationLabels {
    /// The conversation.
    pub conversation_id: Uuid,
    /// Its labels, by name.
    pub labels: Vec<LabelDto>,
}

/// `POST /api/labels`.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateLabelRequest {
    /// Name, 1 to 50 characters (trimmed), unique in the clinic ignoring case.
    #[garde(length(chars, min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: String,
    /// `#rrggbb` (hexadecimal, either case; stored lower-case).
    #[garde(length(min = 7, max = 7))]
    #[schema(min_length = 7, max_length = 7, pattern = "^#[0-9A-Fa-f]{6}$")]
    pub colour: String,
}

/// `PATCH /api/labels/{id}`: absent fields are kept.
#[derive(Debug, Deserialize, Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateLabelRequest {
    /// Name, 1 to 50 characters (trimmed), unique in the clinic ignoring case.
    #[garde(length(chars, min = 1, max = 50))]
    #[schema(min_length = 1, max_length = 50)]
    pub name: Option<String>,
    /// `#rrggbb` (hexadecimal, either case; stored lower-case).
    #[garde(length(min = 7, max = 7))]
    #[schema(min_length = 7, max_length = 7, pattern = "^#[0-9A-Fa-f]{6}$")]
    pub colour: Option<String>,
}

fn example() -> Value {
    json!({ "id": "0193a7e2-5b1c-7a0d-8f00-00000000000d", "name": "Retorno",
            "colour": "#00aa00", "created_at": "2026-03-10T12:00:00Z",
            "updated_at": "2026-03-10T12:00:00Z" })
}

/// The examples of this module's schemas.
#[must_use]
pub fn examples(name: &str) -> Option<Value> {
    Some(match name {
        "LabelDto" => example(),
        "LabelList" => json!({ "data": [example()], "next_cursor": null }),
        "ConversationLabels" => json!({
            "conversation_id": "0193a7e2-5b1c-7a06-8f00-000000000006", "labels": [example()]
        }),
        "CreateLabelRequest" => json!({ "name": "Retorno", "colour": "#00aa00" }),
        "UpdateLabelRequest" => json!({ "colour": "#ff8800" }),
        _ => return None,
    })
}
