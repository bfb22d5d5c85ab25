"""The text and LaTeX of every formula of the theorem catalog. GENERATED: do not edit.

Input:  none (written by ``python -m mlc.compiler.theory.render`` from ``compiler/theory/catalog.py`` with sympy's printers,
        ``compiler/theory/render.py``; tests/test_theory_render.py regenerates it and fails when it is stale).
Output: ``RENDERED``: a formula's structural key (``Formula.key``) -> (one-line text, LaTeX).
Role:   what ``mlc bounds`` and the report print for a formula, without importing sympy (``catalog.rendered``).
"""

RENDERED: dict[str, tuple[str, str]] = {
    # T1
    'div(mul(3,pow(Q,2)),m)':
        ('3·Q^2/m',
         '\\frac{3 Q^{2}}{m}'),
    # T3
    'mul(mul(2,Q),eps_n)':
        ('2·Q·ε_n',
         '2 Q \\varepsilon_n'),
    # T4
    'twice(add(mul(mul(4,add(P,1)),eps_n),mul(1/2,sqrt(div(log(div(mul(mul(2,c),pow(add(P,1),2)),delta)),mul(2,n))))))':
        ('2·(ε_n·(4 + 4·P) + √(2)·√(ln(2·c·(1 + P)^2/δ)/n)/4)',
         '2 \\left(\\varepsilon_n \\left(4 + 4 P\\right) + \\frac{\\sqrt{2} \\sqrt{\\frac{\\ln{\\left(\\frac{2 c \\left(1 + P\\right)^{2}}{\\delta} \\right)}}{n}}}{4}\\right)'),
    # T5
    'twice(add(add(add(div(mul(3,pow(Q,2)),mul(2,m)),mul(add(mul(add(mul(2,lambda),8),Q),8),eps_n)),mul(1/2,sqrt(div(log(div(mul(mul(2,c),pow(add(mul(2,Q),1),2)),delta)),mul(2,n))))),mul(1/2,sqrt(div(log(div(mul(mul(2,c),pow(add(add(mul(2,Q),1),div(1,mul(mul(2,lambda),eps_n))),2)),delta)),mul(2,n))))))':
        ('2·(ε_n·(8 + Q·(8 + 2·λ)) + √(2)·√(ln(2·c·(1 + 2·Q)^2/δ)/n)/4 + √(2)·√(ln(2·c·(1 + 2·Q + 1/(2·ε_n·λ))^2/δ)/n)/4 + 3·Q^2/(2·m))',
         '2 \\left(\\varepsilon_n \\left(8 + Q \\left(8 + 2 \\lambda\\right)\\right) + \\frac{\\sqrt{2} \\sqrt{\\frac{\\ln{\\left(\\frac{2 c \\left(1 + 2 Q\\right)^{2}}{\\delta} \\right)}}{n}}}{4} + \\frac{\\sqrt{2} \\sqrt{\\frac{\\ln{\\left(\\frac{2 c \\left(1 + 2 Q + \\frac{1}{2 \\varepsilon_n \\lambda}\\right)^{2}}{\\delta} \\right)}}{n}}}{4} + \\frac{3 Q^{2}}{2 m}\\right)'),
    # T5p
    'add(add(div(pow(Q,2),m),mul(Q,sqrt(div(log(mul(2,d)),n)))),sqrt(div(add(log(div(4,delta)),log(n)),n)))':
        ('√((ln(n) + ln(4/δ))/n) + Q·√(ln(2·d)/n) + Q^2/m',
         '\\sqrt{\\frac{\\ln{\\left(n \\right)} + \\ln{\\left(\\frac{4}{\\delta} \\right)}}{n}} + Q \\sqrt{\\frac{\\ln{\\left(2 d \\right)}}{n}} + \\frac{Q^{2}}{m}'),
    # T7
    'div(1,mul(pow(d,2),pow(m,div(2,d))))':
        ('1/(d^2·m^(2/d))',
         '\\frac{m^{- \\frac{2}{d}}}{d^{2}}'),
    # T9a
    'div(pow(Q,2),m)':
        ('Q^2/m',
         '\\frac{Q^{2}}{m}'),
    # T9b
    'div(Q,sqrt(n))':
        ('Q/√(n)',
         '\\frac{Q}{\\sqrt{n}}'),
    # T9c
    'add(add(add(div(pow(Q,2),m),div(mul(add(1,tau),Q),sqrt(n))),sqrt(div(log(div(pow(n,2),delta)),n))),mul(sqrt(div(log(div(1,delta)),n)),Q))':
        ('√(ln(n^2/δ)/n) + Q·√(ln(1/δ)/n) + Q^2/m + Q·(1 + τ)/√(n)',
         '\\sqrt{\\frac{\\ln{\\left(\\frac{n^{2}}{\\delta} \\right)}}{n}} + Q \\sqrt{\\frac{\\ln{\\left(\\frac{1}{\\delta} \\right)}}{n}} + \\frac{Q^{2}}{m} + \\frac{Q \\left(1 + \\tau\\right)}{\\sqrt{n}}'),
    # T9d
    'add(add(div(pow(Q,2),m),div(t,sqrt(n))),div(pow(Q,2),mul(2,t)))':
        ('t/√(n) + Q^2/m + Q^2/(2·t)',
         '\\frac{t}{\\sqrt{n}} + \\frac{Q^{2}}{m} + \\frac{Q^{2}}{2 t}'),
    # T9e
    'add(add(add(div(pow(Q,2),m),div(Q,sqrt(n))),div(mul(pow(Q,2),log(div(1,delta))),m)),mul(Q,sqrt(div(log(div(1,delta)),n))))':
        ('Q/√(n) + Q·√(ln(1/δ)/n) + Q^2/m + Q^2·ln(1/δ)/m',
         '\\frac{Q}{\\sqrt{n}} + Q \\sqrt{\\frac{\\ln{\\left(\\frac{1}{\\delta} \\right)}}{n}} + \\frac{Q^{2}}{m} + \\frac{Q^{2} \\ln{\\left(\\frac{1}{\\delta} \\right)}}{m}'),
    # T10
    'mul(mul(64,pow(lambda_min,-4)),log(div(pow(n,2),delta)))':
        ('64·ln(n^2/δ)/λ_min^4',
         '\\frac{64 \\ln{\\left(\\frac{n^{2}}{\\delta} \\right)}}{\\lambda_{\\min}^{4}}'),
    # T11
    'add(div(1,m),div(1,sqrt(n)))':
        ('1/m + 1/√(n)',
         '\\frac{1}{m} + \\frac{1}{\\sqrt{n}}'),
    # T12r
    'mul(mul(3,Q),sqrt(div(mul(2,log(mul(2,d))),n)))':
        ('3·Q·√(2)·√(ln(2·d)/n)',
         '3 Q \\sqrt{2} \\sqrt{\\frac{\\ln{\\left(2 d \\right)}}{n}}'),
    # T12p
    'add(mul(mul(24,add(P,1)),sqrt(div(mul(2,log(mul(2,d))),n))),mul(4,sqrt(div(mul(2,log(div(mul(4,pow(add(P,1),2)),delta))),n))))':
        ('4·√(2)·√(ln(4·(1 + P)^2/δ)/n) + √(2)·√(ln(2·d)/n)·(24 + 24·P)',
         '4 \\sqrt{2} \\sqrt{\\frac{\\ln{\\left(\\frac{4 \\left(1 + P\\right)^{2}}{\\delta} \\right)}}{n}} + \\sqrt{2} \\sqrt{\\frac{\\ln{\\left(2 d \\right)}}{n}} \\left(24 + 24 P\\right)'),
    # T12a
    'add(add(div(pow(Q,2),L),mul(mul(lambda,add(pow(Q,3),1)),sqrt(div(log(mul(2,d)),n)))),sqrt(div(log(div(1,delta)),n)))':
        ('√(ln(1/δ)/n) + Q^2/L + λ·√(ln(2·d)/n)·(1 + Q^3)',
         '\\sqrt{\\frac{\\ln{\\left(\\frac{1}{\\delta} \\right)}}{n}} + \\frac{Q^{2}}{L} + \\lambda \\sqrt{\\frac{\\ln{\\left(2 d \\right)}}{n}} \\left(1 + Q^{3}\\right)'),
    # T13
    'div(pow(Q,2),L)':
        ('Q^2/L',
         '\\frac{Q^{2}}{L}'),
    # T14m
    'add(add(mul(pow(Q,2),pow(S_m,2)),mul(mul(pow(2,add(L,1)),Q),sqrt(div(mul(2,log(add(mul(2,d),2))),n)))),sqrt(div(log(div(1,delta)),n)))':
        ('√(ln(1/δ)/n) + Q^2·S_m^2 + Q·√(2)·2^(1 + L)·√(ln(2 + 2·d)/n)',
         '\\sqrt{\\frac{\\ln{\\left(\\frac{1}{\\delta} \\right)}}{n}} + Q^{2} S_m^{2} + Q \\sqrt{2} \\cdot 2^{1 + L} \\sqrt{\\frac{\\ln{\\left(2 + 2 d \\right)}}{n}}'),
    # T17
    'pow(t,div(-4,sub(d,2)))':
        ('t^(-4/(-2 + d))',
         't^{- \\frac{4}{-2 + d}}'),
    # T18
    'div(1,mul(mul(eta,k),lambda_min))':
        ('1/(eta·k·λ_min)',
         '\\frac{1}{\\eta k \\lambda_{\\min}}'),
}
