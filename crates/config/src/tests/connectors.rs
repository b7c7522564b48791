//! `[brightpearl]` and `[salesforce]`: auth defaults, hosts, limits, and the same keys from
//! `FERRY_*` variables.

use super::*;

const BP: &str = "[store]\nurl = \"sqlite://x.db\"\n[brightpearl]\naccount = \"shop\"\n\
                  base_url = \"https://use1.brightpearlconnect.com\"\napp_ref = \"shop_ferry\"\n";
const SF: &str = "[store]\nurl = \"sqlite://x.db\"\n[salesforce]\n\
                  login_url = \"https://login.salesforce.com\"\nclient_id = \"3MVG9\"\n";

fn brightpearl(text: &str) -> BrightpearlConfig {
    check(text, &[]).unwrap().brightpearl.unwrap()
}

fn salesforce(text: &str) -> SalesforceConfig {
    check(text, &[]).unwrap().salesforce.unwrap()
}

#[test]
fn every_commented_example_in_the_starter_file_is_valid_and_settable_by_environment() {
    // Uncomment every `# [section]` and `# key = value` line: the examples must parse together.
    let mut keys = Vec::new();
    let mut section = String::new();
    let text: String = STARTER_TOML
        .lines()
        .map(|line| {
            let body = line.strip_prefix("# ").unwrap_or(line);
            if let Some(name) = body.strip_prefix('[').and_then(|b| b.strip_suffix(']')) {
                section = name.to_owned();
                return format!("{body}\n");
            }
            match body.split_once(" = ") {
                Some((key, _))
                    if !key.is_empty()
                        && key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') =>
                {
                    keys.push(if section.is_empty() {
                        key.to_owned()
                    } else {
                        format!("{section}.{key}")
                    });
                    // A password beside the SQLite URL is refused, rightly.
                    if key == "password" {
                        format!("{line}\n")
                    } else {
                        format!("{body}\n")
                    }
                }
                _ => format!("{line}\n"),
            }
        })
        .collect();
    let config = check(&text, &[]).unwrap();
    let bp = config.brightpearl.as_ref().unwrap();
    assert_eq!(bp.auth_mode(), Ok(BrightpearlAuth::AccountToken));
    assert_eq!(bp.requests_per_minute, 200);
    assert_eq!(
        bp.token_url(),
        "https://oauth.brightpearlapp.com/token/myshop"
    );
    let sf = config.salesforce.as_ref().unwrap();
    assert_eq!(sf.auth_mode(), Ok(SalesforceAuth::ClientCredentials));
    assert_eq!(
        (sf.daily_api_percent, sf.run_api_calls, sf.bulk_threshold),
        (80, Some(50_000), 2000)
    );
    assert_eq!(
        config.resolve(sf.ca_file.as_deref().unwrap()),
        Path::new("/etc/ferry/sandbox-ca.pem")
    );
    let names = overrides::all_env_names();
    let documented: Vec<String> = keys
        .iter()
        .map(|key| format!("FERRY_{}", key.replace('.', "_").to_ascii_uppercase()))
        .collect();
    for (key, name) in keys.iter().zip(&documented) {
        assert!(names.contains(name), "{key} has no variable {name}");
    }
    for name in &names {
        assert!(
            documented.contains(name),
            "{name} has no example in the starter file"
        );
    }
}

#[test]
fn brightpearl_auth_follows_the_token_that_is_set() {
    let token = format!("{BP}account_token = \"vault:bp.account\"\n");
    let bp = brightpearl(&token);
    assert_eq!(bp.auth_mode(), Ok(BrightpearlAuth::AccountToken));
    assert_eq!((bp.requests_per_minute, bp.timeout_seconds), (200, 60));
    let staff = format!("{BP}staff_token = \"env:BP_STAFF\"\n");
    assert_eq!(
        brightpearl(&staff).auth_mode(),
        Ok(BrightpearlAuth::StaffToken)
    );
    let both = format!("{BP}account_token = \"env:A\"\nstaff_token = \"env:B\"\n");
    check_err(
        &both,
        &[],
        "ferry.toml:3:1: [brightpearl] sets both account_token and staff_token: say which to use \
         with auth = \"account-token\" or auth = \"staff-token\"",
    );
    let chosen = format!("{both}auth = \"staff-token\"\ndev_ref = \"dev\"\n");
    assert_eq!(
        brightpearl(&chosen).auth_mode(),
        Ok(BrightpearlAuth::StaffToken)
    );
    check_err(
        BP,
        &[],
        "ferry.toml:3:1: [brightpearl] has no credentials: set account_token = \
         \"vault:brightpearl.account_token\" (private system app), staff_token = \
         \"vault:brightpearl.staff_token\" (private staff app), or auth = \"oauth\" with dev_ref \
         and refresh_token (OAuth instance app)",
    );
    check_err(
        &format!("{BP}auth = \"staff-token\"\naccount_token = \"env:A\"\n"),
        &[],
        "ferry.toml:7:1: brightpearl.auth = \"staff-token\" needs brightpearl.staff_token: add \
         staff_token = \"vault:brightpearl.staff_token\"",
    );
    check_err(
        &format!("{BP}auth = \"oath\"\n"),
        &[],
        "ferry.toml:7:8: \"oath\" is not a valid value in [brightpearl]: did you mean \"oauth\"?",
    );
}

#[test]
fn brightpearl_oauth_needs_a_dev_ref_and_a_refresh_token() {
    let oauth = format!("{BP}auth = \"oauth\"\n");
    check_err(
        &oauth,
        &[],
        "ferry.toml:7:1: brightpearl.auth = \"oauth\" needs brightpearl.refresh_token: add \
         refresh_token = \"vault:brightpearl.refresh_token\" (`ferry connect brightpearl` stores it)",
    );
    let refresh = format!("{oauth}refresh_token = \"vault:brightpearl.refresh_token\"\n");
    check_err(
        &refresh,
        &[],
        "ferry.toml:7:1: brightpearl.auth = \"oauth\" needs brightpearl.dev_ref, the developer \
         reference sent as brightpearl-dev-ref: add dev_ref = \"...\" from the app's developer \
         account",
    );
    let bp = brightpearl(&format!("{refresh}dev_ref = \"ferrydev\"\n"));
    assert_eq!(bp.auth_mode(), Ok(BrightpearlAuth::OAuth));
    assert_eq!(bp.oauth_client_id(), "shop_ferry");
    assert_eq!(
        bp.token_url(),
        "https://use1.brightpearlconnect.com/shop/oauth/token",
        "derived from the datacenter"
    );
    let bp = brightpearl(&format!(
        "{refresh}dev_ref = \"ferrydev\"\nclient_id = \"other\"\n\
         token_url = \"http://127.0.0.1:9000/oauth/token/shop\"\n"
    ));
    assert_eq!(bp.oauth_client_id(), "other");
    assert_eq!(bp.token_url(), "http://127.0.0.1:9000/oauth/token/shop");
    check_err(
        &format!("{refresh}dev_ref = \"ferrydev\"\ntoken_url = \"oauth.brightpearl.com/token\"\n"),
        &[],
        "ferry.toml:10:1: brightpearl.token_url must start with https:// (or http:// for the \
         sandbox), not \"oauth.brightpearl.com/token\"",
    );
    check_err(
        &format!("{refresh}dev_ref = \"my dev\"\n"),
        &[],
        "ferry.toml:9:1: brightpearl.dev_ref must not be empty or contain spaces",
    );
}

#[test]
fn brightpearl_hosts_may_be_urls_or_an_api_domain() {
    let with = |base: &str| {
        BP.replace("https://use1.brightpearlconnect.com", base) + "account_token = \"env:A\"\n"
    };
    assert_eq!(
        brightpearl(&with("ws-use.brightpearl.com")).api_url(),
        "https://ws-use.brightpearl.com"
    );
    assert_eq!(
        brightpearl(&with("https://euw1.brightpearlconnect.com/")).api_url(),
        "https://euw1.brightpearlconnect.com"
    );
    let sandbox = brightpearl(&with("http://127.0.0.1:8410"));
    assert_eq!(sandbox.api_url(), "http://127.0.0.1:8410");
    assert_eq!(
        sandbox.token_url(),
        "http://127.0.0.1:8410/shop/oauth/token"
    );
    for bad in ["ftp://bp.example", "https://", "use1 brightpearl", ""] {
        check_err(
            &with(bad),
            &[],
            &format!(
                "ferry.toml:5:1: brightpearl.base_url must be the datacenter's URL, e.g. \
                 \"https://use1.brightpearlconnect.com\" (http:// for the sandbox), or the OAuth \
                 api_domain host, e.g. \"ws-use.brightpearl.com\"; not {bad:?}"
            ),
        );
    }
    check_err(
        &BP.replace("\"shop\"", "\"my/shop\""),
        &[],
        "ferry.toml:4:1: brightpearl.account \"my/shop\" is not an account code: use the letters, \
         digits, '-' and '_' that follow /public-api/ in the account's API URLs",
    );
}

#[test]
fn brightpearl_limits_and_intake_url_are_checked() {
    let base = format!("{BP}account_token = \"env:A\"\n");
    for bad in [0, 10_001] {
        check_err(
            &format!("{base}requests_per_minute = {bad}\n"),
            &[],
            &format!(
                "ferry.toml:8:1: brightpearl.requests_per_minute must be from 1 to 10000, not \
                 {bad}: use the account's allowance (200 unless Brightpearl raised it)"
            ),
        );
    }
    let bp = brightpearl(&format!(
        "{base}requests_per_minute = 10000\ntimeout_seconds = 5\n\
         intake_url = \"https://ferry.example.com/webhooks/brightpearl\"\n"
    ));
    assert_eq!((bp.requests_per_minute, bp.timeout_seconds), (10_000, 5));
    assert_eq!(
        bp.intake_url.as_deref(),
        Some("https://ferry.example.com/webhooks/brightpearl")
    );
    check_err(
        &format!("{base}timeout_seconds = 0\n"),
        &[],
        "ferry.toml:8:1: brightpearl.timeout_seconds must be at least 1 (the default is 60)",
    );
    check_err(
        &format!("{base}intake_url = \"ferry.example.com/webhooks\"\n"),
        &[],
        "ferry.toml:8:1: brightpearl.intake_url must start with https:// (or http:// for the \
         sandbox), not \"ferry.example.com/webhooks\"",
    );
}

#[test]
fn salesforce_auth_follows_the_credentials_that_are_set() {
    let jwt = format!("{SF}username = \"u@x.com\"\nprivate_key = \"vault:sf.key\"\n");
    let sf = salesforce(&jwt);
    assert_eq!(sf.auth_mode(), Ok(SalesforceAuth::Jwt));
    assert_eq!(
        (sf.daily_api_percent, sf.run_api_calls, sf.bulk_threshold),
        (80, None, 2000)
    );
    assert_eq!(
        (
            sf.client_name.as_str(),
            sf.timeout_seconds,
            sf.callback_port
        ),
        ("ferry", 120, 1717)
    );
    // A secret as well: JWT still comes first.
    let both = format!("{jwt}client_secret = \"env:S\"\n");
    assert_eq!(salesforce(&both).auth_mode(), Ok(SalesforceAuth::Jwt));
    let secret = format!("{SF}client_secret = \"env:S\"\n");
    assert_eq!(
        salesforce(&secret).auth_mode(),
        Ok(SalesforceAuth::ClientCredentials)
    );
    let refresh = format!("{SF}refresh_token = \"vault:salesforce.refresh_token\"\n");
    assert_eq!(
        salesforce(&refresh).auth_mode(),
        Ok(SalesforceAuth::RefreshToken)
    );
    let chosen = format!("{secret}refresh_token = \"vault:r\"\nauth = \"refresh-token\"\n");
    assert_eq!(
        salesforce(&chosen).auth_mode(),
        Ok(SalesforceAuth::RefreshToken)
    );
    check_err(
        SF,
        &[],
        "ferry.toml:3:1: [salesforce] has no credentials: set private_key and username (JWT \
         bearer), client_secret = \"vault:salesforce.client_secret\" (client credentials), or \
         refresh_token = \"vault:salesforce.refresh_token\" (run `ferry connect salesforce`)",
    );
    check_err(
        &format!("{secret}auth = \"refresh-token\"\n"),
        &[],
        "ferry.toml:7:1: salesforce.auth = \"refresh-token\" needs salesforce.refresh_token: add \
         refresh_token = \"vault:salesforce.refresh_token\" (run `ferry connect salesforce` to \
         get one)",
    );
    check_err(
        &format!("{secret}auth = \"jwt\"\n"),
        &[],
        "ferry.toml:7:1: salesforce.auth = \"jwt\" needs salesforce.private_key: add private_key \
         = \"vault:salesforce.private_key\" and username = \"...\"",
    );
    check_err(
        &format!("{SF}private_key = \"vault:k\"\n"),
        &[],
        "ferry.toml:6:1: salesforce.private_key (JWT bearer) also needs salesforce.username, the \
         integration user to act as",
    );
    check_err(
        &format!("{secret}auth = \"client_credentials\"\n"),
        &[],
        "ferry.toml:7:8: \"client_credentials\" is not a valid value in [salesforce]: did you mean \
         \"client-credentials\"?",
    );
}

#[test]
fn salesforce_hosts_ceilings_and_names_are_checked() {
    let base = format!("{SF}client_secret = \"env:S\"\n");
    let sf = salesforce(&format!(
        "{base}instance_url = \"http://127.0.0.1:8443\"\nca_file = \"/etc/ferry/sandbox.pem\"\n\
         daily_api_percent = 100\nrun_api_calls = 1\nbulk_threshold = 201\n\
         client_name = \"ferry_sync-2\"\ntimeout_seconds = 1\ncallback_port = 8080\n\
         api_version = \"60.0\"\n"
    ));
    assert_eq!(sf.instance_url.as_deref(), Some("http://127.0.0.1:8443"));
    assert_eq!(
        (
            sf.daily_api_percent,
            sf.run_api_calls,
            sf.bulk_threshold,
            sf.callback_port
        ),
        (100, Some(1), 201, 8080)
    );
    let cases: &[(&str, &str)] = &[
        (
            "instance_url = \"myshop.my.salesforce.com\"",
            "ferry.toml:7:1: salesforce.instance_url must start with https:// (or http:// for \
             the sandbox), not \"myshop.my.salesforce.com\"",
        ),
        (
            "ca_file = \" \"",
            "ferry.toml:7:1: salesforce.ca_file is empty: name a PEM file of CA certificates, or \
             remove the key to trust the system's CAs only",
        ),
        (
            "daily_api_percent = 0",
            "ferry.toml:7:21: salesforce.daily_api_percent must be from 1 to 100, not 0: it is the \
             share of the org's daily API allocation Ferry may use (default 80)",
        ),
        (
            "daily_api_percent = 300",
            "ferry.toml:7:21: salesforce.daily_api_percent must be from 1 to 100, not 300: it is \
             the share of the org's daily API allocation Ferry may use (default 80)",
        ),
        (
            "run_api_calls = 0",
            "ferry.toml:7:1: salesforce.run_api_calls must be at least 1: remove the key for no \
             per-run ceiling",
        ),
        (
            "bulk_threshold = 200",
            "ferry.toml:7:1: salesforce.bulk_threshold must be at least 201, not 200: batches of \
             up to 200 records always go through sObject Collections (the default is 2000)",
        ),
        (
            "client_name = \"ferry sync\"",
            "ferry.toml:7:1: salesforce.client_name \"ferry sync\" must be 1 to 40 characters \
             from A-Z, a-z, 0-9, '_' and '-' (it is sent as Sforce-Call-Options: \
             client=<client_name>)",
        ),
        (
            "timeout_seconds = 0",
            "ferry.toml:7:1: salesforce.timeout_seconds must be at least 1 (the default is 120)",
        ),
        (
            "callback_port = 0",
            "ferry.toml:7:1: salesforce.callback_port must be from 1 to 65535 (the default is \
             1717)",
        ),
        (
            "api_version = \"v62\"",
            "ferry.toml:7:1: salesforce.api_version \"v62\" is not an API version: write it like \
             \"62.0\"",
        ),
    ];
    for (line, expect) in cases {
        check_err(&format!("{base}{line}\n"), &[], expect);
    }
    let long = "a".repeat(41);
    let err = check(&format!("{base}client_name = \"{long}\"\n"), &[]).unwrap_err();
    assert!(err.contains("must be 1 to 40 characters"), "{err}");
    assert!(check(&format!("{base}client_name = \"{}\"\n", &long[1..]), &[]).is_ok());
}

#[test]
fn connector_secrets_are_listed() {
    let config = check(
        &format!(
            "{BP}auth = \"oauth\"\ndev_ref = \"d\"\nrefresh_token = \"vault:brightpearl.refresh_token\"\n\
             client_secret = \"env:BP_SECRET\"\n[salesforce]\nlogin_url = \"https://x.example\"\n\
             client_id = \"c\"\nrefresh_token = \"vault:salesforce.refresh_token\"\n"
        ),
        &[],
    )
    .unwrap();
    let refs: Vec<String> = config
        .secret_refs()
        .iter()
        .map(|(k, r)| format!("{k}={r}"))
        .collect();
    assert_eq!(
        refs,
        [
            "brightpearl.client_secret=env:BP_SECRET",
            "brightpearl.refresh_token=vault:brightpearl.refresh_token",
            "salesforce.refresh_token=vault:salesforce.refresh_token",
        ]
    );
}

#[test]
fn connector_sections_can_come_from_the_environment_alone() {
    let config = check(
        MINIMAL,
        &[
            ("FERRY_SALESFORCE_LOGIN_URL", "http://127.0.0.1:8443"),
            ("FERRY_SALESFORCE_CLIENT_ID", "3MVG9"),
            ("FERRY_SALESFORCE_AUTH", "refresh-token"),
            (
                "FERRY_SALESFORCE_REFRESH_TOKEN",
                "vault:salesforce.refresh_token",
            ),
            ("FERRY_SALESFORCE_DAILY_API_PERCENT", "50"),
            ("FERRY_SALESFORCE_RUN_API_CALLS", "1000"),
            ("FERRY_SALESFORCE_CALLBACK_PORT", "8081"),
            ("FERRY_BRIGHTPEARL_ACCOUNT", "shop"),
            ("FERRY_BRIGHTPEARL_BASE_URL", "ws-use.brightpearl.com"),
            ("FERRY_BRIGHTPEARL_APP_REF", "shop_ferry"),
            ("FERRY_BRIGHTPEARL_STAFF_TOKEN", "env:BP_STAFF"),
            ("FERRY_BRIGHTPEARL_REQUESTS_PER_MINUTE", "400"),
        ],
    )
    .unwrap();
    let sf = config.salesforce.unwrap();
    assert_eq!(sf.auth_mode(), Ok(SalesforceAuth::RefreshToken));
    assert_eq!(
        (sf.daily_api_percent, sf.run_api_calls, sf.callback_port),
        (50, Some(1000), 8081)
    );
    let bp = config.brightpearl.unwrap();
    assert_eq!(bp.auth_mode(), Ok(BrightpearlAuth::StaffToken));
    assert_eq!(bp.api_url(), "https://ws-use.brightpearl.com");
    assert_eq!(bp.requests_per_minute, 400);

    // A variable overrides a key of a section the file has.
    let text = format!("{SF}client_secret = \"env:S\"\n");
    let sf = check(&text, &[("FERRY_SALESFORCE_BULK_THRESHOLD", "5000")])
        .unwrap()
        .salesforce
        .unwrap();
    assert_eq!(sf.bulk_threshold, 5000);

    check_err(
        MINIMAL,
        &[
            ("FERRY_BRIGHTPEARL_ACCOUNT", "shop"),
            ("FERRY_BRIGHTPEARL_APP_REF", "shop_ferry"),
        ],
        "environment variables FERRY_BRIGHTPEARL_ACCOUNT, FERRY_BRIGHTPEARL_APP_REF set \
         [brightpearl], which the config file does not have, but not its required key base_url: \
         set FERRY_BRIGHTPEARL_BASE_URL too, or add [brightpearl] to the file",
    );
    check_err(
        &text,
        &[("FERRY_SALESFORCE_DAILY_API_PERCENT", "150")],
        "environment variable FERRY_SALESFORCE_DAILY_API_PERCENT: cannot set \
         salesforce.daily_api_percent: salesforce.daily_api_percent must be from 1 to 100, not \
         150: it is the share of the org's daily API allocation Ferry may use (default 80)",
    );
    check_err(
        &text,
        &[("FERRY_SALESFORCE_AUTH", "oauth")],
        "environment variable FERRY_SALESFORCE_AUTH: cannot set salesforce.auth: unknown variant \
         `oauth`, expected one of `jwt`, `client-credentials`, `refresh-token`",
    );
    check_err(
        &text,
        &[("FERRY_SALESFORCE_CALLBACK_PORT", "70000")],
        "environment variable FERRY_SALESFORCE_CALLBACK_PORT: cannot set salesforce.callback_port: \
         invalid value: integer `70000`, expected u16",
    );
    check_err(
        &text,
        &[("FERRY_SALESFORCE_RUN_API_CALLS", "lots")],
        "environment variable FERRY_SALESFORCE_RUN_API_CALLS: salesforce.run_api_calls needs a \
         whole number, not \"lots\"",
    );
    // Validation still runs on values that came from the environment.
    check_err(
        &text,
        &[("FERRY_SALESFORCE_BULK_THRESHOLD", "100")],
        "ferry.toml:3:1: salesforce.bulk_threshold must be at least 201, not 100: batches of up \
         to 200 records always go through sObject Collections (the default is 2000)",
    );
    // A literal secret in a variable is refused without being echoed.
    let err = check(MINIMAL, &[("FERRY_BRIGHTPEARL_REFRESH_TOKEN", "R89F-REAL")]).unwrap_err();
    assert!(
        err.contains("literal secret") && !err.contains("R89F"),
        "{err}"
    );
}
