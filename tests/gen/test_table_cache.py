"""gen.core.table_cache: stored tables are bit-identical to a recomputation, keyed on the exact inputs."""

import numpy as np

import physics._jit
from gen.core import table_cache as TC


def test_cached_array_round_trip_and_keys(tmp_path, monkeypatch):
    monkeypatch.setattr(physics._jit, "KERNEL_CACHE_DIR", tmp_path)
    monkeypatch.delenv("HNLGEN_NO_TABLE_CACHE", raising=False)
    calls = []

    def fn(E, par):
        calls.append(1)
        return np.sin(E)[None, :] * par[:, :1] / 3.0

    E = np.linspace(0.1, 5.0, 101)
    par = np.array([[1.7, 2.0]])
    first = TC.cached_array("t", fn, E, par)
    again = TC.cached_array("t", fn, E, par)
    assert len(calls) == 1  # the second call read the file
    assert again.tobytes() == first.tobytes() == fn(E, par).tobytes()
    assert len(list((tmp_path / "tables").glob("t-*.npy"))) == 1
    # any change of an input (one ulp, or the shape) is another key
    par2 = par.copy()
    par2[0, 0] = np.nextafter(par2[0, 0], 2.0)
    TC.cached_array("t", fn, E, par2)
    TC.cached_array("t", fn, E[:-1], par)
    assert len(calls) == 4 and len(list((tmp_path / "tables").glob("t-*.npy"))) == 3
    # a damaged file is recomputed and rewritten
    for f in (tmp_path / "tables").glob("t-*.npy"):
        f.write_bytes(b"\x93NUMPY")
    n = len(calls)
    assert TC.cached_array("t", fn, E, par).tobytes() == first.tobytes() and len(calls) == n + 1
    monkeypatch.setenv("HNLGEN_NO_TABLE_CACHE", "1")
    TC.cached_array("t", fn, E, par)
    assert len(calls) == n + 2


def test_prepare_tables_identical_with_cache(tmp_path, monkeypatch):
    """The default card's energy tables and rates, computed and then read from the cache, are bit-identical."""
    from gen.card import load_card
    from gen.sources.upscattering import prepare

    monkeypatch.setattr(physics._jit, "KERNEL_CACHE_DIR", tmp_path)
    card = load_card("cards/miniboone_light_zprime.toml")
    monkeypatch.setenv("HNLGEN_NO_TABLE_CACHE", "1")
    ref = prepare(card, adapt=False)
    monkeypatch.delenv("HNLGEN_NO_TABLE_CACHE")
    prepare(card, adapt=False)  # fills the cache
    assert list((tmp_path / "tables").glob("sigma_upscattering-*.npy"))
    cached = prepare(card, adapt=False)
    for name in ("E_edges", "E_cdf", "ch_rate_table", "ch_prob"):
        assert getattr(cached, name).tobytes() == getattr(ref, name).tobytes(), name
