"""The lead's follow-up states and the limits of its dates: plain values, no Odoo model."""

from datetime import date

FOLLOWUP_GRADES = [("a", "A"), ("b", "B"), ("c", "C")]
FOLLOWUP_STATUSES = [
    ("to_contact", "To Follow Up"),
    ("in_progress", "Following"),
    ("converted", "Converted"),
    ("lost", "Lost"),
    ("dormant", "Dormant"),
]
FOLLOWUP_ORIGINS = [
    ("odoo", "Created in Odoo"),
    ("existing", "Before Sales Follow-up"),
    ("import", "Imported Tracker"),
]
# Follow-up state the module keeps itself: computed, or moved by its actions and rules. A caller
# does not write it (the module's own code writes it as the superuser); the form never sends
# it (read-only), and a value sent back unchanged is ignored.
FOLLOWUP_SYSTEM_FIELDS = {
    "followup_status",
    "followup_next_date",
    "followup_last_date",
    "followup_unanswered_count",
    "followup_last_response_date",
    "followup_risk_level",
    "followup_lost_candidate",
    "followup_risk_type_ids",
    "followup_date_fixed",
    "followup_wakeup_date",
    "followup_postpone_count",
    "followup_postponed_from",
    "followup_in_pool",
    "followup_pool_date",
    "followup_pool_reason",
    "followup_previous_user_id",
    "followup_woken_date",
    "followup_reclaim_warned_date",
    "followup_escalation_level",
    "followup_escalation_due",
}
# The earliest lead date accepted: older dates are typing errors (0001-01-01, 1900-01-01).
LEAD_DATE_MIN = date(1990, 1, 1)
GRADE_RULE_HELP = (
    "Suggested from the three qualification questions: "
    "A when the budget is confirmed, the need is urgent (high) and the decision chain is short; "
    "C when the urgency is low or not assessed yet; B in every other case."
)
