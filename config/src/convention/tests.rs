use super::*;

const FP_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const FP_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn text(version: u64, scopes: &str) -> String {
    format!(
        "academie = \"versailles\"\nconvention = \"secteur-voltaire\"\nversion = {version}\n\
         signer = \"DANE de Versailles\"\n\n[[links]]\nlabel = \"Liaison cycle 3\"\nscopes = {scopes}\n\
         valid_from = \"2026-09-01\"\nvalid_until = \"2027-08-31\"\nnodes = [\n  \
         {{ domain = \"college.test\", fingerprint = \"{FP_A}\", guest_quota = 60 }},\n  \
         {{ domain = \"ecole.test\", fingerprint = \"{FP_B}\", guest_quota = 20 }},\n]\n"
    )
}

fn trust(key: &SigningKey, academie: &str) -> Vec<TrustedSigner> {
    vec![TrustedSigner {
        name: "DANE de Versailles".into(),
        academie: academie.into(),
        public_key: encode_public_key(&key.verifying_key()),
    }]
}

#[test]
fn a_signed_document_verifies_and_each_side_gets_its_own_quota() {
    let key = generate_key();
    let signed = sign_text(&text(1, "[\"spaces\"]"), &key).unwrap();
    let document = Document::parse(&signed).unwrap();
    assert_eq!(
        verify(&document, &trust(&key, "versailles")).unwrap().name,
        "DANE de Versailles"
    );
    let college = document.links_for("college.test", FP_A).unwrap();
    assert_eq!(
        (college[0].domain.as_str(), college[0].guest_quota),
        ("ecole.test", 60)
    );
    let ecole = document.links_for("ecole.test", FP_B).unwrap();
    assert_eq!(
        (ecole[0].domain.as_str(), ecole[0].guest_quota),
        ("college.test", 20)
    );
    assert!(document.links_for("autre.test", FP_A).unwrap().is_empty());
    // Signing again replaces the signature instead of adding a second table.
    let twice = sign_text(&signed, &key).unwrap();
    assert_eq!(twice.matches("[signature]").count(), 1);
}

#[test]
fn layout_does_not_matter_but_values_do() {
    let key = generate_key();
    let signed = sign_text(&text(1, "[\"spaces\"]"), &key).unwrap();
    let trusted = trust(&key, "versailles");
    let respaced = signed
        .replace(" = ", "   =   ")
        .replace("\n[[links]]", "\n# commentaire\n\n[[links]]");
    assert!(verify(&Document::parse(&respaced).unwrap(), &trusted).is_ok());
    let tampered = signed.replace("[\"spaces\"]", "[\"spaces\", \"transfers\"]");
    assert!(matches!(
        verify(&Document::parse(&tampered).unwrap(), &trusted),
        Err(ConventionError::BadSignature(_))
    ));
    // The same values as JSON carry the same signature.
    let document = Document::parse(&signed).unwrap();
    let json = serde_json::to_string(&document).unwrap();
    assert!(verify(&Document::parse(&json).unwrap(), &trusted).is_ok());
}

#[test]
fn unknown_keys_and_other_academies_are_refused() {
    let key = generate_key();
    let signed = sign_text(&text(1, "[\"spaces\"]"), &key).unwrap();
    let document = Document::parse(&signed).unwrap();
    let other = generate_key();
    assert!(matches!(
        verify(&document, &trust(&other, "versailles")),
        Err(ConventionError::UnknownSigner(_))
    ));
    let error = verify(&document, &trust(&key, "creteil")).unwrap_err();
    assert!(error.to_string().contains("creteil"), "{error}");
    let unsigned = Document::parse(&text(1, "[\"spaces\"]")).unwrap();
    assert_eq!(
        verify(&unsigned, &trust(&key, "versailles"))
            .unwrap_err()
            .exit_code(),
        4
    );
}

#[test]
fn malformed_entries_are_named() {
    let duplicate = text(1, "[\"spaces\"]").replace("version = 1", "version = 1\nversion = 2");
    assert!(matches!(
        Document::parse(&duplicate),
        Err(ConventionError::Malformed(_))
    ));
    let unknown = text(1, "[\"spaces\"]").replace("version = 1", "version = 1\nverson = 2");
    assert!(Document::parse(&unknown).is_err());
    let backwards = text(1, "[\"spaces\"]").replace("2027-08-31", "2025-08-31");
    let error = Document::parse(&backwards).unwrap().validate().unwrap_err();
    assert!(
        error.to_string().contains("links[0].valid_until"),
        "{error}"
    );
    let twice = text(1, "[\"spaces\"]").replace("ecole.test", "COLLEGE.test.");
    let error = Document::parse(&twice).unwrap().validate().unwrap_err();
    assert!(error.to_string().contains("différents"), "{error}");
    let bad_fp = text(1, "[\"spaces\"]").replace(FP_B, "zz");
    let error = Document::parse(&bad_fp).unwrap().validate().unwrap_err();
    assert!(
        error.to_string().contains("links[0].nodes[1].fingerprint"),
        "{error}"
    );
    let key = generate_key();
    assert!(
        sign_text(&backwards, &key).is_err(),
        "a malformed document is not signed"
    );
    let no_links =
        "academie = \"versailles\"\nconvention = \"x\"\nversion = 3\nsigner = \"DANE\"\n";
    assert!(Document::parse(no_links).unwrap().validate().is_ok());
}

#[test]
fn fingerprints_in_any_spelling_but_of_the_right_key() {
    let colons: String = FP_B
        .as_bytes()
        .chunks(2)
        .map(|c| std::str::from_utf8(c).unwrap().to_uppercase())
        .collect::<Vec<_>>()
        .join(":");
    let document = Document::parse(&text(1, "[\"spaces\"]").replace(FP_B, &colons)).unwrap();
    document.validate().unwrap();
    assert_eq!(document.links_for("ecole.test", FP_B).unwrap().len(), 1);
    let error = document.links_for("ecole.test", FP_A).unwrap_err();
    assert_eq!(error.exit_code(), 7);
}

#[test]
fn public_keys_in_base64_or_hex() {
    let key = generate_key().verifying_key();
    assert_eq!(decode_public_key(&encode_public_key(&key)), Some(key));
    assert_eq!(decode_public_key(&hex::encode(key.as_bytes())), Some(key));
    assert!(decode_public_key("pas une clé").is_none());
    let pem = write_key_pem(&generate_key()).unwrap();
    assert!(read_key_pem(&pem).is_ok());
}
