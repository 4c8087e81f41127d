//! The one transaction of an AAF import: schools, subjects and classes, then people, then
//! departures. The pieces every kind of person shares (finding the account, its profile in
//! a school, its places in classes) are here; `people.rs` says what each kind brings.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use sqlx::{AnyConnection, Row};

use crate::domain::ClassLevel;
use crate::provisioning::batch::Batch;
use crate::provisioning::onde::read::ReadError;
use crate::store::{Db, new_id};
use crate::users::store as users;

use super::known::{self, Known, KnownClass};
use super::plan::{Hosted, NodeSchool, Plan};
use super::report::{AafReport, SchoolLine};
use super::{AafInput, people};

/// Kinds of directory ids, one per person file.
pub(super) const PUPIL: &str = "pupil";
pub(super) const RELATION: &str = "relation";
pub(super) const STAFF: &str = "staff";
/// Kinds of classes.
pub(super) const CLASS: &str = "class";
pub(super) const GROUP: &str = "group";

/// The node's schools, read before the import's transaction to plan it.
pub(super) async fn node_schools(db: &Db) -> Result<Vec<NodeSchool>, sqlx::Error> {
    let rows =
        sqlx::query("SELECT id, uai, name, kind, academy, jointure FROM schools ORDER BY uai")
            .fetch_all(db.pool())
            .await?;
    rows.iter()
        .map(|row| {
            Ok(NodeSchool {
                id: row.try_get(0)?,
                uai: row.try_get(1)?,
                name: row.try_get(2)?,
                kind: row.try_get(3)?,
                academy: row.try_get(4)?,
                jointure: row.try_get(5)?,
            })
        })
        .collect()
}

/// An error about the whole feed.
pub(super) fn whole_error(path: &Path, message: &str) -> ReadError {
    ReadError {
        file: path.display().to_string(),
        line: 0,
        column: None,
        message: message.to_owned(),
    }
}

/// The state of one import while it writes.
pub(super) struct Apply<'a> {
    pub conn: &'a mut AnyConnection,
    pub academy: String,
    pub year: i64,
    pub now: i64,
    pub known: Known,
    pub batch: Batch,
    pub report: AafReport,
    /// Errors found while applying (a Delta naming someone unknown…).
    pub errors: Vec<ReadError>,
    /// Structure jointure → school id.
    pub schools: HashMap<String, String>,
    pub hosted: std::collections::BTreeMap<String, Hosted>,
    /// (school, code) → class id, for the classes and groups of this import.
    pub class_ids: HashMap<(String, String), String>,
    /// Class id → kind.
    pub class_kinds: HashMap<String, String>,
    /// Class names taken, per school.
    pub names: HashSet<(String, String)>,
    /// People this feed lists, with the hosted schools it puts them in.
    pub seen: HashMap<String, HashSet<String>>,
    pub mef_labels: HashMap<String, String>,
    pub done: u64,
    pub total: u64,
    pub progress: &'a (dyn Fn(u64, u64) + Sync),
}

/// Applies a plan inside `conn`'s transaction. `Ok(Err(_))`: records were wrong and the
/// operator did not allow a partial import (the caller rolls back).
pub(super) async fn apply(
    conn: &mut AnyConnection,
    plan: Plan,
    _schools: &[NodeSchool],
    input: &AafInput<'_>,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<Result<(AafReport, u64), Vec<ReadError>>, sqlx::Error> {
    // Identifiers are unique node-wide: other account creators wait here (see ONDE).
    users::lock_identifiers(conn, input.now).await?;
    let year = i64::from(input.year.0);
    let existing: Vec<String> = (plan.hosted.values())
        .filter_map(|h| h.school_id.clone())
        .collect();
    let known = known::load(conn, &plan.academy, &existing, year).await?;
    // Active accounts of the hosted schools before the run, each counted once, from what was
    // just loaded (a query here met stale planner statistics on PostgreSQL right after a
    // large first import: seconds per school).
    let active = (known.memberships.iter())
        .filter(|(_, schools)| existing.iter().any(|s| schools.contains_key(s)))
        .filter(|(user, _)| known.people.get(*user).is_some_and(|p| p.active))
        .count() as u64;
    let mut apply = Apply {
        conn,
        academy: plan.academy.clone(),
        year,
        now: input.now,
        names: HashSet::new(),
        known,
        batch: Batch::new(),
        report: AafReport {
            academy: plan.academy.clone(),
            delta: plan.delta,
            dry_run: input.dry_run,
            ignored: plan.ignored,
            warnings: plan.warnings.clone(),
            refused: plan.errors.clone(),
            ..AafReport::default()
        },
        errors: Vec::new(),
        schools: HashMap::new(),
        hosted: plan.hosted.clone(),
        class_ids: HashMap::new(),
        class_kinds: HashMap::new(),
        seen: HashMap::new(),
        mef_labels: plan.mef_labels.clone(),
        done: 0,
        total: (plan.pupils.len() + plan.relations.len() + plan.staff.len()) as u64,
        progress,
    };
    apply.schools().await?;
    apply.subjects(&plan.subjects).await?;
    apply.classes(&plan).await?;
    people::apply(&mut apply, &plan).await?;
    apply.batch.flush(apply.conn).await?;
    if !plan.delta {
        apply.departures(&plan.whole).await?;
        apply.batch.flush(apply.conn).await?;
    }
    if !apply.errors.is_empty() {
        if input.partial {
            let errors = std::mem::take(&mut apply.errors);
            apply.report.refused.extend(errors);
        } else {
            return Ok(Err(apply.errors));
        }
    }
    Ok(Ok((apply.report, active)))
}

impl Apply<'_> {
    /// Counts a person done.
    pub fn tick(&mut self) {
        self.done += 1;
        (self.progress)(self.done, self.total);
    }

    /// Creates the schools asked for and ties every hosted school to its structure.
    async fn schools(&mut self) -> Result<(), sqlx::Error> {
        let hosted = self.hosted.clone();
        for (jointure, school) in &hosted {
            let created = school.school_id.is_none();
            let id = match &school.school_id {
                Some(id) => {
                    sqlx::query(
                        "UPDATE schools SET academy = $1, jointure = $2 WHERE id = $3 \
                         AND (academy IS NULL OR jointure IS NULL OR academy <> $1 OR jointure <> $2)",
                    )
                    .bind(&self.academy)
                    .bind(jointure)
                    .bind(id)
                    .execute(&mut *self.conn)
                    .await?;
                    id.clone()
                }
                None => {
                    let id = new_id();
                    sqlx::query(
                        "INSERT INTO schools (id, uai, name, kind, created_at, academy, jointure) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7)",
                    )
                    .bind(&id)
                    .bind(&school.uai)
                    .bind(&school.name)
                    .bind(school.kind.code())
                    .bind(self.now)
                    .bind(&self.academy)
                    .bind(jointure)
                    .execute(&mut *self.conn)
                    .await?;
                    id
                }
            };
            self.schools.insert(jointure.clone(), id);
            self.report.schools.push(SchoolLine {
                uai: school.uai.clone(),
                name: school.name.clone(),
                created,
            });
        }
        Ok(())
    }

    /// Keeps the subject nomenclature (labels may change between deliveries).
    async fn subjects(&mut self, subjects: &[(String, String)]) -> Result<(), sqlx::Error> {
        for (code, label) in subjects {
            match self.known.subjects.get(code) {
                Some(stored) if stored == label => continue,
                Some(_) => {
                    sqlx::query("UPDATE subjects SET label = $1 WHERE code = $2")
                        .bind(label)
                        .bind(code)
                        .execute(&mut *self.conn)
                        .await?;
                }
                None => {
                    sqlx::query("INSERT INTO subjects (code, label) VALUES ($1, $2)")
                        .bind(code)
                        .bind(label)
                        .execute(&mut *self.conn)
                        .await?;
                }
            }
            self.known.subjects.insert(code.clone(), label.clone());
        }
        Ok(())
    }

    /// The level of a pupil: 1D level, MEF code, MEF label, or the MEF nomenclature's label.
    pub fn pupil_level(&self, pupil: &super::super::Pupil) -> Option<ClassLevel> {
        pupil.level().or_else(|| {
            let label = self.mef_labels.get(pupil.mef.as_deref()?)?;
            ClassLevel::parse(label.split([' ', '-']).next()?).ok()
        })
    }

    /// Every class and group the feed names in hosted schools, with the levels of their pupils.
    async fn classes(&mut self, plan: &Plan) -> Result<(), sqlx::Error> {
        let mut wanted: Vec<(String, String, &'static str, Option<String>)> = Vec::new();
        let mut levels: HashMap<(String, String), BTreeSet<ClassLevel>> = HashMap::new();
        let mut add = |structure: &str, code: &str, kind: &'static str, label: &Option<String>| {
            let key = (structure.to_owned(), code.to_owned());
            if !wanted.iter().any(|(s, c, _, _)| *s == key.0 && *c == key.1) {
                wanted.push((key.0, key.1, kind, label.clone()));
            }
        };
        for record in &plan.pupils {
            let level = self.pupil_level(&record.data);
            for (refs, kind) in [(&record.data.classes, CLASS), (&record.data.groups, GROUP)] {
                for group in refs
                    .iter()
                    .filter(|g| self.hosted.contains_key(&g.structure))
                {
                    add(&group.structure, &group.code, kind, &group.label);
                    if let Some(level) = level {
                        (levels
                            .entry((group.structure.clone(), group.code.clone()))
                            .or_default())
                        .insert(level);
                    }
                }
            }
        }
        for record in &plan.staff {
            let staff = &record.data;
            for service in &staff.classes {
                add(
                    &service.group.structure,
                    &service.group.code,
                    CLASS,
                    &service.group.label,
                );
            }
            for service in &staff.groups {
                add(
                    &service.group.structure,
                    &service.group.code,
                    GROUP,
                    &service.group.label,
                );
            }
            for group in &staff.head_of {
                add(&group.structure, &group.code, CLASS, &group.label);
            }
        }
        for school in self.schools.values() {
            for ((s, _), class) in self.known.classes.iter().chain(&self.known.unnamed_classes) {
                if s == school {
                    self.names.insert((s.clone(), class.name.clone()));
                }
            }
        }
        wanted.sort();
        for (structure, code, kind, label) in wanted {
            let levels = levels
                .remove(&(structure.clone(), code.clone()))
                .unwrap_or_default();
            self.class(&structure, &code, kind, label, levels).await?;
        }
        Ok(())
    }

    /// Finds, updates or creates one class or group.
    async fn class(
        &mut self,
        structure: &str,
        code: &str,
        kind: &'static str,
        label: Option<String>,
        levels: BTreeSet<ClassLevel>,
    ) -> Result<(), sqlx::Error> {
        let Some(school) = self.schools.get(structure).cloned() else {
            return Ok(());
        };
        let hosted = &self.hosted[structure];
        // 2D classes are known by their code (6EME1); groups and 1D classes by their label.
        let listed = match kind {
            GROUP => hosted.group_labels.get(code),
            _ => None,
        };
        let name = label.or(listed.cloned()).unwrap_or_else(|| code.to_owned());
        let name = name.trim().to_owned();
        let key = (school.clone(), code.to_owned());
        let counts = if kind == GROUP {
            &mut self.report.groups
        } else {
            &mut self.report.classes
        };
        let stored = self.known.classes.get(&key).cloned().or_else(|| {
            self.known
                .unnamed_classes
                .remove(&(school.clone(), name.clone()))
        });
        match stored {
            Some(KnownClass {
                id,
                name: old_name,
                levels: old_levels,
            }) => {
                // Levels come from the pupils listed; a feed listing none (a Delta, a
                // group only teachers name) leaves them as they were.
                let new_levels = if levels.is_empty() {
                    old_levels.clone()
                } else {
                    ClassLevel::join(&levels.into_iter().collect::<Vec<_>>())
                };
                let new_name =
                    if old_name == name || self.names.contains(&(school.clone(), name.clone())) {
                        old_name.clone()
                    } else {
                        name
                    };
                let was_coded = self.known.classes.contains_key(&key);
                if new_name != old_name || new_levels != old_levels || !was_coded {
                    sqlx::query(
                        "UPDATE classes SET name = $1, levels = $2, external_id = $3, kind = $4 WHERE id = $5",
                    )
                    .bind(&new_name)
                    .bind(&new_levels)
                    .bind(code)
                    .bind(kind)
                    .bind(&id)
                    .execute(&mut *self.conn)
                    .await?;
                    self.names.remove(&(school.clone(), old_name));
                    self.names.insert((school.clone(), new_name.clone()));
                    counts.updated += 1;
                } else {
                    counts.unchanged += 1;
                }
                self.known.classes.insert(
                    key.clone(),
                    KnownClass {
                        id: id.clone(),
                        name: new_name,
                        levels: new_levels,
                    },
                );
                self.class_ids.insert(key, id.clone());
                self.class_kinds.insert(id, kind.to_owned());
            }
            None => {
                let mut name = name;
                if self.names.contains(&(school.clone(), name.clone())) {
                    name = format!("{name} ({code})");
                }
                let levels = ClassLevel::join(&levels.into_iter().collect::<Vec<_>>());
                let id = new_id();
                sqlx::query(
                    "INSERT INTO classes (id, school_id, school_year, name, levels, created_at, kind, external_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(&school)
                .bind(self.year)
                .bind(&name)
                .bind(&levels)
                .bind(self.now)
                .bind(kind)
                .bind(code)
                .execute(&mut *self.conn)
                .await?;
                counts.created += 1;
                self.names.insert((school.clone(), name.clone()));
                self.known.classes.insert(
                    key.clone(),
                    KnownClass {
                        id: id.clone(),
                        name,
                        levels,
                    },
                );
                self.class_ids.insert(key, id.clone());
                self.class_kinds.insert(id, kind.to_owned());
            }
        }
        Ok(())
    }
}
