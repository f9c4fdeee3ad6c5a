{#-
    Contribution of one engagement rule given n matching events in the window:
    sign(points) * min(abs(points) * n, cap); a null cap means no limit.
-#}
{% macro capped_contribution(points, cap, event_count) -%}
    (
        case when {{ points }} < 0 then -1 else 1 end
        * case
            when {{ cap }} is null then abs({{ points }}) * {{ event_count }}
            when abs({{ points }}) * {{ event_count }} < {{ cap }} then abs({{ points }}) * {{ event_count }}
            else {{ cap }}
        end
    )
{%- endmacro %}
