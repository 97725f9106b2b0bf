"""Training places (notice (十八)-(二十七)): score seekers against training sessions with labour
demand, allocate places exactly within subsidy budgets, schedule the payments, and assess the
training bases.

Modules: :mod:`~matcher.training.api` (``allocate_training``), :mod:`~matcher.training.scoring`,
:mod:`~matcher.training.demand`, :mod:`~matcher.training.solver`,
:mod:`~matcher.training.subsidy`, :mod:`~matcher.training.payments`,
:mod:`~matcher.training.checker`, :mod:`~matcher.training.history`,
:mod:`~matcher.training.assess`, :mod:`~matcher.training.rules`. Import them directly; nothing is
imported or loaded here.
"""
