//! Provisioning: importing ONDE exports and AAF feeds, and setting a node up.

pub mod aaf;
mod batch;
pub mod guard;
pub mod init;
pub mod onde;
