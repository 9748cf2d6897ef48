"""kith.graph."""

if __name__ != "kith.graph":  # the folder graph/ is installed as kith.graph, never as a top-level module
    raise ImportError(f"kith's graph/ folder is imported as kith.graph, not as {__name__}")
