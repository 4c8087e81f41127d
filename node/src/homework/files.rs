//! Files of the cahier de textes: those a teacher attaches to a séance or a work, and those a
//! pupil hands in (`attachments::FileTables`), counted against the sender's quotas in the write
//! transaction, served to whoever may see them.

use axum::extract::{Path, State};
use axum::response::Response;
use sqlx::AnyConnection;

use crate::accounts::Viewer;
use crate::attachments::FileTables;
use crate::error::{AppError, AppResult};
use crate::policy::homework::HomeworkUse;
use crate::state::AppState;

/// Files of séances and works.
pub const ENTRY: FileTables = FileTables {
    files: "homework_files",
    data: "homework_file_data",
    owner: "entry_id",
};

/// Files pupils hand in.
pub const HANDIN: FileTables = FileTables {
    files: "homework_handin_files",
    data: "homework_handin_file_data",
    owner: "handin_id",
};

/// Refuses `bytes` more when the sender's quotas would pass (per day, and all they hold), in
/// the caller's write transaction. `handins`: the pupil's files, else the teacher's.
pub async fn check_quota(
    tx: &mut AnyConnection,
    state: &AppState,
    sender: &str,
    handins: bool,
    bytes: i64,
) -> AppResult<()> {
    if bytes == 0 {
        return Ok(());
    }
    let sum = if handins {
        "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM homework_handin_files f \
         JOIN homework_handins h ON h.id = f.handin_id WHERE h.pupil_id = $1 AND f.created_at > $2"
    } else {
        "SELECT CAST(COALESCE(SUM(f.size), 0) AS BIGINT) FROM homework_files f \
         JOIN homework_entries e ON e.id = f.entry_id WHERE e.author_id = $1 AND f.created_at > $2"
    };
    let now = state.clock.now();
    let mut used = [0i64; 2];
    for (slot, since) in [now - crate::quotas::DAY_SECS, i64::MIN]
        .into_iter()
        .enumerate()
    {
        used[slot] = sqlx::query_scalar(sum)
            .bind(sender)
            .bind(since)
            .fetch_one(&mut *tx)
            .await?;
    }
    let limits = crate::quotas::Limits::of(&state.config.quotas);
    let usage = crate::quotas::Usage {
        member_items: 0,
        member_bytes: used[0],
        place_bytes: used[1],
    };
    crate::quotas::check(&limits, &usage, 0, bytes)
        .map_err(|e| AppError::Invalid(e.message(&limits)))
}

/// `GET /cahier-de-textes/fichiers/{id}`: a file of an entry the viewer may read.
pub async fn entry_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (entry_id, file, bytes) = ENTRY.get(&state.db, &id).await?.ok_or(AppError::NotFound)?;
    super::service::readable(&state, &viewer, &entry_id).await?;
    Ok(crate::attachments::serve(
        &file.name,
        &file.media_type,
        bytes,
    ))
}

/// `GET /cahier-de-textes/rendus/fichiers/{id}`: a handed-in file, to its pupil and the
/// class's teachers only.
pub async fn handin_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> AppResult<Response> {
    let (handin_id, file, bytes) = HANDIN
        .get(&state.db, &id)
        .await?
        .ok_or(AppError::NotFound)?;
    let handin = super::handins::get(&state.db, &handin_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (_, facts) = super::service::readable(&state, &viewer, &handin.entry_id).await?;
    let own = handin.pupil_id == viewer.id();
    if !(own
        || crate::policy::allows(
            &viewer,
            crate::policy::Action::Homework(&facts, HomeworkUse::Follow),
        ))
    {
        return Err(AppError::NotFound);
    }
    Ok(crate::attachments::serve(
        &file.name,
        &file.media_type,
        bytes,
    ))
}
