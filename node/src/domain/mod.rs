//! Domain values that cannot be invalid once parsed (parse at the edge, trust inside).

pub mod audience;
mod identifier;
mod level;
pub mod local_time;
mod profile;
mod school;
pub mod space;
mod text;
pub mod user;

pub use identifier::Identifier;
pub use level::ClassLevel;
pub use profile::Profile;
pub use school::{SchoolKind, SchoolYear, Uai};
pub use text::{
    fold_ascii, is_forbidden_in_name, normalize_name, printable, refuse_control_chars, short_name,
};

/// Why a value was refused at the edge, in French for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidValue(pub String);

impl InvalidValue {
    /// Builds the error from a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}
