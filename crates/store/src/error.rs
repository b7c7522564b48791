//! Store errors, each phrased for the person who has to act on it.

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The store URL cannot be used.
    #[error("store URL {url:?} is not usable: {reason}")]
    BadUrl {
        /// The URL (password redacted).
        url: String,
        /// Why, and what to write instead.
        reason: String,
    },
    /// The database could not be reached or opened.
    #[error("cannot open the {backend} store at {location}: {reason}. {hint}")]
    Unavailable {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The file or URL (password redacted).
        location: String,
        /// The driver's reason.
        reason: String,
        /// What to check next.
        hint: &'static str,
    },
    /// A migration failed to apply.
    #[error("cannot migrate the {backend} store: {reason}")]
    Migration {
        /// `sqlite` or `postgres`.
        backend: &'static str,
        /// The reason.
        reason: String,
    },
    /// A link would connect a record that is already linked to a different partner.
    #[error(
        "cross-reference conflict for {entity} in tenant {tenant}: Brightpearl {brightpearl_id} \
         would link to Salesforce {salesforce_id}, but {existing}. Unlink or merge the records \
         before linking again"
    )]
    LinkConflict {
        /// The tenant.
        tenant: String,
        /// The entity kind.
        entity: String,
        /// The Brightpearl id being linked.
        brightpearl_id: String,
        /// The Salesforce id being linked.
        salesforce_id: String,
        /// The link that is in the way, described.
        existing: String,
    },
    /// A change notice cannot be journaled as it is.
    #[error("cannot journal the notice for {record}: {reason}")]
    InvalidNotice {
        /// The record the notice is about.
        record: String,
        /// What is wrong and what to do.
        reason: String,
    },
    /// Stored rows changed while an all-or-nothing operation ran; nothing was changed.
    #[error("{what} changed while this ran, so nothing was changed; run it again")]
    ConcurrentChange {
        /// What changed.
        what: String,
    },
    /// A stored row could not be read back (a corrupt or hand-edited database).
    #[error("stored {table} row {id} is unreadable: {reason}")]
    Corrupt {
        /// The table.
        table: &'static str,
        /// The row's key.
        id: String,
        /// What was wrong.
        reason: String,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
}

/// A driver error in words for a person: the server's own message for database errors (without
/// the server's source-file position that sqlx appends), the OS error for I/O.
pub(crate) fn describe(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        sqlx::Error::Io(io) => io.to_string(),
        other => other.to_string(),
    }
}
