"""kith.dashboard."""

if __name__ != "kith.dashboard":  # the folder dashboard/ is installed as kith.dashboard, never as a top-level module
    raise ImportError(f"kith's dashboard/ folder is imported as kith.dashboard, not as {__name__}")
