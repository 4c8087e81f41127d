//! Writing a post or a comment, with files (the form is read by `crate::attachments`).

use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::SpaceError;
use super::files::Upload;
use super::handlers::{after, load, post_of, show_response};
use super::model::PostText;
use super::service;
use crate::accounts::Viewer;
use crate::error::AppResult;
use crate::policy::{self, Action};
use crate::state::AppState;

/// What the composer sent.
#[derive(Debug, Default)]
struct Composed {
    csrf: String,
    content: String,
    parent: String,
    files: Vec<(String, Vec<u8>)>,
}

async fn read(state: &AppState, request: Request) -> AppResult<Composed> {
    let form = crate::attachments::read_form(state, request).await?;
    Ok(Composed {
        csrf: form.get("csrf").to_owned(),
        content: form.get("content").to_owned(),
        parent: form.get("parent").to_owned(),
        files: form.files,
    })
}

/// `POST /espaces/{id}/messages`: a post (with up to three files), or a comment of `parent`.
pub async fn write(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    request: Request,
) -> AppResult<Response> {
    let form = read(&state, request).await?;
    viewer.check_csrf(&form.csrf)?;
    let (space, me, facts) = load(&state, &viewer, &id).await?;
    policy::require(&viewer, Action::WriteInSpace(&facts))?;
    let checked = check(&form);
    let (text, uploads) = match checked {
        Ok(checked) => checked,
        Err(message) => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return show_response(
                &state,
                &viewer,
                &id,
                status,
                Some(&message),
                &form.content,
                1,
            )
            .await;
        }
    };
    let parent = match form.parent.as_str() {
        "" => None,
        parent => Some(post_of(&state, &space, parent).await?),
    };
    let outcome: Result<(), SpaceError> =
        service::write(&state, &space, &me, parent.as_ref(), &text, &uploads)
            .await
            .map(|_| ());
    after(&state, &viewer, &id, outcome, &form.content).await
}

/// The text and files, or what is wrong with them (in French).
fn check(form: &Composed) -> Result<(PostText, Vec<Upload>), String> {
    let uploads = crate::attachments::parse_uploads(&form.files)?;
    let text = PostText::caption(&form.content, !uploads.is_empty()).map_err(str::to_owned)?;
    Ok((text, uploads))
}
