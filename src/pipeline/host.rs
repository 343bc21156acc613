//! What is asked of one live host: SNMP (every credential at once; the
//! tables read once per agent, however many of its addresses answer) and
//! reverse DNS, each request paid for from the run's bucket.

use crate::bucket::Bucket;
use crate::snmp::{Collector, Credential, Depth, SnmpReport};
use crate::sweep::dns;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use tokio::sync::watch;

/// A finished walk: the address it read, and the agent's own addresses.
type Walked = Option<(IpAddr, Vec<IpAddr>)>;

/// Which agents' tables this run has read (or is reading), by engine ID.
#[derive(Default)]
pub struct Walks {
    by_engine: Mutex<HashMap<Vec<u8>, watch::Receiver<Walked>>>,
}

enum Claim {
    /// Walk it; send (address, the agent's own addresses) when done.
    Mine(watch::Sender<Walked>),
    /// Another address of this run has it.
    Theirs(watch::Receiver<Walked>),
}

impl Walks {
    fn claim(&self, engine: Vec<u8>) -> Claim {
        let Ok(mut map) = self.by_engine.lock() else {
            // A poisoned lock only costs the saving: walk anyway.
            let (tx, _) = watch::channel(None);
            return Claim::Mine(tx);
        };
        if let Some(rx) = map.get(&engine) {
            return Claim::Theirs(rx.clone());
        }
        let (tx, rx) = watch::channel(None);
        map.insert(engine, rx);
        Claim::Mine(tx)
    }
}

/// SNMP at one live address: answer, then either read the tables or, when
/// another address of this run already read this agent's and the agent
/// lists this address as its own, only note where they were read.
pub async fn snmp(
    collector: &Collector,
    walks: &Walks,
    ip: IpAddr,
    creds: &[Credential],
    preferred: Option<&str>,
    bucket: Arc<Bucket>,
) -> Option<(SnmpReport, Option<IpAddr>)> {
    let answered = match collector
        .answer_paced(ip, creds, preferred, Some(bucket))
        .await
    {
        Ok(Some(a)) => a,
        Ok(None) => return None,
        Err(e) => {
            tracing::warn!(%ip, error = %e, "SNMP probe failed");
            return None;
        }
    };
    let depth = collector.options().depth;
    let engine = answered.engine_id().filter(|_| depth == Depth::Full);
    match engine.map(|e| walks.claim(e)) {
        Some(Claim::Theirs(mut rx)) => {
            // Wait (bounded) for the other walk, then see whether its agent
            // lists this address as its own.
            let wait = collector.options().device_budget + collector.options().timeout;
            let done = tokio::time::timeout(wait, rx.wait_for(Option::is_some))
                .await
                .ok()
                .and_then(Result::ok)
                .and_then(|v| v.clone());
            if let Some((at, own)) = done
                && own.contains(&ip)
                && at != ip
            {
                let report = collector.read(answered, Depth::System).await.ok()?;
                return Some((report, Some(at)));
            }
            let report = collector.read(answered, depth).await.ok()?;
            Some((report, None))
        }
        Some(Claim::Mine(tx)) => {
            let report = collector.read(answered, depth).await.ok()?;
            let own: Vec<IpAddr> = report.addresses.iter().map(|a| a.ip).collect();
            let _ = tx.send(Some((ip, own)));
            Some((report, None))
        }
        None => collector
            .read(answered, depth)
            .await
            .ok()
            .map(|r| (r, None)),
    }
}

/// A reverse-DNS name, paying one packet.
pub async fn reverse(resolver: &dns::Reverse, ip: IpAddr, bucket: &Bucket) -> Option<String> {
    bucket.acquire(1).await;
    resolver.lookup(ip).await
}
