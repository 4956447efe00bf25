"""``hnlgen validate``: comparisons of hnlgen with published numbers and independent calculations.

* ``comparisons``: the comparison registry (``comparison``), the records and the runs behind them.
* ``nue``, ``limits``: the MINERvA / CHARM-II and the limit comparisons.
* ``html`` and ``report_format``: the report (text, JSON, HTML).
"""
