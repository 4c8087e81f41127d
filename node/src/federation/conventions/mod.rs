//! Signed conventions on a node: which links of a DANE's convention name this node, the
//! version in force of each convention (stored, so that an older one is refused even after a
//! restart), and the links in force: the hand-written `[[links]]` first, then those of every
//! stored convention, hand-written entries winning on conflict. The federation is handed the
//! result and never asks where a link came from.

mod diff;
mod store;

use ent_config::convention::{self, ConventionError, Document};
use ent_config::{LinkConfig, NodeConfig};

use crate::store::Db;
use store::Stored;

pub use diff::Diff;

/// This node as conventions name it: its federation domain and its key's fingerprint.
#[derive(Debug, Clone)]
pub struct Own {
    /// `host[:port]` of `node.public_url`, normalised.
    pub domain: String,
    /// SHA-256 of the node key, 64 lower-case hex digits.
    pub fingerprint: String,
}

impl Own {
    /// This node of `config`, whose key has `fingerprint`.
    pub fn of(config: &NodeConfig, fingerprint: &str) -> Self {
        let domain = url::Url::parse(&config.public_url())
            .map(|url| ent_federation::signing::authority(&url))
            .ok()
            .and_then(|authority| ent_config::normalize_domain(&authority))
            .unwrap_or(config.node.domain.clone());
        Self {
            domain,
            fingerprint: fingerprint.to_owned(),
        }
    }
}

/// The links in force on this node, and what was set aside on the way (in French).
#[derive(Debug, Clone, Default)]
pub struct InForce {
    /// Hand-written links, then the conventions' links.
    pub links: Vec<LinkConfig>,
    /// Conflicts and conventions no longer applied, one sentence each.
    pub notes: Vec<String>,
}

/// Why an import did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The convention is refused (exit code per kind).
    #[error(transparent)]
    Refused(#[from] ConventionError),
    /// The database failed.
    #[error("base de données : {0}")]
    Store(#[from] sqlx::Error),
}

/// A convention checked against this node, ready to apply.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The verified document.
    pub document: Document,
    /// The name of the trusted key that signed it.
    pub signer: String,
    /// Links in force before and after, compared.
    pub diff: Diff,
    /// The same version is already in force: nothing to do.
    pub unchanged: bool,
    text: String,
}

/// Verifies a document against this node's trust and key (not its version in force).
fn verified<'a>(
    text: &str,
    config: &'a NodeConfig,
    own: &Own,
) -> Result<(Document, &'a str, Vec<LinkConfig>), ConventionError> {
    let document = Document::parse(text)?;
    let signer = convention::verify(&document, &config.federation.trusted_conventions)?;
    document.validate()?;
    let links = document.links_for(&own.domain, &own.fingerprint)?;
    Ok((document, &signer.name, links))
}

/// Refuses `document` when the version in force is newer, or the same with other content;
/// `Ok(true)` when the very same version is in force.
fn against_in_force(
    document: &Document,
    in_force: Option<&Stored>,
) -> Result<bool, ConventionError> {
    let Some(in_force) = in_force else {
        return Ok(false);
    };
    let new = i64::try_from(document.version).unwrap_or(i64::MAX);
    if new < in_force.version {
        return Err(ConventionError::Outdated(format!(
            "la version {new} de la convention « {} » est plus ancienne que la version {} en vigueur : \
             une convention ne revient jamais en arrière",
            document.convention, in_force.version
        )));
    }
    if new > in_force.version {
        return Ok(false);
    }
    let same = Document::parse(&in_force.document).is_ok_and(|old| {
        convention::signing::canonical_bytes(&old) == convention::signing::canonical_bytes(document)
    });
    if same {
        Ok(true)
    } else {
        Err(ConventionError::Outdated(format!(
            "la version {new} de la convention « {} » est déjà en vigueur avec un autre contenu : \
             la DANE doit donner un numéro de version plus grand",
            document.convention
        )))
    }
}

/// Checks a convention for this node and compares the links it would put in force with those
/// in force now (the dry run of `ent-admin links import`).
pub async fn plan(
    db: &Db,
    config: &NodeConfig,
    own: &Own,
    text: &str,
) -> Result<Plan, ImportError> {
    let (document, signer, links) = verified(text, config, own)?;
    let mut conn = db.pool().acquire().await?;
    let in_force = store::stored(&mut conn, &document.academie, &document.convention).await?;
    drop(conn);
    let unchanged = against_in_force(&document, in_force.as_ref())?;
    if in_force.is_none() && links.is_empty() {
        return Err(ConventionError::WrongNode(format!(
            "la convention « {} » ne nomme pas ce nœud ({}) : est-ce le bon fichier ?",
            document.convention, own.domain
        ))
        .into());
    }
    let before = links_in_force(db, config, own).await?;
    let after = merge(config, own, store::all(db).await?, Some((&document, text)));
    Ok(Plan {
        diff: Diff::between(&before.links, &after.links, after.notes),
        signer: signer.to_owned(),
        unchanged,
        text: text.to_owned(),
        document,
    })
}

/// Stores the planned version as the one in force (checked again under a lock, so that two
/// imports at once apply in version order and the older one is refused). `false` when the
/// same version was already in force.
pub async fn apply(db: &Db, plan: &Plan, now: i64) -> Result<bool, ImportError> {
    let document = &plan.document;
    let mut tx = db.begin_write().await?;
    let lock = format!("convention:{}/{}", document.academie, document.convention);
    crate::store::lock(&mut tx, &lock, now).await?;
    let row = store::stored(&mut tx, &document.academie, &document.convention).await?;
    if against_in_force(document, row.as_ref())? {
        return Ok(false);
    }
    store::put(&mut tx, document, &plan.text, now).await?;
    let detail = format!(
        "académie {}, version {}, signée par {} : {}",
        document.academie,
        document.version,
        plan.signer,
        plan.diff.summary()
    );
    crate::users::store::audit(
        &mut tx,
        now,
        None,
        "federation.convention",
        &document.convention,
        &detail,
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// The links in force: `[[links]]`, then every stored convention that still verifies with
/// the keys this configuration trusts.
pub async fn links_in_force(db: &Db, config: &NodeConfig, own: &Own) -> sqlx::Result<InForce> {
    Ok(merge(config, own, store::all(db).await?, None))
}

/// Hand-written links first; then each convention's, skipping peers already linked. With
/// `replacing`, that document stands instead of the stored version of the same convention.
fn merge(
    config: &NodeConfig,
    own: &Own,
    stored: Vec<String>,
    replacing: Option<(&Document, &str)>,
) -> InForce {
    let mut in_force = InForce {
        links: config.links.clone(),
        notes: Vec::new(),
    };
    let hand: Vec<String> = config
        .links
        .iter()
        .map(LinkConfig::normalized_domain)
        .collect();
    let mut texts = stored;
    if let Some((new, text)) = replacing {
        texts.retain(|old| {
            Document::parse(old).map_or(true, |d| {
                (d.academie != new.academie) || (d.convention != new.convention)
            })
        });
        texts.push(text.to_owned());
    }
    let mut from_conventions: Vec<(String, String)> = Vec::new();
    for text in texts {
        let (document, _, links) = match verified(&text, config, own) {
            Ok(checked) => checked,
            Err(error) => {
                let name = Document::parse(&text)
                    .map(|d| d.convention)
                    .unwrap_or_default();
                tracing::error!(convention = %name, %error, "stored convention no longer applies");
                in_force
                    .notes
                    .push(format!("convention « {name} » plus appliquée : {error}"));
                continue;
            }
        };
        for link in links {
            let domain = link.normalized_domain();
            if hand.contains(&domain) {
                in_force.notes.push(format!(
                    "lien avec {domain} de la convention « {} » ignoré : l'entrée [[links]] écrite à la main l'emporte",
                    document.convention
                ));
            } else if let Some((_, first)) = from_conventions.iter().find(|(d, _)| *d == domain) {
                in_force.notes.push(format!(
                    "lien avec {domain} de la convention « {} » ignoré : ce pair est déjà lié par la convention « {first} »",
                    document.convention
                ));
            } else {
                from_conventions.push((domain, document.convention.clone()));
                in_force.links.push(link);
            }
        }
    }
    for note in &in_force.notes {
        tracing::warn!(note = %note, "convention link set aside");
    }
    in_force
}

/// Imports each of `federation.convention_files` (at start and on reload): a newer version is
/// applied, the same one changes nothing, a refused file is logged and the version in force
/// stays. Returns one French line per file.
pub async fn import_files(db: &Db, config: &NodeConfig, own: &Own, now: i64) -> Vec<String> {
    let mut lines = Vec::new();
    for path in &config.federation.convention_files {
        let shown = path.display().to_string();
        let outcome = match std::fs::read_to_string(path) {
            Err(error) => Err(format!("lecture impossible : {error}")),
            Ok(text) => match plan(db, config, own, &text).await {
                Err(error) => Err(error.to_string()),
                Ok(plan) if plan.unchanged => {
                    Ok(format!("version {} déjà en vigueur", plan.document.version))
                }
                Ok(plan) => match apply(db, &plan, now).await {
                    Ok(_) => Ok(format!(
                        "version {} appliquée : {}",
                        plan.document.version,
                        plan.diff.summary()
                    )),
                    Err(error) => Err(error.to_string()),
                },
            },
        };
        match outcome {
            Ok(line) => {
                tracing::info!(file = %shown, outcome = %line, "convention file read");
                lines.push(format!("{shown} : {line}"));
            }
            Err(error) => {
                tracing::error!(file = %shown, %error, "convention refused, version in force kept");
                lines.push(format!(
                    "{shown} : refusée, version en vigueur conservée : {error}"
                ));
            }
        }
    }
    lines
}
