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


def spread(count, days):
    """The day of each of ``count`` items spread evenly over ``days`` (sorted): the first items
    get the first days, and no day gets more than one item more than another."""
    if count <= 0:
        return []
    if not days:
        raise ValueError("no day to spread over")
    return [days[index * len(days) // count] for index in range(count)]
