"""Edition writers: each turns the resolved book into one output (PDF, EPUB, HTML site)."""
