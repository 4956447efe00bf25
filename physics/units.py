"""Internal unit system: GeV, cm, s (hepunits idiom: multiply in, divide out).

``1.0`` means 1 GeV, 1 cm or 1 s everywhere in hnlgen, in arrays and in output files.
Module-level floats are compile-time constants inside numba kernels.
"""

GeV = 1.0
MeV = 1e-3 * GeV
keV = 1e-6 * GeV
eV = 1e-9 * GeV
TeV = 1e3 * GeV

cm = 1.0
m = 100.0 * cm
mm = 0.1 * cm
km = 1e5 * cm
fm = 1e-13 * cm

s = 1.0
ns = 1e-9 * s
ps = 1e-12 * s

barn = 1e-24 * cm**2
pb = 1e-12 * barn
fb = 1e-15 * barn

tonne = 1e6  # grams; masses of targets are handled in grams

# CODATA 2018 exact-in-SI derived values, as quoted by PDG 2024 table 1.1.
hbar = 6.582119569e-25 * GeV * s
c_light = 2.99792458e10 * cm / s
hbarc = 1.973269804e-14 * GeV * cm  # sigma[cm^2] = sigma[GeV^-2] * hbarc**2
hbarc2 = hbarc * hbarc  # GeV^2 cm^2
N_avogadro = 6.02214076e23  # 1/mol
