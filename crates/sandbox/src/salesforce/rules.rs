//! Salesforce's own rules for the standard objects: derived fields and the validations §8 of
//! the reference lists. Called by [`super::org::Txn`] around every write.

use super::api::RecordError;
use super::org::{Record, Txn};
use super::ids::SfId;

/// Derives fields and validates a record about to be written (`old` is `None` on create).
/// `set` lists the fields the caller assigned.
pub fn before_write(
    _txn: &Txn<'_>,
    _object: usize,
    _old: Option<&Record>,
    _record: &mut Record,
    _set: &[usize],
) -> Result<(), RecordError> {
    Ok(())
}

/// Keeps other records in step after a write (roll-ups onto parents).
pub fn after_write(_txn: &mut Txn<'_>, _object: usize, _id: SfId) -> Result<(), RecordError> {
    Ok(())
}

/// Refuses deletes the object's rules forbid.
pub fn before_delete(_txn: &Txn<'_>, _object: usize, _record: &Record) -> Result<(), RecordError> {
    Ok(())
}
