//! Integration tests: real nodes on 127.0.0.1 port 0, a fresh database each (SQLite, or
//! PostgreSQL with ENT_TEST_DATABASE_URL), run in parallel.

mod accounts;
mod admin;
mod authorization;
mod browser;
mod browser_pages;
mod browser_spaces;
mod classes;
mod codes;
mod federated_login;
mod federation;
mod federation_admin;
mod federation_delivery;
mod federation_fetch;
mod federation_forgery;
mod federation_inbox;
mod federation_outage;
mod federation_trust;
mod groups;
mod guests;
mod import;
mod import_changes;
mod import_end_to_end;
mod import_errors;
mod import_people;
mod listener;
mod ops;
mod pages;
mod spaces;
mod spaces_across;
mod spaces_authority;
mod spaces_files;
mod spaces_invitations;
mod spaces_privacy;
