-- Invariant: every line of every loaded file is accounted for exactly once. Per ledger row,
-- lines read = loaded + quarantined + blank + expired (deleted by retention), and the loaded
-- and quarantined counts equal the rows that file version really has in raw.events and
-- raw.quarantine.

with

files as (
    select * from {{ source('segment', 'files') }}
),

events as (
    select * from {{ source('segment', 'events') }}
),

quarantine as (
    select * from {{ source('segment', 'quarantine') }}
),

events_per_file as (
    select
        _file_sha256 as sha256,
        count(*) as events_rows
    from events
    group by _file_sha256
),

quarantine_per_file as (
    select
        _file_sha256 as sha256,
        count(*) as quarantine_rows
    from quarantine
    group by _file_sha256
),

compared as (
    select
        files.path,
        files.sha256,
        files.lines_read,
        files.lines_loaded,
        files.lines_quarantined,
        files.lines_blank,
        coalesce(files.lines_expired, 0) as lines_expired,
        coalesce(events_per_file.events_rows, 0) as events_rows,
        coalesce(quarantine_per_file.quarantine_rows, 0) as quarantine_rows
    from files
    left join events_per_file on files.sha256 = events_per_file.sha256
    left join quarantine_per_file on files.sha256 = quarantine_per_file.sha256
)

select * from compared
where
    lines_read <> lines_loaded + lines_quarantined + lines_blank + lines_expired
    or lines_loaded <> events_rows
    or lines_quarantined <> quarantine_rows
