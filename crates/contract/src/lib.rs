//! The contract between the producer (`reproduce`: compute, write Parquet, draw figures) and
//! the auditor (`audit`: checks, claims, regression, report). Neither imports the other; both
//! import this crate, so a renamed column, a new category or a changed record is a compile
//! error on both sides instead of a silently missing audit row.
//!
//! What it holds:
//! - [`Table`] and [`Figure`]: every output file, its path (kept per profile, see
//!   [`PROFILE`]) and the figure it belongs to;
//! - per figure family ([`swap`], [`fig2`], [`fig5`], [`tg`]): the column names of its tables,
//!   the categorical values of their string columns as enums, the setups several stages share,
//!   and the typed provenance records the stages write into the manifest ([`Record`]);
//! - [`executor`]: where an ensemble stage's realizations ran (local or Slurm arrays);
//! - [`frame`]: reading the Parquet tables with typed and categorical columns;
//! - [`measure`]: the measures of density profiles (moments, L1 gap) both sides compute.

pub mod executor;
pub mod fig2;
pub mod fig5;
pub mod frame;
pub mod measure;
pub mod stationary;
pub mod swap;
pub mod tg;
pub mod tg_map;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Placeholder of the profile name in every output path (the pipeline engine resolves it).
pub const PROFILE: &str = "{profile}";

/// A data file one stage writes and others (and the audit) read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Table {
    /// [`swap::SwapModel`] as JSON: bath (104), gamma, rho_b of Figs. 4 and 5.
    SwapModel,
    /// Transport coefficients of the swap models ([`swap::transport`] columns).
    Transport,
    /// Fig. 2 kinetic energy per particle ([`fig2::energy`] columns).
    Fig2Energy,
    /// Fig. 2 velocity histograms ([`fig2::velocities`] columns).
    Fig2Velocities,
    /// [`fig5::Setup`] as JSON: the Fig. 5 system (model, bump, box, times, bins).
    Fig5Setup,
    /// Fig. 5 MD density profiles ([`fig5::md`] columns).
    Fig5Md,
    /// Fig. 5 fermionic panels rerun with one App. C setting changed ([`fig5::md_audit`]).
    Fig5MdAudit,
    /// Fig. 5 fermionic panels by the converged cell algorithm: a ladder of cell lengths and
    /// its extrapolation to l -> infinity ([`fig5::md_converged`] columns).
    Fig5MdConverged,
    /// Fig. 5 hydrodynamic profiles ([`fig5::profile`] columns).
    Fig5Hydro,
    /// Fig. 5 kinetic-equation profiles ([`fig5::profile`] columns).
    Fig5Kinetic,
    /// Kinetic-vs-hydro gap of a narrow bump ([`fig5::limit`] columns).
    HydroLimit,
    /// Tonks-Girardeau transport of Fig. 3 ([`tg::transport`] columns).
    TgTransport,
    /// Tonks-Girardeau full D of (61) ([`tg::full_diffusion`] columns).
    TgFullDiffusion,
    /// Tonks-Girardeau relaxation gap g_1 ([`tg::spectrum`] columns).
    TgSpectrum,
    /// u, u' and nu = D_RTA/u' of TG tubes over the Bragg-split bath's (T, lambda_B)
    TgBurgersMap,
    /// the stationary distributions (20), (40) and the TG states, each with its bath
    StationaryStates,
}

impl Table {
    pub const ALL: [Table; 16] = [
        Table::SwapModel,
        Table::Transport,
        Table::Fig2Energy,
        Table::Fig2Velocities,
        Table::Fig5Setup,
        Table::Fig5Md,
        Table::Fig5MdAudit,
        Table::Fig5MdConverged,
        Table::Fig5Hydro,
        Table::Fig5Kinetic,
        Table::HydroLimit,
        Table::TgTransport,
        Table::TgFullDiffusion,
        Table::TgSpectrum,
        Table::TgBurgersMap,
        Table::StationaryStates,
    ];

    /// Path relative to the pipeline root, with the [`PROFILE`] placeholder.
    pub const fn path(self) -> &'static str {
        match self {
            Table::SwapModel => "data/{profile}/swap_model.json",
            Table::Transport => "data/{profile}/transport_swap.parquet",
            Table::Fig2Energy => "data/{profile}/fig2_energy.parquet",
            Table::Fig2Velocities => "data/{profile}/fig2_velocities.parquet",
            Table::Fig5Setup => "data/{profile}/fig5_setup.json",
            Table::Fig5Md => "data/{profile}/fig5_md.parquet",
            Table::Fig5MdAudit => "data/{profile}/fig5_md_audit.parquet",
            Table::Fig5MdConverged => "data/{profile}/fig5_md_converged.parquet",
            Table::Fig5Hydro => "data/{profile}/fig5_hydro.parquet",
            Table::Fig5Kinetic => "data/{profile}/fig5_kinetic.parquet",
            Table::HydroLimit => "data/{profile}/hydro_limit.parquet",
            Table::TgTransport => "data/{profile}/tg_transport.parquet",
            Table::TgFullDiffusion => "data/{profile}/tg_full_diffusion.parquet",
            Table::TgSpectrum => "data/{profile}/tg_spectrum.parquet",
            Table::TgBurgersMap => "data/{profile}/tg_burgers_map.parquet",
            Table::StationaryStates => "data/{profile}/stationary_states.parquet",
        }
    }

    /// The figure whose data this is (regression summaries and messages are grouped by it).
    pub const fn figure(self) -> Figure {
        match self {
            Table::SwapModel | Table::Transport => Figure::Fig4,
            Table::Fig2Energy | Table::Fig2Velocities => Figure::Fig2,
            Table::Fig5Setup
            | Table::Fig5Md
            | Table::Fig5MdAudit
            | Table::Fig5MdConverged
            | Table::Fig5Hydro
            | Table::Fig5Kinetic
            | Table::HydroLimit => Figure::Fig5,
            Table::TgTransport => Figure::Fig3,
            Table::TgSpectrum => Figure::Fig6,
            Table::TgFullDiffusion => Figure::AuditTg,
            Table::TgBurgersMap => Figure::TgBurgersMap,
            Table::StationaryStates => Figure::StationaryStates,
        }
    }

    /// The table at `path` (placeholder form or resolved for `profile`).
    pub fn from_path(path: &str, profile: &str) -> Option<Table> {
        Table::ALL
            .into_iter()
            .find(|t| t.path() == path || t.path().replace(PROFILE, profile) == path)
    }
}

/// A figure: PNG, SVG and PDF drawn from the same closure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Figure {
    Fig2,
    Fig3,
    Fig4,
    Fig5,
    Fig6,
    /// The truncation audit of the Tonks-Girardeau transport (D_N, g_1 vs N, D vs Lambda).
    AuditTg,
    /// The App. C audit: the fermionic Fig. 5 panels minus the kinetic equation, by App. C's
    /// cell algorithm (and its reruns) and by the converged one.
    AuditAppC,
    /// Beyond the paper: u' and nu of TG tubes over the Bragg-split bath's (T, lambda_B).
    TgBurgersMap,
    /// The stationary states the figures rest on, each against its bath.
    StationaryStates,
}

/// File formats of every figure: PNG (screens), SVG (stamped with the stage's provenance; the
/// PNG and the PDF are made from it), PDF (vector, for LaTeX; fonts embedded).
pub const FIGURE_FORMATS: [&str; 3] = ["png", "svg", "pdf"];

impl Figure {
    pub const ALL: [Figure; 9] = [
        Figure::Fig2,
        Figure::Fig3,
        Figure::Fig4,
        Figure::Fig5,
        Figure::Fig6,
        Figure::AuditTg,
        Figure::AuditAppC,
        Figure::TgBurgersMap,
        Figure::StationaryStates,
    ];

    /// Short name (`fig4`), used for file names and regression groups.
    pub const fn name(self) -> &'static str {
        match self {
            Figure::Fig2 => "fig2",
            Figure::Fig3 => "fig3",
            Figure::Fig4 => "fig4",
            Figure::Fig5 => "fig5",
            Figure::Fig6 => "fig6",
            Figure::AuditTg => "audit_tg",
            Figure::AuditAppC => "audit_appc",
            Figure::TgBurgersMap => "tg_burgers_map",
            Figure::StationaryStates => "stationary_states",
        }
    }

    /// `figures/{profile}/<name>` (without extension).
    pub fn stem(self) -> String {
        format!("figures/{PROFILE}/{}", self.name())
    }

    /// Every file of the figure, with the [`PROFILE`] placeholder.
    pub fn files(self) -> Vec<String> {
        FIGURE_FORMATS
            .iter()
            .map(|ext| format!("{}.{ext}", self.stem()))
            .collect()
    }
}

/// A typed provenance record: a stage serialises it into the manifest under [`Record::KEY`],
/// the audit deserialises it.
pub trait Record: Serialize + DeserializeOwned {
    const KEY: &'static str;
}

/// A string column holds a value that is not one of its category's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a {category} (expected one of: {expected})")]
pub struct UnknownValue {
    pub category: &'static str,
    pub value: String,
    pub expected: String,
}

/// Defines the enum of a categorical string column: its values, `as_str`, `FromStr`,
/// `Display` and serde under the same strings.
macro_rules! category {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $s:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
                 serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $var),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$var),+];

            /// The string stored in the column.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$var => $s),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($s => Ok($name::$var),)+
                    _ => Err($crate::UnknownValue {
                        category: stringify!($name),
                        value: s.to_owned(),
                        expected: [$($s),+].join(", "),
                    }),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use category;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_path_is_kept_per_profile_and_unique() {
        let mut paths: Vec<String> = Table::ALL.iter().map(|t| t.path().to_owned()).collect();
        paths.extend(Figure::ALL.iter().flat_map(|f| f.files()));
        for p in &paths {
            assert!(p.contains(PROFILE), "{p}");
        }
        let n = paths.len();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n, "paths are unique");
        for t in Table::ALL {
            assert_eq!(Table::from_path(t.path(), "quick"), Some(t));
            assert_eq!(
                Table::from_path(&t.path().replace(PROFILE, "quick"), "quick"),
                Some(t)
            );
        }
    }

    #[test]
    fn categories_round_trip() {
        use std::str::FromStr;
        for s in swap::Statistics::ALL {
            assert_eq!(swap::Statistics::from_str(s.as_str()), Ok(*s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::json!(s.as_str())
            );
        }
        let e = swap::BathSide::from_str("lopsided").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`lopsided` is not a BathSide (expected one of: symmetric, asymmetric)"
        );
    }
}
