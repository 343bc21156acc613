//! What a lab looks like: segments, hosts, agents.

use super::SnmpdSpec;
use ipnetwork::Ipv4Network;
use std::net::Ipv4Addr;

/// HOST-RESOURCES-MIB: network gear in the lab does not serve it.
const HOST_RESOURCES: &str = "1.3.6.1.2.1.25";
/// hrSWInstalled: the lab printer has no package list.
const HR_SW_INSTALLED: &str = "1.3.6.1.2.1.25.6";

/// One simulated device.
#[derive(Debug, Clone)]
pub struct HostSpec {
    /// Short label used in messages.
    pub label: String,
    /// Which segment (0 = the scanner's own; others sit behind the router).
    pub segment: usize,
    /// Its address.
    pub ip: Ipv4Addr,
    /// Its MAC (choose a real vendor OUI).
    pub mac: [u8; 6],
    /// Drop ICMP echo requests (nftables): found only by ARP.
    pub drop_icmp: bool,
    /// Run net-snmp `snmpd` with this configuration.
    pub snmpd: Option<SnmpdSpec>,
}

impl HostSpec {
    /// A host on segment 0 that answers ICMP and runs no agent (the
    /// services a test starts in its namespace are its own).
    pub fn plain(label: &str, ip: Ipv4Addr, mac: [u8; 6]) -> HostSpec {
        HostSpec {
            label: label.into(),
            segment: 0,
            ip,
            mac,
            drop_icmp: false,
            snmpd: None,
        }
    }
}

/// A whole lab.
#[derive(Debug, Clone)]
pub struct LabSpec {
    /// Unique prefix for namespace names (keep it short: ≤ 10 characters).
    pub prefix: String,
    /// Segment 0's network; segment N is the next /24s (198.18.N.0/24 style).
    pub base: Ipv4Network,
    /// Prefix length of every segment.
    pub prefix_len: u8,
    /// The scanner's address on segment 0.
    pub scanner_ip: Ipv4Addr,
    /// The devices.
    pub hosts: Vec<HostSpec>,
    /// Run snmpd on the router (its ARP table then shows hosts behind it).
    pub router_snmpd: Option<SnmpdSpec>,
}

impl LabSpec {
    /// How many segments the hosts use.
    pub fn segments(&self) -> usize {
        self.hosts.iter().map(|h| h.segment + 1).max().unwrap_or(1)
    }

    /// Network of segment `seg`.
    pub fn segment_net(&self, seg: usize) -> Ipv4Network {
        let size = 1u32 << (32 - u32::from(self.prefix_len));
        let step = u32::try_from(seg).unwrap_or(0).saturating_mul(size);
        let base = u32::from(self.base.network()).saturating_add(step);
        Ipv4Network::new(Ipv4Addr::from(base), self.prefix_len).unwrap_or(self.base)
    }

    /// The router's address on segment `seg` (the last usable address).
    pub fn router_ip(&self, seg: usize) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.segment_net(seg).broadcast()) - 1)
    }

    /// Address of host `i` in the spec.
    pub fn host_ip(&self, i: usize) -> Option<Ipv4Addr> {
        self.hosts.get(i).map(|h| h.ip)
    }
}

/// The standard lab used by the demo and the foundation tests: a /24 with a
/// Cisco switch, a Huawei switch (second community), an HP printer that
/// drops ICMP, a Hikvision camera without SNMP, a device whose strings are
/// hostile (control characters, HTML), and behind a router (itself an SNMP
/// agent) a Linux server on a second /24 that only ICMP and SNMP can find,
/// and a quiet device there that answers nothing but ARP, so only the
/// router's ARP table reveals it.
pub fn standard(prefix: &str, base_third_octet: u8) -> LabSpec {
    let net = |o: u8| Ipv4Addr::new(198, 18, base_third_octet, o);
    let routed = |o: u8| Ipv4Addr::new(198, 18, base_third_octet.saturating_add(1), o);
    LabSpec {
        prefix: prefix.to_string(),
        base: Ipv4Network::new(net(0), 24).unwrap_or_else(|_| Ipv4Network::from(net(0))),
        prefix_len: 24,
        scanner_ip: net(1),
        hosts: vec![
            HostSpec {
                label: "cisco-switch".into(),
                segment: 0,
                ip: net(10),
                mac: [0x00, 0x1b, 0x54, 0x10, 0x00, 0x0a],
                drop_icmp: false,
                snmpd: Some(SnmpdSpec {
                    communities: vec!["public".into()],
                    sys_descr: "Cisco IOS Software, C3750E Software (C3750E-UNIVERSALK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)".into(),
                    sys_object_id: "1.3.6.1.4.1.9.1.516".into(),
                    sys_name: "core-sw1.example.test".into(),
                    sys_contact: "netops@example.test".into(),
                    sys_location: "Building A, rack 3".into(),
                    hidden: vec![HOST_RESOURCES.into()],
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "huawei-switch".into(),
                segment: 0,
                ip: net(11),
                mac: [0x00, 0xe0, 0xfc, 0x11, 0x00, 0x0b],
                drop_icmp: false,
                snmpd: Some(SnmpdSpec {
                    communities: vec!["huawei-ro".into()],
                    sys_descr: "S5720-28X-SI-AC\r\nHuawei Versatile Routing Platform Software\r\nVRP (R) software,Version 5.170 (S5720 V200R011C10SPC600)\r\nCopyright (C) 2000-2018 HUAWEI TECH Co., Ltd".into(),
                    sys_object_id: "1.3.6.1.4.1.2011.2.23.367".into(),
                    sys_name: "access-sw2".into(),
                    sys_contact: "机房管理员".into(),
                    sys_location: "北京 3楼机房".into(),
                    hidden: vec![HOST_RESOURCES.into()],
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "hp-printer".into(),
                segment: 0,
                ip: net(12),
                mac: [0x3c, 0xd9, 0x2b, 0x12, 0x00, 0x0c],
                drop_icmp: true,
                snmpd: Some(SnmpdSpec {
                    communities: vec!["public".into()],
                    sys_descr: "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI23900024,CIDATE 02/09/2021".into(),
                    sys_object_id: "1.3.6.1.4.1.11.2.3.9.1".into(),
                    sys_name: "printer-3f".into(),
                    sys_contact: String::new(),
                    sys_location: "3rd floor copy room".into(),
                    hidden: vec![HR_SW_INSTALLED.into()],
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "hikvision-camera".into(),
                segment: 0,
                ip: net(13),
                mac: [0xc0, 0x56, 0xe3, 0x13, 0x00, 0x0d],
                drop_icmp: false,
                snmpd: None,
            },
            HostSpec {
                label: "hostile-strings".into(),
                segment: 0,
                ip: net(14),
                mac: [0xa0, 0xd3, 0xc1, 0x14, 0x00, 0x0e],
                drop_icmp: false,
                snmpd: Some(SnmpdSpec {
                    communities: vec!["public".into()],
                    sys_descr: "<script>alert('x')</script> & \"quoted\" \u{1b}[31mred\u{1b}[0m".into(),
                    sys_object_id: "1.3.6.1.4.1.8072.3.2.10".into(),
                    sys_name: "<b>bold</b>\u{7}bell".into(),
                    sys_contact: "O'Brien <ob@example.test>".into(),
                    sys_location: "tab\there".into(),
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "linux-server".into(),
                segment: 1,
                ip: routed(20),
                mac: [0x52, 0x54, 0x00, 0x20, 0x00, 0x14],
                drop_icmp: false,
                snmpd: Some(SnmpdSpec {
                    communities: vec!["public".into()],
                    sys_descr: "Linux srv-db1 6.1.0-27-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01) x86_64".into(),
                    sys_object_id: "1.3.6.1.4.1.8072.3.2.10".into(),
                    sys_name: "srv-db1".into(),
                    sys_contact: "dba@example.test".into(),
                    sys_location: "DC1 row 2".into(),
                    ..SnmpdSpec::default()
                }),
            },
            HostSpec {
                label: "quiet-iot".into(),
                segment: 1,
                ip: routed(30),
                mac: [0xc0, 0x56, 0xe3, 0x30, 0x00, 0x1e],
                drop_icmp: true,
                snmpd: None,
            },
        ],
        router_snmpd: Some(SnmpdSpec {
            communities: vec!["public".into()],
            sys_descr: "Linux edge-rtr 6.1.0 #1 SMP x86_64".into(),
            sys_object_id: "1.3.6.1.4.1.8072.3.2.10".into(),
            sys_name: "edge-rtr".into(),
            sys_contact: "netops@example.test".into(),
            sys_location: "Building A, MDF".into(),
            ..SnmpdSpec::default()
        }),
    }
}
