"""Pure text functions: Markdown rendering and sanitising, plain text and summaries, reading
time, front matter, content health. Nothing under blog/content/ imports the ORM or the models,
so each piece can be used (and tested) on a string alone."""
