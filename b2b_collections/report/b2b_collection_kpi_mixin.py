import calendar
import math
from collections import defaultdict
from datetime import date

from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.osv import expression


def exact_sum(values):
    """Sum of the monthly sums: integers stay integers, floats are added
    without accumulating rounding errors."""
    values = list(values)
    return sum(values) if all(isinstance(v, int) for v in values) else math.fsum(values)


# aggregates of monthly sub-groups that combine into the group's aggregate
COMBINE = {"sum": exact_sum, "max": max, "min": min}


def month_asof(month, today):
    """Last day of ``month`` counted in the figures: the month's last day, or
    today for the month in progress."""
    last = date(
        month.year, month.month, calendar.monthrange(month.year, month.month)[1]
    )
    return min(last, today)


def month_days(month, today):
    """Days of ``month`` counted in the figures (elapsed days for the month in
    progress)."""
    return (month_asof(month, today) - month).days + 1


class B2bCollectionKpiMixin(models.AbstractModel):
    """Exact ratios of a monthly SQL analysis model, in any grouping.

    Rows are one per month (field ``date``, first day of the month) and other
    dimensions. Pivot, graph and grouped lists aggregate with ``_read_group``:

    - additive measures (sales, cash, counts) are summed, as usual;
    - *stock* measures (receivable balances) are not additive over time: a
      group's value is the sum of its rows at the first month
      (``_b2b_first_fields``) or last month (``_b2b_last_fields``) of the
      group's period: the months of its date group (quarter, year...) that the
      domain selects, the same for every group of that date group;
    - ``days_in_period`` is the number of days of that period;
    - ratios (``_b2b_ratio_fields``) are computed by ``_b2b_compute_ratios``
      from the group's sums, stocks and days: ratios of sums, never sums or
      averages of ratios;
    - constants (``_b2b_constant_fields``, the company targets) are given when
      all the rows of the group share the value.

    Undefined ratios (no sales, no receivables...) and the ratios of a group
    mixing currencies (companies in different currencies) are left empty
    (``False``, as the ORM returns empty aggregates).

    Cost: one query reading the groups month by month (plus one for the
    monthly history when a ratio needs it and the domain restricts the
    dates), whatever the number of groups or rows. Calls the monthly read
    cannot serve (``having``, ``limit``, ordering by an aggregate, aggregates
    that do not combine across months) read the groups first, then the
    months.
    """

    _name = "b2b.collection.kpi.mixin"
    _description = "Collections KPI: exact ratios in any grouping"

    _b2b_period_field = "date"
    # False when no ratio depends on the period (no stock field, no days)
    _b2b_needs_period = True
    _b2b_first_fields = ()
    _b2b_last_fields = ()
    _b2b_constant_fields = ()
    _b2b_ratio_inputs = ()
    _b2b_ratio_fields = ()
    # fields whose monthly history some ratios need (countback DSO), and
    # those ratios
    _b2b_history_fields = ()
    _b2b_history_ratios = ()

    @api.model
    def _b2b_compute_ratios(self, values):
        """Ratios of one group from ``values``: the sums of
        ``_b2b_ratio_inputs``, the stock fields, ``days_in_period``, ``asof``
        (last day of the period) and, when ``_b2b_history_fields`` is set,
        ``history`` (month -> {field: sum}, every month up to the period's
        last one)."""
        return {}

    @api.model
    def _b2b_special_fields(self):
        return {
            *self._b2b_first_fields,
            *self._b2b_last_fields,
            *self._b2b_constant_fields,
            *self._b2b_ratio_fields,
            "days_in_period",
        }

    @api.model
    def _b2b_figures_by(self, domain, key, detail, fnames, detail_name, order=None):
        """The sums of ``fnames`` per ``key`` group ({key: {field: value}}),
        and per (``key``, ``detail``) group ({key: [{field: value, detail_name:
        the detail}]}, in ``order``): two read-groups. A figure with nothing to
        measure is None (0 is a figure, n/a is not)."""
        aggregates = [f"{fname}:sum" for fname in fnames]

        def figures(values):
            return {
                fname: None if value is False else value
                for fname, value in zip(fnames, values, strict=True)
            }

        totals = {
            group: figures(values)
            for group, *values in self._read_group(domain, [key], aggregates)
        }
        details = {}
        for group, sub, *values in self._read_group(
            domain, [key, detail], aggregates, order=order
        ):
            details.setdefault(group, []).append(
                dict(figures(values), **{detail_name: sub})
            )
        return totals, details

    # ------------------------------------------------------------ read_group

    @api.model
    def _read_group(
        self,
        domain,
        groupby=(),
        aggregates=(),
        having=(),
        offset=0,
        limit=None,
        order=None,
    ):
        groupby = tuple(groupby)
        aggregates = tuple(aggregates)
        special = self._b2b_special_fields()
        wanted = {
            spec
            for spec in aggregates
            if spec != "__count" and parse_read_group_spec(spec)[0] in special
        }
        if not wanted:
            return super()._read_group(
                domain, groupby, aggregates, having, offset, limit, order
            )
        month_order = self._b2b_month_order(groupby, order)
        if (
            not having
            and not offset
            and not limit
            and month_order is not None
            and all(
                spec == "__count" or parse_read_group_spec(spec)[2] in COMBINE
                for spec in aggregates
                if spec not in wanted
            )
        ):
            return self._b2b_read_group_by_month(
                domain, groupby, aggregates, wanted, month_order
            )
        return self._b2b_read_group_then_months(
            domain, groupby, aggregates, wanted, having, offset, limit, order
        )

    @api.model
    def _b2b_inputs(self):
        """Aggregates the ratios are computed from."""
        inputs = [f"{fname}:sum" for fname in self._b2b_ratio_inputs]
        inputs += [
            f"{fname}:{func}"
            for fname in self._b2b_constant_fields
            for func in ("min", "max")
        ]
        inputs += ["currency_id:min", "currency_id:max"]
        return inputs

    @api.model
    def _b2b_month_spec(self):
        return f"{self._b2b_period_field}:month"

    @api.model
    def _b2b_month_order(self, groupby, order):
        """The order of the month by month read, when ``order`` only sorts by
        the groupby (the groups then come out in the same order); None
        otherwise."""
        month_spec = self._b2b_month_spec()
        terms = [term.strip() for term in (order or "").split(",") if term.strip()]
        if any(term.split()[0] not in groupby for term in terms):
            return None
        if not terms:
            terms = list(groupby)
        if month_spec not in (term.split()[0] for term in terms):
            terms.append(month_spec)
        return ", ".join(terms)

    @api.model
    def _b2b_date_positions(self, groupby):
        return [
            index
            for index, spec in enumerate(groupby)
            if parse_read_group_spec(spec)[0] == self._b2b_period_field
        ]

    @api.model
    def _b2b_has_date_condition(self, domain):
        return any(
            isinstance(leaf, list | tuple)
            and len(leaf) == 3
            and str(leaf[0]).split(".")[0] == self._b2b_period_field
            for leaf in domain
        )

    @api.model
    def _b2b_read_group_by_month(self, domain, groupby, aggregates, wanted, order):
        """One query grouped by ``groupby`` and month; each group's
        aggregates combined from its months."""
        stock_fields = (*self._b2b_first_fields, *self._b2b_last_fields)
        plain = [spec for spec in aggregates if spec not in wanted]
        sub_aggregates = list(
            dict.fromkeys(
                [
                    *plain,
                    *self._b2b_inputs(),
                    *(f"{fname}:sum" for fname in stock_fields),
                    *(f"{fname}:sum" for fname in self._b2b_history_fields),
                ]
            )
        )
        groups = self._b2b_monthly_groups(domain, groupby, sub_aggregates, order)
        stocks = {
            (key, month): {
                fname: month_values[f"{fname}:sum"] or 0.0 for fname in stock_fields
            }
            for key, months in groups.items()
            for month, month_values in months.items()
        }
        date_positions = self._b2b_date_positions(groupby)
        periods = self._b2b_periods(
            (tuple(key[i] for i in date_positions), month)
            for key, months in groups.items()
            for month in months
        )
        history = {}
        if self._b2b_needs_history(wanted):
            if self._b2b_has_date_condition(domain):
                history = self._b2b_history(domain, groupby)
            else:
                history = self._b2b_history_of_groups(groups, date_positions)
        result = []
        for key, months in groups.items():
            combined = {
                spec: self._b2b_combine(spec, months) for spec in sub_aggregates
            }
            values = self._b2b_group_values(
                key, combined, stocks, periods, history, date_positions
            )
            result.append(
                (
                    *key,
                    *(
                        values[parse_read_group_spec(spec)[0]]
                        if spec in wanted
                        else combined[spec]
                        for spec in aggregates
                    ),
                )
            )
        return result

    @api.model
    def _b2b_monthly_groups(self, domain, groupby, sub_aggregates, order):
        """One query: ``{key: {month: {spec: value}}}``, the aggregates
        ``sub_aggregates`` of each group of ``groupby`` month by month, in the
        order read (``order``)."""
        month_spec = self._b2b_month_spec()
        sub_groupby = groupby if month_spec in groupby else (*groupby, month_spec)
        month_position = sub_groupby.index(month_spec)
        sub_rows = super()._read_group(domain, sub_groupby, sub_aggregates, order=order)
        groups = {}
        for sub_row in sub_rows:
            key = tuple(sub_row[: len(groupby)])
            values = dict(zip(sub_aggregates, sub_row[len(sub_groupby) :], strict=True))
            groups.setdefault(key, {})[sub_row[month_position]] = values
        if not groups and not groupby:
            groups[()] = {}
        return groups

    @api.model
    def _b2b_combine(self, spec, months):
        """The aggregate ``spec`` of a group from its ``months`` (``COMBINE``:
        sums of sums, max of maxima...)."""
        func = "sum" if spec == "__count" else parse_read_group_spec(spec)[2]
        values = [
            month_values[spec]
            for month_values in months.values()
            if month_values[spec] is not False
        ]
        return COMBINE[func](values) if values else self._read_group_empty_value(spec)

    @api.model
    def _b2b_history_of_groups(self, groups, date_positions):
        """The monthly history (see ``_b2b_history``) summed from the months
        of ``groups`` already read, when the domain does not restrict the
        dates: {key without its date groupings: {month: {field: sum}}}."""
        history = defaultdict(lambda: defaultdict(dict))
        for key, months in groups.items():
            other_key = tuple(
                value for index, value in enumerate(key) if index not in date_positions
            )
            for month, month_values in months.items():
                for fname in self._b2b_history_fields:
                    sums = history[other_key][month]
                    sums[fname] = sums.get(fname, 0.0) + (
                        month_values[f"{fname}:sum"] or 0.0
                    )
        return history

    @api.model
    def _b2b_read_group_then_months(
        self, domain, groupby, aggregates, wanted, having, offset, limit, order
    ):
        """The groups as the ORM reads them (having, limit, any order), then
        one query by month for their stocks and periods."""
        extra = tuple(
            spec for spec in dict.fromkeys(self._b2b_inputs()) if spec not in aggregates
        )
        rows = super()._read_group(
            domain, groupby, aggregates + extra, having, offset, limit, order
        )
        if not rows:
            return rows
        position = {
            spec: len(groupby) + index for index, spec in enumerate(aggregates + extra)
        }
        stock_fields = (*self._b2b_first_fields, *self._b2b_last_fields)
        month_spec = self._b2b_month_spec()
        sub_groupby = groupby if month_spec in groupby else (*groupby, month_spec)
        month_position = sub_groupby.index(month_spec)
        date_positions = self._b2b_date_positions(groupby)
        stocks, months = {}, []
        if self._b2b_needs_period:
            for sub_row in super()._read_group(
                domain, sub_groupby, [f"{fname}:sum" for fname in stock_fields]
            ):
                key = tuple(sub_row[: len(groupby)])
                month = sub_row[month_position]
                months.append((tuple(key[i] for i in date_positions), month))
                stocks[key, month] = {
                    fname: value or 0.0
                    for fname, value in zip(
                        stock_fields, sub_row[len(sub_groupby) :], strict=True
                    )
                }
        periods = self._b2b_periods(months)
        history = (
            self._b2b_history(domain, groupby)
            if self._b2b_needs_history(wanted)
            else {}
        )
        result = []
        for row in rows:
            key = tuple(row[: len(groupby)])
            combined = {spec: row[index] for spec, index in position.items()}
            values = self._b2b_group_values(
                key, combined, stocks, periods, history, date_positions
            )
            new_row = list(row[: len(groupby) + len(aggregates)])
            for spec in wanted:
                new_row[position[spec]] = values[parse_read_group_spec(spec)[0]]
            result.append(tuple(new_row))
        return result

    @api.model
    def _b2b_needs_history(self, wanted):
        return self._b2b_history_fields and any(
            parse_read_group_spec(spec)[0] in self._b2b_history_ratios
            for spec in wanted
        )

    @api.model
    def _b2b_periods(self, date_key_months):
        """{date key: (first month, last month)} from (date key, month) pairs:
        the period of a date group is the same for all its groups."""
        months = defaultdict(set)
        for date_key, month in date_key_months:
            months[date_key].add(month)
        return {
            date_key: (min(key_months), max(key_months))
            for date_key, key_months in months.items()
        }

    @api.model
    def _b2b_group_values(
        self, key, combined, stocks, periods, history, date_positions
    ):
        """All the special values of the group ``key`` (field -> value; False
        when undefined) from its combined aggregates ``combined`` (spec ->
        value)."""
        today = fields.Date.context_today(self)
        first, last = periods.get(tuple(key[i] for i in date_positions), (None, None))
        values = {
            fname: combined[f"{fname}:sum"] or 0.0 for fname in self._b2b_ratio_inputs
        }
        for fname in self._b2b_first_fields:
            values[fname] = stocks.get((key, first), {}).get(fname, 0.0)
        for fname in self._b2b_last_fields:
            values[fname] = stocks.get((key, last), {}).get(fname, 0.0)
        values["days_in_period"] = (
            (month_asof(last, today) - first).days + 1 if first else 0
        )
        values["asof"] = month_asof(last, today) if last else None
        if self._b2b_history_fields:
            other_key = tuple(
                value for index, value in enumerate(key) if index not in date_positions
            )
            values["history"] = {
                month: sums
                for month, sums in history.get(other_key, {}).items()
                if last and month <= last
            }
        single_currency = combined["currency_id:min"] == combined["currency_id:max"]
        if single_currency and (first or not self._b2b_needs_period):
            values.update(self._b2b_compute_ratios(values))
        else:
            values.update(dict.fromkeys(self._b2b_ratio_fields))
        for fname in self._b2b_constant_fields:
            low, high = combined[f"{fname}:min"], combined[f"{fname}:max"]
            values[fname] = low if single_currency and low == high else None
        # undefined (no sales, no receivables...): the ORM's empty aggregate,
        # False, which the web client shows as a blank
        return {
            fname: False if value is None else value for fname, value in values.items()
        }

    @api.model
    def _b2b_history(self, domain, groupby):
        """One query: the monthly sums of ``_b2b_history_fields`` of each
        group without its date grouping, over every month (the domain's
        conditions on the date are dropped)."""
        period_field = self._b2b_period_field
        undated = [
            expression.TRUE_LEAF
            if isinstance(leaf, list | tuple)
            and len(leaf) == 3
            and str(leaf[0]).split(".")[0] == period_field
            else leaf
            for leaf in domain
        ]
        other = tuple(
            spec for spec in groupby if parse_read_group_spec(spec)[0] != period_field
        )
        sub_groupby = (*other, self._b2b_month_spec())
        history = defaultdict(dict)
        for sub_row in super()._read_group(
            undated,
            sub_groupby,
            [f"{fname}:sum" for fname in self._b2b_history_fields],
        ):
            history[tuple(sub_row[: len(other)])][sub_row[len(other)]] = {
                fname: value or 0.0
                for fname, value in zip(
                    self._b2b_history_fields, sub_row[len(sub_groupby) :], strict=True
                )
            }
        return history
