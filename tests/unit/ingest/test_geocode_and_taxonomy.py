"""Geocoding (offline ZIP centroids; online that never hangs) and the taxonomy → needs mapping file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kith.graph import geo
from kith.graph.errors import InputError
from kith.graph.model import NeedCode
from kith.ingest._taxonomy import parse_map, taxonomy_map


def test_offline_geocoding_is_the_zip_centroid() -> None:
    geocoder = geo.Geocoder()
    point = geocoder.locate("100 Main St, Cambridge, MA 02139-4307")
    assert point == geo.GeoPoint(*geo.zip_centroid("02139"), "zip")
    assert geocoder.locate("no zip here") is None
    assert geocoder.locate(None, "02108").precision == "zip"


def test_online_geocoding_falls_back_at_once_when_the_network_does_not_answer(tmp_path: Path) -> None:
    # a closed local port: the connection is refused, as on a machine without network
    geocoder = geo.Geocoder(
        online=True, cache_dir=tmp_path / "cache", domain="127.0.0.1:9", scheme="http", timeout=2, min_delay_seconds=0
    )
    started = time.perf_counter()
    first = geocoder.locate("1 Main St, Boston, MA 02108")
    second = geocoder.locate("2 Main St, Boston, MA 02109")
    assert time.perf_counter() - started < 5
    assert (first.precision, second.precision) == ("zip", "zip")
    assert geocoder.failure and "ZIP centroids" in geocoder.failure
    geocoder.close()


def test_online_answers_are_cached_on_disk(tmp_path: Path) -> None:
    import diskcache

    with diskcache.Cache(str(tmp_path / "cache")) as cache:
        cache["nominatim:1 main st, boston, ma 02108"] = (42.3601, -71.0589)
    geocoder = geo.Geocoder(online=True, cache_dir=tmp_path / "cache", domain="127.0.0.1:9", scheme="http")
    assert geocoder.locate("1  Main St, Boston, MA 02108") == geo.GeoPoint(42.3601, -71.0589, "rooftop")
    assert geocoder.failure is None  # answered from the cache, the network was never asked
    geocoder.close()


@pytest.mark.parametrize(
    ("code", "name", "needs"),
    [
        ("BD-1800.2000", None, ("food",)),
        ("BD-1800.2000-620", "Food Pantries", ("food",)),  # longest listed prefix wins, name agrees
        ("LV-1600.1500", None, ("dental",)),  # more specific than L (medical)
        ("LF-4900", None, ("medical",)),
        ("RX-8450.1150", None, ("substance_use",)),
        (None, "Translation & Interpretation", ("translation",)),
        (None, "Immigration Legal Services", ("immigration", "legal")),  # a term may map to several needs
        (None, "mental health counseling", ("mental_health_counseling",)),  # the taxonomy's own names
        (None, "Food Pantry", ("food",)),
        (None, "Emergency Food", ("food",)),
        (None, "Community Gardens", ()),
        ("BDX", None, ()),
    ],
)
def test_mapping(code, name, needs) -> None:
    assert taxonomy_map().needs(code, name) == needs


def test_the_shipped_mapping_names_only_known_needs() -> None:
    mapping = taxonomy_map()
    known = {n.value for n in NeedCode}
    assert all(set(v) <= known for v in (*mapping.by_code.values(), *mapping.by_name.values()))
    assert {n for v in mapping.by_name.values() for n in v} == known  # every need can be reached by a name


def test_a_broken_mapping_lists_every_problem() -> None:
    text = "scheme,term,need,note\nairs,BD,foods,\nzip,x,food,\nname,food,food,\n"
    with pytest.raises(InputError) as info:
        parse_map(text)
    assert "line 2: unknown need 'foods'" in str(info.value) and "line 3: scheme must be" in str(info.value)
