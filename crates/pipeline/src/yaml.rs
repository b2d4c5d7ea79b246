//! A YAML document tree that remembers where every node came from (line, column, and
//! its path in the file), built on serde-saphyr's `Spanned`. Profile overrides are deep
//! merged at this level so that every parameter, after merging, still points at the line
//! that set it.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Position in the YAML file (1-based; `line == 0` means unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Pos {
    pub line: u64,
    pub column: u64,
}

impl Pos {
    fn from_spanned<T>(s: &Spanned<T>) -> Self {
        Self {
            line: s.referenced.line(),
            column: s.referenced.column(),
        }
    }
    pub fn known(self) -> Option<Self> {
        (self.line > 0).then_some(self)
    }
}

/// A node with its position and its path from the document root (`stages.fig4.params.gamma`).
#[derive(Debug, Clone)]
pub struct Node {
    pub pos: Pos,
    pub path: String,
    pub value: Value,
}

#[derive(Debug, Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in file order; each key with its own position.
    Map(Vec<(String, Pos, Node)>),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::UInt(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

impl Node {
    pub fn as_map(&self) -> Option<&[(String, Pos, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<(&Pos, &Node)> {
        self.as_map()?
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, p, n)| (p, n))
    }

    /// Assign `path` to this node and all descendants.
    pub fn set_paths(&mut self, path: &str) {
        self.path = path.to_owned();
        match &mut self.value {
            Value::Seq(items) => {
                for (i, n) in items.iter_mut().enumerate() {
                    n.set_paths(&format!("{path}[{i}]"));
                }
            }
            Value::Map(entries) => {
                for (k, _, n) in entries.iter_mut() {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    n.set_paths(&p);
                }
            }
            _ => {}
        }
    }

    /// Deep merge: mappings merge key by key (recursively), anything else is replaced.
    pub fn merge(&mut self, over: &Node) {
        match (&mut self.value, &over.value) {
            (Value::Map(base), Value::Map(o)) => {
                for (k, kp, n) in o {
                    match base.iter_mut().find(|(bk, _, _)| bk == k) {
                        Some((_, bp, b)) => {
                            // A replaced (non-mapping) value now comes from the override line.
                            if !matches!((&b.value, &n.value), (Value::Map(_), Value::Map(_))) {
                                *bp = *kp;
                            }
                            b.merge(n)
                        }
                        None => base.push((k.clone(), *kp, n.clone())),
                    }
                }
            }
            _ => *self = over.clone(),
        }
    }

    /// Find a descendant by a field path relative to this node: `a.b[2].c`.
    /// Returns the node and, for mapping entries, the position of the key.
    pub fn find(&self, rel: &str) -> Option<(Pos, &Node)> {
        let mut cur = self;
        let mut pos = self.pos;
        for seg in split_path(rel)? {
            match seg {
                Seg::Key(k) => {
                    let (kp, n) = cur.get(k)?;
                    pos = *kp;
                    cur = n;
                }
                Seg::Index(i) => match &cur.value {
                    Value::Seq(items) => {
                        cur = items.get(i)?;
                        pos = cur.pos;
                    }
                    _ => return None,
                },
            }
        }
        Some((pos, cur))
    }

    /// Convert to JSON. Non-finite floats are not representable: reported as `Err(node)`.
    pub fn to_json(&self) -> Result<serde_json::Value, &Node> {
        use serde_json::Value as J;
        Ok(match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::UInt(u) => J::from(*u),
            Value::Float(f) => J::Number(serde_json::Number::from_f64(*f).ok_or(self)?),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => {
                J::Array(items.iter().map(Node::to_json).collect::<Result<_, _>>()?)
            }
            Value::Map(entries) => {
                let mut m = serde_json::Map::new();
                for (k, _, n) in entries {
                    m.insert(k.clone(), n.to_json()?);
                }
                J::Object(m)
            }
        })
    }

    /// Visit every descendant with its path relative to `self` (`a.b[2]`) and the position
    /// of its key (mapping entries) or of itself (sequence items).
    pub fn walk_rel<'a>(&'a self, f: &mut dyn FnMut(&str, Pos, &'a Node)) {
        self.walk_rel_from("", f);
    }

    fn walk_rel_from<'a>(&'a self, prefix: &str, f: &mut dyn FnMut(&str, Pos, &'a Node)) {
        match &self.value {
            Value::Seq(items) => {
                for (i, n) in items.iter().enumerate() {
                    let rel = format!("{prefix}[{i}]");
                    f(&rel, n.pos, n);
                    n.walk_rel_from(&rel, f);
                }
            }
            Value::Map(entries) => {
                for (k, p, n) in entries {
                    let rel = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    f(&rel, *p, n);
                    n.walk_rel_from(&rel, f);
                }
            }
            _ => {}
        }
    }

    /// Visit every mapping entry `(key, key position, value)` in the subtree.
    pub fn walk_entries<'a>(&'a self, f: &mut dyn FnMut(&'a str, Pos, &'a Node)) {
        match &self.value {
            Value::Seq(items) => items.iter().for_each(|n| n.walk_entries(f)),
            Value::Map(entries) => {
                for (k, p, n) in entries {
                    f(k, *p, n);
                    n.walk_entries(f);
                }
            }
            _ => {}
        }
    }
}

/// Remove the entry at `rel` (a path ending in a mapping key) from a JSON value.
/// Returns whether something was removed.
pub fn remove_json(v: &mut serde_json::Value, rel: &str) -> bool {
    let Some(segs) = split_path(rel) else {
        return false;
    };
    let Some((last, init)) = segs.split_last() else {
        return false;
    };
    let Seg::Key(last) = last else { return false };
    let mut cur = v;
    for s in init {
        cur = match (s, cur) {
            (Seg::Key(k), serde_json::Value::Object(m)) => match m.get_mut(*k) {
                Some(x) => x,
                None => return false,
            },
            (Seg::Index(i), serde_json::Value::Array(a)) => match a.get_mut(*i) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    match cur {
        serde_json::Value::Object(m) => m.remove(*last).is_some(),
        _ => false,
    }
}

enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn split_path(path: &str) -> Option<Vec<Seg<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Seg::Key(key));
        }
        while let Some(stripped) = rest.strip_prefix('[') {
            let end = stripped.find(']')?;
            out.push(Seg::Index(stripped[..end].parse().ok()?));
            rest = &stripped[end + 1..];
        }
    }
    Some(out)
}

/// Parse a YAML document into a [`Node`] tree with positions and paths.
pub fn parse(text: &str) -> Result<Node, serde_saphyr::Error> {
    // YAML 1.2 core booleans only: `y`, `no`, `on` stay strings.
    let opts = serde_saphyr::options! { strict_booleans: true };
    let mut root: Node = serde_saphyr::from_str_with_options(text, opts)?;
    root.set_paths("");
    Ok(root)
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Value>::deserialize(d)?;
        Ok(Node {
            pos: Pos::from_spanned(&s),
            path: String::new(),
            value: s.value,
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::UInt(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<(String, Pos, Node)> = Vec::new();
        while let Some(k) = map.next_key::<Spanned<KeyString>>()? {
            let pos = Pos::from_spanned(&k);
            let key = k.value.0;
            if entries.iter().any(|(e, _, _)| *e == key) {
                return Err(de::Error::custom(format!(
                    "duplicate key `{key}` at line {}",
                    pos.line
                )));
            }
            let v = map.next_value::<Node>()?;
            entries.push((key, pos, v));
        }
        Ok(Value::Map(entries))
    }
}

/// A mapping key: any scalar, as its string form.
struct KeyString(String);

impl<'de> Deserialize<'de> for KeyString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Str(s) => Ok(KeyString(s)),
            Value::Int(i) => Ok(KeyString(i.to_string())),
            Value::UInt(u) => Ok(KeyString(u.to_string())),
            Value::Bool(b) => Ok(KeyString(b.to_string())),
            Value::Float(f) => Ok(KeyString(f.to_string())),
            Value::Null => Ok(KeyString("null".into())),
            _ => Err(de::Error::custom("mapping keys must be scalars")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_and_paths() {
        let doc = "a:\n  b: 1.5\n  c: [x, y]\nd: true\n";
        let n = parse(doc).unwrap();
        let (p, b) = n.find("a.b").unwrap();
        assert_eq!((p.line, b.pos.line, b.path.as_str()), (2, 2, "a.b"));
        let (_, y) = n.find("a.c[1]").unwrap();
        assert_eq!((y.pos.line, y.path.as_str()), (3, "a.c[1]"));
        let (p, _) = n.find("d").unwrap();
        assert_eq!(p.line, 4);
        assert!(n.find("a.zz").is_none());
        assert_eq!(
            n.to_json().unwrap(),
            serde_json::json!({"a": {"b": 1.5, "c": ["x", "y"]}, "d": true})
        );
    }

    #[test]
    fn deep_merge_keeps_origin() {
        let base = parse("p:\n  x: 1\n  y:\n    z: 2\n    w: 3\n").unwrap();
        let over = parse("\n\nq:\n  y:\n    z: 9\n").unwrap();
        base.get("p").unwrap();
        let mut p = base.find("p").unwrap().1.clone();
        p.merge(over.find("q").unwrap().1);
        assert_eq!(
            p.to_json().unwrap(),
            serde_json::json!({"x": 1, "y": {"z": 9, "w": 3}})
        );
        let (kp, z) = p.find("y.z").unwrap();
        assert_eq!((kp.line, z.pos.line, z.path.as_str()), (5, 5, "q.y.z"));
        assert_eq!(p.find("y.w").unwrap().0.line, 5);
    }
}
