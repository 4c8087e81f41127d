//! Bounded parsing of received activities: depth and width are checked on the raw bytes and the
//! parsed tree before anything else looks at them, so a hostile body costs at most one linear
//! pass over 256 KiB.

use url::Url;

/// Deepest nesting of arrays and objects accepted.
pub const MAX_DEPTH: usize = 16;
/// Most entries in one array (address lists included).
pub const MAX_ARRAY_LEN: usize = 100;
/// Most members in one object.
pub const MAX_OBJECT_LEN: usize = 64;

/// Fields whose values name other objects or actors.
const REFERENCE_FIELDS: [&str; 11] = [
    "id",
    "actor",
    "object",
    "attributedTo",
    "inReplyTo",
    "audience",
    "target",
    "to",
    "cc",
    "bto",
    "bcc",
];

/// The public collection: nothing on this network is ever addressed to it.
const PUBLIC: [&str; 3] = [
    "https://www.w3.org/ns/activitystreams#Public",
    "as:Public",
    "Public",
];

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("JSON trop profond")]
    TooDeep,
    /// An array or object wider than allowed.
    #[error("liste trop longue")]
    TooWide,
    /// Not JSON, or not an object.
    #[error("JSON invalide : {0}")]
    Malformed(String),
    /// A reference that is not an https/http URL.
    #[error("référence invalide : {0}")]
    BadReference(String),
    /// Addressed to the public.
    #[error("adressage public refusé")]
    Public,
    /// A reference to a host that is neither us nor an active link.
    #[error("référence à un hôte non lié : {0}")]
    ForeignReference(String),
}

/// Parses a body into JSON, refusing deep or wide documents before and after parsing.
pub fn parse_bounded(bytes: &[u8]) -> Result<serde_json::Value, Refusal> {
    check_depth(bytes)?;
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| Refusal::Malformed(e.to_string()))?;
    if !value.is_object() {
        return Err(Refusal::Malformed("un objet JSON est attendu".into()));
    }
    check_width(&value)?;
    Ok(value)
}

/// One pass over the bytes, counting brackets outside strings.
fn check_depth(bytes: &[u8]) -> Result<(), Refusal> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            match (escaped, byte) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(Refusal::TooDeep);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn check_width(value: &serde_json::Value) -> Result<(), Refusal> {
    match value {
        serde_json::Value::Array(items) => {
            if items.len() > MAX_ARRAY_LEN {
                return Err(Refusal::TooWide);
            }
            items.iter().try_for_each(check_width)
        }
        serde_json::Value::Object(members) => {
            if members.len() > MAX_OBJECT_LEN {
                return Err(Refusal::TooWide);
            }
            members.values().try_for_each(check_width)
        }
        _ => Ok(()),
    }
}

/// An object's `updated` time (RFC 3339), Unix seconds: what orders the versions of one
/// object, so that an older one received late (or replayed) never replaces a newer one.
pub fn updated_of(object: &serde_json::Value) -> Option<i64> {
    let text = object.get("updated")?.as_str()?;
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp())
}

/// Every URL the activity references (at any depth), refusing public addressing.
pub fn references(value: &serde_json::Value) -> Result<Vec<Url>, Refusal> {
    let mut found = Vec::new();
    collect(value, &mut found)?;
    Ok(found)
}

fn collect(value: &serde_json::Value, found: &mut Vec<Url>) -> Result<(), Refusal> {
    match value {
        serde_json::Value::Object(members) => {
            for (key, member) in members {
                if REFERENCE_FIELDS.contains(&key.as_str()) {
                    reference_values(member, found)?;
                }
                if member.is_object() || member.is_array() {
                    collect(member, found)?;
                }
            }
            Ok(())
        }
        serde_json::Value::Array(items) => items.iter().try_for_each(|item| collect(item, found)),
        _ => Ok(()),
    }
}

fn reference_values(value: &serde_json::Value, found: &mut Vec<Url>) -> Result<(), Refusal> {
    match value {
        serde_json::Value::String(text) => {
            if PUBLIC.contains(&text.as_str()) {
                return Err(Refusal::Public);
            }
            let url = Url::parse(text).map_err(|_| Refusal::BadReference(text.clone()))?;
            if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
                return Err(Refusal::BadReference(text.clone()));
            }
            found.push(url);
            Ok(())
        }
        serde_json::Value::Array(items) => items
            .iter()
            .try_for_each(|item| reference_values(item, found)),
        // Embedded objects carry their own `id`, collected by the recursive walk.
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn deep_and_wide_documents_are_refused() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert_eq!(parse_bounded(deep.as_bytes()), Err(Refusal::TooDeep));
        let brackets_in_strings = format!(r#"{{"a":"{}"}}"#, "[".repeat(1000));
        assert!(parse_bounded(brackets_in_strings.as_bytes()).is_ok());
        let wide = serde_json::json!({ "to": vec!["https://a.test/x"; MAX_ARRAY_LEN + 1] });
        assert_eq!(
            parse_bounded(wide.to_string().as_bytes()),
            Err(Refusal::TooWide)
        );
    }

    #[test]
    fn references_are_found_at_any_depth_and_public_is_refused() {
        let activity = serde_json::json!({
            "id": "https://b.test/federation/activities/1",
            "type": "Create",
            "actor": "https://b.test/federation/node",
            "to": ["https://a.test/federation/node"],
            "object": { "id": "https://b.test/o/1", "inReplyTo": "https://c.test/o/9" }
        });
        let hosts: Vec<String> = references(&activity)
            .unwrap()
            .iter()
            .map(|u| u.host_str().unwrap().to_owned())
            .collect();
        assert!(hosts.contains(&"c.test".to_owned()));
        assert_eq!(hosts.len(), 5);
        let public = serde_json::json!({ "cc": ["https://www.w3.org/ns/activitystreams#Public"] });
        assert_eq!(references(&public), Err(Refusal::Public));
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            "[a-z:/.#]{0,20}".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(24, 256, 8, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
                prop::collection::btree_map("[a-zA-Z]{1,10}", inner, 0..8)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn depth(value: &serde_json::Value) -> usize {
        match value {
            serde_json::Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
            serde_json::Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
            _ => 0,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

        /// Arbitrary bytes never panic the parser.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..4096)) {
            if let Ok(value) = parse_bounded(&bytes) {
                let _ = references(&value);
            }
        }

        /// Any JSON object is accepted exactly when it is within the depth bound.
        #[test]
        fn depth_bound_is_exact(inner in json_value()) {
            let value = serde_json::json!({ "object": inner });
            let text = serde_json::to_vec(&value).unwrap();
            let result = parse_bounded(&text);
            if depth(&value) > MAX_DEPTH {
                prop_assert_eq!(result, Err(Refusal::TooDeep));
            } else {
                prop_assert_ne!(result, Err(Refusal::TooDeep));
            }
        }
    }
}
