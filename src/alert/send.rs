//! One worker per destination. Each has a bounded queue of alerts (the
//! dispatcher waits when it is full; scans never do) and reports how far
//! it got: the id of the last event it delivered, filtered out or gave up
//! on, in order. A dead or slow receiver costs its own worker time and a
//! logged error, nothing else.
//!
//! Webhooks: up to [`WEBHOOK_ATTEMPTS`] tries with exponential backoff
//! (1 s, 2 s, 4 s ...) within [`WEBHOOK_BUDGET`] per event; 408, 429 and
//! 5xx answers and connection failures are retried, other statuses are
//! final. Syslog over TCP: up to three tries (the connection is made
//! again). Syslog over UDP: one datagram. A destination that just failed
//! an event is "down": later events get one try each until one succeeds,
//! so a backlog drains at the speed of a timeout, not of a full backoff.
//!
//! Stopping ([`Worker::finish`]): the queue closes; what is left gets one
//! try each until the grace runs out, then is given up with one log line,
//! so the cursor can move past it and nothing is sent twice at the next
//! start.

use super::format::{self, Facility};
use super::{Alert, Severity};
use super::{syslog::Syslog, webhook};
use crate::config::{SyslogTarget, WebhookTarget};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, mpsc, watch};
use tokio::time::Instant;

/// Alerts waiting per destination.
pub const QUEUE: usize = 256;

/// Tries per webhook event.
pub const WEBHOOK_ATTEMPTS: u32 = 5;

/// The most time one webhook event may take, tries and waits included.
pub const WEBHOOK_BUDGET: Duration = Duration::from_secs(60);

/// Tries per syslog-over-TCP message.
const TCP_ATTEMPTS: u32 = 3;

/// Where alerts go.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// A syslog receiver.
    Syslog(SyslogTarget),
    /// A webhook.
    Webhook(WebhookTarget),
}

impl Destination {
    /// What logs call it (webhooks redacted: no user info, no query).
    pub fn label(&self) -> String {
        match self {
            Destination::Syslog(s) => s.label(),
            Destination::Webhook(w) => format!("webhook {}", w.redacted()),
        }
    }

    fn min_severity(&self) -> Severity {
        match self {
            Destination::Syslog(s) => s.min_severity,
            Destination::Webhook(w) => w.min_severity,
        }
    }

    /// Every destination of `[alerts]`, syslog first.
    pub fn all(settings: &crate::config::AlertSettings) -> Vec<Destination> {
        settings
            .syslog
            .iter()
            .cloned()
            .map(Destination::Syslog)
            .chain(settings.webhooks.iter().cloned().map(Destination::Webhook))
            .collect()
    }
}

/// Check what the sender will need that the config parse does not
/// (webhook CA files are read): `check-config` calls it.
pub fn check(settings: &crate::config::AlertSettings) -> Result<(), String> {
    for w in &settings.webhooks {
        webhook::tls_config(w).map_err(|e| format!("webhook {}: {e}", w.redacted()))?;
    }
    Ok(())
}

/// A running worker.
pub struct Worker {
    dest: Destination,
    queue: mpsc::Sender<Arc<Alert>>,
    done: watch::Receiver<i64>,
    hurry: watch::Sender<Option<Instant>>,
    task: tokio::task::JoinHandle<()>,
}

impl Worker {
    /// Start a worker for `dest` whose progress starts at `after` (the
    /// last event id handed out before it existed). `progress` is woken
    /// after every event.
    pub fn spawn(
        dest: Destination,
        hostname: Arc<str>,
        after: i64,
        progress: Arc<Notify>,
    ) -> Worker {
        let (queue, rx) = mpsc::channel(QUEUE);
        let (done_tx, done) = watch::channel(after);
        let (hurry, hurry_rx) = watch::channel(None);
        let task = tokio::spawn(work(
            dest.clone(),
            hostname,
            rx,
            done_tx,
            hurry_rx,
            progress,
        ));
        Worker {
            dest,
            queue,
            done,
            hurry,
            task,
        }
    }

    /// The destination.
    pub fn destination(&self) -> &Destination {
        &self.dest
    }

    /// The id of the last event this worker is finished with.
    pub fn done(&self) -> i64 {
        *self.done.borrow()
    }

    /// Queue `alert`, waiting while the queue is full. False when the
    /// worker is gone.
    pub async fn push(&self, alert: Arc<Alert>) -> bool {
        self.queue.send(alert).await.is_ok()
    }

    /// Close the queue and let the worker end within `grace`: what is
    /// left gets one try each until then and is given up after. Waits for
    /// it (a little past `grace` at most) and returns its last event id.
    pub async fn finish(self, grace: Duration) -> i64 {
        let Worker {
            queue,
            done,
            hurry,
            task,
            ..
        } = self;
        drop(queue);
        let _ = hurry.send(Some(Instant::now() + grace));
        let mut task = task;
        if tokio::time::timeout(grace + Duration::from_secs(2), &mut task)
            .await
            .is_err()
        {
            task.abort();
        }
        *done.borrow()
    }
}

/// The worker's loop: until its queue closes and is drained.
async fn work(
    dest: Destination,
    hostname: Arc<str>,
    mut rx: mpsc::Receiver<Arc<Alert>>,
    done: watch::Sender<i64>,
    hurry: watch::Receiver<Option<Instant>>,
    progress: Arc<Notify>,
) {
    let label = dest.label();
    let mut sink = match Sink::new(&dest) {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::error!(destination = %label, error = %e, "alert destination unusable: every alert to it is given up; fix the config and reload");
            None
        }
    };
    let mut down = false;
    let mut given_up_stopping = 0u64;
    while let Some(alert) = rx.recv().await {
        let deadline = *hurry.borrow();
        if alert.severity >= dest.min_severity() {
            match (&mut sink, deadline) {
                (_, Some(d)) if Instant::now() >= d => given_up_stopping += 1,
                (None, _) => {}
                (Some(sink), deadline) => {
                    let single = down || deadline.is_some();
                    // A stop asked for during the tries ends them at its
                    // deadline: the event is then given up, never left
                    // half-done (which would hold the cursor back).
                    let mut stopping = hurry.clone();
                    let outcome = tokio::select! {
                        r = sink.deliver(&alert, &hostname, single, deadline) => r,
                        () = async {
                            let _ = stopping.wait_for(Option::is_some).await;
                            let until = (*stopping.borrow()).unwrap_or_else(Instant::now);
                            tokio::time::sleep_until(until).await;
                        } => Err("Pandian is stopping".to_string()),
                    };
                    match outcome {
                        Ok(tries) => {
                            if down {
                                tracing::info!(destination = %label, "alert destination answers again");
                            }
                            down = false;
                            tracing::debug!(destination = %label, event_id = alert.event_id, tries, "alert delivered");
                        }
                        Err(e) => {
                            down = true;
                            tracing::error!(
                                destination = %label,
                                event_id = alert.event_id,
                                finding_id = alert.finding_id,
                                kind = %alert.kind,
                                error = %e,
                                "alert not delivered; given up (it is not sent again); later alerts get one try each until it answers"
                            );
                        }
                    }
                }
            }
        }
        done.send_replace(alert.event_id);
        progress.notify_one();
    }
    if given_up_stopping > 0 {
        tracing::error!(destination = %label, alerts = given_up_stopping, "Pandian is stopping: alerts still queued for this destination are given up");
    }
}

/// How a worker reaches its destination.
enum Sink {
    Syslog(Syslog, Facility),
    Webhook(WebhookTarget, Option<Arc<rustls::ClientConfig>>),
}

impl Sink {
    fn new(dest: &Destination) -> Result<Sink, String> {
        Ok(match dest {
            Destination::Syslog(s) => Sink::Syslog(Syslog::new(s.clone()), s.facility),
            Destination::Webhook(w) => Sink::Webhook(w.clone(), webhook::tls_config(w)?),
        })
    }

    /// Deliver `alert`, retrying unless `single`; never past `deadline`.
    /// The number of tries on success.
    async fn deliver(
        &mut self,
        alert: &Alert,
        hostname: &str,
        single: bool,
        deadline: Option<Instant>,
    ) -> Result<u32, String> {
        let start = Instant::now();
        let budget_end = match deadline {
            Some(d) => d.min(start + WEBHOOK_BUDGET),
            None => start + WEBHOOK_BUDGET,
        };
        let (attempts, message) = match self {
            Sink::Syslog(s, f) => {
                let tcp = matches!(s.transport(), crate::config::Transport::Tcp);
                let n = if single || !tcp { 1 } else { TCP_ATTEMPTS };
                (n, format::rfc5424(alert, *f, hostname))
            }
            Sink::Webhook(..) => (
                if single { 1 } else { WEBHOOK_ATTEMPTS },
                format::webhook_body(alert, hostname),
            ),
        };
        let body = bytes::Bytes::from(message);
        let mut last = String::new();
        for attempt in 1..=attempts {
            let left = budget_end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            let r = match self {
                Sink::Syslog(s, _) => match tokio::time::timeout(left, s.send(&body)).await {
                    Err(_) => Err("out of time".to_string()),
                    Ok(r) => r,
                },
                Sink::Webhook(w, tls) => {
                    match webhook::post(w, tls.as_ref(), body.clone(), alert.event_id, left).await {
                        Ok(webhook::Outcome::Accepted) => Ok(()),
                        Ok(webhook::Outcome::Retry(code)) => Err(format!("HTTP status {code}")),
                        Ok(webhook::Outcome::Refused(code)) => {
                            return Err(format!(
                                "HTTP status {code}: the receiver refused the alert (not retried)"
                            ));
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            match r {
                Ok(()) => return Ok(attempt),
                Err(e) => last = e,
            }
            if attempt < attempts {
                let wait = Duration::from_secs(1u64 << (attempt - 1).min(5));
                if Instant::now() + wait >= budget_end {
                    break;
                }
                tokio::time::sleep(wait).await;
            }
        }
        Err(format!(
            "{last} (after {:.1?})",
            Instant::now().saturating_duration_since(start)
        ))
    }
}
