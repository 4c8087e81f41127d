//! ENT node: the server, domain services, storage and web UI of a school digital workspace.
//!
//! A request goes router → handler → policy → store. Feature folders (`accounts`, `classes`,
//! `groups`, `portal`, `admin`, `api`) own their routes, handlers, templates and queries; `app` merges
//! their routers in one place; `policy` answers every "may this user…".

pub mod accounts;
pub mod admin;
pub mod agenda;
pub mod api;
pub mod app;
pub mod attachments;
pub mod audience;
pub mod classes;
pub mod demo;
pub mod domain;
pub mod error;
pub mod federation;
pub mod groups;
pub mod guests;
pub mod homework;
pub mod jobs;
pub mod keys;
pub mod liaison;
pub mod messaging;
pub mod net;
pub mod news;
pub mod notifications;
pub mod ops;
pub mod policy;
pub mod portal;
pub mod provisioning;
pub mod quiet_hours;
pub mod quotas;
pub mod schools;
pub mod server;
pub mod spaces;
pub mod state;
pub mod store;
pub mod users;
pub mod web;

pub use app::router;
pub use state::AppState;
