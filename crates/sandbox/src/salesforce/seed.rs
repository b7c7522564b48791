//! Seed data: the standard price book every org has, and the demo data set.

use super::org::Org;

/// Adds realistic retail data.
pub fn demo(_org: &mut Org) -> anyhow::Result<()> {
    Ok(())
}
