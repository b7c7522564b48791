//! `ferry bp get` and `ferry bp search`: read the configured Brightpearl account by hand.

use crate::cli::{BpGetArgs, BpSearchArgs, BrightpearlCommand};
use crate::context::Context;
use crate::output::{self, Flow, Format, RowWriter};
use anyhow::{Context as _, Result, bail};
use ferry_brightpearl::search::{Direction, MAX_PAGE_SIZE, Search};
use serde_json::Value;
use std::io::Write as _;
use std::process::ExitCode;

/// The short names `ferry bp search` accepts for the searches people use most. The one
/// place that maps them; anything else is taken as a `service/resource-search` path.
pub const SEARCH_ALIASES: &[(&str, &str)] = &[
    ("orders", "order-service/order-search"),
    ("sales-orders", "order-service/sales-order-search"),
    ("products", "product-service/product-search"),
    ("contacts", "contact-service/contact-search"),
    (
        "goods-out-notes",
        "warehouse-service/goods-note/goods-out-search",
    ),
    ("payments", "accounting-service/customer-payment-search"),
];

/// Runs a `ferry brightpearl …` command.
pub async fn run(ctx: &Context, command: BrightpearlCommand) -> Result<ExitCode> {
    match command {
        BrightpearlCommand::Get(args) => output::quiet_on_closed_pipe(get(ctx, &args).await),
        BrightpearlCommand::Search(args) => output::quiet_on_closed_pipe(search(ctx, &args).await),
        BrightpearlCommand::Webhooks(command) => super::webhooks::run(ctx, command).await,
    }
}

/// `path` with one leading `/`, refused when it is not a resource path.
pub fn resource_path(path: &str) -> Result<String> {
    let trimmed = path.trim();
    if trimmed.contains("://")
        || trimmed.starts_with("public-api")
        || trimmed.starts_with("/public-api")
    {
        bail!(
            "{path:?} is not a resource path: give the part after /public-api/ACCOUNT, e.g. \
             /product-service/product/1001"
        );
    }
    let bare = trimmed.trim_start_matches('/');
    if bare.is_empty() || bare.chars().any(|c| c.is_whitespace() || c.is_control()) {
        bail!(
            "{path:?} is not a resource path: give e.g. /product-service/product/1001-1010 \
             (no spaces)"
        );
    }
    Ok(format!("/{bare}"))
}

async fn get(ctx: &Context, args: &BpGetArgs) -> Result<ExitCode> {
    let path = resource_path(&args.path)?;
    let client = crate::connectors::brightpearl(ctx).await?;
    let response: Value = client
        .get(&path)
        .await
        .with_context(|| format!("ferry bp get {path} failed"))?;
    match args.format {
        Format::Json => output::write_pretty(&mut std::io::stdout().lock(), &response)?,
        Format::Table | Format::Csv => {
            let items = match &response {
                Value::Array(items) => items.clone(),
                Value::Object(_) => vec![response.clone()],
                _ => Vec::new(),
            };
            let Some((columns, rows)) = output::objects_as_rows(&items) else {
                bail!(
                    "the response of {path} is not a list of objects, so it cannot be shown as \
                     a table: use --format json"
                );
            };
            let mut writer =
                output::RowWriter::new(args.format, std::io::stdout().lock(), columns, None)?;
            for row in &rows {
                writer.push(row, None)?;
            }
            writer.finish(None)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The search path of `resource`: an alias from [`SEARCH_ALIASES`] or a `*-search` path.
pub fn search_path(resource: &str) -> Result<String> {
    if let Some((_, path)) = SEARCH_ALIASES.iter().find(|(alias, _)| *alias == resource) {
        return Ok((*path).to_owned());
    }
    let path = resource_path(resource)?;
    if !path.ends_with("-search") || path.contains('?') {
        let aliases: Vec<&str> = SEARCH_ALIASES.iter().map(|(alias, _)| *alias).collect();
        bail!(
            "{resource:?} is not a search: give a short name ({}) or a path ending in -search, \
             e.g. order-service/order-search",
            aliases.join(", ")
        );
    }
    Ok(path.trim_start_matches('/').to_owned())
}

/// `COLUMN=VALUE` split at the first `=`.
fn parse_filter(filter: &str) -> Result<(&str, &str)> {
    match filter.split_once('=') {
        Some((column, value)) if !column.trim().is_empty() => Ok((column.trim(), value)),
        _ => bail!(
            "--filter {filter:?} is not COLUMN=VALUE: write e.g. --filter orderStatusId=2 or \
             --filter updatedOn=2026-01-01T00:00:00Z/"
        ),
    }
}

/// `COLUMN`, `COLUMN.ASC` or `COLUMN.DESC` (any case).
fn parse_sort(sort: &str) -> Result<(&str, Direction)> {
    let (column, direction) = match sort.rsplit_once('.') {
        Some((column, dir)) if dir.eq_ignore_ascii_case("asc") => (column, Direction::Asc),
        Some((column, dir)) if dir.eq_ignore_ascii_case("desc") => (column, Direction::Desc),
        _ => (sort, Direction::Asc),
    };
    if column.is_empty()
        || !column
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        bail!(
            "--sort {sort:?} is not COLUMN[.ASC|.DESC]: write e.g. --sort orderId.DESC (a \
             column the search lists as sortable)"
        );
    }
    Ok((column, direction))
}

async fn search(ctx: &Context, args: &BpSearchArgs) -> Result<ExitCode> {
    let path = search_path(&args.resource)?;
    let filters = args
        .filters
        .iter()
        .map(|f| parse_filter(f))
        .collect::<Result<Vec<_>>>()?;
    let sort = args.sort.as_deref().map(parse_sort).transpose()?;
    if let Some(size) = args.page_size
        && !(1..=MAX_PAGE_SIZE).contains(&size)
    {
        bail!("--page-size {size} is outside 1 to {MAX_PAGE_SIZE} (Brightpearl's largest page)");
    }
    let client = crate::connectors::brightpearl(ctx).await?;
    let mut search = Search::new(&client, &path);
    for (column, value) in &filters {
        search = search.filter(column, value);
    }
    let columns: Vec<&str> = args
        .columns
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if !columns.is_empty() {
        search = search.columns(&columns);
    }
    if let Some((column, direction)) = sort {
        search = search.sort(column, direction);
    }
    if let Some(size) = args.page_size {
        search = search.page_size(size);
    }
    let described: Vec<String> = filters.iter().map(|(c, v)| format!("{c}={v}")).collect();
    let failed = || {
        if described.is_empty() {
            format!("searching {path} failed")
        } else {
            format!(
                "searching {path} with {} failed; check each filter against the search's \
                 columns and their types (`ferry bp get '{path}?pageSize=1'` lists each \
                 column's reportDataType)",
                described.join(" ")
            )
        }
    };

    let mut writer: Option<RowWriter<_>> = None;
    let mut available = None;
    'pages: while let Some(page) = search.next_page().await.with_context(failed)? {
        available = Some(page.response.meta_data.results_available);
        let writer = match writer.as_mut() {
            Some(writer) => writer,
            None => writer.insert(RowWriter::new(
                args.format,
                std::io::stdout().lock(),
                page.columns().iter().map(|c| c.name.clone()).collect(),
                args.limit_rows,
            )?),
        };
        for row in page.rows() {
            if writer.push(row, None)? == Flow::Full {
                break 'pages;
            }
        }
    }
    match writer {
        Some(writer) => writer.finish(available)?,
        None if args.format == Format::Table => {
            writeln!(std::io::stdout().lock(), "(0 rows)").context("writing the output")?;
        }
        None => {}
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn paths_get_one_leading_slash_and_urls_are_refused() {
        assert_eq!(
            resource_path("product-service/product/1001").unwrap(),
            "/product-service/product/1001"
        );
        assert_eq!(
            resource_path("/product-service/product/1001-1010").unwrap(),
            "/product-service/product/1001-1010"
        );
        assert!(resource_path("https://x/public-api/acme/product").is_err());
        assert!(resource_path("/public-api/acme/product-service/product/1").is_err());
        assert!(resource_path("product service").is_err());
        assert!(resource_path("/").is_err());
    }

    #[test]
    fn aliases_and_paths_name_searches() {
        assert_eq!(search_path("orders").unwrap(), "order-service/order-search");
        assert_eq!(
            search_path("goods-out-notes").unwrap(),
            "warehouse-service/goods-note/goods-out-search"
        );
        assert_eq!(
            search_path("/contact-service/contact-search").unwrap(),
            "contact-service/contact-search"
        );
        let err = search_path("order-service/order").unwrap_err().to_string();
        assert!(err.contains("orders, sales-orders"), "{err}");
    }

    #[test]
    fn filters_and_sorts_are_read_or_refused_with_an_example() {
        assert_eq!(
            parse_filter("updatedOn=2026-01-01T00:00:00Z/").unwrap(),
            ("updatedOn", "2026-01-01T00:00:00Z/")
        );
        assert_eq!(
            parse_filter("customerRef=a=b").unwrap(),
            ("customerRef", "a=b")
        );
        assert!(
            parse_filter("orderStatusId")
                .unwrap_err()
                .to_string()
                .contains("COLUMN=VALUE")
        );
        assert!(parse_filter("=2").is_err());
        assert_eq!(
            parse_sort("orderId.DESC").unwrap(),
            ("orderId", Direction::Desc)
        );
        assert_eq!(
            parse_sort("orderId.asc").unwrap(),
            ("orderId", Direction::Asc)
        );
        assert_eq!(parse_sort("orderId").unwrap(), ("orderId", Direction::Asc));
        assert!(parse_sort("orderId|DESC").is_err());
    }
}
