//! (in progress)

use super::AppState;
use axum::Router;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
}
