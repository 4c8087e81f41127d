//! The agenda's SQL: events, their exceptions, notices held by the quiet hours, private feeds.
//! Writes take the caller's connection (one transaction with the journal entry).

use chrono::{NaiveDate, NaiveTime};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::model::{Event, Exception, Scope};
use crate::store::Db;

const COLUMNS: &str = "id, scope, target_id, school_id, author_id, title, place, description, \
    all_day, start_day, end_day, start_time, end_time, weekly_until, families_from, uid, updated_at";

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
}

fn hour(text: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M").ok()
}

fn hours(start: &str, end: &str) -> Option<(NaiveTime, NaiveTime)> {
    Some((hour(start)?, hour(end)?))
}

fn hm(time: NaiveTime) -> String {
    time.format("%H:%M").to_string()
}

fn event(row: &AnyRow) -> Event {
    let text = |i: usize| row.get::<String, _>(i);
    let start_time = text(11);
    Event {
        id: text(0),
        scope: Scope::parse(&text(1)).unwrap_or(Scope::Personal),
        target_id: text(2),
        school_id: row.get(3),
        author_id: text(4),
        title: text(5),
        place: text(6),
        description: text(7),
        all_day: row.get::<i64, _>(8) == 1,
        start_day: day(&text(9)),
        end_day: day(&text(10)),
        hours: hours(&start_time, &text(12)),
        weekly_until: row.get::<Option<String>, _>(13).as_deref().map(day),
        families_from: row.get(14),
        uid: text(15),
        updated_at: row.get(16),
        exceptions: Vec::new(),
    }
}

/// Writes `event` (a new one, or one with the same id or the same UID in the same agenda).
pub async fn save(conn: &mut AnyConnection, e: &Event, now: i64) -> sqlx::Result<()> {
    let (start, end) = e
        .hours
        .map_or((String::new(), String::new()), |(s, t)| (hm(s), hm(t)));
    sqlx::query(
        "INSERT INTO agenda_events (id, scope, target_id, school_id, author_id, title, place, description, \
         all_day, start_day, end_day, start_time, end_time, weekly_until, families_from, uid, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) \
         ON CONFLICT (target_id, uid) DO UPDATE SET title = $6, place = $7, description = $8, all_day = $9, \
         start_day = $10, end_day = $11, start_time = $12, end_time = $13, weekly_until = $14, updated_at = $17",
    )
    .bind(&e.id)
    .bind(e.scope.code())
    .bind(&e.target_id)
    .bind(&e.school_id)
    .bind(&e.author_id)
    .bind(&e.title)
    .bind(&e.place)
    .bind(&e.description)
    .bind(i64::from(e.all_day))
    .bind(e.start_day.to_string())
    .bind(e.end_day.to_string())
    .bind(start)
    .bind(end)
    .bind(e.weekly_until.map(|d| d.to_string()))
    .bind(e.families_from)
    .bind(&e.uid)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Changes the details of an existing event (its agenda, author, UID and exceptions stay);
/// the exceptions of days no longer in the series are dropped.
pub async fn update(conn: &mut AnyConnection, e: &Event, now: i64) -> sqlx::Result<()> {
    let (start, end) = e
        .hours
        .map_or((String::new(), String::new()), |(s, t)| (hm(s), hm(t)));
    sqlx::query(
        "UPDATE agenda_events SET title = $2, place = $3, description = $4, all_day = $5, \
         start_day = $6, end_day = $7, start_time = $8, end_time = $9, weekly_until = $10, updated_at = $11 \
         WHERE id = $1",
    )
    .bind(&e.id)
    .bind(&e.title)
    .bind(&e.place)
    .bind(&e.description)
    .bind(i64::from(e.all_day))
    .bind(e.start_day.to_string())
    .bind(e.end_day.to_string())
    .bind(start)
    .bind(end)
    .bind(e.weekly_until.map(|d| d.to_string()))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let days = e.original_days();
    for x in &e.exceptions {
        if e.weekly_until.is_none() || !days.contains(&x.day) {
            sqlx::query("DELETE FROM agenda_exceptions WHERE event_id = $1 AND day = $2")
                .bind(&e.id)
                .bind(x.day.to_string())
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// The id of the event of agenda `target_id` with iCalendar `uid`.
pub async fn id_of_uid(
    conn: &mut AnyConnection,
    target_id: &str,
    uid: &str,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT id FROM agenda_events WHERE target_id = $1 AND uid = $2")
        .bind(target_id)
        .bind(uid)
        .fetch_optional(&mut *conn)
        .await
}

/// One event with its exceptions.
pub async fn get(db: &Db, id: &str) -> sqlx::Result<Option<Event>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM agenda_events WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut found = vec![event(&row)];
    with_exceptions(db, &mut found).await?;
    Ok(found.pop())
}

/// The events of the agendas `targets` (ids of schools, classes, groups, the viewer), with
/// their exceptions.
pub async fn of_targets(db: &Db, targets: &[String]) -> sqlx::Result<Vec<Event>> {
    if targets.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (1..=targets.len()).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT {COLUMNS} FROM agenda_events WHERE target_id IN ({}) ORDER BY start_day, start_time",
        marks.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for target in targets {
        query = query.bind(target);
    }
    let mut found: Vec<Event> = query
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(event)
        .collect();
    with_exceptions(db, &mut found).await?;
    Ok(found)
}

async fn with_exceptions(db: &Db, events: &mut [Event]) -> sqlx::Result<()> {
    for e in events.iter_mut().filter(|e| e.weekly_until.is_some()) {
        let rows = sqlx::query(
            "SELECT day, cancelled, new_day, new_start, new_end FROM agenda_exceptions WHERE event_id = $1 ORDER BY day",
        )
        .bind(&e.id)
        .fetch_all(db.pool())
        .await?;
        e.exceptions = rows
            .iter()
            .map(|r| {
                let moved = r.get::<i64, _>(1) == 0;
                let new_day = r.get::<Option<String>, _>(2);
                let new_hours = hours(
                    &r.get::<Option<String>, _>(3).unwrap_or_default(),
                    &r.get::<Option<String>, _>(4).unwrap_or_default(),
                );
                Exception {
                    day: day(&r.get::<String, _>(0)),
                    moved_to: new_day.filter(|_| moved).map(|d| (day(&d), new_hours)),
                }
            })
            .collect();
    }
    Ok(())
}

/// Cancels (`moved_to: None`) or moves one occurrence of a series.
pub async fn set_exception(
    conn: &mut AnyConnection,
    event_id: &str,
    exception: &Exception,
    now: i64,
) -> sqlx::Result<()> {
    let (new_day, start, end) = match &exception.moved_to {
        Some((d, h)) => (Some(d.to_string()), h.map(|h| hm(h.0)), h.map(|h| hm(h.1))),
        None => (None, None, None),
    };
    sqlx::query("DELETE FROM agenda_exceptions WHERE event_id = $1 AND day = $2")
        .bind(event_id)
        .bind(exception.day.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO agenda_exceptions (event_id, day, cancelled, new_day, new_start, new_end) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(event_id)
    .bind(exception.day.to_string())
    .bind(i64::from(exception.moved_to.is_none()))
    .bind(new_day)
    .bind(start)
    .bind(end)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE agenda_events SET updated_at = $2 WHERE id = $1")
        .bind(event_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes an event (a whole series) with its exceptions and pending notices.
pub async fn delete(conn: &mut AnyConnection, event_id: &str) -> sqlx::Result<()> {
    super::files::delete_of_event(conn, event_id).await?;
    for sql in [
        "DELETE FROM agenda_exceptions WHERE event_id = $1",
        "DELETE FROM agenda_notices WHERE event_id = $1",
        "DELETE FROM agenda_events WHERE id = $1",
    ] {
        sqlx::query(sql).bind(event_id).execute(&mut *conn).await?;
    }
    Ok(())
}

/// Queues the notice of a change to families, due at `due_at` (the end of the quiet hours).
pub async fn hold_notice(
    conn: &mut AnyConnection,
    event_id: &str,
    due_at: i64,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO agenda_notices (id, event_id, due_at, sent) VALUES ($1, $2, $3, 0)")
        .bind(crate::store::new_id())
        .bind(event_id)
        .bind(due_at)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Claims the notices due at `now` (marked sent in the same statement's transaction).
pub async fn take_due_notices(db: &Db, now: i64) -> sqlx::Result<Vec<String>> {
    let mut tx = db.begin_write().await?;
    let due: Vec<(String, String)> =
        sqlx::query_as("SELECT id, event_id FROM agenda_notices WHERE sent = 0 AND due_at <= $1")
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
    for (id, _) in &due {
        sqlx::query("UPDATE agenda_notices SET sent = 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    let mut events: Vec<String> = due.into_iter().map(|(_, e)| e).collect();
    events.dedup();
    Ok(events)
}

/// Turns on (or renews) the private feed of `user_id`, keeping only the token's hash.
pub async fn set_feed(
    conn: &mut AnyConnection,
    user_id: &str,
    token_hash: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM agenda_feeds WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO agenda_feeds (user_id, token_hash, created_at) VALUES ($1, $2, $3)")
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Turns the private feed off: its address answers 404 from now on.
pub async fn revoke_feed(conn: &mut AnyConnection, user_id: &str) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM agenda_feeds WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Whether `user_id` has a feed turned on.
pub async fn has_feed(db: &Db, user_id: &str) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM agenda_feeds WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db.pool())
        .await?;
    Ok(found.is_some())
}

/// The owner of the feed whose token hashes to `token_hash`.
pub async fn feed_owner(db: &Db, token_hash: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT user_id FROM agenda_feeds WHERE token_hash = $1")
        .bind(token_hash)
        .fetch_optional(db.pool())
        .await
}
