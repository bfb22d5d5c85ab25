"""``mlc lsp``: the language server, over stdio, for editors.

Input:  the Language Server Protocol on stdin (an editor starts the command; docs/editors.md).
Output: protocol messages on stdout until the client asks the server to exit (status 0). Without the optional
        dependency pygls (``pip install 'mlc[lsp]'``) it says how to install it on stderr and exits 2.
Role:   the command around :mod:`mlc.runtime.lsp` (which imports pygls, so it is imported only here, when the
        command runs: the other commands never load it).
"""

from __future__ import annotations

import argparse
import importlib
import sys

INSTALL_HINT = ("mlc lsp: the language server needs pygls, an optional dependency; install it with\n"
                "  pip install 'mlc[lsp]'   (or, in a checkout: pip install -e '.[lsp]')")


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdio", action="store_true",
                        help="talk the protocol over stdin/stdout (the default and only transport; editors pass it)")


def missing_dependency() -> str | None:
    """The optional module the server needs and this installation lacks, if any."""
    for module in ("pygls", "lsprotocol"):
        try:
            importlib.import_module(module)
        except ImportError:
            return module
    return None


def run(args: argparse.Namespace) -> int:
    missing = missing_dependency()
    if missing is not None:
        print(f"{INSTALL_HINT}\n(no module named {missing!r})", file=sys.stderr)
        return 2
    from mlc.runtime.lsp import main

    return main()
