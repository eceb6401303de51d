"""The grade a lead's qualification suggests: a plain function, no Odoo model."""


def suggest_grade(budget, urgency, decision_chain):
    """A when the budget is confirmed, the need urgent (high) and the decision chain short; C
    when the urgency is low or not assessed yet; B in every other case."""
    if budget == "confirmed" and urgency == "high" and decision_chain == "short":
        return "a"
    if urgency in (False, None, "low"):
        return "c"
    return "b"
