//! Handlers of the account pages. Each one: parse the form, ask the policy, call the store.

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::domain::Identifier;
use crate::error::{AppError, AppResult};
use crate::net::ClientAddress;
use crate::policy::{self, Action};
use crate::state::AppState;
use crate::users::store as users;
use crate::web::flash::{Done, Flash};
use crate::web::{Page, TokenForm, render};

use super::session::{self, MaybeViewer};
use super::throttle::{self, Limits, Reserved, Subjects};
use super::{Viewer, attempt, codes, csrf, password};

/// Generic refusal: says nothing about whether the identifier exists.
/// Said to whoever signs in, child or adult: no "tu" nor "vous".
const SIGN_IN_REFUSED: &str = "Identifiant ou mot de passe incorrect. Première connexion : il faut le code de la fiche de connexion.";
const ACTIVATION_REFUSED: &str =
    "Identifiant ou code incorrect, ou code expiré. Demande une nouvelle fiche à ton enseignant.";
/// [`ACTIVATION_REFUSED`], to an adult.
const ACTIVATION_REFUSED_ADULT: &str = "Identifiant ou code incorrect, ou code expiré. Demandez une nouvelle fiche à l'enseignant ou à la direction de l'école.";
/// Too many attempts, to a child.
const THROTTLED_CHILD: &str = "Trop d'essais. Attends quelques minutes, puis recommence.";

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage<'a> {
    page: Page<'a>,
    identifier: &'a str,
    error: Option<&'a str>,
    /// Same-site path to go to once signed in ("" for the portal).
    retour: &'a str,
    /// Whether "Se connecter avec mon ENT" is offered (a link with the `spaces` scope).
    federated: bool,
}

#[derive(Template)]
#[template(path = "activation.html")]
struct ActivationPage<'a> {
    page: Page<'a>,
    identifier: &'a str,
    min_length: u32,
    error: Option<&'a str>,
    /// Addressed to an adult ("vous"), else to a child ("tu").
    adult: bool,
}

#[derive(Template)]
#[template(path = "password_forgotten.html")]
struct ForgottenPage<'a> {
    page: Page<'a>,
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    page: Page<'a>,
    viewer: &'a Viewer,
    min_length: u32,
    message: Option<&'a str>,
    error: Option<&'a str>,
}

/// Fields of the sign-in form.
#[derive(Deserialize)]
pub struct SignInForm {
    identifier: String,
    password: String,
    csrf: String,
    #[serde(default)]
    retour: String,
}

/// `?retour=` of the sign-in page: where to go once signed in (same site only).
#[derive(Deserialize, Default)]
pub struct ReturnTo {
    #[serde(default)]
    retour: String,
}

/// Fields of the activation form.
#[derive(Deserialize)]
pub struct ActivationForm {
    identifier: String,
    code: String,
    password: String,
    confirmation: String,
    csrf: String,
    /// `adulte` on the adults' form.
    #[serde(default)]
    profil: String,
}

/// Fields of the password change form.
#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirmation: String,
    csrf: String,
}

/// `?identifiant=` prefill of the activation page.
#[derive(Deserialize, Default)]
pub struct Prefill {
    #[serde(default)]
    identifiant: String,
    /// `adulte`: the page says "vous" (parents' and staff's sheets link there).
    #[serde(default)]
    profil: String,
}

/// Whether an activation page or form is the adults' one (`profil=adulte`).
fn for_adult(profil: &str) -> bool {
    profil == "adulte"
}

/// A page shown before sign-in: fresh anonymous token in a strict cookie and in the form.
pub(super) fn anonymous_page<'a>(state: &AppState, title: &'a str) -> (Page<'a>, String) {
    let token = csrf::anonymous_token(state.config.security.secret_key.expose());
    let cookie = session::set_cookie(state, csrf::COOKIE, &token, 7200, "Strict");
    let page = Page {
        node_name: state.config.node.name.clone(),
        csrf: token,
        ..Page::anonymous(title)
    };
    (page, cookie)
}

pub(super) fn check_anonymous_csrf(
    state: &AppState,
    headers: &HeaderMap,
    field: &str,
) -> AppResult<()> {
    let cookie = session::read_cookie(state, headers, csrf::COOKIE);
    if csrf::anonymous_token_ok(state.config.security.secret_key.expose(), cookie, field) {
        Ok(())
    } else {
        Err(AppError::Csrf)
    }
}

fn sign_in_response(
    state: &AppState,
    status: StatusCode,
    identifier: &str,
    error: Option<&str>,
    retour: &str,
) -> AppResult<Response> {
    let (page, cookie) = anonymous_page(state, "Connexion");
    let html = render(&SignInPage {
        page,
        identifier,
        error,
        retour: super::federated::safe_return(retour).unwrap_or_default(),
        federated: super::federated::offered(state),
    })?;
    Ok((status, AppendHeaders([(header::SET_COOKIE, cookie)]), html).into_response())
}

/// `GET /connexion`.
pub async fn sign_in_page(
    State(state): State<AppState>,
    MaybeViewer(viewer): MaybeViewer,
    Query(to): Query<ReturnTo>,
) -> AppResult<Response> {
    if viewer.is_some() {
        let to = super::federated::safe_return(&to.retour).unwrap_or("/portail");
        return Ok(Redirect::to(to).into_response());
    }
    sign_in_response(&state, StatusCode::OK, "", None, &to.retour)
}

/// Opens a session and sends the browser to `to` (a same-site path).
pub(super) async fn open_session_to(
    state: &AppState,
    user_id: &str,
    to: &str,
) -> AppResult<Response> {
    let pupil_only = Viewer::load(&state.db, user_id, String::new())
        .await?
        .is_some_and(|v| v.is_pupil_only());
    let lifetime = session::Lifetime::for_account(&state.config.accounts, pupil_only);
    let token = session::open(&state.db, user_id, state.clock.now(), lifetime).await?;
    let cookie = session::set_cookie(
        state,
        session::COOKIE,
        &token,
        lifetime.absolute_secs,
        "Lax",
    );
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Redirect::to(to),
    )
        .into_response())
}

/// Opens a session for `user_id` in place of the one this browser holds, if any: signing in
/// over someone's forgotten session on a shared computer ends it rather than leaving it open.
pub(super) async fn replace_session(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    to: &str,
) -> AppResult<Response> {
    if let Some(previous) = session::read_cookie(state, headers, session::COOKIE) {
        session::close(&state.db, previous).await?;
    }
    open_session_to(state, user_id, to).await
}

/// A page refusing for a while tells when to come back (`Retry-After`, seconds).
fn with_retry_after(mut response: Response, error: &AppError) -> Response {
    if let AppError::RetryIn(secs) = error {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, (*secs).into());
    }
    response
}

/// `POST /connexion`.
pub async fn sign_in(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> AppResult<Response> {
    check_anonymous_csrf(&state, &headers, &form.csrf)?;
    let user = match Identifier::parse(&form.identifier) {
        Ok(identifier) => users::by_identifier(&state.db, &identifier).await?,
        Err(_) => None,
    };
    let user = user.filter(|u| u.active);
    let checked = attempt::check_password(
        &state,
        &form.identifier,
        &address,
        form.password,
        user.as_ref(),
    )
    .await;
    match (checked, user) {
        (Ok(true), Some(user)) => {
            let to = super::federated::safe_return(&form.retour).unwrap_or("/portail");
            replace_session(&state, &headers, &user.id, to).await
        }
        (Ok(_), _) => sign_in_response(
            &state,
            StatusCode::UNAUTHORIZED,
            &form.identifier,
            Some(SIGN_IN_REFUSED),
            &form.retour,
        ),
        (Err(error @ (AppError::RetryIn(_) | AppError::Busy)), _) => {
            let message = error.public_message();
            let response = sign_in_response(
                &state,
                error.status(),
                &form.identifier,
                Some(&message),
                &form.retour,
            )?;
            Ok(with_retry_after(response, &error))
        }
        (Err(error), _) => Err(error),
    }
}

fn activation_response(
    state: &AppState,
    status: StatusCode,
    identifier: &str,
    error: Option<&str>,
    adult: bool,
) -> AppResult<Response> {
    let (page, cookie) = anonymous_page(state, "Première connexion");
    let page = Page {
        simple: !adult,
        ..page
    };
    let min_length = state.config.accounts.min_password_length;
    let html = render(&ActivationPage {
        page,
        identifier,
        min_length,
        error,
        adult,
    })?;
    Ok((status, AppendHeaders([(header::SET_COOKIE, cookie)]), html).into_response())
}

/// `GET /activation` (`?profil=adulte`: the adults' wording).
pub async fn activation_page(
    State(state): State<AppState>,
    Query(prefill): Query<Prefill>,
) -> AppResult<Response> {
    let adult = for_adult(&prefill.profil);
    activation_response(&state, StatusCode::OK, &prefill.identifiant, None, adult)
}

/// `GET /mot-de-passe-oublie`: what to do, per profile (nobody's password can be sent: the
/// school or the operator hands out a new code).
pub async fn password_forgotten_page(State(state): State<AppState>) -> AppResult<Response> {
    let page = Page {
        node_name: state.config.node.name.clone(),
        ..Page::anonymous("Mot de passe oublié")
    };
    Ok(render(&ForgottenPage { page })?.into_response())
}

/// `POST /activation`: identifier + code + new password; opens a session.
pub async fn activate(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    Form(form): Form<ActivationForm>,
) -> AppResult<Response> {
    check_anonymous_csrf(&state, &headers, &form.csrf)?;
    let adult = for_adult(&form.profil);
    // Password rules first: their message reveals nothing about the code.
    let min_length = state.config.accounts.min_password_length;
    if let Err(error) = password::check_new_password(&form.password, &form.confirmation, min_length)
    {
        let message = error.public_message();
        return activation_response(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.identifier,
            Some(&message),
            adult,
        );
    }
    let now = state.clock.now();
    let subjects = Subjects::new(&form.identifier, &address, &state.config.accounts);
    let limits = Limits::from_config(&state.config.accounts);
    // Reserved before the code is checked: codes have little entropy.
    if let Reserved::Wait(secs) = throttle::reserve(&state.db, &subjects, limits, now).await? {
        let error = AppError::RetryIn(secs);
        let message = if adult {
            error.public_message()
        } else {
            THROTTLED_CHILD.into()
        };
        let response = activation_response(
            &state,
            StatusCode::TOO_MANY_REQUESTS,
            &form.identifier,
            Some(&message),
            adult,
        )?;
        return Ok(with_retry_after(response, &error));
    }
    let user = match Identifier::parse(&form.identifier) {
        Ok(identifier) => users::by_identifier(&state.db, &identifier)
            .await?
            .filter(|u| u.active),
        Err(_) => None,
    };
    let valid = match &user {
        Some(user) => codes::matches(&state.db, &user.id, &form.code, now).await?,
        None => false,
    };
    let Some(user) = user.filter(|_| valid) else {
        let refused = if adult {
            ACTIVATION_REFUSED_ADULT
        } else {
            ACTIVATION_REFUSED
        };
        return activation_response(
            &state,
            StatusCode::UNAUTHORIZED,
            &form.identifier,
            Some(refused),
            adult,
        );
    };
    throttle::succeeded(&state.db, &subjects, limits).await?;
    // Staff's stronger rule, once the code proved who this is (the code stays valid).
    let memberships = users::memberships(&state.db, &user.id).await?;
    if password::needs_strong(user.is_operator, memberships.iter().map(|m| m.profile))
        && let Err(error) = password::check_strong(
            &form.password,
            state.config.accounts.staff_min_password_length,
        )
    {
        let message = error.public_message();
        return activation_response(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            &form.identifier,
            Some(&message),
            adult,
        );
    }
    let hash = match password::hash_gated(&state, form.password).await {
        Ok(hash) => hash,
        Err(error @ AppError::Busy) => {
            let message = error.public_message();
            return activation_response(
                &state,
                error.status(),
                &form.identifier,
                Some(&message),
                adult,
            );
        }
        Err(error) => return Err(error),
    };
    let mut tx = state.db.begin_write().await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2, \
         credentials_version = credentials_version + 1 WHERE id = $3",
    )
    .bind(&hash)
    .bind(now)
    .bind(&user.id)
    .execute(&mut *tx)
    .await?;
    codes::consume(&mut tx, &user.id).await?;
    users::audit(
        &mut tx,
        now,
        Some(&user.id),
        "account.activate",
        &user.id,
        "",
    )
    .await?;
    tx.commit().await?;
    session::close_others(&state.db, &user.id, None).await?;
    replace_session(&state, &headers, &user.id, "/portail").await
}

/// `POST /deconnexion`.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Viewer,
    Form(form): Form<TokenForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    if let Some(token) = session::read_cookie(&state, &headers, session::COOKIE) {
        session::close(&state.db, token).await?;
    }
    let cookie = session::set_cookie(&state, session::COOKIE, "", 0, "Lax");
    Ok((
        AppendHeaders([(header::SET_COOKIE, cookie)]),
        Redirect::to("/connexion"),
    )
        .into_response())
}

fn account_response(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    message: Option<&str>,
    error: Option<&str>,
) -> AppResult<Response> {
    let page = viewer.page("Mon compte", &state.config.node.name);
    let min_length = min_length_of(state, viewer);
    let html = render(&AccountPage {
        page,
        viewer,
        min_length,
        message,
        error,
    })?;
    Ok((status, html).into_response())
}

/// `GET /compte` (`?fait=mot-de-passe` after a change).
pub async fn account_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(flash): Query<Flash>,
) -> AppResult<Response> {
    policy::require(&viewer, Action::ManageOwnAccount)?;
    let message = flash.message(viewer.is_pupil_only());
    account_response(&state, &viewer, StatusCode::OK, message, None)
}

/// The shortest new password for this viewer: staff and operators follow the strong rule.
fn min_length_of(state: &AppState, viewer: &Viewer) -> u32 {
    let accounts = &state.config.accounts;
    if strong_rule(viewer) {
        accounts.staff_min_password_length
    } else {
        accounts.min_password_length
    }
}

fn strong_rule(viewer: &Viewer) -> bool {
    password::needs_strong(
        viewer.is_operator(),
        viewer.memberships.iter().map(|m| m.profile),
    )
}

/// `POST /compte/mot-de-passe`: current password, new one twice; ends the other sessions.
/// A wrong current password counts as a failed sign-in of the account (same throttle).
pub async fn change_password(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    viewer: Viewer,
    Form(form): Form<PasswordForm>,
) -> AppResult<Response> {
    viewer.check_csrf(&form.csrf)?;
    policy::require(&viewer, Action::ManageOwnAccount)?;
    let min_length = state.config.accounts.min_password_length;
    let mut rules = password::check_new_password(&form.password, &form.confirmation, min_length);
    if rules.is_ok() && strong_rule(&viewer) {
        rules = password::check_strong(
            &form.password,
            state.config.accounts.staff_min_password_length,
        );
    }
    if let Err(error) = rules {
        let message = error.public_message();
        return account_response(
            &state,
            &viewer,
            StatusCode::UNPROCESSABLE_ENTITY,
            None,
            Some(&message),
        );
    }
    let checked = attempt::check_password(
        &state,
        &viewer.user.identifier,
        &address,
        form.current,
        Some(&viewer.user),
    )
    .await;
    match checked {
        Ok(true) => {}
        Ok(false) => {
            return account_response(
                &state,
                &viewer,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                Some("Le mot de passe actuel est incorrect."),
            );
        }
        Err(error @ (AppError::RetryIn(_) | AppError::Busy)) => {
            let message = error.public_message();
            let response = account_response(&state, &viewer, error.status(), None, Some(&message))?;
            return Ok(with_retry_after(response, &error));
        }
        Err(error) => return Err(error),
    }
    let hash = password::hash_gated(&state, form.password).await?;
    users::set_password(&state.db, viewer.id(), &hash, state.clock.now()).await?;
    session::close_others(
        &state.db,
        viewer.id(),
        session::read_cookie(&state, &headers, session::COOKIE),
    )
    .await?;
    // Redirected (POST/redirect/GET): a reload shows the page, it does not send the form again.
    Ok(Done::PasswordChanged.redirect("/compte"))
}
