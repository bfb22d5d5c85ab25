"""mlc's front end: spec text -> faithful AST -> desugared AST, and the formatter.

Input:  the bytes or text of a spec file.
Output: ASTs with spans (:mod:`mlc.dsl.ast`) and diagnostics (:mod:`mlc.dsl.diagnostics`); or the
        formatted text.
Role:   everything that needs only the text. The modules, in pipeline order: ``source`` (reading files
        safely), ``grammar`` (``grammar.lark``, loaded once), ``parser`` (the parse loop, several syntax
        errors per run) with ``build`` (parse tree -> faithful AST) and ``syntax_errors`` (their wording),
        ``desugar`` (faithful AST -> the AST the checker reads); and for ``mlc fmt``: ``printer``
        (expressions), ``layout`` (comments), ``formatter`` (statements, and the safety net) and ``tokens``
        (the token streams it compares). Imports nothing else of mlc's.
"""
