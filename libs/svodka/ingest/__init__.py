"""Ingest: turning inputs (files, directories, JSON lines, stdin, web pages, feeds) into raw
articles — decoding, dates, fetching, replay pacing. The producer command publishes what
this stage reads."""
