{#- A predicate: the computed values a and b are equal by the spec's comparing rule, |a - b| <= 1e-9 *
    max(|a|, |b|, scale) (../shared/spec/candles-and-indicators.md, "Comparing"). The profiles' "equal" and
    "q75 = q25" use it: TA-Lib's own rounding leaves a flat stretch's RSI or ADX a cluster of values a few
    ulps apart, so an exact test would rank noise (docs/profiles.md, "Equal values"). scale 0: relative only.
    Plain ANSI (a case instead of greatest, whose NULL rule differs between engines). -#}
{% macro profiles_equal(a, b, scale=0) -%}
    (abs(({{ a }}) - ({{ b }})) <= {{ data_pipeline.profile_catalog().equal_relative }} * case
        when abs({{ a }}) >= abs({{ b }}) and abs({{ a }}) >= {{ scale }} then abs({{ a }})
        when abs({{ b }}) >= {{ scale }} then abs({{ b }})
        else {{ scale }}
    end)
{%- endmacro %}
