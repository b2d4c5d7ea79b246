//! Fig. 4: transport coefficients of the velocity-swap models (data stage `transport_swap`,
//! figure stage `fig4`).

pub mod plot;
pub mod transport;

#[cfg(test)]
mod tests {
    use contract::swap::transport as col;
    use contract::{Figure, Table};
    use pipeline::StageContext;

    use super::plot::Fig4;
    use crate::io;

    #[test]
    fn transport_swap_and_fig4_end_to_end() {
        let dir = tempfile::tempdir().unwrap();
        let params = super::transport::tests::params();
        io::put_json(
            dir.path(),
            Table::SwapModel,
            &crate::fig5::md::tests::model(),
        );
        let ctx =
            StageContext::standalone(dir.path(), "transport_swap", &[Table::Transport.path()])
                .with_input("swap_model", Table::SwapModel.path(), serde_json::json!({}))
                .unwrap();
        params.run(&ctx).unwrap();
        let df = io::read_parquet(&ctx.output(Table::Transport.path()).unwrap()).unwrap();
        assert_eq!(df.height(), 4 * params.rho_grid().len());
        let d = io::column_f64(&df, col::D).unwrap();
        let dd = io::column_f64(&df, col::D_DIRECT).unwrap();
        assert!(d.iter().zip(&dd).all(|(a, b)| ((a - b) / a).abs() < 1e-8));
        let files = Figure::Fig4.files();
        let outputs: Vec<&str> = files.iter().map(String::as_str).collect();
        let fctx = StageContext::standalone(dir.path(), "fig4", &outputs)
            .with_input("transport_swap", Table::Transport.path(), &params)
            .unwrap();
        Fig4 {
            width: 1400,
            height: 1000,
        }
        .run(&fctx)
        .unwrap();
        for f in &files {
            assert!(dir.path().join(pipeline::resolve(f, "standalone")).exists());
        }
        crate::figcheck::check_figure(dir.path(), Figure::Fig4);
    }
}
