//! `[mail]`: the SMTP server through which notifications reach adults who asked for them by
//! e-mail. Off when `host` is empty: no e-mail is ever needed to use the ENT.

use serde::{Deserialize, Serialize};

use crate::{Problem, Secret};

/// `[mail]` as written.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailSection {
    /// SMTP server name; empty: e-mail is off.
    pub host: String,
    /// Port; 0 means the usual one of `security` (587 STARTTLS, 465 TLS, 25 plain).
    pub port: u16,
    /// `starttls`, `tls` (implicit TLS) or `plain` (only on a local relay).
    pub security: String,
    /// Account on the server; empty: no authentication.
    pub username: String,
    /// Its password.
    pub password: Secret,
    /// Sender, e.g. `ENT de Villeneuve <ne-pas-repondre@ent.ville-exemple.fr>`.
    pub from: String,
    /// Attempts before a mail is given up (each failure waits longer: 1, 2, 4… minutes).
    pub max_attempts: u32,
    /// How long a sender holds a mail it is sending before another pass (or, after a crash,
    /// the restarted node) may try it again, in seconds. The SMTP timeout is half of it (at
    /// most 30 s), so a slow but living sender is never overtaken.
    pub lease_seconds: u32,
}

impl Default for MailSection {
    fn default() -> Self {
        Self {
            host: String::new(),
            port: 0,
            security: "starttls".into(),
            username: String::new(),
            password: Secret::default(),
            from: String::new(),
            max_attempts: 10,
            lease_seconds: 300,
        }
    }
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailSecurity {
    /// Plain connection upgraded with STARTTLS (required).
    StartTls,
    /// TLS from the first byte.
    Tls,
    /// No encryption (a relay on the same machine or in a test).
    Plain,
}

impl MailSection {
    /// Whether e-mail is configured.
    pub fn enabled(&self) -> bool {
        !self.host.trim().is_empty()
    }

    /// The chosen protection (STARTTLS when unreadable: validation refuses it anyway).
    pub fn security(&self) -> MailSecurity {
        match self.security.trim() {
            "tls" => MailSecurity::Tls,
            "plain" => MailSecurity::Plain,
            _ => MailSecurity::StartTls,
        }
    }

    /// The port, the usual one of the protection when 0.
    pub fn port(&self) -> u16 {
        match (self.port, self.security()) {
            (0, MailSecurity::StartTls) => 587,
            (0, MailSecurity::Tls) => 465,
            (0, MailSecurity::Plain) => 25,
            (port, _) => port,
        }
    }

    /// The SMTP timeout: half the lease, at most 30 s (at least 1 s).
    pub fn timeout_seconds(&self) -> u64 {
        u64::from(self.lease_seconds / 2).clamp(1, 30)
    }

    /// Every problem of the section (none when e-mail is off).
    pub fn check(&self, problems: &mut Vec<Problem>) {
        if !self.enabled() {
            return;
        }
        if !matches!(self.security.trim(), "starttls" | "tls" | "plain") {
            problems.push(Problem::new(
                "mail.security",
                &self.security,
                "« starttls », « tls » ou « plain » attendu",
            ));
        }
        let address = self
            .from
            .rsplit_once('<')
            .map_or(self.from.trim(), |(_, a)| a.trim_end_matches('>').trim());
        let valid = address
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
        if !valid {
            problems.push(Problem::new(
                "mail.from",
                &self.from,
                "adresse d'expéditeur attendue, par exemple « ENT <ne-pas-repondre@ent.ville.fr> »",
            ));
        }
        if self.username.is_empty() != self.password.expose().is_empty() {
            problems.push(Problem::new(
                "mail.username",
                &self.username,
                "identifiant et mot de passe vont ensemble : les deux ou aucun",
            ));
        }
        if !(1..=50).contains(&self.max_attempts) {
            problems.push(Problem::new(
                "mail.max_attempts",
                &self.max_attempts.to_string(),
                "valeur entre 1 et 50 attendue",
            ));
        }
        if !(2..=86_400).contains(&self.lease_seconds) {
            problems.push(Problem::new(
                "mail.lease_seconds",
                &self.lease_seconds.to_string(),
                "valeur entre 2 et 86400 secondes attendue (300 par défaut)",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_by_default_and_checked_when_on() {
        let mut problems = Vec::new();
        MailSection::default().check(&mut problems);
        assert!(problems.is_empty());
        let wrong = MailSection {
            host: "smtp.example.fr".into(),
            security: "ssl".into(),
            from: "personne".into(),
            username: "ent".into(),
            ..MailSection::default()
        };
        wrong.check(&mut problems);
        let keys: Vec<&str> = problems.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["mail.security", "mail.from", "mail.username"]);
        let good = MailSection {
            host: "smtp.example.fr".into(),
            security: "tls".into(),
            from: "ENT <ne-pas-repondre@ent.example.fr>".into(),
            ..MailSection::default()
        };
        let mut none = Vec::new();
        good.check(&mut none);
        assert!(none.is_empty(), "{none:?}");
        assert_eq!(good.port(), 465);
        assert_eq!(good.timeout_seconds(), 30);
        let short = MailSection {
            lease_seconds: 4,
            ..good.clone()
        };
        assert_eq!(short.timeout_seconds(), 2);
        let mut problems = Vec::new();
        MailSection {
            lease_seconds: 1,
            ..good
        }
        .check(&mut problems);
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
