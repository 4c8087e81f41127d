//! Users: the people of the node, their profiles in schools and their family links.

pub mod staff;
pub mod store;

pub use store::{Membership, NewUser, UserRow};
