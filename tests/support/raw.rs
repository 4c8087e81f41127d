//! Raw HTTP/1.1 over TCP or TLS, for what a well-behaved client never sends: headers repeated
//! or in any case, in any order, a client that sends its headers slowly, or one that keeps a
//! connection open and says nothing. Nothing here normalises a request.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// A byte stream to a node: plain TCP or TLS.
pub trait Stream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Stream for T {}

/// Where a node listens and, over TLS, the name its certificate bears and the CA to trust.
#[derive(Clone)]
pub struct Target {
    /// Socket address.
    pub addr: SocketAddr,
    /// `Some((name, ca_pem))` for TLS.
    pub tls: Option<(String, Vec<u8>)>,
}

impl Target {
    /// Opens a connection (and completes the TLS handshake).
    pub async fn connect(&self) -> Box<dyn Stream> {
        let tcp = TcpStream::connect(self.addr).await.expect("connect");
        let Some((name, ca)) = &self.tls else {
            return Box::new(tcp);
        };
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(ca) {
            roots.add(cert.expect("CA")).expect("CA added");
        }
        let config = rustls::ClientConfig::builder()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let server = rustls::pki_types::ServerName::try_from(name.clone()).expect("name");
        Box::new(connector.connect(server, tcp).await.expect("TLS handshake"))
    }

    /// Sends one request made of `head` lines (`Name: value`, in the given order and case)
    /// and `body`, and returns the response's status and body (`Connection: close` added, and
    /// `Content-Length` when `head` has none).
    pub async fn send(
        &self,
        request_line: &str,
        head: &[(String, String)],
        body: &[u8],
    ) -> (u16, String) {
        let mut stream = self.connect().await;
        let mut text = format!("{request_line}\r\n");
        for (name, value) in head {
            text.push_str(&format!("{name}: {value}\r\n"));
        }
        if !head
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        {
            text.push_str(&format!("Content-Length: {}\r\n", body.len()));
        }
        text.push_str("Connection: close\r\n\r\n");
        stream.write_all(text.as_bytes()).await.expect("write head");
        stream.write_all(body).await.expect("write body");
        stream.flush().await.expect("flush");
        let mut response = Vec::new();
        // The server closes after the response (Connection: close); a 60 s ceiling only turns
        // a hung server into a failure instead of a hung test.
        tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut response))
            .await
            .expect("answered within 60 s")
            .ok();
        parse(&response)
    }
}

/// Status and body of a raw response (status 0 when nothing readable came back).
pub fn parse(response: &[u8]) -> (u16, String) {
    let text = String::from_utf8_lossy(response);
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Reads until the peer closes the connection, or `limit` passes; returns the bytes read and
/// whether the peer closed (EOF or an error such as a reset) within `limit`.
pub async fn read_until_closed(
    stream: &mut (impl AsyncRead + Unpin + ?Sized),
    limit: Duration,
) -> (Vec<u8>, bool) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        let mut buf = [0u8; 4096];
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return (seen, false),
            Ok(Ok(0)) | Ok(Err(_)) => return (seen, true),
            Ok(Ok(n)) => seen.extend_from_slice(&buf[..n]),
        }
    }
}
