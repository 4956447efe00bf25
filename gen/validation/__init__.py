"""``hnlgen validate``: comparisons of hnlgen with published numbers and independent calculations.

* ``comparisons``: the engine: records (``Comparison``), the registry (``comparison``), statuses, the quick/full run.
* ``references`` and ``data/``: the published numbers, their sources, tolerances and explanations, one TOML file per
  topic (``data/miniboone.toml``, ``widths.toml``, ``cross_sections.toml``, ``na62.toml``, ``nue.toml``,
  ``limits.toml``; citations in ``sources.toml``); ``data/templates/``: the report's shared texts and CSS.
* topic modules, each registering its comparisons: ``miniboone`` (releases, chi2, fits, card spectra), ``widths``
  (widths, lifetimes, neutrino masses), ``cross_sections`` (closed forms, event counts, opening angles), ``na62``
  (seed 004 Fig. 3, Fig. 4), ``nue`` and ``limits`` (MINERvA / CHARM-II, limits).
* ``markdown``, ``html`` and ``report_format``: the reports (``report.md``, ``report.html``) and their shared vocabulary.
"""
