//! A browser-like HTTP client: its own cookie jar, no automatic redirects (tests look at them),
//! and one method per endpoint.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

/// A response reduced to what tests look at.
#[derive(Debug)]
pub struct Page {
    /// HTTP status.
    pub status: StatusCode,
    /// `Location` of a redirect.
    pub location: Option<String>,
    /// Body text.
    pub body: String,
    /// Response headers.
    pub headers: reqwest::header::HeaderMap,
}

impl Page {
    /// The anti-forgery token of the first form on the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .expect("page has a form token");
        let end = self.body[start..].find('"').expect("token ends");
        self.body[start..start + end].to_owned()
    }

    /// Whether this is a redirect to `path`.
    pub fn redirects_to(&self, path: &str) -> bool {
        self.status.is_redirection() && self.location.as_deref() == Some(path)
    }

    /// A response header as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The code shown once after a teacher or the operator issued one (`XXXX-XXXX`).
    pub fn issued_code(&self) -> Option<String> {
        let after = |marker: &str| self.body.split_once(marker).map(|(_, rest)| rest);
        let rest = after("id=\"issued-code\">")
            .or_else(|| after("Nouveau code d'activation : <strong class=\"mono big\">"))?;
        rest.split_once('<').map(|(code, _)| code.trim().to_owned())
    }

    /// The connection sheets of a print page, in page order.
    pub fn sheets(&self) -> Vec<PrintedSheet> {
        let value = |section: &str, label: &str| {
            let marker = format!("{label} : <strong class=\"mono big\">");
            section
                .split_once(&marker)
                .and_then(|(_, rest)| rest.split_once('<'))
                .map(|(value, _)| value.trim().to_owned())
                .unwrap_or_default()
        };
        self.body
            .split("<section class=\"sheet\"")
            .skip(1)
            .map(|section| PrintedSheet {
                identifier: value(section, "Identifiant"),
                code: value(section, "Code"),
                pupil: section.contains("<span class=\"role\">Élève</span>"),
            })
            .collect()
    }
}

/// One sheet of a print page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedSheet {
    /// The account's identifier.
    pub identifier: String,
    /// The activation code printed on it.
    pub code: String,
    /// Whether it is a pupil's sheet (rather than a parent's).
    pub pupil: bool,
}

/// Whether `code` has the printed shape `XXXX-XXXX` (upper-case letters and digits).
pub fn is_code_shaped(code: &str) -> bool {
    let bytes = code.as_bytes();
    bytes.len() == 9
        && bytes[4] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// A client for one node.
pub struct TestClient {
    base: String,
    http: reqwest::Client,
}

impl TestClient {
    /// A client with an empty cookie jar.
    pub fn new(base: &str) -> Self {
        Self::with_builder(base, reqwest::Client::builder())
    }

    /// A client with an empty cookie jar, from a builder that knows how to reach the node
    /// (fixed address, test certificate authority).
    pub fn with_builder(base: &str, builder: reqwest::ClientBuilder) -> Self {
        let http = builder
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            base: base.to_owned(),
            http,
        }
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            location,
            body,
            headers,
        }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Page {
        Self::page(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .expect("GET"),
        )
        .await
    }

    /// `POST path` with form fields.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.http
                .post(format!("{}{path}", self.base))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// Posts a form whose token is read from the page at `from` (as a browser would).
    pub async fn submit(&self, from: &str, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.get(from).await.csrf();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_form(path, &all).await
    }

    /// Signs in through the sign-in form.
    pub async fn sign_in(&self, identifier: &str, password: &str) -> Page {
        self.submit(
            "/connexion",
            "/connexion",
            &[("identifier", identifier), ("password", password)],
        )
        .await
    }

    /// First sign-in with an activation code.
    pub async fn activate(&self, identifier: &str, code: &str, password: &str) -> Page {
        let fields = [
            ("identifier", identifier),
            ("code", code),
            ("password", password),
            ("confirmation", password),
        ];
        self.submit("/activation", "/activation", &fields).await
    }

    /// Follows a redirect as a browser would (`GET` of its `Location`); any other page as is.
    pub async fn follow(&self, page: Page) -> Page {
        match &page.location {
            Some(to) if page.status.is_redirection() => self.get(to).await,
            _ => page,
        }
    }

    /// Signs out.
    pub async fn sign_out(&self) -> Page {
        self.submit("/compte", "/deconnexion", &[]).await
    }

    /// Changes the password from the account page.
    pub async fn change_password(&self, current: &str, new: &str) -> Page {
        let fields = [
            ("current", current),
            ("password", new),
            ("confirmation", new),
        ];
        let sent = self
            .submit("/compte", "/compte/mot-de-passe", &fields)
            .await;
        // Done, the form redirects to the account page, which says so (POST/redirect/GET).
        self.follow(sent).await
    }

    /// The session's anti-forgery token, read from the account page (signed-in clients only).
    pub async fn session_csrf(&self) -> String {
        self.get("/compte").await.csrf()
    }

    /// Posts a form with the session's token, as the page's own form would.
    pub async fn post_signed(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.session_csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post_form(path, &all).await
    }

    /// `GET path` with one extra request header.
    pub async fn get_with_header(&self, path: &str, name: &str, value: &str) -> Page {
        let request = self
            .http
            .get(format!("{}{path}", self.base))
            .header(name, value);
        Self::page(request.send().await.expect("GET")).await
    }

    /// `POST path` with a raw body.
    pub async fn post_bytes(&self, path: &str, content_type: &str, body: Vec<u8>) -> Page {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        Self::page(request.send().await.expect("POST")).await
    }

    /// Prints the connection sheets of a class (`POST /classes/{id}/fiches`).
    pub async fn print_sheets(&self, class_id: &str) -> Page {
        self.post_signed(&format!("/classes/{class_id}/fiches"), &[])
            .await
    }

    /// Issues a new code for one pupil or parent of a class.
    pub async fn regenerate_code(&self, class_id: &str, user_id: &str) -> Page {
        // Confirmed: on an activated account the first tap only asks.
        self.post_signed(
            &format!("/classes/{class_id}/comptes/{user_id}/code"),
            &[("confirme", "oui")],
        )
        .await
    }

    /// Adds a school from the operator's page (`kind`: `elementaire`, `maternelle`…).
    pub async fn add_school(&self, uai: &str, name: &str, kind: &str) -> Page {
        self.post_signed(
            "/admin/ecoles",
            &[("uai", uai), ("name", name), ("kind", kind)],
        )
        .await
    }

    /// Deactivates or reactivates an account from the operator's page.
    pub async fn set_user_active(&self, user_id: &str, active: bool) -> Page {
        let active = if active { "1" } else { "0" };
        self.post_signed(
            &format!("/admin/utilisateurs/{user_id}/etat"),
            &[("active", active)],
        )
        .await
    }

    /// Issues a new activation code for any account from the operator's page.
    pub async fn reset_code(&self, user_id: &str) -> Page {
        // Confirmed: on an activated account the first tap only asks.
        self.post_signed(
            &format!("/admin/utilisateurs/{user_id}/code"),
            &[("confirme", "oui")],
        )
        .await
    }

    /// Searches accounts on the operator's page.
    pub async fn search_users(&self, query: &str) -> Page {
        let request = self
            .http
            .get(format!("{}/admin/utilisateurs", self.base))
            .query(&[("q", query)]);
        Self::page(request.send().await.expect("GET")).await
    }

    /// Exchanges credentials for an API token (`None` when refused).
    pub async fn api_token(
        &self,
        identifier: &str,
        password: &str,
    ) -> (StatusCode, Option<String>) {
        let response = self
            .http
            .post(format!("{}/api/v1/token", self.base))
            .json(&serde_json::json!({ "identifier": identifier, "password": password }))
            .send()
            .await
            .expect("token request");
        let status = response.status();
        let body: serde_json::Value = response.json().await.unwrap_or_default();
        (status, body["access_token"].as_str().map(str::to_owned))
    }

    /// `GET /api/v1{path}` with a bearer token.
    pub async fn api_get(&self, path: &str, token: &str) -> (StatusCode, serde_json::Value) {
        self.api_get_as(path, Some(token)).await
    }

    /// `GET /api/v1{path}`, with a bearer token when one is given.
    pub async fn api_get_as(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, serde_json::Value) {
        let mut request = self.http.get(format!("{}/api/v1{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("API request");
        let status = response.status();
        (status, response.json().await.unwrap_or_default())
    }
}
