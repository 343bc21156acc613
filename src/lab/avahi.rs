//! A real mDNS responder as a lab device: `avahi-daemon` inside a lab
//! host's namespace, without D-Bus, publishing its host name (A and
//! reverse PTR) and static services. Its config lives in the lab's
//! directory and is bind-mounted over `/etc/avahi` inside the private
//! mount namespace `ip netns exec` gives it, with a tmpfs over `/run`
//! there for its pid file: nothing on the machine's own `/etc` or `/run`
//! is touched, and nothing outlives the lab (it stops the daemon).

use super::{Lab, LabError, wait_until};
use std::fmt::Write as _;
use std::time::Duration;

/// One DNS-SD service the daemon publishes.
#[derive(Debug, Clone)]
pub struct AvahiService {
    /// The instance name (`HP OfficeJet Pro 8730 [08C229]`).
    pub name: String,
    /// The service type (`_ipp._tcp`).
    pub kind: String,
    /// Its port.
    pub port: u16,
    /// TXT strings (`key=value`), in order.
    pub txt: Vec<String>,
}

/// What one daemon publishes.
#[derive(Debug, Clone)]
pub struct AvahiSpec {
    /// Its host name, without `.local`.
    pub host_name: String,
    /// Its static services.
    pub services: Vec<AvahiService>,
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The daemon's configuration: IPv4 on eth0 only, no D-Bus, no wide-area
/// DNS, no reflector; addresses published (the reverse PTR names the host).
fn config(spec: &AvahiSpec) -> String {
    format!(
        "[server]\nhost-name={}\ndomain-name=local\nuse-ipv4=yes\nuse-ipv6=no\n\
         allow-interfaces=eth0\nenable-dbus=no\nratelimit-interval-usec=1000000\n\
         ratelimit-burst=1000\n[wide-area]\nenable-wide-area=no\n[publish]\n\
         publish-addresses=yes\npublish-hinfo=no\npublish-workstation=no\n\
         publish-domain=no\n[reflector]\nenable-reflector=no\n[rlimits]\n",
        spec.host_name
    )
}

/// One `.service` file per instance name (avahi's static service format).
fn service_files(spec: &AvahiSpec) -> Vec<String> {
    let mut names: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let mut x = format!(
                "<?xml version=\"1.0\" standalone='no'?>\n<!DOCTYPE service-group SYSTEM \"avahi-service.dtd\">\n\
                 <service-group>\n  <name>{}</name>\n",
                xml_escape(name)
            );
            for s in spec.services.iter().filter(|s| s.name == name) {
                let _ = write!(
                    x,
                    "  <service>\n    <type>{}</type>\n    <port>{}</port>\n",
                    xml_escape(&s.kind),
                    s.port
                );
                for t in &s.txt {
                    let _ = writeln!(x, "    <txt-record>{}</txt-record>", xml_escape(t));
                }
                x.push_str("  </service>\n");
            }
            x.push_str("</service-group>\n");
            x
        })
        .collect()
}

/// Start avahi-daemon on lab host `host` publishing `spec`, and wait
/// (at most 15 s) until every service group is established.
pub fn start(lab: &mut Lab, host: usize, spec: &AvahiSpec) -> Result<(), LabError> {
    if super::which("avahi-daemon").is_none() {
        return Err(LabError::Missing(
            "avahi-daemon".into(),
            "avahi-daemon".into(),
        ));
    }
    let ns = lab.host_ns(host);
    let dir = lab.dir().join(format!("avahi-h{host}"));
    let etc = dir.join("etc");
    std::fs::create_dir_all(etc.join("services"))?;
    std::fs::write(etc.join("avahi-daemon.conf"), config(spec))?;
    let files = service_files(spec);
    for (i, text) in files.iter().enumerate() {
        std::fs::write(etc.join("services").join(format!("s{i}.service")), text)?;
    }
    let log = dir.join("avahi.log");
    let script = format!(
        "set -e; mount --bind '{}' /etc/avahi; mount -t tmpfs -o mode=0755 tmpfs /run; \
         mkdir -p /run/avahi-daemon; exec avahi-daemon --no-drop-root --no-chroot \
         --no-rlimits --no-proc-title --debug -f /etc/avahi/avahi-daemon.conf",
        etc.display()
    );
    let mut cmd = lab.command_in(&ns, "sh");
    // One log for both streams, in append mode so neither overwrites.
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log)?;
    cmd.args(["-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(out.try_clone()?)
        .stderr(out);
    lab.spawn_in(&ns, cmd)?;
    // One "established" per service group (file).
    let want = files.len();
    let ready = wait_until(Duration::from_secs(15), || {
        std::fs::read_to_string(&log).is_ok_and(|t| {
            t.contains("Server startup complete")
                && t.matches("successfully established").count() >= want
        })
    });
    if !ready {
        let tail = std::fs::read_to_string(&log).unwrap_or_default();
        let tail: String = tail.lines().rev().take(8).collect::<Vec<_>>().join(" | ");
        return Err(LabError::Timeout(format!(
            "avahi-daemon in {ns} did not publish its services: {tail}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_files_group_by_instance_and_escape() {
        let spec = AvahiSpec {
            host_name: "h".into(),
            services: vec![
                AvahiService {
                    name: "A & B".into(),
                    kind: "_ipp._tcp".into(),
                    port: 631,
                    txt: vec!["ty=<x>".into()],
                },
                AvahiService {
                    name: "A & B".into(),
                    kind: "_http._tcp".into(),
                    port: 80,
                    txt: vec![],
                },
            ],
        };
        let files = service_files(&spec);
        assert_eq!(files.len(), 1);
        assert!(files[0].contains("<name>A &amp; B</name>"));
        assert!(files[0].contains("<txt-record>ty=&lt;x&gt;</txt-record>"));
        assert_eq!(files[0].matches("<service>").count(), 2);
        assert!(config(&spec).contains("enable-dbus=no"));
    }
}
