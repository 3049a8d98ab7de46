"""Stories (articles about one event) and claims (one source's statement of one quantity).

Pure logic: ``Assigner`` gives each enriched article a story id and each of its figures a
claim id, online, against the stories and claims of a recent window kept in a key-value
state (a dict in tests and the benchmark, faust tables in services/stories). See
docs/stories.md for the method and the measurements behind it.
"""

from svodka.stories.assigner import Assigner, Assignment, FigureClaim, LocalAssigner

__all__ = ["Assigner", "Assignment", "FigureClaim", "LocalAssigner"]
