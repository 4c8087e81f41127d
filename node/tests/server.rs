//! The server as operators run it: HTTPS with their certificate, the real binary, SIGTERM,
//! and refusal of an invalid configuration.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use ent_config::NodeConfig;

fn config_text(data_dir: &std::path::Path, listen: &str, extra: &str) -> String {
    format!(
        "[node]\ndomain = \"127.0.0.1\"\ndata_dir = {:?}\npublic_url = \"http://{listen}\"\n[server]\nlisten = {listen:?}\n{extra}\n\
         [security]\nsecret_key = \"{}\"\n",
        data_dir.display().to_string(),
        "s".repeat(40)
    )
}

/// A test certificate authority and a certificate for 127.0.0.1 signed by it.
fn test_pki(dir: &std::path::Path) -> (String, std::path::PathBuf, std::path::PathBuf) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ENT test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca_params, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let params =
        rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = params.signed_by(&key, &issuer).unwrap();
    let (cert_path, key_path) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    (ca.pem(), cert_path, key_path)
}

#[tokio::test]
async fn serves_https_with_the_configured_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let (ca_pem, cert, key) = test_pki(dir.path());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let extra = format!(
        "tls_cert = {:?}\ntls_key = {:?}",
        cert.display().to_string(),
        key.display().to_string()
    );
    let config = NodeConfig::from_toml_str_only(&config_text(
        &dir.path().join("data"),
        &addr.to_string(),
        &extra,
    ))
    .unwrap();
    let state = ent_node::server::prepare(config).await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ent_node::server::serve(state, listener, async {
        let _ = stopped.await;
    }));

    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(ca_pem.as_bytes()).unwrap()])
        .build()
        .unwrap();
    let response = client
        .get(format!("https://127.0.0.1:{}/healthz", addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.text().await.unwrap(), "ok");
    let page = client
        .get(format!("https://127.0.0.1:{}/connexion", addr.port()))
        .send()
        .await
        .unwrap();
    let cookie = page
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("; Secure"),
        "cookies are Secure over TLS: {cookie}"
    );
    // A client that does not trust the test CA is refused.
    let stranger = reqwest::Client::builder()
        .tls_certs_only([])
        .build()
        .unwrap();
    assert!(
        stranger
            .get(format!("https://127.0.0.1:{}/healthz", addr.port()))
            .send()
            .await
            .is_err()
    );

    stop.send(()).unwrap();
    server.await.unwrap().unwrap();
}

/// A free loopback address for a child process, which binds it itself (a tiny race with other
/// processes: in-process tests bind port 0 directly instead).
fn free_listen_address() -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    format!("127.0.0.1:{port}")
}

#[test]
fn the_binary_serves_then_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let listen = free_listen_address();
    let config = dir.path().join("ent.toml");
    std::fs::write(&config, config_text(&dir.path().join("data"), &listen, "")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ent-node"))
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the "serving" log line instead of sleeping.
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let ready = lines
        .by_ref()
        .take(50)
        .map_while(Result::ok)
        .any(|line| line.contains("serving HTTP"));
    assert!(ready, "the node announced it was serving");
    let body = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            reqwest::get(format!("http://{listen}/readyz"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        })
    })
    .join()
    .unwrap();
    assert_eq!(body, "ready");
    let status = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success());
    let exit = child.wait().unwrap();
    assert!(exit.success(), "graceful stop exits 0, got {exit:?}");
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(rest.iter().any(|l| l.contains("stopped")), "{rest:?}");
}

#[test]
fn an_invalid_configuration_stops_the_node_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ent.toml");
    std::fs::write(
        &config,
        config_text(&dir.path().join("data"), "not-an-address", ""),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ent-node"))
        .arg("--config")
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("server.listen"), "{stderr}");
    let missing = Command::new(env!("CARGO_BIN_EXE_ent-node"))
        .arg("--config")
        .arg(dir.path().join("absent.toml"))
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("n'existe pas"));
}

/// Starts `ent-node demo` on `listen` and reads what it prints until it serves (or exits).
fn start_demo(dir: &std::path::Path, listen: &str) -> (std::process::Child, Vec<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ent-node"))
        .args(["demo", "--dir"])
        .arg(dir)
        .args(["--listen", listen])
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = Vec::new();
    for line in BufReader::new(stdout)
        .lines()
        .take(60)
        .map_while(Result::ok)
    {
        let serving = line.contains("serving HTTP");
        printed.push(line);
        if serving {
            break;
        }
    }
    (child, printed)
}

fn stop(mut child: std::process::Child) {
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
}

#[test]
fn the_demo_refuses_a_busy_port_then_starts_again_where_asked_with_its_accounts() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let (child, first) = start_demo(&demo, &free_listen_address());
    let first = first.join("\n");
    assert!(first.contains("prêt"), "{first}");
    stop(child);

    // A port already taken: the demo says so and stops, without claiming to be ready.
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = busy.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_ent-node"))
        .args(["demo", "--dir"])
        .arg(&demo)
        .args(["--listen", &taken])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!stdout.contains("prêt"), "{stdout}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains(&taken), "{stderr}");
    drop(busy);

    // Started again on another port: it listens there and shows the same accounts.
    let listen = free_listen_address();
    let (child, again) = start_demo(&demo, &listen);
    let again = again.join("\n");
    assert!(
        again.contains(&format!("prêt : http://{listen}")),
        "{again}"
    );
    assert!(
        again.contains(&format!("http://{listen}/activation")),
        "{again}"
    );
    for line in first.lines().filter(|l| {
        let l = l.trim_start();
        ["Opérateur", "Directeur", "Enseignant", "Élève ", "Parent"]
            .iter()
            .any(|role| l.starts_with(role))
    }) {
        assert!(again.contains(line), "{line} missing from:\n{again}");
    }
    ent_node::server::install_crypto();
    let health = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            reqwest::get(format!("http://{listen}/healthz"))
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    })
    .join()
    .unwrap();
    assert_eq!(health, 200);
    stop(child);
}

#[test]
fn the_demo_starts_with_accounts_that_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let listen = free_listen_address();
    let (child, printed) = start_demo(&dir.path().join("demo"), &listen);
    let text = printed.join("\n");
    assert!(
        text.contains("demo-ent-2026") && text.contains("admin.demo"),
        "{text}"
    );
    // Who is related to whom: the parent's child is the pupil shown, in the teacher's class.
    let role = |name: &str| {
        printed
            .iter()
            .find(|l| l.trim_start().starts_with(name))
            .unwrap_or_else(|| panic!("no {name} in {text}"))
            .clone()
    };
    let (pupil, parent, teacher_line) = (role("Élève "), role("Parent"), role("Enseignant"));
    let pupil_name = pupil
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(','))
        .map(|(name, _)| name.trim().to_owned())
        .expect("the pupil's name");
    assert!(
        parent.contains(&format!("parent de {pupil_name}")),
        "{parent} / {pupil}"
    );
    let class = pupil
        .rsplit_once("élève de ")
        .map(|(_, class)| class.trim_end_matches(')').to_owned())
        .expect("the pupil's class");
    assert!(
        teacher_line.contains(&format!("classe {class}")),
        "{teacher_line} / {pupil}"
    );
    let teacher = printed
        .iter()
        .find(|l| l.trim_start().starts_with("Enseignant"))
        .and_then(|l| l.split_whitespace().nth(1))
        .expect("a teacher is listed")
        .to_owned();
    // reqwest here has no default crypto provider: install it, whatever ran before.
    ent_node::server::install_crypto();
    let signed_in = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async move {
            let client = reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap();
            let page = client
                .get(format!("http://{listen}/connexion"))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            let start = page.find("name=\"csrf\" value=\"").unwrap() + 19;
            let csrf = &page[start..start + page[start..].find('"').unwrap()];
            let response = client
                .post(format!("http://{listen}/connexion"))
                .form(&[
                    ("identifier", teacher.as_str()),
                    ("password", "demo-ent-2026"),
                    ("csrf", csrf),
                ])
                .send()
                .await
                .unwrap();
            let location = response
                .headers()
                .get("location")
                .map(|v| v.to_str().unwrap().to_owned());
            let mut pages = String::new();
            for path in ["/portail", "/espaces"] {
                let page = client
                    .get(format!("http://{listen}{path}"))
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap();
                pages.push_str(&page);
            }
            (location, pages)
        })
    })
    .join()
    .unwrap();
    assert_eq!(signed_in.0.as_deref(), Some("/portail"));
    assert!(
        signed_in.1.contains("Classe "),
        "the teacher sees their demo class"
    );
    assert!(
        signed_in.1.contains("Défi lecture"),
        "the demo space is in the teacher's spaces"
    );
    stop(child);
}
