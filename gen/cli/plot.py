"""``hnlgen plot FILE [--miniboone | --na62 | --scan] [-o OUT.png]``: figures from hnlgen output files;
``hnlgen plot --constraints [SPEC.toml] [-o OUT.png]``: the combined constraint figure.

Modes (one function each in ``_MODES``; a new mode, e.g. scans from ``scan.parquet``, registers a
flag and an entry there, and ``_detect_mode`` may pick it from the file name):

* ``--miniboone``: a ``hnlgen run`` ROOT file of a MiniBooNE card; draws the predicted selected-event
  spectra (TH1D ``h_E_QE``, ``h_E_vis``, ``h_cos_theta``; ``detectors.miniboone.response.read_histograms``)
  stacked on MiniBooNE's published background against its data (``plot_miniboone``: 2020 release,
  arXiv:2006.16883). ``--scale`` multiplies the prediction; ``--to-published-pot`` rescales the
  card's POT to the 18.75e20 POT of the published nu-mode data.
* ``--na62``: a ``hnlgen run`` ROOT file of an NA62 card; draws the invariant-mass histograms
  (``h_m_ll``, ``h_m2_N``, ``h_m2_miss``, ``h_m2_lnu``, ``h_m2_lll``: accepted, reconstructed) with
  their truth counterparts (``h_truth_*``, all events).

* ``--constraints``: the combined constraint figure in (m_N, |U_mu4|^2) (issue 13 item 4; ``gen.constraints``):
  MiniBooNE's preferred region with the MicroBooNE, MINERvA, CHARM-II exclusions and NA62's sensitivity, one
  sample per card and m_N (``--n-mass``, ``--events``), |U_mu4|^2 scaled (``--n-u``); FILE is an optional figure
  description (default ``gen/data/limits/constraint_figure.toml``); writes OUT.png and OUT.json.

Without a mode flag the mode is taken from the file's content (MiniBooNE or NA62 histograms).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

MINIBOONE_PUBLISHED_POT = 18.75e20  # nu-mode exposure of the 2020 data release (arXiv:2006.16883)


def register(subparsers) -> None:
    p = subparsers.add_parser("plot", help="draw figures from hnlgen output (MiniBooNE spectra, NA62 mass peaks)")
    p.add_argument("file", nargs="?", default=None,
                   help="output of hnlgen run (ROOT) or of hnlgen scan (scan.parquet directory); with --constraints an "
                        "optional figure description (TOML, default the bundled constraint_figure.toml)")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--miniboone", dest="mode", action="store_const", const="miniboone",
                      help="MiniBooNE E_QE, E_vis, cos(theta): prediction + published background vs data")
    mode.add_argument("--na62", dest="mode", action="store_const", const="na62",
                      help="NA62 invariant-mass histograms (reconstructed accepted and truth)")
    mode.add_argument("--scan", dest="mode", action="store_const", const="scan",
                      help="expected-events contour of a scan in its two scanned parameters")
    mode.add_argument("--constraints", dest="mode", action="store_const", const="constraints",
                      help="combined constraint figure (m_N, |U_mu4|^2): MiniBooNE region, MicroBooNE/MINERvA/CHARM-II "
                           "exclusions, NA62 sensitivity (gen.constraints); writes OUT.png and OUT.json")
    p.add_argument("--x", default=None, help="scan mode: parameter on the x axis (default the first scanned)")
    p.add_argument("--y", default=None, help="scan mode: parameter on the y axis (default the second scanned); "
                                             "constraints mode: Umu4_sq (the default and the only one a sample per m_N can fill)")
    p.add_argument("--z", default="selected",
                   help="scan mode: expected-events column drawn (upscattered, final_state, in_fiducial_volume, selected; NA62 scans: produced, final_state, selected = accepted)")
    p.add_argument("-o", "--output", default=None, help="PNG file (default FILE with the suffix _<mode>.png)")
    p.add_argument("--scale", type=float, default=1.0, help="multiply the prediction (MiniBooNE mode)")
    p.add_argument("--to-published-pot", action="store_true",
                   help="MiniBooNE mode: scale the prediction from the card's POT to 18.75e20 POT")
    c = p.add_argument_group("--constraints options")
    c.add_argument("--n-mass", type=int, default=20, help="m_N grid points, log-spaced (one sample per card each)")
    c.add_argument("--n-u", type=int, default=20, help="|U_mu4|^2 grid points, log-spaced (scaled, no samples)")
    c.add_argument("--events", type=int, default=3000, help="events per sample")
    c.add_argument("--m-range", type=float, nargs=2, default=(0.05, 0.8), metavar=("LO", "HI"), help="m_N range, GeV")
    c.add_argument("--u-range", type=float, nargs=2, default=(1e-11, 1e-5), metavar=("LO", "HI"), help="|U_mu4|^2 range")
    c.add_argument("--cl", type=float, default=0.95, help="confidence level of the limits: 0.95 (default) or 0.90")
    c.add_argument("--experiments", default=None,
                   help="comma-separated experiment names: draw only their curves (each needs a published count)")
    p.set_defaults(func=run, mode=None)


def _detect_mode(path: Path) -> str | None:
    from gen.scan import is_scan_dir

    if is_scan_dir(path):
        return "scan"
    if path.suffix == ".root":
        import uproot

        with uproot.open(path) as f:
            keys = {k.split(";")[0] for k in f.keys()}
        if "h_E_QE" in keys:
            return "miniboone"
        if "h_m_ll" in keys:
            return "na62"
    return None


def _plot_miniboone(path: Path, out: Path, args) -> str:
    from detectors.miniboone.response import plot_miniboone, read_histograms
    from detectors.output.root import read_metadata

    hists = read_histograms(path)
    scale = args.scale
    label = "hnlgen prediction"
    if args.to_published_pot:
        pot = float(read_metadata(path)["pot"])
        scale *= MINIBOONE_PUBLISHED_POT / pot
        label += f" (x {MINIBOONE_PUBLISHED_POT / pot:.3g}: {pot:.3g} -> 1.875e21 POT)"
    plot_miniboone(hists, out, scale=scale, label=label)
    sel = float(np.sum(hists["h_E_QE"].values)) * scale
    return f"selected events in 200-3000 MeV E_QE: {sel:.4g}"


def _plot_na62(path: Path, out: Path, args) -> str:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from detectors.miniboone.response import read_histograms
    from gen.sources.meson_decay_run import NA62_HISTOGRAMS

    names = [f"h_{n}" for n in NA62_HISTOGRAMS] + [f"h_truth_{n}" for n in NA62_HISTOGRAMS]
    hists = read_histograms(path, names=names)
    labels = {"m_ll": r"$m_{\ell\ell}$ [GeV]", "m2_N": r"$(p_K - p_a)^2$ [GeV$^2$]",
              "m2_miss": r"$m^2_{miss}$ [GeV$^2$]", "m2_lnu": r"$(p_K - p_{bb})^2$ [GeV$^2$]",
              "m2_lll": r"$(p_a + p_{bb})^2$ [GeV$^2$]"}
    fig, axes = plt.subplots(1, len(NA62_HISTOGRAMS), figsize=(4.2 * len(NA62_HISTOGRAMS), 3.8))
    for ax, name in zip(axes, NA62_HISTOGRAMS):
        t, r = hists[f"h_truth_{name}"], hists[f"h_{name}"]
        ax.stairs(t.values, t.edges, color="0.5", label="truth, all events")
        ax.stairs(r.values, r.edges, color="tab:red", label="reconstructed, accepted")
        centres = 0.5 * (r.edges[1:] + r.edges[:-1])
        ax.errorbar(centres, r.values, yerr=r.errors, fmt="none", ecolor="tab:red", lw=0.8)
        ax.set_xlabel(labels[name])
        ax.set_ylabel("expected events / bin")
        ax.set_yscale("log")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)
    acc = float(np.sum(hists["h_m_ll"].values))
    return f"accepted events in the m_ll histogram: {acc:.4g}"


def _plot_scan(path: Path, out: Path, args) -> str:
    from gen.scan import plot_scan_dir

    return plot_scan_dir(path, out, x=args.x, y=args.y, z=args.z)


_MODES = {"miniboone": _plot_miniboone, "na62": _plot_na62, "scan": _plot_scan}


def _plot_constraints(args) -> int:
    from gen.constraints import make_constraint_figure
    from gen.core.precompile import pending_helper

    out = Path(args.output) if args.output else Path("constraints.png")
    exps = [e.strip() for e in args.experiments.split(",") if e.strip()] if args.experiments is not None else None
    with pending_helper():  # an empty kernel cache: the event kernel compiles in a helper while the first card is set up
        res = make_constraint_figure(out, spec_path=args.file, n_mass=args.n_mass, n_u=args.n_u, events=args.events,
                                     m_range=tuple(args.m_range), u_range=tuple(args.u_range), cl=args.cl,
                                     y=args.y or "Umu4_sq", experiments=exps,
                                     progress=lambda s: print(f"hnlgen plot: {s}", flush=True))
    times = ", ".join(f"{k} {v:.1f} s" for k, v in res["times_s"].items())
    print(f"hnlgen plot: {out} and {out.with_suffix('.json')} ({args.n_mass} m_N x {args.n_u} |U_mu4|^2; {times})")
    return 0


def run(args) -> int:
    from gen.inputs import check_root_input
    from gen.scan import is_scan_dir

    if args.mode == "constraints":
        return _plot_constraints(args)
    if args.file is None:
        print("hnlgen plot: FILE is required (an hnlgen run ROOT file or scan directory), except with --constraints",
              file=sys.stderr)
        return 2
    path = Path(args.file)
    if args.mode == "scan" or (args.mode is None and is_scan_dir(path)):
        if not is_scan_dir(path):
            print(f"hnlgen plot: {str(path)!r} is not a scan output directory (no scan.json)", file=sys.stderr)
            return 2
    else:
        check_root_input(path, "plot", detector_responses={"miniboone": ("miniboone",), "na62": ("na62",)}.get(args.mode))
    mode = args.mode or _detect_mode(path)
    if mode is None:
        print(f"hnlgen plot: cannot tell what {path} holds; give --miniboone, --na62 or --scan", file=sys.stderr)
        return 2
    out = Path(args.output) if args.output else path.with_name(f"{path.stem}_{mode}.png")
    try:
        note = _MODES[mode](path, out, args)
    except KeyError as err:
        print(f"hnlgen plot: {path} has no {mode} histogram {err}; was it written by hnlgen run on a {mode} card?",
              file=sys.stderr)
        return 2
    print(f"hnlgen plot: {out} ({note})")
    return 0
