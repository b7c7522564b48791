//! `[alerts]`: defaults, secret references, and what is refused, and where.

use super::*;

const RULES: &str = "[alerts]\nslack_webhook_url = \"env:SLACK_HOOK\"\ndead_letters_growth = 5\n";

#[test]
fn the_alerts_section_is_optional_and_has_defaults() {
    assert!(check(MINIMAL, &[]).unwrap().alerts.is_none());
    let config = check(&format!("{MINIMAL}{RULES}"), &[]).unwrap();
    let alerts = config.alerts.clone().unwrap();
    assert_eq!(alerts.check_every_seconds, 30);
    assert_eq!(alerts.window_minutes, 15);
    assert_eq!(alerts.error_rate_min_records, 20);
    assert_eq!(alerts.dead_letters_growth, Some(5));
    assert!(alerts.lag_seconds.is_none() && alerts.error_rate.is_none());
    assert!(
        config
            .secret_refs()
            .iter()
            .any(|(key, r)| *key == "alerts.slack_webhook_url" && r.to_string() == "env:SLACK_HOOK")
    );
}

#[test]
fn every_rule_and_the_email_destination_parse() {
    let text = format!(
        "{MINIMAL}[alerts]\ncheck_every_seconds = 10\nwindow_minutes = 5\n\
         dead_letters_growth = 1\nlag_seconds = 600\nerror_rate = 0.05\n\
         error_rate_min_records = 3\noutage_minutes = 10\n\
         api_budget_below = 0.1\nbreaker_open_minutes = 0\n\
         [alerts.email]\nsmtp_url = \"vault:alerts.smtp_url\"\nfrom = \"ferry@example.com\"\n\
         to = [\"ops@example.com\", \"oncall@example.org\"]\n"
    );
    let config = check(&text, &[]).unwrap();
    let alerts = config.alerts.clone().unwrap();
    assert_eq!(alerts.error_rate, Some(0.05));
    assert_eq!(alerts.outage_minutes, Some(10));
    assert_eq!(alerts.api_budget_below, Some(0.1));
    assert_eq!(alerts.breaker_open_minutes, Some(0));
    let email = alerts.email.unwrap();
    assert_eq!(email.to.len(), 2);
    assert!(config.secret_refs().iter().any(
        |(key, r)| *key == "alerts.email.smtp_url" && r.to_string() == "vault:alerts.smtp_url"
    ));
}

#[test]
fn bad_alert_values_are_located_and_explained() {
    check_err(
        &format!("{MINIMAL}{RULES}check_every_seconds = 1\n"),
        &[],
        "ferry.toml:6:1: alerts.check_every_seconds must be from 5 to 3600, not 1: the rules \
         are checked this often (the default is 30)",
    );
    check_err(
        &format!("{MINIMAL}{RULES}error_rate = 5.0\n"),
        &[],
        "ferry.toml:6:1: alerts.error_rate must be a fraction above 0 and at most 1 (0.05 is \
         5 %), not 5",
    );
    check_err(
        &format!("{MINIMAL}{RULES}api_budget_below = 1\n"),
        &[],
        "ferry.toml:6:1: alerts.api_budget_below must be a fraction above 0 and below 1 (0.1 \
         fires when less than 10 % of a budget is left), not 1",
    );
    check_err(
        &format!("{MINIMAL}{RULES}lag_seconds = 0\n"),
        &[],
        "ferry.toml:6:1: alerts.lag_seconds must be at least 1: 0 would fire all the time; \
         remove the key to turn the rule off",
    );
    check_err(
        &format!("{MINIMAL}[alerts]\nslack_webhook_url = \"env:SLACK_HOOK\"\n"),
        &[],
        "ferry.toml:3:1: [alerts] sets no rule, so it would never alert: set at least one of \
         dead_letters_growth, lag_seconds, error_rate, outage_minutes, api_budget_below or \
         breaker_open_minutes (or remove the section)",
    );
    check_err(
        &format!("{MINIMAL}[alerts]\nlag_seconds = 60\n"),
        &[],
        "ferry.toml:3:1: [alerts] has rules but nowhere to send their notices: set \
         slack_webhook_url = \"vault:alerts.slack_webhook_url\" or add [alerts.email] with \
         smtp_url, from and to",
    );
    check_err(
        &format!(
            "{MINIMAL}[alerts]\nlag_seconds = 60\n[alerts.email]\nsmtp_url = \"env:SMTP\"\n\
             from = \"ferry\"\nto = [\"ops@example.com\"]\n"
        ),
        &[],
        "ferry.toml:7:1: alerts.email.from \"ferry\" is not an email address: write e.g. \
         \"ferry@example.com\"",
    );
    check_err(
        &format!(
            "{MINIMAL}[alerts]\nlag_seconds = 60\n[alerts.email]\nsmtp_url = \"env:SMTP\"\n\
             from = \"ferry@example.com\"\nto = [\"ops@example.com>\\r\\nDATA\"]\n"
        ),
        &[],
        "ferry.toml:8:1: alerts.email.to: \"ops@example.com>\\r\\nDATA\" is not an email \
         address: write e.g. \"ops@example.com\"",
    );
    let err = check(
        &format!("{MINIMAL}[alerts]\nslack_webhook_url = \"https://hooks.slack.com/services/T/B/x\"\nlag_seconds = 5\n"),
        &[],
    )
    .unwrap_err();
    assert!(
        err.contains("literal secret") && !err.contains("hooks.slack.com"),
        "{err}"
    );
}

#[test]
fn email_tls_settings_are_optional_and_an_empty_ca_file_is_refused() {
    let email = "[alerts]\nlag_seconds = 60\n[alerts.email]\nsmtp_url = \"env:SMTP\"\n\
                 from = \"ferry@example.com\"\nto = [\"ops@example.com\"]\n";
    // A config written before TLS existed still reads: the defaults decide by host.
    let old = check(&format!("{MINIMAL}{email}"), &[]).unwrap();
    let mail = old.alerts.unwrap().email.unwrap();
    assert_eq!((mail.require_tls, mail.ca_file), (None, None));
    let set = check(
        &format!("{MINIMAL}{email}require_tls = false\nca_file = \"relay-ca.pem\"\n"),
        &[],
    )
    .unwrap();
    let mail = set.alerts.unwrap().email.unwrap();
    assert_eq!(mail.require_tls, Some(false));
    assert_eq!(mail.ca_file.as_deref(), Some("relay-ca.pem"));
    check_err(
        &format!("{MINIMAL}{email}ca_file = \" \"\n"),
        &[],
        "ferry.toml:9:1: alerts.email.ca_file is empty: name a PEM file of CA certificates, \
         or remove the key to trust the system's CAs only",
    );
}
