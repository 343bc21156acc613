//! Page labels in English and Chinese, side by side. Pure.

/// A language the page speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English.
    En,
    /// Simplified Chinese.
    Zh,
}

impl Lang {
    /// From `?lang=` or an Accept-Language header value: Chinese when it
    /// asks for zh first, else English.
    pub fn pick(query: Option<&str>, accept: Option<&str>) -> Lang {
        match query.map(str::trim) {
            Some(q)
                if q.eq_ignore_ascii_case("zh") || q.to_ascii_lowercase().starts_with("zh-") =>
            {
                return Lang::Zh;
            }
            Some(q) if q.eq_ignore_ascii_case("en") => return Lang::En,
            _ => {}
        }
        let first = accept
            .and_then(|a| a.split(',').next())
            .map(|s| s.trim().to_ascii_lowercase());
        match first {
            Some(f) if f.starts_with("zh") => Lang::Zh,
            _ => Lang::En,
        }
    }

    /// `en` or `zh-CN`, for the html lang attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Zh => "zh-CN",
        }
    }

    /// The labels.
    pub fn labels(self) -> &'static Labels {
        match self {
            Lang::En => &EN,
            Lang::Zh => &ZH,
        }
    }
}

/// Every label on the page.
#[derive(Debug)]
pub struct Labels {
    pub title: &'static str,
    pub overview: &'static str,
    pub last_scan: &'static str,
    pub never_scanned: &'static str,
    pub status: &'static str,
    pub started: &'static str,
    pub finished: &'static str,
    pub targets: &'static str,
    pub addresses: &'static str,
    pub hosts_up: &'static str,
    pub snmp_ok: &'static str,
    pub devices_known: &'static str,
    pub devices_last: &'static str,
    pub by_class: &'static str,
    pub by_origin: &'static str,
    pub devices: &'static str,
    pub ip: &'static str,
    pub mac: &'static str,
    pub mac_vendor: &'static str,
    pub hostname: &'static str,
    pub class: &'static str,
    pub vendor: &'static str,
    pub model: &'static str,
    pub serial: &'static str,
    pub os: &'static str,
    pub origin: &'static str,
    pub seen_by: &'static str,
    pub sys_name: &'static str,
    pub first_seen: &'static str,
    pub last_seen: &'static str,
    pub not_configured: &'static str,
    pub not_configured_hint: &'static str,
    pub no_devices: &'static str,
    pub other_lang: &'static str,
    pub other_lang_code: &'static str,
    pub domestic: &'static str,
    pub foreign: &'static str,
    pub unknown: &'static str,
    pub randomized: &'static str,
    pub identity: &'static str,
    pub evidence: &'static str,
    pub field: &'static str,
    pub value_col: &'static str,
    pub rule: &'static str,
    pub facts: &'static str,
    pub history: &'static str,
    /// An SNMP subtree of one value, and of several (after the count).
    pub one_value: &'static str,
    /// See `one_value`.
    pub many_values: &'static str,
    /// What the device announces of itself outside SNMP.
    pub announced: &'static str,
    pub firmware: &'static str,
    pub confidence: &'static str,
    pub interfaces: &'static str,
    pub entities: &'static str,
    pub neighbors: &'static str,
    pub arp_table: &'static str,
    pub fdb_table: &'static str,
    pub software: &'static str,
    pub not_found: &'static str,
    /// A page that does not exist.
    pub no_such_page: &'static str,
    pub search: &'static str,
    pub apply: &'static str,
    pub any: &'static str,
    pub next_page: &'static str,
    pub first_page: &'static str,
    pub identity_log: &'static str,
    pub keys: &'static str,
    pub active: &'static str,
    pub inactive: &'static str,
    pub held: &'static str,
    pub kind: &'static str,
    pub bad_query: &'static str,
    pub reports: &'static str,
    pub origin_report: &'static str,
    pub evidence_package: &'static str,
    pub evidence_date: &'static str,
    /// Display names for stored values (classes, origins, scan states);
    /// a value not listed shows as it is.
    pub values: &'static [(&'static str, &'static str)],
}

impl Labels {
    /// The display name of a stored value such as `switch` or `domestic`.
    pub fn value<'a>(&self, v: &'a str) -> &'a str
    where
        'static: 'a,
    {
        name_of(self.values, v)
    }
}

/// The name of the API value `v` in a table of (value, name) pairs; `v`
/// itself when the table has none.
pub fn name_of<'a>(values: &'static [(&'static str, &'static str)], v: &'a str) -> &'a str
where
    'static: 'a,
{
    values
        .iter()
        .find(|(k, _)| *k == v)
        .map_or(v, |(_, name)| name)
}

static EN: Labels = Labels {
    title: "Pandian — network inventory",
    overview: "Overview",
    last_scan: "Last scan",
    never_scanned: "No scan has run yet.",
    status: "Status",
    started: "Started",
    finished: "Finished",
    targets: "Targets",
    addresses: "Addresses",
    hosts_up: "Hosts up",
    snmp_ok: "Answered SNMP",
    devices_known: "Devices known",
    devices_last: "Seen in last scan",
    by_class: "By class",
    by_origin: "By origin",
    devices: "Devices",
    ip: "IP",
    mac: "MAC",
    mac_vendor: "MAC vendor",
    hostname: "Hostname",
    class: "Class",
    vendor: "Vendor",
    model: "Model",
    serial: "Serial",
    os: "OS",
    origin: "Origin",
    seen_by: "Seen by",
    sys_name: "sysName",
    first_seen: "First seen",
    last_seen: "Last seen",
    not_configured: "No subnets are configured, so Pandian scans nothing.",
    not_configured_hint: "Add the subnets to watch under [scan] subnets in the config file, then restart:",
    no_devices: "No devices yet.",
    other_lang: "中文",
    other_lang_code: "zh",
    domestic: "domestic",
    foreign: "foreign",
    unknown: "unknown",
    randomized: "randomised MAC",
    identity: "Identity",
    evidence: "Evidence",
    field: "Field",
    value_col: "Value",
    rule: "Rule",
    facts: "Facts",
    history: "Recent observations",
    one_value: "value",
    many_values: "values",
    announced: "What it announces (mDNS, SSDP, NetBIOS, WS-Discovery, banners)",
    firmware: "Firmware",
    confidence: "Confidence",
    interfaces: "Interfaces",
    entities: "Physical entities",
    neighbors: "LLDP/CDP neighbours",
    arp_table: "ARP table",
    fdb_table: "Forwarding table (MAC → port)",
    software: "Installed software",
    not_found: "No such device.",
    no_such_page: "No such page.",
    search: "Search address, MAC, name, vendor, model, serial",
    apply: "Filter",
    any: "any",
    next_page: "Next page →",
    first_page: "First page",
    identity_log: "Identity decisions",
    keys: "Identity keys",
    active: "active",
    inactive: "inactive",
    held: "Addresses and MACs",
    kind: "Kind",
    bad_query: "That filter is not understood",
    reports: "Reports",
    origin_report: "Origin report (Xinchuang: domestic / foreign / unknown)",
    evidence_package: "Audit evidence package (zip)",
    evidence_date: "State at the end of (UTC)",
    values: &[],
};

static ZH: Labels = Labels {
    title: "盘点 — 网络资产清单",
    overview: "概览",
    last_scan: "最近一次扫描",
    never_scanned: "尚未进行扫描。",
    status: "状态",
    started: "开始",
    finished: "结束",
    targets: "扫描范围",
    addresses: "地址数",
    hosts_up: "在线主机",
    snmp_ok: "SNMP 应答",
    devices_known: "已知设备",
    devices_last: "最近一次扫描发现",
    by_class: "按类型",
    by_origin: "按产地",
    devices: "设备",
    ip: "IP",
    mac: "MAC",
    mac_vendor: "MAC 厂商",
    hostname: "主机名",
    class: "类型",
    vendor: "厂商",
    model: "型号",
    serial: "序列号",
    os: "操作系统",
    origin: "产地",
    seen_by: "发现方式",
    sys_name: "sysName",
    first_seen: "首次发现",
    last_seen: "最近发现",
    not_configured: "尚未配置子网，盘点不会扫描任何地址。",
    not_configured_hint: "请在配置文件的 [scan] subnets 中填写要监视的子网，然后重启：",
    no_devices: "尚无设备。",
    other_lang: "English",
    other_lang_code: "en",
    domestic: "国产",
    foreign: "国外",
    unknown: "未知",
    randomized: "随机 MAC",
    identity: "识别结果",
    evidence: "依据",
    field: "字段",
    value_col: "值",
    rule: "规则",
    facts: "事实",
    history: "最近观测记录",
    one_value: "个值",
    many_values: "个值",
    announced: "设备自报信息（mDNS、SSDP、NetBIOS、WS-Discovery、服务横幅）",
    firmware: "固件",
    confidence: "置信度",
    interfaces: "接口",
    entities: "物理实体",
    neighbors: "LLDP/CDP 邻居",
    arp_table: "ARP 表",
    fdb_table: "转发表（MAC → 端口）",
    software: "已安装软件",
    not_found: "没有这台设备。",
    no_such_page: "没有这个页面。",
    search: "搜索地址、MAC、名称、厂商、型号、序列号",
    apply: "筛选",
    any: "全部",
    next_page: "下一页 →",
    first_page: "第一页",
    identity_log: "识别记录",
    keys: "识别键",
    active: "在用",
    inactive: "已停用",
    held: "地址与 MAC",
    kind: "类别",
    bad_query: "无法理解该筛选条件",
    reports: "报表",
    origin_report: "信创产地统计（国产 / 国外 / 未知）",
    evidence_package: "审计证据包（zip）",
    evidence_date: "截至当日结束（UTC）",
    values: &[
        ("switch", "交换机"),
        ("router", "路由器"),
        ("firewall", "防火墙"),
        ("wireless", "无线设备"),
        ("printer", "打印机"),
        ("server", "服务器"),
        ("workstation", "工作站"),
        ("storage", "存储"),
        ("ups", "UPS 电源"),
        ("pdu", "配电单元"),
        ("camera", "摄像机"),
        ("phone", "电话"),
        ("environment", "环境监控"),
        ("load-balancer", "负载均衡"),
        ("media", "影音设备"),
        ("other", "其他"),
        ("unknown", "未知"),
        ("domestic", "国产"),
        ("foreign", "国外"),
        ("done", "完成"),
        ("running", "进行中"),
        ("failed", "失败"),
        ("interrupted", "中断"),
        ("new", "新设备"),
        ("merge", "合并"),
        ("split", "拆分"),
        ("join", "关联"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zh_names_every_class_and_en_keeps_values() {
        for class in crate::fingerprint::CLASSES {
            assert_ne!(ZH.value(class), *class, "{class} has no Chinese name");
            assert_eq!(EN.value(class), *class);
        }
        assert_eq!(ZH.value("something-new"), "something-new");
    }

    #[test]
    fn lang_pick_table() {
        let cases = [
            (Some("zh"), None, Lang::Zh),
            (Some("en"), Some("zh-CN"), Lang::En),
            (None, Some("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh),
            (None, Some("en-US,en;q=0.9,zh;q=0.5"), Lang::En),
            (Some("fr"), None, Lang::En),
            (None, None, Lang::En),
        ];
        for (q, a, want) in cases {
            assert_eq!(Lang::pick(q, a), want, "{q:?} {a:?}");
        }
    }
}
