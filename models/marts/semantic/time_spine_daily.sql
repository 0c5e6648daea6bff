-- One row per calendar day from 2020 to 2035: MetricFlow's time spine (days without rows
-- still get a place in cumulative and time-spine-joined metrics).
with

days as (
    select
        {{ date_range_unnest("date '2020-01-01'", "date '2035-12-31'") }} as date_day
)

select * from days
