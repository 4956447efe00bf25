"""gen.limits against hand-computed cases (validation/notes_constraint_experiments.md section 5)."""

import math

import numpy as np
import pytest
from scipy import stats

from gen import limits as L


def test_gauss_closed_form_microboone():
    # S < n - B + 1.645 sqrt(n + sigma_B^2) = 25.3 + 1.645 * 19.857 = 57.96 (notes 5.3: 58.0)
    s = L.signal_upper_limit("microboone_epem", method="gauss")
    assert s == pytest.approx(95 - 69.7 + stats.norm.ppf(0.95) * math.sqrt(95 + 17.3**2), rel=1e-9)
    assert s == pytest.approx(58.0, abs=0.05)


@pytest.mark.parametrize("method, two_sided, ref", [("cls", False, 60.1), ("splusb", False, 59.1),
                                                     ("profile", False, 58.2), ("profile", True, 64.5)])
def test_microboone_counts_reference(method, two_sided, ref):
    # notes 5.3: independently computed 95 % CL limits for 95 observed over 69.7 +- 17.3 (quoted to 0.1 event)
    s = L.poisson_gauss_upper_limit(95, 69.7, 17.3, 0.95, method, two_sided)
    assert s == pytest.approx(ref, abs=0.1)
    assert 58 <= s <= 64.6  # notes: "S < 58-64 events depending on the method"


def test_poisson_no_background_closed_form():
    # sigma_B = 0, B = 0, n = 0: CL_{s+b} = exp(-S) = 0.05 -> S = ln 20 = 2.996 (the textbook 3.0)
    assert L.poisson_gauss_upper_limit(0, 0.0, 0.0, 0.95, "splusb") == pytest.approx(math.log(20), rel=1e-6)
    # CLs with known B: exp(-(S+B)) / exp(-B) = exp(-S): the same, independent of B
    assert L.poisson_gauss_upper_limit(0, 3.0, 0.0, 0.95, "cls") == pytest.approx(math.log(20), rel=1e-6)
    # n = 2, B = 0, 90 %: P(N <= 2 | S) = 0.10 -> S = 5.322 (PDG table 40.3)
    assert L.poisson_gauss_upper_limit(2, 0.0, 0.0, 0.90, "splusb") == pytest.approx(5.322, abs=1e-3)


def test_chi2_1812_minerva_thresholds():
    pc = L.published_count("minerva_le_sideband")
    # notes 5.1: chi2 = 4.61 at S = 125 (30 %) and 369 (100 %); the authors' scan files give 132 and 394
    s30 = L.chi2_1812_upper_limit(pc, 0.90)
    s100 = L.chi2_1812_upper_limit(pc, 0.90, variant=True)
    assert s30 == pytest.approx(125, abs=1)
    assert s100 == pytest.approx(369, abs=1)
    assert abs(s30 / 132 - 1) < 0.07 and abs(s100 / 394 - 1) < 0.07
    # 95 % (5.99, 2 dof) is looser than 90 %
    assert L.chi2_1812_upper_limit(pc, 0.95) > s30


def test_chi2_1812_closed_form_matches_numerical_minimum():
    from scipy import optimize

    args = (173.6, 11.8, 163.1, 0.10, 0.30)
    for s in (0.0, 50.0, 125.0, 1000.0):
        def f(x, s=s):
            a, b = x
            return (args[0] - (1 + a) * (s + args[1]) - (1 + a + b) * args[2]) ** 2 / args[0] \
                + (a / args[3]) ** 2 + (b / args[4]) ** 2
        num = optimize.minimize(f, [0.0, 0.0], method="Nelder-Mead", options={"xatol": 1e-10, "fatol": 1e-12}).fun
        assert float(L.chi2_1812(s, *args)) == pytest.approx(num, rel=1e-5, abs=1e-8)


def test_exclusion_benchmark_signal():
    # the ~67-event "Sig" of the HEPData tables (notes section 3) is excluded at 95 % by every method
    exc, thr = L.exclusion(np.array([10.0, 67.0]), "microboone_epem")
    assert list(exc) == [False, True] and 58 < thr < 61


def test_bad_inputs_name_the_key():
    with pytest.raises(L.LimitError, match="limit experiment = 'charm2'.*no published count"):
        L.signal_upper_limit("charm2")
    with pytest.raises(L.LimitError, match="confidence level = 0.68"):
        L.signal_upper_limit("microboone_epem", cl=0.68)
    with pytest.raises(L.LimitError, match="method = 'bayes'"):
        L.signal_upper_limit("microboone_epem", method="bayes")
    with pytest.raises(L.LimitError, match="signal total of point 1"):
        L.exclusion([1.0, float("nan")], "microboone_epem")
