//! What every kind of person of a feed shares: finding or creating the account, its profile
//! in a school, its places in classes, and leaving a school.

use std::collections::{HashMap, HashSet};

use crate::domain::{Identifier, Profile};
use crate::provisioning::onde::snapshot::Person;
use crate::store::new_id;
use crate::users::NewUser;
use crate::users::store as users;

use super::apply::Apply;

/// Usage name kept only when it differs from the birth name (as ONDE does).
pub(super) fn person(
    first: &str,
    usage_last: &str,
    birth_last: Option<&str>,
    birth: Option<String>,
    email: Option<String>,
    civility: Option<String>,
) -> Person {
    let norm = crate::domain::normalize_name;
    let last = birth_last
        .filter(|b| !b.trim().is_empty())
        .unwrap_or(usage_last);
    Person {
        first_name: first.trim().to_owned(),
        last_name: last.trim().to_owned(),
        usage_name: Some(usage_last.trim().to_owned()).filter(|u| norm(u) != norm(last)),
        birth_date: birth,
        email,
        civility,
        active: true,
    }
}

impl Apply<'_> {
    /// The account of a jointure id: known, else the ONDE account `onde` names (reported as
    /// a match), else new. Updates what changed. Returns (id, created, changed).
    pub async fn account(
        &mut self,
        jointure: &str,
        kind: &str,
        wanted: Option<Person>,
        onde: Option<String>,
    ) -> Result<(String, bool, bool), sqlx::Error> {
        let found = self.known.ids.get(jointure).map(|(id, _)| id.clone());
        let (id, matched) = match (found, onde) {
            (Some(id), _) => (id, false),
            (None, Some(id)) => {
                self.batch.directory_id(&self.academy, jointure, kind, &id);
                (self.known.ids).insert(jointure.to_owned(), (id.clone(), kind.to_owned()));
                self.report.matched += 1;
                (id, true)
            }
            (None, None) => {
                let Some(person) = wanted else {
                    // A modification of someone never imported: the caller reports it.
                    return Ok((String::new(), false, false));
                };
                let taken = &self.known.identifiers;
                let identifier =
                    Identifier::first_free(&person.first_name, &person.last_name, |c| {
                        taken.contains(c)
                    });
                self.known
                    .identifiers
                    .insert(identifier.as_str().to_owned());
                let id = new_id();
                let user = NewUser {
                    first_name: person.first_name.clone(),
                    last_name: person.last_name.clone(),
                    usage_name: person.usage_name.clone(),
                    birth_date: person.birth_date.clone(),
                    email: person.email.clone(),
                    civility: person.civility.clone(),
                    ..NewUser::default()
                };
                self.batch.user(&id, &identifier, &user, self.now);
                self.batch.directory_id(&self.academy, jointure, kind, &id);
                (self.known.ids).insert(jointure.to_owned(), (id.clone(), kind.to_owned()));
                self.known.people.insert(id.clone(), person);
                return Ok((id, true, false));
            }
        };
        let changed = match wanted {
            Some(person) => self.identity(&id, person).await?,
            None => self.reactivate(&id).await?,
        };
        Ok((id, false, changed || matched))
    }

    /// Writes a person's names and details when they changed (and reactivates them).
    async fn identity(&mut self, id: &str, wanted: Person) -> Result<bool, sqlx::Error> {
        if self.known.people.get(id) == Some(&wanted) {
            return Ok(false);
        }
        wanted.write(self.conn, id, self.now).await?;
        self.known.people.insert(id.to_owned(), wanted);
        Ok(true)
    }

    /// Reactivates a person a feed lists again without restating their names.
    async fn reactivate(&mut self, id: &str) -> Result<bool, sqlx::Error> {
        match self.known.people.get_mut(id) {
            Some(person) if !person.active => {
                person.active = true;
                users::set_active(self.conn, id, true, self.now).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// Gives the profile in a school; returns whether it changed.
    pub async fn member(
        &mut self,
        user: &str,
        school: &str,
        profile: Profile,
    ) -> Result<bool, sqlx::Error> {
        (self.seen.entry(user.to_owned()).or_default()).insert(school.to_owned());
        let current = self.known.memberships.entry(user.to_owned()).or_default();
        match current.get(school) {
            Some(code) if code == profile.code() => return Ok(false),
            Some(_) => users::set_membership(self.conn, user, school, profile).await?,
            None => self.batch.membership(user, school, profile),
        }
        current.insert(school.to_owned(), profile.code().to_owned());
        Ok(true)
    }

    /// Puts the user in exactly `wanted` (class → principal) for `role`, among the classes
    /// of `kinds` ('class', 'group'); other places stay. Returns whether it changed.
    pub async fn place(
        &mut self,
        user: &str,
        role: &str,
        kinds: &[&str],
        wanted: HashMap<String, bool>,
    ) -> Result<bool, sqlx::Error> {
        let key = (user.to_owned(), role.to_owned());
        let current = self.known.places.get(&key).cloned().unwrap_or_default();
        let concerned = |class: &String| {
            (self.class_kinds.get(class)).is_some_and(|k| kinds.contains(&k.as_str()))
                || !self.class_kinds.contains_key(class) && kinds.contains(&"class")
        };
        let mut changed = false;
        for (class, principal) in &current {
            if !concerned(class) {
                continue;
            }
            match wanted.get(class) {
                Some(p) if p == principal => {}
                Some(p) => {
                    sqlx::query(
                        "UPDATE class_members SET principal = $1 WHERE class_id = $2 AND user_id = $3",
                    )
                    .bind(i64::from(*p))
                    .bind(class)
                    .bind(user)
                    .execute(&mut *self.conn)
                    .await?;
                    changed = true;
                }
                None => {
                    sqlx::query("DELETE FROM class_members WHERE class_id = $1 AND user_id = $2")
                        .bind(class)
                        .bind(user)
                        .execute(&mut *self.conn)
                        .await?;
                    changed = true;
                }
            }
        }
        for (class, principal) in &wanted {
            if !current.contains_key(class) {
                self.batch.class_member_as(class, user, role, *principal);
                changed = true;
            }
        }
        let mut next: HashMap<String, bool> =
            current.into_iter().filter(|(c, _)| !concerned(c)).collect();
        next.extend(wanted);
        self.known.places.insert(key, next);
        Ok(changed)
    }

    /// Sets what a teacher teaches where (class, subject); returns whether it changed.
    pub async fn teach(
        &mut self,
        user: &str,
        wanted: HashSet<(String, String)>,
    ) -> Result<bool, sqlx::Error> {
        let current = self.known.teaching.get(user).cloned().unwrap_or_default();
        if current == wanted {
            return Ok(false);
        }
        for (class, subject) in current.difference(&wanted) {
            sqlx::query(
                "DELETE FROM teaching WHERE class_id = $1 AND user_id = $2 AND subject_code = $3",
            )
            .bind(class)
            .bind(user)
            .bind(subject)
            .execute(&mut *self.conn)
            .await?;
        }
        for (class, subject) in wanted.difference(&current) {
            self.batch.teaching(class, user, subject);
        }
        self.known.teaching.insert(user.to_owned(), wanted);
        Ok(true)
    }

    /// Sets a staff member's functions in a school; returns whether they changed.
    pub async fn functions(
        &mut self,
        user: &str,
        school: &str,
        wanted: HashSet<[String; 3]>,
    ) -> Result<bool, sqlx::Error> {
        let key = (user.to_owned(), school.to_owned());
        let current = self.known.functions.get(&key).cloned().unwrap_or_default();
        if current == wanted {
            return Ok(false);
        }
        sqlx::query("DELETE FROM staff_functions WHERE user_id = $1 AND school_id = $2")
            .bind(user)
            .bind(school)
            .execute(&mut *self.conn)
            .await?;
        for [code, label, discipline] in &wanted {
            self.batch
                .staff_function(user, school, [code, label, discipline]);
        }
        self.known.functions.insert(key, wanted);
        Ok(true)
    }

    /// Ends a person's membership of a school: profile, places, teaching and functions there.
    pub async fn leave(&mut self, user: &str, school: &str) -> Result<(), sqlx::Error> {
        // Buffered rows may concern this school: send them first.
        self.batch.flush(self.conn).await?;
        sqlx::query("DELETE FROM memberships WHERE user_id = $1 AND school_id = $2")
            .bind(user)
            .bind(school)
            .execute(&mut *self.conn)
            .await?;
        let in_school = "SELECT id FROM classes WHERE school_id = $2 AND school_year = $3";
        for table in ["class_members", "teaching"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE user_id = $1 AND class_id IN ({in_school})"
            ))
            .bind(user)
            .bind(school)
            .bind(self.year)
            .execute(&mut *self.conn)
            .await?;
        }
        sqlx::query("DELETE FROM staff_functions WHERE user_id = $1 AND school_id = $2")
            .bind(user)
            .bind(school)
            .execute(&mut *self.conn)
            .await?;
        if let Some(schools) = self.known.memberships.get_mut(user) {
            schools.remove(school);
        }
        let classes: HashSet<String> = (self.known.classes.iter())
            .filter(|((s, _), _)| s == school)
            .map(|(_, c)| c.id.clone())
            .collect();
        for ((u, _), places) in self.known.places.iter_mut() {
            if u == user {
                places.retain(|class, _| !classes.contains(class));
            }
        }
        if let Some(taught) = self.known.teaching.get_mut(user) {
            taught.retain(|(class, _)| !classes.contains(class));
        }
        self.known
            .functions
            .remove(&(user.to_owned(), school.to_owned()));
        Ok(())
    }

    /// Deactivates an account (kept, like ONDE's departures); returns whether it was active.
    pub async fn deactivate(&mut self, user: &str) -> Result<bool, sqlx::Error> {
        match self.known.people.get_mut(user) {
            Some(person) if person.active => {
                person.active = false;
                users::set_active(self.conn, user, false, self.now).await?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
