"""hnlgen physics layer: units, constants, the dark-sector model, couplings, widths, cross sections.

Imports only numpy, scipy and numba (STYLE.md section 1).
"""
