//! Applying ONDE rows to a school, in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sqlx::AnyConnection;

use crate::domain::{ClassLevel, Identifier, Profile, SchoolYear, Uai, normalize_name};
use crate::store::{Db, new_id};
use crate::users::NewUser;
use crate::users::store as users;

use super::namesakes;
use super::plan::{PlannedGuardian, PlannedTeacher, name_key, plan, pupil_key};
use super::questions::{self, Ask};
use super::read::{PupilRow, ReadError};
use super::report::ImportReport;
use super::snapshot::{self, Person, Snapshot};
use crate::provisioning::batch::Batch;
use crate::provisioning::guard::Deactivations;

/// One input file: its name (for messages) and its bytes.
#[derive(Debug, Clone, Copy)]
pub struct SourceFile<'a> {
    /// File name as the operator knows it.
    pub name: &'a str,
    /// Raw bytes (any of the encodings ONDE produces).
    pub bytes: &'a [u8],
}

/// What to import where.
#[derive(Debug, Clone, Copy)]
pub struct ImportInput<'a> {
    /// The school receiving the import.
    pub uai: &'a Uai,
    /// Pupils export.
    pub pupils: SourceFile<'a>,
    /// Guardians export.
    pub guardians: SourceFile<'a>,
    /// Teachers list (optional: without it, teachers are left alone).
    pub teachers: Option<SourceFile<'a>>,
    /// Compute the report, write nothing.
    pub dry_run: bool,
    /// Largest share (percent) of the school's active accounts one run may deactivate
    /// (`[import] max_deactivation_percent`); a bad file must not cost a school its accounts.
    pub max_deactivation_percent: u8,
    /// The operator confirmed that more may go (`--allow-mass-deactivation`).
    pub allow_mass_deactivation: bool,
    /// School year the classes belong to.
    pub year: SchoolYear,
    /// Time of the import.
    pub now: i64,
}

/// Why an import wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// No school with this UAI on the node.
    #[error("aucune école n'a l'UAI {0} sur ce nœud (ajoutez-la avec ent-admin school add)")]
    UnknownSchool(String),
    /// The files hold errors; each names its file, line and column.
    #[error("{} erreur(s) dans les fichiers, rien n'a été importé :\n{}", error_total(.0), render_errors(.0))]
    Invalid(Vec<ReadError>),
    /// The run would deactivate more than the allowed share of the school's accounts.
    #[error(
        "cet import désactiverait {deactivated} des {active} comptes actifs de l'école \
         ({percent} %, au-delà de la limite de {limit} %) : rien n'a été importé. Vérifiez les \
         fichiers (un fichier tronqué fait « disparaître » des personnes) ; si ces départs sont \
         réels, relancez avec --allow-mass-deactivation"
    )]
    MassDeactivation {
        /// Accounts the run would deactivate.
        deactivated: u64,
        /// Active accounts of the school before the run.
        active: u64,
        /// The share it makes, rounded up.
        percent: u64,
        /// The configured limit.
        limit: u8,
    },
    /// The database failed (the transaction was rolled back).
    #[error("base de données : {0}")]
    Store(#[from] sqlx::Error),
}

/// How many errors the files hold, counting those past the cap (told by the line-0 remarks).
fn error_total(errors: &[ReadError]) -> usize {
    let shown = errors.iter().filter(|e| e.line != 0).count();
    let hidden: usize = (errors.iter())
        .filter(|e| e.line == 0)
        .filter_map(|e| e.message.split_once(" autres)").map(|(head, _)| head))
        .filter_map(|head| head.rsplit('(').next()?.parse::<usize>().ok())
        .sum();
    shown + hidden
}

fn render_errors(errors: &[ReadError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How long an import waits, on SQLite, for another write (another import) to end.
const IMPORT_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30 * 60);

const PUPIL: &str = "pupil";
const GUARDIAN: &str = "guardian";
/// Kind of the match keys (and role in classes) of teachers.
pub(super) const TEACHER: &str = "teacher";

/// Imports ONDE files into a school. `progress(done, total)` is called after each person.
pub async fn import(
    db: &Db,
    input: ImportInput<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportError> {
    let plan = plan(&input).map_err(ImportError::Invalid)?;
    // On SQLite, a second import waits for the first one's write transaction: past the busy
    // timeout (10 s) it tries again rather than fail, for up to IMPORT_PATIENCE.
    let mut tx = (db)
        .begin_write_patiently(IMPORT_PATIENCE, &|| {
            tracing::info!(uai = %input.uai, "another write is running; the import waits its turn");
        })
        .await?;
    // One import of a school at a time: this row lock (PostgreSQL; SQLite's BEGIN IMMEDIATE
    // already serialises writers) makes a second import wait until the first commits, and
    // only then read its snapshot, so it sees the first one's accounts instead of racing
    // it into duplicate keys or lost deactivations.
    sqlx::query("UPDATE schools SET uai = uai WHERE uai = $1")
        .bind(input.uai.as_str())
        .execute(&mut *tx)
        .await?;
    // Identifiers are unique node-wide: an import of another school (or any account creator)
    // running now waits here, and this snapshot then holds its identifiers. Taken after the
    // school's lock; no creator holding this one waits for a school's lock (their memberships
    // only take key-share locks, which the import's lock lets through), so no deadlock.
    users::lock_identifiers(&mut tx, input.now).await?;
    let school_id: Option<String> = sqlx::query_scalar("SELECT id FROM schools WHERE uai = $1")
        .bind(input.uai.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let school_id = school_id.ok_or_else(|| ImportError::UnknownSchool(input.uai.to_string()))?;
    let year = i64::from(input.year.0);
    let active_before: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users u JOIN memberships m ON m.user_id = u.id \
         WHERE m.school_id = $1 AND u.active = 1",
    )
    .bind(&school_id)
    .fetch_one(&mut *tx)
    .await?;
    let snapshot = snapshot::load(&mut tx, &school_id, year).await?;
    let known_questions = questions::load(&mut tx, &school_id).await?;
    let total = (plan.pupils.len()
        + plan.guardians.len()
        + plan.teachers.as_ref().map_or(0, Vec::len)) as u64;
    let mut apply = Apply {
        conn: &mut tx,
        school_id: &school_id,
        year,
        now: input.now,
        snapshot,
        report: ImportReport {
            school: input.uai.to_string(),
            dry_run: input.dry_run,
            warnings: plan.warnings.clone(),
            ..Default::default()
        },
        known_questions,
        class_ids: HashMap::new(),
        done: 0,
        total,
        progress,
        unchanged_guardians: HashSet::new(),
        batch: Batch::new(),
    };
    apply.classes(&plan.classes).await?;
    let pupil_ids = apply.pupils(&plan.pupils).await?;
    apply.guardians(&plan.guardians, &pupil_ids).await?;
    if let Some(teachers) = &plan.teachers {
        apply.teachers(teachers).await?;
    }
    let mut report = apply.report;
    let deactivated =
        report.pupils.deactivated + report.guardians.deactivated + report.teachers.deactivated;
    let active = active_before.max(0) as u64;
    let guard = Deactivations {
        deactivated,
        active,
        limit: input.max_deactivation_percent,
    };
    let checked = guard.check(
        input.dry_run,
        input.allow_mass_deactivation,
        &mut report.warnings,
        |d| ImportError::MassDeactivation {
            deactivated: d.deactivated,
            active: d.active,
            percent: d.percent(),
            limit: d.limit,
        },
    );
    if let Err(error) = checked {
        tx.rollback().await?;
        return Err(error);
    }
    users::audit(
        &mut tx,
        input.now,
        None,
        "import.onde",
        &school_id,
        &serde_json::to_string(&report).unwrap_or_default(),
    )
    .await?;
    if input.dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    Ok(report)
}

/// The state of one import while it writes.
struct Apply<'a> {
    conn: &'a mut AnyConnection,
    school_id: &'a str,
    year: i64,
    now: i64,
    snapshot: Snapshot,
    report: ImportReport,
    class_ids: HashMap<String, String>,
    done: u64,
    total: u64,
    progress: &'a (dyn Fn(u64, u64) + Sync),
    /// Guardians counted as unchanged, in case a stale link removal changes them after all.
    unchanged_guardians: HashSet<String>,
    /// New rows waiting to be sent in multi-row inserts.
    batch: Batch,
    /// Earlier questions about ambiguous children, by (parent, child as written).
    known_questions: questions::Known,
}

impl Apply<'_> {
    fn tick(&mut self) {
        self.done += 1;
        (self.progress)(self.done, self.total);
    }

    async fn classes(
        &mut self,
        classes: &BTreeMap<String, BTreeSet<ClassLevel>>,
    ) -> Result<(), sqlx::Error> {
        for (name, levels) in classes {
            let levels = ClassLevel::join(&levels.iter().copied().collect::<Vec<_>>());
            match self.snapshot.classes.get(name) {
                Some((id, stored)) => {
                    if *stored == levels {
                        self.report.classes.unchanged += 1;
                    } else {
                        sqlx::query("UPDATE classes SET levels = $1 WHERE id = $2")
                            .bind(&levels)
                            .bind(id)
                            .execute(&mut *self.conn)
                            .await?;
                        self.report.classes.updated += 1;
                    }
                    self.class_ids.insert(name.clone(), id.clone());
                }
                None => {
                    let id = new_id();
                    sqlx::query("INSERT INTO classes (id, school_id, school_year, name, levels, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                        .bind(&id)
                        .bind(self.school_id)
                        .bind(self.year)
                        .bind(name)
                        .bind(&levels)
                        .bind(self.now)
                        .execute(&mut *self.conn)
                        .await?;
                    self.report.classes.created += 1;
                    self.class_ids.insert(name.clone(), id);
                }
            }
        }
        Ok(())
    }

    /// Finds the user of a key, or creates one; returns (id, created, changed).
    async fn upsert(
        &mut self,
        kind: &str,
        key: &str,
        person: Person,
    ) -> Result<(String, bool, bool), sqlx::Error> {
        if let Some(id) = self
            .snapshot
            .keys
            .get(&(kind.to_owned(), key.to_owned()))
            .cloned()
        {
            let stored = self.snapshot.people.get(&id);
            let wanted = Person {
                active: true,
                ..person
            };
            if stored == Some(&wanted) {
                return Ok((id, false, false));
            }
            wanted.write(self.conn, &id, self.now).await?;
            self.snapshot.people.insert(id.clone(), wanted);
            return Ok((id, false, true));
        }
        let identifier = self.free_identifier(&person.first_name, &person.last_name);
        let new_user = NewUser {
            first_name: person.first_name.clone(),
            last_name: person.last_name.clone(),
            usage_name: person.usage_name.clone(),
            birth_date: person.birth_date.clone(),
            email: person.email.clone(),
            civility: person.civility.clone(),
            ..NewUser::default()
        };
        let id = new_id();
        self.batch.user(&id, &identifier, &new_user, self.now);
        self.add_key(kind, key, &id);
        self.snapshot.people.insert(id.clone(), person);
        Ok((id, true, false))
    }

    fn add_key(&mut self, kind: &str, key: &str, user_id: &str) {
        let entry = (kind.to_owned(), key.to_owned());
        if self.snapshot.keys.contains_key(&entry) {
            return;
        }
        self.batch.key(self.school_id, kind, key, user_id);
        self.snapshot.keys.insert(entry, user_id.to_owned());
    }

    /// The shared allocation rule, against the identifiers read under the identifier lock.
    fn free_identifier(&mut self, first: &str, last: &str) -> Identifier {
        let taken = &self.snapshot.identifiers;
        let identifier = Identifier::first_free(first, last, |c| taken.contains(c));
        (self.snapshot.identifiers).insert(identifier.as_str().to_owned());
        identifier
    }

    /// Gives the profile in this school; returns whether it changed.
    async fn profile(&mut self, user_id: &str, profile: Profile) -> Result<bool, sqlx::Error> {
        if self.snapshot.profiles.get(user_id).map(String::as_str) == Some(profile.code()) {
            return Ok(false);
        }
        if self.snapshot.profiles.contains_key(user_id) {
            users::set_membership(self.conn, user_id, self.school_id, profile).await?;
        } else {
            // No profile in this school yet: nothing to replace, the insert can wait.
            self.batch.membership(user_id, self.school_id, profile);
        }
        self.snapshot
            .profiles
            .insert(user_id.to_owned(), profile.code().to_owned());
        Ok(true)
    }

    /// Puts the user in exactly `class_names` (for `role`) this school year; returns whether it changed.
    async fn place(
        &mut self,
        user_id: &str,
        role: &str,
        class_names: &[String],
    ) -> Result<bool, sqlx::Error> {
        let wanted: HashSet<String> = class_names
            .iter()
            .filter_map(|n| self.class_ids.get(n).cloned())
            .collect();
        let current = self
            .snapshot
            .class_members
            .get(&(user_id.to_owned(), role.to_owned()))
            .cloned()
            .unwrap_or_default();
        if current == wanted {
            return Ok(false);
        }
        for class_id in current.difference(&wanted) {
            sqlx::query("DELETE FROM class_members WHERE class_id = $1 AND user_id = $2")
                .bind(class_id)
                .bind(user_id)
                .execute(&mut *self.conn)
                .await?;
        }
        for class_id in wanted.difference(&current) {
            self.batch.class_member(class_id, user_id, role);
        }
        self.snapshot
            .class_members
            .insert((user_id.to_owned(), role.to_owned()), wanted);
        Ok(true)
    }

    async fn pupils(&mut self, pupils: &[PupilRow]) -> Result<Vec<String>, sqlx::Error> {
        let mut ids = Vec::with_capacity(pupils.len());
        for pupil in pupils {
            let key = pupil_key(&pupil.last_name, &pupil.first_name, pupil.birth_date);
            let person = Person {
                first_name: pupil.first_name.clone(),
                last_name: pupil.last_name.clone(),
                usage_name: pupil
                    .usage_name
                    .clone()
                    .filter(|u| normalize_name(u) != normalize_name(&pupil.last_name)),
                birth_date: Some(pupil.birth_date.to_string()),
                email: None,
                civility: None,
                active: true,
            };
            let (id, created, changed) = self.upsert(PUPIL, &key, person).await?;
            let profile_changed = self.profile(&id, Profile::Pupil).await?;
            let moved = self
                .place(&id, PUPIL, std::slice::from_ref(&pupil.class_name))
                .await?;
            self.report
                .pupils
                .count(created, changed || (!created && (profile_changed || moved)));
            ids.push(id);
            self.tick();
        }
        self.batch.flush(self.conn).await?;
        self.report.pupils.deactivated = self.deactivate_missing(PUPIL, &ids).await?;
        Ok(ids)
    }

    async fn guardians(
        &mut self,
        guardians: &[PlannedGuardian],
        pupil_ids: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut matched: Vec<String> = Vec::new();
        let mut matched_set: HashSet<String> = HashSet::new();
        let mut links: HashSet<(String, String)> = HashSet::new();
        let mut to_ask: Vec<Ask> = Vec::new();
        let mut still_asked: HashSet<String> = HashSet::new();
        for planned in guardians {
            let guardian = &planned.row;
            let mut child_ids: Vec<String> = planned
                .children
                .iter()
                .map(|&i| pupil_ids[i].clone())
                .collect();
            let ambiguous: Vec<(&super::plan::Ambiguity, Vec<String>)> = planned
                .ambiguous
                .iter()
                .map(|a| {
                    let mut ids: Vec<String> =
                        a.candidates.iter().map(|&i| pupil_ids[i].clone()).collect();
                    ids.sort();
                    (a, ids)
                })
                .collect();
            let name = name_key(&guardian.last_name, &guardian.first_name);
            // The same person is found through any child already linked to them, or, when
            // every child is in doubt, through the doubt itself (the first candidate).
            let keys: Vec<String> = child_ids
                .iter()
                .map(|child| format!("{name}|{child}"))
                .chain(
                    ambiguous
                        .iter()
                        .map(|(_, ids)| format!("{name}|?{}", ids[0])),
                )
                .collect();
            let key = keys
                .iter()
                .find(|key| {
                    self.snapshot
                        .keys
                        .contains_key(&(GUARDIAN.to_owned(), (*key).clone()))
                })
                .or(keys.first())
                .cloned()
                .unwrap_or_else(|| format!("{name}|"));
            let person = Person {
                first_name: guardian.first_name.clone(),
                last_name: guardian.last_name.clone(),
                usage_name: guardian
                    .usage_name
                    .clone()
                    .filter(|u| normalize_name(u) != normalize_name(&guardian.last_name)),
                birth_date: None,
                email: guardian.email.clone(),
                civility: guardian.civility.clone(),
                active: true,
            };
            let (id, created, mut changed) = self.upsert(GUARDIAN, &key, person).await?;
            changed |= self.profile(&id, Profile::Parent).await? && !created;
            for (ambiguity, candidates) in ambiguous {
                let known = self
                    .known_questions
                    .get(&(id.clone(), ambiguity.key.clone()))
                    .cloned();
                match known {
                    // Answered, and the answer is still one the file could mean.
                    Some((question, Some(chosen))) if candidates.contains(&chosen) => {
                        still_asked.insert(question);
                        if !child_ids.contains(&chosen) {
                            child_ids.push(chosen);
                        }
                    }
                    known => to_ask.push(Ask {
                        id: known.map(|(question, _)| question),
                        parent_id: id.clone(),
                        key: ambiguity.key.clone(),
                        label: ambiguity.label.clone(),
                        candidates,
                    }),
                }
            }
            for child in &child_ids {
                self.add_key(GUARDIAN, &format!("{name}|{child}"), &id);
                if !self
                    .snapshot
                    .guardianships
                    .contains(&(id.clone(), child.clone()))
                {
                    self.batch.guardianship(&id, child);
                    self.snapshot
                        .guardianships
                        .insert((id.clone(), child.clone()));
                    changed |= !created;
                }
                links.insert((id.clone(), child.clone()));
            }
            if !matched_set.insert(id.clone()) {
                // A second row for the same person: its children were merged above.
                continue;
            }
            self.report.guardians.count(created, changed);
            if !created && !changed {
                self.unchanged_guardians.insert(id.clone());
            }
            matched.push(id);
            self.tick();
        }
        self.batch.flush(self.conn).await?;
        for question in &to_ask {
            let id = questions::ask(self.conn, self.school_id, question, self.now).await?;
            still_asked.insert(id);
        }
        let gone: Vec<String> = self
            .known_questions
            .values()
            .map(|(id, _)| id.clone())
            .filter(|id| !still_asked.contains(id))
            .collect();
        for id in gone {
            questions::forget(self.conn, &id).await?;
        }
        self.report.links_to_confirm = to_ask.len() as u64;
        self.unlink_stale(&matched, &links).await?;
        self.report.guardians.deactivated = self.deactivate_missing(GUARDIAN, &matched).await?;
        Ok(())
    }

    /// Removes parent–child links of this school's guardians that the new export no longer lists.
    async fn unlink_stale(
        &mut self,
        guardians: &[String],
        links: &HashSet<(String, String)>,
    ) -> Result<(), sqlx::Error> {
        let guardian_ids: HashSet<&String> = self
            .snapshot
            .keys
            .iter()
            .filter(|((k, _), _)| k == GUARDIAN)
            .map(|(_, id)| id)
            .collect();
        let stale: Vec<(String, String)> = self
            .snapshot
            .guardianships
            .iter()
            .filter(|pair| guardian_ids.contains(&pair.0) && !links.contains(*pair))
            .cloned()
            .collect();
        for (parent, child) in stale {
            sqlx::query("DELETE FROM guardianships WHERE parent_id = $1 AND child_id = $2")
                .bind(&parent)
                .bind(&child)
                .execute(&mut *self.conn)
                .await?;
            self.snapshot.guardianships.remove(&(parent.clone(), child));
            if guardians.contains(&parent) && self.unchanged_guardians.remove(&parent) {
                self.report.guardians.updated += 1;
                self.report.guardians.unchanged -= 1;
            }
        }
        Ok(())
    }

    async fn teachers(&mut self, teachers: &[PlannedTeacher]) -> Result<(), sqlx::Error> {
        let keys = namesakes::teacher_keys(&self.snapshot, &self.class_ids, teachers);
        let mut ids = Vec::with_capacity(teachers.len());
        for (planned, key) in teachers.iter().zip(&keys) {
            let teacher = &planned.row;
            let person = Person {
                first_name: teacher.first_name.clone(),
                last_name: teacher.last_name.clone(),
                usage_name: teacher
                    .usage_name
                    .clone()
                    .filter(|u| normalize_name(u) != normalize_name(&teacher.last_name)),
                birth_date: None,
                email: teacher.email.clone(),
                civility: teacher.civility.clone(),
                active: true,
            };
            let (id, created, changed) = self.upsert(TEACHER, key, person).await?;
            let profile = if teacher.is_director {
                Profile::Director
            } else {
                Profile::Teacher
            };
            let profile_changed = self.profile(&id, profile).await?;
            let moved = self.place(&id, TEACHER, &planned.classes).await?;
            self.report
                .teachers
                .count(created, changed || (!created && (profile_changed || moved)));
            ids.push(id);
            self.tick();
        }
        self.batch.flush(self.conn).await?;
        self.report.teachers.deactivated = self.deactivate_missing(TEACHER, &ids).await?;
        Ok(())
    }

    /// Deactivates the active people of `kind` that this import did not list.
    async fn deactivate_missing(
        &mut self,
        kind: &str,
        seen: &[String],
    ) -> Result<u64, sqlx::Error> {
        let seen: HashSet<&String> = seen.iter().collect();
        let mut missing: Vec<String> = self
            .snapshot
            .keys
            .iter()
            .filter(|((k, _), id)| k == kind && !seen.contains(id))
            .map(|(_, id)| id.clone())
            .filter(|id| self.snapshot.people.get(id).is_some_and(|p| p.active))
            .collect();
        missing.sort();
        missing.dedup();
        for id in &missing {
            users::set_active(self.conn, id, false, self.now).await?;
            if let Some(person) = self.snapshot.people.get_mut(id) {
                person.active = false;
            }
        }
        Ok(missing.len() as u64)
    }
}
