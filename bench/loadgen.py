"""A load generator, run in its own process so it does not share the server's interpreter:
`python -m bench.loadgen URL_TEMPLATE TOKEN IDS REQUESTS CONCURRENCY`.

Each of CONCURRENCY clients owns its own items (no two clients touch one item, so there are
no version conflicts) and cycles them investigating → closed → investigating with POSTs to
URL_TEMPLATE.format(id=...). Prints one JSON line: requests/s, p50/p99 latency, errors."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import httpx

from bench.harness import percentile
from bench.raw_floor import next_move


async def _client(client: httpx.AsyncClient, url: str, ids: list[int], count: int,
                  latencies: list[float], errors: list[str]) -> None:
    states = dict.fromkeys(ids, "investigating")
    for i in range(count):
        item_id = ids[i % len(ids)]
        trigger, dest, data = next_move(states[item_id])
        start = time.perf_counter()
        r = await client.post(url.format(id=item_id),
                              json={"trigger": trigger, "data": data})
        latencies.append((time.perf_counter() - start) * 1000)
        if r.status_code != 200:
            errors.append(f"{r.status_code} {r.text[:200]}")
            return
        states[item_id] = dest


async def main(url: str, token: str, ids: list[int], requests: int, concurrency: int) -> dict[
        str, float | int | list[str]]:
    latencies: list[float] = []
    errors: list[str] = []
    # a whole number of close+reopen cycles per item, so every round starts where the last
    # one began (all items investigating)
    cycle = 2 * max(1, len(ids) // concurrency)
    per_client = max(cycle, requests // concurrency // cycle * cycle)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers={"Authorization": f"Bearer {token}"}, limits=limits,
                                 timeout=60) as client:
        start = time.perf_counter()
        await asyncio.gather(*(
            _client(client, url, ids[c::concurrency], per_client, latencies, errors)
            for c in range(concurrency)))
        seconds = time.perf_counter() - start
    return {"requests": len(latencies), "rps": len(latencies) / seconds,
            "p50_ms": percentile(latencies, 50), "p99_ms": percentile(latencies, 99),
            "errors": errors[:5]}


if __name__ == "__main__":
    url, token, ids_arg, requests, concurrency = sys.argv[1:6]
    ids = [int(x) for x in ids_arg.split(",")]
    print(json.dumps(asyncio.run(main(url, token, ids, int(requests), int(concurrency)))))
