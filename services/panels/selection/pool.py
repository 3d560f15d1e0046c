"""The pool of volunteers and the quotas a panel must meet, and loading both from CSV.

Two CSV dialects are understood for the quota ("features" / "categories") file:

* Sortition Foundation: ``feature,value,min,max[,min_flex,max_flex]``
* Flanigan et al. replication data: ``category,feature,min,max`` (their "category" is our
  *feature*, their "feature" is our *value*).

The people ("respondents" / "candidates") file has one row per person and one column per
feature; any other columns are kept (so the chosen rows can be written back out) but ignored
by the selection.  Feature names and values are matched case-insensitively after trimming
whitespace; the spelling used in the quota file is the one kept.

Row numbers in error messages are spreadsheet row numbers: the header is row 1, the first
person (or quota) is row 2.  When no id column is given, a person's id is that row number.

Loading is all-or-nothing: it returns a complete :class:`Pool` or raises :class:`PoolError`.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path


class PoolError(ValueError):
    """Bad input data.  ``row`` and ``column`` say where (either may be ``None``)."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None,
                 file: str | None = None):
        self.row = row
        self.column = column
        self.file = file
        self.plain_message = message
        where = []
        if file:
            where.append(f"in {file}")
        if row is not None:
            where.append(f"row {row}")
        if column is not None:
            where.append(f"column '{column}'")
        prefix = (", ".join(where) + ": ") if where else ""
        super().__init__(prefix[:1].upper() + prefix[1:] + message if prefix else message)


@dataclass(frozen=True)
class Quota:
    """How many panel members must have ``feature == value``: between ``min`` and ``max``.

    ``min_flex``/``max_flex`` (optional) are the furthest the organisers are willing to relax
    the quota if the quotas cannot all be met (``min_flex <= min <= max <= max_flex``).
    """

    feature: str
    value: str
    min: int
    max: int
    min_flex: int | None = None
    max_flex: int | None = None

    def as_dict(self) -> dict:
        d = {"feature": self.feature, "value": self.value, "min": self.min, "max": self.max}
        if self.min_flex is not None:
            d["min_flex"] = self.min_flex
        if self.max_flex is not None:
            d["max_flex"] = self.max_flex
        return d


@dataclass(frozen=True)
class Person:
    """One volunteer.  ``values`` lines up with :attr:`Pool.features`."""

    id: str
    values: tuple[str, ...]
    household: str | None = None
    row: int | None = None
    data: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)


def _key(text: str) -> str:
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class Pool:
    """Volunteers plus quotas.  Build with :func:`make_pool` or :func:`load_pool`."""

    features: tuple[str, ...]
    values: Mapping[str, tuple[str, ...]]  # feature -> its values, in quota-file order
    quotas: Mapping[tuple[str, str], Quota]  # (feature, value) -> quota
    people: tuple[Person, ...]
    columns: tuple[str, ...] = ()  # header of the people file, if loaded from CSV

    def __len__(self) -> int:
        return len(self.people)

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.people]

    def index_of(self) -> dict[str, int]:
        return {p.id: i for i, p in enumerate(self.people)}

    def quota_list(self) -> list[Quota]:
        return [self.quotas[(f, v)] for f in self.features for v in self.values[f]]

    def check_panel_size(self, panel_size: int) -> None:
        if isinstance(panel_size, bool) or not isinstance(panel_size, int):
            raise PoolError(f"the panel size must be a whole number, not {panel_size!r}",
                            column="panel size")
        if panel_size < 1:
            raise PoolError(f"the panel size must be at least 1, not {panel_size}",
                            column="panel size")
        if panel_size > len(self.people):
            raise PoolError(
                f"the panel size {panel_size} is bigger than the pool: only "
                f"{len(self.people)} people volunteered", column="panel size")

    def snapshot(self) -> dict:
        """Canonical, name-free snapshot: ids, feature values and household keys hashed.

        Household keys are themselves addresses, so only a short hash of each is included.
        """
        people = []
        for p in sorted(self.people, key=lambda p: p.id):
            entry = {"id": p.id, "values": dict(zip(self.features, p.values, strict=True))}
            if p.household is not None:
                entry["household"] = hashlib.sha256(p.household.encode()).hexdigest()[:16]
            people.append(entry)
        return {"features": {f: list(self.values[f]) for f in self.features}, "people": people}

    def snapshot_hash(self) -> str:
        text = json.dumps(self.snapshot(), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def make_pool(quotas: Iterable[Quota], people: Iterable[Person | Mapping],
              panel_size: int | None = None, columns: Sequence[str] = ()) -> Pool:
    """Validate and build a pool from plain Python objects (no CSV).

    ``people`` may be :class:`Person` objects (``values`` in feature order) or mappings with
    keys ``id``, ``features`` (mapping feature -> value) and optionally ``household``.
    """
    features: list[str] = []
    values: dict[str, list[str]] = {}
    qmap: dict[tuple[str, str], Quota] = {}
    fkey: dict[str, str] = {}
    vkey: dict[str, dict[str, str]] = {}
    for n, q in enumerate(quotas):
        row = n + 2
        _check_quota_numbers(q, row)
        fk = _key(q.feature)
        if not fk:
            raise PoolError("the feature name is empty", row=row, column="feature")
        if not _key(q.value):
            raise PoolError("the value is empty", row=row, column="value")
        if fk not in fkey:
            fkey[fk] = q.feature.strip()
            features.append(fkey[fk])
            values[fkey[fk]] = []
            vkey[fkey[fk]] = {}
        f = fkey[fk]
        vk = _key(q.value)
        if vk in vkey[f]:
            raise PoolError(f"the value '{q.value.strip()}' of feature '{f}' is listed twice",
                            row=row, column="value")
        v = q.value.strip()
        vkey[f][vk] = v
        values[f].append(v)
        qmap[(f, v)] = Quota(f, v, q.min, q.max, q.min_flex, q.max_flex)
    if not features:
        raise PoolError("there are no quotas: the features file has no rows")

    plist: list[Person] = []
    seen: dict[str, int] = {}
    for n, p in enumerate(people):
        row = n + 2
        if isinstance(p, Person):
            pid, raw_vals, household, prow, data = p.id, p.values, p.household, p.row, p.data
            if len(raw_vals) != len(features):
                raise PoolError(f"person {pid} has {len(raw_vals)} feature values but there are "
                                f"{len(features)} features", row=prow or row)
            by_feature = dict(zip(features, raw_vals, strict=True))
        else:
            pid = p.get("id")
            household = p.get("household")
            prow = p.get("row")
            data = p.get("data", {})
            given = {_key(k): v for k, v in (p.get("features") or {}).items()}
            by_feature = {}
            for f in features:
                if _key(f) not in given:
                    raise PoolError(f"person {pid} has no value for feature '{f}'",
                                    row=prow or row, column=f)
                by_feature[f] = given[_key(f)]
        prow = prow or row
        pid = "" if pid is None else str(pid).strip()
        if not pid:
            raise PoolError("the person's id is empty", row=prow, column="id")
        if pid in seen:
            raise PoolError(f"the id '{pid}' is used twice (first on row {seen[pid]})",
                            row=prow, column="id")
        seen[pid] = prow
        vals = []
        for f in features:
            raw = by_feature[f]
            vk = _key(raw if raw is not None else "")
            if vk not in vkey[f]:
                known = ", ".join(values[f])
                shown = "" if raw is None else str(raw).strip()
                if not shown:
                    msg = f"the value for '{f}' is empty; expected one of: {known}"
                else:
                    msg = (f"'{shown}' is not a known value of '{f}'; "
                           f"expected one of: {known}")
                raise PoolError(msg, row=prow, column=f)
            vals.append(vkey[f][vk])
        hh = None if household is None or not str(household).strip() else _key(household)
        plist.append(Person(pid, tuple(vals), hh, prow, dict(data)))
    if not plist:
        raise PoolError("the pool is empty: nobody is in the people file")
    pool = Pool(tuple(features), {f: tuple(v) for f, v in values.items()}, qmap, tuple(plist),
                tuple(columns))
    if panel_size is not None:
        pool.check_panel_size(panel_size)
    return pool


def _check_quota_numbers(q: Quota, row: int) -> None:
    for name in ("min", "max", "min_flex", "max_flex"):
        value = getattr(q, name)
        if value is None and name in ("min_flex", "max_flex"):
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise PoolError(f"'{value}' is not a whole number", row=row, column=name)
        if value < 0:
            raise PoolError(f"{value} is negative; quotas must be 0 or more", row=row, column=name)
    label = f"{q.feature.strip()}={q.value.strip()}"
    if q.min > q.max:
        raise PoolError(f"the minimum {q.min} for {label} is larger than its maximum {q.max}",
                        row=row, column="min")
    if q.min_flex is not None and q.min_flex > q.min:
        raise PoolError(f"min_flex {q.min_flex} for {label} is larger than its minimum {q.min}",
                        row=row, column="min_flex")
    if q.max_flex is not None and q.max_flex < q.max:
        raise PoolError(f"max_flex {q.max_flex} for {label} is smaller than its maximum {q.max}",
                        row=row, column="max_flex")


# --------------------------------------------------------------------------- CSV reading

def _read_csv(source, label: str) -> tuple[list[str], list[list[str]]]:
    """Return (header, rows) from a path or file-like object, as text."""
    try:
        if hasattr(source, "read"):
            text = source.read()
            if isinstance(text, bytes):
                text = text.decode("utf-8-sig")
        else:
            text = Path(source).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise PoolError(f"the file {source} does not exist", file=label) from None
    except UnicodeDecodeError as exc:
        raise PoolError(f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})",
                        file=label) from None
    except OSError as exc:
        raise PoolError(f"the file {source} cannot be read: {exc.strerror}", file=label) from None
    text = text.lstrip("\ufeff")
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise PoolError(f"the file is not valid CSV: {exc}", file=label) from None
    rows = list(rows)
    if not rows or not any(c.strip() for c in rows[0]):
        raise PoolError("the file is empty: expected a header row", row=1, file=label)
    header = [c.strip() for c in rows[0]]
    return header, rows[1:]


def _int_cell(text: str, row: int, column: str, label: str) -> int:
    t = text.strip()
    try:
        value = int(t)
    except ValueError:
        try:
            f = float(t)
        except ValueError:
            f = None
        if f is not None and f.is_integer():
            value = int(f)
        else:
            shown = f"'{t}'" if t else "an empty cell"
            raise PoolError(f"{shown} is not a whole number", row=row, column=column,
                            file=label) from None
    return value


def load_quotas(source, label: str | None = None) -> list[Quota]:
    """Read a quota file in either dialect; returns the quotas in file order."""
    label = label or (str(source) if not hasattr(source, "read") else "features file")
    header, rows = _read_csv(source, label)
    cols = {_key(c): i for i, c in enumerate(header)}
    if "category" in cols and "feature" in cols and "value" not in cols:
        fcol, vcol = "category", "feature"
    else:
        fcol, vcol = "feature", "value"
    for needed in (fcol, vcol, "min", "max"):
        if needed not in cols:
            raise PoolError(
                f"the column '{needed}' is missing; the header must be "
                "feature,value,min,max[,min_flex,max_flex] (or category,feature,min,max)",
                row=1, column=needed, file=label)
    quotas = []
    for n, r in enumerate(rows):
        rown = n + 2
        if not any(c.strip() for c in r):
            continue
        if len(r) < len(header):
            r = r + [""] * (len(header) - len(r))

        def cell(name, r=r):
            return r[cols[name]]

        f, v = cell(fcol).strip(), cell(vcol).strip()
        if not f:
            raise PoolError("the feature name is empty", row=rown, column=header[cols[fcol]],
                            file=label)
        if not v:
            raise PoolError("the value is empty", row=rown, column=header[cols[vcol]], file=label)
        lo = _int_cell(cell("min"), rown, header[cols["min"]], label)
        hi = _int_cell(cell("max"), rown, header[cols["max"]], label)
        flex = {}
        for name in ("min_flex", "max_flex"):
            if name in cols and cell(name).strip():
                flex[name] = _int_cell(cell(name), rown, header[cols[name]], label)
        quotas.append((rown, Quota(f, v, lo, hi, flex.get("min_flex"), flex.get("max_flex"))))
    if not quotas:
        raise PoolError("there are no quotas: the file has a header but no rows", row=2,
                        file=label)
    # Validate numbers and duplicates here so the row numbers are the file's own.
    seen = {}
    for rown, q in quotas:
        try:
            _check_quota_numbers(q, rown)
        except PoolError as exc:
            raise PoolError(exc.plain_message, row=rown, column=exc.column, file=label) from None
        k = (_key(q.feature), _key(q.value))
        if k in seen:
            raise PoolError(f"the value '{q.value}' of feature '{q.feature}' is listed twice "
                            f"(first on row {seen[k]})", row=rown, column=header[cols[vcol]],
                            file=label)
        seen[k] = rown
    return [q for _, q in quotas]


def load_pool(features, people, panel_size: int | None = None, id_column: str | None = None,
              address_columns: Sequence[str] | str | None = None) -> Pool:
    """Load quotas and people from CSV (paths or open text files) and validate them.

    ``address_columns``: columns joined (case/space-insensitively) into a household key; at
    most one person per household may be selected.  A list or a comma-separated string.
    """
    flabel = str(features) if not hasattr(features, "read") else "features file"
    plabel = str(people) if not hasattr(people, "read") else "people file"
    quotas = load_quotas(features, flabel)
    header, rows = _read_csv(people, plabel)
    cols: dict[str, int] = {}
    for i, c in enumerate(header):
        k = _key(c)
        if not k:
            continue
        if k in cols:
            raise PoolError(f"the column '{c}' appears twice in the header", row=1, column=c,
                            file=plabel)
        cols[k] = i
    # feature columns
    feature_names = []
    for q in quotas:
        if q.feature not in feature_names and _key(q.feature) not in {
                _key(f) for f in feature_names}:
            feature_names.append(q.feature)
    for f in feature_names:
        if _key(f) not in cols:
            raise PoolError(f"the column '{f}' is missing, but the features file has quotas "
                            f"for it (columns found: {', '.join(header)})",
                            row=1, column=f, file=plabel)
    id_idx = None
    if id_column:
        if _key(id_column) not in cols:
            raise PoolError(f"the id column '{id_column}' is missing (columns found: "
                            f"{', '.join(header)})", row=1, column=id_column, file=plabel)
        id_idx = cols[_key(id_column)]
    if isinstance(address_columns, str):
        address_columns = [a for a in address_columns.split(",") if a.strip()]
    addr_idx = []
    for a in address_columns or ():
        if _key(a) not in cols:
            raise PoolError(f"the address column '{a.strip()}' is missing (columns found: "
                            f"{', '.join(header)})", row=1, column=a.strip(), file=plabel)
        addr_idx.append(cols[_key(a)])

    records = []
    for n, r in enumerate(rows):
        rown = n + 2
        if not any(c.strip() for c in r):
            continue
        if len(r) > len(header) and any(c.strip() for c in r[len(header):]):
            raise PoolError(f"this row has {len(r)} cells but the header has {len(header)}",
                            row=rown, file=plabel)
        r = (r + [""] * len(header))[:len(header)]
        pid = r[id_idx].strip() if id_idx is not None else str(rown)
        if not pid:
            raise PoolError("the id is empty", row=rown, column=header[id_idx], file=plabel)
        household = None
        if addr_idx:
            parts = [_key(r[i]) for i in addr_idx]
            if any(parts):
                household = "|".join(parts)
        records.append({
            "id": pid,
            "row": rown,
            "household": household,
            "features": {f: r[cols[_key(f)]] for f in feature_names},
            "data": dict(zip(header, r, strict=True)),
        })
    try:
        return make_pool(quotas, records, panel_size=panel_size, columns=header)
    except PoolError as exc:
        column = exc.column
        if column == "id" and id_column:
            column = header[id_idx]
        elif column in feature_names:
            column = header[cols[_key(column)]]
        if exc.plain_message.startswith("there are no quotas"):
            file = flabel
        elif column == "panel size":
            file = None
        else:
            file = plabel
        raise PoolError(exc.plain_message, row=exc.row, column=column, file=file) from None
