from datetime import datetime, time, timedelta

import pytz

from odoo import models

# Without a working-time calendar (or with one that has no working day at all), follow-ups
# fall on Monday to Friday.
DEFAULT_WORKDAYS = range(5)


class ResourceCalendar(models.Model):
    _inherit = "resource.calendar"

    def _followup_working_days(self, first_day, last_day):
        """The working days from ``first_day`` to ``last_day`` (both included) by this calendar,
        its public holidays (leaves without a resource) left out; Monday to Friday without a
        calendar."""
        all_days = [
            first_day + timedelta(days=offset) for offset in range((last_day - first_day).days + 1)
        ]
        if not self:
            return [day for day in all_days if day.weekday() in DEFAULT_WORKDAYS]
        self.ensure_one()
        tz = pytz.timezone(self.tz or "UTC")
        start = tz.localize(datetime.combine(first_day, time.min))
        end = tz.localize(datetime.combine(last_day, time.max))
        intervals = self._work_intervals_batch(start, end, tz=tz)[False]
        worked = {interval_start.date() for interval_start, _end, _record in intervals}
        days = [day for day in all_days if day in worked]
        if not days and not self._followup_has_attendance():
            return [day for day in all_days if day.weekday() in DEFAULT_WORKDAYS]
        return days

    def _followup_has_attendance(self):
        return bool(self.attendance_ids) and not self.flexible_hours
