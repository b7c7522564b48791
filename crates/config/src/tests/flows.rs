//! `[flows]`: the flow folder and the on/off lists, from the file and from `FERRY_FLOWS_*`.

use super::*;

#[test]
fn flows_section_reads_dir_and_lists() {
    let config = check(
        &format!(
            "{MINIMAL}[flows]\ndir = \"flows\"\nenabled = [\"products_to_brightpearl\"]\n\
             disabled = [\"inventory_to_salesforce\"]\n"
        ),
        &[],
    )
    .unwrap();
    assert_eq!(config.flows.dir.as_deref(), Some("flows"));
    assert_eq!(config.flows.enabled, ["products_to_brightpearl"]);
    assert_eq!(config.flows.disabled, ["inventory_to_salesforce"]);
    assert_eq!(
        config.resolve(config.flows.dir.as_deref().unwrap()),
        Path::new("/etc/ferry/flows")
    );
    assert_eq!(check(MINIMAL, &[]).unwrap().flows, FlowsConfig::default());
}

#[test]
fn flows_lists_come_from_comma_separated_variables() {
    let config = check(
        MINIMAL,
        &[
            (
                "FERRY_FLOWS_DISABLED",
                "inventory_to_salesforce, products_to_salesforce",
            ),
            ("FERRY_FLOWS_ENABLED", ""),
            ("FERRY_FLOWS_DIR", "my-flows"),
        ],
    )
    .unwrap();
    assert_eq!(
        config.flows.disabled,
        ["inventory_to_salesforce", "products_to_salesforce"]
    );
    assert!(config.flows.enabled.is_empty());
    assert_eq!(config.flows.dir.as_deref(), Some("my-flows"));
}

#[test]
fn flows_mistakes_are_located() {
    check_err(
        &format!("{MINIMAL}[flows]\nenabled = [\"a\"]\ndisabled = [\"b\", \"a\"]\n"),
        &[],
        "ferry.toml:5:1: flow \"a\" is in both flows.enabled and flows.disabled: keep it in one \
         of them",
    );
    check_err(
        &format!("{MINIMAL}[flows]\ndisabled = [\"b\", \"b\"]\n"),
        &[],
        "ferry.toml:4:1: flows.disabled names \"b\" twice: remove one",
    );
    check_err(
        &format!("{MINIMAL}[flows]\ndir = \"\"\n"),
        &[],
        "ferry.toml:4:1: flows.dir is empty: name a folder of flow files (e.g. \"flows\") or \
         remove the key",
    );
    check_err(
        &format!("{MINIMAL}[flows]\ndisable = [\"b\"]\n"),
        &[],
        "ferry.toml:4:1: unknown key \"disable\" in [flows]: did you mean \"disabled\"?",
    );
}
