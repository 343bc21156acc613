//! The command line without a lab: config errors, the empty daemon, help.

mod common;

use common::*;
use std::process::{Command, Stdio};
use std::time::Duration;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin())
        .args(args)
        .output()
        .expect("run pandian");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn temp(name: &str, text: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pandian-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    p
}

#[test]
fn check_config_reports_file_line_and_key() {
    let p = temp(
        "typo.toml",
        "[scan]\nsubnets = [\"198.51.100.0/24\"]\n\n[[snmp.credentials]]\nname = \"x\"\nversion = \"2c\"\ncomunity = \"public\"\n",
    );
    let (code, _, err) = run(&["check-config", "--config", p.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("typo.toml") && err.contains("line 7") && err.contains("comunity"),
        "{err}"
    );

    let p = temp(
        "badnet.toml",
        "[scan]\nsubnets = [\"198.51.100.0/24\", \"not-a-net\"]\n",
    );
    let (code, _, err) = run(&["check-config", "--config", p.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("line 2") && err.contains("scan.subnets[1]"),
        "{err}"
    );

    let (code, _, err) = run(&["check-config", "--config", "/nonexistent/pandian.toml"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("/nonexistent/pandian.toml") && err.contains("cannot read"),
        "{err}"
    );
}

#[test]
fn check_config_template_is_valid_and_summarised() {
    let (code, template, _) = run(&["check-config", "--template"]);
    assert_eq!(code, 0);
    let p = temp("template.toml", &template);
    let (code, out, err) = run(&["check-config", "--config", p.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("253 addresses") && out.contains("office (v2c)"),
        "{out}"
    );
    assert!(!out.contains("public"), "secrets never printed: {out}");
}

#[test]
fn serve_without_subnets_scans_nothing_and_says_how_to_configure() {
    let port = free_port();
    let dir = std::env::temp_dir().join(format!("pandian-empty-{}", std::process::id()));
    let db = dir.join("e.db");
    let p = temp(
        "empty.toml",
        &format!(
            "[store]\npath = \"{}\"\n[web]\nlisten = \"127.0.0.1:{port}\"\n",
            db.display()
        ),
    );
    let mut child = Command::new(bin())
        .args(["serve", "--config", p.to_str().unwrap()])
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let page = poll(Duration::from_secs(30), || {
        http_get(port, "/").ok().filter(|(s, _)| *s == 200)
    });
    let api = http_get(port, "/api/v1/devices");
    let scans = http_get(port, "/api/v1/scans");
    let pid = nix::unistd::Pid::from_raw(child.id() as i32);
    let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
    let status = poll(Duration::from_secs(15), || child.try_wait().ok().flatten());
    let _ = child.kill();
    let (_, html) = page.expect("page served");
    assert!(
        html.contains("not-configured") && html.contains("[scan] subnets"),
        "{html}"
    );
    assert_eq!(api.expect("api").1.trim(), r#"{"items":[],"next":null}"#);
    assert_eq!(
        scans.expect("scans").1.trim(),
        r#"{"items":[],"next":null}"#
    );
    assert!(status.is_some_and(|s| s.success()), "clean exit on SIGTERM");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn help_lists_every_command() {
    let (code, out, _) = run(&["--help"]);
    assert_eq!(code, 0);
    for cmd in [
        "scan",
        "serve",
        "check-config",
        "fingerprint",
        "demo",
        "rebuild",
    ] {
        let listed = out
            .lines()
            .any(|l| l.starts_with("  ") && l.split_whitespace().next() == Some(cmd));
        assert!(listed, "{cmd} missing from --help:\n{out}");
    }
}

#[test]
fn fingerprint_reads_recordings_and_refuses_other_files() {
    let rec = temp(
        "tiny.snmprec",
        "1.3.6.1.2.1.1.1.0|4|Huawei Versatile Routing Platform Software VRP (R) software, Version 5.170 (S5720 V200R011C10SPC600)\n\
         1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2011.2.23.367\n\
         1.3.6.1.2.1.1.5.0|4x|e4bab8e69c8d\n\
         this line is broken\n",
    );
    let not_rec = temp("notes.txt", "just some text\n");
    let (code, out, err) = run(&[
        "fingerprint",
        "--format",
        "jsonl",
        rec.to_str().unwrap(),
        not_rec.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "one input held no SNMP values: {err}");
    assert!(
        err.contains("notes.txt") && err.contains("no SNMP values"),
        "{err}"
    );
    assert!(
        err.contains("tiny.snmprec") && err.contains("1 line(s) skipped"),
        "{err}"
    );
    let line: serde_json::Value =
        serde_json::from_str(out.lines().next().unwrap_or("")).expect("one JSON line");
    assert_eq!(line["vendor"], "Huawei");
    assert_eq!(line["vendor_origin"], "domestic");
    assert_eq!(line["class"], "switch");
}
