-- One row per calendar day from 2020 to 2035: MetricFlow's time spine (days without rows
-- still get a place in cumulative and time-spine-joined metrics).
with

days as (
    select
        unnest(
            generate_series(date '2020-01-01', date '2035-12-31', interval 1 day)
        )::date as date_day
)

select * from days
