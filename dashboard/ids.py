"""Component ids of the dashboard, in one place (pages and browser tests share them).

Ids are plain strings prefixed by their page, so two pages never collide and a
browser test can find a component by ``#id``.
"""

from __future__ import annotations

# The shell around every page.
BANNER = "demo-banner"
SUPPRESSION_BANNER = "suppression-banner"
NAV = "nav"
CONTENT = "content"

# Overview.
OVERVIEW_COUNTS = "overview-counts"
OVERVIEW_GAPS = "overview-gaps"
OVERVIEW_DEMAND = "overview-demand"

# Map.
MAP_NEED = "map-need"
MAP_LAYERS = "map-layers"
MAP_GRAPH = "map-graph"
MAP_RULE = "map-rule"
MAP_SUMMARY = "map-summary"
MAP_ZIP = "map-zip"
MAP_ZIP_STATUS = "map-zip-status"

# Gaps.
GAPS_NEED = "gaps-need"
GAPS_BY = "gaps-by"
GAPS_DEMAND = "gaps-demand"
GAPS_SUMMARY = "gaps-summary"
GAPS_TABLE = "gaps-table"
GAPS_DOMAIN_CHART = "gaps-domain-chart"
GAPS_SCHOOL_CHART = "gaps-school-chart"
GAPS_CSV = "gaps-csv"
GAPS_GEOJSON = "gaps-geojson"
GAPS_DOWNLOAD = "gaps-download"
GAPS_CSV_DOWNLOAD = "gaps-csv-download"
GAPS_WHATIF_LAT = "gaps-whatif-lat"
GAPS_WHATIF_LON = "gaps-whatif-lon"
GAPS_WHATIF_CAPACITY = "gaps-whatif-capacity"
GAPS_WHATIF_RUN = "gaps-whatif-run"
GAPS_WHATIF_CANCEL = "gaps-whatif-cancel"
GAPS_WHATIF_PROGRESS = "gaps-whatif-progress"
GAPS_WHATIF_RESULT = "gaps-whatif-result"
GAPS_WHATIF_CHART = "gaps-whatif-chart"
GAPS_WHATIF_MAP = "gaps-whatif-map"
GAPS_WHATIF_VIEW = "gaps-whatif-view"
GAPS_WHATIF_STORE = "gaps-whatif-store"

# Network.
NETWORK_GRAPH = "network-graph"
NETWORK_DETAILS = "network-details"
NETWORK_LISTS = "network-lists"
NETWORK_SIZE = "network-size"
NETWORK_SEARCH = "network-search"
NETWORK_LEGEND = "network-legend"
NETWORK_COMMUNITY = "network-community"
NETWORK_KIND = "network-kind"
NETWORK_NEED = "network-need"
#: The type of the pattern-matching ids of the side lists' organisations: ``{"type": ..., "ref": "Label:id"}``.
NETWORK_ITEM = "network-item"

# Find help.
HELP_PLACE = "help-place"
HELP_SEARCH = "help-search"
HELP_NEED = "help-need"
HELP_LANGUAGE = "help-language"
HELP_FREE = "help-free"
HELP_AGE = "help-age"
HELP_RADIUS = "help-radius"
HELP_MAP = "help-map"
HELP_TABLE = "help-table"
HELP_STATUS = "help-status"
HELP_POINT = "help-point"
HELP_REFERRAL = "help-referral"
HELP_LIST_LANGUAGE = "help-list-language"
HELP_PRINT = "help-print"
HELP_DOWNLOAD = "help-download"
HELP_DOWNLOAD_BUTTON = "help-download-button"

# Paths.
PATHS_FROM = "paths-from"
PATHS_TO = "paths-to"
PATHS_K = "paths-k"
PATHS_RADIUS = "paths-radius"
PATHS_GRAPH = "paths-graph"
PATHS_EXPLAIN = "paths-explain"
PATHS_STATUS = "paths-status"

# Load data (admin).
LOAD_KIND = "load-kind"
LOAD_UPLOAD = "load-upload"
LOAD_FILE = "load-file"
LOAD_DRY_RUN = "load-dry-run"
LOAD_RUN = "load-run"
LOAD_STATUS = "load-status"
LOAD_REPORT = "load-report"
LOAD_MAP = "load-map"
LOAD_MAP_FIELD = "load-map-field"  # pattern-matching: {"type": LOAD_MAP_FIELD, "field": kith field}
LOAD_MAP_STORE = "load-map-store"
LOAD_TRAVEL_NOTE = "load-travel-note"
LOAD_TRAVEL_REMOVE = "load-travel-remove"

#: The type of the pattern-matching ids that mirror a page's view state into the URL.
URL_SYNC = "url-sync"


def url_sync(page: str) -> dict[str, str]:
    """The id of a page's URL mirror (see ``kith.dashboard._url``)."""
    return {"type": URL_SYNC, "page": page}
