//! (being written)

use serde::{Deserialize, Serialize};

/// (being written)
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Catalogue {}
