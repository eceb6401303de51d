from odoo.tools import SQL


def uninstall_hook(env):
    """Leave the leads usable and their history readable once the module is gone.

    Odoo removes the module's records (activity type, risk types, lost reason) before it drops
    its tables; what still points at them is settled here first, so the uninstall runs clean:

    - the Follow-up activities, open and done, become To-Do activities: the salespeople keep
      their schedule and the lead chatter keeps its history;
    - the lost reason "No response" stays (without its external id) when leads were lost with it;
    - the risks go before their types (their table goes anyway);
    - the per-source lead-code sequences and the follow-up settings are removed.
    """
    followup_type = env.ref("sales_followup.mail_activity_type_followup", raise_if_not_found=False)
    todo_type = env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
    if followup_type and todo_type:
        env.flush_all()
        # Plain SQL: the activities' own write logic (and this module's one-open-follow-up guard)
        # has nothing to do with changing a type that is about to disappear.
        env.cr.execute(
            SQL(
                "UPDATE mail_activity SET activity_type_id = %s WHERE activity_type_id = %s",
                todo_type.id,
                followup_type.id,
            )
        )
        env["mail.activity"].invalidate_model(["activity_type_id"])

    no_response = env.ref("sales_followup.lost_reason_no_response", raise_if_not_found=False)
    if no_response and env["crm.lead"].with_context(active_test=False).search_count(
        [("lost_reason_id", "=", no_response.id)], limit=1
    ):
        env["ir.model.data"].search(
            [("module", "=", "sales_followup"), ("name", "=", "lost_reason_no_response")]
        ).unlink()

    env.cr.execute(SQL("DELETE FROM sales_followup_risk"))
    env["ir.sequence"].sudo().with_context(active_test=False).search(
        [("code", "=", "sales_followup.lead_code.source")]
    ).unlink()
    env["ir.config_parameter"].sudo().search([("key", "=like", "sales_followup.%")]).unlink()
