use super::*;
use crate::job::Depth;

fn p(text: &str) -> Result<Settings, ConfigError> {
    parse(text, Path::new("/etc/pandian.toml"))
}

#[test]
fn empty_config_scans_nothing() {
    let s = p("").unwrap();
    assert!(s.jobs.is_empty() && !s.scans_anything());
    assert_eq!(s.listen.to_string(), "127.0.0.1:8080");
}

#[test]
fn template_is_valid() {
    let s = p(TEMPLATE).unwrap();
    assert!(s.scans_anything());
    assert_eq!(s.policy.subnets.len(), 1);
    // The template's credential has community "public".
    assert!(s.policy.default_credentials.contains("office"));
}

#[test]
fn policy_is_validated_with_file_line_and_key() {
    let s = p(concat!(
        "[policy]\ndhcp_servers = [\"198.51.100.1\"]\nnew_device_days = 3\n",
        "[[policy.subnet]]\nsubnet = \"198.51.100.0/24\"\nallow_classes = [\"Switch\"]\n",
        "require_origin = \"domestic\"\n",
        "[[policy.ack]]\nkey = \"randomized_mac:device:1\"\nreason = \"tablet\"\nby = \"alice\"\n",
    ))
    .unwrap();
    assert_eq!(s.policy.new_device_days, 3);
    assert_eq!(s.policy.dhcp_servers.len(), 1);
    assert_eq!(s.policy.subnets[0].allow_classes, vec!["switch"]);
    assert_eq!(s.policy.acks.len(), 1);
    let bad = [
        (
            "[policy]\ndhcp_servers = [\"dhcp.example\"]\n",
            2,
            "policy.dhcp_servers[0]",
        ),
        (
            "[policy]\nnew_device_days = -1\n",
            2,
            "policy.new_device_days",
        ),
        (
            "[policy]\nunmanaged_switch_macs = 1\n",
            2,
            "policy.unmanaged_switch_macs",
        ),
        (
            "[[policy.subnet]]\nsubnet = \"198.51.100.0/33\"\n",
            2,
            "policy.subnet[0].subnet",
        ),
        (
            "[[policy.subnet]]\nsubnet = \"198.51.100.0/24\"\n\nallow_classes = [\"toaster\"]\n",
            4,
            "policy.subnet[0].allow_classes",
        ),
        (
            "[[policy.subnet]]\nsubnet = \"198.51.100.0/24\"\nrequire_origin = \"chinese\"\n",
            3,
            "policy.subnet[0].require_origin",
        ),
        (
            "[[policy.ack]]\nreason = \"x\"\nby = \"y\"\n",
            2,
            "policy.ack[0].id",
        ),
        (
            "[[policy.ack]]\nid = 4\nreason = \" \"\nby = \"y\"\n",
            3,
            "policy.ack[0].reason",
        ),
        ("[policy]\nallow = 1\n", 2, "allow"),
    ];
    for (text, line, key) in bad {
        let err = p(text).unwrap_err().to_string();
        assert!(err.contains(&format!("line {line}")), "{text}: {err}");
        assert!(err.contains(key), "{text}: {err}");
    }
}

#[test]
fn unknown_key_names_file_line_and_key() {
    let err = p("[scan]\nsubnets = []\nsubnet = [\"198.51.100.0/24\"]\n")
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("/etc/pandian.toml: "), "{err}");
    assert!(err.contains("line 3"), "{err}");
    assert!(err.contains("subnet"), "{err}");
}

#[test]
fn bad_values_name_line_and_key() {
    let cases = [
        (
            "[scan]\n\nsubnets = [\"198.51.100.0/24\", \"nope\"]\n",
            "line 3: `scan.subnets[1]`",
        ),
        (
            "[scan]\ninterval = \"5 parsecs\"\n",
            "line 2: `scan.interval`",
        ),
        ("[scan]\nrate = 0\n", "line 2: `scan.rate`"),
        ("[web]\nlisten = \"localhost\"\n", "line 2: `web.listen`"),
        ("[snmp]\ndepth = \"deep\"\n", "line 2: `snmp.depth`"),
    ];
    for (text, want) in cases {
        let err = p(text).unwrap_err().to_string();
        assert!(err.contains(want), "{text:?} gave {err}");
    }
}

#[test]
fn oversized_subnets_are_refused_at_load() {
    let err = p("[scan]\nsubnets = [\"0.0.0.0/0\"]\n")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 2") && err.contains("scan.subnets") && err.contains("at most"),
        "{err}"
    );
}

#[test]
fn wrong_type_and_broken_toml_are_errors() {
    for text in [
        "[scan]\nrate = \"fast\"\n",
        "[scan\n",
        "scan = 3\n",
        "[web]\nlisten = 8080\n",
    ] {
        assert!(
            matches!(p(text), Err(ConfigError::Parse { .. })),
            "{text:?}"
        );
    }
}

#[test]
fn credential_errors_point_at_their_table() {
    let text = "[[snmp.credentials]]\nname = \"a\"\nversion = \"2c\"\ncommunity = \"x\"\n\n[[snmp.credentials]]\nname = \"a\"\nversion = \"2c\"\ncommunity = \"y\"\n";
    let err = p(text).unwrap_err().to_string();
    assert!(
        err.contains("line 6") && err.contains("snmp.credentials[1].name"),
        "{err}"
    );
    assert_eq!(
        nth_table_line("x\n [[ snmp.credentials ]]\n", "snmp.credentials", 0),
        2
    );
    assert_eq!(nth_table_line("", "snmp.credentials", 0), 0);
}

const HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$Sm9obiBEb2UgaXMgbm90IGEgcmVhbCBoYXNo";

#[test]
fn web_auth_and_tls_keys_are_read() {
    let text = format!(
        "[web]\nlisten = \"0.0.0.0:443\"\ntls_cert = \"/etc/pandian/tls/cert.pem\"\n\
         tls_key = \"/etc/pandian/tls/key.pem\"\nredirect_http = \"0.0.0.0:80\"\n\
         token_file = \"/etc/pandian/token\"\n\n[[web.users]]\nname = \"admin\"\n\
         password_hash = \"{HASH}\"\n"
    );
    let s = p(&text).unwrap();
    let w = &s.web;
    assert!(w.auth_enabled());
    assert_eq!(w.users[0].name, "admin");
    assert!(
        !format!("{w:?}").contains("argon2"),
        "hash kept out of Debug"
    );
    let tls = w.tls.as_ref().unwrap();
    assert_eq!((tls.cert.line, tls.key.line), (3, 4));
    assert_eq!(w.token_file.as_ref().unwrap().line, 6);
    assert_eq!(w.redirect_http.unwrap().to_string(), "0.0.0.0:80");
    let plain = p("[web]\nlisten = \"127.0.0.1:8080\"\n").unwrap();
    assert!(!plain.web.auth_enabled() && plain.web.tls.is_none());
}

#[test]
fn web_auth_off_is_only_allowed_on_loopback() {
    for listen in ["127.0.0.1:8080", "[::1]:8080", "127.0.0.2:80"] {
        assert!(
            p(&format!("[web]\nlisten = \"{listen}\"\n")).is_ok(),
            "{listen}"
        );
    }
    for listen in ["0.0.0.0:8080", "[::]:8080", "198.51.100.7:443"] {
        let err = p(&format!("[web]\nlisten = \"{listen}\"\n"))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2: `web.listen`") && err.contains("no authentication"),
            "{listen}: {err}"
        );
    }
    let with_token = "[web]\nlisten = \"0.0.0.0:8080\"\ntoken_file = \"/etc/pandian/token\"\n";
    assert!(p(with_token).is_ok());
}

#[test]
fn web_bad_values_name_line_and_key() {
    let user = |name: &str, hash: &str| {
        format!("[web]\n\n[[web.users]]\nname = \"{name}\"\npassword_hash = \"{hash}\"\n")
    };
    let cases = [
        (
            user("admin", "plaintext"),
            "line 3: `web.users[0].password_hash`",
        ),
        (
            user("admin", "$2b$12$bcryptbcryptbcryptbcryptbcr"),
            "hash-password",
        ),
        (user("a:b", HASH), "line 3: `web.users[0].name`"),
        (user("", HASH), "`web.users[0].name`"),
        (
            format!(
                "{}\n[[web.users]]\nname = \"admin\"\npassword_hash = \"{HASH}\"\n",
                user("admin", HASH)
            ),
            "line 7: `web.users[1].name`: the user `admin` is listed twice",
        ),
        (
            "[web]\ntls_cert = \"/c.pem\"\n".into(),
            "line 2: `web.tls_key`",
        ),
        (
            "[web]\ntls_key = \"/k.pem\"\n".into(),
            "line 2: `web.tls_cert`",
        ),
        (
            "[web]\ntls_cert = \"c.pem\"\ntls_key = \"/k.pem\"\n".into(),
            "line 2: `web.tls_cert`: `c.pem` is not an absolute path",
        ),
        (
            "[web]\nredirect_http = \"0.0.0.0:80\"\n".into(),
            "line 2: `web.redirect_http`: redirects",
        ),
        (
            "[web]\ntls_cert = \"/c\"\ntls_key = \"/k\"\nredirect_http = \"eighty\"\n".into(),
            "line 4: `web.redirect_http`",
        ),
        (
            "[web]\ntls_cert = \"/c\"\ntls_key = \"/k\"\nredirect_http = \"127.0.0.1:8080\"\n"
                .into(),
            "also web.listen",
        ),
        (
            "[web]\ntoken_file = \"token\"\n".into(),
            "line 2: `web.token_file`",
        ),
    ];
    for (text, want) in cases {
        let err = p(&text).unwrap_err().to_string();
        assert!(err.contains(want), "{text:?} gave {err}");
    }
    assert!(matches!(
        p("[[web.users]]\nname = \"a\"\n"),
        Err(ConfigError::Parse { .. })
    ));
}

#[test]
fn listening_beyond_loopback_over_plain_http_warns() {
    let tls = "tls_cert = \"/etc/pandian/cert.pem\"\ntls_key = \"/etc/pandian/key.pem\"\n";
    for (listen, https, warns) in [
        ("127.0.0.1:8080", false, false),
        ("127.0.0.53:8080", false, false),
        ("[::1]:8080", false, false),
        ("0.0.0.0:8080", false, true),
        ("[::]:8080", false, true),
        ("192.0.2.10:8080", false, true),
        ("0.0.0.0:8443", true, false),
        ("192.0.2.10:443", true, false),
    ] {
        let s = p(&format!(
            "[web]\nlisten = \"{listen}\"\ntoken_file = \"/etc/pandian/token\"\n{}",
            if https { tls } else { "" }
        ))
        .unwrap();
        let w = listen_warning(&s, Path::new("/etc/pandian.toml"));
        assert_eq!(w.is_some(), warns, "{listen}: {w:?}");
        if let Some(w) = w {
            assert!(
                w.contains("plain HTTP") && w.contains(listen) && w.contains("web.tls_cert"),
                "{w}"
            );
        }
    }
}

#[test]
fn store_path_must_name_a_file_and_group_must_not_be_empty() {
    for path in ["\"\"", "\" \"", "\":memory:\""] {
        let err = p(&format!("[store]\npath = {path}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2: `store.path`"), "{path}: {err}");
    }
    let err = p("[store]\ngroup = \"\"\n").unwrap_err().to_string();
    assert!(err.contains("store.group"), "{err}");
    let s = p("[store]\npath = \"/srv/p.db\"\ngroup = \"adm\"\n").unwrap();
    assert_eq!(
        (s.db_path.to_str(), s.db_group.as_deref()),
        (Some("/srv/p.db"), Some("adm"))
    );
}

const CREDS: &str = "[[snmp.credentials]]\nname = \"a\"\nversion = \"2c\"\ncommunity = \"x\"\n\n[[snmp.credentials]]\nname = \"b\"\nversion = \"1\"\ncommunity = \"y\"\n\n";

#[test]
fn jobs_take_their_keys_and_the_sections_defaults() {
    let text = format!(
        "[scan]\nsubnets = [\"198.51.100.0/24\"]\nexclude = [\"198.51.100.1\"]\ninterval = \"5m\"\nrate = 300\n\n[snmp]\ndepth = \"system\"\n\n{CREDS}\
         [[job]]\nname = \"core\"\ntargets = [\"203.0.113.0/28\"]\nexclude = [\"203.0.113.5\"]\ncredentials = [\"b\"]\nprobes = [\"icmp\", \"snmp\"]\nschedule = \"*/30 8-18 * * mon-fri\"\njitter = \"20s\"\nrate = 50\nsnmp_depth = \"full\"\n\n\
         [[job]]\nname = \"plain\"\ntargets = [\"192.0.2.0/29\"]\n"
    );
    let s = p(&text).unwrap();
    let names: Vec<&str> = s.jobs.iter().map(|j| j.name.as_str()).collect();
    assert_eq!(names, [DEFAULT_JOB, "core", "plain"]);
    let d = &s.jobs[0];
    assert_eq!(d.schedule, Schedule::Every(Duration::from_secs(300)));
    assert_eq!((d.rate, d.snmp_depth, d.jitter), (300, Depth::System, None));
    assert_eq!(d.credentials.len(), 2);
    let core = &s.jobs[1];
    assert!(matches!(core.schedule, Schedule::Cron(_)));
    assert_eq!(core.jitter, Some(Duration::from_secs(20)));
    assert_eq!((core.rate, core.snmp_depth), (50, Depth::Full));
    assert_eq!(core.probes.names(), ["icmp", "snmp"]);
    let creds: Vec<&str> = core.credentials.iter().map(|c| c.name()).collect();
    assert_eq!(creds, ["b"]);
    let ex: Vec<String> = core.exclude.iter().map(ToString::to_string).collect();
    assert_eq!(
        ex,
        ["203.0.113.5", "198.51.100.1"],
        "the global exclusion applies to every job"
    );
    let plain = &s.jobs[2];
    assert_eq!(
        plain.schedule, d.schedule,
        "[scan] interval is the default schedule"
    );
    assert_eq!(plain.probes, Probes::default());
    assert_eq!(plain.rate, 300);
}

#[test]
fn job_errors_name_line_and_key() {
    let job = |body: &str| {
        format!("{CREDS}[[job]]\nname = \"j\"\ntargets = [\"192.0.2.0/29\"]\n{body}\n")
    };
    let cases = [
        (job("credentials = [\"a\", \"zz\"]"), "line 14: `job[0].credentials[1]`", "known: a, b"),
        (job("probes = [\"arp\", \"telnet\"]"), "line 14: `job[0].probes[1]`", "not a probe"),
        (job("probes = [\"snmp\"]"), "`job[0].probes`", "liveness"),
        (job("schedule = \"61 * * * *\""), "line 14: `job[0].schedule`", "minute"),
        (job("schedule = \"1s\""), "`job[0].schedule`", "outside"),
        (job("schedule = \"1m\"\njitter = \"2m\""), "line 15: `job[0].jitter`", "up to 1m"),
        (job("rate = 0"), "line 14: `job[0].rate`", "outside"),
        (job("snmp_depth = \"deep\""), "`job[0].snmp_depth`", "neither"),
        (job("exclude = [\"192.0.2.0/24\"]"), "`job[0].targets`", "cover every address"),
        (
            format!("{CREDS}[[job]]\nname = \"two words\"\ntargets = [\"192.0.2.1\"]\n"),
            "line 12: `job[0].name`",
            "not a job name",
        ),
        (
            format!("{CREDS}[[job]]\nname = \"j\"\ntargets = []\n"),
            "`job[0].targets`",
            "needs targets",
        ),
        (
            format!("{}[[job]]\nname = \"j\"\ntargets = [\"192.0.2.1\"]\n", job("")),
            "`job[1].name`",
            "two jobs",
        ),
        (
            "[scan]\nsubnets = [\"192.0.2.0/29\"]\n[[job]]\nname = \"default\"\ntargets = [\"192.0.2.9\"]\n".to_string(),
            "`job[0].name`",
            "[scan] section",
        ),
    ];
    for (text, want, why) in cases {
        let err = p(&text).unwrap_err().to_string();
        assert!(
            err.contains(want) && err.contains(why),
            "{text:?} gave {err}"
        );
    }
    assert!(matches!(
        p("[[job]]\nname = \"j\"\ntargets = [\"192.0.2.1\"]\nevery = \"5m\"\n"),
        Err(ConfigError::Parse { .. })
    ));
}

#[test]
fn config_vendor_table_reaches_the_engine() {
    let text = "[[vendor]]\nbrand = \"Example Networks\"\naliases = [\"ExNet\"]\nenterprise_numbers = [32473]\norigin = \"domestic\"\n";
    let s = p(text).unwrap();
    assert!(!s.vendors.is_empty());
    let engine = crate::fingerprint::Engine::builtin()
        .unwrap()
        .with_overrides(s.vendors);
    let facts = crate::facts::DeviceFacts::from_system(
        Some("ExNet edge box"),
        Some("1.3.6.1.4.1.32473.7.1"), // IANA's example number: not in the compiled MIBs
    );
    let id = engine.identify(&facts);
    assert_eq!(id.vendor.as_deref(), Some("Example Networks"));
    assert_eq!(id.vendor_origin.as_deref(), Some("domestic"));
}

#[test]
fn config_vendor_errors_name_the_entry_line() {
    let cases = [
        (
            "[[vendor]]\nbrand = \"A\"\n\n[[vendor]]\nbrand = \"B\"\nouis = [\"12\"]\n",
            "line 4: `vendor[1]`",
        ),
        (
            "[[vendor]]\nbrand = \"A\"\norigin = \"mars\"\n",
            "line 1: `vendor[0]`",
        ),
        (
            "[[vendor]]\nbrand = \"A\"\nenterprise_numbers = [9]\n[[vendor]]\nbrand = \"B\"\nenterprise_numbers = [9]\n",
            "line 4: `vendor[1]`",
        ),
        ("[[vendor]]\nbrand = \" \"\n", "line 1: `vendor[0]`"),
    ];
    for (text, want) in cases {
        let err = p(text).unwrap_err().to_string();
        assert!(err.contains(want), "{text:?} gave {err}");
    }
    assert!(matches!(
        p("[[vendor]]\nbrand = \"A\"\nowner = \"B\"\n"),
        Err(ConfigError::Parse { .. })
    ));
}

#[test]
fn duration_table() {
    let cases = [
        ("90s", Some(90)),
        ("15m", Some(900)),
        ("2h", Some(7200)),
        ("1d", Some(86400)),
        ("30", Some(30)),
        ("m", None),
        ("1y", None),
        ("-1s", None),
    ];
    for (text, want) in cases {
        assert_eq!(parse_duration(text).map(|d| d.as_secs()), want, "{text}");
        if let Some(d) = parse_duration(text) {
            assert_eq!(
                parse_duration(&format_duration(d)),
                Some(d),
                "round trip {text}"
            );
        }
    }
}

#[test]
fn passive_is_off_by_default_and_validated() {
    let s = p("").unwrap();
    assert_eq!(s.passive, PassiveSettings::default());
    assert!(!s.passive.enabled);
    assert_eq!(s.passive.interval, Duration::from_secs(60));
    let t = p(TEMPLATE).unwrap();
    assert!(!t.passive.enabled, "the template keeps it off");
    let s = p("[passive]\nenabled = true\ninterval = \"5m\"\n").unwrap();
    assert!(s.passive.enabled);
    assert_eq!(s.passive.interval, Duration::from_secs(300));
    let bad = [
        ("[passive]\ninterval = \"5s\"\n", 2, "passive.interval"),
        ("[passive]\n\ninterval = \"2h\"\n", 3, "passive.interval"),
        ("[passive]\ninterval = \"often\"\n", 2, "passive.interval"),
        ("[passive]\nenable = true\n", 2, "enable"),
        (
            "[[job]]\nname = \"passive\"\ntargets = [\"198.51.100.0/24\"]\n",
            2,
            "job[0].name",
        ),
    ];
    for (text, line, key) in bad {
        let err = p(text).unwrap_err().to_string();
        assert!(err.contains(&format!("line {line}")), "{text}: {err}");
        assert!(err.contains(key), "{text}: {err}");
    }
}
