//! Writing a post or a comment, with files: the composer posts `multipart/form-data` (files),
//! and a plain form works too (no file), so that any browser, with or without JavaScript, can
//! write.

use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::SpaceError;
use super::files::{MAX_FILES, Upload};
use super::handlers::{after, load, post_of, show_response};
use super::model::PostText;
use super::service;
use crate::accounts::Viewer;
use crate::error::{AppError, AppResult};
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
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let mut composed = Composed::default();
    if !multipart {
        let axum::Form(fields): axum::Form<Vec<(String, String)>> =
            axum::Form::from_request(request, state)
                .await
                .map_err(|_| AppError::Invalid("Formulaire illisible.".into()))?;
        for (name, value) in fields {
            set(&mut composed, &name, value);
        }
        return Ok(composed);
    }
    let mut parts = Multipart::from_request(request, state)
        .await
        .map_err(|_| unreadable())?;
    while let Some(field) = parts.next_field().await.map_err(|_| unreadable())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|_| unreadable())?;
            // A file input left empty still sends an empty part.
            if !bytes.is_empty() {
                composed.files.push((file_name, bytes.to_vec()));
            }
        } else {
            let value = field.text().await.map_err(|_| unreadable())?;
            set(&mut composed, &name, value);
        }
    }
    Ok(composed)
}

fn unreadable() -> AppError {
    AppError::Invalid(
        "Envoi interrompu ou trop volumineux (5 Mo par fichier, 3 fichiers au plus).".into(),
    )
}

fn set(composed: &mut Composed, name: &str, value: String) {
    match name {
        "csrf" => composed.csrf = value,
        "content" => composed.content = value,
        "parent" => composed.parent = value,
        _ => {}
    }
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
    if form.files.len() > MAX_FILES {
        return Err("Trois fichiers au plus par message.".into());
    }
    let uploads = form
        .files
        .iter()
        .map(|(name, bytes)| Upload::parse(name, bytes.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let text = PostText::caption(&form.content, !uploads.is_empty()).map_err(str::to_owned)?;
    Ok((text, uploads))
}
