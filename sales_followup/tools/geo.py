"""Check-in positions: plain checks and links on coordinates, no Odoo model."""

import math

# Beyond this, a browser's position says nothing about where the rep is (a whole city).
MAX_ACCURACY_METERS = 100_000


def position_problem(latitude, longitude, accuracy):
    """Why (latitude, longitude, accuracy) is not a position on Earth, as (field, value), or
    None when it is one. Latitude and longitude are WGS 84 degrees (what browsers give),
    accuracy the radius in meters."""
    for field, value, low, high in (
        ("latitude", latitude, -90.0, 90.0),
        ("longitude", longitude, -180.0, 180.0),
        ("accuracy", accuracy, 0.0, MAX_ACCURACY_METERS),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return field, value
        if not math.isfinite(value) or not low <= value <= high:
            return field, value
    return None


def map_url(latitude, longitude):
    """A link that opens the position on OpenStreetMap (WGS 84, as the browser gave it)."""
    return (
        f"https://www.openstreetmap.org/?mlat={latitude:.6f}&mlon={longitude:.6f}"
        f"#map=17/{latitude:.6f}/{longitude:.6f}"
    )
