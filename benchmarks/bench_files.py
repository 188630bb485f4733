"""Files in a copy: bytes moved, memory, and a whole copy under rate limits.

    python benchmarks/bench_files.py [--quick] [--only bytes|memory|limits] [--window SECONDS]

``bytes``: tap | target copies an account whose comments carry large files; a minimal
streaming copy (requests: each file downloaded, then uploaded, one after another, streamed
through a temporary file) moves the same files between the same sandboxes. The copy's file
bytes per second are measured as the files over the time they add to the copy (the same copy
with ``files: false`` is timed too): goal at least 0.8x the minimal copy's.

``memory``: the same copy with one 200 MB file, then with one 1 MB file instead; each
plugin's peak RSS (``ru_maxrss`` of its own process). Goal: within 20 %.

``limits``: a whole copy with files (2,000 tickets; 500 with ``--quick``) between two realistic
accounts under Zendesk Enterprise's limits scaled to ``--window`` seconds (60 by default):
700 requests per window on each account, 10 export requests and 2,500 attachment downloads
on the source. Wall time against the least those limits allow for the requests made (fixed
windows: n requests of a bucket allowing L need ceil(n / L) - 1 whole windows, on each
account and bucket; the longest of those): goal within 10 %.

Each sandbox runs in a process of its own (``zendesk-sandbox``), so that the servers and the
minimal client do not share an interpreter.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from support import SandboxProcess, measure_pipe  # noqa: E402

from zendesk_sandbox.demo import copy_catalog  # noqa: E402

BIN = Path(sys.executable).parent
EMAIL, API_TOKEN = "admin@example.com", "sandbox-api-token"
CHUNK = 1024 * 1024
COMMON = ["--exclusion-window", "1", "--job-delay", "0.05"]
ACCOUNT_LIMIT, EXPORT_LIMIT, DOWNLOAD_LIMIT = 700, 10, 2500
BYTES_TICKETS = 300
BIG = str(300 * 2**20)  # the largest upload the benchmark's accounts take


def settings(base_url: str, **extra: object) -> dict:
    return {
        "zendesk": {"domain": base_url, "userName": EMAIL, "apiToken": API_TOKEN},
        **extra,
    }


def session() -> requests.Session:
    made = requests.Session()
    made.auth = (f"{EMAIL}/token", API_TOKEN)
    return made


def big_file(path: Path, size: int, seed: int) -> Path:
    """A file of ``size`` bytes of random-looking data, written a block at a time."""
    block = random.Random(seed).randbytes(CHUNK)
    with path.open("wb") as out:
        left = size
        while left > 0:
            out.write(block[: min(CHUNK, left)])
            left -= CHUNK
    return path


def add_files(base_url: str, sizes: list[int], tmp: Path) -> int:
    """A comment with one file of each size, on the account's open tickets in turn (spread
    over the whole copy); their bytes in all."""
    with session() as api:
        open_ids = []
        for ticket_id in range(1, 1_000):
            answer = api.get(f"{base_url}/api/v2/tickets/{ticket_id}.json", timeout=30)
            if answer.status_code == 404 and ticket_id > 1 and not open_ids:
                continue
            if answer.ok and answer.json()["ticket"]["status"] not in ("closed", "solved"):
                open_ids.append(ticket_id)
            if len(open_ids) == len(sizes) or (answer.status_code == 404 and ticket_id > 300):
                break
        for number, size in enumerate(sizes):
            ticket_id = open_ids[number % len(open_ids)]
            path = big_file(tmp / f"big-{number}.bin", size, number)
            with path.open("rb") as data:
                made = api.post(
                    f"{base_url}/api/v2/uploads.json",
                    params={"filename": f"capture-{number}.bin"},
                    data=data,
                    headers={"Content-Type": "application/octet-stream"},
                    timeout=300,
                ).json()["upload"]
            path.unlink()
            api.put(
                f"{base_url}/api/v2/tickets/{ticket_id}.json",
                json={"ticket": {"comment": {"body": "The capture.", "uploads": [made["token"]]}}},
                timeout=30,
            ).raise_for_status()
    time.sleep(1.5)  # past the export's exclusion window
    return sum(sizes)


def files_of(base_url: str, tickets: int) -> Iterator[dict]:
    """Every file of the account's tickets that Zendesk gives the bytes of."""
    with session() as api:
        for ticket_id in range(1, tickets + 1):
            url = f"{base_url}/api/v2/tickets/{ticket_id}/comments.json"
            answer = api.get(url, params={"include_inline_images": "true"}, timeout=30)
            if answer.status_code == 404:
                continue  # deleted
            for comment in answer.json()["comments"]:
                for attachment in comment["attachments"]:
                    flagged = attachment["malware_scan_result"] == "malware_found"
                    redacted = attachment["file_name"] == "redacted.txt" and not attachment["size"]
                    if attachment["deleted"] or redacted:
                        continue
                    if flagged and not attachment["malware_access_override"]:
                        continue
                    yield attachment


def minimal_copy(destination: str, files: list[dict], tmp: Path) -> float:
    """Each file downloaded (streamed to a temporary file), then uploaded (streamed from it)."""
    started = time.perf_counter()
    with session() as reads, session() as writes:
        for number, attachment in enumerate(files):
            path = tmp / f"minimal-{number}"
            with reads.get(attachment["content_url"], stream=True, timeout=300) as answer:
                answer.raise_for_status()
                with path.open("wb") as out:
                    for chunk in answer.iter_content(CHUNK):
                        out.write(chunk)
            with path.open("rb") as data:
                writes.post(
                    f"{destination}/api/v2/uploads.json",
                    params={"filename": attachment["file_name"]},
                    data=data,
                    headers={"Content-Type": attachment["content_type"]},
                    timeout=300,
                ).raise_for_status()
            path.unlink()
    return time.perf_counter() - started


def pipe(
    source: str,
    destination: str,
    tmp: Path,
    name: str,
    *,
    tap: dict | None = None,
    target: dict | None = None,
) -> tuple[float, float, float, str]:
    """tap | target with every copy stream: (seconds, tap MB, target MB, target's stderr)."""
    spool = tmp / "spool"
    tap_config, target_config = tmp / f"tap-{name}.json", tmp / f"target-{name}.json"
    tap_config.write_text(
        json.dumps(settings(source, pollingPeriod="0s", fileSpool=str(spool), **(tap or {})))
    )
    target_config.write_text(
        json.dumps(
            settings(
                destination, destinationExportLag="1.5s", fileSpool=str(spool), **(target or {})
            )
        )
    )
    tap_args = [str(BIN / "tap-zendesk-tickets"), "--config", str(tap_config)]
    catalog_path = tmp / "catalog.json"
    catalog_path.write_text(json.dumps(copy_catalog(tap_args)))
    errors = tmp / f"target-{name}.log"
    target_args = [str(BIN / "target-zendesk-tickets"), "--config", str(target_config)]
    seconds, tap_mb, target_mb = measure_pipe(
        [*tap_args, "--catalog", str(catalog_path)], target_args, target_stderr=errors
    )
    left = [p for p in spool.rglob("*") if p.is_file()] if spool.exists() else []
    if left:
        raise SystemExit(f"{len(left)} files left in the spool after {name}")
    return seconds, tap_mb, target_mb, errors.read_text()


def sandboxes(stack: ExitStack, *extra: str, destinations: int = 1) -> list[SandboxProcess]:
    """A source account (``extra`` its settings; none: no source, ``[None, ...]``) and
    ``destinations`` empty accounts that take files up to 300 MB."""
    made: list = [stack.enter_context(SandboxProcess("--account", "0", *extra)) if extra else None]
    for _ in range(destinations):
        made.append(
            stack.enter_context(
                SandboxProcess(
                    "--tickets", "0", "--account", "1", "--seed", "2", *COMMON,
                    "--no-rate-limit", "--max-upload-size", BIG,
                )
            )
        )  # fmt: skip
    return made


def bytes_benchmark(quick: bool) -> None:
    sizes = [16 * 2**20] * (12 if quick else 30)
    rounds = 2 if quick else 5
    best = {"minimal": math.inf, "files": math.inf, "plain": math.inf}
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        (source,) = sandboxes(
            stack, "--tickets", str(BYTES_TICKETS), *COMMON, "--no-rate-limit", destinations=0
        )
        add_files(source.base_url, sizes, tmp)
        files = list(files_of(source.base_url, BYTES_TICKETS))
        for _ in range(rounds):  # best of each: the machine is shared, its load comes and goes
            with ExitStack() as round_stack:
                plain, with_files = sandboxes(round_stack, destinations=2)[1:]
                without, *_ = pipe(
                    source.base_url, plain.base_url, tmp, "plain", tap={"files": False}
                )
                copied, *_, log = pipe(source.base_url, with_files.base_url, tmp, "files")
                minimal = minimal_copy(with_files.base_url, files, tmp)
            best = {
                "minimal": min(best["minimal"], minimal),
                "files": min(best["files"], copied),
                "plain": min(best["plain"], without),
            }
    total = sum(a["size"] for a in files)
    added = best["files"] - best["plain"]
    mb = total / 1e6
    ratio = best["minimal"] / added if added > 0 else float("inf")
    print(
        f"File bytes: {len(files)} files, {mb:.0f} MB ({BYTES_TICKETS} tickets, "
        f"{len(sizes)} of 16 MB); best of {rounds} runs of each"
    )
    print(
        f"  minimal streaming copy (download, then upload): {best['minimal']:.1f} s, "
        f"{mb / best['minimal']:.0f} MB/s"
    )
    print(
        f"  tap | target with files: {best['files']:.1f} s; with files: false: "
        f"{best['plain']:.1f} s"
    )
    print(
        f"  the files' share of the copy: {added:.1f} s, {mb / added:.0f} MB/s: {ratio:.2f}x the "
        f"minimal copy (goal at least 0.8x: {'ok' if ratio >= 0.8 else 'MISSED'})"
    )
    whole = best["minimal"] / best["files"]
    print(f"  the whole copy against the minimal copy of its files alone: {whole:.2f}x")
    print("  " + next(line.split("| ")[-1] for line in log.splitlines() if "Files:" in line))


def memory_benchmark() -> None:
    peaks = {}
    for size in (200 * 2**20, 2**20):
        with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            source, destination = sandboxes(
                stack, "--tickets", "20", *COMMON, "--no-rate-limit", "--max-upload-size", BIG
            )
            add_files(source.base_url, [size], tmp)
            _, tap_mb, target_mb, _ = pipe(source.base_url, destination.base_url, tmp, "memory")
            peaks[size] = (tap_mb, target_mb)
    print("Memory: the same copy (20 tickets) with one 200 MB file, then one 1 MB file")
    big, small = peaks[200 * 2**20], peaks[2**20]
    for index, name in enumerate(("tap", "target")):
        growth = (big[index] - small[index]) / small[index]
        print(
            f"  {name}: {big[index]:.1f} MB vs {small[index]:.1f} MB, {growth:+.1%} "
            f"(goal within 20 %: {'ok' if abs(growth) <= 0.2 else 'MISSED'})"
        )


def limits_benchmark(quick: bool, window: float) -> None:
    tickets = 500 if quick else 2_000
    limits = [
        "--rate-limit", f"account={ACCOUNT_LIMIT}/{window}",
        "--rate-limit", f"incremental-exports={EXPORT_LIMIT}/{window}",
        "--rate-limit", f"attachment-downloads={DOWNLOAD_LIMIT}/{window}",
        # Not the copy's limits: unlimited, so that the least below is the copy's own.
        "--rate-limit", "ticket-updates=0/60", "--rate-limit", "ticket-updates-per-ticket=0/60",
        "--rate-limit", "users-create-or-update=0/1",
        "--rate-limit", "incremental-exports-cursor=0/60",
    ]  # fmt: skip
    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        source = stack.enter_context(
            SandboxProcess("--tickets", str(tickets), "--account", "0", "--job-delay", "0.3",
                           "--exclusion-window", "1", *limits)
        )  # fmt: skip
        destination = stack.enter_context(
            SandboxProcess("--tickets", "0", "--account", "1", "--seed", "2", "--job-delay", "0.3",
                           "--exclusion-window", "1", *limits)
        )  # fmt: skip
        time.sleep(1.5)
        wall, _, _, log = pipe(source.base_url, destination.base_url, tmp, "limits")
        least = 0.0
        for name, box in (("source", source), ("destination", destination)):
            entries = box.admin("requests")["requests"]  # type: ignore[index]
            routes = Counter(entry["route"] for entry in entries)
            account = len(entries) - routes["downloads"]
            windows = [math.ceil(account / ACCOUNT_LIMIT) - 1]
            if name == "source":
                windows.append(math.ceil(routes["export"] / EXPORT_LIMIT) - 1)
                windows.append(math.ceil(routes["downloads"] / DOWNLOAD_LIMIT) - 1)
            least = max(least, max(windows) * window)
            print(f"{name}: {len(entries):,} requests: {dict(sorted(routes.items()))}")
            print(f"  429 answers: {sum(1 for e in entries if e['status'] == 429)}")
    ratio = wall / least if least else float("inf")
    print(f"A whole copy with files, {tickets:,} tickets, limits per {window:g} s window")
    print("  " + next(line.split("| ")[-1] for line in log.splitlines() if "Files:" in line))
    print(
        f"  {wall:.1f} s; least the limits allow for these requests: {least:.1f} s; ratio "
        f"{ratio:.2f} (goal within 10 %: {'ok' if ratio <= 1.1 else 'MISSED'})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer files and tickets")
    parser.add_argument("--only", choices=("bytes", "memory", "limits"))
    parser.add_argument("--window", type=float, default=60.0, help="rate-limit window (limits)")
    args = parser.parse_args()
    if args.only in (None, "bytes"):
        bytes_benchmark(args.quick)
    if args.only in (None, "memory"):
        memory_benchmark()
    if args.only in (None, "limits"):
        limits_benchmark(args.quick, args.window)


if __name__ == "__main__":
    main()
