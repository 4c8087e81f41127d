//! Signed conventions: a DANE writes one document for a sector (a collège and its écoles, each
//! on its own node), signs it, and each node applies its own links from it, without any
//! hand-written `[[links]]`; the next version alone changes and ends links; what is untrusted,
//! tampered with, replayed or wrong for this node is refused and changes nothing.

use ent_config::convention::{self, ConventionError, SigningKey, TrustedSigner};
use ent_config::{LinkConfig, LinkSource, NodeConfig};
use ent_federation::LinkState;
use ent_node::federation::conventions::{self, ImportError, Own};
use ent_tests::TestApp;
use ent_tests::federation::{Linked, hand_link, prepare_nodes};

const COLLEGE: usize = 0;

/// One link of a document: two node indexes and their dates.
struct Entry(usize, usize, &'static str, &'static str);

/// A convention of the académie `versailles` naming nodes by index, signed by `key`.
fn signed(
    key: &SigningKey,
    version: u64,
    nodes: (&[String], &[String]),
    entries: &[Entry],
) -> String {
    let (domains, fingerprints) = nodes;
    let mut text = format!(
        "academie = \"versailles\"\nconvention = \"secteur-voltaire\"\nversion = {version}\n\
         signer = \"DANE de l'académie de Versailles\"\n"
    );
    for Entry(a, b, from, until) in entries {
        text.push_str(&format!(
            "\n[[links]]\nlabel = \"Liaison cycle 3 – secteur du collège Voltaire ({b})\"\n\
             scopes = [\"spaces\", \"messaging\"]\nvalid_from = \"{from}\"\nvalid_until = \"{until}\"\nnodes = [\n  \
             {{ domain = \"{}\", fingerprint = \"{}\", guest_quota = 60 }},\n  \
             {{ domain = \"{}\", fingerprint = \"{}\", guest_quota = 20 }},\n]\n",
            domains[*a], fingerprints[*a], domains[*b], fingerprints[*b]
        ));
    }
    convention::sign_text(&text, key).expect("signed")
}

fn trusting(key: &SigningKey) -> TrustedSigner {
    TrustedSigner {
        name: "DANE de Versailles".into(),
        academie: "versailles".into(),
        public_key: convention::encode_public_key(&key.verifying_key()),
    }
}

/// The link node `at` has with node `peer`, as the federation holds it.
fn link(linked: &Linked, at: usize, peer: usize) -> Option<(LinkConfig, LinkState)> {
    let federation = linked.node(at).federation();
    let peer = federation
        .shared()
        .links
        .configured(&linked.domains[peer])?;
    Some((peer.config, peer.state))
}

fn version_of(config: &LinkConfig) -> u64 {
    match &config.source {
        LinkSource::Convention { version, .. } => *version,
        LinkSource::Hand => 0,
    }
}

async fn version_stored(node: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT version FROM federation_conventions")
        .fetch_one(node.state.db.pool())
        .await
        .expect("a convention in force")
}

/// Writes `text` where every node's configuration points, and reloads each node (SIGHUP).
async fn publish_and_reload(linked: &Linked, path: &std::path::Path, text: &str) {
    std::fs::write(path, text).unwrap();
    for node in &linked.nodes {
        let config: NodeConfig = (*node.state.config).clone();
        ent_node::server::reload_links(&node.state, &config)
            .await
            .expect("reloaded");
    }
}

#[tokio::test]
async fn a_sector_is_linked_from_one_signed_convention_and_changed_by_its_next_version() {
    let names = [
        "college.test",
        "ecole-a.test",
        "ecole-b.test",
        "ecole-c.test",
        "ecole-d.test",
    ];
    let nodes = prepare_nodes(&names).await;
    let ids = (nodes.domains.clone(), nodes.fingerprints.clone());
    let ids = (ids.0.as_slice(), ids.1.as_slice());
    let dane = convention::generate_key();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("secteur-voltaire.toml");
    let sector: Vec<Entry> = (1..=4)
        .map(|e| Entry(COLLEGE, e, "2020-01-01", "2099-12-31"))
        .collect();
    std::fs::write(&path, signed(&dane, 1, ids, &sector)).unwrap();
    let pairs: Vec<(usize, usize)> = (1..=4).map(|e| (COLLEGE, e)).collect();
    let linked = nodes
        .start(&pairs, |_, config| {
            assert!(config.links.is_empty(), "no hand-written link");
            config.federation.trusted_conventions = vec![trusting(&dane)];
            config.federation.convention_files = vec![path.clone()];
        })
        .await;
    // Every link is active on both sides, from version 1, with each side's own guest quota.
    for e in 1..=4 {
        let (college_side, state) = link(&linked, COLLEGE, e).expect("collège linked");
        assert_eq!(
            (state, version_of(&college_side), college_side.guest_quota),
            (LinkState::Active, 1, 60)
        );
        let (ecole_side, state) = link(&linked, e, COLLEGE).expect("école linked");
        assert_eq!(
            (state, version_of(&ecole_side), ecole_side.guest_quota),
            (LinkState::Active, 1, 20)
        );
        assert_eq!(
            linked.node(e).federation().shared().links.all().len(),
            1,
            "écoles are not linked together"
        );
    }
    // Version 2: école A's link ends earlier, école D leaves the sector.
    let second = [
        Entry(COLLEGE, 1, "2020-01-01", "2098-06-30"),
        Entry(COLLEGE, 2, "2020-01-01", "2099-12-31"),
        Entry(COLLEGE, 3, "2020-01-01", "2099-12-31"),
    ];
    publish_and_reload(&linked, &path, &signed(&dane, 2, ids, &second)).await;
    for node in &linked.nodes {
        assert_eq!(version_stored(node).await, 2);
    }
    for at in [(COLLEGE, 1), (1, COLLEGE)] {
        let (config, state) = link(&linked, at.0, at.1).expect("still linked");
        assert_eq!(
            (config.valid_until.as_str(), state),
            ("2098-06-30", LinkState::Active)
        );
    }
    for e in [2, 3] {
        for at in [(COLLEGE, e), (e, COLLEGE)] {
            let (config, state) = link(&linked, at.0, at.1).expect("still linked");
            assert_eq!(
                (config.valid_until.as_str(), state, version_of(&config)),
                ("2099-12-31", LinkState::Active, 2)
            );
        }
    }
    assert!(
        link(&linked, COLLEGE, 4).is_none(),
        "the collège ended its link with école D"
    );
    assert!(
        link(&linked, 4, COLLEGE).is_none(),
        "école D ended its link with the collège"
    );
    // The operator's page says where each link comes from.
    let world = ent_tests::World::build(&linked.node(1).state).await;
    let operator = linked.node(1).signed_in(&world.operator).await;
    let page = operator.get("/admin/federation").await;
    assert!(
        page.body
            .contains("convention « secteur-voltaire » (académie versailles), version 2"),
        "{}",
        page.body
    );
    let recipients: Vec<String> = linked
        .node(COLLEGE)
        .federation()
        .recipients(None)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert_eq!(recipients.len(), 3, "{recipients:?}");
    assert!(!recipients.contains(&linked.domains[4]));
}

/// Tries `text` on `node` and returns the refusal; nothing may be applied.
async fn refusal(node: &TestApp, text: &str) -> ConventionError {
    let config = &node.state.config;
    let own = Own::of(config, &node.federation().shared().identity.fingerprint);
    match conventions::plan(&node.state.db, config, &own, text).await {
        Err(ImportError::Refused(error)) => error,
        other => panic!("refusal expected: {other:?}"),
    }
}

/// Imports `text` on `node` as `ent-admin links import` does, then reloads it.
async fn import(node: &TestApp, text: &str) -> conventions::Plan {
    let config = &node.state.config;
    let own = Own::of(config, &node.federation().shared().identity.fingerprint);
    let plan = conventions::plan(&node.state.db, config, &own, text)
        .await
        .expect("accepted");
    conventions::apply(&node.state.db, &plan, node.state.clock.now())
        .await
        .expect("applied");
    ent_node::server::reload_links(&node.state, config)
        .await
        .expect("reloaded");
    plan
}

#[tokio::test]
async fn untrusted_tampered_replayed_or_misaddressed_conventions_change_nothing() {
    let nodes = prepare_nodes(&["college.test", "ecole.test"]).await;
    let (domains, fingerprints) = (nodes.domains.clone(), nodes.fingerprints.clone());
    let ids = (domains.as_slice(), fingerprints.as_slice());
    let dane = convention::generate_key();
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("secteur.toml");
    let v1 = signed(&dane, 1, ids, &[Entry(0, 1, "2020-01-01", "2099-12-31")]);
    std::fs::write(&path, &v1).unwrap();
    let (ecole_domain, college_fp) = (domains[1].clone(), fingerprints[1].clone());
    let linked = nodes
        .start(&[(0, 1)], |i, config| {
            config.federation.trusted_conventions = vec![trusting(&dane)];
            config.federation.convention_files = vec![path.clone()];
            if i == 0 {
                // The collège's operator also wrote this link by hand: the hand-written one wins.
                let mut mine = hand_link(&ecole_domain, &college_fp);
                mine.label = "Écrite à la main".into();
                config.links = vec![mine];
            }
        })
        .await;
    let (college_side, _) = link(&linked, 0, 1).unwrap();
    assert_eq!(
        (college_side.label.as_str(), &college_side.source),
        ("Écrite à la main", &LinkSource::Hand)
    );
    let college = linked.node(0);
    let own = Own::of(
        &college.state.config,
        &college.federation().shared().identity.fingerprint,
    );
    let in_force = conventions::links_in_force(&college.state.db, &college.state.config, &own)
        .await
        .unwrap();
    assert_eq!(in_force.links.len(), 1);
    assert!(
        in_force.notes[0].contains("écrite à la main l'emporte"),
        "{:?}",
        in_force.notes
    );
    let ecole = linked.node(1);
    let before = link(&linked, 1, 0).unwrap();
    assert_eq!(version_of(&before.0), 1);

    let stranger = convention::generate_key();
    let untrusted = signed(
        &stranger,
        2,
        ids,
        &[Entry(0, 1, "2020-01-01", "2099-12-31")],
    );
    assert!(matches!(
        refusal(ecole, &untrusted).await,
        ConventionError::UnknownSigner(_)
    ));
    let tampered = signed(&dane, 2, ids, &[Entry(0, 1, "2020-01-01", "2099-12-31")]).replacen(
        "\"spaces\", \"messaging\"",
        "\"spaces\", \"messaging\", \"transfers\"",
        1,
    );
    let error = refusal(ecole, &tampered).await;
    assert!(matches!(error, ConventionError::BadSignature(_)), "{error}");
    let other_academie = convention::sign_text(
        &unsigned(&v1).replace("\"versailles\"", "\"creteil\""),
        &dane,
    )
    .unwrap();
    let error = refusal(ecole, &other_academie).await;
    assert!(error.to_string().contains("creteil"), "{error}");
    let wrong_fp = signed(
        &dane,
        2,
        (ids.0, &[fingerprints[0].clone(), fingerprints[0].clone()]),
        &[Entry(0, 1, "2020-01-01", "2099-12-31")],
    );
    let error = refusal(ecole, &wrong_fp).await;
    assert!(
        matches!(error, ConventionError::WrongNode(_)) && error.to_string().contains(&domains[1]),
        "{error}"
    );
    let same_version_other_content =
        signed(&dane, 1, ids, &[Entry(0, 1, "2020-01-01", "2098-12-31")]);
    assert!(matches!(
        refusal(ecole, &same_version_other_content).await,
        ConventionError::Outdated(_)
    ));
    assert_eq!(link(&linked, 1, 0).unwrap(), before, "nothing applied");
    assert_eq!(version_stored(ecole).await, 1);

    // Version 3 is imported; after a restart (whose configured file is still version 1,
    // refused at start), replaying version 1 or 2 is refused: no rollback.
    let v3 = signed(&dane, 3, ids, &[Entry(0, 1, "2020-01-01", "2097-12-31")]);
    let plan = import(ecole, &v3).await;
    assert_eq!(plan.diff.changed.len(), 1, "{:?}", plan.diff);
    let mut linked = linked;
    let restarted = linked.nodes.remove(1).restart().await;
    linked.nodes.insert(1, restarted);
    let ecole = linked.node(1);
    assert_eq!(version_stored(ecole).await, 3);
    assert_eq!(link(&linked, 1, 0).unwrap().0.valid_until, "2097-12-31");
    let error = refusal(ecole, &v1).await;
    assert!(
        matches!(error, ConventionError::Outdated(_))
            && error.to_string().contains("plus ancienne"),
        "{error}"
    );

    // Two imports at once (versions 4 and 5): version 5 ends in force whatever the order.
    let v4 = signed(&dane, 4, ids, &[Entry(0, 1, "2020-01-01", "2096-12-31")]);
    let v5 = signed(&dane, 5, ids, &[Entry(0, 1, "2020-01-01", "2095-12-31")]);
    let config = &ecole.state.config;
    let own = Own::of(config, &ecole.federation().shared().identity.fingerprint);
    let (p4, p5) = tokio::join!(
        conventions::plan(&ecole.state.db, config, &own, &v4),
        conventions::plan(&ecole.state.db, config, &own, &v5)
    );
    let (p4, p5) = (p4.unwrap(), p5.unwrap());
    let db = &ecole.state.db;
    let (r5, r4) = tokio::join!(
        conventions::apply(db, &p5, 0),
        conventions::apply(db, &p4, 0)
    );
    assert!(matches!(r5, Ok(true)), "{r5:?}");
    assert!(
        matches!(
            r4,
            Ok(true) | Err(ImportError::Refused(ConventionError::Outdated(_)))
        ),
        "{r4:?}"
    );
    assert_eq!(version_stored(ecole).await, 5);

    // A version with no link left ends the convention's links on this node.
    let empty = signed(&dane, 6, ids, &[]);
    let plan = import(ecole, &empty).await;
    assert_eq!(plan.diff.removed.len(), 1, "{:?}", plan.diff);
    assert!(link(&linked, 1, 0).is_none());
}

/// The document without its signature table (to sign another variant of it).
fn unsigned(text: &str) -> String {
    text.split("\n[signature]")
        .next()
        .unwrap_or(text)
        .to_owned()
}
