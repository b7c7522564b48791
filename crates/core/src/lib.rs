//! Ferry's domain vocabulary, shared by every other crate.
//!
//! **Architecture invariant:** this crate does no I/O and knows nothing of HTTP, SQL or files.
//! It names the things Ferry moves (change notices, work items, cross-reference links) and the
//! pure rules about them (identifier syntax, retry backoff).

pub mod ids;
pub mod notice;
pub mod queue;
pub mod rate;
pub mod retry;
pub mod timestamp;
pub mod xref;

pub use ids::{FlowName, IdError, TenantId, is_secret_name};
pub use notice::{ChangeNotice, Operation, System};
pub use queue::{
    Attempt, DeadLetter, DeadLetterFilter, Failure, FailureKind, LeasedItem, QueueStats,
};
pub use retry::RetryPolicy;
pub use timestamp::Timestamp;
pub use xref::{Direction, XrefLink};
