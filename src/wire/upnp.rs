//! UPnP device descriptions (UDA 1.1 §2.3): the root device's
//! `deviceType`, `friendlyName`, `manufacturer`, `modelName`,
//! `modelNumber`, `modelDescription`, `serialNumber` and `UDN`, read by a
//! small XML scanner that knows elements, text, CDATA, comments,
//! processing instructions, DOCTYPE and the predefined and numeric
//! entities, and nothing more (no DTD entities: nothing expands). Pure:
//! bytes in, values out. Descriptions are hostile: at most [`MAX_XML`]
//! bytes are read, nesting past [`MAX_DEPTH`] is ignored, a field keeps at
//! most [`MAX_FIELD`] bytes, and malformed XML yields what was read before
//! the damage, never a panic.

/// Most bytes of a description read.
pub const MAX_XML: usize = 64 * 1024;
/// Deepest element nesting followed.
pub const MAX_DEPTH: usize = 64;
/// Longest field kept before cleaning (bytes).
pub const MAX_FIELD: usize = 4096;

/// What is wrong with a description.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpnpError {
    /// No `<root><device>` element with any field this reader knows.
    #[error("no UPnP root device in the description")]
    NoDevice,
}

/// The root device's fields (raw text, entities decoded; clean before use).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Description {
    /// `deviceType` (`urn:schemas-upnp-org:device:MediaServer:1`).
    pub device_type: Option<String>,
    /// `friendlyName`.
    pub friendly_name: Option<String>,
    /// `manufacturer`.
    pub manufacturer: Option<String>,
    /// `modelName`.
    pub model_name: Option<String>,
    /// `modelNumber`.
    pub model_number: Option<String>,
    /// `modelDescription`.
    pub model_description: Option<String>,
    /// `serialNumber`.
    pub serial: Option<String>,
    /// `UDN` (`uuid:...`).
    pub udn: Option<String>,
}

impl Description {
    /// The fields as (fact key, value), in a fixed order.
    pub fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("device_type", &self.device_type),
            ("friendly_name", &self.friendly_name),
            ("manufacturer", &self.manufacturer),
            ("model_name", &self.model_name),
            ("model_number", &self.model_number),
            ("model_description", &self.model_description),
            ("serial", &self.serial),
            ("udn", &self.udn),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v)))
        .collect()
    }

    fn slot(&mut self, element: &str) -> Option<&mut Option<String>> {
        let e = element.to_ascii_lowercase();
        Some(match e.as_str() {
            "devicetype" => &mut self.device_type,
            "friendlyname" => &mut self.friendly_name,
            "manufacturer" => &mut self.manufacturer,
            "modelname" => &mut self.model_name,
            "modelnumber" => &mut self.model_number,
            "modeldescription" => &mut self.model_description,
            "serialnumber" => &mut self.serial,
            "udn" => &mut self.udn,
            _ => return None,
        })
    }
}

/// One piece of XML.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Start(&'a str),
    End(&'a str),
    /// Character data, entities still encoded (`raw`) or CDATA (not).
    Text {
        text: &'a str,
        raw: bool,
    },
}

/// The element's name without its namespace prefix.
fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

struct Scanner<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or_default()
    }

    /// Skip past `end` (or to the end of input).
    fn skip_past(&mut self, end: &str) {
        self.pos = match self.rest().find(end) {
            Some(i) => self.pos + i + end.len(),
            None => self.s.len(),
        };
    }

    /// The index just past the tag's `>`, honouring quoted attribute values.
    fn tag_end(&self) -> Option<usize> {
        let mut quote = None;
        for (i, c) in self.rest().char_indices() {
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (None, '>') => return Some(self.pos + i + 1),
                _ => {}
            }
        }
        None
    }

    fn next(&mut self) -> Option<Token<'a>> {
        loop {
            let rest = self.rest();
            if rest.is_empty() {
                return None;
            }
            if !rest.starts_with('<') {
                let n = rest.find('<').unwrap_or(rest.len());
                self.pos += n;
                return Some(Token::Text {
                    text: rest.get(..n)?,
                    raw: true,
                });
            }
            if rest.starts_with("<!--") {
                self.skip_past("-->");
            } else if let Some(body) = rest.strip_prefix("<![CDATA[") {
                let n = body.find("]]>").unwrap_or(body.len());
                self.pos += 9 + n;
                self.skip_past("]]>");
                return Some(Token::Text {
                    text: body.get(..n)?,
                    raw: false,
                });
            } else if rest.starts_with("<?") {
                self.skip_past("?>");
            } else if rest.starts_with("<!") {
                // DOCTYPE, with or without an internal subset: skipped whole.
                let subset = rest
                    .find('[')
                    .filter(|&b| rest.find('>').is_none_or(|g| b < g));
                if subset.is_some() {
                    self.skip_past("]");
                }
                self.skip_past(">");
            } else {
                let end = self.tag_end()?;
                let inner = self.s.get(self.pos + 1..end - 1)?;
                self.pos = end;
                if let Some(name) = inner.strip_prefix('/') {
                    return Some(Token::End(local(name.trim())));
                }
                let self_closing = inner.ends_with('/');
                let inner = inner.trim_end_matches('/');
                let name = inner.split(|c: char| c.is_whitespace()).next()?;
                if name.is_empty() {
                    continue;
                }
                if self_closing {
                    // An empty element: says nothing a field needs.
                    continue;
                }
                return Some(Token::Start(local(name)));
            }
        }
    }
}

/// Append `text` with the predefined and numeric entities decoded; an
/// entity this does not know is kept as written.
fn decode_entities(text: &str, out: &mut String) {
    let mut rest = text;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i..).unwrap_or_default();
        let semi = after.find(';').filter(|&n| n <= 12);
        let entity = semi.and_then(|n| after.get(1..n));
        let decoded = entity.and_then(|e| match e {
            "lt" => Some('<'),
            "gt" => Some('>'),
            "amp" => Some('&'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => {
                let num = e.strip_prefix('#')?;
                let code = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => num.parse::<u32>().ok()?,
                };
                char::from_u32(code)
            }
        });
        match (decoded, semi) {
            (Some(c), Some(n)) => {
                out.push(c);
                rest = after.get(n + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = after.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
}

/// Read the root device's fields from a description (the first `<device>`
/// directly inside `<root>`; embedded devices in its `deviceList` are not
/// it). A field's text is all the text inside its element, nested
/// elements' too.
pub fn describe(xml: &[u8]) -> Result<Description, UpnpError> {
    let xml = xml.get(..xml.len().min(MAX_XML)).unwrap_or_default();
    let text = String::from_utf8_lossy(xml);
    let mut scanner = Scanner { s: &text, pos: 0 };
    let mut out = Description::default();
    let mut stack: Vec<&str> = Vec::new();
    // Deeper than MAX_DEPTH: counted, not kept.
    let mut overflow = 0usize;
    let mut field: Option<(usize, String)> = None;
    let mut devices_seen = 0;
    while let Some(tok) = scanner.next() {
        match tok {
            Token::Start(name) => {
                if stack.len() >= MAX_DEPTH {
                    overflow += 1;
                    continue;
                }
                stack.push(name);
                let in_root_device = matches!(stack.as_slice(), [r, d, _]
                    if r.eq_ignore_ascii_case("root") && d.eq_ignore_ascii_case("device"));
                if let [r, d] = stack.as_slice()
                    && r.eq_ignore_ascii_case("root")
                    && d.eq_ignore_ascii_case("device")
                {
                    devices_seen += 1;
                }
                if in_root_device
                    && devices_seen == 1
                    && field.is_none()
                    && out.slot(name).is_some()
                {
                    field = Some((stack.len(), String::new()));
                }
            }
            Token::End(name) => {
                if overflow > 0 {
                    overflow -= 1;
                    continue;
                }
                // Close up to the matching element (tolerating unclosed ones).
                let Some(at) = stack.iter().rposition(|n| n.eq_ignore_ascii_case(name)) else {
                    continue;
                };
                let closes = field.as_ref().is_some_and(|(depth, _)| at < *depth);
                if closes
                    && let Some((depth, value)) = field.take()
                    && let Some(element) = stack.get(depth - 1)
                    && let Some(slot) = out.slot(element)
                    && slot.is_none()
                {
                    let v = value.trim();
                    if !v.is_empty() {
                        *slot = Some(v.to_string());
                    }
                }
                stack.truncate(at);
            }
            Token::Text { text, raw } => {
                if let Some((_, value)) = &mut field
                    && value.len() < MAX_FIELD
                {
                    if raw {
                        decode_entities(text, value);
                    } else {
                        value.push_str(text);
                    }
                    if value.len() > MAX_FIELD {
                        let mut cut = MAX_FIELD;
                        while !value.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        value.truncate(cut);
                    }
                }
            }
        }
    }
    if out.fields().is_empty() {
        return Err(UpnpError::NoDevice);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// gmediarender 0.1's description (`gmediarender --dump-devicedesc
    /// -f "Living Room" -u b827eb6e-...`, what the lab's renderer serves).
    const GMEDIARENDER: &str = r#"<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">
<specVersion>
<major>1</major>
<minor>0</minor>
</specVersion>
<device>
<deviceType>urn:schemas-upnp-org:device:MediaRenderer:1</deviceType>
<presentationURL></presentationURL>
<friendlyName>Living Room</friendlyName>
<manufacturer>Ivo Clarysse, Henner Zeller</manufacturer>
<manufacturerURL>http://github.com/hzeller/gmrender-resurrect</manufacturerURL>
<modelDescription>gmediarender 0.1</modelDescription>
<modelName>gmediarender</modelName>
<modelNumber>0.1</modelNumber>
<modelURL>http://github.com/hzeller/gmrender-resurrect</modelURL>
<UDN>uuid:b827eb6e-0018-4000-8000-b827eb6e0018</UDN>
<iconList>
<icon>
<mimetype>image/png</mimetype>
<width>64</width>
<height>64</height>
<depth>24</depth>
<url>/upnp/grender-64x64.png</url>
</icon>
<icon>
<mimetype>image/png</mimetype>
<width>128</width>
<height>128</height>
<depth>24</depth>
<url>/upnp/grender-128x128.png</url>
</icon>
</iconList>
<serviceList>
<service>
<serviceType>urn:schemas-upnp-org:service:AVTransport:1</serviceType>
<serviceId>urn:upnp-org:serviceId:AVTransport</serviceId>
<SCPDURL>/upnp/rendertransportSCPD.xml</SCPDURL>
<controlURL>/upnp/control/rendertransport1</controlURL>
<eventSubURL>/upnp/event/rendertransport1</eventSubURL>
</service>
<service>
<serviceType>urn:schemas-upnp-org:service:ConnectionManager:1</serviceType>
<serviceId>urn:upnp-org:serviceId:ConnectionManager</serviceId>
<SCPDURL>/upnp/renderconnmgrSCPD.xml</SCPDURL>
<controlURL>/upnp/control/renderconnmgr1</controlURL>
<eventSubURL>/upnp/event/renderconnmgr1</eventSubURL>
</service>
<service>
<serviceType>urn:schemas-upnp-org:service:RenderingControl:1</serviceType>
<serviceId>urn:upnp-org:serviceId:RenderingControl</serviceId>
<SCPDURL>/upnp/rendercontrolSCPD.xml</SCPDURL>
<controlURL>/upnp/control/rendercontrol1</controlURL>
<eventSubURL>/upnp/event/rendercontrol1</eventSubURL>
</service>
</serviceList>
</device>
</root>"#;

    #[test]
    fn gmediarender_description_is_read() {
        let d = describe(GMEDIARENDER.as_bytes()).unwrap();
        let want = Description {
            device_type: Some("urn:schemas-upnp-org:device:MediaRenderer:1".into()),
            friendly_name: Some("Living Room".into()),
            manufacturer: Some("Ivo Clarysse, Henner Zeller".into()),
            model_name: Some("gmediarender".into()),
            model_number: Some("0.1".into()),
            model_description: Some("gmediarender 0.1".into()),
            serial: None,
            udn: Some("uuid:b827eb6e-0018-4000-8000-b827eb6e0018".into()),
        };
        assert_eq!(d, want);
        // The same with a serial number, where MiniDLNA puts it.
        let with_serial =
            GMEDIARENDER.replace("<UDN>", "<serialNumber>4D4C0015</serialNumber><UDN>");
        assert_eq!(
            describe(with_serial.as_bytes()).unwrap().serial.as_deref(),
            Some("4D4C0015")
        );
    }

    #[test]
    fn descriptions_table() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            // Entities, numeric references, CDATA, a namespace prefix.
            (
                "<root><device><friendlyName>A &amp; B &#60;x&#x3E; &bogus; &amp</friendlyName></device></root>",
                "friendly_name",
                Some("A & B <x> &bogus; &amp"),
            ),
            (
                "<u:root><u:device><u:modelName><![CDATA[<b>M</b>]]></u:modelName></u:device></u:root>",
                "model_name",
                Some("<b>M</b>"),
            ),
            // Escaped script tags stay text; a nested element's text is kept.
            (
                "<root><device><friendlyName>&lt;script&gt;alert(1)&lt;/script&gt;</friendlyName></device></root>",
                "friendly_name",
                Some("<script>alert(1)</script>"),
            ),
            (
                "<root><device><friendlyName>x<script>alert(1)</script>y</friendlyName></device></root>",
                "friendly_name",
                Some("xalert(1)y"),
            ),
            // The embedded device's fields are not the root's.
            (
                "<root><device><deviceList><device><manufacturer>Inner</manufacturer></device></deviceList><manufacturer>Outer</manufacturer></device></root>",
                "manufacturer",
                Some("Outer"),
            ),
            // Comments, a DOCTYPE with an internal subset, attributes with '>'.
            (
                "<!DOCTYPE root [<!ENTITY x \"boom\">]><!-- <manufacturer>no</manufacturer> --><root a=\"1>2\"><device><manufacturer>&x;Yes</manufacturer></device></root>",
                "manufacturer",
                Some("&x;Yes"),
            ),
            // Unclosed: what came before the damage.
            (
                "<root><device><serialNumber>ABC</serialNumber><modelName>Half",
                "serial",
                Some("ABC"),
            ),
        ];
        for (xml, key, want) in cases {
            let d = describe(xml.as_bytes()).unwrap();
            let got = d
                .fields()
                .into_iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v);
            assert_eq!(got, *want, "{xml}");
        }
        for bad in [
            "",
            "not xml",
            "<root></root>",
            "<device><manufacturer>X</manufacturer></device>",
            "<<<<>>>>",
        ] {
            assert_eq!(describe(bad.as_bytes()), Err(UpnpError::NoDevice), "{bad}");
        }
    }

    #[test]
    fn hostile_descriptions_are_bounded() {
        let huge = format!(
            "<root><device><friendlyName>{}</friendlyName><manufacturer>M</manufacturer></device></root>",
            "A".repeat(50_000)
        );
        let d = describe(huge.as_bytes()).unwrap();
        assert_eq!(d.friendly_name.unwrap().len(), MAX_FIELD);
        assert_eq!(d.manufacturer.as_deref(), Some("M"));
        let deep = format!(
            "<root><device>{}{}<manufacturer>M</manufacturer></device></root>",
            "<a>".repeat(5_000),
            "</a>".repeat(5_000)
        );
        assert_eq!(
            describe(deep.as_bytes()).unwrap().manufacturer.as_deref(),
            Some("M")
        );
        // Past the read limit nothing counts.
        let late = format!(
            "{}<root><device><manufacturer>M</manufacturer></device></root>",
            " ".repeat(MAX_XML)
        );
        assert_eq!(describe(late.as_bytes()), Err(UpnpError::NoDevice));
    }

    proptest! {
        #[test]
        fn describe_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..800)) {
            let _ = describe(&bytes);
        }

        #[test]
        fn mutated_descriptions_never_panic(edits in proptest::collection::vec((any::<u16>(), "[<>/&;!\\[\\]?a-z\"]"), 1..16)) {
            let mut xml = GMEDIARENDER.to_string().into_bytes();
            for (at, c) in edits {
                let i = usize::from(at) % xml.len();
                xml[i] = c.as_bytes()[0];
            }
            if let Ok(d) = describe(&xml) {
                for (_, v) in d.fields() {
                    prop_assert!(v.len() <= MAX_FIELD);
                }
            }
        }
    }
}
