//! Tonks-Girardeau tubes (paper Sec. V.A-B, App. E-F; Figs. 3, 6 and the truncation audit).
//! Rates are in units of C = (2 pi)^2 k_r^2 |V^2| of (E8); D in units of 1/C (hbar = m = 1).
//!
//! Data stages: [`transport`] (`tg_transport`), [`full_diffusion`] (`tg_full_diffusion`),
//! [`spectrum`] (`tg_spectrum`), [`burgers_map`] (`tg_burgers_map`). Figure stages: [`fig3`] (`tg_fig3`), [`fig6`] (`tg_fig6`),
//! [`audit_fig`] (`tg_audit`), [`burgers_map_fig`] (`tg_burgers_map_fig`), drawing with [`draw`]. Shared parameter types: [`params`].

pub mod audit_fig;
pub mod burgers_map;
pub mod burgers_map_fig;
pub mod draw;
pub mod fig3;
pub mod fig6;
pub mod full_diffusion;
pub mod params;
pub mod spectrum;
pub mod transport;

#[cfg(test)]
mod tests {
    use contract::Table;
    use contract::tg::{Panel, transport as col};
    use pipeline::StageContext;

    use super::audit_fig::AuditFigure;
    use super::burgers_map::{LogRange, TgBurgersMap};
    use super::burgers_map_fig::MapFigure;
    use super::draw::TgFigure;
    use super::fig3::Fig3;
    use super::fig6::Fig6;
    use super::full_diffusion::TgFullDiffusion;
    use super::params::{BathParams, GridParams, PanelParams};
    use super::spectrum::TgSpectrum;
    use super::transport::TgTransport;
    use crate::io;

    fn grid() -> GridParams {
        GridParams {
            depth: 60.0,
            step: 0.05,
        }
    }

    fn thermal() -> BathParams {
        BathParams::Thermal {
            temperature: 4.0,
            mu: 0.0,
        }
    }

    #[test]
    fn tg_stages_end_to_end_quick() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let tr = TgTransport {
            panels: vec![
                PanelParams {
                    name: Panel::P3a,
                    bath: thermal(),
                    rho_min: 0.1,
                    rho_max: 1.0,
                    n_rho: 3,
                },
                PanelParams {
                    name: Panel::P3b,
                    bath: BathParams::BraggSplit {
                        temperature: 1.0,
                        mu: 8.0,
                        lambda_b: 3.9,
                        b: 9.0,
                        norm: 1.0,
                    },
                    rho_min: 0.1,
                    rho_max: 1.0,
                    n_rho: 3,
                },
                PanelParams {
                    name: Panel::P3c,
                    bath: BathParams::BraggSplit {
                        temperature: 10.0,
                        mu: 36.125,
                        lambda_b: 8.0,
                        b: 9.0,
                        norm: 1.0,
                    },
                    rho_min: 0.1,
                    rho_max: 1.0,
                    n_rho: 3,
                },
            ],
            basis_sizes: vec![2, 4],
            grid: grid(),
        };
        assert!(tr.validate().is_empty());
        let ctx = StageContext::standalone(root, "tg_transport", &[Table::TgTransport.path()]);
        tr.run(&ctx).unwrap();
        let df = io::read_parquet(&ctx.output(Table::TgTransport.path()).unwrap()).unwrap();
        assert_eq!(df.height(), 3 * 3 * 2);
        let nu = io::column_opt_f64(&df, col::NU_BURGERS).unwrap();
        let panel: Vec<Panel> = io::column_cat(&df, col::PANEL).unwrap();
        for (p, v) in panel.iter().zip(&nu) {
            assert_eq!(
                *p == Panel::P3a,
                v.is_none(),
                "nu is null exactly for the symmetric panel"
            );
        }
        let fdp = TgFullDiffusion {
            bath: thermal(),
            rhos: vec![0.2, 0.8],
            basis_sizes: vec![2, 4, 6],
            cutoffs: vec![5.0, 10.0],
            intervals_per_unit: 50.0,
            fem_check_cutoff: 8.0,
            fem_check_elements: 200,
            grid: grid(),
        };
        assert!(fdp.validate().is_empty());
        let ctx2 =
            StageContext::standalone(root, "tg_full_diffusion", &[Table::TgFullDiffusion.path()]);
        fdp.run(&ctx2).unwrap();
        let sp = TgSpectrum {
            bath: thermal(),
            rhos: vec![0.2, 0.8],
            basis_sizes: vec![2, 4, 6],
            fem_cutoffs: vec![4.0, 6.0],
            fem_elements_per_unit: 8.0,
            grid: grid(),
        };
        assert!(sp.validate().is_empty());
        let ctx3 = StageContext::standalone(root, "tg_spectrum", &[Table::TgSpectrum.path()]);
        sp.run(&ctx3).unwrap();
        let fig = TgFigure {
            width: 1500,
            height: 600,
            basis_sizes: vec![2, 4],
        };
        let files = |f: contract::Figure| f.files();
        let f3 = files(contract::Figure::Fig3);
        let f3: Vec<&str> = f3.iter().map(String::as_str).collect();
        let c = StageContext::standalone(root, "fig3", &f3)
            .with_input("tg_transport", Table::TgTransport.path(), tr.clone())
            .unwrap()
            .with_input(
                "tg_full_diffusion",
                Table::TgFullDiffusion.path(),
                fdp.clone(),
            )
            .unwrap();
        Fig3(&fig).run(&c).unwrap();
        let f6 = files(contract::Figure::Fig6);
        let f6: Vec<&str> = f6.iter().map(String::as_str).collect();
        let c = StageContext::standalone(root, "fig6", &f6)
            .with_input("tg_spectrum", Table::TgSpectrum.path(), sp.clone())
            .unwrap();
        Fig6(&fig).run(&c).unwrap();
        let fa = files(contract::Figure::AuditTg);
        let fa: Vec<&str> = fa.iter().map(String::as_str).collect();
        let c = StageContext::standalone(root, "audit_tg", &fa)
            .with_input("tg_transport", Table::TgTransport.path(), tr.clone())
            .unwrap()
            .with_input("tg_full_diffusion", Table::TgFullDiffusion.path(), fdp)
            .unwrap()
            .with_input("tg_spectrum", Table::TgSpectrum.path(), sp)
            .unwrap();
        AuditFigure(&fig).run(&c).unwrap();
        // the u' map: a small grid, then its heat map
        let map = TgBurgersMap {
            mu_b: 8.0,
            b: 9.0,
            norm: 1.0,
            temperatures: LogRange {
                min: 0.5,
                max: 4.0,
                n: 3,
            },
            lambda_b_max_over_k_f: 2.0,
            n_lambda_b: 4,
            rhos: vec![0.3, 0.6],
            tau_basis_size: 2,
            grid: grid(),
        };
        assert!(map.validate().is_empty());
        let c = StageContext::standalone(root, "tg_burgers_map", &[Table::TgBurgersMap.path()]);
        map.run(&c).unwrap();
        let df = io::read_parquet(&c.output(Table::TgBurgersMap.path()).unwrap()).unwrap();
        assert_eq!(df.height(), 3 * 4 * 2);
        let lb = io::column_f64(&df, contract::tg_map::columns::LAMBDA_B).unwrap();
        let du = io::column_f64(&df, contract::tg_map::columns::DU_DRHO).unwrap();
        let nu = io::column_opt_f64(&df, contract::tg_map::columns::NU_BURGERS).unwrap();
        for i in 0..lb.len() {
            // lambda_B = 0 is parity symmetric: u' = 0 (to rounding) and nu undefined
            assert_eq!(lb[i] == 0.0, nu[i].is_none(), "row {i}");
            if lb[i] == 0.0 {
                assert!(du[i].abs() < 1e-12, "u'(lambda_B = 0) = {}", du[i]);
            }
        }
        let fm = files(contract::Figure::TgBurgersMap);
        let fm: Vec<&str> = fm.iter().map(String::as_str).collect();
        let c = StageContext::standalone(root, "tg_burgers_map_fig", &fm)
            .with_input("tg_burgers_map", Table::TgBurgersMap.path(), map)
            .unwrap();
        MapFigure {
            width: 1500,
            height: 650,
        }
        .run(&c)
        .unwrap();
        for f in [
            contract::Figure::Fig3,
            contract::Figure::Fig6,
            contract::Figure::AuditTg,
            contract::Figure::TgBurgersMap,
        ] {
            crate::figcheck::check_figure(root, f);
        }
    }

    #[test]
    fn validation_flags_bad_parameters() {
        let p = TgSpectrum {
            bath: BathParams::BraggSplit {
                temperature: 1.0,
                mu: 8.0,
                lambda_b: 3.9,
                b: 9.0,
                norm: 1.5,
            },
            rhos: vec![-1.0],
            basis_sizes: vec![4, 2],
            fem_cutoffs: vec![],
            fem_elements_per_unit: 8.0,
            grid: GridParams {
                depth: 10.0,
                step: 0.05,
            },
        };
        let paths: Vec<String> = p.validate().into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["bath", "rhos[0]", "basis_sizes", "grid.depth"]);
    }
}
