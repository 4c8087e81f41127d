//! Applying ONDE rows to a school, in one transaction.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use sqlx::AnyConnection;

use crate::domain::{ClassLevel, Identifier, Profile, SchoolYear, Uai, normalize_name};
use crate::store::{Db, new_id};
use crate::users::NewUser;
use crate::users::store as users;

use super::batch::Batch;
use super::read::{self, GuardianRow, PupilRow, ReadError, TeacherRow};
use super::report::{Counts, ImportReport};
use super::snapshot::{self, Person, Snapshot};

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
    #[error("{} erreur(s) dans les fichiers, rien n'a été importé :\n{}", .0.len(), render_errors(.0))]
    Invalid(Vec<ReadError>),
    /// The database failed (the transaction was rolled back).
    #[error("base de données : {0}")]
    Store(#[from] sqlx::Error),
}

fn render_errors(errors: &[ReadError]) -> String {
    errors
        .iter()
        .map(|e| format!("  {e}"))
        .collect::<Vec<_>>()
        .join("\n")
}

const PUPIL: &str = "pupil";
const GUARDIAN: &str = "guardian";
const TEACHER: &str = "teacher";

fn pupil_key(last: &str, first: &str, birth: chrono::NaiveDate) -> String {
    format!("{}|{}|{birth}", normalize_name(last), normalize_name(first))
}

fn name_key(last: &str, first: &str) -> String {
    format!("{}|{}", normalize_name(last), normalize_name(first))
}

/// Rows read and cross-checked, ready to apply.
struct Plan {
    pupils: Vec<PupilRow>,
    guardians: Vec<(GuardianRow, Vec<usize>)>,
    teachers: Option<Vec<TeacherRow>>,
    classes: BTreeMap<String, BTreeSet<ClassLevel>>,
}

fn error(file: &str, line: usize, column: &str, message: String) -> ReadError {
    ReadError {
        file: file.to_owned(),
        line,
        column: Some(column.to_owned()),
        message,
    }
}

/// Reads the three files and checks them against each other; collects every error.
fn plan(input: &ImportInput<'_>) -> Result<Plan, Vec<ReadError>> {
    let mut errors = Vec::new();
    let pupils = read::read_pupils(input.pupils.name, input.pupils.bytes)
        .map_err(|e| errors.extend(e))
        .ok();
    let guardians = read::read_guardians(input.guardians.name, input.guardians.bytes)
        .map_err(|e| errors.extend(e))
        .ok();
    let teachers = input.teachers.map(|f| {
        read::read_teachers(f.name, f.bytes)
            .map_err(|e| errors.extend(e))
            .ok()
    });
    let (Some(pupils), Some(guardians)) = (pupils, guardians) else {
        return Err(errors);
    };
    let teachers = match teachers {
        Some(None) => return Err(errors),
        Some(Some(t)) => Some(t),
        None => None,
    };
    if !errors.is_empty() {
        return Err(errors);
    }

    let mut classes: BTreeMap<String, BTreeSet<ClassLevel>> = BTreeMap::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (index, pupil) in pupils.iter().enumerate() {
        classes
            .entry(pupil.class_name.clone())
            .or_default()
            .insert(pupil.level);
        let key = pupil_key(&pupil.last_name, &pupil.first_name, pupil.birth_date);
        if let Some(first_line) = seen.insert(key, pupil.line) {
            errors.push(error(
                input.pupils.name,
                pupil.line,
                "Prénom Elève",
                format!("élève en double : mêmes nom, prénom et date de naissance qu'à la ligne {first_line}"),
            ));
        }
        by_name
            .entry(name_key(&pupil.last_name, &pupil.first_name))
            .or_default()
            .push(index);
        if let Some(usage) = &pupil.usage_name {
            by_name
                .entry(name_key(usage, &pupil.first_name))
                .or_default()
                .push(index);
        }
    }

    let mut resolved = Vec::with_capacity(guardians.len());
    for guardian in guardians {
        let mut children = Vec::new();
        for child in &guardian.children {
            let mut candidates: Vec<usize> = by_name
                .get(&name_key(&child.last_name, &child.first_name))
                .into_iter()
                .chain(
                    child
                        .usage_name
                        .as_ref()
                        .and_then(|u| by_name.get(&name_key(u, &child.first_name))),
                )
                .flatten()
                .copied()
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            if candidates.len() > 1
                && let Some(class) = &child.class_name
            {
                candidates
                    .retain(|&i| normalize_name(&pupils[i].class_name) == normalize_name(class));
            }
            match candidates.as_slice() {
                [one] => children.push(*one),
                [] => errors.push(error(
                    input.guardians.name,
                    guardian.line,
                    "Prénom enfant",
                    format!(
                        "enfant « {} {} » absent du fichier des élèves",
                        child.first_name, child.last_name
                    ),
                )),
                _ => errors.push(error(
                    input.guardians.name,
                    guardian.line,
                    "Classes enfants",
                    format!(
                        "plusieurs élèves s'appellent « {} {} » : précisez la classe de l'enfant",
                        child.first_name, child.last_name
                    ),
                )),
            }
        }
        resolved.push((guardian, children));
    }

    if let (Some(teachers), Some(file)) = (&teachers, input.teachers) {
        for teacher in teachers {
            for class in &teacher.class_names {
                if !classes.contains_key(class) {
                    errors.push(error(
                        file.name,
                        teacher.line,
                        "Classe",
                        format!("classe « {class} » absente du fichier des élèves"),
                    ));
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Plan {
            pupils,
            guardians: resolved,
            teachers,
            classes,
        })
    } else {
        Err(errors)
    }
}

/// Imports ONDE files into a school. `progress(done, total)` is called after each person.
pub async fn import(
    db: &Db,
    input: ImportInput<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<ImportReport, ImportError> {
    let plan = plan(&input).map_err(ImportError::Invalid)?;
    let mut tx = db.begin_write().await?;
    let school_id: Option<String> = sqlx::query_scalar("SELECT id FROM schools WHERE uai = $1")
        .bind(input.uai.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    let school_id = school_id.ok_or_else(|| ImportError::UnknownSchool(input.uai.to_string()))?;
    let year = i64::from(input.year.0);
    let snapshot = snapshot::load(&mut tx, &school_id, year).await?;
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
            ..Default::default()
        },
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
    let report = apply.report;
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
            sqlx::query(
                "UPDATE users SET first_name = $1, last_name = $2, usage_name = $3, birth_date = $4, email = $5, \
                 civility = $6, active = 1, deactivated_at = NULL, updated_at = $7, \
                 search_key = $9 || ' ' || identifier WHERE id = $8",
            )
            .bind(&wanted.first_name)
            .bind(&wanted.last_name)
            .bind(&wanted.usage_name)
            .bind(&wanted.birth_date)
            .bind(&wanted.email)
            .bind(&wanted.civility)
            .bind(self.now)
            .bind(&id)
            .bind(users::search_key(&wanted.first_name, &wanted.last_name, wanted.usage_name.as_deref(), ""))
            .execute(&mut *self.conn)
            .await?;
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

    fn free_identifier(&mut self, first: &str, last: &str) -> Identifier {
        let base = Identifier::base_for(first, last);
        let mut n = 1;
        loop {
            let candidate = Identifier::with_suffix(&base, n);
            if self
                .snapshot
                .identifiers
                .insert(candidate.as_str().to_owned())
            {
                return candidate;
            }
            n += 1;
        }
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

    fn count(counts: &mut Counts, created: bool, changed: bool) {
        if created {
            counts.created += 1;
        } else if changed {
            counts.updated += 1;
        } else {
            counts.unchanged += 1;
        }
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
            Self::count(
                &mut self.report.pupils,
                created,
                changed || (!created && (profile_changed || moved)),
            );
            ids.push(id);
            self.tick();
        }
        self.batch.flush(self.conn).await?;
        self.report.pupils.deactivated = self.deactivate_missing(PUPIL, &ids).await?;
        Ok(ids)
    }

    async fn guardians(
        &mut self,
        guardians: &[(GuardianRow, Vec<usize>)],
        pupil_ids: &[String],
    ) -> Result<(), sqlx::Error> {
        let mut matched: Vec<String> = Vec::new();
        let mut matched_set: HashSet<String> = HashSet::new();
        let mut links: HashSet<(String, String)> = HashSet::new();
        for (guardian, children) in guardians {
            let child_ids: Vec<&String> = children.iter().map(|&i| &pupil_ids[i]).collect();
            let name = name_key(&guardian.last_name, &guardian.first_name);
            // The same person is found through any child already linked to them.
            let existing_key = child_ids.iter().find_map(|child| {
                let key = format!("{name}|{child}");
                self.snapshot
                    .keys
                    .contains_key(&(GUARDIAN.to_owned(), key.clone()))
                    .then_some(key)
            });
            let key = existing_key.unwrap_or_else(|| {
                format!(
                    "{name}|{}",
                    child_ids.first().map(|s| s.as_str()).unwrap_or_default()
                )
            });
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
            for child in &child_ids {
                self.add_key(GUARDIAN, &format!("{name}|{child}"), &id);
                if !self
                    .snapshot
                    .guardianships
                    .contains(&(id.clone(), (*child).clone()))
                {
                    self.batch.guardianship(&id, child);
                    self.snapshot
                        .guardianships
                        .insert((id.clone(), (*child).clone()));
                    changed |= !created;
                }
                links.insert((id.clone(), (*child).clone()));
            }
            if !matched_set.insert(id.clone()) {
                // A second row for the same person: its children were merged above.
                continue;
            }
            Self::count(&mut self.report.guardians, created, changed);
            if !created && !changed {
                self.unchanged_guardians.insert(id.clone());
            }
            matched.push(id);
            self.tick();
        }
        self.batch.flush(self.conn).await?;
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

    async fn teachers(&mut self, teachers: &[TeacherRow]) -> Result<(), sqlx::Error> {
        let mut ids = Vec::with_capacity(teachers.len());
        for teacher in teachers {
            let key = name_key(&teacher.last_name, &teacher.first_name);
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
            let (id, created, changed) = self.upsert(TEACHER, &key, person).await?;
            let profile = if teacher.is_director {
                Profile::Director
            } else {
                Profile::Teacher
            };
            let profile_changed = self.profile(&id, profile).await?;
            let moved = self.place(&id, TEACHER, &teacher.class_names).await?;
            Self::count(
                &mut self.report.teachers,
                created,
                changed || (!created && (profile_changed || moved)),
            );
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
