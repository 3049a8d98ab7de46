"""The test kit: what several tests need, written once.

- ``seeds``: the seed articles (paths, texts, bodies without the date header);
- ``perturb``: deterministic edits of a text (the near-duplicate cases);
- ``records``: pipeline records built for tests (articles, enriched articles);
- ``models``: the natasha models and the Extractor, loaded once per test process;
- ``waiting``: ``wait_until``, the one polling loop;
- ``kafka``: the environment for a test broker, publishing records, reading topics;
- ``processes``: the ``svodka`` command and service workers as real processes;
- ``web``: a local HTTP server for URL inputs.

Tests import the kit, never another test module or a private name.
"""
