-- The habitual overlaps: see macros/leaderboards/habitual_cohort.sql and _leaderboards__models.yml.
{{ data_pipeline.habitual_cohort('overlaps') }}
