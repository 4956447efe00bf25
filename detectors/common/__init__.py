"""Detector geometry shared by the responses: ``geometry`` (straight-line decay probabilities and vertices
in spheres and boxes) and its numba loops ``kernels``.
"""
