"""Direction smearing shared by the detector responses (MicroBooNE e+e-, MINERvA / CHARM-II nu-e showers).

``smear_direction`` turns a momentum direction d by the small-angle Gaussian kick (t1, t2) = sigma (s1, s2) of
two standard normals s1, s2 along an orthonormal pair (e1, e2) perpendicular to d, as an exact rotation:

    r = cos(alpha) d + sin(alpha) / alpha (t1 e1 + t2 e2),    alpha = sqrt(t1^2 + t2^2),

so the angle between r and d is exactly alpha (Rayleigh distributed with scale sigma, mean sigma sqrt(pi/2))
and the azimuth of the kick around d is atan2(t2, t1) in the (e1, e2) frame. The frame: e1 = d x a / |d x a| with
a = z^ (or x^ when |d_z| >= 0.9, to keep |d x a| >= 0.43), e2 = d x e1 (right-handed: e1 x e2 = d). A ``@jitable``
scalar function, called from the responses' numba kernels.
"""

from __future__ import annotations

import math

from physics._jit import jitable

__all__ = ["smear_direction"]


@jitable
def smear_direction(px, py, pz, s1, s2, sigma_rad):
    """Unit vector at angle sigma_rad sqrt(s1^2 + s2^2) (rad) from (px, py, pz) (any units, |p| > 0), turned
    towards s1 e1 + s2 e2 (module docstring for the frame). Returns (rx, ry, rz)."""
    p = math.sqrt(px * px + py * py + pz * pz)
    dx, dy, dz = px / p, py / p, pz / p
    if abs(dz) < 0.9:
        ax, ay, az = 0.0, 0.0, 1.0
    else:
        ax, ay, az = 1.0, 0.0, 0.0
    e1x, e1y, e1z = dy * az - dz * ay, dz * ax - dx * az, dx * ay - dy * ax
    n1 = math.sqrt(e1x * e1x + e1y * e1y + e1z * e1z)
    e1x, e1y, e1z = e1x / n1, e1y / n1, e1z / n1
    e2x, e2y, e2z = dy * e1z - dz * e1y, dz * e1x - dx * e1z, dx * e1y - dy * e1x
    t1, t2 = sigma_rad * s1, sigma_rad * s2
    alpha = math.sqrt(t1 * t1 + t2 * t2)
    if alpha == 0.0:
        return dx, dy, dz
    ca, sa = math.cos(alpha), math.sin(alpha) / alpha
    return (ca * dx + sa * (t1 * e1x + t2 * e2x), ca * dy + sa * (t1 * e1y + t2 * e2y),
            ca * dz + sa * (t1 * e1z + t2 * e2z))
