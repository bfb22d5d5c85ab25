"""``python tests/fuzz -n 10000``: run N mutated specs through check, fmt --check and compile --emit ir.

Input:  options: the number of mutants, the random seed, the worker processes, a folder for the findings.
Output: a summary on stdout (cases, time, findings by kind and operator); each failing input and its findings
        written to ``--out`` (``case-<i>.ml`` and ``case-<i>.txt``); exit 1 if anything was found, else 0.
Role:   the long fuzz run of issue 9 (item 7). Mutant i of seed s is the same on every machine
        (``random.Random(f"{s}:{i}")``), so ``--only i`` reproduces one case.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, where pytest finds the package too
from fuzz.corpus import seeds  # noqa: E402
from fuzz.mutate import mutant  # noqa: E402
from fuzz.oracle import Finding, run_case  # noqa: E402


def make_case(seed: int, index: int) -> tuple[bytes, list[str], str]:
    """Mutant ``index`` of run ``seed``: (bytes, operators, seed spec's name)."""
    corpus = seeds()
    rng = random.Random(f"{seed}:{index}")
    name, text = corpus[rng.randrange(len(corpus))]
    data, applied = mutant(text, rng, [t for _, t in corpus])
    return data, applied, name


def _cap_memory(gib: float) -> None:
    """Cap this process's address space: a mutant that asks for too much memory gets a MemoryError (reported
    as a finding, with its traceback) instead of the machine's out-of-memory killer."""
    if gib > 0:
        limit = int(gib * 2 ** 30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _work(job: tuple[int, int, float, bool]) -> tuple[int, list[str], str, float, list[Finding]]:
    seed, index, limit, meaning = job
    data, applied, name = make_case(seed, index)
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mlc-fuzz-") as scratch:
        findings = run_case(data, Path(scratch), limit, meaning)
    return index, applied, name, time.monotonic() - started, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tests/fuzz", description=__doc__.split("\n")[0])
    parser.add_argument("-n", "--count", type=int, default=1000, help="mutants to run (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed of the run (default 0)")
    parser.add_argument("--start", type=int, default=0, help="index of the first mutant (default 0)")
    parser.add_argument("--only", type=int, default=None, help="run only mutant ONLY (reproduce a finding)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="worker processes (default 1)")
    parser.add_argument("--limit", type=float, default=20.0, help="seconds per command before a timeout")
    parser.add_argument("--no-meaning", action="store_true", help="skip fmt's idempotence and meaning checks")
    parser.add_argument("--out", type=Path, default=None, help="folder for the failing inputs")
    parser.add_argument("--max-memory", type=float, default=4.0,
                        help="GiB of address space per process (default 4; 0: no cap)")
    args = parser.parse_args(argv)
    indices = [args.only] if args.only is not None else list(range(args.start, args.start + args.count))
    jobs = [(args.seed, i, args.limit, not args.no_meaning) for i in indices]
    started = time.monotonic()
    kinds: collections.Counter[str] = collections.Counter()
    operators: collections.Counter[str] = collections.Counter()
    slowest: list[tuple[float, int]] = []
    failing = 0
    if args.jobs > 1:
        pool = multiprocessing.Pool(args.jobs, initializer=_cap_memory, initargs=(args.max_memory,))
    else:
        pool = None
        _cap_memory(args.max_memory)
    results = pool.imap_unordered(_work, jobs, chunksize=8) if pool else map(_work, jobs)
    try:
        for done, (index, applied, name, seconds, findings) in enumerate(results, 1):
            slowest = sorted([*slowest, (seconds, index)], reverse=True)[:5]
            if findings:
                failing += 1
                for finding in findings:
                    kinds[f"{finding.command}: {finding.problem}"] += 1
                operators.update(applied)
                print(f"case {index} ({name}, {'+'.join(applied)}): {findings[0].command}: {findings[0].problem}",
                      flush=True)
                if args.out is not None:
                    args.out.mkdir(parents=True, exist_ok=True)
                    (args.out / f"case-{index}.ml").write_bytes(make_case(args.seed, index)[0])
                    (args.out / f"case-{index}.txt").write_text("\n\n".join(map(str, findings)), encoding="utf-8")
            if done % 500 == 0:
                print(f"... {done} cases, {time.monotonic() - started:.0f} s, {failing} failing", flush=True)
    finally:
        if pool is not None:
            pool.close()
    elapsed = time.monotonic() - started
    print(f"{len(jobs)} mutants (seed {args.seed}) in {elapsed:.1f} s "
          f"({elapsed / max(1, len(jobs)) * 1000:.0f} ms each): {failing} failing")
    print("slowest cases: " + ", ".join(f"{i} ({s:.2f} s)" for s, i in slowest))
    for kind, count in kinds.most_common():
        print(f"  {count:5d}  {kind}")
    if operators:
        print("operators of the failing cases: " + ", ".join(f"{k} {v}" for k, v in operators.most_common()))
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
