//! (in progress)

use super::AppState;
use axum::Router;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
}

/// Routes outside `/services/data/vNN.N` (the versions list).
pub fn public_routes() -> Router<AppState> {
    Router::new()
}
