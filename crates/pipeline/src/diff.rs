//! Leaf-level differences between two JSON values (parameter sets): what `list` says when a
//! stage is stale because its parameters changed, and what the regression check says when a
//! committed reference was made with other parameters.

use serde_json::Value;

/// One changed leaf: its path (`bath.sigma`, `times[2]`) and the old and new value
/// (`None` = absent).
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub path: String,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let show = |v: &Option<Value>| v.as_ref().map_or("(absent)".into(), Value::to_string);
        write!(
            f,
            "`{}`: {} -> {}",
            self.path,
            show(&self.old),
            show(&self.new)
        )
    }
}

/// Every leaf where `a` and `b` differ, in path order. Numbers equal to 1e-15 relative are the
/// same parameter: serde_json's default float parser is not exactly round-trip (`1e-30` reads
/// back as `9.999999999999999e-31`).
pub fn changes(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", a, b, &mut out);
    out
}

fn walk(path: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match (x.get(k), y.get(k)) {
                    (Some(u), Some(v)) => walk(&p, u, v, out),
                    (u, v) => out.push(Change {
                        path: p,
                        old: u.cloned(),
                        new: v.cloned(),
                    }),
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (u, v)) in x.iter().zip(y).enumerate() {
                walk(&format!("{path}[{i}]"), u, v, out);
            }
        }
        (Value::Number(x), Value::Number(y))
            if x.as_f64()
                .zip(y.as_f64())
                .is_some_and(|(x, y)| (x - y).abs() <= 1e-15 * x.abs().max(y.abs())) => {}
        _ if a != b => out.push(Change {
            path: path.to_owned(),
            old: Some(a.clone()),
            new: Some(b.clone()),
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn leaf_changes_with_paths() {
        let a = json!({"gamma": 0.08, "bath": {"b": 1.0}, "times": [0.0, 1.0], "x": 1e-30});
        let b = json!({"gamma": 0.09, "bath": {"b": 1.0}, "times": [0.0, 2.0], "y": 1,
                       "x": 9.999999999999999e-31});
        let c: Vec<String> = changes(&a, &b).iter().map(ToString::to_string).collect();
        assert_eq!(
            c,
            [
                "`gamma`: 0.08 -> 0.09",
                "`times[1]`: 1.0 -> 2.0",
                "`y`: (absent) -> 1"
            ]
        );
    }
}
