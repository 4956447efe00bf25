"""``hnlgen limits``: signal upper limits from published counts (``gen.limits``), alone or over a scan.

* ``hnlgen limits``: every published selection, its counts and its signal upper limit at 90 and 95 % CL.
* ``hnlgen limits SCAN_DIR --card CARD``: the exclusion of every point of an ``hnlgen scan`` of CARD
  (the card names the experiment, hence the published selection, and the |U_mu4| of unscanned points):
  columns point, scanned keys, selected, S_limit, excluded, Umu4_sq_limit (``gen.limits.scan_limits``).
"""

from __future__ import annotations

import json
import math

import numpy as np


def register(subparsers) -> None:
    p = subparsers.add_parser("limits", help="signal upper limits from published counts; exclusion over a scan")
    p.add_argument("scan_dir", nargs="?", default=None, help="output directory of hnlgen scan (scan.parquet)")
    p.add_argument("--card", default=None, help="the card the scan was made from (required with SCAN_DIR)")
    p.add_argument("--cl", type=float, default=0.95, help="confidence level: 0.95 (default) or 0.90")
    p.add_argument("--method", default=None,
                   help="Poisson x Gaussian selections: cls (default), splusb, profile, gauss (gen.limits)")
    p.add_argument("--variant", action="store_true",
                   help="chi2 selections: the alternative background uncertainty (MINERvA: 100 %%)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--plot", default=None, metavar="OUT.png",
                   help="with SCAN_DIR over m4: draw the |U_mu4|^2 exclusion vs m_N (the combined figure of several "
                        "experiments: hnlgen plot --constraints)")
    p.set_defaults(func=run)


def run(args) -> int:
    from gen import limits as L

    L.check_cl(args.cl)
    if args.scan_dir is None:
        rows = []
        for name, pc in L.published_counts().items():
            lim = {f"{cl:.2f}": L.signal_upper_limit(name, cl, None, args.variant) for cl in L.ALLOWED_CL}
            rows.append({"selection": name, "kind": pc.kind, "experiments": list(pc.experiments), "statistic": pc.statistic,
                         "n_observed": pc.n_observed, "background": pc.background, "source": pc.source, "S_limit": lim})
        if args.json:
            print(json.dumps({"selections": rows}, indent=1))
        else:
            for r in rows:
                print(f"{r['selection']:22s} {r['statistic']:14s} observed {r['n_observed']:g}, background {r['background']:g}: "
                      f"S < {r['S_limit']['0.90']:.1f} (90 %), {r['S_limit']['0.95']:.1f} (95 %)"
                      + ("  SENSITIVITY (projected, not a measurement)" if r["kind"] == "sensitivity" else "")
                      + f"  [{r['source']}]")
        return 0
    if args.card is None:
        raise L.LimitError("hnlgen limits SCAN_DIR: --card CARD (the card of the scan) is required")
    from pathlib import Path

    from gen.card import load_card
    from gen.errors import InputFileError
    from gen.scan import is_scan_dir, read_scan

    if not is_scan_dir(Path(args.scan_dir)):
        raise InputFileError(f"SCAN_DIR = {args.scan_dir!r}: not an hnlgen scan output directory")
    card = load_card(args.card)
    table = read_scan(args.scan_dir).to_pydict()
    rows = {k: np.asarray(v) for k, v in table.items()}
    umu4 = card.model.Umu4 if card.model is not None and getattr(card.model, "Umu4", None) is not None else None
    out = L.scan_limits(rows, card.experiment.name, umu4, args.cl, args.method, args.variant)
    keys = [k for k in ("point", "m4", "mzprime", "Umu4", "alphaD", "alpha_epsilon2") if k in out]
    keys += ["selected", "selected_error", "S_limit", "excluded"] + (["Umu4_sq_limit"] if "Umu4_sq_limit" in out else [])
    if args.plot is not None:
        _plot(out, card, args)
    if args.json:
        def val(x):
            x = x.item() if hasattr(x, "item") else x
            return None if isinstance(x, float) and not math.isfinite(x) else x
        print(json.dumps({"experiment": card.experiment.name, "cl": args.cl,
                          "rows": [{k: val(out[k][i]) for k in keys if k in out} for i in range(len(out["selected"]))]}, indent=1))
    else:
        print(" ".join(f"{k:>14s}" for k in keys if k in out))
        for i in range(len(out["selected"])):
            print(" ".join(f"{out[k][i]!s:>14.14s}" if k == "excluded" else f"{float(out[k][i]):14.5g}" for k in keys if k in out))
    return 0


def _plot(out: dict, card, args) -> None:
    """|U_mu4|^2 limit vs m_N of a scan over m4 (other keys fixed), the excluded side shaded."""
    from gen import limits as L

    if "m4" not in out or "Umu4_sq_limit" not in out or any(k in out for k in ("mzprime", "Umu4", "alphaD")):
        raise L.LimitError("--plot: needs a scan over m4 alone (other [model] keys fixed by the card)")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    m = np.asarray(out["m4"], dtype=float)
    lim = np.asarray(out["Umu4_sq_limit"], dtype=float)
    o = np.argsort(m)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    ax.plot(m[o], lim[o], "-o", color="tab:green",
            label=f"{card.experiment.name}: {args.cl:.0%} CL ({args.method or 'default statistic'})")
    ax.fill_between(m[o], lim[o], np.nanmax(lim[np.isfinite(lim)]) * 100, color="tab:green", alpha=0.2)
    ax.plot(card.model.m4, card.model.Umu4**2, "ko", mfc="none", ms=9, label="card point")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("m_N [GeV]")
    ax.set_ylabel("|U_mu4|^2 excluded above")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(args.plot, dpi=120)
    plt.close(fig)
