"""Benchmark Involve's panel selection against the reference ``sortition-algorithms`` package.

    python bench/bench_panels.py [--quick] [--reference-python PATH] [--leximin-limit SECONDS]
    python bench/bench_panels.py --variants [--variant-limit SECONDS]

For every instance (the shared public pools and seeded synthetic pools from
``bench/synthetic_pools.py``) this runs Involve's MAXIMIN and LEXIMIN and, if available, the
reference package's MAXIMIN (its LEXIMIN needs Gurobi, which we do not have), and prints n, k,
times, the time ratio and the minimum selection probabilities.

The reference package is an optional, benchmark-only dependency (GPL, many dependencies).  It
is best kept out of the project's venv::

    python -m venv /tmp/sa-venv && /tmp/sa-venv/bin/pip install sortition-algorithms
    python bench/bench_panels.py --reference-python /tmp/sa-venv/bin/python

(or set ``SORTITION_ALGORITHMS_PYTHON``).  It is run in a subprocess, on the same CSV files.

``--variants`` measures LEXIMIN one change at a time on the two large pools (the table in
docs/panel-selection.md): column generation with exact stages, then the gap rule, interior
duals, more columns per master solve, dual smoothing, and finally the LP relaxation with one
decomposition. Each run is stopped after ``--variant-limit`` seconds.

The machine's load average is printed before and after each measurement: the development
machine is shared, and a loaded machine makes every time longer.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import synthetic_pools

from involve.panels.selection import SelectionCancelled, find_distribution, load_pool
from involve.panels.selection.colgen import StageOptions, find_distribution_colgen
from involve.panels.selection.distribution import Monitor
from involve.panels.selection.model import build_model

# The public test pools live in shared/ beside the repository (see its README).
DATA = Path(os.environ.get("INVOLVE_SORTITION_DATA",
                           HERE.parent.parent / "shared" / "data" / "sortition"))

REFERENCE_RUNNER = r'''
import json, sys, time
from pathlib import Path
from sortition_algorithms.adapters import CSVFileDataSource, SelectionData
from sortition_algorithms.settings import Settings
from sortition_algorithms.committee_generation.maximin import find_distribution_maximin
features, people, k, idcol, addr = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
addr_cols = [a for a in addr.split(",") if a]
src = CSVFileDataSource(features_file=Path(features), people_file=Path(people),
                        already_selected_file=None, selected_file=Path("/dev/null"),
                        remaining_file=Path("/dev/null"))
sd = SelectionData(src)
fc, _ = sd.load_features(k)
settings = Settings(id_column=idcol, columns_to_keep=[], check_same_address=bool(addr_cols),
                    check_same_address_columns=addr_cols)
pp, _ = sd.load_people(settings, fc)
t = time.perf_counter()
committees, probs, _ = find_distribution_maximin(fc, pp, k, addr_cols)
secs = time.perf_counter() - t
marg = {pid: 0.0 for pid in pp}
for c, p in zip(committees, probs):
    for pid in c:
        marg[pid] += p
print("\nRESULT " + json.dumps({"seconds": secs, "min": min(marg.values())}))
'''


def flanigan_to_sf(folder: Path, out: Path) -> tuple[Path, Path]:
    """Flanigan example -> Sortition Foundation CSVs with an explicit id column."""
    out.mkdir(parents=True, exist_ok=True)
    f_out, p_out = out / "features.csv", out / "people.csv"
    with open(folder / "categories.csv") as fh, open(f_out, "w", newline="") as oh:
        w = csv.writer(oh)
        w.writerow(["feature", "value", "min", "max"])
        for row in csv.DictReader(fh):
            w.writerow([row["category"], row["feature"], row["min"], row["max"]])
    with open(folder / "respondents.csv") as fh, open(p_out, "w", newline="") as oh:
        r = csv.reader(fh)
        header = next(r)
        w = csv.writer(oh)
        w.writerow(["id", *header])
        for n, row in enumerate(r):
            w.writerow([str(n + 2), *row])  # same ids as Involve's row-number default
    return f_out, p_out


def instances(quick: bool, tmp: Path):
    """Yield (name, features csv, people csv, k, id column, address columns)."""
    if (DATA / "flanigan2021_example_small_20").exists():
        f, p = flanigan_to_sf(DATA / "flanigan2021_example_small_20", tmp / "small")
        yield "flanigan example_small_20", f, p, 20, "id", ""
    sf = DATA / "sortition_foundation_fixture_150_22"
    if sf.exists():
        yield ("sortition-foundation fixture", sf / "features.csv", sf / "candidates.csv", 22,
               "nationbuilder_id", "primary_address1,primary_zip")
    f, p = synthetic_pools.write(tmp / "syn300", people=300, panel_size=30, seed=2)
    yield "synthetic 300/30 (seed 2)", f, p, 30, "id", "address,postcode"
    if quick:
        return
    if (DATA / "flanigan2021_example_large_200").exists():
        f, p = flanigan_to_sf(DATA / "flanigan2021_example_large_200", tmp / "large")
        yield "flanigan example_large_200", f, p, 200, "id", ""
    f, p = synthetic_pools.write(tmp / "syn2000_100", people=2000, panel_size=100, seed=1)
    yield "synthetic 2000/100 (seed 1)", f, p, 100, "id", "address,postcode"
    f, p = synthetic_pools.write(tmp / "syn2000_100_4", people=2000, panel_size=100, seed=3,
                                 categories=4)
    yield "synthetic 2000/100, 4 categories (seed 3)", f, p, 100, "id", "address,postcode"
    yield sf_e_shaped(tmp)


def sf_e_shaped(tmp: Path):
    shape = synthetic_pools.SF_E_SHAPE
    f, p = synthetic_pools.write(tmp / "sf_e_shaped", people=shape["people"],
                                 panel_size=shape["panel_size"], seed=5,
                                 categories=shape["categories"])
    return ("sf_e-shaped 1727/110, 7 categories (seed 5)", f, p, shape["panel_size"], "id",
            "address,postcode")


def large_pools(tmp: Path):
    f, p = synthetic_pools.write(tmp / "syn2000_100", people=2000, panel_size=100, seed=1)
    yield "synthetic 2000/100 (seed 1)", f, p, 100, "id", "address,postcode"
    yield sf_e_shaped(tmp)


def load_avg() -> str:
    try:
        return "/".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:  # pragma: no cover
        return "?"


def run_ours(f, p, k, idcol, addr, algorithm, limit):
    pool = load_pool(f, p, panel_size=k, id_column=idcol or None, address_columns=addr or None)
    load = load_avg()
    start = time.perf_counter()
    try:
        dist = find_distribution(pool, k, algorithm, seed=1,
                                 should_stop=lambda: time.perf_counter() - start > limit)
    except SelectionCancelled:
        return {"seconds": time.perf_counter() - start, "min": None, "n": len(pool),
                "stopped": True, "load": load}
    accuracy = dist.info.get("accuracy") or {}
    return {"seconds": time.perf_counter() - start, "min": dist.minimum_probability,
            "n": len(pool), "types": dist.model.n_types, "load": load,
            "accuracy": accuracy.get("reached"), "method": accuracy.get("method")}


VARIANTS = [
    ("column generation, exact stages (pricing tolerance 1e-9, vertex duals)",
     {"options": StageOptions()}),
    ("+ gap rule: stop a stage at gap <= delta * w, fix types with w >= gap / delta",
     {"options": StageOptions(accuracy=1e-5)}),
    ("+ interior duals (IPM, no crossover), priced out, decide what to fix",
     {"options": StageOptions(accuracy=1e-5, interior=True)}),
    ("+ 10 swap-improved panels per master solve (instead of 3)",
     {"options": StageOptions(accuracy=1e-5, interior=True, starts=10)}),
    ("+ Wentges dual smoothing (alpha 0.5) in pricing",
     {"options": StageOptions(accuracy=1e-5, interior=True, starts=10, smoothing=0.5)}),
    ("LP relaxation's LEXIMIN, then one decomposition (the default)", {"relaxation": True}),
]


def run_variant(f, p, k, idcol, addr, variant: dict, limit: float) -> dict:
    pool = load_pool(f, p, panel_size=k, id_column=idcol or None, address_columns=addr or None)
    load = load_avg()
    start = time.perf_counter()
    stop = lambda: time.perf_counter() - start > limit  # noqa: E731
    last = {"fraction": None}

    def progress(fraction, message):
        if fraction is not None:
            last["fraction"] = fraction

    try:
        if variant.get("relaxation"):
            dist = find_distribution(pool, k, "leximin", seed=1, should_stop=stop,
                                     progress=progress)
        else:
            dist = find_distribution_colgen(build_model(pool, k), "leximin", seed=1,
                                            monitor=Monitor(progress, stop),
                                            options=variant["options"])
    except SelectionCancelled:
        return {"seconds": time.perf_counter() - start, "stopped": True, "load": load,
                "fixed": last["fraction"]}
    info = dist.info
    return {"seconds": time.perf_counter() - start, "min": dist.minimum_probability,
            "stages": info.get("stages"), "columns": info.get("columns"),
            "mip_solves": info.get("mip_solves"), "load": load,
            "bound": (info.get("accuracy") or {}).get("reached", info.get("bound"))}


def medium_pools(tmp: Path):
    sf = DATA / "sortition_foundation_fixture_150_22"
    if sf.exists():
        yield ("sortition-foundation fixture", sf / "features.csv", sf / "candidates.csv", 22,
               "nationbuilder_id", "primary_address1,primary_zip")
    f, p = synthetic_pools.write(tmp / "syn300", people=300, panel_size=30, seed=2)
    yield "synthetic 300/30 (seed 2)", f, p, 30, "id", "address,postcode"


def variants_main(limit: float, medium: bool = False) -> int:
    print(f"LEXIMIN one change at a time (each stopped after {limit:g} s)\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        pools = list((medium_pools if medium else large_pools)(Path(tmp)))
        for label, variant in VARIANTS:
            for name, f, p, k, idcol, addr in pools:
                r = run_variant(f, p, k, idcol, addr, variant, limit)
                rows.append((label, name, r))
                print(f"{label} | {name} | "
                      + (f"stopped after {r['seconds']:.0f} s with "
                         f"{fmt(r.get('fixed'), '.0%')} of people fixed"
                         if r.get("stopped") else
                         f"{r['seconds']:.1f} s, min {r['min']:.10f}, stages {r['stages']}, "
                         f"panels {r['columns']}, MIPs {r['mip_solves']}, "
                         f"stated error {fmt(r['bound'], '.1e')}")
                      + f" | load {r['load']}", flush=True)
    return 0


def run_reference(python, f, p, k, idcol, addr, timeout):
    if not python:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as fh:
        fh.write(REFERENCE_RUNNER)
        script = fh.name
    try:
        res = subprocess.run([python, script, str(f), str(p), str(k), idcol, addr],
                             capture_output=True, text=True, timeout=timeout,
                             check=False)
    except subprocess.TimeoutExpired:
        return {"seconds": timeout, "min": None, "error": f"timed out after {timeout} s"}
    finally:
        os.unlink(script)
    for line in res.stdout.splitlines()[::-1]:
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return {"seconds": None, "min": None, "error": (res.stderr or res.stdout)[-300:]}


def find_reference_python(arg: str | None) -> str | None:
    for candidate in (arg, os.environ.get("SORTITION_ALGORITHMS_PYTHON")):
        if candidate:
            return candidate
    try:
        import sortition_algorithms  # noqa: F401
        return sys.executable
    except ImportError:
        return None


def fmt(x, spec=".6f"):
    return "-" if x is None else format(x, spec)


def main() -> int:
    ap = argparse.ArgumentParser(description="Involve panel selection benchmark")
    ap.add_argument("--quick", action="store_true", help="small instances only")
    ap.add_argument("--reference-python", default=None,
                    help="python with sortition-algorithms installed")
    ap.add_argument("--reference-timeout", type=float, default=3600)
    ap.add_argument("--reference-skip", action="append", default=[], metavar="TEXT",
                    help="do not run the reference on instances whose name contains TEXT "
                         "(e.g. example_large_200, where it did not finish in 16 minutes)")
    ap.add_argument("--leximin-limit", type=float, default=600,
                    help="stop our LEXIMIN after this many seconds")
    ap.add_argument("--json", dest="json_out", default=None, help="also write results here")
    ap.add_argument("--instance", nargs=3, action="append", default=[],
                    metavar=("FEATURES.csv", "PEOPLE.csv", "K"),
                    help="add an instance of your own (Sortition Foundation CSV formats); repeat "
                         "for more. With --only-mine, run only these")
    ap.add_argument("--id-column", default=None, help="id column of your own instances")
    ap.add_argument("--address-columns", default=None,
                    help="household columns of your own instances, comma-separated")
    ap.add_argument("--only-mine", action="store_true", help="skip the built-in instances")
    ap.add_argument("--variants", action="store_true",
                    help="measure LEXIMIN one change at a time on the two large pools")
    ap.add_argument("--variant-limit", type=float, default=150)
    ap.add_argument("--variant-pools", choices=("large", "medium"), default="large",
                    help="the 2,000-person pools (default) or the 150- and 300-person ones")
    args = ap.parse_args()
    if args.variants:
        return variants_main(args.variant_limit, medium=args.variant_pools == "medium")
    ref_python = find_reference_python(args.reference_python)
    if ref_python is None:
        print("sortition-algorithms not found: reference columns will be empty "
              "(see --reference-python)\n")
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        mine = [(f"yours: {Path(people).name}", Path(features), Path(people), int(k),
                 args.id_column or "", args.address_columns or "")
                for features, people, k in args.instance]
        built_in = [] if args.only_mine else list(instances(args.quick, Path(tmp)))
        for name, f, p, k, idcol, addr in built_in + mine:
            print(f"== {name}", flush=True)
            mx = run_ours(f, p, k, idcol, addr, "maximin", 1e9)
            lx = run_ours(f, p, k, idcol, addr, "leximin", args.leximin_limit)
            skip = any(text in name for text in args.reference_skip)
            ref = None if skip else run_reference(ref_python, f, p, k, idcol, addr,
                                                  args.reference_timeout)
            row = {"instance": name, "n": mx["n"], "k": k, "types": mx.get("types"),
                   "ours_maximin": mx, "ours_leximin": lx, "reference_maximin": ref}
            results.append(row)
            ratio = (ref["seconds"] / mx["seconds"]) if ref and ref.get("min") is not None \
                else None
            diff = (mx["min"] - ref["min"]) if ref and ref.get("min") is not None else None
            print(f"   n={mx['n']} k={k} types={mx.get('types')}")
            print(f"   MAXIMIN ours {mx['seconds']:.2f} s, min p {fmt(mx['min'])} | reference "
                  f"{fmt(ref and ref.get('seconds'), '.2f')} s, min p "
                  f"{fmt(ref and ref.get('min'))} | ref/ours time x{fmt(ratio, '.1f')} | "
                  f"ours - ref = {fmt(diff, '+.2e')}"
                  + (f"  ({ref['error']})" if ref and ref.get("error") else ""))
            print(f"   LEXIMIN ours {lx['seconds']:.2f} s, min p {fmt(lx['min'])}, stated error "
                  f"{fmt(lx.get('accuracy'), '.1e')} ({lx.get('method')})"
                  + ("  (stopped at the time limit)" if lx.get("stopped") else "")
                  + f" | load before each run: maximin {mx['load']}, leximin {lx['load']}",
                  flush=True)
    print("\ninstance | n | k | types | ours maximin s | ref maximin s | ratio | ours min | "
          "ref min | diff | ours leximin s | leximin min | leximin - ref min | stated error")
    for r in results:
        mx, lx, ref = r["ours_maximin"], r["ours_leximin"], r["reference_maximin"] or {}
        ratio = ref["seconds"] / mx["seconds"] if ref.get("min") is not None else None
        diff = mx["min"] - ref["min"] if ref.get("min") is not None else None
        lref = lx["min"] - ref["min"] if ref.get("min") is not None and lx["min"] is not None \
            else None
        print(f"{r['instance']} | {r['n']} | {r['k']} | {r['types']} | {mx['seconds']:.2f} | "
              f"{fmt(ref.get('seconds'), '.2f')} | {fmt(ratio, '.1f')} | {fmt(mx['min'], '.10f')} | "
              f"{fmt(ref.get('min'), '.10f')} | {fmt(diff, '+.1e')} | "
              f"{lx['seconds']:.2f}{' (stopped)' if lx.get('stopped') else ''} | "
              f"{fmt(lx['min'], '.10f')} | {fmt(lref, '+.1e')} | {fmt(lx.get('accuracy'), '.1e')}")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    bad = [r for r in results if (r["reference_maximin"] or {}).get("min") is not None
           and (r["ours_maximin"]["min"] < r["reference_maximin"]["min"] - 1e-9
                or (r["ours_leximin"]["min"] is not None
                    and r["ours_leximin"]["min"] < r["reference_maximin"]["min"] - 1e-9))]
    if bad:
        print("\nOUR MINIMUM PROBABILITY IS BELOW THE REFERENCE ON: "
              + ", ".join(r["instance"] for r in bad))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
