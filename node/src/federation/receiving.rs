//! Received activities are applied by one writer task, in batches ("group commit"): the ids
//! and effects of a batch are written in one transaction, and every sender is answered only
//! after that transaction is committed. One commit (one fsync on
//! PostgreSQL, one write lock on SQLite) then serves many concurrent deliveries, instead of
//! each waiting for its own.

use ent_federation::{Applied, HostError};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use std::sync::{Arc, OnceLock, Weak};

use ent_federation::service::Shared;

use crate::federation::received::{self, NoticeChange};
use crate::federation::store;
use crate::messaging::across;
use crate::spaces::{SpaceError, inbound, relay::Relay};
use crate::store::{Clock, Db};

/// The federation the writer relays through (space activities cause announces). Set once the
/// federation exists; weak, because the federation owns the writer.
pub type FederationSlot = Arc<OnceLock<Weak<Shared>>>;

/// Most activities in one transaction.
const MAX_BATCH: usize = 64;

/// What a received activity causes this node's users to be told, once it is committed.
#[derive(Debug, Default)]
struct ToTell {
    /// A message filed in their Reçus.
    arrived: Option<crate::messaging::Arrived>,
    /// The host's decisions on their waiting posts.
    decided: Vec<crate::spaces::relay::Decided>,
}

/// One activity waiting to be applied.
struct Job {
    peer: String,
    activity: Value,
    body_sha256: String,
    done: oneshot::Sender<Result<Applied, HostError>>,
}

/// The handle to the writer task (cheap to clone; the task ends with the last handle).
#[derive(Debug, Clone)]
pub struct Applier {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("peer", &self.peer)
            .finish_non_exhaustive()
    }
}

impl Applier {
    /// Starts the writer task on `db`; posts members of other nodes write are held to the
    /// configuration's quotas, and what they cause is notified (pending posts to moderators).
    pub fn start(
        db: Db,
        clock: Clock,
        federation: FederationSlot,
        config: std::sync::Arc<ent_config::NodeConfig>,
    ) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(db, clock, federation, config, queue));
        Self { jobs }
    }

    /// Applies one activity; returns once it is committed (or refused).
    pub async fn apply(
        &self,
        peer: &str,
        activity: &Value,
        body_sha256: &str,
    ) -> Result<Applied, HostError> {
        let stopped = || HostError::Storage("écriture arrêtée".into());
        let (done, outcome) = oneshot::channel();
        let job = Job {
            peer: peer.to_owned(),
            activity: activity.clone(),
            body_sha256: body_sha256.to_owned(),
            done,
        };
        self.jobs.send(job).await.map_err(|_| stopped())?;
        outcome.await.map_err(|_| stopped())?
    }
}

async fn run(
    db: Db,
    clock: Clock,
    federation: FederationSlot,
    config: std::sync::Arc<ent_config::NodeConfig>,
    mut queue: mpsc::Receiver<Job>,
) {
    while let Some(first) = queue.recv().await {
        let mut jobs = vec![first];
        // Whatever arrived while the previous batch was being written joins this one.
        while jobs.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => jobs.push(job),
                Err(_) => break,
            }
        }
        // Space activities read and decide against the space's state, one transaction each
        // (they are few); notices are written in one batch.
        let (one_by_one, batch): (Vec<Job>, Vec<Job>) = jobs.into_iter().partition(|job| {
            inbound::is_space_activity(&job.activity) || across::is_message(&job.activity)
        });
        for job in one_by_one {
            let shared = federation.get().and_then(Weak::upgrade);
            let mut tell = ToTell::default();
            let outcome = apply_one(
                &db,
                clock.now(),
                shared.as_deref(),
                config.quotas,
                &job,
                &mut tell,
            )
            .await;
            if matches!(outcome, Ok(Applied::New)) {
                let now = clock.now();
                crate::spaces::service::notify_received(&db, &config, now, &job.activity).await;
                crate::spaces::service::tell_decided(&db, &config, now, &tell.decided).await;
                if let Some(arrived) = tell.arrived {
                    arrived.notify(&db, &config, now).await;
                }
            }
            let _ = job.done.send(outcome);
        }
        if batch.is_empty() {
            continue;
        }
        match apply_batch(&db, clock.now(), &batch).await {
            Ok(outcomes) => {
                for (job, outcome) in batch.into_iter().zip(outcomes) {
                    let _ = job.done.send(outcome);
                }
            }
            Err(error) => {
                tracing::error!(%error, "federation: received activities not written");
                for job in batch {
                    let _ = job.done.send(Err(HostError::Storage(error.to_string())));
                }
            }
        }
    }
}

/// Writes a batch in one transaction: refusals are decided first (nothing written for them),
/// then the ids of the others in one statement, then the effects of the new ones, in order.
async fn apply_batch(
    db: &Db,
    now: i64,
    batch: &[Job],
) -> sqlx::Result<Vec<Result<Applied, HostError>>> {
    let changes: Vec<Result<NoticeChange, HostError>> = batch
        .iter()
        .map(|job| received::change_of(&job.peer, &job.activity))
        .collect();
    let id_of = |job: &Job| job.activity["id"].as_str().unwrap_or_default().to_owned();
    let ids: Vec<String> = batch.iter().map(id_of).collect();
    let acceptable: Vec<(&str, &str, &str)> = batch
        .iter()
        .zip(&changes)
        .zip(&ids)
        .filter(|((_, change), _)| change.is_ok())
        .map(|((job, _), id)| (id.as_str(), job.peer.as_str(), job.body_sha256.as_str()))
        .collect();
    let mut tx = db.begin_write().await?;
    let mut new = store::record_received_batch(&mut tx, &acceptable, now).await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    let mut to_write = Vec::new();
    let mut seen_before = Vec::new();
    for ((job, change), id) in batch.iter().zip(changes).zip(&ids) {
        match change {
            Err(refusal) => outcomes.push(Err(refusal)),
            // `remove`: the same id twice in one batch is new only the first time.
            Ok(change) if new.remove(id) => {
                to_write.push((job.peer.clone(), change));
                outcomes.push(Ok(Applied::New));
            }
            Ok(_) => {
                seen_before.push(outcomes.len());
                outcomes.push(Ok(Applied::Duplicate));
            }
        }
    }
    if !seen_before.is_empty() {
        let asked: Vec<&str> = seen_before.iter().map(|&i| ids[i].as_str()).collect();
        let stored = store::received_hashes(&mut tx, &asked).await?;
        for &i in &seen_before {
            if stored.get(&ids[i]) != Some(&batch[i].body_sha256) {
                outcomes[i] = Ok(Applied::Conflict);
            }
        }
    }
    received::write(&mut tx, &to_write, now).await?;
    tx.commit().await?;
    Ok(outcomes)
}

/// Applies one space activity or message between nodes: its id, its effect (for a space, the
/// announces it causes and an audit row), in one transaction; a refusal writes nothing. What
/// its users are to be told is left in `tell`, for after the commit.
async fn apply_one(
    db: &Db,
    now: i64,
    shared: Option<&Shared>,
    quotas: ent_config::QuotasSection,
    job: &Job,
    tell: &mut ToTell,
) -> Result<Applied, HostError> {
    let storage = |e: sqlx::Error| HostError::Storage(e.to_string());
    let id = job.activity["id"].as_str().unwrap_or_default();
    let mut tx = db.begin_write().await.map_err(storage)?;
    let new = store::record_received_batch(&mut tx, &[(id, &job.peer, &job.body_sha256)], now)
        .await
        .map_err(storage)?;
    if !new.contains(id) {
        let stored = store::received_hashes(&mut tx, &[id])
            .await
            .map_err(storage)?;
        return Ok(if stored.get(id) == Some(&job.body_sha256) {
            Applied::Duplicate
        } else {
            Applied::Conflict
        });
    }
    if across::is_message(&job.activity) {
        tell.arrived = crate::messaging::receive(&mut tx, shared, &job.peer, &job.activity, now)
            .await
            .inspect_err(|e| tracing::warn!(peer = job.peer, error = %e, "messaging: refused"))?;
        tx.commit().await.map_err(storage)?;
        return Ok(Applied::New);
    }
    let mut relay = Relay::new(shared, now).with_quotas(quotas);
    match inbound::apply(&mut tx, &mut relay, &job.peer, &job.activity).await {
        Ok(()) => {
            let kind = job.activity["type"].as_str().unwrap_or_default();
            let actor = job.activity["actor"].as_str().unwrap_or_default();
            let object = &job.activity["object"];
            let target = object
                .as_str()
                .or_else(|| object["id"].as_str())
                .unwrap_or_default();
            let detail = format!("{kind} par {actor} (via {})", job.peer);
            crate::users::store::audit(&mut tx, now, None, "space.remote", target, &detail)
                .await
                .map_err(storage)?;
            tx.commit().await.map_err(storage)?;
            tell.decided = relay.take_decided();
            relay.wake();
            Ok(Applied::New)
        }
        Err(SpaceError::Refused(reason)) => {
            tracing::warn!(peer = job.peer, %reason, "spaces: activity refused");
            Err(HostError::Refused(reason))
        }
        Err(SpaceError::Storage(e)) => Err(storage(e)),
    }
}
