-- Incremental per person, from the session a change reaches: a run finds the persons whose
-- client events changed since the last run (new, re-staged, moved to or away from them) and
-- the earliest time a change touches, restarts each one at their last session start before
-- it (as the last run wrote it: the events before it, and that start's gap, are unchanged),
-- and replaces their rows from there on (strategy partition_tails). It compares with its own
-- rows only the events int_events_identified wrote since its last run (`_identified_at`:
-- every re-staged event is identified again, and an event that lost its person leaves a
-- dated tombstone there), not all of history. The post-hook deletes the rows of those
-- events that now belong to no one or to another person, or are no longer client events.
-- Each row records when it was written (`_sessionized_at`), from which fct_events takes the
-- events whose session changed.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='partition_tails',
        unique_key=['tenant_id', 'person_id'],
        tail_order_by=['event_at', 'event_id'],
        on_schema_change='fail',
        pre_hook="{{ written_columns_required(['_sessionized_at']) }}",
        post_hook=[
            "{% if is_incremental() %}
            delete from {{ this }} as sessionized
            using (
                select
                    identified.tenant_id,
                    identified.event_id,
                    identified.person_id,
                    {{ is_client_event('events') }} as is_client_event
                from {{ ref('int_events_identified') }} as identified
                inner join {{ ref('stg_segment__events') }} as events
                    on
                        identified.tenant_id = events.tenant_id
                        and identified.event_id = events.event_id
                -- identified since this model's previous run
                where identified._identified_at > {{ last_run_at(
                    '_sessionized_at', excluding_this_run=true
                ) }}
            ) as identified_since
            where
                sessionized.tenant_id = identified_since.tenant_id
                and sessionized.event_id = identified_since.event_id
                and (
                    identified_since.person_id is distinct from sessionized.person_id
                    or not identified_since.is_client_event
                )
            {% endif %}"
        ],
    )
}}

with

-- Both inlined: each reader takes its own columns and rows (materialized, they held every
-- staged event and every identification).
events as {{ not_materialized() }} (
    select * from {{ ref('stg_segment__events') }}
),

identified as {{ not_materialized() }} (
    select * from {{ ref('int_events_identified') }}
),

-- A client event's own columns (its person comes from identified). Inlined: each use reads
-- only its events.
client_event_rows as {{ not_materialized() }} (
    select
        events.tenant_id,
        events.event_id,
        events.event_at,
        events.platform,
        events.event_type,
        events.event_name,
        events.view_name,
        events.page_path,
        events.campaign_source,
        events.campaign_medium,
        events.campaign_name
    from events
    where {{ is_client_event('events') }}
),

{% if is_incremental() -%}
last_run as (
    select {{ last_run_at('_sessionized_at') }} as sessionized_at
),

-- What the last run sessionized; inlined (read twice, each time for a few rows).
previous_events as {{ not_materialized() }} (
    select * from {{ this }}
),

-- The events that may have changed: identified again since the last run (new, re-staged,
-- moved to another person, a tombstone when it lost its person). Inlined: read twice.
identified_since as {{ not_materialized() }} (
    select
        tenant_id,
        event_id,
        person_id
    from identified
    where _identified_at > (select last_run.sessionized_at from last_run)
),

-- Those events as the last run sessionized them.
previous_compared as (
    select previous_events.*
    from previous_events
    inner join identified_since
        on
            previous_events.tenant_id = identified_since.tenant_id
            and previous_events.event_id = identified_since.event_id
),

-- The same events as they are now (a tombstone has no current client event). DuckDB builds
-- this join's hash table on the client events, not on the few identified since (it
-- estimates the date filter as wide): about 1.5 s at 10M events, left as it is.
current_compared as (
    select
        client_event_rows.*,
        identified_since.person_id
    from identified_since
    inner join client_event_rows
        on
            identified_since.tenant_id = client_event_rows.tenant_id
            and identified_since.event_id = client_event_rows.event_id
    where identified_since.person_id is not null
),

-- Every event that is new, gone, moved to another person, or staged again with another
-- time or names: one join on the event key.
events_changed as (
    select
        current_events.person_id,
        current_events.event_at,
        previous_events.person_id as previous_person_id,
        previous_events.event_at as previous_event_at,
        coalesce(current_events.tenant_id, previous_events.tenant_id) as tenant_id
    from current_compared as current_events
    full outer join previous_compared as previous_events
        on
            current_events.tenant_id = previous_events.tenant_id
            and current_events.event_id = previous_events.event_id
    where
        current_events.person_id is distinct from previous_events.person_id
        or current_events.event_at is distinct from previous_events.event_at
        or current_events.platform is distinct from previous_events.platform
        or current_events.event_type is distinct from previous_events.event_type
        or current_events.event_name is distinct from previous_events.event_name
        or current_events.view_name is distinct from previous_events.view_name
        or current_events.page_path is distinct from previous_events.page_path
        or current_events.campaign_source is distinct from previous_events.campaign_source
        or current_events.campaign_medium is distinct from previous_events.campaign_medium
        or current_events.campaign_name is distinct from previous_events.campaign_name
),

-- Each person a change touches, and the earliest time it touches (the event's time now
-- for the person it belongs to now, its time before for the person it belonged to).
persons_changed as (
    select
        tenant_id,
        person_id,
        min(changed_at) as changed_from
    from (
        select
            tenant_id,
            person_id,
            event_at as changed_at
        from events_changed
        where person_id is not null
        union all
        select
            tenant_id,
            previous_person_id as person_id,
            previous_event_at as changed_at
        from events_changed
        where previous_person_id is not null
    ) as changes
    group by tenant_id, person_id
),
{%- endif %}

-- Where each such person's sessions are cut again: their last session start (a gap over
-- the inactivity limit, or their first event) before the earliest change, as the last run
-- wrote it; null when the change comes first, and they are sessionized from the start.
-- Nothing before that start changed, so neither did its gap nor any earlier session. A
-- first build sessionizes every person from their first event.
restarts as (
    {%- if is_incremental() %}
        select
            persons_changed.tenant_id,
            persons_changed.person_id,
            {{ last_ordered(
                'previous_events.event_at',
                ['previous_events.event_at', 'previous_events.event_id']
            ) }} as restart_at,
            {{ last_ordered(
                'previous_events.event_id',
                ['previous_events.event_at', 'previous_events.event_id']
            ) }} as restart_event_id,
            {{ last_ordered(
                'previous_events.gap_since_previous',
                ['previous_events.event_at', 'previous_events.event_id']
            ) }} as restart_gap
        from persons_changed
        left join previous_events
            on
                persons_changed.tenant_id = previous_events.tenant_id
                and persons_changed.person_id = previous_events.person_id
                and persons_changed.changed_from > previous_events.event_at
                and (
                    previous_events.gap_since_previous is null
                    or previous_events.gap_since_previous > {{ interval_minutes(
                        session_inactivity_minutes('previous_events.platform')
                    ) }}
                )
        group by persons_changed.tenant_id, persons_changed.person_id
    {%- else %}
        select distinct
            tenant_id,
            person_id,
            null as restart_at,
            null as restart_event_id,
            null as restart_gap
        from identified
        where person_id is not null
    {%- endif %}
),

-- Each restarted person's client events from the restart on.
events_in_scope as (
    select
        client_event_rows.*,
        identified.person_id,
        restarts.restart_gap
    from restarts
    inner join identified
        on
            restarts.tenant_id = identified.tenant_id
            and restarts.person_id = identified.person_id
    inner join client_event_rows
        on
            identified.tenant_id = client_event_rows.tenant_id
            and identified.event_id = client_event_rows.event_id
    where
        restarts.restart_at is null
        or client_event_rows.event_at > restarts.restart_at
        or (
            client_event_rows.event_at = restarts.restart_at
            and client_event_rows.event_id >= restarts.restart_event_id
        )
),

gaps_measured as (
    select
        *,
        -- The first event in scope: null for a person's first event, else the restart's gap.
        coalesce(
            event_at - lag(event_at) over (
                partition by tenant_id, person_id order by event_at asc, event_id asc
            ),
            restart_gap
        ) as gap_since_previous,
        {{ session_inactivity_minutes('platform') }} as inactivity_minutes
    from events_in_scope
),

gap_sessions_numbered as (
    select
        *,
        sum(
            case
                when
                    gap_since_previous is null
                    or gap_since_previous > {{ interval_minutes('inactivity_minutes') }}
                    then 1
                else 0
            end
        ) over (
            partition by tenant_id, person_id
            order by event_at asc, event_id asc
            rows between unbounded preceding and current row
        ) as gap_session_number
    from gaps_measured
),

long_sessions_sliced as (
    select
        *,
        floor(
            {{ seconds_between(
                'min(event_at) over (partition by tenant_id, person_id, gap_session_number)',
                'event_at'
            ) }} / ({{ var('session_max_hours') }} * 3600)
        ) as length_slice
    from gap_sessions_numbered
),

sessions_keyed as (
    select
        tenant_id,
        event_id,
        person_id,
        event_at,
        platform,
        event_type,
        event_name,
        view_name,
        page_path,
        campaign_source,
        campaign_medium,
        campaign_name,
        gap_since_previous,
        'se_' || md5(
            tenant_id || '|' || person_id || '|' || first_value(event_id) over (
                partition by tenant_id, person_id, gap_session_number, length_slice
                order by event_at asc, event_id asc
            )
        ) as session_id,
        row_number() over (
            partition by tenant_id, person_id, gap_session_number, length_slice
            order by event_at asc, event_id asc
        ) as event_number_in_session,
        {{ dbt.current_timestamp() }} as _sessionized_at
    from long_sessions_sliced
)

select * from sessions_keyed
