//! Schools of the node (UAI, name, kind) and their school years.

pub mod store;

pub use store::SchoolRow;
