//! Code units and their hashes: what a stage's code version is made of.
//!
//! A *unit* is either a whole physics crate (`kinetic`, `tg`, `md`, `hydro`, and `figtext`, the
//! font metrics the figure layout is sized with: their `src/` and `Cargo.toml`) or one source file of the producer or of the contract
//! (`reproduce/fig5/md.rs`, `contract/fig5.rs`). Each unit has
//! - a hash of its source with comments, doc comments, formatting and `#[cfg(test)]` modules
//!   removed (editing those never changes a result), plus the versions of the external
//!   packages it uses (from `Cargo.lock`, transitively);
//! - edges to the units it references: `crate::`/`super::` paths resolved to files, the
//!   workspace crates it names, and for a physics crate its workspace dependencies.
//!
//! A stage kind names its entry units (`reproduce::Kind`'s `code()`); the pipeline hashes the
//! closure of those entries over the edges. The audit crate, the engine, the CLI, tests,
//! benches and examples are in no unit, so editing them reruns no stage.
//!
//! This file is compiled twice: by `xtask/build.rs` (which writes the table the CLI uses) and
//! as a module of `xtask` (whose tests edit a copy of the sources and watch the table change).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Crates hashed as one unit each (`figtext`: the text metrics that size every figure's layout).
pub const WHOLE_CRATES: [&str; 5] = ["kinetic", "tg", "md", "hydro", "figtext"];
/// Crates hashed file by file.
pub const FILE_CRATES: [&str; 2] = ["reproduce", "contract"];
/// Files that cannot change any output (parameter validation only: it rejects parameters
/// before a stage runs): in no unit.
pub const NO_OUTPUT_FILES: [&str; 2] = ["reproduce/params.rs", "reproduce/lib.rs"];

/// Every unit: its hash and the units it references.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Units {
    pub hashes: BTreeMap<String, String>,
    pub edges: BTreeMap<String, BTreeSet<String>>,
    /// Every file read (for `cargo:rerun-if-changed`).
    pub files: Vec<PathBuf>,
}

/// Source with comments, `#[cfg(test)]` items, and formatting removed; string, char and
/// byte literals kept verbatim. Tokens are separated by single spaces where whitespace was.
pub fn strip(src: &str) -> String {
    let b = src.as_bytes();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    let mut pending_space = false;
    // whitespace survives only where it separates two words (`fn f`, `as T`)
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let push = |out: &mut String, s: &str, pending: &mut bool| {
        if *pending
            && out.chars().last().is_some_and(is_word)
            && s.chars().next().is_some_and(is_word)
        {
            out.push(' ');
        }
        *pending = false;
        out.push_str(s);
    };
    while i < b.len() {
        let c = b[i];
        // comments
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            pending_space = true;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            pending_space = true;
            continue;
        }
        if c.is_ascii_whitespace() {
            pending_space = true;
            i += 1;
            continue;
        }
        // raw strings r"..", r#".."#, br#".."#
        let raw_start = if c == b'r' {
            Some(i + 1)
        } else if c == b'b' && b.get(i + 1) == Some(&b'r') {
            Some(i + 2)
        } else {
            None
        };
        if let Some(mut j) = raw_start {
            let prev_ident = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
            let mut hashes = 0;
            while b.get(j) == Some(&b'#') {
                hashes += 1;
                j += 1;
            }
            if !prev_ident && b.get(j) == Some(&b'"') {
                let mut k = j + 1;
                loop {
                    if k >= b.len() {
                        break;
                    }
                    if b[k] == b'"' && (0..hashes).all(|h| b.get(k + 1 + h) == Some(&b'#')) {
                        k += 1 + hashes;
                        break;
                    }
                    k += 1;
                }
                push(&mut out, &src[i..k.min(b.len())], &mut pending_space);
                i = k;
                continue;
            }
        }
        // strings "..." and b"..."
        if c == b'"' || (c == b'b' && b.get(i + 1) == Some(&b'"')) {
            let mut k = if c == b'"' { i + 1 } else { i + 2 };
            while k < b.len() && b[k] != b'"' {
                if b[k] == b'\\' {
                    k += 1;
                }
                k += 1;
            }
            push(&mut out, &src[i..(k + 1).min(b.len())], &mut pending_space);
            i = k + 1;
            continue;
        }
        // char literals 'x', '\n', '\u{..}' (a lifetime 'a has no closing quote)
        if c == b'\'' {
            let k = if b.get(i + 1) == Some(&b'\\') {
                let mut k = i + 2;
                while k < b.len() && b[k] != b'\'' {
                    k += 1;
                }
                Some(k)
            } else {
                let ch_len = src[i + 1..].chars().next().map_or(1, char::len_utf8);
                (b.get(i + 1 + ch_len) == Some(&b'\'')).then_some(i + 1 + ch_len)
            };
            if let Some(k) = k {
                push(&mut out, &src[i..=k.min(b.len() - 1)], &mut pending_space);
                i = k + 1;
                continue;
            }
        }
        // one token character (identifiers are copied character by character)
        let ch_len = src[i..].chars().next().map_or(1, char::len_utf8);
        push(&mut out, &src[i..i + ch_len], &mut pending_space);
        i += ch_len;
    }
    remove_test_modules(&out)
}

/// Remove `#[cfg(test)] mod name { ... }` (balanced braces; literals are intact in `s`).
fn remove_test_modules(s: &str) -> String {
    let marker = "#[cfg(test)]";
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find(marker) {
        out.push_str(&rest[..pos]);
        let after = rest[pos + marker.len()..].trim_start();
        // the stripped text has no space after `)`: `#[cfg(test)]pub(crate)mod tests{`
        let vis = after
            .strip_prefix("pub(crate)")
            .or_else(|| after.strip_prefix("pub "))
            .unwrap_or(after)
            .trim_start();
        let Some(body) = vis.strip_prefix("mod ") else {
            // a test-only item that is not a module: keep it
            out.push_str(marker);
            rest = &rest[pos + marker.len()..];
            continue;
        };
        let Some(open) = body.find('{') else {
            break;
        };
        if body[..open].contains(';') {
            // `mod tests;` (a file): nothing inline to remove
            out.push_str(marker);
            rest = &rest[pos + marker.len()..];
            continue;
        }
        let bytes = body.as_bytes();
        let (mut depth, mut k) = (0usize, open);
        let mut in_str = false;
        while k < bytes.len() {
            match bytes[k] {
                b'\\' if in_str => k += 1,
                b'"' => in_str = !in_str,
                b'{' if !in_str => depth += 1,
                b'}' if !in_str => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            k += 1;
        }
        rest = &body[(k + 1).min(body.len())..];
    }
    out.push_str(rest);
    out
}

/// Every path of the stripped source: identifier sequences joined by `::`, with `{...}`
/// groups expanded (`use crate::{io, plot::{self, FONT}}` gives `crate::io`,
/// `crate::plot::self`, `crate::plot::FONT`). A leading `::` is dropped.
pub fn paths(stripped: &str) -> Vec<Vec<String>> {
    let toks = tokenize(stripped);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        // a path starts at an identifier followed by `::` that does not continue a path or a
        // method call; a leading `::` (`::tg::Bath`) starts an absolute path
        let prev = i.checked_sub(1).map(|k| toks[k].as_str());
        let leading = prev == Some("::")
            && i.checked_sub(2)
                .is_none_or(|k| !((is_ident(&toks[k]) && !is_keyword(&toks[k])) || toks[k] == ">"));
        let starts = is_ident(&toks[i])
            && !is_keyword(&toks[i])
            && toks.get(i + 1).is_some_and(|t| t == "::")
            && (leading || !matches!(prev, Some("::") | Some(".")));
        if starts {
            let (mut found, next) = parse_path(&toks, i, Vec::new());
            out.append(&mut found);
            i = next.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// Keywords that can precede an absolute path (`use ::tg::Bath`, `as ::x::T`); `crate`,
/// `super` and `self` start paths themselves.
fn is_keyword(t: &str) -> bool {
    matches!(
        t,
        "use"
            | "pub"
            | "as"
            | "in"
            | "let"
            | "mut"
            | "ref"
            | "return"
            | "impl"
            | "for"
            | "dyn"
            | "where"
            | "else"
            | "match"
            | "if"
            | "move"
            | "unsafe"
            | "static"
            | "const"
            | "type"
            | "extern"
            | "fn"
            | "struct"
            | "enum"
            | "trait"
            | "mod"
            | "while"
            | "loop"
            | "break"
    )
}

fn is_ident(t: &str) -> bool {
    t.chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_alphanumeric() || c == '_')
}

fn tokenize(s: &str) -> Vec<String> {
    let mut toks = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c.is_alphanumeric() || c == '_' {
            let st = i;
            while i < b.len() && (b[i].is_alphanumeric() || b[i] == '_') {
                i += 1;
            }
            toks.push(b[st..i].iter().collect());
        } else if c == ':' && b.get(i + 1) == Some(&':') {
            toks.push("::".into());
            i += 2;
        } else if c == '"' {
            // skip string literal
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            toks.push("\"\"".into());
        } else if c.is_whitespace() {
            i += 1;
        } else {
            toks.push(c.to_string());
            i += 1;
        }
    }
    toks
}

/// Parse `a::b::{c, d::e}` starting at token `i` with `prefix`; returns the paths and the
/// index after the path.
fn parse_path(toks: &[String], mut i: usize, prefix: Vec<String>) -> (Vec<Vec<String>>, usize) {
    let mut path = prefix;
    loop {
        if toks.get(i).is_some_and(|t| is_ident(t)) {
            path.push(toks[i].clone());
            i += 1;
        } else if toks.get(i).is_some_and(|t| t == "*") {
            path.push("*".into());
            i += 1;
            return (vec![path], i);
        } else if toks.get(i).is_some_and(|t| t == "{") {
            let mut out = Vec::new();
            i += 1;
            loop {
                match toks.get(i).map(String::as_str) {
                    None => return (out, i),
                    Some("}") => return (out, i + 1),
                    Some(",") => i += 1,
                    Some(_) => {
                        let (mut sub, next) = parse_path(toks, i, path.clone());
                        out.append(&mut sub);
                        // skip `as alias`
                        i = next;
                        if toks.get(i).is_some_and(|t| t == "as") {
                            i += 2;
                        }
                        if i == next
                            && !matches!(toks.get(i).map(String::as_str), Some(",") | Some("}"))
                        {
                            i += 1;
                        }
                    }
                }
            }
        } else {
            return (vec![path], i);
        }
        if toks.get(i).is_some_and(|t| t == "::") {
            i += 1;
        } else {
            return (vec![path], i);
        }
    }
}

/// Dependency names of a `Cargo.toml` `[dependencies]` section.
fn cargo_deps(toml: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut in_deps = false;
    for line in toml.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_deps = l == "[dependencies]";
            if let Some(name) = l
                .strip_prefix("[dependencies.")
                .and_then(|r| r.strip_suffix(']'))
            {
                out.push(name.to_owned());
            }
            continue;
        }
        if in_deps && !l.is_empty() && !l.starts_with('#') {
            let name = l.split(['=', '.', ' ']).next().unwrap_or("").trim();
            if !name.is_empty() {
                out.push(name.to_owned());
            }
        }
    }
    out
}

/// `Cargo.lock`: package name -> (version, dependency names).
fn lock_packages(lock: &str) -> BTreeMap<String, (String, Vec<String>)> {
    let mut out = BTreeMap::new();
    for block in lock.split("[[package]]").skip(1) {
        let mut name = String::new();
        let mut version = String::new();
        let mut deps = Vec::new();
        let mut in_deps = false;
        for line in block.lines() {
            let l = line.trim();
            if let Some(v) = l.strip_prefix("name = ") {
                name = v.trim_matches('"').to_owned();
            } else if let Some(v) = l.strip_prefix("version = ") {
                version = v.trim_matches('"').to_owned();
            } else if l.starts_with("dependencies = [") {
                in_deps = !l.ends_with(']');
            } else if in_deps {
                if l == "]" {
                    in_deps = false;
                } else {
                    let d = l.trim_matches([',', '"']);
                    deps.push(d.split(' ').next().unwrap_or(d).to_owned());
                }
            }
        }
        // several versions of one package: keep them all under `name version`
        out.insert(format!("{name} {version}"), (version.clone(), deps.clone()));
        out.entry(name).or_insert((version, deps));
    }
    out
}

/// `name version` of `roots` and everything they depend on (from `Cargo.lock`).
fn extern_closure(
    roots: &BTreeSet<String>,
    lock: &BTreeMap<String, (String, Vec<String>)>,
) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.iter().cloned().collect();
    while let Some(n) = stack.pop() {
        let key = n.replace('_', "-");
        let Some((v, deps)) = lock.get(&key).or_else(|| lock.get(&n)) else {
            continue;
        };
        if seen.insert(format!("{} {v}", key)) {
            stack.extend(deps.iter().cloned());
        }
    }
    seen
}

fn rs_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rs_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn hash(parts: &[&str]) -> String {
    let mut h = blake3::Hasher::new();
    for p in parts {
        h.update(&(p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize().to_hex()[..16].to_owned()
}

/// Module path of a file under `src/`: `lib.rs` -> [], `a/mod.rs` -> [a], `a/b.rs` -> [a, b].
fn module_path(rel: &Path) -> Vec<String> {
    let mut segs: Vec<String> = rel
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let last = segs.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "lib" && stem != "mod" && stem != "main" {
        segs.push(stem.to_owned());
    }
    segs
}

/// Module path -> unit name of every file of a file crate.
type ModuleFiles = BTreeMap<Vec<String>, String>;

/// The file unit a path (module path, then items) resolves to: the longest prefix that is a
/// module with a file; an item of the crate root otherwise.
fn resolve(crate_name: &str, modules: &ModuleFiles, path: &[String]) -> String {
    (1..=path.len())
        .rev()
        .find_map(|k| modules.get(&path[..k]).cloned())
        .unwrap_or_else(|| format!("{crate_name}/lib.rs"))
}

/// Module path -> unit name of every file of the file crate `c`.
fn module_files(root: &Path, c: &str) -> (ModuleFiles, Vec<PathBuf>) {
    let src = root.join("crates").join(c).join("src");
    let mut files = Vec::new();
    rs_files(&src, &mut files);
    let map = files
        .iter()
        .map(|f| {
            let rel = f.strip_prefix(&src).unwrap_or(f);
            (module_path(rel), format!("{c}/{}", rel.display()))
        })
        .collect();
    (map, files)
}

/// Hash every unit of the workspace at `root` and find the edges between them.
pub fn scan(root: &Path) -> Units {
    let mut units = Units::default();
    let lock_text = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    units.files.push(root.join("Cargo.lock"));
    let lock = lock_packages(&lock_text);
    let workspace: BTreeSet<&str> = WHOLE_CRATES
        .iter()
        .chain(FILE_CRATES.iter())
        .copied()
        .chain(["pipeline", "audit", "xtask"])
        .collect();

    // whole crates
    for c in WHOLE_CRATES {
        let dir = root.join("crates").join(c);
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        units.files.push(dir.join("Cargo.toml"));
        let mut files = Vec::new();
        rs_files(&dir.join("src"), &mut files);
        let mut parts: Vec<String> = vec![format!("crate {c}")];
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            parts.push(f.strip_prefix(&dir).unwrap_or(f).display().to_string());
            parts.push(strip(&text));
        }
        units.files.extend(files);
        let deps = cargo_deps(&toml);
        let externs: BTreeSet<String> = deps
            .iter()
            .filter(|d| !workspace.contains(d.as_str()))
            .cloned()
            .collect();
        parts.extend(extern_closure(&externs, &lock));
        let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
        units.hashes.insert(c.to_owned(), hash(&refs));
        units.edges.insert(
            c.to_owned(),
            deps.iter()
                .filter(|d| WHOLE_CRATES.contains(&d.as_str()))
                .cloned()
                .collect(),
        );
    }

    // file crates
    let maps: BTreeMap<&str, (ModuleFiles, Vec<PathBuf>)> = FILE_CRATES
        .iter()
        .map(|c| (*c, module_files(root, c)))
        .collect();
    for c in FILE_CRATES {
        let dir = root.join("crates").join(c);
        let src = dir.join("src");
        let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap_or_default();
        units.files.push(dir.join("Cargo.toml"));
        let externs: BTreeSet<String> = cargo_deps(&toml)
            .into_iter()
            .filter(|d| !workspace.contains(d.as_str()))
            .map(|d| d.replace('-', "_"))
            .collect();
        let (modules, files) = &maps[c];
        for f in files {
            let rel = f.strip_prefix(&src).unwrap_or(f);
            let name = format!("{c}/{}", rel.display());
            if NO_OUTPUT_FILES.contains(&name.as_str()) {
                continue;
            }
            let text = std::fs::read_to_string(f).unwrap_or_default();
            let stripped = strip(&text);
            let me = module_path(rel);
            // the module `super` names: the parent of this file's module
            let parent: Vec<String> = me[..me.len().saturating_sub(1)].to_vec();
            let mut edges = BTreeSet::new();
            let mut used_externs = BTreeSet::new();
            for p in paths(&stripped) {
                let target = match p[0].as_str() {
                    "crate" => Some(resolve(c, modules, &p[1..])),
                    "super" | "self" => {
                        let mut full = if p[0] == "super" {
                            parent.clone()
                        } else {
                            me.clone()
                        };
                        full.extend(p[1..].iter().cloned());
                        Some(resolve(c, modules, &full))
                    }
                    w if WHOLE_CRATES.contains(&w) => Some(w.to_owned()),
                    w if FILE_CRATES.contains(&w) && w != c => {
                        Some(resolve(w, &maps[w].0, &p[1..]))
                    }
                    w if externs.contains(w) => {
                        used_externs.insert(w.to_owned());
                        None
                    }
                    _ => None,
                };
                if let Some(t) = target
                    && t != name
                    && !NO_OUTPUT_FILES.contains(&t.as_str())
                {
                    edges.insert(t);
                }
            }
            let mut parts: Vec<String> = vec![format!("file {name}"), stripped];
            parts.extend(extern_closure(&used_externs, &lock));
            let refs: Vec<&str> = parts.iter().map(String::as_str).collect();
            units.hashes.insert(name.clone(), hash(&refs));
            units.edges.insert(name, edges);
        }
        units.files.extend(files.iter().cloned());
    }
    units
}

/// Rust source of the generated table (`include!`d by the CLI).
pub fn render(units: &Units) -> String {
    let mut s =
        String::from("/// (unit, hash) of every code unit (generated by xtask/build.rs).\n");
    s.push_str("pub const UNITS: &[(&str, &str)] = &[\n");
    for (u, h) in &units.hashes {
        s.push_str(&format!("    ({u:?}, {h:?}),\n"));
    }
    s.push_str("];\n/// (unit, units it references).\npub const EDGES: &[(&str, &[&str])] = &[\n");
    for (u, e) in &units.edges {
        let list: Vec<String> = e.iter().map(|x| format!("{x:?}")).collect();
        s.push_str(&format!("    ({u:?}, &[{}]),\n", list.join(", ")));
    }
    s.push_str("];\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_removes_comments_formatting_and_tests_only() {
        let a = "// c\nfn f() -> &'static str {\n    /* x */ \"a  // b\" // d\n}\n#[cfg(test)]\nmod tests { fn t() { let s = \"}\"; } }\n";
        let b = "fn f()->&'static str{\"a  // b\"}";
        assert_eq!(strip(a), strip(b));
        assert_eq!(strip(a), "fn f()->&'static str{\"a  // b\"}");
        assert_ne!(strip("let x = 'a';"), strip("let x = 'b';"));
        assert_eq!(strip("r#\"a \" // b\"#"), "r#\"a \" // b\"#");
        assert_ne!(strip("fn a() {}"), strip("fn b() {}"));
        let vis = "fn f() {}\n#[cfg(test)]\npub(crate) mod tests {\n    fn g() {}\n}\n";
        assert_eq!(strip(vis), "fn f(){}");
    }

    #[test]
    fn paths_expand_groups_and_absolute_paths() {
        let p = paths(&strip(
            "use crate::{io, plot::{self, FONT}};\nuse ::tg::Bath;\nlet x = md::run(y.z::<T>());\n",
        ));
        let s: Vec<String> = p.iter().map(|v| v.join("::")).collect();
        assert_eq!(
            s,
            [
                "crate::io",
                "crate::plot::self",
                "crate::plot::FONT",
                "tg::Bath",
                "md::run"
            ]
        );
    }
}
