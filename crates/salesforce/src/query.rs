//! A query read page by page (reference §4): the first page from `/query` (or `/queryAll`,
//! which also returns deleted and archived records), then each `nextRecordsUrl` until
//! `done`. Only one page is held at a time, so a result of millions of rows costs the memory
//! of one page.

use crate::Client;
use crate::model::{QueryPage, Record};
use ferry_http::{Error, HeaderName, HeaderValue, Method};
use futures_util::stream::{self, Stream, TryStreamExt as _};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use std::marker::PhantomData;

/// `Sforce-Query-Options`.
pub const QUERY_OPTIONS: &str = "sforce-query-options";
/// The smallest page Salesforce honours.
pub const MIN_BATCH_SIZE: u16 = 200;
/// The largest (and default) page.
pub const MAX_BATCH_SIZE: u16 = 2000;

/// What a query value keeps unencoded.
const QUERY_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Where the query stands.
#[derive(Debug)]
enum Cursor {
    /// Nothing fetched yet.
    Start,
    /// The next page's root-relative path.
    Next(String),
    /// Every page was read.
    Done,
}

/// A query read one page at a time. `T` is [`Record`] (fields by name) or any type the
/// records deserialize into.
#[derive(Debug)]
pub struct Query<T = Record> {
    client: Client,
    soql: String,
    include_deleted: bool,
    batch_size: Option<u16>,
    cursor: Cursor,
    total_size: Option<u64>,
    pages: u32,
    records: u64,
    _records: PhantomData<fn() -> T>,
}

impl Query<Record> {
    /// A query returning [`Record`]s. `soql` is text or a built [`crate::soql::Query`].
    pub fn new(client: &Client, soql: impl std::fmt::Display) -> Self {
        Query::typed(client, soql)
    }
}

impl<T: DeserializeOwned> Query<T> {
    /// A query whose records deserialize into `T` (the `attributes` key is ignored unless
    /// `T` asks for it).
    pub fn typed(client: &Client, soql: impl std::fmt::Display) -> Self {
        Self {
            client: client.clone(),
            soql: soql.to_string(),
            include_deleted: false,
            batch_size: None,
            cursor: Cursor::Start,
            total_size: None,
            pages: 0,
            records: 0,
            _records: PhantomData,
        }
    }

    /// Also returns deleted and archived records (`/queryAll`).
    pub fn include_deleted(mut self) -> Self {
        self.include_deleted = true;
        self
    }

    /// Asks for pages of `size` records (`Sforce-Query-Options: batchSize=N`, 200–2000).
    /// Salesforce treats it as a hint: pages may be smaller, for instance with subqueries.
    pub fn batch_size(mut self, size: u16) -> Result<Self, Error> {
        if !(MIN_BATCH_SIZE..=MAX_BATCH_SIZE).contains(&size) {
            return Err(Error::Config {
                message: format!(
                    "a query batch size of {size} is outside Salesforce's range; choose \
                     {MIN_BATCH_SIZE} to {MAX_BATCH_SIZE}"
                ),
            });
        }
        self.batch_size = Some(size);
        Ok(self)
    }

    /// `totalSize` of the whole result, known once the first page is read.
    pub fn total_size(&self) -> Option<u64> {
        self.total_size
    }

    /// Pages read so far.
    pub fn pages_read(&self) -> u32 {
        self.pages
    }

    /// Records returned so far.
    pub fn records_read(&self) -> u64 {
        self.records
    }

    /// True once every page was read.
    pub fn is_done(&self) -> bool {
        matches!(self.cursor, Cursor::Done)
    }

    /// The next page's records, or `None` when every page was read. A failed page can be
    /// asked for again: the cursor only moves on success.
    pub async fn next_page(&mut self) -> Result<Option<Vec<T>>, Error> {
        let call = match &self.cursor {
            Cursor::Done => return Ok(None),
            Cursor::Start => {
                let resource = if self.include_deleted {
                    "queryAll"
                } else {
                    "query"
                };
                let path = format!(
                    "/{resource}?q={}",
                    utf8_percent_encode(&self.soql, QUERY_VALUE)
                );
                self.client.call(Method::GET, &path)
            }
            Cursor::Next(path) => self.client.call_root(Method::GET, path),
        };
        let call = match self.batch_size {
            Some(size) => {
                let value = HeaderValue::from_str(&format!("batchSize={size}")).map_err(|_| {
                    Error::Config {
                        message: format!("batchSize={size} cannot be sent as a header"),
                    }
                })?;
                call.header(HeaderName::from_static(QUERY_OPTIONS), value)
            }
            None => call,
        };
        let reply = self.client.send(&call).await?;
        let page: QueryPage<T> = reply.json("salesforce")?;
        self.total_size.get_or_insert(page.total_size);
        self.pages += 1;
        self.records += page.records.len() as u64;
        self.cursor = match (page.done, page.next_records_url) {
            (false, Some(next)) => {
                if matches!(&self.cursor, Cursor::Next(previous) if *previous == next) {
                    return Err(Error::Decode {
                        api: "salesforce",
                        label: reply.label,
                        message: "Salesforce answered the same nextRecordsUrl twice; the query \
                                  stops instead of reading the page forever"
                            .into(),
                        snippet: next,
                    });
                }
                Cursor::Next(next)
            }
            (false, None) => {
                return Err(Error::Decode {
                    api: "salesforce",
                    label: reply.label,
                    message: "a query page says it is not done but gives no nextRecordsUrl; \
                              run the query again"
                        .into(),
                    snippet: String::new(),
                });
            }
            (true, _) => Cursor::Done,
        };
        Ok(Some(page.records))
    }

    /// The pages as a stream (each fetched when the previous one is consumed).
    pub fn pages(self) -> impl Stream<Item = Result<Vec<T>, Error>> {
        stream::try_unfold(self, |mut query| async move {
            Ok(query.next_page().await?.map(|page| (page, query)))
        })
    }

    /// The records one by one, fetching a page when the previous one is used up. The stream
    /// ends after the first error.
    pub fn records(self) -> impl Stream<Item = Result<T, Error>> {
        self.pages()
            .map_ok(|page| stream::iter(page.into_iter().map(Ok)))
            .try_flatten()
    }
}
