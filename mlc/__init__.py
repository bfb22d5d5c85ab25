"""mlc: a declarative language and compiler for function-space learning experiments.

The pipeline, one stage per package:

    text --dsl--> AST with spans --compiler--> checked, typed IR --compiler--> torch plan
         --runtime--> results --runtime--> report

``mlc.dsl`` imports nothing of ours; ``mlc.compiler`` imports ``mlc.dsl``; ``mlc.runtime``
imports both.  The front-end commands (check, fmt, compile --emit) never import torch.
"""

__version__ = "0.1.0"
