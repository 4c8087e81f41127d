//! Audiences: to whom something is addressed (a message today; news, the cahier de liaison and
//! the agenda later), written once. An audience is a person, a class's pupils or parents, a
//! group, or a school's staff, pupils or parents; it is kept as a short code (`eleves:ID`) in
//! forms and rows, and resolved to the active accounts it means at the time of use.

use sqlx::Row;

use crate::domain::SchoolYear;
pub use crate::domain::audience::AudienceKind;
use crate::store::Db;

/// One audience, with the id of what it names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Audience {
    /// One account.
    Person(String),
    /// The pupils of a class.
    ClassPupils(String),
    /// The parents of a class's pupils.
    ClassParents(String),
    /// The members of a group.
    Group(String),
    /// Teachers, direction and staff of a school.
    SchoolStaff(String),
    /// Every pupil of a school (this school year's classes).
    SchoolPupils(String),
    /// Every parent of those pupils.
    SchoolParents(String),
    /// Everyone of the node.
    Node,
}

/// The id of [`Audience::Node`] in its code (`noeud:tout`).
const NODE_ID: &str = "tout";

/// Code prefixes, in the order of [`AudienceKind`].
const PREFIXES: [(&str, AudienceKind); 8] = [
    ("personne", AudienceKind::Person),
    ("eleves", AudienceKind::ClassPupils),
    ("parents", AudienceKind::ClassParents),
    ("groupe", AudienceKind::Group),
    ("personnels-ecole", AudienceKind::SchoolStaff),
    ("eleves-ecole", AudienceKind::SchoolPupils),
    ("parents-ecole", AudienceKind::SchoolParents),
    ("noeud", AudienceKind::Node),
];

impl Audience {
    /// An audience of `kind` naming `id`.
    pub fn new(kind: AudienceKind, id: &str) -> Self {
        let id = id.to_owned();
        match kind {
            AudienceKind::Person => Self::Person(id),
            AudienceKind::ClassPupils => Self::ClassPupils(id),
            AudienceKind::ClassParents => Self::ClassParents(id),
            AudienceKind::Group => Self::Group(id),
            AudienceKind::SchoolStaff => Self::SchoolStaff(id),
            AudienceKind::SchoolPupils => Self::SchoolPupils(id),
            AudienceKind::SchoolParents => Self::SchoolParents(id),
            AudienceKind::Node => Self::Node,
        }
    }

    /// Its kind.
    pub fn kind(&self) -> AudienceKind {
        match self {
            Self::Person(_) => AudienceKind::Person,
            Self::ClassPupils(_) => AudienceKind::ClassPupils,
            Self::ClassParents(_) => AudienceKind::ClassParents,
            Self::Group(_) => AudienceKind::Group,
            Self::SchoolStaff(_) => AudienceKind::SchoolStaff,
            Self::SchoolPupils(_) => AudienceKind::SchoolPupils,
            Self::SchoolParents(_) => AudienceKind::SchoolParents,
            Self::Node => AudienceKind::Node,
        }
    }

    /// The id it names.
    pub fn id(&self) -> &str {
        match self {
            Self::Person(id)
            | Self::ClassPupils(id)
            | Self::ClassParents(id)
            | Self::Group(id)
            | Self::SchoolStaff(id)
            | Self::SchoolPupils(id)
            | Self::SchoolParents(id) => id,
            Self::Node => NODE_ID,
        }
    }

    /// `eleves:ID`, as forms and rows keep it.
    pub fn code(&self) -> String {
        let prefix = PREFIXES
            .iter()
            .find(|(_, k)| *k == self.kind())
            .map_or("personne", |(p, _)| p);
        format!("{prefix}:{}", self.id())
    }

    /// Reads a code; anything else is `None`.
    pub fn parse(code: &str) -> Option<Self> {
        let (prefix, id) = code.trim().split_once(':')?;
        let kind = PREFIXES.iter().find(|(p, _)| *p == prefix)?.1;
        if kind == AudienceKind::Node {
            return (id == NODE_ID).then_some(Self::Node);
        }
        let plausible = !id.is_empty()
            && id.len() <= 64
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
        plausible.then(|| Self::new(kind, id))
    }

    /// The active accounts it means now (a class's parents: the guardians of its pupils).
    pub async fn resolve(&self, db: &Db, year: SchoolYear) -> sqlx::Result<Vec<String>> {
        let year = i64::from(year.0);
        let active = "JOIN users u ON u.id = x.user_id AND u.active = 1";
        let (sql, with_year) = match self {
            Self::Person(_) => (
                format!(
                    "SELECT x.user_id FROM (SELECT id AS user_id FROM users WHERE id = $1) x {active}"
                ),
                false,
            ),
            Self::ClassPupils(_) => (
                format!(
                    "SELECT x.user_id FROM class_members x {active} WHERE x.class_id = $1 AND x.role = 'pupil'"
                ),
                false,
            ),
            Self::ClassParents(_) => (
                format!(
                    "SELECT DISTINCT x.user_id FROM (SELECT g.parent_id AS user_id FROM guardianships g \
                     JOIN class_members c ON c.user_id = g.child_id AND c.role = 'pupil' WHERE c.class_id = $1) x {active}"
                ),
                false,
            ),
            Self::Group(_) => (
                format!("SELECT x.user_id FROM group_members x {active} WHERE x.group_id = $1"),
                false,
            ),
            Self::SchoolStaff(_) => (
                format!(
                    "SELECT x.user_id FROM memberships x {active} WHERE x.school_id = $1 \
                     AND x.profile IN ('teacher', 'director', 'staff')"
                ),
                false,
            ),
            Self::SchoolPupils(_) => (
                format!(
                    "SELECT DISTINCT x.user_id FROM class_members x {active} JOIN classes c ON c.id = x.class_id \
                     WHERE c.school_id = $1 AND c.school_year = $2 AND x.role = 'pupil'"
                ),
                true,
            ),
            Self::SchoolParents(_) => (
                format!(
                    "SELECT DISTINCT x.user_id FROM (SELECT g.parent_id AS user_id FROM guardianships g \
                     JOIN class_members m ON m.user_id = g.child_id AND m.role = 'pupil' \
                     JOIN classes c ON c.id = m.class_id WHERE c.school_id = $1 AND c.school_year = $2) x {active}"
                ),
                true,
            ),
            // Guests of spaces are confined to their spaces: not "everyone".
            Self::Node => (
                format!(
                    "SELECT x.user_id FROM (SELECT DISTINCT user_id FROM memberships WHERE profile <> 'guest' \
                     AND $1 <> '' UNION SELECT id FROM users WHERE is_operator = 1) x {active}"
                ),
                false,
            ),
        };
        let mut query = sqlx::query(&sql).bind(self.id());
        if with_year {
            query = query.bind(year);
        }
        let rows = query.fetch_all(db.pool()).await?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// What people read: "Parents de CM2 A", "Personnels de École des Tilleuls", a name.
    pub async fn label(&self, db: &Db) -> sqlx::Result<String> {
        let one = |sql: &'static str| {
            let id = self.id().to_owned();
            async move {
                sqlx::query_scalar::<_, String>(sql)
                    .bind(id)
                    .fetch_optional(db.pool())
                    .await
            }
        };
        let user =
            "SELECT first_name || ' ' || COALESCE(usage_name, last_name) FROM users WHERE id = $1";
        let class = "SELECT name FROM classes WHERE id = $1";
        let school = "SELECT name FROM schools WHERE id = $1";
        let name = match self {
            Self::Person(_) => one(user).await?,
            Self::ClassPupils(_) => one(class).await?.map(|n| format!("Élèves de {n}")),
            Self::ClassParents(_) => one(class).await?.map(|n| format!("Parents de {n}")),
            Self::Group(_) => one("SELECT name FROM groups WHERE id = $1")
                .await?
                .map(|n| format!("Groupe {n}")),
            Self::SchoolStaff(_) => one(school).await?.map(|n| format!("Personnels de {n}")),
            Self::SchoolPupils(_) => one(school)
                .await?
                .map(|n| format!("Tous les élèves de {n}")),
            Self::SchoolParents(_) => one(school)
                .await?
                .map(|n| format!("Tous les parents de {n}")),
            Self::Node => Some("Toutes les écoles de la commune".into()),
        };
        Ok(name.unwrap_or_else(|| "ancien compte".into()))
    }
}

/// The codes of the audiences `user_id` belongs to now (themself, the node, their classes and
/// their children's, their groups, their schools as staff, pupil or parent): what was addressed
/// to any of them is addressed to them. Read in a few queries, so that a list of news items is
/// one query on these codes, paged in SQL.
pub async fn codes_of(db: &Db, user_id: &str, year: SchoolYear) -> sqlx::Result<Vec<String>> {
    let year = i64::from(year.0);
    let queries: [(AudienceKind, &str); 7] = [
        (
            AudienceKind::ClassPupils,
            "SELECT m.class_id FROM class_members m JOIN classes c ON c.id = m.class_id \
             WHERE m.user_id = $1 AND m.role = 'pupil' AND c.school_year = $2",
        ),
        (
            AudienceKind::ClassParents,
            "SELECT DISTINCT m.class_id FROM guardianships g JOIN class_members m ON m.user_id = g.child_id \
             AND m.role = 'pupil' JOIN classes c ON c.id = m.class_id JOIN users u ON u.id = g.child_id \
             WHERE g.parent_id = $1 AND c.school_year = $2 AND u.active = 1",
        ),
        (
            AudienceKind::Group,
            "SELECT group_id FROM group_members WHERE user_id = $1 AND $2 > 0",
        ),
        (
            AudienceKind::SchoolStaff,
            "SELECT school_id FROM memberships WHERE user_id = $1 AND $2 > 0 \
             AND profile IN ('teacher', 'director', 'staff')",
        ),
        (
            AudienceKind::SchoolPupils,
            "SELECT DISTINCT c.school_id FROM class_members m JOIN classes c ON c.id = m.class_id \
             WHERE m.user_id = $1 AND m.role = 'pupil' AND c.school_year = $2",
        ),
        (
            AudienceKind::SchoolParents,
            "SELECT DISTINCT c.school_id FROM guardianships g JOIN class_members m ON m.user_id = g.child_id \
             AND m.role = 'pupil' JOIN classes c ON c.id = m.class_id JOIN users u ON u.id = g.child_id \
             WHERE g.parent_id = $1 AND c.school_year = $2 AND u.active = 1",
        ),
        (
            AudienceKind::Person,
            "SELECT id FROM users WHERE id = $1 AND $2 > 0",
        ),
    ];
    let member: Option<i64> = sqlx::query_scalar(
        "SELECT 1 FROM memberships WHERE user_id = $1 AND profile <> 'guest' \
         UNION SELECT 1 FROM users WHERE id = $1 AND is_operator = 1",
    )
    .bind(user_id)
    .fetch_optional(db.pool())
    .await?;
    // Guests of spaces are confined to their spaces: the node's news is not for them.
    let mut codes: Vec<String> = member.map(|_| Audience::Node.code()).into_iter().collect();
    for (kind, sql) in queries {
        let ids: Vec<String> = sqlx::query_scalar(sql)
            .bind(user_id)
            .bind(year)
            .fetch_all(db.pool())
            .await?;
        codes.extend(ids.iter().map(|id| Audience::new(kind, id).code()));
    }
    codes.sort();
    codes.dedup();
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_junk_is_refused() {
        for (_, kind) in PREFIXES {
            let audience = Audience::new(kind, "0190-abc");
            assert_eq!(Audience::parse(&audience.code()), Some(audience));
        }
        assert_eq!(Audience::parse("eleves:"), None);
        assert_eq!(Audience::parse("inconnu:1"), None);
        assert_eq!(Audience::parse("personne:1 OR 1=1"), None);
        assert_eq!(Audience::parse("noeud:tout"), Some(Audience::Node));
        assert_eq!(Audience::parse("noeud:autre"), None);
    }
}
