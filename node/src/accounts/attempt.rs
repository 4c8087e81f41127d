//! One password attempt, the same for the sign-in page, the API token and the password-change
//! form: reserve it in the throttle (before anything is checked), check the password within
//! the hashing slots, then settle the reservation. Failures of the current password on the
//! password-change page therefore count exactly like sign-in failures.

use crate::domain::user::UserRow;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::users::store as users;

use super::password;
use super::throttle::{self, Limits, Reserved, Subjects};

/// Checks `password` for the identifier as typed; `user` is the active account it names, if
/// any (an unknown identifier costs the same time and counts the same). Errors:
/// [`AppError::RetryIn`] while the account or address is delayed (nothing checked),
/// [`AppError::Busy`] when no hashing slot frees up in time (the attempt is given back).
pub async fn check_password(
    state: &AppState,
    typed_identifier: &str,
    address: &str,
    password: String,
    user: Option<&UserRow>,
) -> AppResult<bool> {
    let now = state.clock.now();
    let subjects = Subjects::new(typed_identifier, address, &state.config.accounts);
    let limits = Limits::from_config(&state.config.accounts);
    if let Reserved::Wait(secs) = throttle::reserve(&state.db, &subjects, limits, now).await? {
        return Err(AppError::RetryIn(secs));
    }
    let stored = user.and_then(|u| u.password_hash.clone());
    let checked = match password::verify_gated(state, password, stored.clone()).await {
        Ok(checked) => checked,
        Err(error) => {
            throttle::not_checked(&state.db, &subjects, limits).await?;
            return Err(error);
        }
    };
    let Some(user) = user.filter(|_| checked.ok) else {
        return Ok(false);
    };
    throttle::succeeded(&state.db, &subjects, limits).await?;
    if let (Some(old), Some(new)) = (stored, checked.rehashed) {
        // The configuration's Argon2 parameters were raised since this hash was made.
        users::rehash(&state.db, &user.id, &old, &new).await?;
    }
    Ok(true)
}
