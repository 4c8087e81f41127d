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

/// Writes `text` as `name` in the node folder and signs it with `key`.
fn write_signed(node: &Node, name: &str, text: &str, key: &str) {
    std::fs::write(node.path(name), text).unwrap();
    node.ok(&["convention", "sign", name, "--key", key]);
}

/// Runs `args`, expecting exit `code` and `words` in the French message.
fn refused(node: &Node, args: &[&str], code: i32, words: &str) {
    let run = node.run(args);
    assert_eq!(run.code, code, "{args:?}: {}", run.stderr);
    assert!(run.stderr.contains(words), "{args:?}: {}", run.stderr);
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
    let again = ["convention", "keygen", "--out", "dane.key"];
    refused(&node, &again, 1, "jamais écrasée");

    // The DANE side: sign, verify, a tampered copy and a malformed entry.
    write_signed(
        &node,
        "v1.toml",
        &document(1, &own_fp, "2027-08-31"),
        "dane.key",
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
    let tampered = [
        "convention",
        "verify",
        "tampered.toml",
        "--public-key",
        &public_key,
    ];
    refused(&node, &tampered, 4, "signature invalide");
    std::fs::write(node.path("bad.toml"), document(1, &own_fp, "2025-08-31")).unwrap();
    let backwards = ["convention", "sign", "bad.toml", "--key", "dane.key"];
    refused(&node, &backwards, 3, "links[0].valid_until");

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
    let replay = ["links", "import", "v1.toml"];
    refused(&node, &replay, 6, "plus ancienne que la version 2");
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
    refused(
        &node,
        &["links", "import", "other.toml"],
        5,
        "signataire inconnu",
    );
    write_signed(
        &node,
        "wrong.toml",
        &document(3, PEER_FP, "2027-08-31"),
        "dane.key",
    );
    refused(
        &node,
        &["convention", "verify", "wrong.toml"],
        7,
        "ent.example.org",
    );
    let listed = node.json(&["links", "list"]);
    assert_eq!(
        listed[0]["valid_until"], "2027-07-05",
        "nothing refused was applied"
    );
}
