import re

from odoo import _, api, fields, models, tools
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL, frozendict

from ..tools import tracker_cells

WORD_KINDS = [
    ("vague", "Vague Summary"),
    ("method", "Contact Method"),
    ("no_answer", "No Answer"),
]


def vague_key(text):
    """A summary as the vague words are compared with it: lowercase, its punctuation and
    spaces folded into single spaces ("Follow-up!" and "follow up" are the same)."""
    return re.sub(r"[\s\W_]+", " ", (text or "").lower()).strip()


def word_key(kind, text):
    """How a word of ``kind`` is matched: a vague word against a whole summary (see
    ``vague_key``), the other words inside a tracker's text, lowercase."""
    if kind == "vague":
        return vague_key(text)
    return (text or "").strip().lower()


class SalesFollowupWord(models.Model):
    """Words that users write, as a list a sales manager extends: the whole summaries too
    vague to be a follow-up log, the words of a tracker's follow-up record that tell how the
    contact was made or that the customer did not answer. Chinese and English are shipped.

    The lists are read once per process and language (``_words_of_lang``), not once per log
    saved; any change to a word clears them."""

    _name = "sales.followup.word"
    _inherit = ["sales.followup.input.guard"]
    _description = "Follow-up Word"
    _order = "kind, name, id"
    _input_visible_fields = ("name",)

    name = fields.Char(string="Word", required=True)
    kind = fields.Selection(
        WORD_KINDS,
        required=True,
        default="vague",
        help="Vague Summary: a log whose whole summary is this word is refused. Contact "
        "Method: a tracker's follow-up record holding this word was made by its method. No "
        "Answer: a tracker's follow-up record holding this word was not answered.",
    )
    method = fields.Selection(
        selection="_selection_method",
        compute="_compute_method",
        store=True,
        readonly=False,
        help="The contact method a tracker's follow-up record holding this word gets.",
    )
    lang = fields.Selection(
        selection="_selection_lang",
        string="Language",
        help="The language of the people it applies to (the language of their screens). "
        "Empty: everyone's.",
    )
    company_id = fields.Many2one(
        "res.company",
        index=True,
        help="The company whose logs and imports it applies to. Empty: every company.",
    )
    active = fields.Boolean(default=True)
    key = fields.Char(
        string="Matched As",
        compute="_compute_key",
        store=True,
        help="The word as it is compared: lowercase, and for a vague summary without its "
        "punctuation.",
    )

    def init(self):
        # One word per kind, language and company, an empty language or company being one
        # value (a plain UNIQUE would let two "every company" rows share a word).
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS sales_followup_word_key_uniq "
            "ON sales_followup_word (kind, key, COALESCE(lang, ''), COALESCE(company_id, 0))"
        )

    @api.model
    def _selection_method(self):
        methods = self.env["sales.followup.log"]._fields["method"]._description_selection(self.env)
        return [(value, label) for value, label in methods if value != "other"]

    @api.model
    def _selection_lang(self):
        return self.env["res.lang"].get_installed()

    @api.depends("kind")
    def _compute_method(self):
        for word in self:
            if word.kind != "method":
                word.method = False

    @api.depends("kind", "name")
    def _compute_key(self):
        for word in self:
            word.key = word_key(word.kind, word.name)

    @api.constrains("name", "kind", "method", "lang", "company_id")
    def _check_word(self):
        for word in self:
            if not word.key:
                raise ValidationError(
                    _("Word: '%(word)s' has no letter or digit to match.", word=word.name)
                )
            if word.kind == "method" and not word.method:
                raise ValidationError(
                    _(
                        "Method: the word '%(word)s' is a contact method; say which one.",
                        word=word.name,
                    )
                )
        # Also checked by the unique index; here with a message naming the word. Read without
        # flushing: the flush would write these words' keys and meet the index first.
        self.env.cr.execute(
            SQL(
                "SELECT kind, key, COALESCE(lang, ''), COALESCE(company_id, 0) "
                "FROM sales_followup_word WHERE key = ANY(%s) AND NOT id = ANY(%s)",
                list(set(self.mapped("key"))),
                self.ids,
            )
        )
        taken = set(self.env.cr.fetchall())
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for word in self:
            identity = (word.kind, word.key, word.lang or "", word.company_id.id or 0)
            if identity in taken:
                raise ValidationError(
                    _(
                        "Word: '%(word)s' is already a word of the list (%(kind)s), for the "
                        "same language and company.",
                        word=word.name,
                        kind=kinds[word.kind],
                    )
                )
            taken.add(identity)

    @api.model_create_multi
    def create(self, vals_list):
        words = super().create(vals_list)
        self.env.registry.clear_cache()
        return words

    def write(self, vals):
        res = super().write(vals)
        self.env.registry.clear_cache()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_shipped(self):
        shipped = (
            self.env["ir.model.data"]
            .sudo()
            .search_fetch(
                [
                    ("model", "=", self._name),
                    ("res_id", "in", self.ids),
                    ("module", "=", "sales_followup"),
                ],
                ["res_id"],
                limit=1,
            )
        )
        if shipped:
            raise UserError(
                _(
                    "Word: '%(word)s' is shipped with Sales Follow-up: archive it instead of "
                    "deleting it (a deleted one would come back with the next upgrade).",
                    word=self.browse(shipped.res_id).name,
                )
            )

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    # ------------------------------------------------------------
    # The lists, as the log and the tracker import read them
    # ------------------------------------------------------------

    @api.model
    @tools.ormcache("lang")
    def _words_of_lang(self, lang):
        """{kind: ((key, method, company id or False), ...)} of the active words of ``lang``
        and of every language, whoever reads them (read once, then from the cache)."""
        words = (
            self.sudo()
            .with_context(active_test=True)
            .search_fetch([("lang", "in", [lang, False])], ["kind", "key", "method", "company_id"])
        )
        by_kind = {}
        for word in words:
            by_kind.setdefault(word.kind, []).append(
                (word.key, word.method or False, word.company_id.id)
            )
        return frozendict({kind: tuple(rows) for kind, rows in by_kind.items()})

    @api.model
    def _words(self, kind, company_ids):
        """The words of ``kind`` for the reader's language (that of the context, else the
        user's) in one of ``company_ids`` (words of every company included):
        ((key, method), ...)."""
        lang = self.env.lang or self.env.user.lang or "en_US"
        companies = {False, *company_ids}
        return tuple(
            (key, method)
            for key, method, company_id in self._words_of_lang(lang).get(kind, ())
            if company_id in companies
        )

    @api.model
    def _is_vague(self, summary, companies):
        """Whether ``summary`` is, as a whole, a vague word of the reader's language.
        ``companies``: a function giving the companies (res.company) of the logs it is
        written for, called only when a word of some companies only is the summary."""
        key = vague_key(summary)
        if not key:
            return False
        lang = self.env.lang or self.env.user.lang or "en_US"
        owners = {
            company_id
            for word, _method, company_id in self._words_of_lang(lang).get("vague", ())
            if word == key
        }
        if not owners:
            return False
        return False in owners or bool(owners & set(companies().ids))

    @api.model
    def _tracker_words(self, company):
        """The words a tracker import of ``company`` reads contacts with (read once per
        import or chunk): a tracker_cells.ContactWords."""
        return tracker_cells.contact_words(
            self._words("method", company.ids),
            [key for key, _method in self._words("no_answer", company.ids)],
        )
