"""The experiment registry and library (gen/experiments.py, gen/data/experiments, hnlgen experiments).

Each library experiment is checked against its DarkNews 0.4.8 source file (copies in
tests/gen/data/darknews_detectors, parsed here independently of validation/convert_darknews_experiments.py)
and its flux table integrated here independently of gen.core.flux.
"""

import ast
import hashlib
import json
import math
import shutil
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from gen import experiments as E
from gen.cli.app import main
from gen.core.flux import flux_for_experiment
from physics import constants as const
from physics import form_factors as ff
from physics import units as u

DATA = Path(__file__).resolve().parent / "data"
DN_FILES = sorted((DATA / "darknews_detectors").glob("*.txt"))
LIBRARY = [p.stem for p in DN_FILES]
#: Detector responses added to converted library files since the conversion (default "none": truth level).
RESPONSES = {"minerva_le_fhc": "minerva_nue", "microboone": "microboone_epem", "microboone_tpc": "microboone_epem",
             "charm2_fhc": "charm2_nue", "charm2_rhc": "charm2_nue"}
REFERENCE = json.loads((DATA / "darknews_experiments_reference.json").read_text())
FLAVOURS = ("nue", "numu", "nutau", "nuebar", "numubar", "nutaubar")  # DarkNews column order after Enu
_ALLOWED_NODES = (ast.Module, ast.Assign, ast.Name, ast.Load, ast.Store, ast.Constant, ast.BinOp, ast.Add, ast.Sub,
                  ast.Mult, ast.Div, ast.List, ast.Call, ast.UnaryOp, ast.USub)


def _darknews_assignments(path: Path) -> dict:
    """The assignments of a DarkNews detector file: eval of a whitelisted AST (only sum() callable)."""
    tree = ast.parse(path.read_text())
    assert all(isinstance(n, _ALLOWED_NODES) for n in ast.walk(tree)), path
    env: dict = {}
    for stmt in tree.body:
        code = compile(ast.Expression(stmt.value), str(path), "eval")
        env[stmt.targets[0].id] = eval(code, {"__builtins__": {"sum": sum}}, dict(env))
    return env


def _table(flux_file: str) -> np.ndarray:
    with resources.files("gen").joinpath("data", "experiments", "fluxes", flux_file).open() as fh:
        return np.loadtxt(fh, comments="#")


def test_library_holds_every_darknews_detector_file_but_dirt():
    assert set(E.experiment_names()) >= set(LIBRARY)
    assert len(LIBRARY) == 14
    shared = {p.stem for p in (DATA / "darknews_detectors").glob("*.txt")}
    assert not shared & set(E.UNSUPPORTED)
    # the library = the 23 DarkNews files minus 7 dirt minus the 2 MiniBooNE ones kept as built-ins
    assert len(LIBRARY) + len(E.UNSUPPORTED) + 2 == 23


@pytest.mark.parametrize("name", LIBRARY)
def test_library_experiment_matches_its_darknews_file(name):
    src = DATA / "darknews_detectors" / f"{name}.txt"
    dn = _darknews_assignments(src)
    exp = E.library_experiment(name)
    toml = tomllib.loads(resources.files("gen").joinpath("data", "experiments", f"{name}.toml").read_text())
    assert toml["darknews_file_sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    assert exp.pot == dn["POTs"]
    assert exp.flux_file == dn["fluxfile"]
    assert exp.flux_norm == pytest.approx(dn["flux_norm"], rel=1e-15)
    assert exp.energy_range_GeV == tuple(float(x) for x in dn["erange"])
    assert exp.target_names == dn["nuclear_targets"]
    for t, m_t in zip(exp.targets, dn["fiducial_mass_per_target"], strict=True):
        assert t.mass_g == pytest.approx(m_t * 1e6, rel=1e-14)  # tonnes -> grams
        # target count: mass / (A g/mol) x N_A, A from the one target table
        assert t.n_nuclei == pytest.approx(m_t * 1e6 / ff.get_target(t.name).A * 6.02214076e23, rel=1e-14)
    assert exp.source == "upscattering" and exp.detector_response == RESPONSES.get(name, "none")
    assert exp.exposure_unit == ("150 fb^-1" if name == "fasernu" else "POT")


@pytest.mark.parametrize("name", LIBRARY)
def test_library_flux_integral_against_the_file(name):
    """Integral over erange of the linearly interpolated points x flux_norm (the DarkNews meaning), done here with
    numpy on a fine grid, against gen.core.flux's histogram (which is exact for this interpolation)."""
    exp = E.library_experiment(name)
    dn = _darknews_assignments(DATA / "darknews_detectors" / f"{name}.txt")
    raw = _table(dn["fluxfile"])
    # zero outside the points (interp1d fill_value=0): integrate over the overlap of erange and the points
    lo, hi = max(dn["erange"][0], raw[0, 0]), min(dn["erange"][1], raw[-1, 0])
    grid = np.union1d(np.linspace(lo, hi, 200_001), raw[(raw[:, 0] > lo) & (raw[:, 0] < hi), 0])
    flux = flux_for_experiment(exp)
    assert flux.edges[0] == lo and flux.edges[-1] == hi
    for j, f in enumerate(FLAVOURS):
        dens = np.interp(grid, raw[:, 0], raw[:, 1 + j] * dn["flux_norm"], left=0.0, right=0.0)
        want = np.trapezoid(dens, grid)
        assert flux.integrated(f) == pytest.approx(want, rel=1e-9, abs=1e-30 + 1e-12 * abs(want)), f


def test_microboone_flux_units_per_50_MeV_bin():
    """MicroBooNE's file is nu / cm^2 / POT per 50-MeV bin at bin centres (header): the plain sum of the numu column
    is the integrated flux; the linear reading with flux_norm = 1/0.05 agrees with it to 1% (edges of the range)."""
    raw = _table("MicroBooNE_BNB_fullflux.txt")
    flux = flux_for_experiment(E.library_experiment("microboone"))
    assert np.allclose(np.diff(raw[:, 0]), 0.05)
    assert flux.integrated("numu") == pytest.approx(raw[:, 2].sum(), rel=0.01)
    assert flux.integrated("numu") == pytest.approx(7.33e-10, rel=2e-3)


@pytest.mark.parametrize("name", LIBRARY)
def test_flux_integrals_and_target_counts_match_darknews(name):
    """DarkNews' own numbers (reference file, ``detector_facts``): the flux integrals over erange are the same
    quantity (1e-6: its quad vs our exact sum); its target count is mass / M_nucleus, ours mass / (A u): ratio
    A u / M (M: AME2020 minus electrons; DarkNews also subtracts the electron binding energy, < 1e-5 relative)."""
    ref = REFERENCE["detector_facts"][name]
    exp = E.library_experiment(name)
    assert exp.pot == ref["pot"]
    flux = flux_for_experiment(exp)
    for f, want in ref["flux_integral_per_cm2_per_exposure"].items():
        assert flux.integrated(f) == pytest.approx(want, rel=1e-6, abs=1e-12 * max(ref["flux_integral_per_cm2_per_exposure"].values())), f
    assert set(ref["number_of_targets"]) == set(exp.target_names)
    for t in exp.targets:
        M = ff.get_target(t.name).mass
        assert ref["nuclear_mass_GeV"][t.name] == pytest.approx(M, rel=1e-5)
        assert ref["number_of_targets"][t.name] / t.n_nuclei == pytest.approx(t.A * const.atomic_mass_unit / M, rel=1e-5)


# ------------------------------------------------------------------------------------ registry and errors
def test_registry_kinds():
    assert E.experiment_info("miniboone_fhc").detector_response == "miniboone"
    assert E.experiment_info("na62").source == "meson_decay"
    assert E.experiment_info("na62").detector_response == "na62"
    assert E.experiment_info("sbnd").kind == "library"
    assert E.experiment_info("sbnd").detector_response == "none"
    assert E.experiment_info("custom").kind == "custom"


def test_unknown_and_dirt_names():
    with pytest.raises(E.ExperimentError, match="unknown experiment; known: miniboone_fhc, miniboone_rhc, na62, charm2_fhc"):
        E.check_experiment_name("microbone")
    with pytest.raises(E.ExperimentError, match="'sbnd_dirt': not supported: upscattering in the material before the detector"):
        E.experiment_info("sbnd_dirt")


def test_card_with_unknown_experiment_exits_2(tmp_path, capsys):
    card = tmp_path / "c.toml"
    card.write_text('schema_version = 1\n[model]\nm4 = 0.42\nmzprime = 0.03\nUmu4 = 1e-3\nUD4 = 1.0\nalphaD = 0.25\n'
                    'alpha_epsilon2 = 2e-10\n[experiment]\nname = "nd280"\n')
    assert main(["check", str(card)]) == 2
    err = capsys.readouterr().err
    assert "experiment.name = 'nd280': unknown experiment; known:" in err and "nd280_fhc" in err
    assert "Traceback" not in err


def _library_copy(tmp_path, name="microboone"):
    src = resources.files("gen").joinpath("data", "experiments")
    (tmp_path / "fluxes").mkdir()
    data = tomllib.loads(src.joinpath(f"{name}.toml").read_text())
    shutil.copyfile(src.joinpath("fluxes", data["flux"]["file"]), tmp_path / "fluxes" / data["flux"]["file"])
    return src.joinpath(f"{name}.toml").read_text()


@pytest.mark.parametrize(("edit", "message"), [
    (lambda s: s.replace("exposure = 6.8e+20\n", ""), "exposure: required key is missing"),
    (lambda s: s.replace("exposure = 6.8e+20", 'exposure = "lots"'), "exposure = 'lots': must be a int or float"),
    (lambda s: s.replace("exposure = 6.8e+20", "exposure = -1.0"), "exposure = -1.0: must be a finite number > 0"),
    (lambda s: s.replace('file = "MicroBooNE_BNB_fullflux.txt"', 'file = "missing.txt"'),
     "flux.file = 'missing.txt': flux file not found"),
    (lambda s: s.replace('name = "Ar40"', 'name = "Xe131"'), "targets[0].name = 'Xe131': no nuclear data for this target"),
    (lambda s: s.replace("energy_range_GeV = [0.05, 7.0]", "energy_range_GeV = [7.0, 0.05]"),
     "flux.energy_range_GeV = [7.0, 0.05]: must be [E_min, E_max]"),
    (lambda s: s.replace('layout = "points_linear"', 'layout = "bins"'), "flux.layout = 'bins': allowed: 'points_linear'"),
    (lambda s: s + "colour = 1\n", "colour: unknown key"),
    (lambda s: s.replace("[[targets]]", "[[targets"), "not valid TOML"),
])
def test_bad_experiment_file_names_file_and_field(tmp_path, edit, message):
    text = _library_copy(tmp_path)
    path = tmp_path / "microboone.toml"
    path.write_text(edit(text))
    with pytest.raises(E.ExperimentError) as info:
        E.load_experiment_file(path)
    assert f"experiment file {path}" in str(info.value)
    assert message in str(info.value)


def test_experiment_file_round_trip_from_a_copy(tmp_path):
    """A library file read from elsewhere (how a user adds one): the same experiment and flux."""
    path = tmp_path / "microboone.toml"
    path.write_text(_library_copy(tmp_path))
    mine = E.load_experiment_file(path)
    lib = E.library_experiment("microboone")
    assert mine.targets == lib.targets and mine.pot == lib.pot
    assert flux_for_experiment(mine).integrated("numu") == flux_for_experiment(lib).integrated("numu")


def test_experiments_command_lists_everything(capsys):
    assert main(["experiments", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    rows = {d["name"]: d for d in out["experiments"]}
    assert set(rows) == set(E.experiment_names())
    assert set(out["not_supported"]) == set(E.UNSUPPORTED)
    for name in LIBRARY:
        d = rows[name]
        assert d["detector_response"] == RESPONSES.get(name, "none") and d["source"] == "upscattering"
        assert d["flux_range_GeV"][0] < d["flux_range_GeV"][1]
        assert "numu" in d["flavours"]
        assert d["mass_t"] == pytest.approx(sum(t["mass_t"] for t in d["targets"]))
    assert rows["nd280_fhc"]["mass_t"] == pytest.approx(12.0 + 0.8 + 0.4 + 3.32 + 5.4 + 0.42)
    assert rows["miniboone_fhc"]["detector_response"] == "miniboone"
    assert rows["miniboone_fhc"]["exposure"] == 18.75e20
    assert main(["experiments"]) == 0
    assert "nd280_fhc" in capsys.readouterr().out


def test_new_targets_in_the_one_table():
    for name, (Z, A) in {"Cl35": (17, 35), "Ti48": (22, 48), "Fe56": (26, 56), "Cu63": (29, 63), "Zn64": (30, 64),
                         "W184": (74, 184), "Pb208": (82, 208)}.items():
        t = ff.get_target(name)
        assert (t.Z, t.A) == (Z, A)
        # AME2020 atomic mass minus Z electrons: within 1% of A u (binding < 9 MeV per nucleon)
        assert t.mass == pytest.approx(A * const.atomic_mass_unit, rel=1e-2)
        assert t.ff_name == ("helm" if name in ("Cl35", "W184") else "fourier-bessel")
        assert 0.2 < t.k_fermi < 0.3
    assert ff.get_target("Pb208").mass == pytest.approx(207.976652005 * const.atomic_mass_unit - 82 * const.m_e, rel=1e-12)


# ------------------------------------------------------------------------------------ runs by name
def _card(tmp_path, name, flavours=None):
    card = tmp_path / f"{name}.toml"
    fl = f"flavours = {json.dumps(flavours)}\n" if flavours else ""
    card.write_text('schema_version = 1\n[model]\nhnl_type = "dirac"\nm4 = 0.420\nmzprime = 0.030\nUmu4 = 9.486832980505138e-4\n'
                    f'UD4 = 1.0\nalphaD = 0.25\nalpha_epsilon2 = 2e-10\n[experiment]\nname = "{name}"\n{fl}'
                    '[run]\nevents = 2000\nseed = 7\n')
    return card


_FAST_RUNS = ("microboone",)


@pytest.mark.parametrize("name", [n if n in _FAST_RUNS else pytest.param(n, marks=pytest.mark.slow) for n in LIBRARY])
def test_every_library_experiment_runs_truth_level(tmp_path, name, capsys):
    """hnlgen run on a small card by name: a truth-level file with every event, positive finite weights, and
    targets from the experiment's list (the slow ones: pytest -m slow)."""
    import uproot

    out = tmp_path / f"{name}.root"
    assert main(["run", str(_card(tmp_path, name)), "-n", "2000", "-o", str(out), "--json"]) == 0
    capsys.readouterr()
    with uproot.open(out) as f:
        tree = f["events"]
        assert tree.num_entries == 2000
        w = tree["weight"].array(library="np")
        assert np.all(w > 0) and np.all(np.isfinite(w))
        if E.experiment_info(name).detector_response == "microboone_epem":  # detectors/microboone/response.py (issue 13)
            assert {"passes_selection", "weight_selected", "theta_beam", "dedx_start_mip"} <= set(tree.keys())
            wf = tree["w_fiducial"].array(library="np")
            m_t = sum(t.mass_g for t in E.library_experiment(name).targets) * 1e-6
            assert np.all((wf == 0) | (np.abs(wf - 86.4 / m_t) < 1e-3))  # active argon / the experiment's mass
        else:
            # no detector stage (truth level) unless the registry names one
            assert ("passes_selection" in tree) == (E.experiment_info(name).detector_response != "none")
        pdg = set(tree["target_pdg"].array(library="np").tolist())
        exp = E.library_experiment(name)
        assert pdg <= {1000000000 + 10000 * t.Z + 10 * t.A for t in exp.targets}


def test_zero_flux_flavour_is_refused(tmp_path):
    from gen.card import CardError, load_card

    with pytest.raises(CardError, match="the flux of sbnd has no nutau"):
        load_card(_card(tmp_path, "sbnd", ["numu", "nutau"]))


def test_library_default_flavours_are_the_non_zero_columns(tmp_path):
    from gen.card import load_card

    exp = E.get_experiment(load_card(_card(tmp_path, "sbnd")))
    assert exp.flavours == ("nue", "numu", "nuebar", "numubar")
    assert math.isclose(exp.pot, 15.6e20)
    assert E.get_experiment(load_card(_card(tmp_path, "fasernu"))).flavours == FLAVOURS
    assert u.tonne == 1e6


def test_points_flux_bad_tables(tmp_path):
    from gen.core.flux import load_points_flux
    from gen.errors import InputFileError

    bad = tmp_path / "three.dat"
    bad.write_text("0.1 1 2\n0.2 1 2\n")
    with pytest.raises(InputFileError, match=r"three.dat: 3 columns, expected 7"):
        load_points_flux(bad, 1.0, (0.0, 1.0))
    ok = tmp_path / "ok.dat"
    ok.write_text("0.1 1 1 0 0 0 0\n0.2 1 3 0 0 0 0\n")
    with pytest.raises(InputFileError, match=r"energy range \[5.0, 6.0\] GeV does not overlap the table"):
        load_points_flux(ok, 1.0, (5.0, 6.0))
    f = load_points_flux(ok, 2.0, (0.0, 0.15))
    # numu: 2 x (1 -> 2 linearly on [0.1, 0.15]) = 2 x 0.05 x 1.5
    assert f.integrated("numu") == pytest.approx(0.15, rel=1e-12)
    assert f.edges[0] == 0.1 and f.edges[-1] == 0.15
