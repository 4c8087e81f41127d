//! Received activities are applied by one writer task, in batches ("group commit"): the ids
//! and effects of a batch are written in one transaction, and every sender is answered only
//! after that transaction is committed. One commit (one fsync on
//! PostgreSQL, one write lock on SQLite) then serves many concurrent deliveries, instead of
//! each waiting for its own.

use ent_federation::{Applied, HostError};
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

use crate::federation::received::{self, NoticeChange};
use crate::federation::store;
use crate::store::{Clock, Db};

/// Most activities in one transaction.
const MAX_BATCH: usize = 64;

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
    /// Starts the writer task on `db`.
    pub fn start(db: Db, clock: Clock) -> Self {
        let (jobs, queue) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(db, clock, queue));
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

async fn run(db: Db, clock: Clock, mut queue: mpsc::Receiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut batch = vec![first];
        // Whatever arrived while the previous batch was being written joins this one.
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
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
