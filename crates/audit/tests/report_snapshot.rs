//! The rendered audit of a small synthetic data set (what a reader sees), guarded by an insta
//! snapshot: a transport table of an exactly known model goes through the real checks, claims
//! and report; the other figures' stages are absent (not checkable).

use std::collections::BTreeMap;

use audit::{Data, Outcome};
use contract::Table;
use contract::swap::{
    BathSide, GridConvergence, Statistics, TransportCase, TransportRecord, VelocityGrid,
    transport as col,
};
use pipeline::manifest::{Manifest, StageRecord};
use polars_core::prelude::*;
use polars_io::prelude::*;

/// u = J' and the corrected u' exact for J = 0.5 rho^2 (fermions, asymmetric bath: Burgers) or
/// J = -rho (the others: constant u); D by both routes equal.
fn table() -> DataFrame {
    let (mut s, mut b, mut rho, mut u, mut du, mut d, mut j) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for side in BathSide::ALL {
        for stat in Statistics::ALL {
            let burgers = *stat == Statistics::Fermionic && *side == BathSide::Asymmetric;
            for k in 0..12 {
                let r = 0.25 + 0.25 * k as f64;
                s.push(stat.as_str());
                b.push(side.as_str());
                rho.push(r);
                let (jj, uu, dd) = if burgers {
                    (0.5 * r * r, r, 1.0)
                } else {
                    (-r, -1.0, 0.0)
                };
                j.push(jj);
                u.push(uu);
                du.push(dd);
                d.push(10.0 + r);
            }
        }
    }
    df!(col::STATISTICS => s, col::BATH => b, col::RHO => &rho, col::U => u,
        col::DU_DRHO => du, col::D => &d, col::D_DIRECT => &d, col::J => j)
    .unwrap()
}

fn record() -> TransportRecord {
    let cases = BathSide::ALL
        .iter()
        .flat_map(|b| {
            Statistics::ALL.iter().map(move |s| TransportCase {
                statistics: *s,
                bath: *b,
                velocity_grid: VelocityGrid {
                    lambda_min: -50.0,
                    lambda_max: 50.0,
                    nodes: 501,
                    spacing: 0.2,
                    tail_tol: 1e-30,
                },
                grid_convergence: GridConvergence {
                    fine_spacing: 0.1,
                    fine_tail_tol: 1e-40,
                    max_rel_change_d: 1e-14,
                    max_abs_change_u: 1e-14,
                    max_abs_change_du_drho: 1e-13,
                },
            })
        })
        .collect();
    TransportRecord {
        densities: 12,
        cases,
    }
}

#[test]
fn audit_of_a_synthetic_transport_table() {
    let dir = tempfile::tempdir().unwrap();
    let rel = pipeline::resolve(Table::Transport.path(), "synthetic");
    let path = dir.path().join(&rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    ParquetWriter::new(std::fs::File::create(&path).unwrap())
        .finish(&mut table())
        .unwrap();
    let rec = StageRecord {
        fingerprint: "f".repeat(64),
        kind: "transport_swap".into(),
        params: serde_json::json!({}),
        deps: vec![],
        dep_fingerprints: BTreeMap::new(),
        outputs: BTreeMap::new(),
        records: BTreeMap::from([(
            <TransportRecord as contract::Record>::KEY.to_owned(),
            serde_json::to_value(record()).unwrap(),
        )]),
        code_version: "c".into(),
        code: BTreeMap::new(),
        git_commit: None,
        profile: "synthetic".into(),
        jobs: 1,
        started: String::new(),
        finished: String::new(),
        wall_seconds: 0.0,
    };
    let data = Data {
        root: dir.path().to_owned(),
        profile: "synthetic".into(),
        manifest: Manifest {
            version: pipeline::manifest::MANIFEST_VERSION,
            stages: BTreeMap::from([("transport_swap".to_owned(), rec)]),
        },
        producers: BTreeMap::from([(rel, "transport_swap".to_owned())]),
        params: BTreeMap::new(),
    };
    let report = audit::run(&data);
    let failed: Vec<String> = report
        .checks
        .iter()
        .filter(|c| c.outcome == Outcome::Fail)
        .map(|c| c.line())
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let text = audit::report::render("synthetic", &report.checks, &[], false);
    insta::assert_snapshot!(text);
}
