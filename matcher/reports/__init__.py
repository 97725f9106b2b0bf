"""The whole-pipeline mechanism benchmark and the published fairness reports.

:mod:`matcher.reports.bench` builds allocation instances from the generator's data (eligibility,
candidates, city quotas) and runs every mechanism on them; :mod:`matcher.reports.report` turns
the measures into the HTML, Markdown and CSV report (:mod:`matcher.reports.charts`, the Jinja2
``templates/``), :mod:`matcher.reports.audit` audits the apportionment of the city quotas and
:mod:`matcher.reports.output` writes a report's files as one unit. See ``docs/fairness.md``.

This package sits above everything it reports on and may import any of it; the measures
themselves live in :mod:`matcher.fairness`, which depends on the allocation only. Nothing is
imported here, so ``import matcher.reports`` stays cheap (matplotlib and jinja2 load on use).
"""
