"""One module per console page's data: each reads what its page shows and returns plain JSON-able dicts."""
