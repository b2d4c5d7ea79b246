//! `pipeline.yaml`: parsing, profile merging and validation.
//!
//! ```yaml
//! profiles:               # profile -> stage -> partial params (deep merged over `stages`)
//!   paper: {}
//!   quick:
//!     transport_swap: { n_rho: 20 }
//! stages:
//!   transport_swap:
//!     kind: transport_swap          # variant of the stage-kind enum
//!     deps: [swap_model]            # stages whose outputs this one reads
//!     params: { n_rho: 61 }
//! ```
//!
//! What a stage writes and reads, and the code it runs, are properties of its kind
//! ([`StageKind::outputs`], [`StageKind::inputs`], [`StageKind::code`]), not of the file.
//!
//! Validation collects *every* problem (YAML syntax, unknown keys, wrong types, unknown
//! stage kind, unknown dependency, dependency cycles, unknown profile, outputs written twice or
//! not kept per profile, inputs that no dependency writes, code units the build does not know,
//! out-of-range physical parameters from [`StageKind::validate`]) and reports each with file,
//! line and field path. When the line of a field cannot be determined the message says so
//! instead of guessing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::Unexpected;

use crate::yaml::{self, Node, Pos, Value};
use crate::{CodeVersions, PROFILE, StageKind, resolve};

/// One problem in the configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    /// 1-based line and column, when known.
    pub pos: Option<(u64, u64)>,
    /// Field path in the file, e.g. `stages.fig4.params.gamma` (empty for the whole file).
    pub field: String,
    pub reason: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pos {
            Some((l, c)) => write!(f, "{}:{l}:{c}: ", self.file.display())?,
            None => write!(f, "{}: (line unknown) ", self.file.display())?,
        }
        if !self.field.is_empty() {
            write!(f, "field `{}`: ", self.field)?;
        }
        f.write_str(&self.reason)
    }
}

/// All problems found in a configuration file.
#[derive(Debug, Clone, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        writeln!(
            f,
            "{n} problem{} in the pipeline configuration:",
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.0 {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

/// A validated stage, parameters with the profile applied.
#[derive(Debug, Clone)]
pub struct Stage<K> {
    pub name: String,
    /// The `kind:` string (snake_case variant name).
    pub kind_name: String,
    pub kind: K,
    /// `serde_json::to_value(&kind)`: the canonical parameters (including the `kind` tag).
    pub params: serde_json::Value,
    pub deps: Vec<String>,
    /// Outputs, profile resolved (`data/quick/fig4.parquet`).
    pub outputs: Vec<String>,
    /// Outputs of dependencies this stage reads, profile resolved.
    pub inputs: Vec<String>,
    /// Code units the stage runs ([`StageKind::code`]).
    pub code: Vec<String>,
    /// Line of the stage's key in the file.
    pub line: u64,
}

/// A validated pipeline configuration.
#[derive(Debug, Clone)]
pub struct Config<K> {
    pub file: PathBuf,
    pub profile: String,
    pub profiles: Vec<String>,
    /// Stages in file order.
    pub stages: Vec<Stage<K>>,
}

impl<K> Config<K> {
    pub fn stage(&self, name: &str) -> Option<&Stage<K>> {
        self.stages.iter().find(|s| s.name == name)
    }

    /// Stage indices in dependency order (ties broken by file order).
    pub fn topo_order(&self) -> Vec<usize> {
        let idx: BTreeMap<&str, usize> = self
            .stages
            .iter()
            .enumerate()
            .map(|(i, s)| (s.name.as_str(), i))
            .collect();
        let mut done = vec![false; self.stages.len()];
        let mut order = Vec::with_capacity(self.stages.len());
        while order.len() < self.stages.len() {
            let next = (0..self.stages.len()).find(|&i| {
                !done[i]
                    && self.stages[i]
                        .deps
                        .iter()
                        .all(|d| idx.get(d.as_str()).is_none_or(|&j| done[j]))
            });
            match next {
                Some(i) => {
                    done[i] = true;
                    order.push(i);
                }
                None => break, // cycles are rejected by validation
            }
        }
        order
    }
}

const TOP_KEYS: &[&str] = &["profiles", "stages"];
const STAGE_KEYS: &[&str] = &["kind", "deps", "params"];

struct Collector<'a> {
    file: &'a Path,
    errors: Vec<ConfigError>,
}

impl Collector<'_> {
    fn at(&mut self, pos: Option<Pos>, field: &str, reason: impl Into<String>) {
        let e = ConfigError {
            file: self.file.to_owned(),
            pos: pos.and_then(Pos::known).map(|p| (p.line, p.column)),
            field: field.to_owned(),
            reason: reason.into(),
        };
        if !self.errors.contains(&e) {
            self.errors.push(e);
        }
    }
    fn unknown_keys(&mut self, node: &Node, allowed: &[&str], what: &str) {
        for (k, p, _) in node.as_map().unwrap_or(&[]) {
            if !allowed.contains(&k.as_str()) {
                let field = if node.path.is_empty() {
                    k.clone()
                } else {
                    format!("{}.{k}", node.path)
                };
                self.at(
                    Some(*p),
                    &field,
                    format!(
                        "unknown key `{k}` in {what} (expected one of: {})",
                        allowed.join(", ")
                    ),
                );
            }
        }
    }
    fn expect_map<'n>(&mut self, node: &'n Node, what: &str) -> Option<&'n [(String, Pos, Node)]> {
        let m = node.as_map();
        if m.is_none() && !matches!(node.value, Value::Null) {
            self.at(
                Some(node.pos),
                &node.path,
                format!("{what} must be a mapping, found {}", node.value.type_name()),
            );
        }
        m
    }
    fn string_list(&mut self, node: Option<&Node>) -> Vec<(String, Pos)> {
        let Some(node) = node else { return Vec::new() };
        match &node.value {
            Value::Null => Vec::new(),
            Value::Seq(items) => items
                .iter()
                .filter_map(|n| match &n.value {
                    Value::Str(s) => Some((s.clone(), n.pos)),
                    v => {
                        self.at(
                            Some(n.pos),
                            &n.path,
                            format!("expected a string, found {}", v.type_name()),
                        );
                        None
                    }
                })
                .collect(),
            v => {
                self.at(
                    Some(node.pos),
                    &node.path,
                    format!("expected a list of strings, found {}", v.type_name()),
                );
                Vec::new()
            }
        }
    }
}

/// Read and validate `file` for `profile`; every code unit a stage names must be in `code`.
pub fn load<K: StageKind>(
    file: &Path,
    profile: &str,
    code: &CodeVersions,
) -> Result<Config<K>, ConfigErrors> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        ConfigErrors(vec![ConfigError {
            file: file.to_owned(),
            pos: None,
            field: String::new(),
            reason: format!("cannot read: {e}"),
        }])
    })?;
    parse(&text, file, profile, code)
}

/// Validate the YAML `text` (named `file` in messages) for `profile`.
///
/// Every profile is checked (so a broken `quick` override is caught by a `paper` run);
/// the returned stages carry the parameters of `profile`.
pub fn parse<K: StageKind>(
    text: &str,
    file: &Path,
    profile: &str,
    code: &CodeVersions,
) -> Result<Config<K>, ConfigErrors> {
    let mut c = Collector {
        file,
        errors: Vec::new(),
    };
    let root = match yaml::parse(text) {
        Ok(r) => r,
        Err(e) => {
            let pos = e.location().map(|l| Pos {
                line: l.line(),
                column: l.column(),
            });
            let msg = e.without_snippet().to_string();
            c.at(
                pos,
                "",
                format!(
                    "YAML syntax error: {}",
                    msg.lines().next().unwrap_or("").trim()
                ),
            );
            return Err(ConfigErrors(c.errors));
        }
    };
    if root.as_map().is_none() {
        c.at(
            Some(root.pos),
            "",
            "the file must be a mapping with keys `profiles` and `stages`",
        );
        return Err(ConfigErrors(c.errors));
    }
    c.unknown_keys(&root, TOP_KEYS, "the top level");

    // --- stages: structure
    struct Raw<'n> {
        name: String,
        key_pos: Pos,
        kind: Option<(String, Pos)>,
        deps: Vec<(String, Pos)>,
        deps_pos: Option<Pos>,
        params: Option<&'n Node>,
        params_pos: Pos,
    }
    let mut raws: Vec<Raw<'_>> = Vec::new();
    match root.get("stages") {
        None => c.at(None, "stages", "missing top-level key `stages`"),
        Some((_, stages)) => {
            for (name, key_pos, s) in c.expect_map(stages, "`stages`").unwrap_or(&[]) {
                if c.expect_map(s, "a stage").is_none() {
                    continue;
                }
                c.unknown_keys(s, STAGE_KEYS, &format!("stage `{name}`"));
                let kind = match s.get("kind") {
                    None => {
                        c.at(
                            Some(*key_pos),
                            &format!("stages.{name}.kind"),
                            "missing `kind`",
                        );
                        None
                    }
                    Some((kp, n)) => match &n.value {
                        Value::Str(k) => Some((k.clone(), *kp)),
                        v => {
                            c.at(
                                Some(n.pos),
                                &n.path,
                                format!("`kind` must be a string, found {}", v.type_name()),
                            );
                            None
                        }
                    },
                };
                let deps = c.string_list(s.get("deps").map(|x| x.1));
                let (params, params_pos) = match s.get("params") {
                    None => (None, *key_pos),
                    Some((pp, n)) => match &n.value {
                        Value::Map(_) => (Some(n), *pp),
                        Value::Null => (None, *pp),
                        v => {
                            c.at(
                                Some(n.pos),
                                &n.path,
                                format!("`params` must be a mapping, found {}", v.type_name()),
                            );
                            continue;
                        }
                    },
                };
                raws.push(Raw {
                    name: name.clone(),
                    key_pos: *key_pos,
                    kind,
                    deps,
                    deps_pos: s.get("deps").map(|x| *x.0),
                    params,
                    params_pos,
                });
            }
        }
    }
    let names: BTreeSet<&str> = raws.iter().map(|r| r.name.as_str()).collect();

    // --- dependencies
    for r in &raws {
        for (d, p) in &r.deps {
            if !names.contains(d.as_str()) {
                c.at(
                    Some(*p),
                    &format!("stages.{}.deps", r.name),
                    format!("unknown dependency `{d}` (no stage of that name)"),
                );
            }
        }
    }
    // cycles: DFS, each cycle reported once at the `deps` of its first stage (file order)
    {
        let idx: BTreeMap<&str, usize> = raws
            .iter()
            .enumerate()
            .map(|(i, r)| (r.name.as_str(), i))
            .collect();
        let mut state = vec![0u8; raws.len()]; // 0 new, 1 on stack, 2 done
        let mut reported: BTreeSet<Vec<usize>> = BTreeSet::new();
        fn dfs(
            i: usize,
            raws: &[Raw<'_>],
            idx: &BTreeMap<&str, usize>,
            state: &mut [u8],
            stack: &mut Vec<usize>,
            cycles: &mut Vec<Vec<usize>>,
        ) {
            state[i] = 1;
            stack.push(i);
            for (d, _) in &raws[i].deps {
                let Some(&j) = idx.get(d.as_str()) else {
                    continue;
                };
                if state[j] == 1 {
                    let k = stack.iter().position(|&x| x == j).expect("on stack");
                    cycles.push(stack[k..].to_vec());
                } else if state[j] == 0 {
                    dfs(j, raws, idx, state, stack, cycles);
                }
            }
            stack.pop();
            state[i] = 2;
        }
        let mut cycles = Vec::new();
        for i in 0..raws.len() {
            if state[i] == 0 {
                dfs(i, &raws, &idx, &mut state, &mut Vec::new(), &mut cycles);
            }
        }
        for cyc in cycles {
            let start = (0..cyc.len()).min_by_key(|&k| cyc[k]).unwrap_or(0);
            let rot: Vec<usize> = cyc[start..].iter().chain(&cyc[..start]).copied().collect();
            if reported.insert(rot.clone()) {
                let first = &raws[rot[0]];
                let chain: Vec<&str> = rot
                    .iter()
                    .chain(std::iter::once(&rot[0]))
                    .map(|&i| raws[i].name.as_str())
                    .collect();
                c.at(
                    Some(first.deps_pos.unwrap_or(first.key_pos)),
                    &format!("stages.{}.deps", first.name),
                    format!("dependency cycle: {}", chain.join(" -> ")),
                );
            }
        }
    }

    // --- profiles
    let mut profile_names = Vec::new();
    let mut overrides: BTreeMap<String, BTreeMap<String, &Node>> = BTreeMap::new();
    let profiles_pos = root.get("profiles").map(|x| *x.0);
    if let Some((_, profs)) = root.get("profiles") {
        for (pname, _, pnode) in c.expect_map(profs, "`profiles`").unwrap_or(&[]) {
            profile_names.push(pname.clone());
            let entry = overrides.entry(pname.clone()).or_default();
            for (sname, sp, snode) in c.expect_map(pnode, "a profile").unwrap_or(&[]) {
                if !names.contains(sname.as_str()) {
                    c.at(
                        Some(*sp),
                        &format!("profiles.{pname}.{sname}"),
                        format!("profile `{pname}` overrides unknown stage `{sname}`"),
                    );
                } else if c.expect_map(snode, "a profile override").is_some() {
                    entry.insert(sname.clone(), snode);
                }
            }
        }
    }
    if !profile_names.iter().any(|p| p == profile) {
        c.at(
            profiles_pos,
            "profiles",
            format!(
                "unknown profile `{profile}` (defined: {})",
                if profile_names.is_empty() {
                    "none".into()
                } else {
                    profile_names.join(", ")
                }
            ),
        );
    }

    // --- parameters: deserialize into K and validate, for every profile (selected one kept)
    let mut check_profiles: Vec<String> = vec![profile.to_owned()];
    check_profiles.extend(profile_names.iter().filter(|p| *p != profile).cloned());
    let mut stages = Vec::new();
    for prof in &check_profiles {
        let ov = overrides.get(prof);
        for r in &raws {
            let Some((kind_name, kind_pos)) = &r.kind else {
                continue;
            };
            let stage_path = format!("stages.{}.params", r.name);
            let mut params = match r.params {
                Some(n) => n.clone(),
                None => Node {
                    pos: r.params_pos,
                    path: stage_path.clone(),
                    value: Value::Map(Vec::new()),
                },
            };
            if let Some(o) = ov.and_then(|m| m.get(&r.name)) {
                params.merge(o);
            }
            let json = match params.to_json() {
                Ok(serde_json::Value::Object(mut m)) => {
                    if m.contains_key("kind") {
                        let (p, _) = params.find("kind").expect("key exists");
                        c.at(
                            Some(p),
                            &format!("{stage_path}.kind"),
                            "`kind` belongs to the stage, not to its params",
                        );
                        continue;
                    }
                    m.insert("kind".into(), serde_json::Value::String(kind_name.clone()));
                    serde_json::Value::Object(m)
                }
                Ok(_) => unreachable!("params is a mapping"),
                Err(n) => {
                    c.at(
                        Some(n.pos),
                        &n.path,
                        "non-finite numbers are not supported in parameters",
                    );
                    continue;
                }
            };
            // serde stops at the first error: report it, drop the offending key, retry, so
            // that every unknown key / wrong type of the stage is reported in one go.
            let mut json = json;
            let mut removed: Vec<String> = Vec::new();
            let parsed: Option<K> = loop {
                match serde_json::from_value::<K>(json.clone()) {
                    Ok(k) => break Some(k),
                    Err(e) => {
                        let msg = e.to_string();
                        let missing = msg
                            .strip_prefix("missing field `")
                            .and_then(|r| r.split('`').next());
                        if missing.is_some_and(|f| {
                            removed.iter().any(|r| r.rsplit('.').next() == Some(f))
                        }) {
                            break None; // consequence of a key removed below, already reported
                        }
                        let loc =
                            locate_serde_error(&msg, &params, r.params_pos, *kind_pos, &r.name);
                        c.at(loc.pos, &loc.field, msg);
                        match loc.rel {
                            Some(rel)
                                if removed.len() < 64 && yaml::remove_json(&mut json, &rel) =>
                            {
                                removed.push(rel)
                            }
                            _ => break None,
                        }
                    }
                }
            };
            let Some(kind) = parsed else { continue };
            for fe in kind.validate() {
                match params.find(&fe.path) {
                    Some((p, n)) => c.at(Some(p), &n.path, fe.reason),
                    None => c.at(
                        None,
                        &format!("{stage_path}.{}", fe.path),
                        format!("{} (field not written in the file: default value; stage `{}` is at line {})", fe.reason, r.name, r.key_pos.line),
                    ),
                }
            }
            if prof == profile {
                let canonical = match serde_json::to_value(&kind) {
                    Ok(v) => v,
                    Err(e) => {
                        c.at(
                            Some(r.key_pos),
                            &format!("stages.{}", r.name),
                            format!("parameters do not serialize: {e}"),
                        );
                        continue;
                    }
                };
                let units = kind.code();
                for u in &units {
                    if code.get(u).is_none() {
                        c.at(
                            Some(*kind_pos),
                            &format!("stages.{}.kind", r.name),
                            format!(
                                "kind `{kind_name}` names code unit `{u}`, which the build does not know (see xtask/build.rs)"
                            ),
                        );
                    }
                }
                stages.push(Stage {
                    name: r.name.clone(),
                    kind_name: kind_name.clone(),
                    params: canonical,
                    deps: r.deps.iter().map(|d| d.0.clone()).collect(),
                    outputs: kind.outputs(),
                    inputs: kind.inputs(),
                    code: units,
                    line: r.key_pos.line,
                    kind,
                });
            }
        }
    }

    // --- outputs and inputs of the selected profile's stages
    let positions: BTreeMap<&str, (Pos, Option<Pos>)> = raws
        .iter()
        .map(|r| (r.name.as_str(), (r.key_pos, r.deps_pos)))
        .collect();
    // a stage whose kind or parameters did not parse writes unknown outputs: inputs nobody
    // writes are then not reported (they would be a consequence)
    let complete = stages.len() == raws.iter().filter(|r| r.kind.is_some()).count();
    check_files(&mut c, &positions, &mut stages, profile, complete);

    if c.errors.is_empty() {
        Ok(Config {
            file: file.to_owned(),
            profile: profile.to_owned(),
            profiles: profile_names,
            stages,
        })
    } else {
        c.errors.sort_by_key(|e| e.pos.unwrap_or((u64::MAX, 0)));
        Err(ConfigErrors(c.errors))
    }
}

/// Outputs: relative, kept per profile, written once, not the manifest; inputs: written by one
/// of the stage's `deps`. Resolves the profile placeholder of both in place.
fn check_files<K>(
    c: &mut Collector<'_>,
    positions: &BTreeMap<&str, (Pos, Option<Pos>)>,
    stages: &mut [Stage<K>],
    profile: &str,
    complete: bool,
) {
    let manifest = resolve(crate::manifest::MANIFEST_PATH, profile);
    let mut seen: BTreeMap<String, (&str, u64)> = BTreeMap::new();
    for s in stages.iter() {
        let (key_pos, _) = positions[s.name.as_str()];
        let field = format!("stages.{}.kind", s.name);
        for o in &s.outputs {
            let path = Path::new(o);
            let bad = o.is_empty()
                || path.is_absolute()
                || path
                    .components()
                    .any(|c| !matches!(c, std::path::Component::Normal(_)));
            let r = resolve(o, profile);
            if bad {
                c.at(
                    Some(key_pos),
                    &field,
                    format!("output `{o}` must be a relative path without `..` or `.`"),
                );
            } else if !o.contains(PROFILE) {
                c.at(
                    Some(key_pos),
                    &field,
                    format!("output `{o}` must contain `{PROFILE}` (outputs are kept per profile)"),
                );
            } else if r == manifest {
                c.at(
                    Some(key_pos),
                    &field,
                    format!("output `{o}` is reserved for the manifest"),
                );
            }
            match seen.get(&r) {
                Some((other, line)) => c.at(
                    Some(key_pos),
                    &field,
                    format!("output `{o}` written twice (also by stage `{other}` at line {line})"),
                ),
                None => {
                    seen.insert(r, (&s.name, key_pos.line));
                }
            }
        }
    }
    for s in stages.iter() {
        let (key_pos, deps_pos) = positions[s.name.as_str()];
        for i in &s.inputs {
            match seen.get(&resolve(i, profile)) {
                None if !complete => {}
                None => c.at(
                    Some(key_pos),
                    &format!("stages.{}.kind", s.name),
                    format!("kind `{}` reads `{i}`, which no stage writes", s.kind_name),
                ),
                Some((producer, _)) if !s.deps.iter().any(|d| d == producer) => c.at(
                    Some(deps_pos.unwrap_or(key_pos)),
                    &format!("stages.{}.deps", s.name),
                    format!(
                        "stage reads `{i}`, written by stage `{producer}`, which is not among its deps"
                    ),
                ),
                Some(_) => {}
            }
        }
    }
    for s in stages.iter_mut() {
        s.outputs = s.outputs.iter().map(|o| resolve(o, profile)).collect();
        s.inputs = s.inputs.iter().map(|i| resolve(i, profile)).collect();
    }
}

/// Where a serde error on a stage's params points.
struct Located {
    pos: Option<Pos>,
    field: String,
    /// Path relative to `params` of the offending mapping key, when it is unique.
    rel: Option<String>,
}

/// Map a serde error on a stage's params to a position and field path.
///
/// serde's messages carry no path through an internally tagged enum, so: an unknown field
/// is found by its key; an unknown variant is the `kind:` line; a missing field points at
/// the `params` key; a wrong type/value is matched against the leaves of the params by
/// serde's own rendering of the offending value, and accepted only when the match is
/// unique (otherwise the line is reported as unknown).
fn locate_serde_error(
    msg: &str,
    params: &Node,
    params_pos: Pos,
    kind_pos: Pos,
    stage: &str,
) -> Located {
    let backticked = |prefix: &str| -> Option<String> {
        let rest = msg.strip_prefix(prefix)?;
        let rest = rest.strip_prefix('`')?;
        Some(rest[..rest.find('`')?].to_owned())
    };
    let unknown = |field: String| Located {
        pos: None,
        field,
        rel: None,
    };
    if backticked("unknown variant ").is_some() {
        return Located {
            pos: Some(kind_pos),
            field: format!("stages.{stage}.kind"),
            rel: None,
        };
    }
    let unique = |hits: Vec<(String, Pos, String)>, fallback: String| -> Located {
        match <[_; 1]>::try_from(hits) {
            Ok([(rel, pos, path)]) => Located {
                pos: Some(pos),
                field: path,
                rel: Some(rel),
            },
            Err(_) => unknown(fallback),
        }
    };
    if let Some(f) = backticked("unknown field ") {
        let mut hits = Vec::new();
        params.walk_rel(&mut |rel, p, n| {
            if rel == f || rel.ends_with(&format!(".{f}")) {
                hits.push((rel.to_owned(), p, n.path.clone()));
            }
        });
        return unique(hits, format!("{}.{f}", params.path));
    }
    if let Some(f) = backticked("missing field ") {
        return Located {
            pos: Some(params_pos),
            field: format!("{}.{f}", params.path),
            rel: None,
        };
    }
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = msg.strip_prefix(prefix) {
            let unexpected = rest.split(", expected").next().unwrap_or("");
            let mut hits = Vec::new();
            params.walk_rel(&mut |rel, p, n| {
                let rendered = match &n.value {
                    Value::Null => Unexpected::Unit.to_string(),
                    Value::Bool(b) => Unexpected::Bool(*b).to_string(),
                    Value::Int(i) => Unexpected::Signed(*i).to_string(),
                    Value::UInt(u) => Unexpected::Unsigned(*u).to_string(),
                    Value::Float(f) => Unexpected::Float(*f).to_string(),
                    Value::Str(s) => Unexpected::Str(s).to_string(),
                    Value::Seq(_) => Unexpected::Seq.to_string(),
                    Value::Map(_) => Unexpected::Map.to_string(),
                };
                if rendered == unexpected {
                    hits.push((rel.to_owned(), p, n.path.clone()));
                }
            });
            return unique(hits, params.path.clone());
        }
    }
    unknown(params.path.clone())
}
