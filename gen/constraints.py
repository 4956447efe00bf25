"""The combined constraint figure in (m_N, |U_mu4|^2) (issue 13 item 4; ``hnlgen plot --constraints``).

What is on it comes from ``gen/data/limits/constraint_figure.toml`` (``load_figure_spec``): bundled cards at one
model point (seed 002's light-Z' benchmark, arXiv:1812.08768's final figure), each with the published selection
of its experiment (``gen.limits.selection_for_experiment``). ``compute_constraints`` generates, for every m_N of
the grid and every card, **one** sample at the card's |U_mu4|^2 and scales it to the |U_mu4|^2 axis: the selected
total is proportional to |U_mu4|^2 when production goes through the mixing and the N decay is prompt with
branching ratios set by alpha_D |U_D4|^2 (``gen.limits.scan_limits``; tests/gen/test_constraints.py checks a
regenerated point). So the |U_mu4|^2 axis costs nothing and an n_m x n_u grid needs n_m samples per card.
No other axis can be scaled this way: m_Z', alpha_D or alpha eps^2 change the decay kinematics and lifetimes
and are refused (``check_axis``).

Curves (``draw_constraints``):

* MiniBooNE's preferred region ([preferred]): ``detectors.miniboone.fit`` chi2 of the selected E_QE spectrum
  (2020 release, nu mode, scaled to its 18.75e20 POT) on the grid; Delta chi2 < 2.30 / 11.83 (1 / 3 sigma, 2 dof);
  with Bertuzzo et al.'s digitized region (arXiv:1807.09877; ``data/limits/bertuzzo2018_miniboone_fit``).
* Each [[curve]]: |U_mu4|^2_lim(m_N) = |U_mu4|^2_card S_lim / S(m_N), S the selected (upscattering:
  ``weight_selected``; meson decay: ``weight_accepted``) BSM events, S_lim from ``gen.limits``: the selection's
  statistic at the requested CL (chi2 selections also with their background-uncertainty variant, dashed). A
  selection of kind "sensitivity" (NA62, seed 004 = arXiv:1903.07589 eq. (25): zero background, so S_lim =
  -ln(1 - CL) = 3.0 events at 95 %) is labelled a sensitivity; ``acceptance_variant`` draws it also with that
  constant acceptance in place of the detector response's (seed 004 Table I: A_e = 4 %), S = A x sum(weight).
* Each [[combined]]: the chi2 of several chi2 selections summed (``gen.limits.chi2_1812_scale_limit``).
* Each [[reference]]: published points as markers.
"""

from __future__ import annotations

import json
import math
import os
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gen import limits as L
from gen.errors import HnlgenError, OutputFileError

__all__ = ["FIGURE_SPEC", "ConstraintSpec", "check_axis", "compute_constraints", "draw_constraints",
           "load_figure_spec", "make_constraint_figure"]

FIGURE_SPEC = Path(__file__).parent / "data" / "limits" / "constraint_figure.toml"
_BERTUZZO = Path(__file__).parent / "data" / "limits" / "bertuzzo2018_miniboone_fit"
#: y axes the figure can fill from one sample per m_N (linear scaling); every other model key needs new samples
SCALABLE_AXES = ("Umu4_sq",)
#: model keys that must agree between the cards of one figure (they define the plane)
_PLANE_KEYS = ("hnl_type", "mzprime", "Umu4", "UD4", "alphaD", "alpha_epsilon2", "gD", "chi")


@dataclass(frozen=True)
class Curve:
    card: str
    label: str
    colour: str
    experiment: str | None = None
    acceptance_variant: float | None = None
    fill: bool = False


@dataclass(frozen=True)
class ConstraintSpec:
    """The parsed figure description (see ``gen/data/limits/constraint_figure.toml``)."""

    path: str
    title: str
    benchmark: tuple[float, float]
    preferred: dict | None
    curves: tuple[Curve, ...]
    combined: tuple[dict, ...] = ()
    references: tuple[dict, ...] = field(default_factory=tuple)


def _err(path, key, value, allowed) -> L.LimitError:
    return L.LimitError(f"{path}: {key} = {value!r}: {allowed}")


def load_figure_spec(path: str | Path | None = None) -> ConstraintSpec:
    """Read and check a figure description (default: the bundled ``constraint_figure.toml``)."""
    p = Path(path) if path is not None else FIGURE_SPEC
    try:
        with p.open("rb") as fh:
            d = tomllib.load(fh)
    except FileNotFoundError:
        raise L.LimitError(f"constraint figure file {str(p)!r}: not found") from None
    except tomllib.TOMLDecodeError as e:
        raise L.LimitError(f"constraint figure file {str(p)!r}: not valid TOML ({e})") from None
    allowed_top = {"schema_version", "plane", "preferred", "curve", "combined", "reference"}
    for k in d:
        if k not in allowed_top:
            raise _err(p, k, d[k], f"unknown key; allowed {', '.join(sorted(allowed_top))}")
    allowed = {"plane": {"title", "benchmark"}, "preferred": {"card", "label"}, "combined": {"experiments", "label", "colour"},
               "reference": {"label", "colour", "m_GeV", "Umu4_sq"}}
    for key, keys in allowed.items():
        tables = d.get(key, [])
        for i, t in enumerate(tables if isinstance(tables, list) else [tables]):
            extra = sorted(set(t) - keys) if isinstance(t, dict) else [t]
            if extra:
                raise _err(p, f"{key}[{i}]" if isinstance(tables, list) else key, extra, f"allowed keys {', '.join(sorted(keys))}")
    if d.get("preferred") is not None and "card" not in d["preferred"]:
        raise _err(p, "preferred.card", None, "required (a bundled card or a path)")
    for i, r in enumerate(d.get("reference", [])):
        if len(r.get("m_GeV", [])) != len(r.get("Umu4_sq", [])):
            raise _err(p, f"reference[{i}].Umu4_sq", r.get("Umu4_sq"), "one value per m_GeV")
    plane = d.get("plane", {})
    bm = plane.get("benchmark", [math.nan, math.nan])
    curves = []
    for i, c in enumerate(d.get("curve", [])):
        extra = set(c) - {"card", "label", "colour", "experiment", "acceptance_variant", "fill"}
        if extra or "card" not in c:
            raise _err(p, f"curve[{i}]", sorted(extra) or "no card", "needs card; optional label, colour, experiment, "
                       "acceptance_variant, fill")
        av = c.get("acceptance_variant")
        if av is not None and not (isinstance(av, (int, float)) and 0 < av <= 1):
            raise _err(p, f"curve[{i}].acceptance_variant", av, "a number in (0, 1]")
        curves.append(Curve(card=c["card"], label=c.get("label", c["card"]), colour=c.get("colour", "k"),
                            experiment=c.get("experiment"), acceptance_variant=av,
                            fill=bool(c.get("fill", False))))
    return ConstraintSpec(path=str(p), title=plane.get("title", ""), benchmark=(float(bm[0]), float(bm[1])),
                          preferred=d.get("preferred"), curves=tuple(curves), combined=tuple(d.get("combined", ())),
                          references=tuple(d.get("reference", ())))


def check_axis(y: str) -> str:
    """The y axis of the figure; one that cannot be filled by scaling one sample per m_N is refused."""
    if y not in SCALABLE_AXES:
        raise L.LimitError(f"plot --constraints --y = {y!r}: the figure scales one sample per m_N along |U_mu4|^2 "
                           f"(selected events proportional to |U_mu4|^2); {y!r} changes the decay kinematics and "
                           f"lifetimes and cannot be reweighted that way; allowed: {', '.join(SCALABLE_AXES)}")
    return y


def _load(card_name: str, experiment: str | None):
    from gen.bundled import find_card
    from gen.card import load_card, parse_card, resolved_card_dict

    card = load_card(find_card(card_name))
    if experiment is not None:
        d = resolved_card_dict(card)
        d["experiment"] = {"name": experiment}
        card = parse_card(d)
    return card


def _at_mass(card, m4: float):
    return card.model_copy(update={"model": card.model.model_copy(update={"m4": float(m4)})})


def _check_plane(cards: dict) -> None:
    """Every card of the figure at the same model point apart from m4 (one plane, one |U_mu4|^2 reference)."""
    items = list(cards.items())
    ref_name, ref = items[0]
    for name, c in items[1:]:
        for k in _PLANE_KEYS:
            a, b = getattr(ref.model, k, None), getattr(c.model, k, None)
            if a != b:
                raise L.LimitError(f"card {name!r}: model.{k} = {b!r} differs from {a!r} of card {ref_name!r}; "
                                   "the cards of one constraint figure must share the model apart from m4")


def _sample_totals(card, m4: float, events: int, want_truth: bool) -> tuple[float, float]:
    """(selected BSM events, all generated events' weight sum) of ``card`` at m_N = m4 (one sample)."""
    from gen.experiments import experiment_info

    c = _at_mass(card, m4)
    if experiment_info(card.experiment.name).meson_decay:
        from gen.sources.meson_decay_run import generate_na62

        ev = generate_na62(c, n_events=events, seed=card.run.seed, reconstruct=True)
        return float(np.sum(np.asarray(ev.weight_accepted))), float(np.sum(np.asarray(ev.weight)))
    from gen.sources.upscattering import generate

    ev = generate(c, n_events=events, seed=card.run.seed, reconstruct=True)
    return float(np.sum(np.asarray(ev.weight_selected))), float(np.sum(np.asarray(ev.weight))) if want_truth else math.nan


def _kinematic_max(card) -> float:
    """Largest m_N the card's source can produce (meson decay: m_P - m_l; upscattering: no bound here)."""
    from gen.experiments import experiment_info

    if not experiment_info(card.experiment.name).meson_decay:
        return math.inf
    from gen.sources.meson_decay_run import NA62Setup

    s = NA62Setup(card)
    return s.m_P - s.m_a


def compute_constraints(spec: ConstraintSpec, masses, u2, *, events: int = 3000, cl: float = 0.95,
                        experiments: list[str] | None = None, progress=None) -> dict:
    """Samples, thresholds and |U_mu4|^2 limits of every curve (JSON-ready dict; ``draw_constraints`` draws it).

    ``experiments``: only the curves (and the preferred region) of these registry names; a name without a
    published count or without a curve in ``spec`` is refused.
    """
    cl = L.check_cl(cl)
    masses = np.asarray(masses, dtype=float)
    u2 = np.asarray(u2, dtype=float)
    cards = {}
    curves = []
    for c in spec.curves:
        card = _load(c.card, c.experiment)
        cards[c.label] = card
        curves.append((c, card, L.selection_for_experiment(card.experiment.name)))
    pref_card = _load(spec.preferred["card"], None) if spec.preferred else None
    if pref_card is not None:
        cards["[preferred]"] = pref_card
    if experiments is not None:
        have = {card.experiment.name for _, card, _ in curves} | ({pref_card.experiment.name} if pref_card else set())
        for e in experiments:
            if e not in have:
                L.selection_for_experiment(e)  # no published count: that error first
                raise L.LimitError(f"plot --experiments: {e!r} has a published count but no curve in {spec.path}; "
                                   f"curves: {', '.join(sorted(have))}")
        curves = [t for t in curves if t[1].experiment.name in experiments]
        if pref_card is not None and pref_card.experiment.name not in experiments:
            pref_card = None
    if not cards:
        raise L.LimitError(f"{spec.path}: no curve to draw")
    _check_plane(cards)
    u2_card = float(next(iter(cards.values())).model.Umu4) ** 2
    out = {"masses_GeV": masses.tolist(), "Umu4_sq": u2.tolist(), "Umu4_sq_card": u2_card, "cl": cl,
           "events_per_sample": int(events), "spec": spec.path, "title": spec.title, "benchmark": list(spec.benchmark),
           "curves": [], "combined": [], "references": list(spec.references), "times_s": {}}
    if pref_card is not None:
        from detectors.miniboone import fit as mbf
        from gen.card import resolved_card_dict

        t0 = time.perf_counter()
        scale = mbf.POT[2020]["nu"] / float(resolved_card_dict(pref_card)["experiment"]["pot"])
        release = mbf.load_release(2020)
        chi2 = np.empty((len(masses), len(u2)))
        from gen.sources.upscattering import generate

        for i, m in enumerate(masses):
            ev = generate(_at_mass(pref_card, m), n_events=events, seed=pref_card.run.seed, reconstruct=True)
            sig = mbf.signal_from_events(ev) * scale
            chi2[i] = mbf._chi2_many(release, sig[None, :] * (u2[:, None] / u2_card))
        out["preferred"] = {"label": spec.preferred.get("label", "MiniBooNE"), "chi2": chi2.tolist(),
                            "chi2_min": float(chi2.min()), "levels_delta_chi2": [2.30, 11.83]}
        out["times_s"]["[preferred] " + spec.preferred["card"]] = time.perf_counter() - t0
    by_exp = {}
    for c, card, pc in curves:
        t0 = time.perf_counter()
        m_max = _kinematic_max(card)
        sel = np.full(len(masses), math.nan)
        tot = np.full(len(masses), math.nan)
        for i, m in enumerate(masses):
            if m < m_max:
                sel[i], tot[i] = _sample_totals(card, m, events, c.acceptance_variant is not None)
        thr = {"nominal": L.signal_upper_limit(pc.name, cl)}
        if pc.statistic == "chi2_1812" and pc.background_sigma_rel_variant is not None:
            thr["variant"] = L.signal_upper_limit(pc.name, cl, variant=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            lim = {k: np.where(sel > 0, u2_card * t / sel, np.inf) for k, t in thr.items()}
            if c.acceptance_variant is not None:
                lim["acceptance_variant"] = np.where(tot > 0, u2_card * thr["nominal"] / (c.acceptance_variant * tot), np.inf)
        lim = {k: np.where(np.isnan(sel), np.nan, v) for k, v in lim.items()}
        entry = {"label": c.label, "colour": c.colour, "card": c.card, "experiment": card.experiment.name,
                 "selection": pc.name, "kind": pc.kind, "statistic": pc.statistic,
                 "background_sigma_rel": [pc.background_sigma_rel, pc.background_sigma_rel_variant],
                 "acceptance_variant": c.acceptance_variant, "fill": c.fill and pc.kind != "sensitivity", "selected_at_card": sel.tolist(),
                 "weight_sum_at_card": tot.tolist(), "S_limit_events": thr,
                 "Umu4_sq_limit": {k: v.tolist() for k, v in lim.items()}}
        out["curves"].append(entry)
        by_exp[card.experiment.name] = entry
        out["times_s"][f"{c.card} ({card.experiment.name})"] = time.perf_counter() - t0
        if progress:
            progress(f"{c.label}: {len(masses)} samples in {time.perf_counter() - t0:.1f} s")
    for comb in spec.combined:
        exps = list(comb["experiments"])
        if not all(e in by_exp for e in exps):
            continue
        sels = [by_exp[e]["selection"] for e in exps]
        sig = np.array([by_exp[e]["selected_at_card"] for e in exps])  # (n_exp, n_mass)
        lim = {}
        for key, variant in (("nominal", False), ("variant", True)):
            lim[key] = [u2_card * L.chi2_1812_scale_limit(sels, sig[:, i], cl, variant) if np.all(np.isfinite(sig[:, i]))
                        else math.nan for i in range(len(masses))]
        out["combined"].append({"label": comb.get("label", " + ".join(exps)), "colour": comb.get("colour", "k"),
                                "experiments": exps, "selections": sels, "Umu4_sq_limit": lim})
    return out


def draw_constraints(res: dict, out_png: str | Path, m_range, u_range) -> None:
    """The figure of ``compute_constraints``'s result (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    masses = np.asarray(res["masses_GeV"])
    u2 = np.asarray(res["Umu4_sq"])
    cl = f"{res['cl']:.0%} CL"
    fig, ax = plt.subplots(figsize=(12, 6))
    if "preferred" in res:
        p = res["preferred"]
        chi2 = np.asarray(p["chi2"])
        d = chi2 - chi2.min()
        M, U = np.meshgrid(masses, u2, indexing="ij")
        ax.contourf(M, U, d, levels=[0, 2.30], colors=["gold"], alpha=0.8)
        ax.contourf(M, U, d, levels=[2.30, 11.83], colors=["orange"], alpha=0.5)
        ax.contour(M, U, d, levels=[2.30, 11.83], colors=["goldenrod", "darkorange"], linewidths=1)
        ax.plot([], [], color="gold", lw=6, label=f"{p['label']} 1 sigma")
        ax.plot([], [], color="orange", lw=6, alpha=0.5, label=f"{p['label']} 3 sigma")
        for lev, st in (("1", "-"), ("3", "--")):
            lo = np.loadtxt(_BERTUZZO / f"low_{lev}_sigma.dat")
            hi = np.loadtxt(_BERTUZZO / f"upper_{lev}_sigma.dat")
            pts = np.vstack([lo, hi[::-1], lo[:1]])
            ax.plot(pts[:, 0], pts[:, 1], "k" + st, lw=0.8, label=f"Bertuzzo et al. MiniBooNE {lev} sigma (digitized)")
    for c in res["curves"]:
        lim = {k: np.asarray(v, dtype=float) for k, v in c["Umu4_sq_limit"].items()}
        sens = c["kind"] == "sensitivity"
        what = f"sensitivity ({cl}, zero background; not a published limit)" if sens else cl
        stat = "chi2 2 dof" if c["statistic"] == "chi2_1812" else "CLs"
        bs = c["background_sigma_rel"]
        nom = f", bkg {bs[0]:.0%}" if c["statistic"] == "chi2_1812" else ""
        ok = np.isfinite(lim["nominal"])
        if c["fill"]:
            ax.fill_between(masses[ok], lim["nominal"][ok], u_range[1], color=c["colour"], alpha=0.2)
        ax.plot(masses[ok], lim["nominal"][ok], color=c["colour"], lw=2, label=f"{c['label']}, {what}, {stat}{nom}")
        if "variant" in lim:
            ax.plot(masses[ok], lim["variant"][ok], color=c["colour"], lw=1.3, ls="--", label=f"{c['label']}, bkg {bs[1]:.0%}")
        if "acceptance_variant" in lim:
            ax.plot(masses[ok], lim["acceptance_variant"][ok], color=c["colour"], lw=1.3, ls=":",
                    label=f"{c['label']}, acceptance {c['acceptance_variant']:.0%} (seed 004 Table I)")
    for comb in res["combined"]:
        for key, ls in (("nominal", "-."), ("variant", (0, (1, 3)))):
            v = np.asarray(comb["Umu4_sq_limit"][key], dtype=float)
            ok = np.isfinite(v)
            ax.plot(masses[ok], v[ok], color=comb["colour"], lw=1.5, ls=ls,
                    label=f"{comb['label']}, {cl}" + (" (bkg variant)" if key == "variant" else ""))
    for r in res["references"]:
        ax.plot(r["m_GeV"], r["Umu4_sq"], "x", color=r.get("colour", "k"), ms=7, ls="none", label=r["label"])
    bm = res["benchmark"]
    ax.plot(*bm, "o", mfc="none", mec="k", ms=10, ls="none", label=f"benchmark ({bm[0] * 1e3:.0f} MeV, {bm[1]:.2g})")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*m_range)
    ax.set_ylim(*u_range)
    ax.set_xlabel("m_N [GeV]")
    ax.set_ylabel("|U_mu4|^2")
    ax.set_title(res["title"] + f"\nexcluded above each solid line; {res['events_per_sample']} events per sample and m_N",
                 fontsize=9)
    ax.legend(fontsize=6.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    fig.tight_layout()
    fig.savefig(out_png, dpi=130, format="png")
    plt.close(fig)


def make_constraint_figure(out_png: str | Path, *, spec_path=None, n_mass: int = 20, n_u: int = 20, events: int = 3000,
                           m_range=(0.05, 0.8), u_range=(1e-11, 1e-5), cl: float = 0.95, y: str = "Umu4_sq",
                           experiments: list[str] | None = None, progress=None) -> dict:
    """Compute and draw the figure; writes ``out_png`` and its JSON (same name, ``.json``). Returns the result."""
    check_axis(y)
    for key, v, lo in (("--n-mass", n_mass, 2), ("--n-u", n_u, 2), ("--events", events, 10)):
        if not isinstance(v, int) or v < lo or v > 10**7:
            raise L.LimitError(f"plot --constraints {key} = {v!r}: an integer in [{lo}, 1e7]")
    for key, (a, b) in (("--m-range", m_range), ("--u-range", u_range)):
        if not (math.isfinite(a) and math.isfinite(b) and 0 < a < b):
            raise L.LimitError(f"plot --constraints {key} = {a!r} {b!r}: need 0 < low < high, finite")
    out_png = Path(out_png)
    if out_png.suffix.lower() != ".png":
        raise L.LimitError(f"plot -o = {str(out_png)!r}: the constraint figure is a .png (its JSON goes beside it)")
    if not out_png.parent.is_dir() or not os.access(out_png.parent, os.W_OK):
        raise OutputFileError(f"plot -o = {str(out_png)!r}: directory {str(out_png.parent)!r} does not exist or is not writable")
    spec = load_figure_spec(spec_path)
    t0 = time.perf_counter()
    res = compute_constraints(spec, np.geomspace(*m_range, n_mass), np.geomspace(*u_range, n_u), events=events, cl=cl,
                              experiments=experiments, progress=progress)
    res["times_s"]["total"] = time.perf_counter() - t0
    res["grid"] = [n_mass, n_u]
    # both files are written as .part and renamed at the end: an interrupted run leaves no complete-looking figure
    part = out_png.with_name(out_png.name + ".part")
    tmp = out_png.with_suffix(".json.part")
    try:
        draw_constraints(res, part, m_range, u_range)
        tmp.write_text(json.dumps(res, indent=1, default=_json_default))
    except BaseException:
        part.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
        raise
    part.replace(out_png)
    tmp.replace(out_png.with_suffix(".json"))
    return res


def _json_default(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    raise HnlgenError(f"constraint figure JSON: cannot write {type(x).__name__}")
