"""The public surface of the generator modules (particle's test_module_apis.py idiom)."""

import detectors.output.hepmc
import detectors.output.particle_list
import detectors.output.root
import gen.core.decays
import gen.core.events
import gen.core.exact_sum
import gen.core.flux
import gen.core.rng
import gen.experiments
import gen.output.nuhepmc
import gen.preflight
import gen.sources.meson_decay_run
import gen.sources.upscattering
import gen.stages.base

API = {
    gen.core.rng: {"BLOCK_SIZE", "PURPOSE_PRODUCTION", "PURPOSE_DECAY", "PURPOSE_UNWEIGHT", "PURPOSE_DETECTOR", "PILOT_KEY", "get_rng", "block_rng",
              "pilot_rng", "block_ranges", "block_chunks", "MAX_CHUNK_SIZE"},
    gen.core.exact_sum: {"ExactSum", "group_index"},
    gen.preflight: {"validate_for_run"},
    gen.core.flux: {"Flux", "load_flux", "load_points_flux", "flux_for_experiment", "sample_histogram", "sample_histogram_array", "histogram_density",
               "energy_sampling_table", "FLUX_UNIT_BIN_GeV"},
    gen.core.events: {"SCALAR_FIELDS", "PARTICLE_FIELDS", "NAMED_PARTICLES", "NAMED_VERTICES", "NAMED_PDG", "FIELD_DOCS", "REGIME_CODES",
                 "HELICITY_CODES", "SLOT_PROJECTILE", "SLOT_TARGET", "SLOT_RECOIL", "SLOT_N", "assemble_events",
                 "ColumnBuffer", "ReusableColumns", "build_events", "field_table_markdown", "COMPACT_MIN_COVERAGE", "COMPACT_FALLBACK", "CompactPlan", "particles_recipe", "compact_tables",
                 "graph_cascades", "with_fields"},
    gen.core.decays: {"Species", "Channel", "DecayGraph", "build_decay_graph", "parse_final_state", "tabulate_three_body",
                 "INVISIBLE_PDG"},
    gen.sources.upscattering: {"generate", "iter_generate", "GeneratorSetup", "prepare", "RunSummary", "Accumulator", "summarize", "run_metadata"},
    gen.stages.base: {"MiniBooNEStage", "NueElasticStage", "HistogramSum", "RECO_FIELD_DOCS", "make_stage"},
    gen.sources.meson_decay_run: {"NA62_PATH", "ZPRIME_ONLY_SHARE", "NA62Setup", "na62_card", "detector_input", "prepare_na62", "iter_generate_na62", "generate_na62", "na62_histograms", "run_na62",
                   "NA62_RECO_DOCS", "NA62_TRUTH_DOCS", "NA62_HISTOGRAMS", "NA62_LIST_P4", "NA62_LIST_VERTICES", "na62_particles_recipe"},
    detectors.output.root: {"AtomicOutput", "EventWriter", "OutputError", "write_events", "read_events", "read_metadata",
                       "check_complete", "DEFAULT_BASKET_EVENTS", "PARTIAL_SUFFIX", "COMPLETE_KEY", "COMPRESSIONS", "ROOT_FORMATS",
                       "COMPRESSION_PROBE_VALUES", "incompressible_branches"},
    detectors.output.particle_list: {"RECIPE_KEY", "COMPACT_FIELD", "KEY_CODES", "NAMED_P4", "NAMED_VERTEX", "PARTICLE_FIELDS",
                                     "ParticleRecipe", "NamedListRecipe", "recipe_from_json", "compact_particles", "rebuild_particles",
                                     "rebuildable", "warm_kernels"},
    detectors.output.hepmc: {"HepMC3Writer", "NuHepMCRunInfo", "NuHepMCProcess", "NUHEPMC_VERSION", "CONVENTIONS", "BEAM_ENERGY_UNIT",
                      "BEAM_FLUX_UNIT", "PARTICLE_STATUS",
                      "VERTEX_STATUS", "REMNANT_PDG", "HEPMC_SUFFIXES", "write_hepmc3"},
    gen.experiments: {"ALL_FLAVOURS", "DEFAULT_EXPERIMENT", "EXPERIMENTS", "SOURCES", "UNSUPPORTED", "source_entry", "Experiment", "ExperimentError", "ExperimentInfo", "Target",
                      "check_experiment_name", "experiment_info", "experiment_names", "get_experiment", "library_experiment",
                      "load_experiment_file"},
    gen.output.nuhepmc: {"nuhepmc_run_info", "flux_averaged_xsec_pb", "PROCESSES", "ADDITIONAL_PARTICLES"},
}


def test_gen_generate_shortcut():
    import gen

    assert gen.generate is gen.sources.upscattering.generate


def test_public_api_is_pinned():
    for mod, names in API.items():
        assert set(mod.__all__) == names, mod.__name__
        for n in names:
            assert hasattr(mod, n), f"{mod.__name__}.{n}"
