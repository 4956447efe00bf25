"""Dirac baseline for tests/physics/test_conventions.py: decay tables and cross sections of the Dirac bundled cards,
recorded before issue 14 (complex mixings, signed couplings). Run from the repo root:

    PYTHONPATH=$PWD python tests/physics/data/make_dirac_baseline.py tests/physics/data/dirac_baseline.json
"""
import json
import subprocess
import sys

import numpy as np

from gen.card import build_model, load_card
from physics import cross_sections as xs
from physics.decay_table import decay_table

cards = ["cards/miniboone_light_zprime.toml", "cards/miniboone_bertuzzo_fit.toml", "cards/na62_heavy_zprime.toml"]
E = [0.3, 0.5, 1.0, 2.0, 5.0]
out = {"provenance": {"commit": subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip(),
                      "script": "tests/physics/data/make_dirac_baseline.py (recorded at the commit above, before the complex-mixing/sign change of issue 14)",
                      "units": "width_GeV, ctau0_cm; sigma in cm^2 per C12 nucleus (coherent, p-el with Pauli blocking) and per H1"},
       "cards": {}}
for c in cards:
    m = build_model(load_card(c))
    t = decay_table(m)
    dt = {n: {"width_GeV": p.width_GeV, "channels": {ch.final_state: ch.width_GeV for ch in p.channels}} for n, p in t.items()}
    res = xs.xsec_arrays(m, np.array(E), ["numu", "numubar", "nue"], ["C12", "H1"])
    sig = {f"{l['projectile']} {l['hnl']} {l['target']} {l['regime']} {l['helicity']}": list(map(float, s)) for l, s in zip(res["labels"], res["sigma_cm2"])}
    out["cards"][c] = {"decays": dt, "E_GeV": E, "sigma_cm2": sig}
with open(sys.argv[1], "w") as fh:
    json.dump(out, fh, indent=1)
