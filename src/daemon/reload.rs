//! Reloading the config on SIGHUP.
//!
//! A valid new file takes effect from the next scan: every key, except the
//! ones bound when the daemon started (`web.listen`, `store.path`,
//! `store.group`, and the `[[vendor]]` table built into the fingerprint
//! engine), which keep their running values with a note that they
//! need a restart. An invalid file is refused with its error (file, line,
//! key) and the running config stays. Settings that come from the command
//! line rather than the file (`serve --netns`'s resolv.conf) are kept.
//! After a valid reload the `[assets] file` is imported again when its
//! content changed (`daemon::assets`).
//! `[alerts]` is taken at once: the alert task starts workers for new
//! destinations and stops removed ones (`alert::dispatch`).
//!
//! [`merge`] is pure so the rules are tested directly; later kinds of
//! settings (scheduled jobs) join it here.

use crate::config::{self, ConfigError, Settings};
use std::path::Path;

/// The new settings and what the log should say about them.
#[derive(Debug)]
pub struct Reloaded {
    /// What runs from the next scan.
    pub settings: Settings,
    /// Config warnings (e.g. file permissions) and restart notes.
    pub notes: Vec<String>,
}

/// Read `path` again and merge it into `running`.
pub fn reload(path: &Path, running: &Settings) -> Result<Reloaded, ConfigError> {
    let (new, mut notes) = config::load(path)?;
    let (settings, restart) = merge(new, running, path);
    notes.extend(restart);
    Ok(Reloaded { settings, notes })
}

/// `new` with the keys that need a restart put back to `running`'s
/// values, and a note for each one that changed.
pub fn merge(mut new: Settings, running: &Settings, path: &Path) -> (Settings, Vec<String>) {
    let mut notes = Vec::new();
    let mut keep = |key: &str, was: String, now: String| {
        if was != now {
            notes.push(format!(
                "{}: `{key}` changed from {was} to {now}; that needs a restart, so {was} stays in use until then",
                path.display()
            ));
        }
    };
    keep(
        "web.listen",
        running.listen.to_string(),
        new.listen.to_string(),
    );
    keep(
        "store.path",
        running.db_path.display().to_string(),
        new.db_path.display().to_string(),
    );
    keep(
        "store.group",
        format!("{:?}", running.db_group),
        format!("{:?}", new.db_group),
    );
    // Users, token, certificate and the redirect are read when the page
    // starts. The note says only that they changed: it is logged, and the
    // password hashes are not for the log.
    if web_identity(&running.web) != web_identity(&new.web) {
        notes.push(format!(
            "{}: `[web]` (users, token_file, tls_cert, tls_key, redirect_http or hosts) changed; that needs a restart, so the running ones stay in use until then",
            path.display()
        ));
    }
    new.web = running.web.clone();
    if new.vendors != running.vendors {
        notes.push(format!(
            "{}: the `[[vendor]]` table changed; that needs a restart, so the running table stays in use until then",
            path.display()
        ));
    }
    new.vendors = running.vendors.clone();
    new.listen = running.listen;
    new.db_path = running.db_path.clone();
    new.db_group = running.db_group.clone();
    new.resolv_conf = running.resolv_conf.clone();
    (new, notes)
}

/// Everything `[web]` sets apart from `listen`, to tell whether it changed
/// (compared, never logged).
fn web_identity(w: &config::WebSettings) -> String {
    let users: Vec<String> = w
        .users
        .iter()
        .map(|u| format!("{}:{}", u.name, u.password_hash))
        .collect();
    format!(
        "{users:?} {:?} {:?} {:?} {:?}",
        w.token_file.as_ref().map(|t| &t.value),
        w.tls.as_ref().map(|t| (&t.cert.value, &t.key.value)),
        w.redirect_http,
        w.hosts
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(text: &str) -> Settings {
        config::parse(text, Path::new("/etc/pandian.toml")).unwrap()
    }

    #[test]
    fn merge_applies_scan_keys_and_keeps_restart_keys() {
        let mut running = settings(
            "[scan]\nsubnets = [\"198.51.100.0/24\"]\ninterval = \"15m\"\n[store]\npath = \"/var/lib/a.db\"\n[web]\nlisten = \"127.0.0.1:8080\"\ntoken_file = \"/etc/pandian/token\"\n",
        );
        running.resolv_conf = Some("/etc/netns/x/resolv.conf".into());
        let new = settings(
            "[scan]\nsubnets = [\"203.0.113.0/24\"]\ninterval = \"1m\"\nrate = 50\n[snmp]\nretries = 3\n[[snmp.credentials]]\nname = \"n\"\nversion = \"2c\"\ncommunity = \"c\"\n[store]\npath = \"/var/lib/b.db\"\n[web]\nlisten = \"0.0.0.0:9090\"\ntoken_file = \"/etc/pandian/token\"\n",
        );
        let (got, notes) = merge(new, &running, Path::new("/etc/pandian.toml"));
        let job = &got.jobs[0];
        assert_eq!(job.targets[0].to_string(), "203.0.113.0/24");
        assert_eq!(
            job.schedule,
            crate::schedule::Schedule::Every(std::time::Duration::from_secs(60))
        );
        assert_eq!((job.rate, got.snmp_retries), (50, 3));
        assert_eq!(got.credentials.len(), 1);
        assert_eq!(
            got.listen.to_string(),
            "127.0.0.1:8080",
            "kept until restart"
        );
        assert_eq!(
            got.db_path.to_str(),
            Some("/var/lib/a.db"),
            "kept until restart"
        );
        assert_eq!(
            got.resolv_conf, running.resolv_conf,
            "from the command line"
        );
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(
            notes[0].contains("web.listen") && notes[0].contains("needs a restart"),
            "{notes:?}"
        );
        assert!(notes[1].contains("store.path"), "{notes:?}");
        assert!(got.alerts.is_empty());
        let with_alerts = settings("[[alerts.syslog]]\naddress = \"198.51.100.2:514\"\n");
        let (got_alerts, alert_notes) = merge(with_alerts, &settings(""), Path::new("x"));
        assert_eq!(
            got_alerts.alerts.syslog.len(),
            1,
            "[alerts] applies at once"
        );
        assert!(alert_notes.is_empty(), "{alert_notes:?}");
        let (_, none) = merge(settings(""), &settings(""), Path::new("x"));
        assert!(none.is_empty(), "{none:?}");

        // [web] is read when the page starts: a new user waits for a
        // restart, and the note does not show the hash.
        let hash = crate::web::auth::hash_password(b"a new password").unwrap();
        let with_user = settings(&format!(
            "[web]\nlisten = \"127.0.0.1:8080\"\ntoken_file = \"/etc/pandian/token\"\n[[web.users]]\nname = \"ops\"\npassword_hash = \"{hash}\"\n"
        ));
        let (got, notes) = merge(with_user, &running, Path::new("/etc/pandian.toml"));
        assert!(got.web.users.is_empty(), "kept until restart");
        let web: Vec<&String> = notes.iter().filter(|n| n.contains("`[web]`")).collect();
        assert_eq!(web.len(), 1, "{notes:?}");
        assert!(web[0].contains("needs a restart"), "{notes:?}");
        assert!(!notes.iter().any(|n| n.contains("argon2")), "{notes:?}");
    }
}
