//! (being written)

use super::AppState;
use axum::Router;

/// This area's admin routes (under /__sandbox/).
pub fn routes() -> Router<AppState> {
    Router::new()
}
