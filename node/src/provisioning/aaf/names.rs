//! What a file name says: entity, Complet or Delta, date, chunk (aaf.md §2).
//!
//! `ENT_<UAI>_Complet_<YYYYMMDD>_<Type>_<NNNN>.xml`, `<prefix>_Delta_<YYYYMMDD>_<Type>_<NNNN>.xml`
//! and the fixtures' `clean-` prefixes: the type is the last `_` part that names an entity,
//! the chunk the last part when it is a number.

use super::entity::Entity;

/// The parts of a feed file name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    /// The entity the file holds.
    pub entity: Entity,
    /// `Delta` in the name (any case); otherwise a Complet.
    pub delta: bool,
    /// The `YYYYMMDD` part, if any.
    pub date: Option<String>,
    /// The chunk number, 0 when absent.
    pub chunk: u32,
}

/// Classifies a path inside a feed; `None` for what is not an AAF entity file (the DTD,
/// a readme, macOS resource forks).
pub fn classify(path: &str) -> Option<FileName> {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    if base.starts_with('.') || path.contains("__MACOSX") {
        return None;
    }
    let stem = base
        .strip_suffix(".xml")
        .or_else(|| base.strip_suffix(".XML"))?;
    let parts: Vec<&str> = stem.split('_').collect();
    let entity = parts.iter().rev().find_map(|p| Entity::from_file_type(p))?;
    let chunk = parts
        .last()
        .filter(|p| p.len() == 4)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let date = parts
        .iter()
        .find(|p| p.len() == 8 && p.bytes().all(|b| b.is_ascii_digit()))
        .map(|p| (*p).to_owned());
    let delta = parts.iter().any(|p| p.eq_ignore_ascii_case("delta"));
    Some(FileName {
        entity,
        delta,
        date,
        chunk,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_real_deliveries_are_classified() {
        let pupils = classify("ENT_0693890D_Complet_20130218_Eleve_0000.xml").unwrap();
        assert_eq!(pupils.entity, Entity::Pupil);
        assert!(!pupils.delta);
        assert_eq!(pupils.date.as_deref(), Some("20130218"));
        let chunk = classify("x/clean-FULL_ENTTSSERVICES_Complet_20130117_PersRelEleve_0039.xml");
        assert_eq!(
            chunk.map(|c| (c.entity, c.chunk)),
            Some((Entity::Relation, 39))
        );
        let delta = classify("ENT2DVA-ENT16_Delta_20240917_PersEducNat_0000.xml").unwrap();
        assert!(delta.delta);
        assert_eq!(delta.entity, Entity::Staff);
        assert_eq!(
            classify("ENT_Complet_20200101_MatiereEducNat_0000.xml").map(|c| c.entity),
            Some(Entity::Subject)
        );
    }

    #[test]
    fn other_files_are_not_entity_files() {
        assert_eq!(classify("ficAlimMENESR.dtd"), None);
        assert_eq!(classify("LISEZMOI.txt"), None);
        assert_eq!(
            classify("__MACOSX/._ENT_Complet_20200101_Eleve_0000.xml"),
            None
        );
        assert_eq!(classify("ENT_Complet_20200101_Inconnu_0000.xml"), None);
    }
}
