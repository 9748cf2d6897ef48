"""The questions kith answers, each written once against the store port."""

if __name__ != "kith.queries":  # the folder queries/ is installed as kith.queries, never as a top-level module
    raise ImportError(f"kith's queries/ folder is imported as kith.queries, not as {__name__}")
