"""Dates of the follow-up rhythm: plain functions on dates, no Odoo model."""

import datetime


def days_within(working_days, start, interval):
    """The working days of the ``interval`` calendar days from ``start`` (included).

    ``working_days`` is the sorted list of working days from ``start`` on. When the interval
    holds none (a grade-A rhythm of one day starting on a Saturday), the first working day after
    it is the only one.
    """
    end = start + datetime.timedelta(days=max(interval, 1))
    within = [day for day in working_days if start <= day < end]
    if within:
        return within
    later = [day for day in working_days if day >= end]
    return later[:1]


def turn(days, index):
    """The day of the ``index``-th item (from 0) given the ``days`` (sorted) in turn: items
    take the days one after the other, and start again from the first when they run out."""
    if not days:
        raise ValueError("no day to spread over")
    return days[index % len(days)]
