"""Extract: language, named entities (natasha), canonical entities and reported figures."""
