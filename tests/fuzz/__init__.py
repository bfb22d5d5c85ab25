"""The fuzz harness of mlc: random and mutated specs through the front-end commands (issue 9, item 7).

Input:  seeds (the shipped ``specs/*.ml`` and the examples in ``docs/*.md``), a random seed, a count.
Output: :class:`~.oracle.Finding` records for every input on which a command broke a promise.
Role:   find inputs that make ``mlc check``, ``mlc fmt --check`` or ``mlc compile --emit ir`` raise a
        traceback, hang, exit with a status other than 0, 1 or 2, or (fmt) change meaning or not be idempotent.

* :mod:`.corpus`: the seed specs;
* :mod:`.mutate`: the mutation operators (byte flips, token deletion and duplication, splices, unicode,
  very long names, deep nesting, huge numbers, repeated lines);
* :mod:`.grammar`: a hypothesis strategy that derives specs from the Lark grammar (``dsl/grammar.lark``);
* :mod:`.oracle`: runs one input through the commands in-process and says what went wrong;
* ``python tests/fuzz -n 10000``: the command that runs N mutants (``--help`` for the options).

The tests are ``tests/test_fuzz.py`` (a few hundred cases by default, many thousands with ``-m fuzz``);
every crash the harness finds becomes a case of ``tests/test_fuzz_regressions.py``.
"""
