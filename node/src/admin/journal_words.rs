//! The journal in the operator's words: each recorded action's French name, and the kinds the
//! page filters by. An action missing here (a later feature's) shows under its own code until
//! it is named.

/// `(code, French name)` of every action the node records.
const ACTIONS: &[(&str, &str)] = &[
    ("account.activate", "Compte activé par son titulaire"),
    ("account.code", "Nouveau code d'activation"),
    ("account.deactivate", "Compte désactivé"),
    ("account.reactivate", "Compte réactivé"),
    ("account.operator", "Compte d'opérateur créé"),
    ("account.create_staff", "Compte du personnel créé à la main"),
    (
        "account.unlock",
        "Compte débloqué après des erreurs de mot de passe",
    ),
    ("class.sheets", "Fiches de connexion imprimées"),
    ("class.codes_renewed", "Codes d'une classe renouvelés"),
    (
        "import.guardian_link",
        "Lien parent–enfant confirmé après un import",
    ),
    (
        "group.class_asked",
        "Classe d'un collègue demandée pour un groupe",
    ),
    ("guest.delete", "Invité supprimé"),
    (
        "space.class_asked",
        "Classe d'un collègue demandée pour un espace",
    ),
    ("space.closed", "Espace fermé"),
    ("space.reopened", "Espace rouvert"),
    ("space.post_edited", "Message modifié dans un espace"),
    (
        "space.edit_moderated",
        "Modification d'un message validée ou refusée",
    ),
    ("school.add", "Établissement ajouté"),
    ("agenda.create", "Événement ajouté à un agenda"),
    (
        "agenda.occurrence",
        "Date d'une série annulée ou déplacée dans un agenda",
    ),
    ("agenda.delete", "Événement supprimé d'un agenda"),
    (
        "agenda.import",
        "Fichier iCalendar importé dans l'agenda d'une école",
    ),
    (
        "message.urgent",
        "Message urgent de la direction (remis sans attendre)",
    ),
    ("message.reported", "Message signalé"),
    ("news.published", "Actualité publiée"),
    ("news.deleted", "Actualité supprimée"),
    ("liaison.mot_sent", "Mot du cahier de liaison écrit"),
    ("liaison.reminded", "Rappel de signature d'un mot envoyé"),
    ("liaison.mot_deleted", "Mot du cahier de liaison supprimé"),
    ("liaison.absence", "Mot d'absence envoyé par un parent"),
    (
        "notification.mail_given",
        "Adresse électronique donnée pour les notifications",
    ),
    (
        "notification.mail_confirmed",
        "Adresse électronique de notification confirmée",
    ),
    (
        "notification.unsubscribed",
        "Désabonnement des courriels de notification",
    ),
    (
        "message.directory",
        "Annuaire de la messagerie lu par un ENT lié",
    ),
    ("message.sent_across", "Message envoyé à un ENT lié"),
    ("message.received_across", "Message reçu d'un ENT lié"),
    ("message.file_across", "Pièce jointe lue par un ENT lié"),
    ("message.moderated", "Message d'élève validé ou refusé"),
    ("import.onde", "Import ONDE"),
    ("import.aaf", "Import AAF"),
    ("group.create", "Groupe créé"),
    ("group.add", "Membres ajoutés à un groupe"),
    ("group.remove", "Membre retiré d'un groupe"),
    ("group.delete", "Groupe supprimé"),
    ("guest.create", "Invité créé"),
    ("guest.expired", "Compte invité expiré"),
    ("space.created", "Espace créé"),
    ("space.remote", "Action d'un ENT lié dans un espace"),
    ("space.read", "Lecture d'un espace par un invité"),
    ("space.directory", "Annuaire lu par un ENT lié"),
    ("space.file", "Fichier copié par un ENT lié"),
    ("space.erased", "Messages d'une personne effacés"),
    ("federation.rejected", "Envoi refusé par un ENT lié"),
    (
        "federation.convention",
        "Convention signée par la DANE appliquée",
    ),
    (
        "federated_login.accepted",
        "Connexion d'un invité par son ENT",
    ),
    ("federated_login.refused", "Connexion d'un invité refusée"),
    (
        "federated_login.issued",
        "Connexion vers un ENT lié autorisée",
    ),
    (
        "federated_login.declined",
        "Connexion vers un ENT lié refusée par la personne",
    ),
];

/// The French name of an action (its code when it has none yet).
pub fn action_label(code: &str) -> &str {
    ACTIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, label)| label)
}

/// A kind of action the journal filters by: its value in the address, its name, and the SQL
/// condition on `a.action` (constant text, never built from input).
pub struct Kind {
    /// `?type=` value.
    pub value: &'static str,
    /// French name.
    pub label: &'static str,
    /// SQL condition.
    pub condition: &'static str,
}

/// The kinds offered (the first is "everything").
pub const KINDS: &[Kind] = &[
    Kind {
        value: "",
        label: "Toutes les actions",
        condition: "1 = 1",
    },
    Kind {
        value: "comptes",
        label: "Comptes et codes",
        condition: "a.action LIKE 'account.%' OR a.action LIKE 'class.%'",
    },
    Kind {
        value: "ecoles",
        label: "Établissements et imports",
        condition: "a.action LIKE 'school.%' OR a.action LIKE 'import.%'",
    },
    Kind {
        value: "groupes",
        label: "Groupes",
        condition: "a.action LIKE 'group.%'",
    },
    Kind {
        value: "espaces",
        label: "Espaces",
        condition: "a.action LIKE 'space.%'",
    },
    Kind {
        value: "federation",
        label: "Échanges avec les ENT liés et invités",
        condition: "a.action LIKE 'space.%' OR a.action LIKE 'federation.%' OR a.action LIKE 'guest.%' OR a.action LIKE 'federated%'",
    },
];

/// The kind named by `?type=` (everything when unknown).
pub fn kind(value: &str) -> &'static Kind {
    KINDS.iter().find(|k| k.value == value).unwrap_or(&KINDS[0])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_action_has_a_french_name_and_unknown_kinds_mean_everything() {
        assert_eq!(action_label("group.create"), "Groupe créé");
        assert_eq!(action_label("autre.chose"), "autre.chose");
        assert_eq!(kind("n'importe quoi").value, "");
        assert_eq!(kind("federation").value, "federation");
        for (code, label) in ACTIONS {
            assert!(!label.contains('.') && !label.is_empty(), "{code}");
        }
    }
}
