//! The HTTP client every outgoing federation request uses: rustls, no redirect to another host,
//! connect and total timeouts, bounded response bodies, and a resolver that refuses private,
//! loopback and link-local addresses (after DNS resolution) unless the configuration allows them.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Largest response body read from a peer.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// Time allowed to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Time allowed for a whole request.
pub const TOTAL_TIMEOUT: Duration = Duration::from_secs(20);

/// What the client needs from the configuration.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    /// Accept private, loopback and link-local peer addresses (tests, single-machine demos).
    pub allow_private_addresses: bool,
    /// Fixed addresses for names, checked before DNS.
    pub hosts: BTreeMap<String, IpAddr>,
    /// Extra trusted certificate authority, PEM.
    pub extra_ca_pem: Option<Vec<u8>>,
}

/// Why a request to a peer failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// Building the client failed (bad CA file…).
    #[error("client HTTP : {0}")]
    Build(String),
    /// The request failed (connection, TLS, timeout, refused address…).
    #[error("requête : {0}")]
    Request(String),
    /// The body was larger than allowed.
    #[error("réponse trop volumineuse")]
    TooLarge,
}

/// Builds the federation client.
pub fn build(settings: &ClientSettings) -> Result<reqwest::Client, ClientError> {
    // rustls refuses to pick a crypto provider by itself; ring is the one the node uses (a
    // second install is a harmless no-op).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TOTAL_TIMEOUT)
        .redirect(same_host_redirects())
        .user_agent(concat!("ent-node/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(GuardedResolver {
            allow_private: settings.allow_private_addresses,
            hosts: Arc::new(settings.hosts.clone()),
        });
    if let Some(pem) = &settings.extra_ca_pem {
        let certs = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| ClientError::Build(e.to_string()))?;
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| ClientError::Build(e.to_string()))
}

/// Follows at most 3 redirects, and only within the same scheme, host and port: a peer cannot
/// send our signed requests elsewhere.
fn same_host_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same = attempt.previous().first().is_some_and(|first| {
            first.scheme() == attempt.url().scheme()
                && first.host_str() == attempt.url().host_str()
                && first.port_or_known_default() == attempt.url().port_or_known_default()
        });
        if !same || attempt.previous().len() > 3 {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

/// Reads a response body, refusing more than `limit` bytes (without buffering beyond it).
pub async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ClientError> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(ClientError::TooLarge);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| ClientError::Request(e.to_string()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(ClientError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Resolves names (fixed hosts first, then DNS) and drops every address a peer may not have.
#[derive(Clone)]
struct GuardedResolver {
    allow_private: bool,
    hosts: Arc<BTreeMap<String, IpAddr>>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().trim_end_matches('.').to_ascii_lowercase();
        let fixed = self.hosts.get(&host).copied();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let found: Vec<SocketAddr> = match fixed {
                Some(ip) => vec![SocketAddr::new(ip, 0)],
                None => tokio::net::lookup_host((host.as_str(), 0)).await?.collect(),
            };
            let allowed: Vec<SocketAddr> = found
                .into_iter()
                .filter(|addr| allow_private || is_public(addr.ip()))
                .collect();
            if allowed.is_empty() {
                return Err(format!("{host} : adresse privée ou introuvable, refusée").into());
            }
            let addrs: Addrs = Box::new(allowed.into_iter());
            Ok(addrs)
        })
    }
}

/// Whether an address is on the public Internet (not private, loopback, link-local, shared,
/// documentation, multicast or reserved).
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || a == 0
                || (a == 100 && (b & 0xc0) == 0x40)
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_loopback_and_link_local_addresses_are_not_public() {
        for ip in [
            "127.0.0.2",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.1",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["193.51.24.1", "2a01:e0a::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn the_resolver_refuses_private_addresses_unless_allowed() {
        let hosts: BTreeMap<String, IpAddr> =
            [("a.test".to_owned(), "127.0.0.2".parse().unwrap())].into();
        let strict = GuardedResolver {
            allow_private: false,
            hosts: Arc::new(hosts.clone()),
        };
        let name = || "a.test".parse::<Name>().unwrap();
        assert!(strict.resolve(name()).await.is_err());
        let lax = GuardedResolver {
            allow_private: true,
            hosts: Arc::new(hosts),
        };
        let addrs: Vec<_> = lax.resolve(name()).await.unwrap().collect();
        assert_eq!(addrs[0].ip().to_string(), "127.0.0.2");
    }

    /// Serves `/same` (redirects to `/end` on the same host), `/other` (redirects to another
    /// host), `/end` and `/big` (2 MiB) on 127.0.0.2; returns the port.
    async fn redirecting_server() -> u16 {
        use axum::response::Redirect;
        use axum::routing::get;
        let listener = tokio::net::TcpListener::bind("127.0.0.2:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let app =
            axum::Router::new()
                .route("/same", get(|| async { Redirect::temporary("/end") }))
                .route(
                    "/other",
                    get(move || async move {
                        Redirect::temporary(&format!("http://b.test:{port}/end"))
                    }),
                )
                .route("/end", get(|| async { "arrivé" }))
                .route("/big", get(|| async { vec![b'x'; 2 * MAX_RESPONSE_BYTES] }));
        tokio::spawn(async move { axum::serve(listener, app).await });
        port
    }

    #[tokio::test]
    async fn redirects_stay_on_the_same_host_and_bodies_are_bounded() {
        let port = redirecting_server().await;
        let settings = ClientSettings {
            allow_private_addresses: true,
            hosts: [
                ("a.test".to_owned(), "127.0.0.2".parse().unwrap()),
                ("b.test".to_owned(), "127.0.0.2".parse().unwrap()),
            ]
            .into(),
            extra_ca_pem: None,
        };
        let client = build(&settings).unwrap();
        let get = |path: &str| client.get(format!("http://a.test:{port}{path}")).send();
        let same = get("/same").await.unwrap();
        assert_eq!(same.status(), 200);
        assert_eq!(same.text().await.unwrap(), "arrivé");
        let other = get("/other").await.unwrap();
        assert_eq!(
            other.status(),
            307,
            "a redirect to another host is not followed"
        );
        let big = get("/big").await.unwrap();
        assert!(matches!(
            read_limited(big, MAX_RESPONSE_BYTES).await,
            Err(ClientError::TooLarge)
        ));
    }
}
