//! Invitations, as stored: on the host (`out`) what its owners sent, on an invited node (`in`)
//! what its teachers answer; and what a linked node shares for inviting (its directory).

use sqlx::{AnyConnection, Row};

use crate::guests;
use crate::store::Db;

/// An invitation, sent (`out`, on the host) or received (`in`, on the invited node).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Invitation {
    /// Local id.
    pub id: String,
    /// The Invite activity's id.
    pub invite_id: String,
    /// The space (or copy).
    pub space_id: String,
    /// The other node.
    pub peer: String,
    /// `class` or `teacher`.
    pub kind: String,
    /// The invited class (its id on the invited node), for a class.
    pub class_ref: String,
    /// For a teacher: their actor URL (out) or their account (in).
    pub invitee: String,
    /// "CM2 A · École Jules Ferry".
    pub class_label: String,
    /// The invited teacher (out) or the inviting teacher (in).
    pub teacher_label: String,
    /// Pupils in the class, as the invited node shared it.
    pub headcount: i64,
    /// open, accepted, refused, declined, withdrawn.
    pub state: String,
    /// Why it was refused.
    pub note: String,
}

impl Invitation {
    /// Invites one teacher (who joins as a guest), not a class.
    pub fn is_for_a_teacher(&self) -> bool {
        self.kind == "teacher"
    }
}

/// A class a linked node lets teachers of other nodes invite (only what it shares for that).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RemoteClass {
    /// `https://<node>/federation/classes/<id>`.
    pub url: String,
    /// "CM2 A".
    pub name: String,
    /// "CM2".
    pub level: String,
    /// School name.
    pub school: String,
    /// "Claire D."
    pub teacher: String,
    /// Pupils.
    pub headcount: i64,
}

/// A teacher a linked node lets others invite on their own.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct RemoteTeacher {
    /// Their Person actor URL.
    pub url: String,
    /// "Claire D."
    pub name: String,
    /// School name.
    pub school: String,
    /// Subjects they teach this year (collège teachers, from the AAF); absent from older nodes.
    #[serde(default)]
    pub subjects: Vec<String>,
    /// `teacher` or `director` (the messagerie's directory); absent from older nodes.
    #[serde(default)]
    pub role: String,
}

/// What a linked node shares for invitations.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct Directory {
    /// Classes of the school year.
    pub classes: Vec<RemoteClass>,
    /// Teachers and directors.
    pub teachers: Vec<RemoteTeacher>,
}

const SELECT: &str = "SELECT i.id, i.invite_id, i.space_id, i.peer, i.kind, i.class_ref, i.invitee, \
    i.class_label, i.teacher_label, i.headcount, i.state, i.note FROM space_invitations i";

fn invitation(r: &sqlx::any::AnyRow) -> Invitation {
    Invitation {
        id: r.get(0),
        invite_id: r.get(1),
        space_id: r.get(2),
        peer: r.get(3),
        kind: r.get(4),
        class_ref: r.get(5),
        invitee: r.get(6),
        class_label: r.get(7),
        teacher_label: r.get(8),
        headcount: r.get(9),
        state: r.get(10),
        note: r.get(11),
    }
}

/// Records an invitation (a second copy of the same Invite changes nothing).
pub async fn insert(
    conn: &mut AnyConnection,
    direction: &str,
    i: &Invitation,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO space_invitations (id, invite_id, direction, space_id, peer, kind, class_ref, invitee, \
         class_label, teacher_label, headcount, state, note, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) ON CONFLICT (invite_id) DO NOTHING",
    )
    .bind(&i.id)
    .bind(&i.invite_id)
    .bind(direction)
    .bind(&i.space_id)
    .bind(&i.peer)
    .bind(&i.kind)
    .bind(&i.class_ref)
    .bind(&i.invitee)
    .bind(&i.class_label)
    .bind(&i.teacher_label)
    .bind(i.headcount)
    .bind(&i.state)
    .bind(&i.note)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Answers or closes an invitation.
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    state: &str,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE space_invitations SET state = $2, note = $3 WHERE id = $1")
        .bind(id)
        .bind(state)
        .bind(note)
        .execute(conn)
        .await?;
    Ok(())
}

/// An invitation by its Invite id, on one side.
pub async fn by_invite_id(
    conn: &mut AnyConnection,
    invite_id: &str,
    direction: &str,
) -> sqlx::Result<Option<Invitation>> {
    let row = sqlx::query(&format!(
        "{SELECT} WHERE i.invite_id = $1 AND i.direction = $2"
    ))
    .bind(invite_id)
    .bind(direction)
    .fetch_optional(conn)
    .await?;
    Ok(row.as_ref().map(invitation))
}

/// Invitations a space sent, newest first.
pub async fn sent(db: &Db, space_id: &str) -> sqlx::Result<Vec<Invitation>> {
    let rows = sqlx::query(&format!(
        "{SELECT} WHERE i.space_id = $1 AND i.direction = 'out' ORDER BY i.created_at DESC"
    ))
    .bind(space_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(invitation).collect())
}

/// Invitations received for `user_id`: for the classes they teach, or for them; with the
/// space's title, spaces still open only.
pub async fn received_for(db: &Db, user_id: &str) -> sqlx::Result<Vec<(Invitation, String)>> {
    let rows = sqlx::query(&format!(
        "{}, s.title FROM space_invitations i JOIN spaces s ON s.id = i.space_id \
         WHERE i.direction = 'in' AND s.closed_at = 0 AND ( \
           (i.kind = 'class' AND EXISTS (SELECT 1 FROM class_members cm WHERE cm.class_id = i.class_ref \
              AND cm.user_id = $1 AND cm.role = 'teacher')) \
           OR (i.kind = 'teacher' AND i.invitee = $1)) \
         ORDER BY i.created_at DESC",
        SELECT.trim_end_matches(" FROM space_invitations i")
    ))
    .bind(user_id)
    .fetch_all(db.pool())
    .await?;
    Ok(rows.iter().map(|r| (invitation(r), r.get(12))).collect())
}

/// A received invitation by local id.
pub async fn received_one(db: &Db, id: &str) -> sqlx::Result<Option<Invitation>> {
    let row = sqlx::query(&format!("{SELECT} WHERE i.id = $1 AND i.direction = 'in'"))
        .bind(id)
        .fetch_optional(db.pool())
        .await?;
    Ok(row.as_ref().map(invitation))
}

/// Guest accounts `peer` may still get: quota minus guests in use minus people of invitations
/// not answered yet (a class counts its pupils and its teacher; a teacher counts one).
pub async fn room_left(conn: &mut AnyConnection, quota: u32, peer: &str) -> sqlx::Result<i64> {
    let used = guests::store::active_count(conn, peer).await?;
    let planned: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(headcount + 1), 0) AS BIGINT) FROM space_invitations \
         WHERE direction = 'out' AND peer = $1 AND state = 'open'",
    )
    .bind(peer)
    .fetch_one(conn)
    .await?;
    Ok(i64::from(quota) - used - planned)
}
