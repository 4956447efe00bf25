"""Timeline of a cold start: when each outermost numba compilation starts and ends, in both processes.

``HNLGEN_CACHE_DIR=$(mktemp -d) python validation/benchmarks/cold_start_timeline.py run CARD -n 20000 -o x.root``
runs ``hnlgen run`` in this process with a listener on numba's ``numba:compile`` events and starts the
precompile helper (``gen.core.precompile``) as ``python this_file --helper``, which prints its own events
(prefixed ``H``; nested ones indented) on the same clock (seconds since the parent started, passed in
``HNLGEN_T0``). Lines ``wait begin`` / ``wait end`` bracket the parent's wait for the helper. The
instrumented helper exits normally (not with ``os._exit``), so its teardown shows after its last line.
Issue 16's cold-start work was planned from these timelines (README, Development).
"""

import os
import sys
import time

T0 = float(os.environ.get("HNLGEN_T0", time.time()))
_depth = [0]
_starts = []


def _now():
    return time.time() - T0


def _listen(prefix, max_depth):
    import numba.core.event as ev

    class Listener(ev.Listener):
        def on_start(self, event):
            d = event.data.get("dispatcher") if event.data else None
            _starts.append((_now(), getattr(getattr(d, "py_func", None), "__qualname__", "?"), _depth[0]))
            _depth[0] += 1

        def on_end(self, event):
            _depth[0] -= 1
            t, name, depth = _starts.pop()
            if depth <= max_depth:
                print(f"  {prefix}{'  ' * depth}compile {t:6.2f} -> {_now():6.2f}  ({_now() - t:5.2f}) {name}", file=sys.stderr)

    ev.register("numba:compile", Listener())


def _helper(job=None) -> int:
    _listen("H ", 1)
    from gen.core import precompile

    run_units = precompile.run_units

    def timed_units(claims, units):
        done = run_units(claims, units)
        if done:
            print(f"  H units run here {_now():.2f}: {', '.join(u.rpartition(':')[2] for u in done)}", file=sys.stderr)
        return done

    precompile.run_units = timed_units
    precompile._main(job)
    print(f"  H end {_now():.2f}", file=sys.stderr)
    return 0


def _parent(argv) -> int:
    os.environ["HNLGEN_T0"] = repr(T0)
    _listen("", 0)
    from gen.core import precompile

    def command(job=None):
        print(f"  helper start {_now():.2f} {job or 'upscattering event kernel, then the late units'}", file=sys.stderr)
        return [sys.executable, __file__, "--helper", *([job] if job else [])]

    wait, run_units = precompile.wait, precompile.run_units

    def timed_wait(proc, also=()):
        print(f"  wait begin {_now():.2f}", file=sys.stderr)
        wait(proc, also)
        print(f"  wait end {_now():.2f}", file=sys.stderr)

    def timed_units(claims, units, skip=()):
        done = run_units(claims, units, skip)
        print(f"  units run here {_now():.2f}: {', '.join(u.rpartition(':')[2] for u in done) or '-'}", file=sys.stderr)
        return done

    precompile._helper_command, precompile.wait, precompile.run_units = command, timed_wait, timed_units
    precompile._HELPER_STDERR = None  # the helper prints its events on this stderr
    from gen.cli.app import main

    rc = main(argv)
    print(f"  end {_now():.2f}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(_helper(*sys.argv[2:3]) if sys.argv[1:2] == ["--helper"] else _parent(sys.argv[1:]))
