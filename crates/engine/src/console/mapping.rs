//! The mapping editor's engine side: a flow's declaration as text, checked, previewed on a real
//! source record, saved as a new version and rolled back.

use super::{Console, ConsoleError, ErrorKind};
use crate::flows::adapters::Row;
use crate::flows::defaults::compile_check;
use crate::flows::runtime::{Flow, Preview};
use ferry_core::TenantId;
use ferry_mapping::FlowSpec;
use ferry_store::{FlowVersion, Store};
use std::collections::BTreeMap;

/// A flow's mapping as the editor opens it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct MappingView {
    /// The flow.
    pub flow: String,
    /// The declaration running now (TOML).
    pub text: String,
    /// Its saved version (`None`: the file).
    pub version: Option<i64>,
    /// Where the file came from.
    pub origin: String,
    /// Every saved version, newest first (texts left out; see [`Console::version`]).
    pub versions: Vec<VersionView>,
}

/// One saved version.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct VersionView {
    /// 1, 2, 3, ... (0 is the file).
    pub version: i64,
    /// Who saved it.
    pub author: String,
    /// Why.
    pub note: String,
    /// When.
    pub created_at: ferry_core::Timestamp,
    /// The text, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl From<FlowVersion> for VersionView {
    fn from(v: FlowVersion) -> Self {
        Self {
            version: v.version,
            author: v.author,
            note: v.note,
            created_at: v.created_at,
            text: Some(v.spec),
        }
    }
}

/// What the edited mapping would do with a sample record, next to what the running one does.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PreviewView {
    /// The source record's id.
    pub record: String,
    /// With the edited text.
    pub edited: Preview,
    /// With the running version.
    pub running: Preview,
    /// Target fields whose mapped value differs between the two (`target.field`).
    pub differences: Vec<String>,
}

/// One line of a text diff.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DiffLine {
    /// `" "` kept, `"-"` removed, `"+"` added.
    pub op: &'static str,
    /// The line.
    pub text: String,
}

/// A line diff of `old` → `new` (longest common subsequence; texts of a few hundred lines).
pub fn text_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    // Files larger than this are shown as a whole replacement rather than using n×m memory.
    if a.len().saturating_mul(b.len()) > 4_000_000 {
        return a
            .iter()
            .map(|l| DiffLine {
                op: "-",
                text: (*l).to_owned(),
            })
            .chain(b.iter().map(|l| DiffLine {
                op: "+",
                text: (*l).to_owned(),
            }))
            .collect();
    }
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push(DiffLine {
                op: " ",
                text: a[i].to_owned(),
            });
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(DiffLine {
                op: "-",
                text: a[i].to_owned(),
            });
            i += 1;
        } else {
            out.push(DiffLine {
                op: "+",
                text: b[j].to_owned(),
            });
            j += 1;
        }
    }
    out
}

/// Replaces each spec by its newest saved version, keeping the deployment's `enabled`; returns
/// the version each flow now runs. A saved text that no longer parses (a Ferry upgrade changed
/// the language) is an error naming the flow, the version and how to go back to the file.
pub async fn apply_saved(
    specs: &mut [FlowSpec],
    store: &dyn Store,
    tenant: &TenantId,
) -> Result<BTreeMap<String, i64>, String> {
    let saved = store
        .latest_flow_versions(tenant)
        .await
        .map_err(|e| format!("reading the saved flow versions failed: {e}"))?;
    let mut versions = BTreeMap::new();
    for version in saved {
        let Some(spec) = specs.iter_mut().find(|s| s.name == version.flow) else {
            tracing::warn!(flow = %version.flow, "a saved version names a flow this deployment does not have; ignored");
            continue;
        };
        let origin = format!("flow {} version {}", version.flow, version.version);
        let mut parsed = FlowSpec::parse(&version.spec, &origin).map_err(|e| {
            format!(
                "{origin} (saved by {}) cannot be read: {}; roll it back to the file with \
                 `ferry flows rollback {} --to 0`",
                version.author, e.message, version.flow
            )
        })?;
        parsed.enabled = spec.enabled;
        *spec = parsed;
        versions.insert(version.flow, version.version);
    }
    Ok(versions)
}

impl Console {
    /// The mapping of a flow (running or not) with its versions.
    pub async fn mapping(&self, flow: &str) -> Result<MappingView, ConsoleError> {
        let known = self
            .known
            .iter()
            .find(|k| k.name == flow)
            .ok_or_else(|| self.unknown(flow))?;
        let versions = self
            .store
            .flow_versions(&self.tenant, flow)
            .await
            .map_err(ConsoleError::store)?;
        let running = self.versions.lock().ok().and_then(|v| v.get(flow).copied());
        let text = match running {
            Some(n) => versions
                .iter()
                .find(|v| v.version == n)
                .map(|v| v.spec.clone())
                .unwrap_or_else(|| known.text.clone()),
            None => known.text.clone(),
        };
        Ok(MappingView {
            flow: flow.to_owned(),
            text,
            version: running,
            origin: known.origin.clone(),
            versions: versions
                .into_iter()
                .map(|v| VersionView {
                    text: None,
                    ..VersionView::from(v)
                })
                .collect(),
        })
    }

    /// One version's text (0: the file).
    pub async fn version(&self, flow: &str, version: i64) -> Result<VersionView, ConsoleError> {
        let known = self
            .known
            .iter()
            .find(|k| k.name == flow)
            .ok_or_else(|| self.unknown(flow))?;
        if version == 0 {
            return Ok(VersionView {
                version: 0,
                author: "file".into(),
                note: known.origin.clone(),
                created_at: ferry_core::Timestamp::from_micros(0),
                text: Some(known.text.clone()),
            });
        }
        self.store
            .flow_versions(&self.tenant, flow)
            .await
            .map_err(ConsoleError::store)?
            .into_iter()
            .find(|v| v.version == version)
            .map(VersionView::from)
            .ok_or_else(|| {
                ConsoleError::new(
                    ErrorKind::NotFound,
                    "UNKNOWN_VERSION",
                    format!("flow {flow} has no version {version}; see its version list"),
                )
            })
    }

    /// Every problem of an edited mapping of a running flow: TOML syntax (with line and
    /// column), the declaration's shape, expressions, references, and changes the running
    /// deployment cannot take (another name or source). Empty: it can be saved.
    pub fn check(&self, flow: &str, text: &str) -> Result<Vec<String>, ConsoleError> {
        Ok(match self.compile(flow, text)? {
            Ok(_) => Vec::new(),
            Err(problems) => problems,
        })
    }

    /// Compiles an edited text of a running flow, or lists its problems.
    fn compile(&self, flow: &str, text: &str) -> Result<Result<Flow, Vec<String>>, ConsoleError> {
        let running = self.flow(flow)?;
        let spec = match FlowSpec::parse(text, &format!("flow {flow} (edited)")) {
            Ok(spec) => spec,
            Err(e) => return Ok(Err(vec![e.message])),
        };
        let mut problems: Vec<String> = Vec::new();
        if spec.name != flow {
            problems.push(format!(
                "name is {:?}, but this is flow {flow}: a flow keeps its name (make a new flow \
                 file to add another)",
                spec.name
            ));
        }
        let was = &running.spec().source;
        if spec.source.system != was.system || spec.source.object != was.object {
            problems.push(format!(
                "source is {} {}, but the running flow reads {} {}: the source decides what \
                 Ferry listens to, which is set up at start; change it in the flow file and \
                 restart Ferry",
                spec.source.system, spec.source.object, was.system, was.object
            ));
        }
        if !spec.enabled {
            problems.push(
                "enabled = false: pause the flow on the flows page instead (a paused flow keeps \
                 its notices queued); to turn it off for good, use [flows] disabled in ferry.toml"
                    .into(),
            );
        }
        let peers: Vec<&str> = self.slots.iter().map(|s| s.name().as_str()).collect();
        for wanted in spec
            .lookups
            .iter()
            .filter_map(|l| l.ensure.as_ref().map(|e| &e.flow))
            .chain(spec.notify.iter().map(|n| &n.flow))
        {
            if !peers.contains(&wanted.as_str()) {
                problems.push(format!(
                    "it hands work to flow {wanted}, which is not running here; the running \
                     flows are {}",
                    peers.join(", ")
                ));
            }
        }
        problems.extend(compile_check(&spec).into_iter().map(|e| e.message));
        if !problems.is_empty() {
            return Ok(Err(problems));
        }
        Ok(Flow::compile(
            spec,
            &self.adapters,
            self.store.clone(),
            self.tenant.clone(),
        )
        .map_err(|errors| errors.into_iter().map(|e| e.message).collect()))
    }

    fn invalid(flow: &str, problems: Vec<String>) -> ConsoleError {
        ConsoleError {
            kind: ErrorKind::Invalid,
            code: "INVALID_MAPPING",
            message: format!(
                "the edited mapping of flow {flow} has {} problem(s): {}",
                problems.len(),
                problems.join("; ")
            ),
            problems,
        }
    }

    /// Runs the edited text and the running version over one real source record (`record`,
    /// or the first record of the source), reading both systems and writing nothing.
    pub async fn preview(
        &self,
        flow: &str,
        text: &str,
        record: Option<&str>,
    ) -> Result<PreviewView, ConsoleError> {
        let edited = self
            .compile(flow, text)?
            .map_err(|p| Self::invalid(flow, p))?;
        let running = self.flow(flow)?;
        let rows = sample(&edited, &running, record).await?;
        let id = rows[0].id.clone();
        let (edited_out, running_out) =
            tokio::join!(edited.preview(rows.clone()), running.preview(rows));
        let (Some(edited_out), Some(running_out)) = (
            edited_out.into_iter().next(),
            running_out.into_iter().next(),
        ) else {
            return Err(ConsoleError::new(
                ErrorKind::Unavailable,
                "PREVIEW_FAILED",
                format!("flow {flow}: the preview of record {id} gave no result; try again"),
            ));
        };
        let differences = differences(&edited_out, &running_out);
        Ok(PreviewView {
            record: id,
            edited: edited_out,
            running: running_out,
            differences,
        })
    }

    /// Saves `text` as the flow's next version and runs it from the workers' next batch.
    /// `based_on` is the version the author edited (`None`: the file); a save after someone
    /// else's is refused so no change is silently lost.
    pub async fn save(
        &self,
        flow: &str,
        text: &str,
        based_on: Option<i64>,
        note: &str,
        actor: &str,
    ) -> Result<VersionView, ConsoleError> {
        let _one_at_a_time = self.saving.lock().await;
        let compiled = self
            .compile(flow, text)?
            .map_err(|p| Self::invalid(flow, p))?;
        let saved = self
            .store
            .save_flow_version(&self.tenant, flow, text, actor, note.trim(), based_on)
            .await
            .map_err(|e| match e {
                ferry_store::StoreError::ConcurrentChange { what } => {
                    ConsoleError::new(ErrorKind::Conflict, "STALE_VERSION", what)
                }
                other => ConsoleError::store(other),
            })?;
        self.slot(flow)?.replace(compiled);
        if let Ok(mut versions) = self.versions.lock() {
            versions.insert(flow.to_owned(), saved.version);
        }
        tracing::info!(%flow, version = saved.version, %actor, "a new version of the flow runs");
        Ok(VersionView {
            text: None,
            ..VersionView::from(saved)
        })
    }

    /// Runs the newest saved version of every running flow that another process saved (`ferry
    /// flows rollback`, a second `ferry serve`): reads the store's newest versions and swaps in
    /// any this process does not run yet. A version that does not compile here is logged and
    /// left out (the running version stays). Returns the flows swapped.
    pub async fn refresh_versions(&self) -> Result<Vec<String>, ConsoleError> {
        let latest = self
            .store
            .latest_flow_versions(&self.tenant)
            .await
            .map_err(ConsoleError::store)?;
        let mut swapped = Vec::new();
        for saved in latest {
            let running = self
                .versions
                .lock()
                .ok()
                .and_then(|v| v.get(&saved.flow).copied());
            if running.is_some_and(|r| r >= saved.version) || self.slot(&saved.flow).is_err() {
                continue;
            }
            let _one_at_a_time = self.saving.lock().await;
            match self.compile(&saved.flow, &saved.spec)? {
                Ok(flow) => {
                    self.slot(&saved.flow)?.replace(flow);
                    if let Ok(mut versions) = self.versions.lock() {
                        versions.insert(saved.flow.clone(), saved.version);
                    }
                    tracing::info!(flow = %saved.flow, version = saved.version, author = %saved.author, "a version saved elsewhere runs now");
                    swapped.push(saved.flow);
                }
                Err(problems) => {
                    tracing::warn!(flow = %saved.flow, version = saved.version, ?problems, "a version saved elsewhere does not compile here; the running version stays");
                }
            }
        }
        Ok(swapped)
    }

    /// Runs an earlier version again (0: the file), saved as a new version noting the rollback.
    pub async fn rollback(
        &self,
        flow: &str,
        to: i64,
        actor: &str,
    ) -> Result<VersionView, ConsoleError> {
        let old = self.version(flow, to).await?;
        let text = old.text.unwrap_or_default();
        let latest = self
            .store
            .flow_versions(&self.tenant, flow)
            .await
            .map_err(ConsoleError::store)?
            .first()
            .map(|v| v.version);
        let note = if to == 0 {
            "rollback to the file".to_owned()
        } else {
            format!("rollback to version {to}")
        };
        self.save(flow, &text, latest, &note, actor).await
    }
}

/// The record(s) to preview: the one asked for, else the first of the source.
async fn sample(
    edited: &Flow,
    running: &Flow,
    record: Option<&str>,
) -> Result<Vec<Row>, ConsoleError> {
    let mut fields: Vec<String> = edited.source_fields().to_vec();
    for f in running.source_fields() {
        if !fields.contains(f) {
            fields.push(f.clone());
        }
    }
    let object = &edited.spec().source.object;
    let unavailable = |e: crate::flows::adapters::AdapterError| {
        ConsoleError::new(
            ErrorKind::Unavailable,
            "SOURCE_UNAVAILABLE",
            format!(
                "reading a sample {object} from {} failed: {e}; try again",
                edited.spec().source.system
            ),
        )
    };
    let rows = match record.map(str::trim).filter(|r| !r.is_empty()) {
        Some(id) => edited
            .source()
            .read(&[id.to_owned()], &fields)
            .await
            .map_err(unavailable)?,
        None => edited
            .source()
            .scan(None, 1, &fields)
            .await
            .map_err(unavailable)?,
    };
    if rows.is_empty() {
        return Err(ConsoleError::new(
            ErrorKind::NotFound,
            "NO_SAMPLE",
            match record {
                Some(id) => format!(
                    "{} has no {object} {id}: give the id of an existing record",
                    edited.spec().source.system
                ),
                None => format!(
                    "{} has no {object} records to preview with yet",
                    edited.spec().source.system
                ),
            },
        ));
    }
    Ok(rows)
}

/// `target.field` whose mapped value differs between two previews of one record.
fn differences(a: &Preview, b: &Preview) -> Vec<String> {
    let fields = |p: &Preview| -> BTreeMap<String, serde_json::Value> {
        let mut out = BTreeMap::new();
        for (i, t) in p.targets.iter().enumerate() {
            let name = t["target"].as_str().unwrap_or_default();
            if let Some(map) = t["fields"].as_object() {
                for (f, v) in map {
                    out.insert(format!("{name}.{f}#{i}"), v.clone());
                }
            }
        }
        out
    };
    let (x, y) = (fields(a), fields(b));
    let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| x.get(*k) != y.get(*k))
        .map(|k| k.split('#').next().unwrap_or(k).to_owned())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_diff_keeps_common_lines_and_marks_changes() {
        let diff = text_diff("a\nb\nc\n", "a\nB\nc\nd\n");
        let shown: Vec<String> = diff.iter().map(|d| format!("{}{}", d.op, d.text)).collect();
        assert_eq!(shown, [" a", "-b", "+B", " c", "+d"]);
        assert!(text_diff("same\n", "same\n").iter().all(|d| d.op == " "));
        assert_eq!(text_diff("", "x").len(), 1);
    }
}
