//! The SOAP API's `login()` and `logout()` at `/services/Soap/u/{version}` (partner) and
//! `/services/Soap/c/{version}` (enterprise), also under the `serverUrl` that login returns
//! (`.../{version}/{orgId15}`).
//!
//! simple-salesforce, jsforce and pysfpubsub log in this way, and pysfpubsub reads the answer
//! by position, so the success body is written out element by element in Salesforce's order,
//! with no `soapenv:Header` and unprefixed result elements. Faults are HTTP 500 with the
//! `sf:` prefixed `exceptionCode` / `exceptionMessage` simple-salesforce looks up by name.
//!
//! Decisions:
//! - The password is the user's password followed by the security token; a
//!   `LoginScopeHeader` naming another org fails the login (`INVALID_LOGIN`).
//! - `CallOptions` and other headers are accepted and ignored.
//! - `logout` needs a live `SessionHeader` session (else `INVALID_SESSION_ID`) and revokes it.
//! - Other operations of the real WSDL (`query`, `create`, ...) answer `sf:UNKNOWN_EXCEPTION`
//!   saying the sandbox serves them over REST only; an operation the WSDL does not have
//!   answers `soapenv:Client` "No operation available for request {namespace}name", as
//!   Salesforce's SOAP stack does.
//! - A version outside 20.0–67.0 answers `sf:UNSUPPORTED_API_VERSION`.

mod envelope;

use super::{ApiVersion, AppState};
use crate::salesforce::ids::SfId;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use envelope::Envelope;
use quick_xml::escape::escape;
use std::collections::HashMap;

pub use envelope::parse as parse_envelope;

/// Routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/services/Soap/u/{version}", post(partner))
        .route("/services/Soap/u/{version}/{org_id}", post(partner))
        .route("/services/Soap/c/{version}", post(enterprise))
        .route("/services/Soap/c/{version}/{org_id}", post(enterprise))
}

/// Which WSDL an endpoint speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wsdl {
    Partner,
    Enterprise,
}

impl Wsdl {
    /// The namespace of requests and results.
    fn namespace(self) -> &'static str {
        match self {
            Wsdl::Partner => "urn:partner.soap.sforce.com",
            Wsdl::Enterprise => "urn:enterprise.soap.sforce.com",
        }
    }

    /// The namespace bound to `sf:` in faults.
    fn fault_namespace(self) -> &'static str {
        match self {
            Wsdl::Partner => "urn:fault.partner.soap.sforce.com",
            Wsdl::Enterprise => "urn:fault.enterprise.soap.sforce.com",
        }
    }

    /// The path letter: `/services/Soap/u/` or `/services/Soap/c/`.
    fn letter(self) -> char {
        match self {
            Wsdl::Partner => 'u',
            Wsdl::Enterprise => 'c',
        }
    }
}

/// Operations of the real partner and enterprise WSDLs that the sandbox serves over REST.
const REST_ONLY_OPERATIONS: &[&str] = &[
    "convertLead",
    "create",
    "delete",
    "describeGlobal",
    "describeLayout",
    "describeSObject",
    "describeSObjects",
    "emptyRecycleBin",
    "getDeleted",
    "getServerTimestamp",
    "getUpdated",
    "getUserInfo",
    "invalidateSessions",
    "merge",
    "process",
    "query",
    "queryAll",
    "queryMore",
    "resetPassword",
    "retrieve",
    "search",
    "sendEmail",
    "setPassword",
    "undelete",
    "update",
    "upsert",
];

const LOGIN_FAILED: &str = "Invalid username, password, security token; or user locked out.";

async fn partner(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    call(&state, Wsdl::Partner, &params, &body)
}

async fn enterprise(
    State(state): State<AppState>,
    Path(params): Path<HashMap<String, String>>,
    body: Bytes,
) -> Response {
    call(&state, Wsdl::Enterprise, &params, &body)
}

/// Dispatches one SOAP call.
fn call(state: &AppState, wsdl: Wsdl, params: &HashMap<String, String>, body: &[u8]) -> Response {
    let version_text = params
        .get("version")
        .map(String::as_str)
        .unwrap_or_default();
    let Some(version) = ApiVersion::parse(version_text) else {
        return fault(
            wsdl,
            "UNSUPPORTED_API_VERSION",
            "Invalid Api version specified on URL",
            "UnexpectedErrorFault",
        );
    };
    let request = std::str::from_utf8(body)
        .map_err(|_| "the request is not UTF-8".to_string())
        .and_then(envelope::parse);
    let request = match request {
        Ok(request) => request,
        Err(message) => return client_fault(wsdl, &message),
    };
    match request.operation.as_str() {
        "login" => login(state, wsdl, version, &request),
        "logout" => logout(state, wsdl, &request),
        operation if REST_ONLY_OPERATIONS.contains(&operation) => fault(
            wsdl,
            "UNKNOWN_EXCEPTION",
            &format!(
                "The Ferry sandbox serves only login and logout over SOAP; call {operation} through the REST API (/services/data/v{}/)",
                version.number()
            ),
            "UnexpectedErrorFault",
        ),
        operation => client_fault(
            wsdl,
            &format!(
                "No operation available for request {{{}}}{operation}, please check the WSDL for the service.",
                wsdl.namespace()
            ),
        ),
    }
}

/// `login(username, password)`: a session valid on every API.
fn login(state: &AppState, wsdl: Wsdl, version: ApiVersion, request: &Envelope) -> Response {
    let username = request.argument("username").unwrap_or_default();
    let password = request.argument("password").unwrap_or_default();
    let mut auth = state.auth();
    let org_id = auth.org_id();
    let other_org = request
        .header("organizationId")
        .filter(|text| !text.is_empty())
        .is_some_and(|text| SfId::parse(text) != Ok(org_id));
    let user = match auth.check_password(username, password) {
        Some(user) if !other_org => user.clone(),
        _ => return fault(wsdl, "INVALID_LOGIN", LOGIN_FAILED, "LoginFault"),
    };
    let session = auth.issue(user.user_id, "");
    let seconds = auth.session_seconds();
    drop(auth);

    let instance = &state.instance_url;
    let number = version.number();
    let org15 = org_id.short();
    let mut xml = String::with_capacity(2048);
    xml.push_str(r#"<?xml version="1.0" encoding="UTF-8"?>"#);
    xml.push_str(&format!(
        r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="{}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">"#,
        wsdl.namespace()
    ));
    xml.push_str("<soapenv:Body><loginResponse><result>");
    let mut element = |name: &str, value: &str| {
        xml.push_str(&format!("<{name}>{}</{name}>", escape(value)));
    };
    // Positions matter: pysfpubsub reads result[3], [4] and [6], and userInfo[8].
    element(
        "metadataServerUrl",
        &format!("{instance}/services/Soap/m/{number}/{org15}"),
    );
    element("passwordExpired", "false");
    element("sandbox", "true");
    element(
        "serverUrl",
        &format!(
            "{instance}/services/Soap/{}/{number}/{org15}",
            wsdl.letter()
        ),
    );
    element("sessionId", &session.token);
    element("userId", user.user_id.as_str());
    xml.push_str("<userInfo>");
    let mut element = |name: &str, value: Option<&str>| match value {
        Some(value) => xml.push_str(&format!("<{name}>{}</{name}>", escape(value))),
        None => xml.push_str(&format!(r#"<{name} xsi:nil="true"/>"#)),
    };
    element("accessibilityMode", Some("false"));
    element("chatterExternal", Some("false"));
    element("currencySymbol", Some("$"));
    element("orgAttachmentFileSizeLimit", Some("5242880"));
    element("orgDefaultCurrencyIsoCode", Some("USD"));
    element("orgDefaultCurrencyLocale", Some("en_US"));
    element("orgDisallowHtmlAttachments", Some("false"));
    element("orgHasPersonAccounts", Some("false"));
    element("organizationId", Some(org_id.as_str()));
    element("organizationMultiCurrency", Some("false"));
    element("organizationName", Some("Ferry Sandbox"));
    element("profileId", Some(SfId::mint("00e", 1).as_str()));
    element("roleId", None);
    element("sessionSecondsValid", Some(&seconds.to_string()));
    element("userDefaultCurrencyIsoCode", None);
    element("userEmail", Some(&user.email));
    element("userFullName", Some(&user.full_name));
    element("userId", Some(user.user_id.as_str()));
    element("userLanguage", Some("en_US"));
    element("userLocale", Some("en_US"));
    element("userName", Some(&user.username));
    element("userTimeZone", Some("America/Los_Angeles"));
    element("userType", Some("Standard"));
    element("userUiSkin", Some("Theme3"));
    xml.push_str("</userInfo></result></loginResponse></soapenv:Body></soapenv:Envelope>");
    xml_response(StatusCode::OK, xml)
}

/// `logout()`: ends the `SessionHeader` session.
fn logout(state: &AppState, wsdl: Wsdl, request: &Envelope) -> Response {
    let token = request.header("sessionId").unwrap_or_default();
    let mut auth = state.auth();
    if token.is_empty() || auth.session(token).is_none() {
        return fault(
            wsdl,
            "INVALID_SESSION_ID",
            "Invalid Session ID found in SessionHeader: Illegal Session",
            "UnexpectedErrorFault",
        );
    }
    auth.revoke(token);
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="{}"><soapenv:Body><logoutResponse/></soapenv:Body></soapenv:Envelope>"#,
        wsdl.namespace()
    );
    xml_response(StatusCode::OK, xml)
}

/// A Salesforce API fault: `sf:CODE`, `CODE: message`, and the typed detail.
fn fault(wsdl: Wsdl, code: &str, message: &str, fault_type: &str) -> Response {
    let message = escape(message);
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="{ns}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>sf:{code}</faultcode><faultstring>{code}: {message}</faultstring><detail><sf:{fault_type} xsi:type="sf:{fault_type}"><sf:exceptionCode>{code}</sf:exceptionCode><sf:exceptionMessage>{message}</sf:exceptionMessage></sf:{fault_type}></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
        ns = wsdl.fault_namespace(),
    );
    xml_response(StatusCode::INTERNAL_SERVER_ERROR, xml)
}

/// A fault in the request itself (`soapenv:Client`), with no Salesforce detail.
fn client_fault(wsdl: Wsdl, message: &str) -> Response {
    let xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="{}"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>{}</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>"#,
        wsdl.fault_namespace(),
        escape(message)
    );
    xml_response(StatusCode::INTERNAL_SERVER_ERROR, xml)
}

fn xml_response(status: StatusCode, xml: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/xml; charset=utf-8")],
        xml,
    )
        .into_response()
}
