"""`make validate` (scripts/validate): the site with the sample content, served as in production
(gunicorn, debug off) from a throwaway database, checked by the standard checkers on every page
type and feed type — the Nu HTML checker (nu.py), Lighthouse 12 (lighthouse.py), axe-core
(axe.py) and the feed rules (feeds.py) — with one report (report.py). The rules that judge a
checker's output are pure functions, tested in tests/test_validate.py; running the checkers
is not."""
