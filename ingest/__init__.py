"""kith.ingest."""

if __name__ != "kith.ingest":  # the folder ingest/ is installed as kith.ingest, never as a top-level module
    raise ImportError(f"kith's ingest/ folder is imported as kith.ingest, not as {__name__}")
