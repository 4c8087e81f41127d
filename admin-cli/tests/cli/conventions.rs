//! `ent-admin convention` (the DANE's key, signature and check) and `links import` (a node
//! applying its part), with their exit codes and French messages.

use super::{Node, fingerprint};

const PEER_FP: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A convention of one link between this node and a peer.
fn document(version: u64, own_fp: &str, valid_until: &str) -> String {
    format!(
        "academie = \"versailles\"\nconvention = \"secteur-voltaire\"\nversion = {version}\n\
         signer = \"DANE de test\"\n\n[[links]]\nlabel = \"Liaison cycle 3 – secteur Voltaire\"\n\
         scopes = [\"spaces\"]\nvalid_from = \"2026-09-01\"\nvalid_until = \"{valid_until}\"\nnodes = [\n  \
         {{ domain = \"ent.example.org\", fingerprint = \"{own_fp}\", guest_quota = 12 }},\n  \
         {{ domain = \"ent.pair.example.org\", fingerprint = \"{PEER_FP}\" }},\n]\n"
    )
}

/// Writes `text` as `name` in the node folder and signs it with `key`; returns the run.
fn write_signed(node: &Node, name: &str, text: &str, key: &str) -> super::Run {
    std::fs::write(node.path(name), text).unwrap();
    node.run(&["convention", "sign", name, "--key", key])
}

#[test]
fn a_dane_signs_a_convention_and_a_node_imports_its_part_once_and_in_order() {
    let node = Node::init();
    let own_fp = fingerprint(&node).to_uppercase();
    let key = node.json(&[
        "convention",
        "keygen",
        "--out",
        "dane.key",
        "--academie",
        "versailles",
    ]);
    let public_key = key["public_key"].as_str().unwrap().to_owned();
    let again = node.run(&["convention", "keygen", "--out", "dane.key"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert!(again.stderr.contains("jamais écrasée"), "{}", again.stderr);

    // The DANE side: sign, verify, a tampered copy and a malformed entry.
    assert_eq!(
        write_signed(
            &node,
            "v1.toml",
            &document(1, &own_fp, "2027-08-31"),
            "dane.key"
        )
        .code,
        0
    );
    node.ok(&[
        "convention",
        "verify",
        "v1.toml",
        "--public-key",
        &public_key,
    ]);
    let signed = std::fs::read_to_string(node.path("v1.toml")).unwrap();
    std::fs::write(
        node.path("tampered.toml"),
        signed.replace("[\"spaces\"]", "[\"spaces\", \"transfers\"]"),
    )
    .unwrap();
    let tampered = node.run(&[
        "convention",
        "verify",
        "tampered.toml",
        "--public-key",
        &public_key,
    ]);
    assert_eq!(tampered.code, 4, "{}", tampered.stderr);
    assert!(
        tampered.stderr.contains("signature invalide"),
        "{}",
        tampered.stderr
    );
    let backwards = write_signed(
        &node,
        "bad.toml",
        &document(1, &own_fp, "2025-08-31"),
        "dane.key",
    );
    assert_eq!(backwards.code, 3, "{}", backwards.stderr);
    assert!(
        backwards.stderr.contains("links[0].valid_until"),
        "{}",
        backwards.stderr
    );

    // The node trusts the DANE's key; a dry run records nothing.
    let config = node.path("ent.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[[federation.trusted_conventions]]\nname = \"DANE de test\"\nacademie = \"versailles\"\npublic_key = \"{public_key}\"\n"
    ));
    std::fs::write(&config, text).unwrap();
    let dry = node.json(&["links", "import", "v1.toml", "--dry-run"]);
    assert_eq!(
        (
            dry["applied"].as_bool(),
            dry["diff"]["added"].as_array().map(Vec::len)
        ),
        (Some(false), Some(1))
    );
    assert_eq!(
        node.json(&["links", "list"]).as_array().map(Vec::len),
        Some(0)
    );
    let table = node.ok(&["links", "import", "v1.toml"]);
    assert!(
        table.contains("ajouté") && table.contains("ent.pair.example.org"),
        "{table}"
    );
    let listed = node.json(&["links", "list"]);
    assert_eq!(listed[0]["domain"], "ent.pair.example.org");
    assert!(
        listed[0]["source"].as_str().unwrap().contains("version 1"),
        "{listed}"
    );
    assert_eq!(
        node.json(&["links", "import", "v1.toml"])["unchanged"],
        true
    );

    // Version 2 changes the end date; version 1 is then refused, as is an untrusted key,
    // and a convention naming this node with another fingerprint.
    write_signed(
        &node,
        "v2.toml",
        &document(2, &own_fp, "2027-07-05"),
        "dane.key",
    );
    let second = node.json(&["links", "import", "v2.toml"]);
    let change = second["diff"]["changed"][0]["changes"].to_string();
    assert!(change.contains("2027-08-31 → 2027-07-05"), "{second}");
    let replay = node.run(&["links", "import", "v1.toml"]);
    assert_eq!(replay.code, 6, "{}", replay.stderr);
    assert!(
        replay.stderr.contains("plus ancienne que la version 2"),
        "{}",
        replay.stderr
    );
    node.ok(&[
        "convention",
        "keygen",
        "--out",
        "other.key",
        "--academie",
        "versailles",
    ]);
    write_signed(
        &node,
        "other.toml",
        &document(3, &own_fp, "2027-08-31"),
        "other.key",
    );
    let stranger = node.run(&["links", "import", "other.toml"]);
    assert_eq!(stranger.code, 5, "{}", stranger.stderr);
    assert!(
        stranger.stderr.contains("signataire inconnu"),
        "{}",
        stranger.stderr
    );
    write_signed(
        &node,
        "wrong.toml",
        &document(3, PEER_FP, "2027-08-31"),
        "dane.key",
    );
    let wrong = node.run(&["convention", "verify", "wrong.toml"]);
    assert_eq!(wrong.code, 7, "{}", wrong.stderr);
    assert!(wrong.stderr.contains("ent.example.org"), "{}", wrong.stderr);
    let listed = node.json(&["links", "list"]);
    assert_eq!(
        listed[0]["valid_until"], "2027-07-05",
        "nothing refused was applied"
    );
}
