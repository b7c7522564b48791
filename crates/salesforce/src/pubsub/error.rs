//! Pub/Sub errors: the gRPC status plus the `error-code` trailer (reference §9.6) turned into
//! cases a caller can act on.

use super::event::ReplayId;
use tonic::{Code, Status};

/// `error-code` of a refused or expired access token.
pub const AUTH_ERROR: &str = "sfdc.platform.eventbus.grpc.service.auth.error";
/// `error-code` of an invalid `auth_refresh`.
pub const AUTH_REFRESH_INVALID: &str = "sfdc.platform.eventbus.grpc.service.auth.refresh.invalid";
/// `error-code` of an invalid or expired (older than the retention window) replay id.
pub const REPLAY_CORRUPTED: &str =
    "sfdc.platform.eventbus.grpc.subscription.fetch.replayid.corrupted";
/// `error-code` of an unknown topic.
pub const TOPIC_NOT_FOUND: &str = "sfdc.platform.eventbus.grpc.subscription.topic.notfound";

/// What went wrong talking to the Pub/Sub API.
#[derive(Debug, thiserror::Error)]
pub enum PubSubError {
    /// The settings cannot work (a bad URL, an unreadable CA certificate, a header value).
    #[error("Pub/Sub settings: {message}")]
    Config {
        /// What is wrong and what to change.
        message: String,
    },
    /// The server refused the credentials, also after one renewal.
    #[error(
        "the Pub/Sub API refused the session for {topic}: {message}; check the connected app's \
         access and salesforce.tenant_id (the org id), then reconnect"
    )]
    Unauthorized {
        /// The topic being read.
        topic: String,
        /// The server's words.
        message: String,
    },
    /// The replay id is corrupted or older than the retention window: resubscribe from
    /// EARLIEST or LATEST and reconcile what may have been missed.
    #[error(
        "the replay id {replay_id:?} of {topic} is invalid or expired ({message}); Ferry falls \
         back to the configured start and reconciles the object"
    )]
    ReplayInvalid {
        /// The topic.
        topic: String,
        /// The replay id the subscription started after, when it was a custom one.
        replay_id: Option<ReplayId>,
        /// The server's words.
        message: String,
    },
    /// The topic does not exist or the user may not read it.
    #[error(
        "the topic {topic} does not exist or is not readable ({message}); check the channel \
         name (case-sensitive: /data/AccountChangeEvent) and that change data capture is \
         enabled for the object"
    )]
    TopicNotFound {
        /// The topic.
        topic: String,
        /// The server's words.
        message: String,
    },
    /// An event could not be decoded.
    #[error("event {replay_id} of {topic} cannot be decoded: {message}")]
    Decode {
        /// The topic.
        topic: String,
        /// The event's replay id.
        replay_id: ReplayId,
        /// What did not decode.
        message: String,
    },
    /// The server refused the call for a reason retrying will not fix.
    #[error("the Pub/Sub API refused {what} ({code:?}, error-code {error_code:?}): {message}")]
    Rejected {
        /// The call (`Subscribe /data/ChangeEvents`).
        what: String,
        /// The gRPC status code.
        code: Code,
        /// The `error-code` trailer, when sent.
        error_code: Option<String>,
        /// The server's words.
        message: String,
    },
    /// The stream kept failing; the last failure is given.
    #[error(
        "the Pub/Sub API stayed unreachable for {what} after {attempts} attempts (last: {last}); \
         check the network and salesforce.pubsub_url, Ferry resumes from the checkpoint"
    )]
    GaveUp {
        /// The call.
        what: String,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        last: String,
    },
    /// The session could not produce or renew a token.
    #[error(transparent)]
    Session(#[from] ferry_http::Error),
}

/// How a failed call should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// Renew the session and try once more.
    Auth,
    /// The replay id is no good.
    ReplayInvalid,
    /// The topic is unknown.
    TopicNotFound,
    /// Try again after a backoff.
    Transient,
    /// Give up at once.
    Permanent,
}

/// The `error-code` trailer of a status.
pub(crate) fn error_code(status: &Status) -> Option<String> {
    status
        .metadata()
        .get("error-code")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Classifies a status by its `error-code` first, its gRPC code second.
pub(crate) fn classify(status: &Status) -> Failure {
    match error_code(status).as_deref() {
        Some(AUTH_ERROR) => return Failure::Auth,
        Some(AUTH_REFRESH_INVALID) => return Failure::Auth,
        Some(REPLAY_CORRUPTED) => return Failure::ReplayInvalid,
        Some(code) if code.ends_with("topic.notfound") => return Failure::TopicNotFound,
        Some(code) if code.ends_with("replayid.corrupted") => return Failure::ReplayInvalid,
        _ => {}
    }
    match status.code() {
        Code::Unauthenticated => Failure::Auth,
        Code::NotFound => Failure::TopicNotFound,
        Code::Unavailable
        | Code::Unknown
        | Code::Internal
        | Code::DeadlineExceeded
        | Code::ResourceExhausted
        | Code::Aborted
        | Code::Cancelled => Failure::Transient,
        _ => Failure::Permanent,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn with_code(code: Code, error_code: &str) -> Status {
        let mut status = Status::new(code, "rpcId: x");
        status
            .metadata_mut()
            .insert("error-code", error_code.parse().unwrap());
        status
    }

    #[test]
    fn trailers_decide_before_status_codes() {
        assert_eq!(
            classify(&with_code(Code::InvalidArgument, REPLAY_CORRUPTED)),
            Failure::ReplayInvalid
        );
        assert_eq!(
            classify(&with_code(Code::Unauthenticated, AUTH_ERROR)),
            Failure::Auth
        );
        assert_eq!(
            classify(&with_code(Code::InvalidArgument, TOPIC_NOT_FOUND)),
            Failure::TopicNotFound
        );
        assert_eq!(classify(&Status::unavailable("down")), Failure::Transient);
        assert_eq!(
            classify(&Status::invalid_argument("topic differs")),
            Failure::Permanent
        );
        assert_eq!(classify(&Status::unauthenticated("no")), Failure::Auth);
    }
}
