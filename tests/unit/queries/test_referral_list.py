"""The printable referral list: what a family needs to go and get help, and nothing about the student."""

from __future__ import annotations

import datetime as dt

import pytest

from kith.graph.errors import InputError
from kith.graph.memory import MemoryStore
from kith.graph.model import Label
from kith.queries.nearby import NearbyService, Place, find_nearby, render_referral_list

ROW = NearbyService(
    service_id="s1",
    service_name="Food pantry",
    agency_id="a1",
    agency_name="Boys & Girls Club",
    site_id="p1",
    site_name="Main site",
    lat=42.3,
    lon=-71.1,
    distance_km=1.609344,
    address="12 Main St, Boston, MA 02119",
    zip="02119",
    phone="(617) 555-0100",
    website="https://example.org",
    languages=("en", "es", "xx"),
    cost="sliding",
    capacity=40,
    waitlist=3,
    hours="Mon-Fri 9:00-17:00",
    needs=("food",),
    min_age=5,
    max_age=18,
)
PLACE = Place(lat=42.3, lon=-71.1, label="Lincoln <Elementary>", kind="school")


def test_text_list_has_what_a_family_needs() -> None:
    text = render_referral_list([ROW], PLACE, generated=dt.date(2025, 3, 3))
    assert text.splitlines()[:2] == [
        "Help near Lincoln <Elementary>",
        "Prepared 2025-03-03. Please call before you go: hours and openings change.",
    ]
    for line in (
        "1. Food pantry — Boys & Girls Club",
        "Address: 12 Main St, Boston, MA 02119",
        "Phone: (617) 555-0100",
        "Hours: Mon-Fri 9:00-17:00",
        "Languages: English, Spanish, xx",
        "Cost: Sliding scale (pay what you can)",
        "For: ages 5–18",
        "Distance: 1.6 km (1.0 mi)",
    ):
        assert f"   {line}" in text or text.startswith(line) or f"\n{line}\n" in text, line


def test_html_list_escapes_names() -> None:
    page = render_referral_list([ROW], PLACE, fmt="html", generated=dt.date(2025, 3, 3))
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "Boys &amp; Girls Club" in page and "Lincoln &lt;Elementary&gt;" in page
    assert "<dt>Phone</dt><dd>(617) 555-0100</dd>" in page
    assert "Boys & Girls" not in page


def test_empty_list_says_so() -> None:
    assert "No services were found" in render_referral_list([], PLACE)
    assert "No services were found" in render_referral_list([], PLACE, fmt="html")
    with pytest.raises(InputError, match="unknown referral list format"):
        render_referral_list([], PLACE, fmt="pdf")  # type: ignore[arg-type]


def test_a_list_from_the_city_carries_no_student_data(small_store: MemoryStore) -> None:
    school = small_store.nodes(Label.SCHOOL)[0]
    rows = find_nearby(small_store, school["lat"], school["lon"], limit=30)
    text = render_referral_list(rows, Place(lat=school["lat"], lon=school["lon"], label=school["name"]), fmt="html")
    assert len(rows) == 30
    assert all(r.phone and r.phone in text for r in rows)
    assert "stu-" not in text and "fam-" not in text
