"""``hnlgen xsec`` (gen/cli/xsec.py): run() on a shipped card."""

import argparse
import json
from pathlib import Path

import pytest

from gen.cli import xsec

CARD = Path(__file__).resolve().parents[2] / "cards" / "miniboone_light_zprime.toml"


def _args(**kw):
    ns = dict(card=str(CARD), enu=[1.0, 2.0], target=None, regime=None, flavour=None,
              helicity=["conserving", "flipping"], bound="pauli", split=False, json=True, plot=None)
    ns.update(kw)
    return argparse.Namespace(**ns)


def test_xsec_json_records(capsys):
    assert xsec.run(_args(flavour=["numu", "numubar"], split=True)) == 0
    recs = json.loads(capsys.readouterr().out)
    # 2 flavours x 1 HNL x (C12: 3 regimes + H1: 1) x 2 helicities x 2 energies
    assert len(recs) == 2 * 4 * 2 * 2
    r = next(r for r in recs if r["target"] == "C12" and r["regime"] == "coherent" and r["helicity"] == "conserving"
             and r["enu_GeV"] == 1.0 and r["projectile"] == "numu")
    assert r["hnl"] == "N4" and 1e-41 < r["sigma_cm2"] < 1e-38
    assert r["sigma_cm2"] == pytest.approx(r["sigma_Zprime_cm2"] + r["sigma_Z_cm2"] + r["sigma_hprime_cm2"] + r["sigma_interference_cm2"])


def test_xsec_rejects_target_not_in_experiment(capsys):
    assert xsec.run(_args(target=["Ar40"])) == 2
    assert "allowed ['C12', 'H1']" in capsys.readouterr().err


def test_xsec_table_and_plot(tmp_path, capsys):
    png = tmp_path / "x.png"
    assert xsec.run(_args(json=False, target=["H1"], flavour=["numu"], plot=str(png))) == 0
    out = capsys.readouterr().out
    assert "p-el" in out and "coherent" not in out.split("\n", 2)[2]
    assert png.stat().st_size > 1000
