"""Shared by the detector responses: ``geometry`` (straight-line decay probabilities and vertices
in spheres and boxes) and its numba loops ``kernels``; ``smearing`` (the direction smearing of the showers);
``columns`` (NumPy columns of awkward event arrays, read from the layout).
"""
