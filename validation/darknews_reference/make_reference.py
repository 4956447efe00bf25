"""Reference upscattering cross sections from DarkNews 0.4.8 for hnlgen's ``convention = "darknews"`` tests.

Runnable only where DarkNews is installed (here: ``/work/dnvenv/bin/python``)::

    /work/dnvenv/bin/python validation/darknews_reference/make_reference.py \
        tests/physics/data/darknews_reference.json

What is computed: for each benchmark, projectile nu_mu, upscattered N_j and helicity (conserving, flipping),
DarkNews' own differential cross section ``DarkNews.amplitudes.upscattering_dxsec_dQ2`` (the integrand its
``UpscatteringProcess.total_xsec`` hands to VEGAS, same s, t, u and the same Q cut: Q <= 2 GeV coherent,
<= 5 GeV p-el) integrated over Q^2 with adaptive Gauss-Kronrod (scipy.integrate.quad in log Q^2, relative
accuracy 1e-8) instead of VEGAS, so that the reference carries no MC error. One point per benchmark is checked
against DarkNews' VEGAS ``total_xsec`` (printed in the provenance block).

* coherent: C12 nucleus (DarkNews' Fourier-Bessel charge form factor), per nucleus (cm^2).
* p-el: per proton (free proton, dipole form factors; DarkNews' p-el on C12 is Z times this), cm^2.

Decay widths (GeV): at the light benchmark DarkNews' analytic N4 -> nu Z' and Z' -> e+e- widths; at eq. (30) its
N5 -> N4 e+e- width (VEGAS; mean and error of the mean of 2 x N_VEGAS runs; the vegas package has its own random
generator, so a rerun differs within that error: 1.4e-4 relative in one rerun, error 3e-4).

Benchmarks (DarkNews ThreePortalModel keyword arguments):

* light: Dirac N4, m4 = 0.420 GeV, mzprime = 0.030 GeV, Umu4 = sqrt(9e-7), UD4 = 1, alphaD = 0.25,
  alpha_epsilon2 = 2e-10.
* heavy: arXiv:1903.07589 eq. (30) (seed 004; cards/three_portal_heavy_zprime.toml), Majorana N4, N5:
  m4 = 0.080, m5 = 0.140, mzprime = 1.25 GeV, Umu4 = sqrt(7/4 x 1.5e-6), Umu5 = sqrt(1.5e-6), UD4 = sqrt(7/11),
  UD5 = sqrt(4/11), gD = 2, chi = sqrt(1e-5). DarkNews takes real mixings; column (Majorana) phases cancel in
  the production amplitudes sum_h U_mu h^* U_D h, so the comparison holds with or without them.

What these numbers contain that hnlgen does not reproduce (traced in tests/physics/test_darknews_differences.py,
README Physics "DarkNews-compatible setting"; written into the JSON as provenance.known_differences):

* per-helicity pieces: DarkNews' helicity is the N helicity in the nu-target CM frame (ours: lab frame);
  coherent C12 uses a spin-1/2 F1-only target current (ours: spin 0);
* p-el Z-squared and Z-Z' interference: the proton weak charge 1/2 - 2 s_W^2 enters twice (Chad = cprotonV times
  nucleon_F1_NC/F3_NC, which already carry it): Z-squared x 1/354, interference x 0.0531; no induced
  pseudoscalar, g_A = 1.26;
* Majorana N, Z-squared and Z-Z' interference: unpolarised per helicity (each helicity = the helicity sum, V x A
  term dropped; interference twice that);
* N -> nu Z' width without the longitudinal factor (m_N/m_Z')^2.
"""

from __future__ import annotations

import datetime
import json
import math
import platform
import sys

import DarkNews
import numpy as np
from DarkNews import amplitudes as amps
from DarkNews import phase_space as ps
from DarkNews.ModelContainer import ModelContainer
from scipy.integrate import quad

ENERGIES_GEV = [0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0]

BENCHMARKS = {
    "light": {"HNLtype": "dirac", "m4": 0.420, "mzprime": 0.030, "Umu4": math.sqrt(9e-7), "UD4": 1.0, "alphaD": 0.25,
                  "alpha_epsilon2": 2e-10},
    "heavy": {"HNLtype": "majorana", "m4": 0.080, "m5": 0.140, "mzprime": 1.25, "Umu4": math.sqrt(7 / 4 * 1.5e-6),
                  "Umu5": math.sqrt(1.5e-6), "UD4": math.sqrt(7 / 11), "UD5": math.sqrt(4 / 11), "gD": 2.0, "chi": math.sqrt(1e-5)},
}
# DarkNews' diagram pieces: Z' squared, Z squared, their interference (no scalar, no mass mixing here)
DIAGRAMS = ("KinMix_SQR", "NC_SQR", "KinMix_NC_inter")
N_VEGAS = 8  # VEGAS runs per parent helicity for the three-body width
QMAX = {"coherent": 2.0, "p-el": 5.0}  # GeV, DarkNews.integrands.UpscatteringXsec
# DarkNews 0.4.8 behaviour in these numbers that hnlgen does not reproduce (tests/physics/test_darknews_differences.py)
KNOWN_DIFFERENCES = [
    "helicity pieces: N helicity in the nu-target CM frame (hnlgen: lab frame); coherent C12 as a spin-1/2 F1-only target",
    ("p-el Z-squared and Z-Z' interference: proton weak charge 1/2 - 2 s_W^2 applied twice (Chad = cprotonV times "
     "nucleon_F1_NC/F3_NC, which carry it): Z-squared x 1/354, interference x 0.0531 (error in DarkNews)"),
    ("Majorana N, Z-squared and Z-Z' interference: each helicity is the unpolarised helicity sum without the V x A term, "
     "interference twice that (error in DarkNews; a massless nu_L sees only the C P_L part of the Majorana vertex)"),
    "N -> nu Z' width lacks the longitudinal factor (m_N/m_Z')^2 of arXiv:1903.07589 eq. 13",
]


def sigma_quad(case, Enu: float, diagram: str = "total") -> float:
    """int dsigma/dQ2 dQ2 of one DarkNews upscattering case for ONE target (no multiplicity), cm^2."""
    M, m = case.target.mass, case.m_ups
    if Enu <= case.Ethreshold:
        return 0.0
    lo = ps.upscattering_Q2min(Enu, m, M)
    hi = min(ps.upscattering_Q2max(Enu, m, M), QMAX[case.scattering_regime] ** 2)

    def f(lq):
        Q2 = math.exp(lq)
        s = M * M + 2 * Enu * M
        t = -Q2
        u = 2 * M * M + m * m - s - t
        d = amps.upscattering_dxsec_dQ2([s, t, u], case, diagrams=[diagram])
        if isinstance(d, dict):
            d = sum(d.values())
        d = np.asarray(d, dtype=float)
        if d.size != 1:
            raise RuntimeError(f"unexpected dxsec shape {d.shape}")
        return float(d.ravel()[0]) * Q2

    val, _ = quad(f, math.log(lo), math.log(hi), epsrel=1e-8, epsabs=0.0, limit=400)
    return val


def main() -> None:
    out = {
        "provenance": {
            "generator": f"DarkNews {DarkNews.__version__}",
            "script": "validation/darknews_reference/make_reference.py",
            "command": "/work/dnvenv/bin/python validation/darknews_reference/make_reference.py tests/physics/data/darknews_reference.json",
            "date_utc": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M"),
            "python": platform.python_version(),
            "method": "DarkNews.amplitudes.upscattering_dxsec_dQ2 integrated with scipy quad in log Q2 (epsrel 1e-8)",
            "units": "sigma in cm^2; coherent per C12 nucleus, p-el per free proton; Enu in GeV",
            "known_differences": KNOWN_DIFFERENCES,
        },
        "benchmarks": {},
    }
    vegas_checks = []
    for name, kw in BENCHMARKS.items():
        mc = ModelContainer(nuclear_targets=["C12"], **kw)
        bm = mc.bsm_model
        # DarkNews' vertices use chi (with its c_W) when chi is given; bm.epsilon is then not the coupling used
        eps_used = bm.chi * DarkNews.const.cw
        rec = {"parameters": kw, "E_GeV": ENERGIES_GEV,
               "darknews_Zprime_proton_vector_over_e_epsilon": float(bm.dprotonV / (DarkNews.const.eQED * eps_used)),
               "sigma_cm2": {}}
        cases = dict(mc.ups_cases)
        # ModelContainer only builds upscattering cases that feed a decay it simulates (at eq. 30: N5 only);
        # add the N_j it skipped with the same arguments.
        for key, case in list(cases.items()):
            target, regime, proj, ups, hel = key
            for other in (DarkNews.pdg.neutrino4, DarkNews.pdg.neutrino5)[: bm.n_HNLs if hasattr(bm, "n_HNLs") else 1]:
                k2 = (target, regime, proj, other, hel)
                if k2 not in cases:
                    cases[k2] = DarkNews.processes.UpscatteringProcess(nu_projectile=proj, nu_upscattered=other, nuclear_target=target,
                                                                       scattering_regime=regime, TheoryModel=bm, helicity=hel)
        for key, case in cases.items():
            target, regime, proj, ups, hel = key
            if proj.name != "nu(mu)":
                continue
            label = f"{ups.name} {regime} {hel}"
            rec["sigma_cm2"][label] = [sigma_quad(case, E) for E in ENERGIES_GEV]
            for dg in DIAGRAMS:
                rec.setdefault(f"sigma_{dg}_cm2", {})[label] = [sigma_quad(case, E, dg) for E in ENERGIES_GEV]
            if hel == "conserving" and len(vegas_checks) < 2 * len(BENCHMARKS) and regime == "coherent":
                E = 2.0
                vg = float(case.total_xsec(E, seed=1)) / case.target_multiplicity
                vegas_checks.append(f"{name} {label} E = {E} GeV: quad {sigma_quad(case, E):.6e}, DarkNews VEGAS total_xsec {vg:.6e}")
        # decay widths (GeV): DarkNews' analytic two-body widths; its VEGAS three-body width, mean and error of the mean
        # over N_VEGAS runs (DarkNews returns no error estimate)
        widths = {}
        if name == "light":
            case = next(iter(mc.dec_cases.values()))
            widths["N4 -> nu Zprime (DarkNews.decay_rates.gamma_Ni_to_Nj_V)"] = float(DarkNews.decay_rates.gamma_Ni_to_Nj_V(
                vertex_ij=case.Dih, mi=case.m_parent, mj=case.m_daughter, mV=bm.mzprime, HNLtype=case.HNLtype))
            widths["Zprime -> e+ e- (DarkNews.decay_rates.gamma_V_to_ell_ell)"] = float(DarkNews.decay_rates.gamma_V_to_ell_ell(
                vertex=bm.deV, mV=bm.mzprime, m_ell=DarkNews.const.m_e))
        else:
            runs = []
            for key, case in mc.dec_cases.items():  # both parent helicities: the unpolarised width is their mean
                for k in range(N_VEGAS):
                    np.random.seed(1000 + k)
                    runs.append(float(case.total_width()))
            widths["N5 -> N4 e+ e- (FermionDileptonDecay.total_width, VEGAS)"] = float(np.mean(runs))
            widths["N5 -> N4 e+ e- VEGAS error of the mean"] = float(np.std(runs, ddof=1) / math.sqrt(len(runs)))
        rec["width_GeV"] = widths
        out["benchmarks"][name] = rec
    out["provenance"]["vegas_cross_check"] = vegas_checks
    with open(sys.argv[1], "w") as fh:  # not stdout: DarkNews logs there
        json.dump(out, fh, indent=1)
        fh.write("\n")


if __name__ == "__main__":
    main()
