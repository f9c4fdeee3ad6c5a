"""SQL building blocks: literals, seeded random numbers, weighted choices, time formulas.

Every random number is ``uniform(row_key, 'salt')``, a temporary macro over DuckDB's
``hash`` of the seed, a row key and a salt, mapped to [0, 1): the same seed and options
give the same numbers whatever the number of threads (DuckDB ``random()`` is never used).
The outer ``hash`` decorrelates the numbers of different salts for the same row. Salts
are part of the data: renaming one changes the generated rows.

The SQL text is built from this package's constants and validated numbers only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

# Weights are numbers, or SQL expressions in `weighted_choice`.
Choices = Sequence[tuple[str | None, float | str]]
# The uniform number of a row for a salt: `salt -> "uniform(<row key>, 'salt')"`.
Uniform = Callable[[str], str]


def macro_statements(seed: int) -> list[str]:
    """The temporary macros every generation query uses (run once per connection)."""
    return [
        # The seeded uniform number in [0, 1) of a row key and a salt.
        f"""
        create or replace temp macro uniform(row_key, salt) as
            hash(hash({int(seed)}::bigint, row_key, salt)) / 18446744073709551616.0
        """,
        # Start of burst `burst_no` of a lead: burst 0 is the session that created the lead;
        # later bursts fall on later days (about `gap_days` apart), in working hours.
        """
        create or replace temp macro burst_start_s(lead_no, burst_no, created_s, gap_days) as
            case
                when burst_no = 0 then created_s
                else (created_s // 86400) * 86400
                    + (1 + floor(gap_days * (
                        burst_no - 1 + uniform(hash(lead_no, burst_no), 'burst_day')
                    )))::bigint * 86400
                    + (25200 + floor(uniform(hash(lead_no, burst_no), 'burst_tod') * 46800))::bigint
            end
        """,
        # Time of sales activity `activity_no` (0: the first touch) of a sales follow-up.
        """
        create or replace temp macro sales_activity_s(sales_key, activity_no, first_touch_s) as
            first_touch_s + case
                when activity_no = 0 then 0
                else floor(activity_no * 86400 * (
                    1.0 + 2.0 * uniform(hash(sales_key, activity_no), 'act_gap')
                ))::bigint
            end
        """,
    ]


def uniform_for(row_key: str) -> Uniform:
    """The uniform numbers of the rows keyed by the SQL expression ``row_key``, by salt."""

    def uniform(salt: str) -> str:
        return f"uniform({row_key}, {literal(salt)})"

    return uniform


def literal(value: str | None) -> str:
    """A SQL string literal (or null) for a constant of this package."""
    if value is None:
        return "null"
    return "'" + value.replace("'", "''") + "'"


def quoted(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping with its values as SQL string literals."""
    return {key: literal(value) for key, value in mapping.items()}


def weighted_choice(uniform: str, choices: Choices) -> str:
    """A value chosen by weight with the uniform number ``uniform``.

    Weights are numbers (normalised here) or SQL expressions (they must then sum to at
    most 1; the last choice takes the remainder and its weight is ignored).
    """
    if len(choices) == 1:
        return literal(choices[0][0])
    numeric = all(isinstance(weight, (int, float)) for _, weight in choices)
    total = sum(float(weight) for _, weight in choices) if numeric else 1.0
    whens: list[str] = []
    expressions: list[str] = []
    cumulative = 0.0
    for value, weight in choices[:-1]:
        if numeric:
            cumulative += float(weight) / total
            bound = f"{cumulative:.6f}"
        else:
            expressions.append(f"({weight})")
            bound = " + ".join(expressions)
        whens.append(f"when {uniform} < {bound} then {literal(value)}")
    return f"case {' '.join(whens)} else {literal(choices[-1][0])} end"


def uniform_choice(values: Sequence[str], uniform: str) -> str:
    """A value of a constant list, each equally likely."""
    items = ", ".join(literal(value) for value in values)
    return f"[{items}][1 + floor({uniform} * {len(values)})::integer]"


def case_of(expression: str, mapping: Mapping[str, str], default: str = "null") -> str:
    """``case expression when key then value ... else default end``.

    Keys are string constants, values and ``default`` SQL expressions.
    """
    whens = " ".join(f"when {literal(key)} then {value}" for key, value in mapping.items())
    return f"case {expression} {whens} else {default} end"


def mixed_case(expression: str, uniform: str) -> str:
    """An enumeration value in mixed case with spaces around it ('  Open ', 'Linkedin_ads ')."""
    capitalised = f"upper({expression}[1]) || {expression}[2:]"
    return f"""
        case
            when {uniform} < 0.25 then upper({expression})
            when {uniform} < 0.5 then '  ' || {capitalised} || ' '
            when {uniform} < 0.75 then {capitalised} || ' '
            else ' ' || upper({expression})
        end
    """


def missing_id(uniform: str) -> str:
    """What a missing id looks like: mostly null, sometimes blank."""
    return f"case when {uniform} < 0.2 then '' when {uniform} < 0.35 then '   ' else null end"


def lead_id(lead_no: str) -> str:
    """The CRM id of lead number ``lead_no`` ('L00000042')."""
    return f"printf('L%08d', {lead_no})"


def next_batch(epoch: str, seconds: int, jitter: str) -> str:
    """Landing time of a row that occurred at ``epoch``: the next EL batch plus a little."""
    return f"(({epoch} + {seconds - 1}) // {seconds}) * {seconds} + {jitter}"


def working_hours_later(
    epoch: str, min_days: int, span_days: int, day_uniform: str, time_uniform: str
) -> str:
    """A time in working hours (08:00-17:00 UTC), ``min_days`` to ``min_days + span_days``
    days after the day of ``epoch``."""
    return f"""
        (({epoch}) // 86400 + {min_days} + floor({day_uniform} * {span_days})::bigint) * 86400
            + 28800 + floor({time_uniform} * 32400)::bigint
    """
