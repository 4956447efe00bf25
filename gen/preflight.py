"""The validation a run card gets before any event is generated, shared by ``hnlgen check`` and ``hnlgen run``.

``load_card`` checks the card alone (schema, types, ``gen.card.CARD_BOUNDS``, the model's physics). What
needs the experiment's data is checked by building the run's setup: for upscattering cards
``gen.sources.upscattering.prepare`` (flux file present and parseable, some channel above threshold, the final state
reachable by a decay chain), for NA62 cards ``gen.sources.meson_decay_run.NA62Setup`` (production open, the final state
in the decay table, the cascade). ``check`` builds it without the pilot runs; ``run`` builds it in full,
through the same code, so a card that passes ``check`` runs.
"""

from __future__ import annotations

from gen.experiments import experiment_info, source_entry

__all__ = ["validate_for_run"]


def validate_for_run(card, *, seed: int | None = None, adapt: bool = False):
    """Build (and so validate) the run setup of ``card``; returns it. Errors are ``gen.card.CardError``.

    Parameters
    ----------
    card : gen.card.RunCard
    seed : int or None
        Seed of the pilot runs (upscattering cards; default the card's).
    adapt : bool
        Also train the importance-sampling maps (what ``hnlgen run`` needs); False for ``hnlgen check``.
    """
    source_prepare = source_entry(experiment_info(card.experiment.name).source, "prepare")
    if source_prepare is not None:  # meson decays: gen.sources.meson_decay_run.NA62Setup
        return source_prepare(card)
    from gen.sources.upscattering import prepare

    return prepare(card, seed=seed, adapt=adapt)
