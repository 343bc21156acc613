//! Hostile strings from real daemons, through the real ingest, in a real
//! browser. A lab (198.18.170.0/24) where:
//!
//! - two net-snmp `snmpd` agents serve a corpus as sysName, sysDescr and
//!   sysLocation through `override ... octet_str 0x<hex>` lines (snmpd.conf's
//!   own `sysName`/`sysDescr` lines cannot carry a NUL, a control byte or
//!   invalid UTF-8; an override's hex carries any byte, up to the 2,047
//!   bytes snmpd keeps of one): script tags, event handlers, `javascript:`
//!   URLs, quotes that try to leave an attribute, markup that tries to close
//!   the table, RTL overrides and isolates, zero-width characters, C0 and C1
//!   controls, terminal escapes, invalid UTF-8 (GB2312 bytes, an overlong
//!   `/`, stray continuation bytes) and 1,800-character unbroken words;
//! - snmpsimd serves a recording whose sysDescr is 60,000 bytes (a UDP
//!   datagram holds at most 65,507, so no agent can send 64 KiB in one);
//! - an announcing host runs a real avahi-daemon whose `_ipp._tcp` instance
//!   name and TXT strings carry the same kind of payloads, and a socat HTTP
//!   answer with a `Server` header of script tags and a 64 KiB `<title>`;
//! - a real gmediarender announces a hostile friendlyName over SSDP.
//!
//! `pandian scan --job --db` stores what they say; `pandian serve` serves
//! it inside the scanner's namespace, and headless Chromium (also inside it,
//! driven over the DevTools protocol on a pipe) loads the device list, every
//! device page and the findings page in English and Chinese. Each payload
//! tries to set `document.title` to `PWNED`, to set `window.__pwned`, to
//! call `alert`, or to put an element with id `pwn-marker` into the page;
//! the test checks that none did (no marker, no script element, no event
//! handler or `javascript:` attribute, no dialog, no exception, no console
//! output, no CSP violation), that every page carries the
//! Content-Security-Policy, that the hostile strings are shown as text, and
//! that the layout holds at 1400x900: the page is no wider than the window
//! and no table cell is wider than it (long words wrap). Screenshots of
//! every page are left in `target/tmp/hostile-web/` to look at.
//!
//! Needs root; skips otherwise (fails under PANDIAN_REQUIRE_LAB=1).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use pandian::lab::avahi::{self, AvahiService, AvahiSpec};
use pandian::lab::{self, HostSpec, LabSpec, SnmpdSpec, gmediarender};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

fn ip(o: u8) -> Ipv4Addr {
    Ipv4Addr::new(198, 18, 170, o)
}

const SNMP_A: usize = 0;
const SNMP_B: usize = 1;
const HUGE: usize = 2;
const ANNOUNCER: usize = 3;
const RENDERER: usize = 4;
const OCTETS: [u8; 5] = [10, 11, 12, 20, 21];
const RENDERER_UUID: &str = "b827eb6e-aa15-4000-8000-b827eb6eaa15";

/// What every payload tries to leave behind if it ever runs or parses.
const MARKER: &str = "pwn-marker";

/// Host A's sysName: markup with a handler, an RTL override, zero-width
/// characters, a bell and a terminal escape (valid UTF-8: it is shown).
fn a_sys_name() -> Vec<u8> {
    [
        &b"<img id=pwn-marker src=x onerror=\"document.title='PWNED';window.__pwned=1\">"[..],
        "evil\u{202e}gnp.exe\u{200b}\u{200d}\u{2066}name\u{2069}".as_bytes(),
        b"\x07\x1b[31mred\x1b[0m ",
        // A name of 900 characters with nowhere to break.
        &[b'N'; 900],
    ]
    .concat()
}

/// Host A's sysDescr: a script element, an attribute breakout with a
/// handler, a `javascript:` link, every kind of control character, and a
/// 1,800-character word with no place to break.
fn a_sys_descr() -> Vec<u8> {
    [
        &b"<script>document.title='PWNED';window.__pwned=1;alert(1)</script>"[..],
        b"\"><svg/onload=alert(2) id=pwn-marker>",
        b"<a href=\"javascript:alert(3)\" id=pwn-marker>click</a> ",
        b"\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\xc2\x85\xc2\x9b[2J ",
        "\u{202e}\u{202b}\u{2067}bidi\u{2069}\u{200b}\u{feff}\u{2060} ".as_bytes(),
        &[b'A'; 1800],
    ]
    .concat()
}

/// Host A's sysLocation: single and double quotes that try to leave an
/// attribute, a template literal, markup that closes the table, then
/// invalid UTF-8 (GB2312 for 北京, an overlong `/`, stray bytes).
fn a_sys_location() -> Vec<u8> {
    [
        &b"' onmouseover='alert(4)' data-pwn='1"[..],
        b"\" autofocus onfocus=\"window.__pwned=1\" x=\"",
        b"`${alert(5)}` </td></tr></table><h1 id=pwn-marker>broken</h1> ",
        b"\xb1\xb1\xbe\xa9 \xc0\xaf \xff\xfe\x80",
    ]
    .concat()
}

/// Host B's sysName: invalid UTF-8 around a script element.
fn b_sys_name() -> Vec<u8> {
    b"<script>window.__pwned=1</script>\xff\xff\xc0\xafhost\xed\xa0\x80".to_vec()
}

/// Host B's sysDescr: 2,000 bytes of markup with no space in it.
fn b_sys_descr() -> Vec<u8> {
    let mut v = b"<i id=pwn-marker>".to_vec();
    while v.len() < 2000 {
        v.extend_from_slice(b"&lt;b&gt;W<b>");
    }
    v.truncate(2000);
    v
}

/// Host B's sysLocation: a `javascript:` URL and invisible characters.
fn b_sys_location() -> Vec<u8> {
    "javascript:alert(document.domain)//\u{202e}\u{feff}\u{180e}\u{3164} room"
        .as_bytes()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// snmpd.conf lines serving `name`, `descr` and `location` byte for byte.
fn overrides(name: &[u8], descr: &[u8], location: &[u8]) -> Vec<String> {
    [("5", name), ("1", descr), ("6", location)]
        .iter()
        .map(|(o, v)| format!("override .1.3.6.1.2.1.1.{o}.0 octet_str 0x{}", hex(v)))
        .collect()
}

fn agent(extra: Vec<String>) -> SnmpdSpec {
    SnmpdSpec {
        communities: vec!["public".into()],
        sys_descr: "placeholder".into(),
        sys_object_id: "1.3.6.1.4.1.8072.3.2.10".into(),
        sys_name: "placeholder".into(),
        sys_contact: "O'Brien \"<ob@example.test>\"".into(),
        sys_location: "placeholder".into(),
        // The lab machine's own HOST-RESOURCES (its packages) is not the
        // point here and makes the walk long.
        hidden: vec!["1.3.6.1.2.1.25".into()],
        extra,
        ..SnmpdSpec::default()
    }
}

fn spec(prefix: &str) -> LabSpec {
    let host = |label: &str, i: usize, mac: [u8; 6]| HostSpec::plain(label, ip(OCTETS[i]), mac);
    let mut a = host("snmp-a", SNMP_A, [0x00, 0x1b, 0x21, 0xaa, 0x00, 0x0a]);
    a.snmpd = Some(agent(overrides(
        &a_sys_name(),
        &a_sys_descr(),
        &a_sys_location(),
    )));
    let mut b = host("snmp-b", SNMP_B, [0x00, 0xe0, 0xfc, 0xaa, 0x00, 0x0b]);
    b.snmpd = Some(agent(overrides(
        &b_sys_name(),
        &b_sys_descr(),
        &b_sys_location(),
    )));
    LabSpec {
        prefix: prefix.to_string(),
        base: "198.18.170.0/24".parse().unwrap(),
        prefix_len: 24,
        scanner_ip: ip(1),
        hosts: vec![
            a,
            b,
            host("huge", HUGE, [0x00, 0x1b, 0x21, 0xaa, 0x00, 0x0c]),
            host("announcer", ANNOUNCER, [0x3c, 0xd9, 0x2b, 0xaa, 0x00, 0x14]),
            host("renderer", RENDERER, [0xb8, 0x27, 0xeb, 0xaa, 0x00, 0x15]),
        ],
        router_snmpd: None,
    }
}

/// The recording snmpsimd serves for community `huge`: a 60,000-byte
/// sysDescr (markup, then one unbroken word), and invalid UTF-8 elsewhere.
fn huge_recording(dir: &Path) -> PathBuf {
    let mut descr = b"<script>window.__pwned=1</script><b id=pwn-marker>huge</b> ".to_vec();
    descr.resize(60_000, b'H');
    let lines = [
        format!("1.3.6.1.2.1.1.1.0|4x|{}", hex(&descr)),
        "1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.8072.3.2.10".into(),
        "1.3.6.1.2.1.1.3.0|67|123456".into(),
        format!(
            "1.3.6.1.2.1.1.4.0|4x|{}",
            hex(b"\"><script>alert(13)</script>")
        ),
        format!("1.3.6.1.2.1.1.5.0|4x|{}", hex(b"huge\xff\xfe-agent")),
        format!("1.3.6.1.2.1.1.6.0|4x|{}", hex(&[b'L'; 2000])),
        "1.3.6.1.2.1.1.7.0|2|72".into(),
    ];
    let path = dir.join("huge.snmprec");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    path
}

/// A socat listener on the announcer's port 80: a `Server` header of
/// script tags and a page whose `<title>` is 64 KiB of one word after a
/// handler.
fn hostile_http(lab: &mut lab::Lab) {
    let script = lab.dir().join("http80.sh");
    std::fs::write(
        &script,
        "read -r l\nprintf 'HTTP/1.0 200 OK\\r\\nServer: <script>alert(10)</script>\\033[2J\\r\\nContent-Type: text/html\\r\\n\\r\\n<html><head><title>'\n\
         printf '<img id=pwn-marker src=x onerror=alert(11)> \"quoted\" '\n\
         head -c 65536 /dev/zero | tr '\\0' T\nprintf '</title></head></html>'\n",
    )
    .unwrap();
    let ns = lab.host_ns(ANNOUNCER);
    let mut cmd = lab.command_in(&ns, "socat");
    cmd.arg(format!(
        "TCP-LISTEN:80,bind={},reuseaddr,fork",
        ip(OCTETS[ANNOUNCER])
    ))
    .arg(format!("SYSTEM:sh {}", script.display()))
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    lab.spawn_in(&ns, cmd).unwrap();
}

fn announcer_avahi() -> AvahiSpec {
    let txt = vec![
        "txtvers=1".to_string(),
        "ty=<script>window.__pwned=1</script>HP LaserJet".into(),
        "usb_MFG=<svg onload=alert(7) id=pwn-marker>HP".into(),
        format!("usb_MDL=\"><b id=pwn-marker>{}", "M".repeat(200)),
        "adminurl=javascript:alert(9)".into(),
        "note=' onmouseover='alert(8)' \u{202e}\u{200b}".into(),
    ];
    AvahiSpec {
        host_name: "hostile-announcer".into(),
        services: vec![AvahiService {
            // DNS-SD instance names are one label: at most 63 bytes.
            name: "<img id=pwn-marker src=x onerror=alert(6)>\u{202e}Printer".into(),
            kind: "_ipp._tcp".into(),
            port: 631,
            txt,
        }],
    }
}

fn config(db: &Path, port: u16) -> String {
    format!(
        "[scan]\ntimeout_ms = 500\nreverse_dns = false\n\n\
         [snmp]\ntimeout_ms = 1500\nretries = 1\n\n\
         [[snmp.credentials]]\nname = \"lab-public\"\nversion = \"2c\"\ncommunity = \"public\"\n\n\
         [[snmp.credentials]]\nname = \"lab-huge\"\nversion = \"2c\"\ncommunity = \"huge\"\n\n\
         [store]\npath = \"{}\"\n\n[web]\nlisten = \"127.0.0.1:{port}\"\n\n\
         [[job]]\nname = \"hostile\"\ntargets = [\"198.18.170.0/27\"]\n\
         # Once a year: the test runs it by hand (pandian scan --job).\n\
         schedule = \"0 0 1 1 *\"\njitter = \"0s\"\n\n\
         [[policy.subnet]]\nsubnet = \"198.18.170.0/24\"\nallow_vendors = [\"Nobody\"]\n\
         allow_classes = [\"switch\"]\n",
        db.display()
    )
}

// ---------------------------------------------------------------------
// Headless Chromium over the DevTools protocol, on a pipe: the browser
// reads commands from its fd 3 and writes answers and events to fd 4, each
// a JSON text ended by a NUL. Two FIFOs opened read-write here (so neither
// side's open blocks) and a shell's redirections give it those fds; no
// websocket, no extra crate.
// ---------------------------------------------------------------------

struct Browser {
    child: Child,
    to: std::fs::File,
    from: mpsc::Receiver<Value>,
    next: u64,
    events: Vec<Value>,
}

/// What one page showed.
#[derive(Debug)]
struct Visit {
    url: String,
    /// The probe's findings in the rendered page (see [`PROBE`]).
    probe: Value,
    /// The document's response headers.
    headers: Value,
    /// Dialogs, exceptions, console calls and log entries (CSP violations).
    noise: Vec<Value>,
    /// The document's outerHTML.
    dom: String,
}

/// Run in the page after it loaded: what a payload would have left, and
/// the layout's widths. DevTools' own evaluation is not held to the page's
/// CSP; the page itself has no script.
const PROBE: &str = r#"(() => {
  for (const d of document.querySelectorAll('details')) d.open = true;
  const all = [...document.querySelectorAll('*')];
  const attrs = e => [...e.attributes];
  const vw = document.documentElement.clientWidth;
  const cells = [...document.querySelectorAll('td,th')];
  let widest = 0, widestText = '';
  for (const c of cells) {
    const w = c.getBoundingClientRect().width;
    if (w > widest) { widest = w; widestText = c.innerText.slice(0, 80); }
  }
  const overflow = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > vw + 1 && !e.closest('.scroll'))
    .map(e => e.tagName + (e.id ? '#' + e.id : '') + ' ' + Math.round(e.getBoundingClientRect().right))
    .slice(0, 5);
  return JSON.stringify({
    title: document.title,
    pwned: typeof window.__pwned !== 'undefined',
    markers: document.querySelectorAll('#pwn-marker, [data-pwn]').length,
    scripts: document.scripts.length,
    handlers: all.filter(e => attrs(e).some(a => a.name.toLowerCase().startsWith('on'))).length,
    js_urls: all.filter(e => attrs(e).some(a => /^\s*javascript:/i.test(a.value))).length,
    // The page's own charts are SVG drawn on the server, one per chart box
    // and only there: any other SVG, or a chart outside a box, counts.
    embedded: document.querySelectorAll('img, svg:not(.chart), iframe, object, embed, video, audio, math, form form, foreignObject').length
      + Math.abs(document.querySelectorAll('svg.chart').length - document.querySelectorAll('section.chart-box > svg.chart').length)
      + Math.abs(document.querySelectorAll('section.chart-box').length - document.querySelectorAll('section.chart-box > svg.chart').length),
    viewport: vw,
    scroll_width: document.documentElement.scrollWidth,
    widest_cell: widest,
    widest_text: widestText,
    // The device list is the crowded table: no cell of it wider than 20rem
    // (320 px) plus its padding.
    list_widest: Math.max(0, ...[...document.querySelectorAll('#devices td')]
      .map(c => c.getBoundingClientRect().width)),
    scroll_height: document.documentElement.scrollHeight,
    overflow,
    text: document.body ? document.body.innerText : '',
  });
})()"#;

impl Browser {
    /// Start headless Chromium inside namespace `ns`; None if it is not
    /// installed or does not answer.
    fn start(ns: &str, dir: &Path) -> Option<Browser> {
        let chromium = ["chromium", "chromium-browser"]
            .into_iter()
            .find_map(lab::which)?;
        let (fifo_in, fifo_out) = (dir.join("cdp-in"), dir.join("cdp-out"));
        for f in [&fifo_in, &fifo_out] {
            let ok = std::process::Command::new("mkfifo")
                .arg(f)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return None;
            }
        }
        let rw = |p: &Path| {
            std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(p)
                .ok()
        };
        let (to, mut from) = (rw(&fifo_in)?, rw(&fifo_out)?);
        let profile = dir.join("chromium-profile");
        let script = format!(
            "exec '{}' --headless --no-sandbox --disable-gpu --no-first-run --no-default-browser-check \
             --disable-background-networking --disable-component-update --disable-sync \
             --disable-extensions --disable-default-apps --mute-audio --hide-scrollbars \
             --window-size=1400,900 --user-data-dir='{}' --remote-debugging-pipe about:blank \
             3<'{}' 4>'{}'",
            chromium.display(),
            profile.display(),
            fifo_in.display(),
            fifo_out.display()
        );
        let log = std::fs::File::create(dir.join("chromium.log")).ok()?;
        let child = lab::run_in(ns, "sh")
            .args(["-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .ok()?;
        let (tx, rx) = mpsc::channel();
        // Ends with the test process (this end of the FIFO never sees EOF).
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 65536];
            loop {
                let Ok(n) = from.read(&mut chunk) else { return };
                if n == 0 {
                    return;
                }
                buf.extend_from_slice(&chunk[..n]);
                while let Some(end) = buf.iter().position(|&b| b == 0) {
                    let msg: Vec<u8> = buf.drain(..=end).collect();
                    if let Ok(v) = serde_json::from_slice::<Value>(&msg[..msg.len() - 1])
                        && tx.send(v).is_err()
                    {
                        return;
                    }
                }
            }
        });
        let mut b = Browser {
            child,
            to,
            from: rx,
            next: 0,
            events: Vec::new(),
        };
        b.call(None, "Browser.getVersion", json!({})).ok()?;
        Some(b)
    }

    fn call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, String> {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).map_err(|e| e.to_string())?;
        bytes.push(0);
        self.to.write_all(&bytes).map_err(|e| e.to_string())?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self
                .from
                .recv_timeout(left)
                .map_err(|_| format!("{method}: no answer from Chromium in 20 s"))?;
            if v["id"] == id {
                if let Some(e) = v.get("error") {
                    return Err(format!("{method}: {e}"));
                }
                return Ok(v["result"].clone());
            }
            self.events.push(v);
        }
    }

    fn wait_event(&mut self, session: &str, method: &str, limit: Duration) -> Option<Value> {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(i) = self
                .events
                .iter()
                .position(|e| e["method"] == method && e["sessionId"] == session)
            {
                return Some(self.events.remove(i));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let v = self.from.recv_timeout(left).ok()?;
            self.events.push(v);
        }
    }

    /// Load `url` in a new 1400x900 tab, probe it, save a screenshot to
    /// `shot`, close the tab.
    fn visit(&mut self, url: &str, shot: &Path) -> Result<Visit, String> {
        let target =
            self.call(None, "Target.createTarget", json!({ "url": "about:blank" }))?["targetId"]
                .as_str()
                .ok_or("no targetId")?
                .to_string();
        let session = self.call(
            None,
            "Target.attachToTarget",
            json!({ "targetId": target, "flatten": true }),
        )?["sessionId"]
            .as_str()
            .ok_or("no sessionId")?
            .to_string();
        let s = Some(session.as_str());
        for m in [
            "Page.enable",
            "Network.enable",
            "Runtime.enable",
            "Log.enable",
        ] {
            self.call(s, m, json!({}))?;
        }
        self.call(
            s,
            "Emulation.setDeviceMetricsOverride",
            json!({ "width": 1400, "height": 900, "deviceScaleFactor": 1, "mobile": false }),
        )?;
        self.events.retain(|e| e["sessionId"] != session);
        self.call(s, "Page.navigate", json!({ "url": url }))?;
        self.wait_event(&session, "Page.loadEventFired", Duration::from_secs(20))
            .ok_or_else(|| format!("{url}: no load event"))?;
        let eval = |b: &mut Browser, expr: &str| -> Result<String, String> {
            let r = b.call(
                s,
                "Runtime.evaluate",
                json!({ "expression": expr, "returnByValue": true }),
            )?;
            r["result"]["value"]
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| format!("{url}: evaluate gave {r}"))
        };
        // The DOM as the server sent it, before the probe opens the
        // findings' evidence (<details>) to lay it out too.
        let dom = eval(self, "document.documentElement.outerHTML")?;
        let probe: Value = serde_json::from_str(&eval(self, PROBE)?).map_err(|e| e.to_string())?;
        // The window as a person sees it, then the whole page.
        let height = probe["scroll_height"]
            .as_f64()
            .unwrap_or(900.0)
            .clamp(900.0, 8000.0);
        for (file, params) in [
            (shot.to_path_buf(), json!({ "format": "png" })),
            (
                shot.with_extension("full.png"),
                json!({ "format": "png", "captureBeyondViewport": true,
                        "clip": { "x": 0, "y": 0, "width": 1400, "height": height, "scale": 1 } }),
            ),
        ] {
            let png = self.call(s, "Page.captureScreenshot", params)?;
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(png["data"].as_str().unwrap_or(""))
                .map_err(|e| e.to_string())?;
            std::fs::write(file, bytes).map_err(|e| e.to_string())?;
        }
        std::fs::write(shot.with_extension("html"), &dom).map_err(|e| e.to_string())?;
        self.call(None, "Target.closeTarget", json!({ "targetId": target }))?;
        let mine: Vec<Value> = std::mem::take(&mut self.events)
            .into_iter()
            .filter(|e| e["sessionId"] == session.as_str())
            .collect();
        let headers = mine
            .iter()
            .find(|e| {
                e["method"] == "Network.responseReceived" && e["params"]["type"] == "Document"
            })
            .map(|e| e["params"]["response"]["headers"].clone())
            .unwrap_or(Value::Null);
        let noise = mine
            .into_iter()
            .filter(|e| {
                matches!(
                    e["method"].as_str(),
                    Some(
                        "Page.javascriptDialogOpening"
                            | "Runtime.exceptionThrown"
                            | "Runtime.consoleAPICalled"
                    )
                ) || (e["method"] == "Log.entryAdded"
                    && e["params"]["entry"]["source"] != "network")
            })
            .collect();
        Ok(Visit {
            url: url.to_string(),
            probe,
            headers,
            noise,
            dom,
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The checks every page must pass: nothing ran, nothing was injected,
/// the CSP came along, the layout holds.
fn assert_safe(v: &Visit) {
    let p = &v.probe;
    let url = &v.url;
    // What to say when a check fails: the probe without the page's text.
    let mut brief = p.clone();
    if let Some(o) = brief.as_object_mut() {
        o.remove("text");
    }
    assert!(
        !p["title"].as_str().unwrap_or("").contains("PWNED"),
        "{url}: {brief}"
    );
    assert_eq!(p["pwned"], false, "{url}: a payload ran");
    for k in ["markers", "scripts", "handlers", "js_urls", "embedded"] {
        assert_eq!(p[k], 0, "{url}: {k} in the DOM: {brief}");
    }
    assert!(
        !v.dom.contains(&format!("id=\"{MARKER}\"")),
        "{url}: an element with the marker id"
    );
    assert!(
        v.noise.is_empty(),
        "{url}: dialogs, exceptions, console or CSP reports: {:?}",
        v.noise
    );
    let csp = v.headers["Content-Security-Policy"]
        .as_str()
        .or_else(|| v.headers["content-security-policy"].as_str())
        .unwrap_or_default();
    assert!(
        csp.contains("default-src 'none'") && !csp.contains("script-src"),
        "{url}: Content-Security-Policy {csp:?} in {}",
        v.headers
    );
    let vw = p["viewport"].as_f64().unwrap_or(0.0);
    assert!(vw >= 1300.0, "{url}: viewport {vw}");
    assert!(
        p["scroll_width"].as_f64().unwrap_or(f64::MAX) <= vw + 1.0,
        "{url}: the page is wider than the window: {} > {vw}; overflowing: {}",
        p["scroll_width"],
        p["overflow"]
    );
    assert!(
        p["widest_cell"].as_f64().unwrap_or(f64::MAX) <= vw,
        "{url}: a table cell is wider than the window ({} px): {:?}",
        p["widest_cell"],
        p["widest_text"]
    );
    assert!(
        p["list_widest"].as_f64().unwrap_or(f64::MAX) <= 340.0,
        "{url}: a cell of the device list is {} px wide",
        p["list_widest"]
    );
}

fn text(v: &Visit) -> &str {
    v.probe["text"].as_str().unwrap_or("")
}

#[test]
fn lab_hostile_strings_are_stored_clean_and_shown_as_text() {
    let Some(mut lab) = lab_or_skip(spec(&unique_prefix("hw"))) else {
        return;
    };
    let require = std::env::var("PANDIAN_REQUIRE_LAB").is_ok_and(|v| v == "1");
    for tool in [
        "avahi-daemon",
        "gmediarender",
        "snmpsimd",
        "socat",
        "chromium",
    ] {
        if lab::which(tool).is_none() {
            assert!(!require, "{tool} missing (scripts/setup-debian)");
            eprintln!("SKIPPED: {tool} not installed (scripts/setup-debian)");
            return;
        }
    }
    let started = Instant::now();
    let recording = huge_recording(lab.dir());
    let huge_ns = lab.host_ns(HUGE);
    lab::start_snmpsim(&mut lab, &huge_ns, ip(OCTETS[HUGE]), &[recording]).unwrap();
    avahi::start(&mut lab, ANNOUNCER, &announcer_avahi()).unwrap();
    hostile_http(&mut lab);
    gmediarender::start(
        &mut lab,
        RENDERER,
        // ASCII only: gmediarender refuses other bytes in its arguments
        // under the C locale.
        "<img id=pwn-marker src=x onerror=alert(12)>Living Room \"q\" 'q' & more",
        RENDERER_UUID,
    )
    .unwrap();
    eprintln!("lab up in {:?}", started.elapsed());

    let db = lab.dir().join("hostile.db");
    let port = free_port();
    let cfg = lab.dir().join("hostile.toml");
    write_private(&cfg, &config(&db, port));
    let cfg_s = cfg.display().to_string();
    let db_s = db.display().to_string();
    let out = pandian_in(
        &lab.scanner_ns(),
        &[
            "scan", "--job", "hostile", "--config", &cfg_s, "--db", &db_s, "--format", "json",
        ],
    );
    assert!(
        out.status.success(),
        "scan: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("scanned in {:?}", started.elapsed());

    // What the store kept: every string cleaned (no control, bidi or
    // invisible character), bounded, invalid bytes as U+FFFD.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut ids = std::collections::BTreeMap::new();
    let mut stmt = conn
        .prepare(
            "SELECT id, ip, COALESCE(sys_name, ''), COALESCE(sys_descr, ''), COALESCE(sys_location, ''),
                    COALESCE(hostname, ''), COALESCE(vendor, ''), COALESCE(model, '')
             FROM devices WHERE merged_into IS NULL",
        )
        .unwrap();
    let rows: Vec<(i64, String, Vec<String>)> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                (2..8)
                    .map(|i| r.get(i))
                    .collect::<Result<Vec<String>, _>>()?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for (id, address, fields) in &rows {
        ids.insert(address.clone(), *id);
        for f in fields {
            assert!(!f.chars().any(pandian::text::is_unsafe), "{address}: {f:?}");
            assert!(f.chars().count() <= 1024, "{address}: {} chars", f.len());
        }
        eprintln!(
            "{address}: {:?}",
            fields
                .iter()
                .map(|f| f.chars().take(70).collect::<String>())
                .collect::<Vec<_>>()
        );
    }
    let field = |o: u8, col: usize| -> String {
        rows.iter()
            .find(|(_, a, _)| *a == ip(o).to_string())
            .map(|(_, _, f)| f[col].clone())
            .unwrap_or_else(|| panic!("{} not stored: {rows:?}", ip(o)))
    };
    assert!(
        field(10, 0).starts_with("<img id=pwn-marker"),
        "{}",
        field(10, 0)
    );
    assert!(field(10, 1).starts_with("<script>document.title"));
    assert!(
        field(10, 2).contains('\u{fffd}'),
        "invalid UTF-8 shown as U+FFFD"
    );
    assert!(field(11, 0).contains('\u{fffd}') && field(11, 0).contains("<script>"));
    let huge = field(12, 1);
    assert!(
        huge.starts_with("<script>") && huge.chars().count() <= 1024,
        "the 60,000-byte sysDescr, bounded: {} chars",
        huge.chars().count()
    );
    for o in OCTETS {
        assert!(ids.contains_key(&ip(o).to_string()), "{} missing", ip(o));
    }

    // The page, served by the daemon inside the scanner's namespace.
    let mut serve = lab.command_in(&lab.scanner_ns(), common::bin());
    serve
        .args(["serve", "--config", &cfg_s])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(lab.dir().join("serve.log")).unwrap());
    let scan_ns = lab.scanner_ns();
    lab.spawn_in(&scan_ns, serve).unwrap();
    let up = poll(Duration::from_secs(15), || {
        lab.command_in(&scan_ns, "bash")
            .args(["-c", &format!("exec 3<>/dev/tcp/127.0.0.1/{port}")])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            .then_some(())
    });
    assert!(
        up.is_some(),
        "serve did not listen: {}",
        std::fs::read_to_string(lab.dir().join("serve.log")).unwrap_or_default()
    );

    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile-web");
    let _ = std::fs::remove_dir_all(&shots);
    std::fs::create_dir_all(&shots).unwrap();
    let Some(mut browser) = Browser::start(&scan_ns, lab.dir()) else {
        assert!(!require, "chromium did not start");
        eprintln!("SKIPPED: chromium did not start");
        return;
    };
    let base = format!("http://127.0.0.1:{port}");
    let mut pages: Vec<(String, String)> = Vec::new();
    for lang in ["en", "zh"] {
        pages.push((format!("index-{lang}"), format!("/?lang={lang}")));
        pages.push((format!("findings-{lang}"), format!("/findings?lang={lang}")));
        pages.push((
            format!("dashboard-{lang}"),
            format!("/dashboard?lang={lang}"),
        ));
        pages.push((
            format!("origin-{lang}"),
            format!("/report/origin?lang={lang}"),
        ));
        pages.push((
            format!("shadow-{lang}"),
            format!("/register?unmatched=devices&lang={lang}"),
        ));
        for (i, o) in OCTETS.iter().enumerate() {
            let id = ids[&ip(*o).to_string()];
            pages.push((
                format!("device{i}-{lang}"),
                format!("/devices/{id}?lang={lang}"),
            ));
        }
    }
    // A search for the markup itself: the filter form shows it back.
    pages.push((
        "search-en".into(),
        "/?lang=en&q=%22%3E%3Cimg%20id%3Dpwn-marker%20src%3Dx%20onerror%3Dalert(1)%3E".into(),
    ));
    let mut visits = Vec::new();
    for (name, path) in &pages {
        let v = browser
            .visit(&format!("{base}{path}"), &shots.join(format!("{name}.png")))
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_safe(&v);
        visits.push((name.clone(), v));
    }
    eprintln!(
        "{} pages checked in {:?}; screenshots in {}",
        visits.len(),
        started.elapsed(),
        shots.display()
    );
    let page = |name: &str| {
        &visits
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("{name}"))
            .1
    };
    // The strings are on the page, as text.
    let index = text(page("index-en"));
    assert!(
        index.contains("<img id=pwn-marker"),
        "sysName shown as text"
    );
    let a = text(page("device0-en"));
    for s in [
        "<script>document.title='PWNED'",
        "<a href=\"javascript:alert(3)\" id=pwn-marker>",
        "' onmouseover='alert(4)'",
        "</td></tr></table><h1 id=pwn-marker>",
    ] {
        assert!(a.contains(s), "device page shows {s:?} as text");
    }
    let announcer = text(page("device3-en"));
    assert!(
        announcer.contains("onerror=alert(6)") || announcer.contains("<script>window.__pwned"),
        "the mDNS announcement shown as text: {}",
        &announcer.chars().take(3000).collect::<String>()
    );
    assert!(
        text(page("device4-zh")).contains("onerror=alert(12)"),
        "the SSDP friendlyName shown as text"
    );
    assert!(
        text(page("search-en")).contains("pwn-marker")
            || page("search-en").dom.contains("pwn-marker")
    );
    assert!(
        started.elapsed() < Duration::from_secs(90),
        "took {:?}",
        started.elapsed()
    );
}
