//! Linked nodes for federation tests: each node its own database, data folder, node key and
//! 127.0.0.x address, served over TLS by a certificate from a test authority generated here,
//! and linked to the others as the test says (both sides list each other).

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use ent_config::NodeConfig;
use ent_federation::signing::{Signer, http_date};
use ent_federation::{LinkState, NodeIdentity};
use rsa::pkcs8::DecodePrivateKey;
use sha2::Digest;
use tokio::net::TcpListener;

use crate::{TestApp, spawn_configured};

/// A test certificate authority and one server certificate per node name.
pub struct Pki {
    dir: tempfile::TempDir,
    /// The authority's certificate, PEM.
    pub ca_pem: String,
}

impl Pki {
    /// Creates the authority and a certificate for each name.
    pub fn new(names: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "Autorité de test des ENT");
        let ca = ca_params.self_signed(&ca_key).expect("CA cert");
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        for name in names {
            let key = rcgen::KeyPair::generate().expect("key");
            let params = rcgen::CertificateParams::new(vec![(*name).to_owned()]).expect("params");
            let cert = params.signed_by(&key, &issuer).expect("cert");
            std::fs::write(dir.path().join(format!("{name}.crt")), cert.pem()).expect("write");
            std::fs::write(dir.path().join(format!("{name}.key")), key.serialize_pem())
                .expect("write");
        }
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).expect("write");
        Self {
            ca_pem: ca.pem(),
            dir,
        }
    }

    fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }
}

/// A node about to start: its name, address, key and folder.
struct PreparedNode {
    name: String,
    listener: TcpListener,
    addr: SocketAddr,
    data_dir: tempfile::TempDir,
    fingerprint: String,
}

/// Nodes linked for one test.
pub struct Linked {
    /// The nodes, in the order of the names given.
    pub nodes: Vec<TestApp>,
    /// `host:port` of each node, same order.
    pub domains: Vec<String>,
    /// The test authority (kept for the test's duration).
    pub pki: Pki,
    addresses: BTreeMap<String, IpAddr>,
}

/// The configuration of one node of a linked set (also used by process tests).
pub fn node_config(
    domain: &str,
    data_dir: &std::path::Path,
    pki_cert: (&std::path::Path, &std::path::Path, &std::path::Path),
    hosts: &BTreeMap<String, IpAddr>,
    links: &[(String, String)],
) -> String {
    let (cert, key, ca) = pki_cert;
    let mut text = format!(
        "[node]\ndomain = {host:?}\nname = \"ENT {host}\"\ndata_dir = {data:?}\npublic_url = \"https://{domain}\"\n\
         [server]\ntls_cert = {cert:?}\ntls_key = {key:?}\n\
         [database]\nurl = \"sqlite://unused\"\nmax_connections = 5\n\
         [security]\nsecret_key = \"{secret}\"\n\
         [federation]\nallow_private_addresses = true\nextra_ca_file = {ca:?}\n[federation.hosts]\n",
        host = domain.split(':').next().unwrap_or(domain),
        data = data_dir.display().to_string(),
        cert = cert.display().to_string(),
        key = key.display().to_string(),
        ca = ca.display().to_string(),
        secret = "f".repeat(40),
    );
    for (name, ip) in hosts {
        text.push_str(&format!("{name:?} = \"{ip}\"\n"));
    }
    for (peer, fingerprint) in links {
        text.push_str(&format!(
            "[[links]]\ndomain = {peer:?}\nfingerprint = {fingerprint:?}\nscopes = [\"spaces\", \"messaging\"]\n\
             guest_quota = 30\nlabel = \"Convention de test avec {peer}\"\nvalid_from = \"2020-01-01\"\nvalid_until = \"2099-12-31\"\n"
        ));
    }
    text
}

/// Starts one node per name (`a.test`, `b.test`…) on 127.0.0.2, .3, … and links the pairs
/// given by index (both sides list each other), then waits until every link is active.
pub async fn spawn_linked(names: &[&str], pairs: &[(usize, usize)]) -> Linked {
    spawn_linked_with(names, pairs, |_| {}).await
}

/// As [`spawn_linked`], after `adjust` changes every node's configuration.
pub async fn spawn_linked_with(
    names: &[&str],
    pairs: &[(usize, usize)],
    adjust: impl Fn(&mut NodeConfig),
) -> Linked {
    let nodes = prepare_nodes(names).await;
    let (domains, fingerprints) = (nodes.domains.clone(), nodes.fingerprints.clone());
    nodes
        .start(pairs, |i, config| {
            config.links = peers_of(i, pairs)
                .into_iter()
                .map(|peer| hand_link(&domains[peer], &fingerprints[peer]))
                .collect();
            adjust(config);
        })
        .await
}

/// The indexes `i` is paired with.
fn peers_of(i: usize, pairs: &[(usize, usize)]) -> Vec<usize> {
    pairs
        .iter()
        .filter_map(|&(x, y)| match i {
            _ if x == i => Some(y),
            _ if y == i => Some(x),
            _ => None,
        })
        .collect()
}

/// The `[[links]]` entry the linked tests write by hand for a peer.
pub fn hand_link(peer: &str, fingerprint: &str) -> ent_config::LinkConfig {
    ent_config::LinkConfig {
        domain: peer.to_owned(),
        fingerprint: fingerprint.to_owned(),
        scopes: vec![ent_config::Scope::Spaces, ent_config::Scope::Messaging],
        guest_quota: 30,
        label: format!("Convention de test avec {peer}"),
        valid_from: "2020-01-01".into(),
        valid_until: "2099-12-31".into(),
        source: ent_config::LinkSource::Hand,
    }
}

/// Nodes bound to their addresses, with their keys, not started yet: their domains and
/// fingerprints are known, so that a test can write what names them (a convention) first.
pub struct Prepared {
    nodes: Vec<PreparedNode>,
    pki: Pki,
    addresses: BTreeMap<String, IpAddr>,
    /// `host:port` of each node.
    pub domains: Vec<String>,
    /// Fingerprint of each node's key.
    pub fingerprints: Vec<String>,
}

/// Binds one node per name (`a.test`, `b.test`…) on 127.0.0.2, .3, … and makes its key.
pub async fn prepare_nodes(names: &[&str]) -> Prepared {
    ent_node::server::install_crypto();
    let pki = Pki::new(names);
    let mut nodes = Vec::new();
    let mut addresses = BTreeMap::new();
    for (i, name) in names.iter().enumerate() {
        let ip: IpAddr = format!("127.0.0.{}", i + 2).parse().expect("ip");
        let listener = TcpListener::bind((ip, 0)).await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let data_dir = tempfile::tempdir().expect("temp dir");
        let identity = NodeIdentity::load_or_create(data_dir.path()).expect("node key");
        addresses.insert((*name).to_owned(), ip);
        nodes.push(PreparedNode {
            name: (*name).to_owned(),
            listener,
            addr,
            data_dir,
            fingerprint: identity.fingerprint,
        });
    }
    Prepared {
        domains: nodes
            .iter()
            .map(|p| format!("{}:{}", p.name, p.addr.port()))
            .collect(),
        fingerprints: nodes.iter().map(|p| p.fingerprint.clone()).collect(),
        nodes,
        pki,
        addresses,
    }
}

impl Prepared {
    /// Starts every node, after `adjust` sets node `i`'s configuration (its links), then
    /// waits until each of `pairs` is active on both sides.
    pub async fn start(
        self,
        pairs: &[(usize, usize)],
        adjust: impl Fn(usize, &mut NodeConfig),
    ) -> Linked {
        let mut apps = Vec::new();
        for (i, node) in self.nodes.into_iter().enumerate() {
            let text = node_config(
                &self.domains[i],
                node.data_dir.path(),
                (
                    &self.pki.path(&format!("{}.crt", node.name)),
                    &self.pki.path(&format!("{}.key", node.name)),
                    &self.pki.path("ca.pem"),
                ),
                &self.addresses,
                &[],
            );
            let mut config = NodeConfig::from_toml_str_only(&text).expect("node config");
            adjust(i, &mut config);
            let reach = Some((
                node.name.clone(),
                node.addr,
                self.pki.ca_pem.clone().into_bytes(),
            ));
            apps.push(spawn_configured(node.listener, node.data_dir, config, reach).await);
        }
        let linked = Linked {
            nodes: apps,
            domains: self.domains,
            pki: self.pki,
            addresses: self.addresses,
        };
        linked.settle(pairs).await;
        linked
    }
}

impl Linked {
    /// Waits until each of `pairs` is active both ways, before and after every node's
    /// background checker has made its first pass.
    pub async fn settle(&self, pairs: &[(usize, usize)]) {
        for &(x, y) in pairs {
            self.wait_active(x, y).await;
            self.wait_active(y, x).await;
        }
        // The background checkers' first passes ran concurrently with the checks above; once
        // they are over, link states change only when a test says so (or a check falls due).
        for node in &self.nodes {
            let Some(federation) = node.state.federation.clone() else {
                continue;
            };
            eventually("first background check done", || {
                let federation = federation.clone();
                async move { federation.checker_passes() >= 1 }
            })
            .await;
        }
        for &(x, y) in pairs {
            self.wait_active(x, y).await;
            self.wait_active(y, x).await;
        }
    }
}

/// Waits (polling, up to 60 s) until `check` holds; panics with `what` otherwise.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        if check().await {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still not true after 60 s: {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

impl Linked {
    /// Node `i`.
    pub fn node(&self, i: usize) -> &TestApp {
        &self.nodes[i]
    }

    /// Checks node `from`'s link to node `to` until it is active.
    pub async fn wait_active(&self, from: usize, to: usize) {
        let federation = self.nodes[from].federation().clone();
        let peer = self.domains[to].clone();
        eventually(&format!("link {from} → {to} active"), || {
            let federation = federation.clone();
            let peer = peer.clone();
            async move {
                let report = ent_federation::checker::check(federation.shared(), &peer).await;
                report.state == LinkState::Active
            }
        })
        .await;
    }

    /// Moves every node's clock by `secs` (time passes for everyone) and wakes the workers.
    pub fn advance(&self, secs: i64) {
        for node in &self.nodes {
            node.state.clock.advance(secs);
            if let Some(federation) = &node.state.federation {
                federation.wake_all();
            }
        }
    }

    /// A signer with node `i`'s key, to forge requests as that node would send them.
    pub fn signer(&self, i: usize) -> Signer {
        let identity = NodeIdentity::load(&self.nodes[i].data_dir()).expect("node key");
        let key_id = format!("https://{}/federation/node#main-key", self.domains[i]);
        Signer::from_pem(key_id, identity.private_key_pem()).expect("signer")
    }

    /// A client that reaches every node by name over TLS (what a peer's client does).
    pub fn http(&self) -> reqwest::Client {
        let settings = ent_federation::client::ClientSettings {
            allow_private_addresses: true,
            hosts: self.addresses.clone(),
            extra_ca_pem: Some(self.pki.ca_pem.clone().into_bytes()),
        };
        ent_federation::client::build(&settings).expect("client")
    }

    /// Where node `i` listens, for raw requests over TLS.
    pub fn target(&self, i: usize) -> crate::raw::Target {
        let name = self.domains[i]
            .split(':')
            .next()
            .unwrap_or_default()
            .to_owned();
        let ip = self.addresses[&name];
        let port: u16 = self.domains[i]
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("port");
        crate::raw::Target {
            addr: std::net::SocketAddr::new(ip, port),
            tls: Some((name, self.pki.ca_pem.clone().into_bytes())),
        }
    }

    /// The header lines of node `from`'s genuine delivery of `body` to node `to`'s inbox, in
    /// the order a sender writes them: `host`, `date`, `digest`, `content-type`, `signature`.
    pub fn delivery_lines(&self, from: usize, to: usize, body: &[u8]) -> Vec<(String, String)> {
        let url: url::Url = format!("https://{}/federation/inbox", self.domains[to])
            .parse()
            .expect("url");
        let now = self.nodes[from].state.clock.now();
        let headers = self
            .signer(from)
            .signed_headers("post", &url, &http_date(now), Some(body))
            .expect("signed");
        let order = ["host", "date", "digest", "content-type", "signature"];
        order
            .iter()
            .map(|name| ((*name).to_owned(), headers[*name].clone()))
            .collect()
    }

    /// Node `from`'s signature over exactly `lines` (lower-case names, in order) for a `method`
    /// request to `target` on any node: what a sender with odd but honest headers signs.
    pub fn sign_lines(
        &self,
        from: usize,
        method: &str,
        target: &str,
        lines: &[(String, String)],
    ) -> String {
        let mut text = vec![format!("(request-target): {method} {target}")];
        text.extend(lines.iter().map(|(name, value)| format!("{name}: {value}")));
        let identity = NodeIdentity::load(&self.nodes[from].data_dir()).expect("node key");
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(identity.private_key_pem()).expect("key");
        let digest = sha2::Sha256::digest(text.join("\n").as_bytes());
        let raw = key
            .sign(rsa::Pkcs1v15Sign::new::<sha2::Sha256>(), &digest)
            .expect("signature");
        let names: Vec<&str> = lines.iter().map(|(n, _)| n.as_str()).collect();
        format!(
            "keyId=\"{}\",algorithm=\"rsa-sha256\",headers=\"(request-target) {}\",signature=\"{}\"",
            self.signer(from).key_id(),
            names.join(" "),
            base64::engine::general_purpose::STANDARD.encode(raw)
        )
    }

    /// POSTs `body` to node `to`'s inbox, signed as node `from` with the given headers
    /// changed (`None` drops one), and returns the status.
    pub async fn post_as(&self, from: usize, to: usize, request: Forged) -> reqwest::StatusCode {
        let url: url::Url = format!("https://{}/federation/inbox", self.domains[to])
            .parse()
            .expect("url");
        let signer = self.signer(from);
        let now = self.nodes[from].state.clock.now() + request.date_offset_secs;
        let signed_body = request.signed_body.as_deref().unwrap_or(&request.body);
        let mut headers = signer
            .signed_headers("post", &url, &http_date(now), Some(signed_body.as_bytes()))
            .expect("signed");
        if let Some(covered) = &request.covered {
            let signature = self.forge_signature(from, &url, &headers, covered);
            headers.insert("signature".into(), signature);
        }
        if let Some(content_type) = &request.content_type {
            headers.insert("content-type".into(), content_type.clone());
        }
        let mut builder = self.http().post(url).body(request.body.clone());
        for (name, value) in &headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.send().await.expect("inbox answered").status()
    }

    /// A `Signature` header by node `from` covering `(request-target)` and only `covered`
    /// (which a correct sender never does).
    fn forge_signature(
        &self,
        from: usize,
        url: &url::Url,
        headers: &BTreeMap<String, String>,
        covered: &[&str],
    ) -> String {
        let lines: Vec<(String, String)> = covered
            .iter()
            .map(|name| ((*name).to_owned(), headers[*name].clone()))
            .collect();
        self.sign_lines(from, "post", url.path(), &lines)
    }

    /// GETs `path` on node `to`, signed as node `from` (`None`: unsigned); status and body.
    pub async fn get_as(&self, from: Option<usize>, to: usize, path: &str) -> (u16, String) {
        let url: url::Url = format!("https://{}{path}", self.domains[to])
            .parse()
            .expect("url");
        let mut builder = self.http().get(url.clone());
        if let Some(from) = from {
            let now = self.nodes[from].state.clock.now();
            let headers = self
                .signer(from)
                .signed_headers("get", &url, &http_date(now), None)
                .expect("signed");
            for (name, value) in &headers {
                builder = builder.header(name.as_str(), value.as_str());
            }
        }
        let response = builder.send().await.expect("node answered");
        let status = response.status().as_u16();
        (status, response.text().await.unwrap_or_default())
    }

    /// A Note activity from node `from`, addressed to node `to`.
    pub fn note_activity(
        &self,
        from: usize,
        to: usize,
        id: &str,
        title: &str,
    ) -> serde_json::Value {
        let base = format!("https://{}", self.domains[from]);
        serde_json::json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{base}/federation/activities/{id}"),
            "type": "Create",
            "actor": format!("{base}/federation/node"),
            "to": [format!("https://{}/federation/node", self.domains[to])],
            "object": {
                "id": format!("{base}/federation/objects/{id}"),
                "type": "Note",
                "attributedTo": format!("{base}/federation/node"),
                "name": title,
                "content": format!("Texte de {title}"),
                "updated": ent_node::spaces::relay::rfc3339(self.nodes[from].state.clock.now()),
            }
        })
    }
}

/// A request to forge: a body, and what to get wrong.
#[derive(Debug, Clone, Default)]
pub struct Forged {
    /// The body sent.
    pub body: String,
    /// The body the signature's digest is computed on, when it differs (altered body).
    pub signed_body: Option<String>,
    /// Seconds added to the sender's clock for the Date header.
    pub date_offset_secs: i64,
    /// Only these headers are covered by the signature.
    pub covered: Option<Vec<&'static str>>,
    /// Another Content-Type.
    pub content_type: Option<String>,
}

impl Forged {
    /// A correctly signed request carrying `body`.
    pub fn of(body: &serde_json::Value) -> Self {
        Self {
            body: body.to_string(),
            ..Self::default()
        }
    }
}
