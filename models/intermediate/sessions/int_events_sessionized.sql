-- Incremental per person, from the session a change reaches: a run finds the persons whose
-- client events changed since the last run (new, re-staged, moved to or away from them) and
-- the earliest time a change touches, restarts each one at their last session start before
-- it (as the last run wrote it: the events before it, and that start's gap, are unchanged),
-- and replaces their rows from there on (strategy partition_tails). Rows whose event now
-- belongs to no one, or is no longer a client event, go in the post-hook.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='partition_tails',
        unique_key=['tenant_id', 'person_id'],
        tail_order_by=['event_at', 'event_id'],
        on_schema_change='fail',
        post_hook=[
            "{% if is_incremental() %}
            delete from {{ this }} as sessionized
            where
                not exists (
                    select 1
                    from {{ ref('int_events_identified') }} as identified
                    where
                        identified.tenant_id = sessionized.tenant_id
                        and identified.event_id = sessionized.event_id
                        and identified.person_id = sessionized.person_id
                )
                or exists (
                    select 1
                    from {{ ref('stg_segment__events') }} as events
                    where
                        events.tenant_id = sessionized.tenant_id
                        and events.event_id = sessionized.event_id
                        and not {{ is_client_event('events') }}
                )
            {% endif %}"
        ],
    )
}}

with

events as (
    select * from {{ ref('stg_segment__events') }}
),

identified as (
    select * from {{ ref('int_events_identified') }}
),

client_events as (
    select
        events.tenant_id,
        events.event_id,
        identified.person_id,
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
    inner join identified
        on
            events.tenant_id = identified.tenant_id
            and events.event_id = identified.event_id
    where {{ is_client_event('events') }}
),

-- What the last run sessionized, and the events as they are now; both empty on a first
-- build, which takes every person (the constant filter lets the engine skip the comparison
-- instead of running it for nothing).
previous_events as (
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
        {{ 'gap_since_previous' if is_incremental() else 'null as gap_since_previous' }}
    from {{ this if is_incremental() else 'client_events' }}
    where {{ 'true' if is_incremental() else 'false' }}
),

current_events as (
    select * from client_events
    where {{ 'true' if is_incremental() else 'false' }}
),

-- Every event that is new, gone, moved to another person, or staged again with another
-- time or names: one join on the event key (an EXCEPT both ways hashed every column of
-- history twice).
events_changed as (
    select
        current_events.person_id,
        current_events.event_at,
        previous_events.person_id as previous_person_id,
        previous_events.event_at as previous_event_at,
        coalesce(current_events.tenant_id, previous_events.tenant_id) as tenant_id
    from current_events
    full outer join previous_events
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

-- Where each such person's sessions are cut again: their last session start (a gap over
-- the inactivity limit, or their first event) before the earliest change, as the last run
-- wrote it; null when the change comes first, and they are sessionized from the start.
-- Nothing before that start changed, so neither did its gap nor any earlier session.
restarts as (
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
),

events_in_scope as (
    select
        client_events.*,
        restarts.restart_gap
    from client_events
    left join restarts
        on
            client_events.tenant_id = restarts.tenant_id
            and client_events.person_id = restarts.person_id
    where
        {{ 'false' if is_incremental() else 'true' }}
        or (
            restarts.person_id is not null
            and (
                restarts.restart_at is null
                or client_events.event_at > restarts.restart_at
                or (
                    client_events.event_at = restarts.restart_at
                    and client_events.event_id >= restarts.restart_event_id
                )
            )
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
        ) as event_number_in_session
    from long_sessions_sliced
)

select * from sessions_keyed
