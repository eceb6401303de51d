"""Lead codes (SOURCE-YYYYMMDD-NNN): plain functions on strings, no Odoo model.

The serials themselves come from the source's sequence (utm.source); here are the shapes a code
may take and how one is written.
"""

import re

# A code kept from an imported tracker: letters, digits and - _ . /, 64 at most.
IMPORTED_CODE = re.compile(r"[\w\-./]{1,64}")


def is_imported_code(code):
    """Whether ``code`` may be kept as it is from a tracker."""
    return bool(IMPORTED_CODE.fullmatch(code))


def follows_pattern(code, prefixes):
    """Whether ``code`` is PREFIX-YYYYMMDD-NNN (3 to 6 digits) for one of ``prefixes``."""
    return any(re.fullmatch(rf"{re.escape(prefix)}-\d{{8}}-\d{{3,6}}", code) for prefix in prefixes)


def pattern_label(prefixes):
    """The patterns of ``prefixes``, as a user reads them: "WEB-YYYYMMDD-NNN, ..."."""
    return ", ".join(f"{prefix}-YYYYMMDD-NNN" for prefix in sorted(prefixes))


def codes(prefix, suffix, first, count, step, padding):
    """The ``count`` codes from serial ``first`` on, ``step`` apart, the serial zero-padded to
    ``padding`` digits between the sequence's ``prefix`` and ``suffix``."""
    return [f"{prefix}{first + index * step:0{padding}d}{suffix}" for index in range(count)]
