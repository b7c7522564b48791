//! (in progress)

use super::AppState;
use axum::Router;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// Bulk API 2.0 jobs.
#[derive(Debug, Default)]
pub struct Jobs {}
