"""``involve panels select``: choose a panel from CSV files.

Exit codes: 0 done; 2 bad input (the message names the file, row and column); 3 the quotas
cannot be met (the message explains which and suggests the smallest change); 130 interrupted.
"""

from __future__ import annotations

import csv
import json
import secrets
import sys
import time
from pathlib import Path

import click

from .algorithms import ALGORITHMS, find_distribution
from .draw import draw
from .feasibility import check_feasibility
from .model import InfeasibleQuotasError, SelectionCancelled
from .pool import PoolError, load_pool
from .report import make_report


def _fail(message: str, code: int) -> None:
    click.echo(message, err=True)
    sys.exit(code)


class _Bar:
    """tqdm bar on stderr, created lazily (only shown on a terminal)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def __call__(self, fraction, message):
        if not self.enabled:
            return
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=1000, file=sys.stderr, disable=None, leave=False,
                            bar_format="{l_bar}{bar}| {elapsed} {postfix}")
        if fraction is not None:
            self.bar.n = int(fraction * 1000)
        self.bar.set_description_str("selecting", refresh=False)
        self.bar.set_postfix_str(message[:70], refresh=False)
        self.bar.refresh()

    def close(self):
        if self.bar is not None:
            self.bar.close()


@click.command("select")
@click.option("--features", "features", required=True, metavar="FEATURES.csv",
              type=click.Path(dir_okay=False),
              help="Quotas: feature,value,min,max[,min_flex,max_flex] or "
                   "category,feature,min,max.")
@click.option("--people", "people", required=True, metavar="PEOPLE.csv",
              type=click.Path(dir_okay=False),
              help="Volunteers: one row per person, one column per feature.")
@click.option("--panel-size", "panel_size", required=True, type=int, metavar="K",
              help="Number of people to select.")
@click.option("--algorithm", type=click.Choice(ALGORITHMS, case_sensitive=False),
              default="leximin", show_default=True)
@click.option("--seed", type=int, default=None,
              help="Seed for the draw (random if not given; always recorded).")
@click.option("--id-column", "id_column", default=None, metavar="C",
              help="Column holding each person's id (default: the spreadsheet row number).")
@click.option("--address-columns", "address_columns", default=None, metavar="A,B",
              help="Columns that together identify a household; at most one person per "
                   "household is selected.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--output", "output", default=None, metavar="PANEL.csv",
              type=click.Path(dir_okay=False),
              help="Write the chosen people's rows here (and the audit record beside it as "
                   "PANEL.audit.json).")
@click.option("--accuracy", type=float, default=1e-5, show_default=True, metavar="DELTA",
              help="LEXIMIN: the largest error allowed in anyone's probability against the "
                   "exact LEXIMIN (from 1e-9 to 0.01). The audit record states what was reached.")
@click.option("--lottery", "lottery", type=int, default=None, metavar="M",
              help="Transparent lottery: round the distribution to M listed panels (e.g. 1000), "
                   "each equally likely, and draw one. The audit record lists all M panels.")
@click.option("--lottery-number", "lottery_number", type=int, default=None, metavar="N",
              help="With --lottery: take panel N (1..M), e.g. from dice thrown in public, "
                   "instead of the number the seed draws.")
def select(features, people, panel_size, algorithm, seed, id_column, address_columns, as_json,
           output, accuracy, lottery, lottery_number):
    """Select a panel by fair stratified random selection (sortition)."""
    start = time.perf_counter()
    if lottery is not None and not 2 <= lottery <= 100_000:
        _fail("Error: --lottery must be a whole number of panels from 2 to 100000 (e.g. 1000).",
              2)
    if lottery_number is not None and (lottery is None or not 1 <= lottery_number <= lottery):
        _fail("Error: --lottery-number needs --lottery M and must be from 1 to M.", 2)
    try:
        pool = load_pool(features, people, panel_size=panel_size, id_column=id_column,
                         address_columns=address_columns)
    except PoolError as exc:
        _fail(f"Error: {exc}", 2)
    feasibility = check_feasibility(pool, panel_size)
    if not feasibility.feasible:
        if as_json:
            click.echo(json.dumps({"error": "infeasible", **feasibility.as_dict()}, indent=2))
        _fail(feasibility.message, 3)
    if seed is None:
        seed = secrets.randbits(63)
    bar = _Bar(enabled=True)
    try:
        dist = find_distribution(pool, panel_size, algorithm.lower(), seed=seed, progress=bar,
                                 accuracy=accuracy)
    except InfeasibleQuotasError as exc:  # pragma: no cover - caught by the check above
        bar.close()
        _fail(exc.feasibility.message if exc.feasibility else str(exc), 3)
    except PoolError as exc:
        bar.close()
        _fail(f"Error: {exc}", 2)
    except (KeyboardInterrupt, SelectionCancelled):
        bar.close()
        _fail("Selection cancelled.", 130)
    if lottery is not None:
        bar(None, f"rounding to a lottery over {lottery} panels")
    selection = draw(dist, seed, lottery=lottery, number=lottery_number)
    bar.close()
    seconds = time.perf_counter() - start
    stated = selection.audit.get("accuracy")
    drawn = selection.audit.get("lottery")
    report = make_report(dist, selection.panel)
    audit_path = None
    if output:
        out = Path(output)
        try:
            _write_panel(out, pool, selection.indices)
            audit_path = out.with_name(out.stem + ".audit.json")
            audit_path.write_text(json.dumps(selection.audit, indent=1, ensure_ascii=False))
        except OSError as exc:
            _fail(f"Error: cannot write {output}: {exc.strerror}", 2)
    if as_json:
        click.echo(json.dumps({
            "panel": selection.panel,
            "probabilities": report.probabilities,
            "minimum_probability": report.minimum,
            "seed": selection.seed,
            "algorithm": dist.algorithm,
            "seconds": round(seconds, 3),
            "panel_size": panel_size,
            "pool_size": len(pool.people),
            "gini": report.gini,
            "geometric_mean": report.geometric_mean,
            "quotas": report.quotas,
            "accuracy": stated,
            "lottery": {k: v for k, v in drawn.items() if k != "list"} if drawn else None,
            "audit": selection.audit,
        }, indent=2, ensure_ascii=False))
        return
    text = report.text() + f"\nSeed: {selection.seed}. Took {seconds:.2f} s."
    if stated and dist.algorithm == "leximin":
        text += (f"\nAccuracy: every probability is within {stated['reached']:.1e} of the exact "
                 f"LEXIMIN (asked for {stated['tolerance']:.0e}).")
    if drawn:
        text += (f"\nTransparent lottery: panel {drawn['number']} of {drawn['panels']} "
                 f"({'drawn by the seed' if drawn['number_from'] == 'seed' else 'the number given'}"
                 f"); the lowest chance is {drawn['minimum_probability']:.4f} instead of "
                 f"{drawn['exact_minimum_probability']:.4f} (loss {drawn['loss']:.4f}).")
    if audit_path:
        text += f"\nAudit record: {audit_path} (check it with the seed; no personal data in it)"
    if output:
        click.echo(f"Selected {len(selection.panel)} people; written to {output}.")
        click.echo(text)
    else:
        _write_panel(None, pool, selection.indices)
        click.echo(text, err=True)


def _write_panel(path: Path | None, pool, indices) -> None:
    columns = list(pool.columns) or ["id", *pool.features]
    rows = []
    for i in indices:
        p = pool.people[i]
        if pool.columns:
            rows.append([p.data.get(c, "") for c in columns])
        else:
            rows.append([p.id, *p.values])
    if path is None:
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        writer.writerows(rows)


def main() -> None:  # pragma: no cover
    select()


if __name__ == "__main__":  # pragma: no cover
    main()
