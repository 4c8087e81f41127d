//! The listener under clients that misbehave, on plain HTTP and over TLS: headers sent one
//! line at a time, connections kept open and silent, a body that stops half-way, more
//! connections than the cap. The limits are set short (1 s for headers, 2 s idle) so that each
//! case ends quickly; the waits below are ceilings that turn a hung server into a failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use ent_config::NodeConfig;
use ent_tests::raw::{Target, read_until_closed};
use ent_tests::{TestApp, spawn_app_with};
use tokio::io::AsyncWriteExt;

/// Longest the test waits for the server to close a connection.
const CEILING: Duration = Duration::from_secs(20);

fn short(config: &mut NodeConfig) {
    config.server.header_read_timeout_secs = 1;
    config.server.idle_timeout_secs = 2;
}

async fn plain() -> (TestApp, Target) {
    let app = spawn_app_with(short).await;
    let addr = app
        .base_url
        .trim_start_matches("http://")
        .parse()
        .expect("addr");
    (app, Target { addr, tls: None })
}

async fn tls() -> (ent_tests::federation::Linked, Target) {
    let linked =
        ent_tests::federation::spawn_linked_with(&["a.test", "b.test"], &[(0, 1)], short).await;
    let target = linked.target(0);
    (linked, target)
}

/// Writes a request head one line every 300 ms (40 lines: 12 s) while reading; returns the
/// lines written before the server closed, whether it closed, and what it answered.
async fn slow_headers(target: &Target) -> (usize, bool, String) {
    let stream = target.connect().await;
    let (mut reader, mut writer) = tokio::io::split(stream);
    let closed = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let write = {
        let (closed, written) = (closed.clone(), written.clone());
        async move {
            if writer
                .write_all(b"GET /readyz HTTP/1.1\r\nHost: a.test\r\n")
                .await
                .is_err()
            {
                return;
            }
            for i in 0..40 {
                // The client under test is slow on purpose: this is its behaviour, not a wait.
                tokio::time::sleep(Duration::from_millis(300)).await;
                if closed.load(Ordering::Acquire)
                    || writer
                        .write_all(format!("X-Lent-{i}: 1\r\n").as_bytes())
                        .await
                        .is_err()
                    || writer.flush().await.is_err()
                {
                    return;
                }
                written.fetch_add(1, Ordering::Release);
            }
        }
    };
    let read = async {
        let outcome = read_until_closed(&mut reader, CEILING).await;
        closed.store(true, Ordering::Release);
        outcome
    };
    let ((answer, was_closed), ()) = tokio::join!(read, write);
    (
        written.load(Ordering::Acquire),
        was_closed,
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

fn assert_cut_short((written, closed, answer): (usize, bool, String)) {
    assert!(closed, "the connection was closed");
    assert!(
        written < 40,
        "closed before the client finished ({written} lines)"
    );
    assert!(!answer.contains("ready"), "no request was served: {answer}");
}

#[tokio::test]
async fn headers_sent_slowly_are_cut_off_over_http() {
    let (_app, target) = plain().await;
    assert_cut_short(slow_headers(&target).await);
    // A client that sends its request at once is served.
    let (status, body) = target
        .send("GET /readyz HTTP/1.1", &[("Host".into(), "x".into())], b"")
        .await;
    assert_eq!((status, body.as_str()), (200, "ready"));
}

#[tokio::test]
async fn headers_sent_slowly_are_cut_off_over_tls() {
    let (_linked, target) = tls().await;
    assert_cut_short(slow_headers(&target).await);
    let (status, body) = target
        .send("GET /readyz HTTP/1.1", &[("Host".into(), "x".into())], b"")
        .await;
    assert_eq!((status, body.as_str()), (200, "ready"));
}

/// Serves one kept-alive request, then waits: the server must close the connection.
async fn idle_after_a_request(target: &Target) {
    let mut stream = target.connect().await;
    stream
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: a.test\r\n\r\n")
        .await
        .unwrap();
    let (answer, closed) = read_until_closed(&mut stream, CEILING).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.contains("ready"), "{answer}");
    assert!(closed, "an idle kept-alive connection is closed");
}

/// Opens a connection and says nothing: the server must close it.
async fn silent(target: &Target) {
    let mut stream = target.connect().await;
    let (answer, closed) = read_until_closed(&mut stream, CEILING).await;
    assert!(closed, "a silent connection is closed");
    assert!(!String::from_utf8_lossy(&answer).contains("ready"));
}

/// Sends half a body and stops.
async fn half_a_body(target: &Target) {
    let mut stream = target.connect().await;
    stream
        .write_all(b"POST /connexion HTTP/1.1\r\nHost: a.test\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 200\r\n\r\nidentifier=abc")
        .await
        .unwrap();
    let (_, closed) = read_until_closed(&mut stream, CEILING).await;
    assert!(closed, "a connection whose body stops is closed");
}

#[tokio::test]
async fn idle_and_silent_connections_are_closed_over_http() {
    let (_app, target) = plain().await;
    idle_after_a_request(&target).await;
    silent(&target).await;
    half_a_body(&target).await;
}

#[tokio::test]
async fn idle_and_silent_connections_are_closed_over_tls() {
    let (_linked, target) = tls().await;
    idle_after_a_request(&target).await;
    silent(&target).await;
    half_a_body(&target).await;
    // A TCP connection that never starts its TLS handshake.
    let mut raw = tokio::net::TcpStream::connect(target.addr).await.unwrap();
    let (_, closed) = read_until_closed(&mut raw, CEILING).await;
    assert!(closed, "a connection without a handshake is closed");
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    let app = spawn_app_with(|config| {
        config.server.max_connections = 16;
        config.server.header_read_timeout_secs = 60;
        config.server.idle_timeout_secs = 120;
    })
    .await;
    let addr = app.base_url.trim_start_matches("http://").parse().unwrap();
    let target = Target { addr, tls: None };
    let mut holders = Vec::new();
    for _ in 0..16 {
        let mut stream = target.connect().await;
        stream.write_all(b"GET /readyz HTTP/1.1\r\n").await.unwrap();
        holders.push(stream);
    }
    let mut waiting = target.connect().await;
    waiting
        .write_all(b"GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let (early, _) = read_until_closed(&mut waiting, Duration::from_millis(500)).await;
    assert!(
        early.is_empty(),
        "served beyond the cap: {}",
        String::from_utf8_lossy(&early)
    );
    // One of the sixteen goes away: the waiting connection is served.
    drop(holders.pop());
    let (answer, closed) = read_until_closed(&mut waiting, CEILING).await;
    assert!(closed && String::from_utf8_lossy(&answer).contains("ready"));
}
