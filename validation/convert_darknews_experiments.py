"""Convert DarkNews 0.4.8 experiment files into hnlgen's experiment library (gen/data/experiments).

    python validation/convert_darknews_experiments.py /work/shared/data/experiments gen/data/experiments

Reads each ``detectors/<name>.txt`` (Python-syntax assignments) with a restricted evaluator over
``ast`` (numbers, + - * /, names assigned earlier in the same file, lists and ``sum``; anything else
is refused: the files are never executed), writes one ``<name>.toml`` per experiment and copies the
flux tables it uses byte for byte into ``fluxes/``. The per-experiment facts that are not in the
DarkNews file (the unit the file's values are in, which columns it has, the exposure unit, caveats)
are the tables ``FILE_UNITS`` and ``CAVEATS`` below, each read off the flux file's header and the
comment of the detector file.

Experiments left out:

* ``*_dirt*``: upscattering in the material before the detector needs the geometry of the dirt
  volume and the flux's angle/distance dependence there (DarkNews' ``BNB_*`` tables and
  ``geom.py``); hnlgen has neither, so these are listed as not supported (gen.experiments).
* ``miniboone_fhc`` / ``miniboone_rhc``: hnlgen's own MiniBooNE experiments (official flux release,
  gen/data/flux) keep these names; DarkNews' files use the same release re-formatted to per-GeV
  points and the same targets and POT.
"""

from __future__ import annotations

import ast
import hashlib
import shutil
import sys
from pathlib import Path

# name in the library -> DarkNews detector file (the DarkNews keyword, except minerva_me_rhc: DarkNews
# 0.4.8 maps the keyword "minerva_me_rhc" to minerva_me_fhc.txt in Detector.KEYWORDS; we use the RHC file).
LIBRARY = ("dune_nd_fhc", "dune_nd_rhc", "fasernu", "icarus", "microboone", "microboone_tpc", "minerva_le_fhc",
           "minerva_me_fhc", "minerva_me_rhc", "minos_le_fhc", "nd280_fhc", "nova_le_fhc", "nutev_fhc", "sbnd")

# flux file -> (unit of the values in the file, what flux_norm turns it into, exposure unit)
_PER_GEV = "nu / cm^2 / POT / GeV"
FILE_UNITS = {
    "DUNE_ND_FHC.dat": ("nu / cm^2 / POT / GeV (header)", "POT"),
    "DUNE_ND_RHC.dat": ("nu / cm^2 / POT / GeV (header)", "POT"),
    "FASERnu.dat": (("nu / 150 fb^-1 / GeV over the detector face (header: nus/cm^2/150 fb^-1; flux_norm = 1/(70*65/2) "
                     "divides by an approximate 70 cm x 65 cm area, as the DarkNews comment says)"), "150 fb^-1"),
    "MicroBooNE_BNB_fullflux.txt": (("nu / cm^2 / POT per 50-MeV bin at the bin centre (header; flux_norm = 1/0.05 "
                                     "gives per GeV)"), "POT"),
    "NUMI_FHC_LE.dat": ("nu / cm^2 / POT / GeV (header)", "POT"),
    "NUMI_FHC_ME.dat": ("nu / cm^2 / POT / GeV (header)", "POT"),
    "NUMI_RHC_ME.dat": ("nu / cm^2 / POT / GeV (header)", "POT"),
    "ND280_FHC.dat": ("nu / cm^2 / POT / GeV (header)", "POT"),
    "NOvA_FHC.dat": ("nu / cm^2 / POT / GeV (header)", "POT"),
    "NuTeV_FHC.dat": ("nu / cm^2 / POT / GeV (header; digitized, normalised to a 3 m x 3 m area)", "POT"),
    "sbnd_fhc.dat": ("nu / cm^2 / POT / GeV (header; digitized from a talk)", "POT"),
}

CAVEATS = {
    "icarus": "the DarkNews file carries MicroBooNE's header comment (copy-paste): the flux is MicroBooNE's, scaled "
              "by (47/60)^2 (distance 470 m vs 600 m), not an ICARUS flux prediction",
    "sbnd": "flux digitized from a NuFACT 2022 talk; POT (15.6e20) read by eye from another talk",
    "nutev_fhc": "flux digitized from a figure and normalised assuming a 3 m x 3 m area",
    "minerva_me_fhc": "official NuMI ME flux (NUMI_FHC_ME.dat); an unofficial one exists in DarkNews but is not used",
    "minerva_me_rhc": "official NuMI ME flux (NUMI_RHC_ME.dat); DarkNews 0.4.8's keyword minerva_me_rhc loads the FHC "
                      "file by mistake (Detector.KEYWORDS), this library uses minerva_me_rhc.txt",
    "fasernu": "exposure in units of 150 fb^-1 (pot = 1 means 150 fb^-1 of LHC collisions), not POT; the file's unit "
               "is ambiguous (header: per cm^2; DarkNews' flux_norm comment: a count over 70 cm x 65 cm), the numbers "
               "follow DarkNews' reading (integrated numu 5.8e10 / cm^2 per 150 fb^-1): rates unverified",
    "nd280_fhc": "ND280_FHC.dat is byte-identical to ND280_RHC.dat in DarkNews 0.4.8 and its numubar column integrates "
                 "to 10x its numu column (1.54e-8 vs 1.56e-9 / cm^2 / POT), unlike an FHC beam: the column order or "
                 "the file is doubtful; the columns are read as DarkNews reads them",
    "minos_le_fhc": "the MINOS near detector's targets as 20% C and 80% Fe by mass (3.57e29 nuclei, MINOS:2016yyz)",
    "microboone_tpc": "the TPC active volume (86.19 t) instead of the 170 t fiducial mass of 'microboone'",
}

_OPS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
        ast.Div: lambda a, b: a / b}


def _eval(node, env, where):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str)):
        return node.value
    if isinstance(node, ast.Name):
        if node.id not in env:
            raise ValueError(f"{where}: name {node.id!r} used before assignment")
        return env[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return _OPS[type(node.op)](_eval(node.left, env, where), _eval(node.right, env, where))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return -_eval(node.operand, env, where)
    if isinstance(node, ast.List):
        return [_eval(e, env, where) for e in node.elts]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sum" and len(node.args) == 1:
        return sum(_eval(node.args[0], env, where))
    raise ValueError(f"{where}: unsupported expression {ast.dump(node)[:80]}")


def parse_darknews_file(path: Path) -> tuple[dict, str]:
    """The assignments of a DarkNews detector file, and its leading comment block."""
    text = path.read_text(encoding="utf8")
    env: dict = {}
    for stmt in ast.parse(text).body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)):
            raise ValueError(f"{path}: only simple assignments are allowed (line {stmt.lineno})")
        env[stmt.targets[0].id] = _eval(stmt.value, env, f"{path}:{stmt.lineno}")
    comment = " ".join(line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("#"))
    return env, comment


def _toml_str(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def convert(src: Path, dst: Path) -> None:
    det_dir, flux_dir = src / "detectors", src / "fluxes"
    (dst / "fluxes").mkdir(parents=True, exist_ok=True)
    for name in LIBRARY:
        f = det_dir / f"{name}.txt"
        p, comment = parse_darknews_file(f)
        fluxfile = p["fluxfile"]
        unit, exposure_unit = FILE_UNITS[fluxfile]
        targets = p["nuclear_targets"]
        masses = p["fiducial_mass_per_target"]
        if len(targets) != len(masses):
            raise ValueError(f"{f}: {len(targets)} nuclear_targets but {len(masses)} fiducial_mass_per_target")
        sha = hashlib.sha256(f.read_bytes()).hexdigest()
        lines = [
            f"# hnlgen experiment library: converted from DarkNews 0.4.8 include/detectors/{name}.txt",
            "# (sha256 in PROVENANCE.md) by validation/convert_darknews_experiments.py. Edit by hand only with a reason.",
            f"name = {_toml_str(name)}",
            'source = "upscattering"',
            'detector_response = "none"',
            f"reference = {_toml_str(comment)}",
            f"darknews_name = {_toml_str(p['name'])}",
            f"darknews_file_sha256 = {_toml_str(sha)}",
            f"exposure = {float(p['POTs'])!r}",
            f"exposure_unit = {_toml_str(exposure_unit)}",
        ]
        if name in CAVEATS:
            lines.append(f"caveat = {_toml_str(CAVEATS[name])}")
        lines += [
            "",
            "[flux]",
            f"file = {_toml_str(fluxfile)}",
            'layout = "points_linear"  # columns Enu nue numu nutau nuebar numubar nutaubar; linear between points',
            f"file_unit = {_toml_str(unit)}",
            f"norm = {float(p['flux_norm'])!r}  # file value x norm = nu / cm^2 / GeV per unit of exposure",
            f"energy_range_GeV = [{float(p['erange'][0])!r}, {float(p['erange'][1])!r}]",
        ]
        for t, m in zip(targets, masses):
            lines += ["", "[[targets]]", f"name = {_toml_str(t)}", f"mass_t = {float(m)!r}"]
        (dst / f"{name}.toml").write_text("\n".join(lines) + "\n", encoding="utf8")
        out_flux = dst / "fluxes" / fluxfile
        if not out_flux.exists():
            shutil.copyfile(flux_dir / fluxfile, out_flux)
    shutil.copyfile(src / "LICENSE.darknews", dst / "LICENSE.darknews")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__.splitlines()[2])
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
