from collections import defaultdict

from odoo import _, api, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.misc import format_amount, format_date

DAYS_PER_YEAR = 365


class B2bCollectionInterest(models.AbstractModel):
    """How much late interest and compensation an invoice owes: the
    calculations of the late charges, kept apart from their ledger
    (``b2b.collection.charge``), which records what was charged.

    Interest is simple interest, per day, on what each overdue instalment still
    owed at the start of the day, at a yearly rate over 365 days."""

    _name = "b2b.collection.interest"
    _description = "Late Interest Calculation"

    @api.model
    def _b2b_interest_rows(self, requests):
        """Interest bases of invoices, in one query. ``requests`` are
        ``(move_id, date_to, level_id)``: charge the days not charged yet up to
        ``date_to`` (included) under ``level_id``'s rules.

        Each overdue instalment (``_b2b_sql_instalments``) bears interest from
        the day after its due date, or after the last day already charged on
        the invoice, to ``date_to``. The amount of a day is what the
        instalment still owed at the start of that day (in the invoice's
        currency): its amount minus the reconciliations (payments, credit
        notes, any match) whose ``max_date`` is before that day. A payment
        dated day 20 thus bears interest on day 20 and stops it from day 21.
        Days are cut into segments at each reduction and each half-year
        (``_b2b_sql_segments``); under the EU statutory rule a segment's rate
        is the reference rate in force on the first day of its half-year,
        plus the level's margin (``_b2b_sql_interest_by_rate``).

        Returns one row per invoice and rate: ``amount_days`` (Σ amount owed ×
        days), the yearly ``rate`` (None when no reference rate is known for
        ``half_year``), and the first and last day of that rate."""
        for model in (
            "account.move",
            "account.move.line",
            "account.partial.reconcile",
            "b2b.collection.charge",
            "b2b.collection.policy.level",
            "b2b.collection.reference.rate",
        ):
            self.env[model].flush_model()
        return self.env.execute_query_dict(
            SQL(
                "WITH %s, %s %s",
                self._b2b_sql_instalments(requests),
                self._b2b_sql_segments(),
                self._b2b_sql_interest_by_rate(),
            )
        )

    @api.model
    def _b2b_sql_instalments(self, requests):
        """CTEs ``req`` (the ``requests``), ``charged`` (the last day charged
        on each invoice) and ``instalments``: the receivable lines of the
        posted invoices requested (never a late charges invoice) with the
        first day they bear interest, when it is on or before ``date_to``."""
        move_ids, ends, level_ids = zip(*requests)
        return SQL(
            """
            req AS (
                SELECT r.move_id, r.date_to, r.level_id
                  FROM unnest(%(moves)s::int[], %(ends)s::date[], %(levels)s::int[])
                       AS r(move_id, date_to, level_id)
            ), charged AS (
                SELECT c.move_id, MAX(c.date_to) AS charged_to
                  FROM b2b_collection_charge c
                 WHERE c.move_id IN (SELECT move_id FROM req)
              GROUP BY c.move_id
            ), instalments AS (
                SELECT req.move_id, req.level_id, req.date_to, l.id AS line_id,
                       l.amount_currency AS amount,
                       GREATEST(l.date_maturity + 1, ch.charged_to + 1) AS date_from
                  FROM req
                  JOIN account_move m ON m.id = req.move_id
                  JOIN account_move_line l ON l.move_id = m.id
             LEFT JOIN charged ch ON ch.move_id = req.move_id
                 WHERE %(receivable)s
                   AND l.amount_currency > 0
                   AND m.state = 'posted'
                   AND NOT COALESCE(m.b2b_is_charge_invoice, FALSE)
                   AND GREATEST(l.date_maturity + 1, ch.charged_to + 1) <= req.date_to
            )
            """,
            moves=list(move_ids),
            ends=list(ends),
            levels=list(level_ids),
            receivable=self.env["account.move.line"]._b2b_sql_receivable("l"),
        )

    @api.model
    def _b2b_sql_segments(self):
        """CTEs ``starts`` and ``segments``: the days of each instalment cut
        at each reduction of what it owes (the day after a reconciliation)
        and at each half-year, each segment with its half-year."""
        return SQL(
            """
            starts AS (
                SELECT i.line_id, i.date_from AS day
                  FROM instalments i
                 UNION
                SELECT i.line_id, p.max_date + 1
                  FROM instalments i
                  JOIN account_partial_reconcile p ON p.debit_move_id = i.line_id
                 WHERE p.max_date + 1 > i.date_from AND p.max_date + 1 <= i.date_to
                 UNION
                SELECT i.line_id, h.day::date
                  FROM instalments i,
                       generate_series(date_trunc('year', i.date_from::timestamp),
                                       i.date_to::timestamp, interval '6 months') AS h(day)
                 WHERE h.day::date > i.date_from
            ), segments AS (
                SELECT i.move_id, i.level_id, i.line_id, i.amount, s.day AS day_from,
                       COALESCE(LEAD(s.day) OVER (PARTITION BY s.line_id ORDER BY s.day) - 1,
                                i.date_to) AS day_to,
                       make_date(EXTRACT(YEAR FROM s.day)::int,
                                 CASE WHEN EXTRACT(MONTH FROM s.day) <= 6 THEN 1 ELSE 7 END,
                                 1) AS half_year
                  FROM starts s
                  JOIN instalments i ON i.line_id = s.line_id
            )
            """
        )

    @api.model
    def _b2b_sql_interest_by_rate(self):
        """The rows: per invoice and rate, Σ what each segment owed at its
        start × its days, at the level's yearly rate (EU statutory: the
        reference rate of the segment's half-year plus the margin)."""
        return SQL(
            """
            SELECT s.move_id,
                   CASE WHEN lv.interest_mode = 'eu_statutory' THEN s.half_year END
                       AS half_year,
                   CASE WHEN lv.interest_mode = 'eu_statutory'
                        THEN ref.rate + lv.interest_margin
                        ELSE lv.interest_rate END AS rate,
                   MIN(s.day_from) AS date_from,
                   MAX(s.day_to) AS date_to,
                   SUM(GREATEST(s.amount - COALESCE(paid.amount, 0), 0)
                       * (s.day_to - s.day_from + 1)) AS amount_days
              FROM segments s
              JOIN b2b_collection_policy_level lv ON lv.id = s.level_id
         LEFT JOIN LATERAL (
                    SELECT SUM(p.debit_amount_currency) AS amount
                      FROM account_partial_reconcile p
                     WHERE p.debit_move_id = s.line_id AND p.max_date < s.day_from
                   ) paid ON TRUE
         LEFT JOIN LATERAL (
                    SELECT r.rate
                      FROM b2b_collection_reference_rate r
                     WHERE r.currency_id = lv.reference_currency_id
                       AND r.date_from <= s.half_year
                  ORDER BY r.date_from DESC
                     LIMIT 1
                   ) ref ON lv.interest_mode = 'eu_statutory'
             WHERE lv.interest_mode IN ('annual', 'eu_statutory')
          GROUP BY s.move_id, 2, 3
          ORDER BY s.move_id, MIN(s.day_from)
            """
        )

    @api.model
    def _b2b_compute(self, requests, company, charge_date):
        """Interest of each requested invoice (see ``_b2b_interest_rows``),
        converted into the company currency at the rate of ``charge_date``.
        Returns ``({move_id: values}, missing)``, ``missing`` being the
        ``(move_id, half_year)`` without a reference rate (those invoices are
        left out)."""
        if not requests:
            return {}, []
        rows = self._b2b_interest_rows(requests)
        ends = {move_id: date_to for move_id, date_to, _level in requests}
        periods = defaultdict(list)
        missing = []
        for row in rows:
            if row["rate"] is None:
                missing.append((row["move_id"], row["half_year"]))
            periods[row["move_id"]].append(row)
        left_out = {move_id for move_id, _half_year in missing}
        company_currency = company.currency_id
        factors = {}
        result = {}
        moves = self.env["account.move"].browse(list(periods))
        for move in moves.filtered(lambda m: m.id not in left_out):
            currency = move.currency_id
            if currency not in factors:
                factors[currency] = currency._get_conversion_rate(
                    currency, company_currency, company, charge_date
                )
            move_periods = periods[move.id]
            amount_currency = sum(
                float(p["amount_days"]) * float(p["rate"]) for p in move_periods
            ) / (100.0 * DAYS_PER_YEAR)
            date_from = min(p["date_from"] for p in move_periods)
            date_to = ends[move.id]
            values = {
                "date_from": date_from,
                "date_to": date_to,
                "interest_days": (date_to - date_from).days + 1,
                "move_currency_id": currency.id,
                "interest_amount_currency": currency.round(amount_currency),
                "interest_amount": company_currency.round(
                    amount_currency * factors[currency]
                ),
                "rates": self._b2b_rates_text(move_periods),
            }
            values["name"] = self._b2b_interest_label(move, values, company_currency)
            result[move.id] = values
        return result, missing

    @api.model
    def _b2b_rates_text(self, periods):
        """'9.50 %', or '10.15 % from 12/12/2025, 11.00 % from 01/01/2026'."""
        merged = []
        for period in sorted(periods, key=lambda p: p["date_from"]):
            rate = float(period["rate"])
            if not merged or merged[-1][0] != rate:
                merged.append((rate, period["date_from"]))
        if len(merged) == 1:
            return f"{merged[0][0]:.2f} %"
        return ", ".join(
            _(
                "%(rate)s %% from %(date)s",
                rate=f"{rate:.2f}",
                date=format_date(self.env, day),
            )
            for rate, day in merged
        )

    @api.model
    def _b2b_interest_label(self, move, values, company_currency):
        label = _(
            "Late interest on %(invoice)s: %(start)s to %(end)s (%(days)s days) at "
            "%(rates)s",
            invoice=move.name,
            start=format_date(self.env, values["date_from"]),
            end=format_date(self.env, values["date_to"]),
            days=values["interest_days"],
            rates=values["rates"],
        )
        if move.currency_id != company_currency:
            label = _(
                "%(label)s, %(amount)s",
                label=label,
                amount=format_amount(
                    self.env, values["interest_amount_currency"], move.currency_id
                ),
            )
        return label

    @api.model
    def _b2b_missing_rate_message(self, missing, level):
        half_years = sorted({half_year for _move, half_year in missing})
        return _(
            "No reference rate of %(currency)s is known on %(dates)s (the rate in "
            "force on the first day of a half-year applies to it): add it in "
            "Collections > Configuration > Reference Rates.",
            currency=level.reference_currency_id.name,
            dates=", ".join(format_date(self.env, day) for day in half_years),
        )

    @api.model
    def _b2b_overdue_amounts(self, moves, on_date):
        """Residual (company currency) of the instalments of ``moves`` due before
        ``on_date``: what is overdue, without the instalments not due yet."""
        rows = self.env["account.move.line"]._read_group(
            [
                ("move_id", "in", moves.ids),
                *self.env["account.move.line"]._b2b_open_receivable_domain(),
                ("date_maturity", "<", on_date),
            ],
            ["move_id"],
            ["amount_residual:sum"],
        )
        return {move.id: amount for move, amount in rows}

    @api.model
    def _b2b_compensation(self, level, moves, overdue, company, charge_date):
        """EU fixed compensation of the overdue invoices of ``moves`` not
        compensated yet, converted into the company currency at the rate of
        ``charge_date``: ``{move_id: amount}``."""
        if level.interest_mode != "eu_statutory" or not level.compensation_fixed:
            return {}
        currency = company.currency_id
        eligible = moves.filtered(
            lambda m: currency.compare_amounts(overdue.get(m.id, 0.0), 0.0) > 0
        )
        if not eligible:
            return {}
        done = {
            move.id
            for [move] in self.env["b2b.collection.charge"]
            .sudo()
            ._read_group(
                [("move_id", "in", eligible.ids), ("compensation_amount", ">", 0)],
                ["move_id"],
            )
        }
        eligible = eligible.filtered(lambda m: m.id not in done)
        if not eligible:
            return {}
        source = level.compensation_currency_id or currency
        if source != currency and not self.env["res.currency.rate"].sudo().search(
            [
                ("currency_id", "=", source.id),
                ("name", "<=", charge_date),
                ("company_id", "in", [False, company.root_id.id]),
            ],
            limit=1,
        ):
            raise UserError(
                _(
                    "No exchange rate of %(from_currency)s on or before %(date)s: the fixed "
                    "compensation of %(amount)s cannot be converted into %(currency)s. "
                    "Add the rate in Accounting > Configuration > Currencies.",
                    from_currency=source.name,
                    date=format_date(self.env, charge_date),
                    amount=format_amount(self.env, level.compensation_fixed, source),
                    currency=currency.name,
                )
            )
        amount = source._convert(
            level.compensation_fixed, currency, company, charge_date
        )
        return {move.id: amount for move in eligible}
