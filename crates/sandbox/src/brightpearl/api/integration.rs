//! (being written)

use super::AppState;
use axum::Router;

/// This area's routes, relative to the account.
pub fn routes() -> Router<AppState> {
    Router::new()
}
