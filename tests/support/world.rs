//! A small school with one account per profile, for tests that need people.

use std::sync::OnceLock;

use ent_node::AppState;
use ent_node::domain::{Profile, SchoolKind, Uai};
use ent_node::users::NewUser;
use ent_node::users::store as users;

/// Password of every account of the world.
pub const PASSWORD: &str = "mot-de-passe-de-test";

/// Argon2id is deliberately slow: hash the shared password once per test binary.
fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| ent_node::accounts::password::hash_blocking(PASSWORD).expect("hash"))
}

/// An account of the world.
#[derive(Debug, Clone)]
pub struct Person {
    /// User id.
    pub id: String,
    /// Sign-in identifier.
    pub identifier: String,
}

/// One école with classes A (CM2) and B (CM1), and one account per profile.
#[derive(Debug, Clone)]
pub struct World {
    /// The school id.
    pub school_id: String,
    /// Class A id.
    pub class_a: String,
    /// Class B id.
    pub class_b: String,
    /// Pupil of class A.
    pub pupil: Person,
    /// Pupil of class B.
    pub other_pupil: Person,
    /// Parent of `pupil`.
    pub parent: Person,
    /// Teacher of class A.
    pub teacher: Person,
    /// Teacher of class B.
    pub other_teacher: Person,
    /// Director of the school.
    pub director: Person,
    /// Municipal staff.
    pub staff: Person,
    /// Inspector.
    pub inspector: Person,
    /// Guest.
    pub guest: Person,
    /// Operator of the node.
    pub operator: Person,
}

impl World {
    /// Builds the world in the node's database.
    pub async fn build(state: &AppState) -> Self {
        let db = &state.db;
        let now = state.clock.now();
        let year = i64::from(ent_node::domain::SchoolYear::containing(state.clock.today()).0);
        let uai = Uai::from_number(1_234_567);
        let school_id = ent_node::schools::store::add(
            db,
            &uai,
            "École des Tilleuls",
            SchoolKind::Elementaire,
            None,
            now,
        )
        .await
        .expect("school");
        let mut tx = db.begin_write().await.expect("tx");
        let class = |name: &'static str, levels: &'static str| {
            let id = ent_node::store::new_id();
            (id, name, levels)
        };
        let (class_a, class_b) = (class("CM2 A", "CM2"), class("CM1 B", "CM1"));
        for (id, name, levels) in [&class_a, &class_b] {
            sqlx::query("INSERT INTO classes (id, school_id, school_year, name, levels, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(&school_id)
                .bind(year)
                .bind(*name)
                .bind(*levels)
                .bind(now)
                .execute(&mut *tx)
                .await
                .expect("class");
        }
        let mut person = async |first: &str,
                                last: &str,
                                profile: Option<Profile>,
                                class: Option<(&str, &str)>,
                                operator: bool| {
            let user = NewUser {
                first_name: first.into(),
                last_name: last.into(),
                password_hash: Some(password_hash().to_owned()),
                is_operator: operator,
                ..NewUser::default()
            };
            let (id, identifier) = users::create(&mut tx, &user, now).await.expect("user");
            if let Some(profile) = profile {
                users::set_membership(&mut tx, &id, &school_id, profile)
                    .await
                    .expect("membership");
            }
            if let Some((class_id, role)) = class {
                sqlx::query(
                    "INSERT INTO class_members (class_id, user_id, role) VALUES ($1, $2, $3)",
                )
                .bind(class_id)
                .bind(&id)
                .bind(role)
                .execute(&mut *tx)
                .await
                .expect("class member");
            }
            Person {
                id,
                identifier: identifier.to_string(),
            }
        };
        let pupil = person(
            "Léa",
            "Martin",
            Some(Profile::Pupil),
            Some((&class_a.0, "pupil")),
            false,
        )
        .await;
        let other_pupil = person(
            "Hugo",
            "Bernard",
            Some(Profile::Pupil),
            Some((&class_b.0, "pupil")),
            false,
        )
        .await;
        let parent = person("Sophie", "Martin", Some(Profile::Parent), None, false).await;
        let teacher = person(
            "Paul",
            "Durand",
            Some(Profile::Teacher),
            Some((&class_a.0, "teacher")),
            false,
        )
        .await;
        let other_teacher = person(
            "Anne",
            "Petit",
            Some(Profile::Teacher),
            Some((&class_b.0, "teacher")),
            false,
        )
        .await;
        let director = person("Marc", "Leroy", Some(Profile::Director), None, false).await;
        let staff = person("Nadia", "Roux", Some(Profile::Staff), None, false).await;
        let inspector = person("Yves", "Morel", Some(Profile::Inspector), None, false).await;
        let guest = person("Inès", "Faure", Some(Profile::Guest), None, false).await;
        let operator = person("Olga", "Admin", None, None, true).await;
        users::link_guardian(&mut tx, &parent.id, &pupil.id)
            .await
            .expect("guardian");
        tx.commit().await.expect("commit");
        Self {
            school_id,
            class_a: class_a.0,
            class_b: class_b.0,
            pupil,
            other_pupil,
            parent,
            teacher,
            other_teacher,
            director,
            staff,
            inspector,
            guest,
            operator,
        }
    }

    /// Adds an activated pupil (password [`PASSWORD`]) to a class of the world's school.
    pub async fn add_pupil(
        &self,
        state: &AppState,
        class_id: &str,
        first: &str,
        last: &str,
    ) -> Person {
        let mut tx = state.db.begin_write().await.expect("tx");
        let user = NewUser {
            first_name: first.into(),
            last_name: last.into(),
            password_hash: Some(password_hash().to_owned()),
            ..NewUser::default()
        };
        let (id, identifier) = users::create(&mut tx, &user, state.clock.now())
            .await
            .expect("user");
        users::set_membership(&mut tx, &id, &self.school_id, Profile::Pupil)
            .await
            .expect("membership");
        sqlx::query("INSERT INTO class_members (class_id, user_id, role) VALUES ($1, $2, 'pupil')")
            .bind(class_id)
            .bind(&id)
            .execute(&mut *tx)
            .await
            .expect("class member");
        tx.commit().await.expect("commit");
        Person {
            id,
            identifier: identifier.to_string(),
        }
    }

    /// Every signed-in profile of the world with its account, in a fixed order.
    pub fn profiles(&self) -> [(&'static str, &Person); 9] {
        [
            ("pupil", &self.pupil),
            ("parent", &self.parent),
            ("teacher", &self.teacher),
            ("other teacher", &self.other_teacher),
            ("director", &self.director),
            ("staff", &self.staff),
            ("inspector", &self.inspector),
            ("guest", &self.guest),
            ("operator", &self.operator),
        ]
    }
}

/// Makes an account wait for its first sign-in again (no password), as after an import.
pub async fn set_pending(state: &AppState, user_id: &str) {
    sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1")
        .bind(user_id)
        .execute(state.db.pool())
        .await
        .expect("pending");
}

/// Gives an account the shared [`PASSWORD`], as if it had activated with it.
pub async fn give_password(state: &AppState, user_id: &str) {
    users::set_password(&state.db, user_id, password_hash(), state.clock.now())
        .await
        .expect("password");
}

/// A second school of the node ("École du Parc"), with its director (who signs in with
/// [`PASSWORD`]): for rights that must not cross schools.
pub async fn other_school_director(state: &AppState) -> Person {
    let school = ent_node::schools::store::add(
        &state.db,
        &Uai::from_number(7_654_321),
        "École du Parc",
        SchoolKind::Elementaire,
        None,
        state.clock.now(),
    )
    .await
    .expect("school");
    let mut tx = state.db.begin_write().await.expect("tx");
    let user = NewUser {
        first_name: "Yves".into(),
        last_name: "Directeur".into(),
        password_hash: Some(password_hash().to_owned()),
        ..NewUser::default()
    };
    let (id, identifier) = users::create(&mut tx, &user, state.clock.now())
        .await
        .expect("user");
    users::set_membership(&mut tx, &id, &school, Profile::Director)
        .await
        .expect("membership");
    tx.commit().await.expect("commit");
    Person {
        id,
        identifier: identifier.to_string(),
    }
}
