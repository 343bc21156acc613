//! Real TCP services for the banner probes, inside a lab host's namespace:
//! lighttpd with a vendor-like page and headers ([`start_web`]), an
//! `openssl s_server` speaking only TLS 1.2 with a certificate made by
//! `openssl req` ([`start_tls`]), dropbear's SSH server
//! ([`start_ssh`]), `ippeveprinter` (a real IPP Everywhere printer,
//! [`start_ipp`]), and a PJL listener on 9100 answering `@PJL INFO ID`
//! with a recorded answer ([`start_pjl`]: a recording played by socat,
//! not a printer). Configuration, keys and spool live in the lab's
//! directory; every daemon binds the host's own address (or runs in its
//! own namespace) and is stopped with the lab.

use super::{Lab, LabError, wait_until, which};
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// What a lab web server says of itself.
#[derive(Debug, Clone)]
pub struct WebSpec {
    /// The `Server` header.
    pub server: String,
    /// The page's `<title>` (raw HTML, entities allowed).
    pub title: String,
    /// The realm port 8080 asks credentials for (`None`: no 8080).
    pub realm: Option<String>,
}

fn need(prog: &str, pkg: &str) -> Result<PathBuf, LabError> {
    which(prog).ok_or_else(|| LabError::Missing(prog.into(), pkg.into()))
}

fn host_dir(lab: &Lab, host: usize, what: &str) -> Result<PathBuf, LabError> {
    let d = lab.dir().join(format!("h{host}-{what}"));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

fn host_ip(lab: &Lab, host: usize) -> Result<Ipv4Addr, LabError> {
    lab.spec()
        .hosts
        .get(host)
        .map(|h| h.ip)
        .ok_or_else(|| LabError::Timeout(format!("no lab host {host}")))
}

/// Wait until `ip:port` accepts inside host `host`'s namespace (bash's
/// /dev/tcp, from inside the namespace).
fn wait_port(lab: &Lab, host: usize, ip: Ipv4Addr, port: u16) -> Result<(), LabError> {
    let ns = lab.host_ns(host);
    let ok = wait_until(Duration::from_secs(10), || {
        lab.command_in(&ns, "bash")
            .args(["-c", &format!("exec 3<>/dev/tcp/{ip}/{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if ok {
        Ok(())
    } else {
        Err(LabError::Timeout(format!("nothing listens on {ip}:{port}")))
    }
}

fn spawn(lab: &mut Lab, host: usize, mut cmd: Command) -> Result<(), LabError> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let ns = lab.host_ns(host);
    lab.spawn_in(&ns, cmd)?;
    Ok(())
}

/// lighttpd on host `host`: port 80 serves a page with `spec.title` and
/// `spec.server`; port 8080 (with a realm) answers 401 with it.
pub fn start_web(lab: &mut Lab, host: usize, spec: &WebSpec) -> Result<(), LabError> {
    let bin = need("lighttpd", "lighttpd")?;
    let ip = host_ip(lab, host)?;
    let dir = host_dir(lab, host, "web")?;
    let root = dir.join("root");
    std::fs::create_dir_all(&root)?;
    std::fs::write(
        root.join("index.html"),
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body><h1>Status</h1></body></html>\n",
            spec.title
        ),
    )?;
    std::fs::write(dir.join("users"), "admin:not-a-secret\n")?;
    let q = |s: &str| s.replace(['"', '\\'], "");
    let mut conf = format!(
        "server.document-root = \"{root}\"\nserver.bind = \"{ip}\"\nserver.port = 80\n\
         server.errorlog = \"{dir}/error.log\"\nserver.tag = \"{tag}\"\n\
         index-file.names = (\"index.html\")\nmimetype.assign = (\".html\" => \"text/html\")\n\
         server.modules = (\"mod_auth\", \"mod_authn_file\")\n",
        root = root.display(),
        dir = dir.display(),
        tag = q(&spec.server),
    );
    if let Some(realm) = &spec.realm {
        conf.push_str(&format!(
            "$SERVER[\"socket\"] == \"{ip}:8080\" {{\n  auth.backend = \"plain\"\n  auth.backend.plain.userfile = \"{users}\"\n  auth.require = (\"/\" => (\"method\" => \"basic\", \"realm\" => \"{realm}\", \"require\" => \"valid-user\"))\n}}\n",
            users = dir.join("users").display(),
            realm = q(realm),
        ));
    }
    let conf_path = dir.join("lighttpd.conf");
    std::fs::write(&conf_path, conf)?;
    let mut cmd = lab.command_in(&lab.host_ns(host), bin);
    cmd.arg("-D").arg("-f").arg(&conf_path);
    spawn(lab, host, cmd)?;
    wait_port(lab, host, ip, 80)?;
    if spec.realm.is_some() {
        wait_port(lab, host, ip, 8080)?;
    }
    Ok(())
}

/// `openssl s_server -www` on host `host`'s port 443, TLS 1.2 only, with
/// a self-signed certificate whose subject is `subject` (openssl's
/// `/C=US/O=.../CN=...` form).
pub fn start_tls(lab: &mut Lab, host: usize, subject: &str) -> Result<(), LabError> {
    let bin = need("openssl", "openssl")?;
    let ip = host_ip(lab, host)?;
    let dir = host_dir(lab, host, "tls")?;
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    let out = Command::new(&bin)
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "365", "-subj", subject,
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()?;
    if !out.status.success() {
        return Err(LabError::Command {
            command: "openssl req".into(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    let mut cmd = lab.command_in(&lab.host_ns(host), &bin);
    cmd.args(["s_server", "-quiet", "-www", "-tls1_2", "-accept"])
        .arg(format!("{ip}:443"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key);
    spawn(lab, host, cmd)?;
    wait_port(lab, host, ip, 443)
}

/// dropbear on host `host`'s port 22, with its own host key in the lab
/// directory (no password logins: nobody is meant to log in).
pub fn start_ssh(lab: &mut Lab, host: usize) -> Result<(), LabError> {
    let bin = need("dropbear", "dropbear-bin")?;
    let keygen = need("dropbearkey", "dropbear-bin")?;
    let ip = host_ip(lab, host)?;
    let dir = host_dir(lab, host, "ssh")?;
    let key = dir.join("host_ed25519");
    let out = Command::new(keygen)
        .args(["-t", "ed25519", "-f"])
        .arg(&key)
        .output()?;
    if !out.status.success() {
        return Err(LabError::Command {
            command: "dropbearkey".into(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    let mut cmd = lab.command_in(&lab.host_ns(host), bin);
    cmd.args(["-F", "-E", "-s", "-g", "-p"])
        .arg(format!("{ip}:22"))
        .arg("-r")
        .arg(&key)
        .arg("-P")
        .arg(dir.join("dropbear.pid"));
    spawn(lab, host, cmd)?;
    wait_port(lab, host, ip, 22)
}

/// `ippeveprinter` on host `host`'s port 631 as `make` `model`, spooling
/// into the lab directory. It will not start without Avahi, so it runs in
/// a private mount namespace with a tmpfs on /run holding its own D-Bus
/// system bus and avahi-daemon (which advertise only on the lab's
/// segment, and are killed with the namespace). It also listens on its
/// host name's IPv6 address, so that name (`lab-printer`, in a private
/// /etc/hosts) has one on the namespace's loopback only (2001:db8::/32,
/// documentation space; nothing is sent from it).
pub fn start_ipp(lab: &mut Lab, host: usize, make: &str, model: &str) -> Result<(), LabError> {
    need("ippeveprinter", "cups-ipp-utils")?;
    need("avahi-daemon", "avahi-daemon")?;
    need("dbus-daemon", "dbus-daemon")?;
    need("unshare", "util-linux")?;
    let ip = host_ip(lab, host)?;
    let dir = host_dir(lab, host, "ipp")?;
    std::fs::write(
        dir.join("bus.conf"),
        "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
         <busconfig><type>system</type><listen>unix:path=/run/dbus/system_bus_socket</listen>\
         <auth>EXTERNAL</auth><policy context=\"default\"><allow user=\"*\"/><allow own=\"*\"/>\
         <allow send_destination=\"*\" eavesdrop=\"true\"/><allow receive_sender=\"*\"/><allow eavesdrop=\"true\"/></policy></busconfig>\n",
    )?;
    std::fs::write(
        dir.join("avahi.conf"),
        format!(
            "[server]\nhost-name=lab-printer-{host}\nuse-ipv4=yes\nuse-ipv6=no\nenable-dbus=yes\n\
             [wide-area]\nenable-wide-area=no\n[publish]\npublish-hinfo=no\npublish-workstation=no\n"
        ),
    )?;
    let clean = |s: &str| s.replace(['\'', '\\'], "");
    let d = dir.display();
    std::fs::write(
        dir.join("run.sh"),
        format!(
            "set -e\nexec 2>{d}/log >&2\nmount -t tmpfs tmpfs /run\nmkdir -p /run/dbus /run/avahi-daemon\n\
             ip -6 addr add 2001:db8::{host}/128 dev lo nodad\n\
             printf '127.0.0.1 localhost\\n{ip} lab-printer\\n2001:db8::{host} lab-printer\\n' > {d}/hosts\n\
             mount --bind {d}/hosts /etc/hosts\n\
             dbus-daemon --config-file={d}/bus.conf --nofork --nopidfile &\n\
             for i in 1 2 3 4 5 6 7 8 9 10; do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.2; done\n\
             avahi-daemon --no-drop-root --no-chroot --no-rlimits -f {d}/avahi.conf &\n\
             sleep 0.5\n\
             exec ippeveprinter -p 631 -r off -M '{make}' -m '{model}' -n lab-printer -d {d} -K {d} '{make} {model}'\n",
            make = clean(make),
            model = clean(model),
        ),
    )?;
    let mut cmd = lab.command_in(&lab.host_ns(host), "unshare");
    cmd.args(["-m", "--propagation", "private", "sh"])
        .arg(dir.join("run.sh"))
        // Its state and keys in the lab directory, not the user's.
        .env("HOME", &dir)
        .env("TMPDIR", &dir);
    spawn(lab, host, cmd)?;
    wait_port(lab, host, ip, 631).map_err(|e| {
        let log = crate::files::read_capped(&dir.join("log"), 4096).unwrap_or_default();
        LabError::Command {
            command: format!("ippeveprinter ({e})"),
            stderr: String::from_utf8_lossy(&log).into_owned(),
        }
    })
}

/// A socat listener on host `host`'s port 9100 that answers a PJL
/// `@PJL INFO ID` line with `id` as a printer does (the echoed command,
/// the quoted ID, a form feed): a recording, not a printer.
pub fn start_pjl(lab: &mut Lab, host: usize, id: &str) -> Result<(), LabError> {
    let bin = need("socat", "socat")?;
    let ip = host_ip(lab, host)?;
    let dir = host_dir(lab, host, "pjl")?;
    let script = dir.join("answer.sh");
    let id = id.replace(['"', '\'', '\\', '%'], "");
    std::fs::write(
        &script,
        format!("read -r line\nprintf '@PJL INFO ID\\r\\n\"{id}\"\\r\\n\\f'\nsleep 1\n"),
    )?;
    let mut cmd = lab.command_in(&lab.host_ns(host), bin);
    cmd.arg(format!("TCP-LISTEN:9100,bind={ip},reuseaddr,fork"))
        .arg(format!("SYSTEM:sh {}", script.display()));
    spawn(lab, host, cmd)?;
    wait_port(lab, host, ip, 9100)
}
