//! `[server]` and the Salesforce change-capture keys: defaults, what is refused, and where.

use super::*;

#[test]
fn the_server_section_has_defaults_and_names_the_hook_url() {
    let config = check(MINIMAL, &[]).unwrap();
    assert_eq!(config.server, ServerConfig::default());
    assert_eq!(
        config.server.listen_addr().unwrap(),
        "127.0.0.1:8080".parse().unwrap()
    );
    assert_eq!(config.server.max_body_bytes, 1024 * 1024);
    assert!(config.server.intake_token.is_none());
    let config = check(
        &format!(
            "{MINIMAL}[server]\nlisten = \"0.0.0.0:9000\"\nintake_token = \"env:FERRY_HOOK\"\n\
             public_url = \"https://ferry.example.com/\"\n"
        ),
        &[],
    )
    .unwrap();
    assert_eq!(
        config.server.brightpearl_hook_url("t0k").as_deref(),
        Some("https://ferry.example.com/hooks/brightpearl/t0k")
    );
    assert!(
        config
            .secret_refs()
            .iter()
            .any(|(key, r)| *key == "server.intake_token" && r.to_string() == "env:FERRY_HOOK")
    );
    let config = check(MINIMAL, &[("FERRY_SERVER_LISTEN", "127.0.0.1:0")]).unwrap();
    assert_eq!(config.server.listen, "127.0.0.1:0");
}

#[test]
fn bad_server_values_are_located_and_explained() {
    check_err(
        &format!("{MINIMAL}[server]\nlisten = \"localhost\"\n"),
        &[],
        "ferry.toml:4:1: server.listen \"localhost\" is not an address and port: write e.g. \
         \"127.0.0.1:8080\" (this machine only) or \"0.0.0.0:8080\" (every interface)",
    );
    check_err(
        &format!("{MINIMAL}[server]\nmax_body_bytes = 10\n"),
        &[],
        "ferry.toml:4:1: server.max_body_bytes must be from 1024 to 67108864, not 10: \
         Brightpearl's webhook bodies are a few hundred bytes (the default is 1048576)",
    );
    let err = check(
        &format!("{MINIMAL}[server]\nintake_token = \"s3cret-literal\"\n"),
        &[],
    )
    .unwrap_err();
    assert!(
        err.contains("literal secret") && !err.contains("s3cret"),
        "{err}"
    );
    check_err(
        &format!("{MINIMAL}[server]\npublic_url = \"https://x.example/?a=1\"\n"),
        &[],
        "ferry.toml:4:1: server.public_url \"https://x.example/?a=1\" must be a plain address \
         without a query or fragment: Ferry adds /hooks/brightpearl/<token> to it",
    );
}

#[test]
fn salesforce_change_capture_defaults_to_cdc_on_the_global_endpoint() {
    let sf = "[store]\nurl = \"sqlite://x.db\"\n[salesforce]\n\
              login_url = \"https://login.salesforce.com\"\nclient_id = \"3MVG9\"\n\
              client_secret = \"env:SF_SECRET\"\n";
    let config = check(sf, &[]).unwrap().salesforce.unwrap();
    assert!(config.cdc);
    assert_eq!(config.pubsub_url, None);
    let config = check(
        &format!("{sf}cdc = false\npubsub_url = \"http://127.0.0.1:7443\"\n"),
        &[],
    )
    .unwrap()
    .salesforce
    .unwrap();
    assert!(!config.cdc);
    assert_eq!(config.pubsub_url.as_deref(), Some("http://127.0.0.1:7443"));
    check_err(
        &format!("{sf}pubsub_url = \"grpc://x\"\n"),
        &[],
        "ferry.toml:7:1: salesforce.pubsub_url must start with https:// (or http:// for the \
         sandbox), not \"grpc://x\"",
    );
}

#[test]
fn api_tokens_hold_a_hash_a_role_and_a_unique_name() {
    let hash = "a".repeat(64);
    let config = check(
        &format!(
            "{MINIMAL}[[server.api_tokens]]\nname = \"ci\"\nrole = \"operator\"\nsha256 = \"{hash}\"\n"
        ),
        &[],
    )
    .unwrap();
    assert_eq!(config.server.api_tokens.len(), 1);
    assert_eq!(config.server.api_tokens[0].role, ApiRole::Operator);
    let err = check(
        &format!(
            "{MINIMAL}[[server.api_tokens]]\nname = \"ci\"\nrole = \"operator\"\nsha256 = \"fy_plain-token\"\n"
        ),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("64 hexadecimal digits") && err.contains("not the token itself"),
        "{err}"
    );
    let err = check(
        &format!(
            "{MINIMAL}[[server.api_tokens]]\nname = \"ci\"\nrole = \"operator\"\nsha256 = \"{hash}\"\n\
             [[server.api_tokens]]\nname = \"ci\"\nrole = \"viewer\"\nsha256 = \"{hash}\"\n"
        ),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("two tokens are named \"ci\""), "{err}");
    let err = check(
        &format!(
            "{MINIMAL}[[server.api_tokens]]\nname = \"ci\"\nrole = \"root\"\nsha256 = \"{hash}\"\n"
        ),
        &[],
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("root"), "{err}");
}
