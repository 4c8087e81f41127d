//! A real SMTP server for tests: Debian's `python3-aiosmtpd` on 127.0.0.1, started by the test,
//! writing each mail it accepts to a folder (decoded: headers that matter, then the text).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The server: a handler writes one file per accepted mail before answering 250, so a mail the
/// node saw accepted is already on disk. With a third argument `n`, the `n`-th mail's DATA is
/// never answered: the server writes a `stalled` file and waits forever, before keeping the
/// mail (`before`, the fourth argument) or after (`after`: kept, but no 250 goes back); every
/// other mail, before and after, is kept and answered.
const SCRIPT: &str = r#"
import asyncio, email, email.policy, os, sys, time
from aiosmtpd.controller import Controller
port, folder = int(sys.argv[1]), sys.argv[2]
stall_at = int(sys.argv[3]) if len(sys.argv) > 3 else -1
mode = sys.argv[4] if len(sys.argv) > 4 else "before"
seen = 0
def keep(msg):
    name = "%d-%d" % (time.time_ns(), os.getpid())
    tmp = os.path.join(folder, "." + name)
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("To: %s\nSubject: %s\nMessage-ID: %s\nList-Unsubscribe: %s\n\n%s" % (
            msg["To"], msg["Subject"], msg["Message-ID"], msg["List-Unsubscribe"],
            msg.get_body(("plain",)).get_content()))
    os.rename(tmp, os.path.join(folder, name + ".eml"))
class Keep:
    async def handle_DATA(self, server, session, envelope):
        global seen
        seen += 1
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        if seen == stall_at:
            if mode == "after":
                keep(msg)
            open(os.path.join(folder, "stalled"), "w").close()
            await asyncio.Event().wait()
        keep(msg)
        return "250 OK"
controller = Controller(Keep(), hostname="127.0.0.1", port=port)
controller.start()
print("ready", flush=True)
sys.stdin.read()
controller.stop()
"#;

/// The Python that has aiosmtpd (`ENT_TEST_PYTHON`, else Debian's).
fn python() -> String {
    std::env::var("ENT_TEST_PYTHON").unwrap_or_else(|_| "/usr/bin/python3".into())
}

/// A free port on 127.0.0.1 (bound then released), for a server started later.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// `[mail]` of a node sending to 127.0.0.1:`port` without encryption.
pub fn configure(config: &mut ent_config::NodeConfig, port: u16) {
    config.mail.host = "127.0.0.1".into();
    config.mail.port = port;
    config.mail.security = "plain".into();
    config.mail.from = "ENT de test <ne-pas-repondre@ent.test.fr>".into();
}

/// One mail as received.
#[derive(Debug, Clone)]
pub struct Mail {
    /// `To:`.
    pub to: String,
    /// `Subject:` (decoded).
    pub subject: String,
    /// `Message-ID:`.
    pub message_id: String,
    /// `List-Unsubscribe:`.
    pub list_unsubscribe: String,
    /// The text (decoded).
    pub body: String,
}

impl Mail {
    /// The first `https?://…` link of the text containing `part`.
    pub fn link(&self, part: &str) -> String {
        self.body
            .split_whitespace()
            .find(|w| w.starts_with("http") && w.contains(part))
            .unwrap_or_else(|| panic!("no link with {part} in {}", self.body))
            .to_owned()
    }
}

/// A running SMTP server; killed when dropped.
pub struct SmtpServer {
    /// Its port.
    pub port: u16,
    child: Child,
    folder: PathBuf,
}

/// Where a stalling server stops answering (`SmtpServer::start_stalling`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stall {
    /// Mid-DATA: the mail is not kept and no answer comes.
    BeforeKeeping,
    /// The mail is kept (delivered) but the 250 never goes back.
    AfterKeeping,
}

impl SmtpServer {
    /// Starts a server on `port`, keeping mails in `folder` (which must exist).
    pub async fn start_on(port: u16, folder: &Path) -> Self {
        Self::spawn(port, folder, Vec::new()).await
    }

    /// Starts a server on `port` that keeps and answers every mail but the `nth` (from 1),
    /// where it stalls as `stall` says, writing `stalled` in `folder` (see [`Self::stalled`]).
    pub async fn start_stalling(port: u16, folder: &Path, nth: usize, stall: Stall) -> Self {
        let mode = match stall {
            Stall::BeforeKeeping => "before",
            Stall::AfterKeeping => "after",
        };
        Self::spawn(port, folder, vec![nth.to_string(), mode.to_owned()]).await
    }

    /// Whether the server has reached its stall.
    pub fn stalled(&self) -> bool {
        self.folder.join("stalled").exists()
    }

    async fn spawn(port: u16, folder: &Path, extra: Vec<String>) -> Self {
        let folder = folder.to_owned();
        let dir = folder.clone();
        tokio::task::spawn_blocking(move || {
            let mut child = Command::new(python())
                .arg("-c")
                .arg(SCRIPT)
                .arg(port.to_string())
                .arg(&dir)
                .args(&extra)
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .spawn()
                .expect("python3 with aiosmtpd (apt-get install python3-aiosmtpd)");
            let mut line = String::new();
            BufReader::new(child.stdout.take().expect("stdout"))
                .read_line(&mut line)
                .expect("server output");
            assert_eq!(line.trim(), "ready", "the SMTP server did not start");
            Self {
                port,
                child,
                folder: dir,
            }
        })
        .await
        .expect("started")
    }

    /// The mails received so far, oldest first.
    pub fn mails(&self) -> Vec<Mail> {
        read_mails(&self.folder)
    }

    /// The mails received so far by `address`.
    pub fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.contains(address))
            .collect()
    }

    /// Stops the server (mails already received stay in the folder).
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(mut stdin) = self.child.stdin.take() {
            let _ = stdin.flush();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.halt();
    }
}

/// The mails kept in `folder`, oldest first.
pub fn read_mails(folder: &Path) -> Vec<Mail> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("mail folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path).expect("mail");
            let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
            let field = |name: &str| {
                head.lines()
                    .find_map(|l| l.strip_prefix(name))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            };
            Mail {
                to: field("To:"),
                subject: field("Subject:"),
                message_id: field("Message-ID:"),
                list_unsubscribe: field("List-Unsubscribe:"),
                body: body.to_owned(),
            }
        })
        .collect()
}
