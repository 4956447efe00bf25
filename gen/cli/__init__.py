"""The ``hnlgen`` command line: ``app`` (the parser, the error boundary, ``main``) and one module per
subcommand (``run``, ``check``, ``xsec``, ``model``, ``reweight``, ``scan``, ``fit``, ``limits``, ``plot``,
``validate``, ``bench``, ``cards``, ``experiments``), each exposing ``register`` and ``run``.
"""
