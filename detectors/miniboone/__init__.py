"""MiniBooNE (BNB, 818 t mineral-oil Cherenkov detector): ``response`` (smearing, selection, the
nu_e-like observables and histograms), ``fit`` (the chi2 with the collaboration's data releases) and
``data/`` (releases, digitised spectra, efficiencies; PROVENANCE.md).
"""
