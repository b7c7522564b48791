//! Salesforce's error responses. REST errors are a JSON **array** of
//! `{"message","errorCode","fields"?}`; inside Collections and Composite results the same
//! error uses `statusCode` instead of `errorCode` (see [`RecordError::to_item_json`]).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value as Json, json};

/// One error about one record (or one request), in Salesforce's vocabulary.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError {
    /// Salesforce status code, e.g. `REQUIRED_FIELD_MISSING`.
    pub code: String,
    /// Salesforce's message.
    pub message: String,
    /// The fields concerned, if any.
    pub fields: Vec<String>,
}

impl RecordError {
    /// An error with no fields.
    pub fn new(code: &str, message: impl Into<String>) -> RecordError {
        RecordError {
            code: code.to_string(),
            message: message.into(),
            fields: Vec::new(),
        }
    }

    /// The same error naming these fields.
    pub fn with_fields<S: AsRef<str>>(mut self, fields: &[S]) -> RecordError {
        self.fields = fields.iter().map(|f| f.as_ref().to_string()).collect();
        self
    }

    /// The REST form: `{"message","errorCode","fields"}`.
    pub fn to_rest_json(&self) -> Json {
        if self.fields.is_empty() {
            json!({"message": self.message, "errorCode": self.code})
        } else {
            json!({"message": self.message, "errorCode": self.code, "fields": self.fields})
        }
    }

    /// The Collections / Composite item form: `{"statusCode","message","fields"}`.
    pub fn to_item_json(&self) -> Json {
        json!({"statusCode": self.code, "message": self.message, "fields": self.fields})
    }

    /// The HTTP status a single-record REST call answers this error with.
    pub fn status(&self) -> StatusCode {
        match self.code.as_str() {
            "NOT_FOUND" | "ENTITY_IS_DELETED" => StatusCode::NOT_FOUND,
            "REQUEST_LIMIT_EXCEEDED" | "INSUFFICIENT_ACCESS_OR_READONLY" => StatusCode::FORBIDDEN,
            "INVALID_SESSION_ID" => StatusCode::UNAUTHORIZED,
            "SERVER_UNAVAILABLE" => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

/// An error response of the REST API.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The body (normally the error array).
    pub body: Json,
}

impl ApiError {
    /// `status` with a one-element error array.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            body: json!([{"message": message.into(), "errorCode": code}]),
        }
    }

    /// 400 with one error.
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `NOT_FOUND` "The requested resource does not exist".
    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// 401 `INVALID_SESSION_ID`, exactly as Salesforce answers an expired or unknown token.
    pub fn invalid_session() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 404 for an unknown sObject in a URL (what Salesforce answers `/sobjects/Nope/...` with).
    pub fn unknown_object() -> ApiError {
        ApiError::not_found()
    }

    /// 400 `JSON_PARSER_ERROR` for an unreadable body.
    pub fn json_parser(detail: impl std::fmt::Display) -> ApiError {
        ApiError::bad_request("JSON_PARSER_ERROR", format!("{detail}"))
    }

    /// 405 for a method the resource does not allow.
    pub fn method_not_allowed(method: &str, allowed: &str) -> ApiError {
        ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("HTTP Method '{method}' not allowed. Allowed are {allowed}"),
        )
    }

    /// A single-record error with its natural status.
    pub fn record(error: &RecordError) -> ApiError {
        ApiError {
            status: error.status(),
            body: Json::Array(vec![error.to_rest_json()]),
        }
    }
}

impl From<RecordError> for ApiError {
    fn from(error: RecordError) -> ApiError {
        ApiError::record(&error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body)).into_response()
    }
}
