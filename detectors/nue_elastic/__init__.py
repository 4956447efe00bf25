"""Neutrino-electron elastic samples that a collimated e+e- pair can fake: ``response`` with MINERvA's
low-energy nu-e selection (arXiv:1512.07699) and CHARM-II's signal and background regions.
"""
