//! What a call can end in besides a good answer. Every message names the API, the call
//! (`METHOD path`), what happened and what to do next.

use crate::budget::BudgetError;
use bytes::Bytes;
use std::time::Duration;

/// Why a call did not produce a usable answer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server refused the request for a reason repeating will not fix (validation, not
    /// found, permission).
    #[error("{0}")]
    Rejected(Box<Rejection>),
    /// The credentials were refused, also after renewing them once.
    #[error(
        "{api} {label}: the credentials were refused ({message}); reconnect the account \
         (`ferry connect {api}` or update the token in the vault)"
    )]
    Unauthorized {
        /// The API.
        api: &'static str,
        /// `METHOD path`.
        label: String,
        /// The server's message.
        message: String,
    },
    /// The account's API budget does not allow the call.
    #[error("{api} {label}: {source}")]
    Budget {
        /// The API.
        api: &'static str,
        /// `METHOD path`.
        label: String,
        /// Which ceiling was reached.
        #[source]
        source: BudgetError,
    },
    /// The endpoint family's circuit breaker is open: recent calls failed in a row.
    #[error(
        "{api} {family}: calls are paused after repeated failures ({last_failure}); the next \
         probe is in {retry_in:?}. Work waits and is retried; check the service's status if \
         this lasts"
    )]
    CircuitOpen {
        /// The API.
        api: &'static str,
        /// The endpoint family.
        family: String,
        /// Until the breaker lets a probe through.
        retry_in: Duration,
        /// The failure that opened it.
        last_failure: String,
    },
    /// A call that is not safe to repeat failed in a way that leaves unknown whether the
    /// server acted on it. The caller must look before trying again.
    #[error(
        "{api} {label}: the outcome is unknown ({cause}); the change may or may not have been \
         applied, so look the record up before sending it again"
    )]
    Ambiguous {
        /// The API.
        api: &'static str,
        /// `METHOD path`.
        label: String,
        /// What went wrong.
        cause: String,
    },
    /// Transient failures went on past the retry limits.
    #[error(
        "{api} {label}: gave up after {attempts} attempts over {elapsed:?}; last error: {last}. \
         The work is kept and will be retried later"
    )]
    GaveUp {
        /// The API.
        api: &'static str,
        /// `METHOD path`.
        label: String,
        /// Attempts made.
        attempts: u32,
        /// Time spent.
        elapsed: Duration,
        /// The last failure.
        last: String,
    },
    /// The answer did not have the expected shape.
    #[error("{api} {label}: the answer could not be read ({message}); it began: {snippet}")]
    Decode {
        /// The API.
        api: &'static str,
        /// `METHOD path`.
        label: String,
        /// The decoder's message.
        message: String,
        /// The first characters of the body.
        snippet: String,
    },
    /// The connection settings are unusable (bad URL, unreadable CA file, …).
    #[error("{message}")]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
}

impl Error {
    /// True when the same work may succeed later without anyone changing anything: the engine
    /// retries it with backoff instead of dead-lettering it.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::GaveUp { .. } | Error::CircuitOpen { .. } => true,
            Error::Budget { source, .. } => source.is_transient(),
            Error::Rejected(r) => {
                r.status == 409
                    || r.status == 429
                    || r.status >= 500
                    || r.code == "REQUEST_LIMIT_EXCEEDED"
            }
            Error::Ambiguous { .. } => true,
            Error::Unauthorized { .. } | Error::Decode { .. } | Error::Config { .. } => false,
        }
    }

    /// The API's error code, or a stable code of Ferry's for failures that are not the API's.
    pub fn code(&self) -> String {
        match self {
            Error::Rejected(r) => r.code.clone(),
            Error::Unauthorized { .. } => "UNAUTHORIZED".into(),
            Error::Budget { source, .. } => source.code().into(),
            Error::CircuitOpen { .. } => "CIRCUIT_OPEN".into(),
            Error::Ambiguous { .. } => "OUTCOME_UNKNOWN".into(),
            Error::GaveUp { .. } => "RETRIES_EXHAUSTED".into(),
            Error::Decode { .. } => "BAD_RESPONSE".into(),
            Error::Config { .. } => "CONFIG".into(),
        }
    }
}

/// A refusal by the server, with everything the caller may need to explain or act on it.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{api} {label}: refused with HTTP {status} {code}: {message}")]
pub struct Rejection {
    /// `brightpearl` or `salesforce`.
    pub api: &'static str,
    /// `METHOD path`.
    pub label: String,
    /// The HTTP status.
    pub status: u16,
    /// The API's error code (`INVALID_FIELD`, `CMNC-018`, …) or `HTTP_<status>`.
    pub code: String,
    /// The API's message.
    pub message: String,
    /// The whole body, for callers that read per-record errors out of it.
    pub body: Bytes,
}

impl Error {
    /// The refusal, when the server refused the call.
    pub fn rejection(&self) -> Option<&Rejection> {
        match self {
            Error::Rejected(r) => Some(r),
            _ => None,
        }
    }
}
