"""Jekyll import and export: the way in from the desk's old site, and the plain-text backup.
What exporter.py writes, importer.py reads back into the same post, field for field."""
