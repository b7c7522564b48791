//! Reading a SOAP request: which operation the body calls, its arguments, and the header
//! values. Namespaces are matched by local name only, so every client's spelling works:
//! simple-salesforce's `n1:` prefix, jsforce's default namespace, pysfpubsub's `urn:` prefix
//! with CDATA values.

use quick_xml::Reader;
use quick_xml::events::Event;

/// The parts of a SOAP request the sandbox acts on.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Local name of the body's first element: the operation (`login`, `logout`, ...).
    pub operation: String,
    /// The operation element's children, local name → text (XML-unescaped, CDATA unwrapped).
    pub arguments: Vec<(String, String)>,
    /// Every element inside the header, local name → text (`sessionId`, `client`,
    /// `organizationId`, ...).
    pub headers: Vec<(String, String)>,
}

impl Envelope {
    /// The trimmed text of argument `name`.
    pub fn argument(&self, name: &str) -> Option<&str> {
        find(&self.arguments, name)
    }

    /// The trimmed text of header element `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        find(&self.headers, name)
    }
}

fn find<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim())
}

/// Parses a request envelope; the error says what is wrong with the XML.
pub fn parse(xml: &str) -> Result<Envelope, String> {
    let mut reader = Reader::from_str(xml);
    let mut envelope = Envelope::default();
    // Local names of the open elements, outermost first.
    let mut open: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut saw_root = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|err| format!("the request is not well-formed XML: {err}"))?;
        match event {
            Event::Start(start) => {
                let name = local_name(start.local_name().as_ref());
                enter(&mut envelope, &open, &name, &mut saw_root)?;
                open.push(name);
                text.clear();
            }
            Event::Empty(start) => {
                let name = local_name(start.local_name().as_ref());
                enter(&mut envelope, &open, &name, &mut saw_root)?;
                leave(&mut envelope, &open, name, String::new());
            }
            Event::End(_) => {
                if let Some(name) = open.pop() {
                    leave(&mut envelope, &open, name, std::mem::take(&mut text));
                }
            }
            Event::Text(content) => {
                let decoded = content
                    .decode()
                    .map_err(|err| format!("the request has undecodable text: {err}"))?;
                text.push_str(&decoded);
            }
            Event::CData(content) => {
                let decoded = content
                    .decode()
                    .map_err(|err| format!("the request has undecodable CDATA: {err}"))?;
                text.push_str(&decoded);
            }
            Event::GeneralRef(reference) => {
                let bad = || "the request has an unknown entity reference".to_string();
                match reference.resolve_char_ref().map_err(|_| bad())? {
                    Some(ch) => text.push(ch),
                    None => {
                        let name = reference.decode().map_err(|_| bad())?;
                        text.push_str(predefined_entity(&name).ok_or_else(bad)?);
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if envelope.operation.is_empty() {
        return Err("the request has no operation in soapenv:Body".to_string());
    }
    Ok(envelope)
}

/// Notes the operation when an element opens directly inside the Body.
fn enter(
    envelope: &mut Envelope,
    open: &[String],
    name: &str,
    saw_root: &mut bool,
) -> Result<(), String> {
    if open.is_empty() {
        if *saw_root || name != "Envelope" {
            return Err(format!(
                "the request's root element is {name}, not a SOAP Envelope"
            ));
        }
        *saw_root = true;
    }
    if open.len() == 2 && open[1] == "Body" && envelope.operation.is_empty() {
        envelope.operation = name.to_string();
    }
    Ok(())
}

/// Records an argument (a child of the operation) or a header value as its element closes.
fn leave(envelope: &mut Envelope, open: &[String], name: String, text: String) {
    let in_body_operation = open.len() == 3 && open[1] == "Body" && open[2] == envelope.operation;
    if in_body_operation {
        envelope.arguments.push((name, text));
    } else if open.len() >= 2 && open[1] == "Header" {
        envelope.headers.push((name, text));
    }
}

fn local_name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn predefined_entity(name: &str) -> Option<&'static str> {
    match name {
        "lt" => Some("<"),
        "gt" => Some(">"),
        "amp" => Some("&"),
        "apos" => Some("'"),
        "quot" => Some("\""),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixed_default_and_cdata_spellings_read_the_same() {
        let prefixed = r#"<?xml version="1.0" encoding="utf-8" ?>
<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com">
  <env:Header><urn:CallOptions><urn:client>simple-salesforce</urn:client><urn:defaultNamespace>sf</urn:defaultNamespace></urn:CallOptions></env:Header>
  <env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>a&amp;b@x.com</n1:username><n1:password>p&lt;w&#65;</n1:password></n1:login></env:Body>
</env:Envelope>"#;
        let envelope = parse(prefixed).unwrap();
        assert_eq!(envelope.operation, "login");
        assert_eq!(envelope.argument("username"), Some("a&b@x.com"));
        assert_eq!(envelope.argument("password"), Some("p<wA"));
        assert_eq!(envelope.header("client"), Some("simple-salesforce"));

        let default_ns = r#"<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>u</username><password>p</password></login></se:Body></se:Envelope>"#;
        let envelope = parse(default_ns).unwrap();
        assert_eq!(
            (envelope.argument("username"), envelope.argument("password")),
            (Some("u"), Some("p"))
        );

        let cdata = r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header/><soapenv:Body><urn:login><urn:username><![CDATA[u&v]]></urn:username><urn:password><![CDATA[<p>]]></urn:password></urn:login></soapenv:Body></soapenv:Envelope>"#;
        let envelope = parse(cdata).unwrap();
        assert_eq!(
            (envelope.argument("username"), envelope.argument("password")),
            (Some("u&v"), Some("<p>"))
        );
    }

    #[test]
    fn empty_operations_and_broken_xml() {
        let logout = r#"<e:Envelope xmlns:e="s"><e:Header><SessionHeader><sessionId>T</sessionId></SessionHeader></e:Header><e:Body><logout/></e:Body></e:Envelope>"#;
        let envelope = parse(logout).unwrap();
        assert_eq!(envelope.operation, "logout");
        assert_eq!(envelope.header("sessionId"), Some("T"));
        assert!(parse("<e:Envelope><e:Body><login></e:Body></e:Envelope>").is_err());
        assert!(parse("<html/>").is_err());
        assert!(parse(r#"<e:Envelope xmlns:e="s"><e:Body/></e:Envelope>"#).is_err());
    }
}
