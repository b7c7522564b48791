//! The envelope every answer comes in (reference §4): `{"response": …}` on success,
//! `{"errors": [{"code","message"}]}` on failure, `{}` for the void writes, and the
//! per-endpoint `Message-Type` header. The guard adds the common headers.

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value as Json, json};

/// The `Content-Type` of every JSON answer.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=UTF-8";

/// A successful answer.
#[derive(Debug)]
pub struct Reply {
    status: StatusCode,
    body: Vec<u8>,
    message_type: &'static str,
}

impl Reply {
    /// `{"response": value}`.
    pub fn ok(message_type: &'static str, value: impl Serialize) -> Reply {
        #[derive(Serialize)]
        struct Envelope<T> {
            response: T,
        }
        Reply::body(message_type, &Envelope { response: value })
    }

    /// `{}`: what several PUTs and DELETEs answer.
    pub fn empty(message_type: &'static str) -> Reply {
        Reply {
            status: StatusCode::OK,
            body: b"{}".to_vec(),
            message_type,
        }
    }

    /// A whole body as given (searches add `reference` beside `response`).
    pub fn body(message_type: &'static str, body: &impl Serialize) -> Reply {
        match serde_json::to_vec(body) {
            Ok(body) => Reply {
                status: StatusCode::OK,
                body,
                message_type,
            },
            Err(e) => Reply {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                body: json!({"errors": [{"code": "CMNU-003", "message": format!("Internal Server Error: {e}")}]})
                    .to_string()
                    .into_bytes(),
                message_type,
            },
        }
    }

    /// The same answer with another status (207 for mixed multi-message results).
    pub fn with_status(mut self, status: StatusCode) -> Reply {
        self.status = status;
        self
    }

    /// The body bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.body
    }
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        json_response(self.status, self.body, self.message_type)
    }
}

/// A JSON response with Brightpearl's content type and message type.
pub fn json_response(status: StatusCode, body: Vec<u8>, message_type: &str) -> Response {
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CONTENT_TYPE,
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    if let Ok(value) = HeaderValue::from_str(message_type) {
        headers.insert("message-type", value);
    }
    response
}

/// One entry of `errors[]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorEntry {
    /// Brightpearl's code, e.g. `CMNC-404`.
    pub code: String,
    /// The message.
    pub message: String,
}

/// A failed answer: a status and one or more `errors[]` entries, or (for 401/503 from the
/// gateway) a bare `{"response": "<text>"}`.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// The entries; empty when `gateway` is set.
    pub errors: Vec<ErrorEntry>,
    /// A gateway message sent as `{"response": text}` (401s, throttling).
    pub gateway: Option<String>,
    /// `Message-Type` header.
    pub message_type: &'static str,
}

impl ApiError {
    /// An error with one entry.
    pub fn new(
        status: StatusCode,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> ApiError {
        ApiError {
            status,
            errors: vec![ErrorEntry {
                code: code.into(),
                message: message.into(),
            }],
            gateway: None,
            message_type: "error",
        }
    }

    /// 400 with one entry: a validation error.
    pub fn bad_request(code: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `CMNC-404` with `message`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "CMNC-404", message)
    }

    /// A gateway answer `{"response": text}` (401 tokens, 503 throttling).
    pub fn gateway(status: StatusCode, text: impl Into<String>) -> ApiError {
        ApiError {
            status,
            errors: Vec::new(),
            gateway: Some(text.into()),
            message_type: "api-proxy",
        }
    }

    /// Adds another entry (Brightpearl reports several problems at once).
    pub fn and(mut self, code: impl Into<String>, message: impl Into<String>) -> ApiError {
        self.errors.push(ErrorEntry {
            code: code.into(),
            message: message.into(),
        });
        self
    }

    /// Sets the `Message-Type` header.
    pub fn message_type(mut self, message_type: &'static str) -> ApiError {
        self.message_type = message_type;
        self
    }

    /// The JSON body.
    pub fn body(&self) -> Json {
        match &self.gateway {
            Some(text) => json!({ "response": text }),
            None => json!({ "errors": self.errors }),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.gateway {
            Some(text) => write!(f, "{} {text}", self.status),
            None => {
                write!(f, "{}", self.status)?;
                for e in &self.errors {
                    write!(f, " {}: {}", e.code, e.message)?;
                }
                Ok(())
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(
            self.status,
            self.body().to_string().into_bytes(),
            self.message_type,
        )
    }
}

/// What handlers return.
pub type ApiResult = Result<Reply, ApiError>;

/// Extension: tags any error of a handler with its endpoint's message type.
pub trait WithMessageType<T> {
    /// Sets the message type on the error, if any.
    fn tagged(self, message_type: &'static str) -> Result<T, ApiError>;
}

impl<T> WithMessageType<T> for Result<T, ApiError> {
    fn tagged(self, message_type: &'static str) -> Result<T, ApiError> {
        self.map_err(|e| {
            if e.message_type == "error" {
                e.message_type(message_type)
            } else {
                e
            }
        })
    }
}
