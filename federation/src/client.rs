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

/// IPv4 ranges a peer may not have: IANA's special-purpose address registry (RFC 6890 and its
/// updates, as of 2026), multicast and the reserved block.
const SPECIAL_V4: [([u8; 4], u8); 23] = [
    ([0, 0, 0, 0], 8),          // "this network"
    ([10, 0, 0, 0], 8),         // private
    ([100, 64, 0, 0], 10),      // shared address space (carrier-grade NAT)
    ([127, 0, 0, 0], 8),        // loopback
    ([169, 254, 0, 0], 16),     // link-local
    ([172, 16, 0, 0], 12),      // private
    ([192, 0, 0, 0], 24),       // IETF protocol assignments
    ([192, 0, 2, 0], 24),       // documentation (TEST-NET-1)
    ([192, 31, 196, 0], 24),    // AS112-v4
    ([192, 52, 193, 0], 24),    // AMT
    ([192, 88, 99, 0], 24),     // deprecated 6to4 relay anycast
    ([192, 168, 0, 0], 16),     // private
    ([192, 175, 48, 0], 24),    // direct delegation AS112
    ([198, 18, 0, 0], 15),      // benchmarking
    ([198, 51, 100, 0], 24),    // documentation (TEST-NET-2)
    ([203, 0, 113, 0], 24),     // documentation (TEST-NET-3)
    ([224, 0, 0, 0], 4),        // multicast
    ([240, 0, 0, 0], 4),        // reserved
    ([255, 255, 255, 255], 32), // limited broadcast
    ([192, 0, 0, 8], 32),       // IPv4 dummy address (inside 192.0.0.0/24, listed for clarity)
    ([192, 0, 0, 170], 31),     // NAT64/DNS64 discovery
    ([192, 0, 0, 9], 32),       // port control protocol anycast
    ([192, 0, 0, 10], 32),      // traversal using relays around NAT anycast
];

/// IPv6 ranges a peer may not have: IANA's special-purpose registry, the deprecated
/// site-local and IPv4-compatible blocks, and multicast. IPv4-mapped addresses are judged by
/// the IPv4 address they carry.
const SPECIAL_V6: [(u128, u8); 20] = [
    (0, 128),                                        // unspecified
    (1, 128),                                        // loopback
    (0, 96),                                         // IPv4-compatible (deprecated)
    (0x0064_ff9b_0000_0000_0000_0000_0000_0000, 96), // NAT64 well-known prefix
    (0x0064_ff9b_0001_0000_0000_0000_0000_0000, 48), // NAT64 local use
    (0x0100_0000_0000_0000_0000_0000_0000_0000, 64), // discard-only
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 23), // IETF protocol assignments (Teredo…)
    (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32), // documentation
    (0x2002_0000_0000_0000_0000_0000_0000_0000, 16), // 6to4
    (0x2620_004f_8000_0000_0000_0000_0000_0000, 48), // direct delegation AS112
    (0x3fff_0000_0000_0000_0000_0000_0000_0000, 20), // documentation (2024)
    (0x5f00_0000_0000_0000_0000_0000_0000_0000, 16), // segment routing SIDs
    (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7),  // unique local
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10), // link-local
    (0xfec0_0000_0000_0000_0000_0000_0000_0000, 10), // site-local (deprecated)
    (0xff00_0000_0000_0000_0000_0000_0000_0000, 8),  // multicast
    (0x2001_0002_0000_0000_0000_0000_0000_0000, 48), // benchmarking (inside 2001::/23)
    (0x2001_0010_0000_0000_0000_0000_0000_0000, 28), // ORCHID (inside 2001::/23)
    (0x2001_0020_0000_0000_0000_0000_0000_0000, 28), // ORCHIDv2 (inside 2001::/23)
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 32), // Teredo (inside 2001::/23)
];

/// Whether an address is on the public Internet: in none of the special-purpose ranges above.
pub fn is_public(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => {
            let address = u32::from(v4);
            !SPECIAL_V4.iter().any(|(prefix, len)| {
                let mask = u32::MAX.checked_shl(32 - u32::from(*len)).unwrap_or(0);
                address & mask == u32::from_be_bytes(*prefix) & mask
            })
        }
        IpAddr::V6(v6) => {
            let address = u128::from(v6);
            !SPECIAL_V6.iter().any(|(prefix, len)| {
                let mask = u128::MAX.checked_shl(128 - u32::from(*len)).unwrap_or(0);
                address & mask == prefix & mask
            })
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
            "64:ff9b::7f00:1",
            "64:ff9b::c0a8:101",
            "::7f00:1",
            "::c0a8:101",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "fec0::1",
            "198.18.0.1",
            "198.19.255.254",
            "192.0.0.1",
            "192.0.0.171",
            "192.88.99.1",
            "240.0.0.1",
            "255.255.255.255",
            "224.0.0.1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "100::1",
            "ff02::1",
            "::",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "193.51.24.1",
            "2a01:e0a::1",
            "198.20.0.1",
            "192.0.1.1",
            "::ffff:193.51.24.1",
            "2001:4860::1",
        ] {
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
