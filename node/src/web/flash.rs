//! What a page says after a form was sent (POST/redirect/GET): the handler redirects to
//! `…?fait=<key>` and the page shows the message of that key. Only the keys below are known:
//! nothing typed in a URL is ever shown, and a reload shows the message without sending again.

use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

/// The outcomes a page can announce after a redirect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// "Mon compte": the password was changed.
    PasswordChanged,
    /// A member reported a post.
    PostReported,
    /// A class one manages was added to a space.
    ClassAdded,
    /// A local guest was added to a space.
    GuestAdded,
    /// An invitation went to a linked node.
    InvitationSent,
    /// Another teacher's class: its teacher was asked.
    TeacherAsked,
    /// That teacher had already been asked.
    TeacherAlreadyAsked,
    /// Messagerie: message-envoye.
    MessageSent,
    /// Messagerie: message-differe.
    MessageHeld,
    /// Messagerie: brouillon.
    DraftSaved,
    /// Messagerie: non-lu.
    MarkedUnread,
    /// Messagerie: message-supprime.
    MessageTrashed,
    /// Messagerie: message-restaure.
    MessageRestored,
    /// Messagerie: envoi-annule.
    MessageCancelled,
    /// Messagerie: message-signale.
    MessageReported,
    /// Messagerie: corbeille-videe.
    TrashEmptied,
    /// Messagerie: option-classe.
    ClassOptionSaved,
    /// Actualités: published.
    NewsPublished,
    /// Actualités: shown later (date or quiet hours).
    NewsScheduled,
    /// Actualités: deleted.
    NewsDeleted,
    /// Liaison: a mot delivered.
    MotSent,
    /// Liaison: a mot held by the quiet hours.
    MotHeld,
    /// Liaison: signed.
    MotSigned,
    /// Liaison: reminders sent.
    MotReminded,
    /// Liaison: a mot deleted.
    MotDeleted,
    /// Liaison: a mot d'absence sent.
    AbsenceSent,
    /// Notifications: preferences saved.
    NotificationsSaved,
    /// Notifications: an address was given, its confirmation mail queued.
    MailConfirmationSent,
    /// Messagerie: a-valider (a pupil's message waits for the teacher).
    MessagePending,
    /// Messagerie: message-valide / message-refuse (the teacher decided).
    MessageModerated,
    /// Cahier de textes: saved and shown.
    HomeworkSaved,
    /// Cahier de textes: shown later (planned date or quiet hours).
    HomeworkPlanned,
    /// Cahier de textes: "fait" ticked or unticked.
    HomeworkTicked,
    /// Cahier de textes: work handed in.
    HomeworkHandedIn,
    /// Cahier de textes: the teacher's answer saved.
    HomeworkAnswered,
    /// Cahier de textes: copied to another class.
    HomeworkCopied,
    /// Cahier de textes: deleted.
    HomeworkDeleted,
}

impl Done {
    const ALL: [Done; 37] = [
        Done::PasswordChanged,
        Done::PostReported,
        Done::ClassAdded,
        Done::GuestAdded,
        Done::InvitationSent,
        Done::TeacherAsked,
        Done::TeacherAlreadyAsked,
        Done::MessageSent,
        Done::MessageHeld,
        Done::DraftSaved,
        Done::MarkedUnread,
        Done::MessageTrashed,
        Done::MessageRestored,
        Done::MessageCancelled,
        Done::MessageReported,
        Done::TrashEmptied,
        Done::ClassOptionSaved,
        Done::NewsPublished,
        Done::NewsScheduled,
        Done::NewsDeleted,
        Done::MotSent,
        Done::MotHeld,
        Done::MotSigned,
        Done::MotReminded,
        Done::MotDeleted,
        Done::AbsenceSent,
        Done::NotificationsSaved,
        Done::MailConfirmationSent,
        Done::MessagePending,
        Done::MessageModerated,
        Done::HomeworkSaved,
        Done::HomeworkPlanned,
        Done::HomeworkTicked,
        Done::HomeworkHandedIn,
        Done::HomeworkAnswered,
        Done::HomeworkCopied,
        Done::HomeworkDeleted,
    ];

    /// The key in the URL.
    pub fn key(self) -> &'static str {
        match self {
            Done::PasswordChanged => "mot-de-passe",
            Done::PostReported => "signalement",
            Done::ClassAdded => "classe-ajoutee",
            Done::GuestAdded => "invite-ajoute",
            Done::InvitationSent => "invitation-envoyee",
            Done::TeacherAsked => "enseignant-sollicite",
            Done::TeacherAlreadyAsked => "enseignant-deja-sollicite",
            Done::MessageSent => "message-envoye",
            Done::MessageHeld => "message-differe",
            Done::MessagePending => "a-valider",
            Done::MessageModerated => "decision-enregistree",
            Done::HomeworkSaved => "cahier-enregistre",
            Done::HomeworkPlanned => "cahier-programme",
            Done::HomeworkTicked => "cahier-fait",
            Done::HomeworkHandedIn => "cahier-rendu",
            Done::HomeworkAnswered => "cahier-reponse",
            Done::HomeworkCopied => "cahier-copie",
            Done::HomeworkDeleted => "cahier-supprime",
            Done::DraftSaved => "brouillon",
            Done::MarkedUnread => "non-lu",
            Done::MessageTrashed => "message-supprime",
            Done::MessageRestored => "message-restaure",
            Done::MessageCancelled => "envoi-annule",
            Done::MessageReported => "message-signale",
            Done::TrashEmptied => "corbeille-videe",
            Done::ClassOptionSaved => "option-classe",
            Done::NewsPublished => "actualite-publiee",
            Done::NewsScheduled => "actualite-programmee",
            Done::NewsDeleted => "actualite-supprimee",
            Done::MotSent => "mot-envoye",
            Done::MotHeld => "mot-differe",
            Done::MotSigned => "mot-signe",
            Done::MotReminded => "mot-relance",
            Done::MotDeleted => "mot-supprime",
            Done::AbsenceSent => "absence-envoyee",
            Done::NotificationsSaved => "notifications-enregistrees",
            Done::MailConfirmationSent => "confirmation-envoyee",
        }
    }

    /// The outcome of a key; unknown keys are ignored.
    pub fn parse(key: &str) -> Option<Done> {
        Self::ALL.into_iter().find(|d| d.key() == key)
    }

    /// What the page says, to a child (`simple`) or to an adult.
    pub fn message(self, simple: bool) -> &'static str {
        match (self, simple) {
            (Done::PasswordChanged, true) => "Ton mot de passe a été modifié.",
            (Done::PasswordChanged, false) => "Votre mot de passe a été modifié.",
            (Done::PostReported, _) => {
                "Merci : les modérateurs de l'espace vont regarder ce message."
            }
            (Done::ClassAdded, _) => "La classe a été ajoutée : ses membres ont rejoint l'espace.",
            (Done::GuestAdded, _) => "La personne a rejoint l'espace comme invité.",
            (Done::InvitationSent, _) => {
                "Invitation envoyée : la classe rejoindra l'espace quand son enseignant l'acceptera."
            }
            (Done::TeacherAsked, _) => {
                "Cette classe a un autre enseignant : l'invitation lui est envoyée ; la classe rejoindra l'espace quand il ou elle l'acceptera."
            }
            (Done::MessageSent, true) => "Ton message est parti.",
            (Done::MessageSent, false) => "Votre message est envoyé.",
            (Done::MessagePending, true) => {
                "Ton message partira quand ton enseignant l'aura lu et validé."
            }
            (Done::MessagePending, false) => {
                "Le message attend la validation d'un enseignant de la classe."
            }
            (Done::MessageModerated, _) => "Décision enregistrée.",
            (Done::MessageHeld, true) => "Ton message partira à la fin des heures calmes.",
            (Done::MessageHeld, false) => {
                "Droit à la déconnexion : votre message est gardé et sera remis à l'heure indiquée ci-dessous ; vous pouvez encore le modifier ou l'annuler."
            }
            (Done::DraftSaved, true) => "Ton brouillon est gardé.",
            (Done::DraftSaved, false) => "Votre brouillon est enregistré dans Brouillons.",
            (Done::MarkedUnread, true) => "Le message est de nouveau marqué non lu.",
            (Done::MarkedUnread, false) => "Le message est de nouveau marqué non lu.",
            (Done::MessageTrashed, true) => "Le message est dans la corbeille.",
            (Done::MessageTrashed, false) => {
                "Le message est dans la corbeille (restauration possible pendant 30 jours)."
            }
            (Done::MessageRestored, true) => "Le message est revenu.",
            (Done::MessageRestored, false) => "Le message a été restauré.",
            (Done::MessageCancelled, true) => {
                "L'envoi est annulé : le message est dans tes brouillons."
            }
            (Done::MessageCancelled, false) => {
                "L'envoi est annulé : le message est dans vos brouillons."
            }
            (Done::MessageReported, true) => "Merci : ton enseignant va regarder ce message.",
            (Done::MessageReported, false) => "Merci : le message a été signalé à la direction.",
            (Done::TrashEmptied, true) => "La corbeille est vide.",
            (Done::TrashEmptied, false) => "La corbeille a été vidée.",
            (Done::ClassOptionSaved, true) => "C'est enregistré.",
            (Done::ClassOptionSaved, false) => "L'option de la classe est enregistrée.",
            (Done::NewsPublished, true) => "L'actualité est publiée.",
            (Done::NewsPublished, false) => "L'actualité est publiée.",
            (Done::NewsScheduled, true) => "L'actualité sera affichée plus tard.",
            (Done::NewsScheduled, false) => {
                "L'actualité est enregistrée : elle sera affichée à l'heure indiquée (date choisie ou fin du droit à la déconnexion)."
            }
            (Done::NewsDeleted, true) => "L'actualité est supprimée.",
            (Done::NewsDeleted, false) => "L'actualité a été supprimée.",
            (Done::MotSent, true) => "Le mot est envoyé.",
            (Done::MotSent, false) => "Le mot est dans le carnet des élèves choisis.",
            (Done::MotHeld, true) => "Le mot partira plus tard.",
            (Done::MotHeld, false) => {
                "Droit à la déconnexion : le mot est enregistré et sera remis aux familles à l'heure indiquée."
            }
            (Done::MotSigned, true) => "C'est signé.",
            (Done::MotSigned, false) => "Merci : votre signature est enregistrée.",
            (Done::MotReminded, true) => "Rappel envoyé.",
            (Done::MotReminded, false) => {
                "Un rappel a été envoyé aux parents qui n'ont pas encore signé."
            }
            (Done::MotDeleted, true) => "Le mot est supprimé.",
            (Done::MotDeleted, false) => "Le mot a été supprimé du carnet.",
            (Done::AbsenceSent, true) => "Le mot d'absence est envoyé.",
            (Done::AbsenceSent, false) => "Votre mot d'absence est transmis à l'école.",
            (Done::NotificationsSaved, true) => "C'est enregistré.",
            (Done::NotificationsSaved, false) => "Vos choix de notifications sont enregistrés.",
            (Done::MailConfirmationSent, _) => {
                "Un lien de confirmation part vers cette adresse (à la fin des heures calmes s'il est tard) : aucun courriel ne sera envoyé avant que vous l'ouvriez."
            }
            (Done::HomeworkSaved, _) => "C'est enregistré dans le cahier de textes.",
            (Done::HomeworkPlanned, _) => {
                "C'est enregistré : élèves et parents le verront à la date prévue (ou à la fin des heures calmes)."
            }
            (Done::HomeworkTicked, true) => "C'est noté.",
            (Done::HomeworkTicked, false) => "C'est enregistré.",
            (Done::HomeworkHandedIn, true) => "Ton travail est rendu.",
            (Done::HomeworkHandedIn, false) => "Le travail est rendu.",
            (Done::HomeworkAnswered, _) => "Votre réponse est enregistrée.",
            (Done::HomeworkCopied, _) => "La copie est enregistrée dans l'autre classe.",
            (Done::HomeworkDeleted, _) => "C'est supprimé du cahier de textes.",
            (Done::TeacherAlreadyAsked, _) => {
                "Une invitation attend déjà la réponse de l'enseignant de cette classe."
            }
        }
    }

    /// `303 See Other` to `path` announcing this outcome (`path` has no query of its own).
    pub fn redirect(self, path: &str) -> Response {
        Redirect::to(&format!("{path}?fait={}", self.key())).into_response()
    }
}

/// `?fait=` of a page that may announce an outcome.
#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    #[serde(default)]
    fait: String,
}

impl Flash {
    /// The announced outcome, if the key is a known one.
    pub fn done(&self) -> Option<Done> {
        Done::parse(&self.fait)
    }

    /// The message to show, in the viewer's register.
    pub fn message(&self, simple: bool) -> Option<&'static str> {
        self.done().map(|d| d.message(simple))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_reads_back_and_unknown_text_is_never_shown() {
        for done in Done::ALL {
            assert_eq!(Done::parse(done.key()), Some(done));
        }
        let typed = Flash {
            fait: "<script>Votre compte est bloqué</script>".into(),
        };
        assert_eq!(typed.message(false), None);
    }
}
