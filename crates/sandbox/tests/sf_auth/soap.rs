//! SOAP `login()` and `logout()` as simple-salesforce, jsforce and pysfpubsub call them, and
//! the faults.

use crate::common::{self, TestOrg};
use crate::support::{assert_session_rejected, data_status};
use ferry_sandbox::salesforce::api::Options;
use reqwest::StatusCode;

/// Just enough DOM to read a SOAP answer by position, the way pysfpubsub does.
#[derive(Debug, Default)]
struct Node {
    name: String,
    text: String,
    children: Vec<Node>,
}

fn dom(xml: &str) -> Node {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack = vec![Node::default()];
    let named = |name: &[u8]| Node {
        name: String::from_utf8(name.to_vec()).unwrap(),
        ..Node::default()
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => stack.push(named(e.name().as_ref())),
            Event::Empty(e) => stack
                .last_mut()
                .unwrap()
                .children
                .push(named(e.name().as_ref())),
            Event::End(_) => {
                let node = stack.pop().unwrap();
                stack.last_mut().unwrap().children.push(node);
            }
            Event::Text(t) => stack
                .last_mut()
                .unwrap()
                .text
                .push_str(&t.decode().unwrap()),
            Event::Eof => break,
            _ => {}
        }
    }
    stack.pop().unwrap().children.remove(0)
}

async fn soap(
    org: &TestOrg,
    path: &str,
    action: &str,
    body: String,
) -> (StatusCode, String, String) {
    let response = org
        .http
        .post(format!("{}{path}", org.base))
        .header("content-type", "text/xml")
        .header("SOAPAction", action)
        .body(body)
        .send()
        .await
        .unwrap();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_string();
    (
        response.status(),
        content_type,
        response.text().await.unwrap(),
    )
}

fn login_envelope(username: &str, password: &str) -> String {
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;");
    format!(
        r#"<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><env:Header><urn:CallOptions><urn:client>simple-salesforce</urn:client><urn:defaultNamespace>sf</urn:defaultNamespace></urn:CallOptions></env:Header><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>{}</n1:username><n1:password>{}</n1:password></n1:login></env:Body></env:Envelope>"#,
        escape(username),
        escape(password)
    )
}

const INVALID_LOGIN: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username, password, security token; or user locked out.</faultstring><detail><sf:LoginFault xsi:type="sf:LoginFault"><sf:exceptionCode>INVALID_LOGIN</sf:exceptionCode><sf:exceptionMessage>Invalid username, password, security token; or user locked out.</sf:exceptionMessage></sf:LoginFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#;

#[tokio::test]
async fn soap_login_is_read_by_position_and_its_session_works_over_https() {
    let org = common::start_with(Options {
        tls: true,
        ..Options::default()
    })
    .await;
    let b = org.sandbox.banner.clone();
    let password = format!("{}{}", b.password, b.security_token);
    let (status, content_type, xml) = soap(
        &org,
        "/services/Soap/u/59.0",
        "login",
        login_envelope(&b.username, &password),
    )
    .await;
    assert_eq!(
        (status, content_type.as_str()),
        (StatusCode::OK, "text/xml; charset=utf-8"),
        "{xml}"
    );
    let envelope = dom(&xml);
    assert_eq!(envelope.children.len(), 1, "no soapenv:Header");
    assert_eq!(envelope.children[0].name, "soapenv:Body");
    let result = &envelope.children[0].children[0].children[0];
    assert_eq!(result.name, "result");
    let names: Vec<&str> = result.children.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "metadataServerUrl",
            "passwordExpired",
            "sandbox",
            "serverUrl",
            "sessionId",
            "userId",
            "userInfo"
        ]
    );
    assert_eq!(
        result.children[3].text,
        format!("{}/services/Soap/u/59.0/{}", org.base, &b.org_id[..15])
    );
    assert_eq!(result.children[5].text, b.user_id);
    let user_info = &result.children[6];
    assert_eq!(
        (
            user_info.children[8].name.as_str(),
            user_info.children[8].text.as_str()
        ),
        ("organizationId", b.org_id.as_str())
    );
    let seconds = user_info
        .children
        .iter()
        .find(|n| n.name == "sessionSecondsValid")
        .unwrap();
    assert_eq!(seconds.text, "7200");
    let session = result.children[4].text.clone();
    assert_eq!(data_status(&org, &session).await, 200);

    // jsforce: default namespace, SOAPAction "".
    let jsforce = format!(
        r#"<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>{}</username><password>{password}</password></login></se:Body></se:Envelope>"#,
        b.username
    );
    let (status, _, xml) = soap(&org, "/services/Soap/u/50.0", "\"\"", jsforce).await;
    assert_eq!(status, 200);
    assert!(xml.contains("<passwordExpired>false</passwordExpired>"));
    // pysfpubsub: CDATA, trailing slash.
    let pubsub = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header/><soapenv:Body><urn:login><urn:username><![CDATA[{}]]></urn:username><urn:password><![CDATA[{password}]]></urn:password></urn:login></soapenv:Body></soapenv:Envelope>"#,
        b.username
    );
    let (status, _, xml) = soap(&org, "/services/Soap/u/57.0/", "Login", pubsub).await;
    assert_eq!(status, 200);
    let pubsub_session = dom(&xml).children[0].children[0].children[0].children[4]
        .text
        .clone();
    assert_eq!(data_status(&org, &pubsub_session).await, 200);
    // The enterprise endpoint answers with its own serverUrl.
    let (status, _, xml) = soap(
        &org,
        "/services/Soap/c/59.0",
        "login",
        login_envelope(&b.username, &password),
    )
    .await;
    assert_eq!(status, 200);
    assert!(xml.contains(&format!(
        "<serverUrl>{}/services/Soap/c/59.0/{}</serverUrl>",
        org.base,
        &b.org_id[..15]
    )));

    // logout ends the session; a second logout is a fault.
    let logout = format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><soapenv:Header><urn:SessionHeader><urn:sessionId>{session}</urn:sessionId></urn:SessionHeader></soapenv:Header><soapenv:Body><urn:logout/></soapenv:Body></soapenv:Envelope>"#
    );
    let (status, _, xml) = soap(
        &org,
        &format!("/services/Soap/u/59.0/{}", &b.org_id[..15]),
        "logout",
        logout.clone(),
    )
    .await;
    assert_eq!(status, 200, "{xml}");
    assert!(xml.contains("<logoutResponse/>"));
    assert_session_rejected(&org, &session).await;
    let (status, _, xml) = soap(&org, "/services/Soap/u/59.0", "logout", logout).await;
    assert_eq!(status, 500);
    assert!(xml.contains("<faultcode>sf:INVALID_SESSION_ID</faultcode>"));
    assert!(xml.contains("<sf:exceptionCode>INVALID_SESSION_ID</sf:exceptionCode>"));
}

#[tokio::test]
async fn soap_faults() {
    let org = common::start().await;
    let b = org.sandbox.banner.clone();
    for password in [
        "wrong".to_string(),
        b.password.clone(),
        format!("{}<&{}", b.password, b.security_token),
    ] {
        let (status, content_type, xml) = soap(
            &org,
            "/services/Soap/u/59.0",
            "login",
            login_envelope(&b.username, &password),
        )
        .await;
        assert_eq!(
            (status, content_type.as_str(), xml.as_str()),
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "text/xml; charset=utf-8",
                INVALID_LOGIN
            )
        );
    }
    let (_, _, xml) = soap(
        &org,
        "/services/Soap/u/59.0",
        "login",
        login_envelope("nobody@example.com", "x"),
    )
    .await;
    assert_eq!(xml, INVALID_LOGIN);
    let fault_code = |xml: &str| dom(xml).children[0].children[0].children[0].text.clone();
    let call = |op: &str| {
        format!(
            r#"<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><{op} xmlns="urn:partner.soap.sforce.com"/></e:Body></e:Envelope>"#
        )
    };
    let (status, _, xml) = soap(&org, "/services/Soap/u/59.0", "", call("query")).await;
    assert_eq!(
        (status, fault_code(&xml)),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "sf:UNKNOWN_EXCEPTION".to_string()
        )
    );
    let (status, _, xml) = soap(&org, "/services/Soap/u/59.0", "", call("fly")).await;
    assert_eq!(
        (status, fault_code(&xml)),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "soapenv:Client".to_string()
        )
    );
    assert!(xml.contains("No operation available for request {urn:partner.soap.sforce.com}fly"));
    let (status, _, xml) = soap(&org, "/services/Soap/u/59.0", "", "<not xml".into()).await;
    assert_eq!(
        (status, fault_code(&xml)),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "soapenv:Client".to_string()
        )
    );
    let (status, _, xml) = soap(&org, "/services/Soap/u/99.0", "", call("login")).await;
    assert_eq!(
        (status, fault_code(&xml)),
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "sf:UNSUPPORTED_API_VERSION".to_string()
        )
    );
}
