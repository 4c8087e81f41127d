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
        let start = self.body.find(marker).map(|i| i + marker.len()).expect("page has a form token");
        let end = self.body[start..].find('"').expect("token ends");
        self.body[start..start + end].to_owned()
    }

    /// Whether this is a redirect to `path`.
    pub fn redirects_to(&self, path: &str) -> bool {
        self.status.is_redirection() && self.location.as_deref() == Some(path)
    }
}

/// A client for one node.
pub struct TestClient {
    base: String,
    http: reqwest::Client,
}

impl TestClient {
    /// A client with an empty cookie jar.
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self { base: base.to_owned(), http }
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let location = headers.get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let body = response.text().await.unwrap_or_default();
        Page { status, location, body, headers }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.http.get(format!("{}{path}", self.base)).send().await.expect("GET")).await
    }

    /// `POST path` with form fields.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(self.http.post(format!("{}{path}", self.base)).form(fields).send().await.expect("POST")).await
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
        self.submit("/connexion", "/connexion", &[("identifier", identifier), ("password", password)]).await
    }

    /// First sign-in with an activation code.
    pub async fn activate(&self, identifier: &str, code: &str, password: &str) -> Page {
        let fields = [("identifier", identifier), ("code", code), ("password", password), ("confirmation", password)];
        self.submit("/activation", "/activation", &fields).await
    }

    /// Signs out.
    pub async fn sign_out(&self) -> Page {
        self.submit("/compte", "/deconnexion", &[]).await
    }

    /// Changes the password from the account page.
    pub async fn change_password(&self, current: &str, new: &str) -> Page {
        let fields = [("current", current), ("password", new), ("confirmation", new)];
        self.submit("/compte", "/compte/mot-de-passe", &fields).await
    }

    /// Exchanges credentials for an API token (`None` when refused).
    pub async fn api_token(&self, identifier: &str, password: &str) -> (StatusCode, Option<String>) {
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
        let response = self
            .http
            .get(format!("{}/api/v1{path}", self.base))
            .bearer_auth(token)
            .send()
            .await
            .expect("API request");
        let status = response.status();
        (status, response.json().await.unwrap_or_default())
    }
}
