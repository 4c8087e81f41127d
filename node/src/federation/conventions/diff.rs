//! What an import changes in the links in force: added, changed (which terms), removed.

use ent_config::LinkConfig;
use serde::Serialize;

/// One changed link: the peer and what changed, in French (`dates : … → …`).
#[derive(Debug, Clone, Serialize)]
pub struct Changed {
    /// The peer's domain.
    pub domain: String,
    /// The convention's title after the change.
    pub label: String,
    /// One entry per changed term.
    pub changes: Vec<String>,
}

/// Links in force before and after, compared by peer.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Diff {
    /// Peers linked after and not before.
    pub added: Vec<Line>,
    /// Peers linked before and after, on other terms.
    pub changed: Vec<Changed>,
    /// Peers linked before and not after: those links end.
    pub removed: Vec<Line>,
    /// Conflicts and conventions set aside (hand-written links win).
    pub notes: Vec<String>,
}

/// One link, as the diff shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The peer's domain.
    pub domain: String,
    /// The convention's title.
    pub label: String,
    /// Scopes, quota and dates in French.
    pub terms: String,
    /// Where it comes from.
    pub source: String,
}

fn scopes(link: &LinkConfig) -> String {
    let names: Vec<String> = link
        .scopes
        .iter()
        .map(|s| format!("{s:?}").to_lowercase())
        .collect();
    names.join(", ")
}

fn line(link: &LinkConfig) -> Line {
    Line {
        domain: link.normalized_domain(),
        label: link.label.clone(),
        terms: format!(
            "{} ; {} invités ; du {} au {}",
            scopes(link),
            link.guest_quota,
            link.valid_from,
            link.valid_until
        ),
        source: link.source.describe(),
    }
}

fn changes(before: &LinkConfig, after: &LinkConfig) -> Vec<String> {
    let mut changes = Vec::new();
    let mut compare = |what: &str, old: String, new: String| {
        if old != new {
            changes.push(format!("{what} : {old} → {new}"));
        }
    };
    compare(
        "empreinte",
        before.normalized_fingerprint(),
        after.normalized_fingerprint(),
    );
    compare("périmètres", scopes(before), scopes(after));
    compare(
        "invités",
        before.guest_quota.to_string(),
        after.guest_quota.to_string(),
    );
    compare("titre", before.label.clone(), after.label.clone());
    compare("début", before.valid_from.clone(), after.valid_from.clone());
    compare("fin", before.valid_until.clone(), after.valid_until.clone());
    compare("origine", before.source.describe(), after.source.describe());
    changes
}

impl Diff {
    /// Compares the links in force `before` and `after` (by normalised peer domain). A link
    /// whose only change is the convention's version number is not listed.
    pub fn between(before: &[LinkConfig], after: &[LinkConfig], notes: Vec<String>) -> Self {
        let find = |links: &[LinkConfig], domain: &str| {
            links
                .iter()
                .find(|l| l.normalized_domain() == domain)
                .cloned()
        };
        let mut diff = Self {
            notes,
            ..Self::default()
        };
        for link in after {
            let domain = link.normalized_domain();
            match find(before, &domain) {
                None => diff.added.push(line(link)),
                Some(old) => {
                    let list: Vec<String> = changes(&old, link)
                        .into_iter()
                        .filter(|c| !(c.starts_with("origine") && same_convention(&old, link)))
                        .collect();
                    if !list.is_empty() {
                        diff.changed.push(Changed {
                            domain,
                            label: link.label.clone(),
                            changes: list,
                        });
                    }
                }
            }
        }
        for link in before {
            if find(after, &link.normalized_domain()).is_none() {
                diff.removed.push(line(link));
            }
        }
        diff
    }

    /// "1 ajouté, 2 modifiés, 0 retiré".
    pub fn summary(&self) -> String {
        format!(
            "{} lien(s) ajouté(s), {} modifié(s), {} retiré(s)",
            self.added.len(),
            self.changed.len(),
            self.removed.len()
        )
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

/// Two versions of the same convention (only the version number differs in the source).
fn same_convention(a: &LinkConfig, b: &LinkConfig) -> bool {
    use ent_config::LinkSource::Convention;
    matches!((&a.source, &b.source), (Convention { academie: x, id: i, .. }, Convention { academie: y, id: j, .. }) if x == y && i == j)
}
