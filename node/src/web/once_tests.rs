//! Unit tests of the one-time form tokens (`once.rs`).

use super::*;

#[test]
fn tokens_are_found_in_both_form_encodings() {
    let token = token();
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded".parse().unwrap(),
    );
    let body = format!("csrf=abc&once={token}&content=x");
    assert_eq!(find_token(&headers, body.as_bytes()), Some(token.clone()));
    assert_eq!(find_token(&headers, b"csrf=abc&once=short"), None);
    headers.insert(
        header::CONTENT_TYPE,
        "multipart/form-data; boundary=XX".parse().unwrap(),
    );
    let body = format!(
        "--XX\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\nabc\r\n--XX\r\n\
         Content-Disposition: form-data; name=\"once\"\r\n\r\n{token}\r\n--XX--\r\n"
    );
    assert_eq!(find_token(&headers, body.as_bytes()), Some(token));
    headers.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    assert_eq!(find_token(&headers, b"{\"once\":\"x\"}"), None);
}

#[test]
fn back_links_stay_on_this_node() {
    let mut headers = HeaderMap::new();
    assert_eq!(back_link(&headers, "https://ent.test"), "/portail");
    headers.insert(header::REFERER, "https://ent.test/groupes".parse().unwrap());
    assert_eq!(back_link(&headers, "https://ent.test"), "/groupes");
    headers.insert(
        header::REFERER,
        "https://ent.test//evil.test/".parse().unwrap(),
    );
    assert_eq!(back_link(&headers, "https://ent.test"), "/portail");
    headers.insert(header::REFERER, "https://evil.test/x".parse().unwrap());
    assert_eq!(back_link(&headers, "https://ent.test"), "/portail");
}

/// Every state-changing form of every template carries a one-time token, except the
/// sign-in form (signing in again is harmless: it opens a session, as the first did).
#[test]
fn every_post_form_carries_a_one_time_token() {
    let mut folders = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates")];
    let mut missing = Vec::new();
    // Templates live at the top and in one folder per service (`templates/homework/`).
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
                continue;
            }
            missing.extend(forms_without_token(&path));
        }
    }
    assert!(
        missing.is_empty(),
        "forms without `once`:\n{}",
        missing.join("\n")
    );
}

/// The state-changing forms of one template that carry no one-time token.
fn forms_without_token(path: &std::path::Path) -> Vec<String> {
    let mut missing = Vec::new();
    let text = std::fs::read_to_string(path).unwrap();
    for form in text.split("<form").skip(1) {
        let form = form.split("</form>").next().unwrap_or_default();
        let tag = form.split('>').next().unwrap_or_default();
        let posts = tag.contains("method=\"post\"");
        let exempt = tag.contains("action=\"/connexion\"");
        if posts && !exempt && !form.contains("name=\"once\" value=\"{{") {
            missing.push(format!("{}: <form{tag}>", path.display()));
        }
    }
    missing
}
