//! Adapters behind free slots: the slot computation's inputs ([`PgAvailability`]), members'
//! schedules ([`PgSchedules`]) and time off ([`PgTimeOff`]).

mod context;
mod schedules;
mod time_off;

pub use context::PgAvailability;
pub use schedules::PgSchedules;
pub use time_off::PgTimeOff;

use crate::error::DbError;
use diesel::result::{DatabaseErrorKind, Error};
use domain::ports::availability::AgendaWriteError;

/// A foreign key naming a member that is not the clinic's is [`AgendaWriteError::UnknownMember`].
fn write_error(err: DbError) -> AgendaWriteError {
    match &err {
        DbError::Query(Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _)) => {
            AgendaWriteError::UnknownMember
        }
        _ => AgendaWriteError::Other(err.into()),
    }
}
