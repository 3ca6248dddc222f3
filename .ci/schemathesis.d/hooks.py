"""schemathesis hooks for the catalog's API (loaded by .ci/schemathesis).

The OpenAPI document describes each parameter of /api/search on its own;
three rules join two parameters, which no JSON Schema of one parameter can
state (the document's descriptions name them, the server answers 400):

- bbox: the minimum is not above the maximum, longitudes within ±180 and
  latitudes within ±90;
- temporal_from is not after temporal_to;
- only the first 10,000 hits can be paged through: (page - 1) * size + size
  <= 10,000, with size capped at 100.

This hook repairs generated values so they keep these rules. It changes only
values that are valid on their own, so a case generated to be invalid stays
invalid and a valid one becomes one the server must accept.
"""

import re

import schemathesis
from hypothesis.internal import lambda_sources

# CPython 3.11.7's ast.parse can raise "SystemError: AST constructor
# recursion depth mismatch" when hypothesis parses a module's source to
# describe a filter's lambda (a name for its repr only); schemathesis then
# reports an error for the operation. A failed description is a plain name.
_describe = lambda_sources.lambda_description


def _lambda_description(f):
    try:
        return _describe(f)
    except SystemError:
        return "lambda"


lambda_sources.lambda_description = _lambda_description

NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
DATE = re.compile(
    r"^([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2})"
    r"(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?)?)?$"
)


def days_from_civil(y, m, d):
    """Days since 1970-01-01, as the server counts them (day 31 of any month allowed)."""
    y = y - 1 if m <= 2 else y
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def seconds(value):
    m = DATE.match(value) if isinstance(value, str) else None
    if m is None:
        return None
    year, month, day, hour, minute, sec, zone = m.groups()
    t = days_from_civil(int(year), int(month or 1), int(day or 1)) * 86400
    t += int(hour or 0) * 3600 + int(minute or 0) * 60 + int(sec or 0)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        t -= sign * (int(zone[1:3]) * 3600 + int(zone[4:6]) * 60)
    return t


def repair_bbox(value):
    parts = value.split(",") if isinstance(value, str) else []
    if len(parts) != 4 or not all(NUMBER.match(p) for p in parts):
        return value
    limits = (180, 90, 180, 90)
    parts = [p if abs(float(p)) <= lim else ("-" if p.startswith("-") else "") + str(lim)
             for p, lim in zip(parts, limits)]
    if float(parts[0]) > float(parts[2]):
        parts[0], parts[2] = parts[2], parts[0]
    if float(parts[1]) > float(parts[3]):
        parts[1], parts[3] = parts[3], parts[1]
    return ",".join(parts)


@schemathesis.hook
def map_query(ctx, query):
    if not query or ctx.operation is None or ctx.operation.path != "/api/search":
        return query
    if "bbox" in query:
        query["bbox"] = repair_bbox(query["bbox"])
    start, end = seconds(query.get("temporal_from")), seconds(query.get("temporal_to"))
    if start is not None and end is not None and start > end:
        query["temporal_from"], query["temporal_to"] = query["temporal_to"], query["temporal_from"]
    page, size = query.get("page"), query.get("size", 10)
    if isinstance(page, int) and isinstance(size, int) and page >= 1 and size >= 0:
        size = min(size, 100)
        if size and (page - 1) * size + size > 10_000:
            query["page"] = max(1, 10_000 // size)
    return query
