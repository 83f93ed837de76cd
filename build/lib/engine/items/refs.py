"""Human-readable reference numbers, unique per jurisdiction and year: 5101-2026-000042."""

from __future__ import annotations

from sqlalchemy import Connection, insert, update
from sqlalchemy.exc import IntegrityError

from engine.storage import COUNTER


def next_ref(conn: Connection, jurisdiction_id: int, code: str, year: int) -> str:
    """Allocate the next number inside the caller's transaction (the row lock on the counter
    serialises concurrent creators in one jurisdiction; the first of a year inserts it)."""
    where = (COUNTER.c.jurisdiction_id == jurisdiction_id, COUNTER.c.year == year)
    for _ in range(3):
        n = conn.execute(update(COUNTER).where(*where).values(last=COUNTER.c.last + 1)
                         .returning(COUNTER.c.last)).scalar()
        if n is not None:
            return f"{code}-{year}-{n:06d}"
        try:
            with conn.begin_nested():
                conn.execute(insert(COUNTER).values(jurisdiction_id=jurisdiction_id, year=year,
                                                    last=1))
            return f"{code}-{year}-{1:06d}"
        except IntegrityError:  # another creator inserted the year's row first; bump it
            continue
    raise RuntimeError("could not allocate a reference number")  # pragma: no cover
