//! The words of the mails, and the signed link that unsubscribes without signing in. A mail
//! says only that there is something to see, never what was written.

use crate::accounts::csrf::mac;
use ent_config::NodeConfig;

fn unsubscribe_signature(config: &NodeConfig, user_id: &str) -> String {
    mac(
        config.security.secret_key.expose(),
        &format!("desabonnement:{user_id}"),
    )
}

/// The token of `user_id`'s unsubscribe link: their id and its signature.
pub fn unsubscribe_token(config: &NodeConfig, user_id: &str) -> String {
    format!("{user_id}.{}", unsubscribe_signature(config, user_id))
}

/// The user a token of [`unsubscribe_token`] names, when its signature is ours.
pub fn unsubscribe_user(config: &NodeConfig, token: &str) -> Option<String> {
    let (user_id, signature) = token.split_once('.')?;
    let expected = unsubscribe_signature(config, user_id);
    crate::accounts::codes::constant_time_eq(signature.as_bytes(), expected.as_bytes())
        .then(|| user_id.to_owned())
}

fn footer(config: &NodeConfig, user_id: &str) -> String {
    format!(
        "\n-- \nVous recevez ce courriel parce que vous l'avez demandé dans {name}.\n\
         Choisir ce que vous recevez : {base}/notifications/preferences\n\
         Ne plus recevoir de courriels (sans vous connecter) : {base}/notifications/desabonnement/{token}\n",
        name = config.node.name,
        base = config.public_url(),
        token = unsubscribe_token(config, user_id),
    )
}

/// Subject and text of the mail of one notification.
pub fn one(config: &NodeConfig, user_id: &str, label: &str, link: &str) -> (String, String) {
    let subject = format!("{label} – {}", config.node.name);
    let body = format!(
        "Bonjour,\n\nDu nouveau vous attend dans {name} : {label}.\n\
         Pour le voir, connectez-vous : {base}{link}\n{footer}",
        name = config.node.name,
        base = config.public_url(),
        footer = footer(config, user_id),
    );
    (subject, body)
}

/// Subject and text of a daily digest of `labels` (label, how many).
pub fn digest(config: &NodeConfig, user_id: &str, labels: &[(String, i64)]) -> (String, String) {
    let total: i64 = labels.iter().map(|(_, n)| n).sum();
    let subject = format!(
        "Votre récapitulatif : {total} notification{} – {}",
        if total > 1 { "s" } else { "" },
        config.node.name
    );
    let lines: String = labels
        .iter()
        .map(|(label, n)| format!("- {label} ({n})\n"))
        .collect();
    let body = format!(
        "Bonjour,\n\nDepuis votre dernier récapitulatif :\n\n{lines}\n\
         Pour les voir, connectez-vous : {base}/notifications\n{footer}",
        base = config.public_url(),
        footer = footer(config, user_id),
    );
    (subject, body)
}

/// Subject and text of the mail confirming an address.
pub fn confirmation(config: &NodeConfig, token: &str) -> (String, String) {
    let subject = format!("Confirmez votre adresse – {}", config.node.name);
    let body = format!(
        "Bonjour,\n\nCette adresse a été donnée dans {name} pour recevoir des notifications.\n\
         Pour la confirmer, ouvrez ce lien : {base}/notifications/courriel/{token}\n\n\
         Si vous n'êtes pas à l'origine de cette demande, ignorez ce courriel : rien ne vous sera envoyé.\n",
        name = config.node.name,
        base = config.public_url(),
    );
    (subject, body)
}
