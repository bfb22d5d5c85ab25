"""Benchmark: the language server's latency, as an editor sees it.

Input:  a spec (default specs/quickstart.ml) and the server, started as ``python -m mlc.runtime.cli lsp``.
Output: on stdout, the start-up time (process start to the answer of ``initialize``) and the median and maximum
        round-trip times over ``--repeat`` tries of: diagnostics after ``didOpen`` and after a ``didChange``
        (a full-text change that introduces a typo, then one that removes it), hover on a setting, hover on the
        target (its norm and derivation: the first hover after a change evaluates the theory), hover on
        ``bounds`` (the theorems, from the theory the target's hover evaluated), completion in a block,
        formatting. Each time is measured at
        the client, protocol and JSON included.
Role:   the numbers of docs/editors.md. Needs the extra: ``pip install -e '.[lsp]'``.

Usage:  python benchmarks/lsp_latency.py [SPEC] [--repeat 20]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient

ROOT = Path(__file__).resolve().parents[1]


def _position(text: str, needle: str, offset: int = 0) -> types.Position:
    index = text.index(needle) + offset
    line = text.count("\n", 0, index)
    return types.Position(line=line, character=index - (text.rfind("\n", 0, index) + 1))


async def measure(spec: Path, repeat: int) -> dict[str, list[float]]:
    text = spec.read_text(encoding="utf-8")
    uri = spec.resolve().as_uri()
    client = LanguageClient("mlc-latency", "1")
    arrived: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def _diagnostics(params: types.PublishDiagnosticsParams) -> None:
        arrived.put_nowait(params)

    times: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        times.setdefault(name, []).append(seconds * 1000)

    start = time.perf_counter()
    await client.start_io(sys.executable, "-m", "mlc.runtime.cli", "lsp", cwd=str(ROOT))
    await client.initialize_async(types.InitializeParams(capabilities=types.ClientCapabilities(),
                                                         root_uri=ROOT.as_uri()))
    client.initialized(types.InitializedParams())
    record("start-up (initialize answered)", time.perf_counter() - start)

    t = time.perf_counter()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(uri=uri, language_id="mlc", version=1, text=text)))
    await arrived.get()
    record("diagnostics after didOpen", time.perf_counter() - t)

    target = _position(text, "\ntarget", 2)
    bounds = _position(text, "\n  bounds", 4)
    setting = _position(text, "n_test", 1)
    version = 1
    for _ in range(repeat):
        for label, body in (("typo", text.replace("width", "wdth", 1)), ("fixed", text)):
            version += 1
            t = time.perf_counter()
            client.text_document_did_change(types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=body)]))
            got = await arrived.get()
            record(f"diagnostics after didChange ({label})", time.perf_counter() - t)
            if bool(got.diagnostics) != (label == "typo"):
                raise SystemExit(f"unexpected diagnostics after the {label} change: {got.diagnostics}")
        doc = types.TextDocumentIdentifier(uri=uri)
        for name, position in (("hover: setting", setting), ("hover: target norm", target),
                               ("hover: bounds", bounds)):
            t = time.perf_counter()
            answer = await client.text_document_hover_async(types.HoverParams(text_document=doc, position=position))
            suffix = {"hover: target norm": " (evaluates the theory)", "hover: bounds": " (theory cached)"}
            record(name + suffix.get(name, ""), time.perf_counter() - t)
            assert answer is not None, name
        t = time.perf_counter()
        await client.text_document_completion_async(types.CompletionParams(
            text_document=doc, position=_position(text, "data {", 7)))
        record("completion", time.perf_counter() - t)
        t = time.perf_counter()
        await client.text_document_formatting_async(types.DocumentFormattingParams(
            text_document=doc, options=types.FormattingOptions(tab_size=2, insert_spaces=True)))
        record("formatting", time.perf_counter() - t)
    await client.shutdown_async(None)
    client.exit(None)
    await client.stop()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("spec", nargs="?", default=str(ROOT / "specs" / "quickstart.ml"))
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    times = asyncio.run(measure(Path(args.spec), args.repeat))
    print(f"mlc lsp latency on {args.spec} ({args.repeat} tries; ms, at the client)")
    for name, values in times.items():
        print(f"  {name:<48} median {statistics.median(values):8.1f}   max {max(values):8.1f}   n = {len(values)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
