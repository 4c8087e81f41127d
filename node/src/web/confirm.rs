//! Confirmation pages: nothing irreversible happens in one tap. A form that would lose
//! something is posted without `confirme=oui` by the page's button; the handler, after checking
//! the rights, answers with this page, which says in plain words what will be lost and posts
//! the same form again with `confirme=oui`. There is no way around it (a stale page, a double
//! tap or a crafted link all land on the question) and it works without JavaScript.

use axum::response::{IntoResponse, Response};

use super::Page;
use crate::error::AppResult;

/// The field a confirmed form carries, and its value.
pub const FIELD: &str = "confirme";

/// A form posted with its anti-forgery token and, once asked, the confirmation.
#[derive(Debug, serde::Deserialize)]
pub struct ConfirmForm {
    /// The token.
    pub csrf: String,
    /// `oui` once the person answered the question.
    #[serde(default)]
    pub confirme: String,
}

impl ConfirmForm {
    /// Whether the person already said yes.
    pub fn confirmed(&self) -> bool {
        confirmed(&self.confirme)
    }
}

/// Whether a form's `confirme` field says yes.
pub fn confirmed(value: &str) -> bool {
    value == "oui"
}

/// The question asked once more.
#[derive(Debug, Clone)]
pub struct Confirmation {
    /// The question and what will be lost, to a child ("tu", few words).
    pub to_child: String,
    /// The same, to an adult ("vous").
    pub to_adult: String,
    /// Where the confirmed form goes (the same handler).
    pub action: String,
    /// Fields posted again with it (besides the token and `confirme`).
    pub fields: Vec<(String, String)>,
    /// "Oui, supprimer le message".
    pub yes: String,
    /// "Non, garder le message".
    pub no: String,
    /// Where "no" goes back to.
    pub back: String,
}

#[derive(askama::Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    page: Page<'a>,
    ask: &'a Confirmation,
}

/// The confirmation page (`page` titles it: "Fermer l'espace").
pub fn ask(page: Page<'_>, ask: &Confirmation) -> AppResult<Response> {
    Ok(super::render(&ConfirmPage { page, ask })?.into_response())
}
