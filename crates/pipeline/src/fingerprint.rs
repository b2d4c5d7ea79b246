//! Stage fingerprints: blake3 of (stage kind, canonical JSON of the profile-applied
//! parameters, fingerprints of the dependency stages, code version).

use serde_json::Value;

/// Canonical JSON: object keys sorted at every level, no whitespace, numbers in
/// serde_json's shortest round-trip form. Equal values give equal bytes whatever the
/// key order they were written in.
pub fn canonical_json(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, &mut out);
    out
}

fn write_canonical(v: &Value, out: &mut String) {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&m[k], out);
            }
            out.push('}');
        }
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(x, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Fingerprint of one stage. `deps` are (dependency name, fingerprint) in any order.
pub fn stage_fingerprint(
    kind: &str,
    params: &Value,
    deps: &[(&str, &str)],
    code_version: &str,
) -> String {
    let mut deps: Vec<(&str, &str)> = deps.to_vec();
    deps.sort();
    let mut h = blake3::Hasher::new();
    let mut field = |tag: &str, s: &str| {
        h.update(tag.as_bytes());
        h.update(&(s.len() as u64).to_le_bytes());
        h.update(s.as_bytes());
    };
    field("burgers-pipeline-fingerprint-v1", "");
    field("kind", kind);
    field("params", &canonical_json(params));
    for (name, fp) in deps {
        field("dep", name);
        field("dep-fingerprint", fp);
    }
    field("code", code_version);
    h.finalize().to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_matter() {
        let a: Value = serde_json::from_str(r#"{"b":1,"a":{"y":[1,2.5],"x":"s"}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":"s","y":[1,2.5]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"x":"s","y":[1,2.5]},"b":1}"#);
        assert_eq!(
            stage_fingerprint("k", &a, &[("d1", "f1"), ("d2", "f2")], "c"),
            stage_fingerprint("k", &b, &[("d2", "f2"), ("d1", "f1")], "c")
        );
    }

    #[test]
    fn every_ingredient_matters() {
        let p = json!({"gamma": 0.08});
        let base = stage_fingerprint("k", &p, &[("d", "f")], "c");
        assert_ne!(base, stage_fingerprint("k2", &p, &[("d", "f")], "c"));
        assert_ne!(
            base,
            stage_fingerprint("k", &json!({"gamma": 0.0800001}), &[("d", "f")], "c")
        );
        assert_ne!(base, stage_fingerprint("k", &p, &[("d", "g")], "c"));
        assert_ne!(base, stage_fingerprint("k", &p, &[], "c"));
        assert_ne!(base, stage_fingerprint("k", &p, &[("d", "f")], "c2"));
    }
}
