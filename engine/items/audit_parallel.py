"""`leadflow verify` over several processes: chains are independent, so the item id range is
split and each worker checks its part in its own snapshot (each chain within one snapshot)."""

from __future__ import annotations

from sqlalchemy import func, select

from engine.items.audit import ITEMS, VerifyReport, verify
from engine.storage import make_engine, snapshot_tx

# Below this many items a second process costs more than it saves.
MIN_ITEMS_PER_WORKER = 20_000


def _verify_range(url: str, lo: int, hi: int) -> VerifyReport:
    db = make_engine(url)
    try:
        with snapshot_tx(db) as conn:
            return verify(conn, id_range=(lo, hi))
    finally:
        db.dispose()


def verify_all(url: str, *, workers: int = 1) -> VerifyReport:
    """Verify every chain of the database at `url`, in up to `workers` processes."""
    db = make_engine(url)
    try:
        with snapshot_tx(db) as conn:
            lo, hi, count = conn.execute(select(func.min(ITEMS.c.id), func.max(ITEMS.c.id),
                                                func.count()).select_from(ITEMS)).one()
            workers = max(1, min(workers, count // MIN_ITEMS_PER_WORKER))
            if lo is None or workers == 1:
                return verify(conn)
    finally:
        db.dispose()
    width = (hi + 1 - lo + workers - 1) // workers
    bounds = [(lo + i * width, min(lo + (i + 1) * width, hi + 1)) for i in range(workers)]
    # imported here: most databases are verified in one process, without them (start-up)
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    # fork: the workers start with the modules already imported (spawn would pay ~1 s each)
    ctx = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        parts = list(pool.map(_verify_range, [url] * workers, *zip(*bounds, strict=True)))
    merged = VerifyReport()
    for part in parts:
        merged.items += part.items
        merged.events += part.events
        merged.broken.extend(part.broken)
    merged.broken.sort(key=lambda b: b.item_id)
    return merged
