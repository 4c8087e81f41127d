//! What anonymous or young users can send stays bounded: metrics labels from fixed sets and
//! metrics only to allowed networks (over HTTPS too), French answers to requests refused before
//! any handler, private data folder and database files, files served for shared computers, and
//! the journal paged, filtered and written for the operator.

use ent_tests::spaces::{PNG, multipart};
use ent_tests::{TestApp, World, spawn_app, spawn_app_with};
use reqwest::StatusCode;

fn http(app: &TestApp) -> (reqwest::Client, String) {
    (reqwest::Client::new(), app.base_url.clone())
}

#[tokio::test]
async fn metrics_labels_come_from_fixed_sets() {
    let app = spawn_app().await;
    let (client, base) = http(&app);
    for method in ["FOO", "BAR", "PROPFIND"] {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        client
            .request(method, format!("{base}/portail"))
            .send()
            .await
            .unwrap();
    }
    for path in ["/x-3f2a9c", "/y-77b1e0/z", "/wp-login.php"] {
        client.get(format!("{base}{path}")).send().await.unwrap();
    }
    let metrics = app.client().get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    for raw in ["FOO", "BAR", "PROPFIND", "x-3f2a9c", "y-77b1e0", "wp-login"] {
        assert!(!metrics.body.contains(raw), "{raw} in {}", metrics.body);
    }
    assert!(
        metrics.body.contains("method=\"OTHER\""),
        "{}",
        metrics.body
    );
    let unmatched = metrics
        .body
        .lines()
        .find(|l| l.starts_with("ent_http_requests_total{") && l.contains("route=\"(unmatched)\""))
        .expect("unmatched routes under one label");
    assert!(unmatched.ends_with(" 3"), "{unmatched}");
}

#[tokio::test]
async fn metrics_go_only_to_the_allowed_networks() {
    let app =
        spawn_app_with(|config| config.server.metrics_allow = vec!["10.0.0.0/8".into()]).await;
    let client = app.client();
    let refused = client.get("/metrics").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.body.contains("ent_http_requests_total"));
    // A forwarded address is not believed when no proxy is configured.
    let forged = client
        .get_with_header("/metrics", "x-forwarded-for", "10.1.2.3")
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    app.stop().await;
    let proxied = spawn_app_with(|config| {
        config.server.metrics_allow = vec!["10.0.0.0/8".into()];
        config.server.behind_proxy = true;
    })
    .await;
    let client = proxied.client();
    let allowed = client
        .get_with_header("/metrics", "x-forwarded-for", "10.1.2.3")
        .await;
    assert_eq!(allowed.status, StatusCode::OK);
    let outside = client
        .get_with_header("/metrics", "x-forwarded-for", "192.0.2.1")
        .await;
    assert_eq!(outside.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn metrics_are_refused_outside_the_allowed_networks_over_tls_too() {
    let linked =
        ent_tests::federation::spawn_linked_with(&["a.test", "b.test"], &[(0, 1)], |config| {
            config.server.metrics_allow = vec!["10.0.0.0/8".into()];
        })
        .await;
    let node = linked.node(0);
    assert!(node.base_url.starts_with("https://"), "{}", node.base_url);
    let client = node.client();
    assert_eq!(client.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(client.get("/metrics").await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn requests_refused_before_any_handler_get_french_answers() {
    let app = spawn_app_with(|config| config.server.body_limit_kib = 16).await;
    let world = World::build(&app.state).await;
    let director = app.signed_in(&world.director).await;
    let french_page = |page: &ent_tests::client::Page, status: u16| {
        assert_eq!(page.status.as_u16(), status, "{page:?}");
        assert!(
            page.header("content-type")
                .unwrap_or_default()
                .starts_with("text/html"),
            "{page:?}"
        );
        assert!(page.body.contains("lang=\"fr\""), "{}", page.body);
        for english in [
            "Failed to",
            "deserialize",
            "Expected request",
            "length limit",
            "missing field",
        ] {
            assert!(!page.body.contains(english), "{english}: {}", page.body);
        }
    };
    // A form missing a field, a form sent as text, a query that does not parse.
    let missing = director.post_form("/groupes", &[("csrf", "x")]).await;
    french_page(&missing, 422);
    let text = director
        .post_bytes("/groupes", "text/plain", b"bonjour".to_vec())
        .await;
    french_page(&text, 415);
    let query = director.get("/admin/federation?page=abc").await;
    french_page(&query, 400);
    // Too large, and a method the route does not take.
    let big = director
        .post_bytes(
            "/groupes",
            "application/x-www-form-urlencoded",
            vec![b'a'; 64 * 1024],
        )
        .await;
    french_page(&big, 413);
    assert!(big.body.contains("trop volumineux"), "{}", big.body);
    let (client, base) = http(&app);
    let put = client.put(format!("{base}/portail")).send().await.unwrap();
    assert_eq!(put.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(put.headers().contains_key("allow"));
    assert!(put.text().await.unwrap().contains("Cette adresse ne s"));
    // The API answers JSON, in French.
    let api = client
        .post(format!("{base}/api/v1/token"))
        .header("content-type", "application/json")
        .body("{pas du json")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = api.json().await.unwrap();
    assert!(
        body["error"].as_str().unwrap().contains("mal formé"),
        "{body}"
    );
    let no_type = client
        .post(format!("{base}/api/v1/token"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(no_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: serde_json::Value = no_type.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().contains("JSON"), "{body}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_data_folder_and_database_files_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    let app = spawn_app_with(|config| {
        config.node.data_dir = config.node.data_dir.join("donnees");
    })
    .await;
    let data = app.data_dir();
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("keys")), 0o700);
    assert_eq!(mode(&data.join("keys/api-jwt.json")), 0o600);
    // A new SQLite database: its folder, the file, and its write-ahead journal.
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("base/ent.db");
    let db = ent_node::store::Db::connect(&format!("sqlite://{}", path.display()), 1)
        .await
        .unwrap();
    db.migrate().await.unwrap();
    assert_eq!(mode(&folder.path().join("base")), 0o700);
    assert_eq!(mode(&path), 0o600);
    assert_eq!(mode(&folder.path().join("base/ent.db-wal")), 0o600);
    db.close().await;
}

#[tokio::test]
async fn files_are_not_cached_keep_their_sandbox_and_pdfs_are_downloaded() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    let teacher = app.signed_in(&world.teacher).await;
    let created = teacher
        .submit(
            "/espaces",
            "/espaces",
            &[("title", "Sciences"), ("description", "")],
        )
        .await;
    let page = created.location.expect("space");
    let csrf = teacher.get(&page).await.csrf();
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();
    let (kind, body) = multipart(
        &[("csrf", &csrf), ("content", "")],
        &[("photo.png", PNG), ("fiche.pdf", &pdf)],
    );
    let sent = teacher
        .post_bytes(&format!("{page}/messages"), &kind, body)
        .await;
    assert!(sent.redirects_to(&page), "{sent:?}");
    let files: Vec<(String, String)> =
        sqlx::query_as("SELECT id, name FROM space_files ORDER BY name")
            .fetch_all(app.state.db.pool())
            .await
            .unwrap();
    assert_eq!(files.len(), 2);
    for (id, name) in &files {
        let file = teacher.get(&format!("{page}/fichiers/{id}")).await;
        assert_eq!(file.status, StatusCode::OK, "{name}");
        assert_eq!(file.header("cache-control"), Some("no-store"), "{name}");
        let csp = file.header("content-security-policy").unwrap_or_default();
        assert!(csp.starts_with("sandbox"), "{name}: {csp}");
        assert!(
            !csp.contains("'self'"),
            "the page policy replaced the file's: {csp}"
        );
        let disposition = file.header("content-disposition").unwrap_or_default();
        let expected = if name.ends_with(".pdf") {
            "attachment;"
        } else {
            "inline;"
        };
        assert!(disposition.starts_with(expected), "{name}: {disposition}");
    }
}

/// Journal rows written straight into the log: (at, actor, action, target, detail).
async fn journal_rows(app: &TestApp, rows: &[(i64, Option<&str>, &str, &str, &str)]) {
    let mut tx = app.state.db.begin_write().await.unwrap();
    for (at, actor, action, target, detail) in rows {
        ent_node::users::store::audit(&mut tx, *at, *actor, action, target, detail)
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn the_journal_is_paged_filtered_and_written_for_the_operator() {
    let app = spawn_app().await;
    let world = World::build(&app.state).await;
    // 14 July 2026, 10:00 UTC: 12:00 in Paris.
    let july = 1_784_023_200;
    let mut rows: Vec<(i64, Option<&str>, &str, &str, &str)> = (0..5_050)
        .map(|i| (july - 86_400 * 30 - i, None, "guest.expired", "x", ""))
        .collect();
    let filled = format!("2 depuis {}", world.class_a);
    rows.push((
        july,
        Some(&world.teacher.id),
        "account.code",
        &world.pupil.id,
        &world.class_a,
    ));
    let gone = "0190f3a2-0000-7000-8000-000000000000";
    rows.push((
        july - 60,
        Some(&world.teacher.id),
        "group.add",
        gone,
        &filled,
    ));
    rows.push((
        july + 60,
        Some(&world.operator.id),
        "school.add",
        &world.school_id,
        "=HYPERLINK(\"http://x\")",
    ));
    journal_rows(&app, &rows).await;
    let operator = app.signed_in(&world.operator).await;
    let first = operator.get("/admin/journal").await;
    assert_eq!(first.status, StatusCode::OK);
    let body = &first.body;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(app.state.db.pool())
        .await
        .unwrap();
    assert!(total > 5_050);
    let caption = format!("{total} entrée(s), page 1 sur 51");
    assert!(body.contains(&caption), "not cut at 5 000: {body}");
    assert!(
        body.contains("Établissement ajouté") && body.contains("Nouveau code d&#39;activation"),
        "{body}"
    );
    assert!(body.contains("14/07/2026 12:00"), "Paris time: {body}");
    assert!(
        body.contains("2 depuis CM2 A"),
        "ids in details named: {body}"
    );
    assert!(
        body.contains("(supprimé)") && !body.contains(gone),
        "{body}"
    );
    for id in [
        &world.pupil.id,
        &world.teacher.id,
        &world.school_id,
        &world.class_a,
    ] {
        assert!(!body.contains(id.as_str()), "{id} shown: {body}");
    }
    assert!(body.contains(&world.teacher.identifier) && !body.contains("account.code"));
    // The last page is reachable, and pages keep the filter.
    let last = operator.get("/admin/journal?page=51").await;
    assert!(last.body.contains("Page 51 sur 51"), "{}", last.body);
    let filtered = operator
        .get("/admin/journal?type=comptes&du=2026-07-14&au=2026-07-14")
        .await;
    assert!(filtered.body.contains("1 entrée(s)"), "{}", filtered.body);
    let by_person = operator
        .get(&format!("/admin/journal?qui={}", world.pupil.identifier))
        .await;
    assert!(by_person.body.contains("1 entrée(s)"), "{}", by_person.body);
    let before = operator.get("/admin/journal?au=2026-06-30").await;
    assert!(
        before.body.contains("5050 entrée(s)") && before.body.contains("?au=2026-06-30&#38;page=2"),
        "{}",
        before.body
    );
    let bad = operator.get("/admin/journal?du=demain").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The export neutralises formulas.
    let export = operator.get("/admin/journal?type=ecoles&format=csv").await;
    assert!(
        export.body.contains("\"'=HYPERLINK(\"\"http://x\"\")\""),
        "{}",
        export.body
    );
    assert!(!export.body.contains(",=HYPERLINK"), "{}", export.body);
}
