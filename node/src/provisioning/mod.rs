//! Provisioning: importing ONDE exports and setting a node up.

pub mod init;
pub mod onde;
