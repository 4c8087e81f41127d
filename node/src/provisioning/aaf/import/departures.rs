//! People who leave: missing from a Complet, or deleted by a Delta. Only the hosted schools
//! the feed concerns are touched; an account that belongs to no other school of the node is
//! deactivated (kept, as ONDE does), otherwise it only leaves these schools.

use std::collections::HashSet;

use super::apply::{Apply, PUPIL, RELATION, STAFF};

impl Apply<'_> {
    /// Ends `user`'s place in the feed's schools.
    pub async fn depart(&mut self, user: &str, kind: &str) -> Result<(), sqlx::Error> {
        let scope: HashSet<String> = self.schools.values().cloned().collect();
        let memberships = self
            .known
            .memberships
            .get(user)
            .cloned()
            .unwrap_or_default();
        let inside: Vec<String> = memberships
            .keys()
            .filter(|s| scope.contains(*s))
            .cloned()
            .collect();
        if inside.is_empty() {
            return Ok(());
        }
        let teacher = (memberships.values()).any(|p| p == "teacher" || p == "director");
        let counts = match kind {
            PUPIL => &mut self.report.pupils,
            RELATION => &mut self.report.guardians,
            _ if teacher => &mut self.report.teachers,
            _ => &mut self.report.staff,
        };
        if memberships.len() == inside.len() {
            counts.deactivated += 1;
            self.deactivate(user).await?;
        } else {
            counts.updated += 1;
            for school in inside {
                self.leave(user, &school).await?;
            }
        }
        Ok(())
    }

    /// After a Complet: everyone of a wholly listed kind that the feed did not list has left,
    /// and those it lists have left the hosted schools it no longer puts them in.
    pub async fn departures(&mut self, whole: &[bool; 3]) -> Result<(), sqlx::Error> {
        let scope: HashSet<String> = self.schools.values().cloned().collect();
        let mut people: Vec<(String, String)> = (self.known.ids.values())
            .filter(|(_, kind)| match kind.as_str() {
                PUPIL => whole[0],
                RELATION => whole[1],
                STAFF => whole[2],
                _ => false,
            })
            .cloned()
            .collect();
        people.sort();
        for (user, kind) in people {
            match self.seen.get(&user).cloned() {
                Some(kept) => {
                    let memberships = self
                        .known
                        .memberships
                        .get(&user)
                        .cloned()
                        .unwrap_or_default();
                    for school in memberships.keys() {
                        if scope.contains(school) && !kept.contains(school) {
                            self.leave(&user, school).await?;
                        }
                    }
                }
                None => self.depart(&user, &kind).await?,
            }
        }
        Ok(())
    }
}
