-- Incremental: a run identifies again the events int_identity_events_cleaned wrote since this
-- model's last run (`_cleaned_at`), the events carrying an identifier whose node changed
-- person or resolution since (int_identities_stitched `_changed_at`), and every event on a
-- shared anonymous id one of those carries (its logins may have changed); delete+insert on
-- the event key. An event in scope that lost its person keeps a row without one (a
-- tombstone, dated like every row written), so that the models downstream find it among the
-- rows written since their last run instead of comparing all of history; they read only the
-- rows with a person.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook="{{ written_columns_required(['_identified_at']) }}",
    )
}}

with

cleaned_events as (
    select * from {{ ref('int_identity_events_cleaned') }}
),

stitched as (
    select * from {{ ref('int_identities_stitched') }}
),

{% if is_incremental() -%}
last_run as (
    select {{ last_run_at('_identified_at') }} as identified_at
),

nodes_changed as (
    select
        tenant_id,
        node_type,
        identifier
    from stitched
    where _changed_at > (select last_run.identified_at from last_run)
),

-- One pass over the events with a probe per identifier (a small build side each), not
-- EXISTS tests or-ed together.
events_touched as (
    select
        cleaned_events.tenant_id,
        cleaned_events.event_id,
        cleaned_events.anonymous_id
    from cleaned_events
    {%- for probe, node_type, column in [
        ('users_changed', 'user_id', 'user_id'),
        ('previous_changed', 'user_id', 'previous_id'),
        ('anonymous_changed', 'anonymous_id', 'anonymous_id'),
        ('devices_changed', 'device_id', 'device_id'),
    ] %}
        left join nodes_changed as {{ probe }}
            on
                cleaned_events.tenant_id = {{ probe }}.tenant_id
                and {{ probe }}.node_type = '{{ node_type }}'
                and cleaned_events.{{ column }} = {{ probe }}.identifier
    {%- endfor %}
    where
        cleaned_events._cleaned_at > (select last_run.identified_at from last_run)
        or users_changed.identifier is not null
        or previous_changed.identifier is not null
        or anonymous_changed.identifier is not null
        or devices_changed.identifier is not null
),

shared_anonymous_touched as (
    select distinct
        events_touched.tenant_id,
        events_touched.anonymous_id
    from events_touched
    inner join stitched
        on
            events_touched.tenant_id = stitched.tenant_id
            and stitched.node_type = 'anonymous_id'
            and events_touched.anonymous_id = stitched.identifier
    where stitched.resolution = 'shared_first_login'
),

{%- endif %}

events as (
    select cleaned_events.*
    from cleaned_events
    {%- if is_incremental() %}
        left join (
            select
                tenant_id,
                event_id
            from events_touched
        ) as touched
            on
                cleaned_events.tenant_id = touched.tenant_id
                and cleaned_events.event_id = touched.event_id
        left join shared_anonymous_touched
            on
                cleaned_events.tenant_id = shared_anonymous_touched.tenant_id
                and cleaned_events.anonymous_id = shared_anonymous_touched.anonymous_id
        where
            touched.event_id is not null
            or shared_anonymous_touched.anonymous_id is not null
    {%- endif %}
),

user_persons as (
    select
        tenant_id,
        identifier as user_id,
        person_id
    from stitched
    where node_type = 'user_id'
),

anonymous_persons as (
    select
        tenant_id,
        identifier as anonymous_id,
        person_id,
        resolution = 'shared_first_login' as is_shared
    from stitched
    where node_type = 'anonymous_id'
),

device_persons as (
    select
        tenant_id,
        identifier as device_id,
        person_id
    from stitched
    where node_type = 'device_id'
),

events_joined as (
    select
        events.tenant_id,
        events.event_id,
        events.event_at,
        events.user_id,
        events.anonymous_id,
        events.is_bot_user_agent,
        anonymous_persons.person_id as anonymous_person_id,
        device_persons.person_id as device_person_id,
        coalesce(user_persons.person_id, previous_persons.person_id) as user_person_id,
        case
            when user_persons.person_id is not null then 'user_id'
            when previous_persons.person_id is not null then 'previous_id'
        end as user_identified_by,
        coalesce(anonymous_persons.is_shared, false) as is_shared_anonymous_id
    from events
    left join user_persons
        on
            events.tenant_id = user_persons.tenant_id
            and events.user_id = user_persons.user_id
    left join user_persons as previous_persons
        on
            events.tenant_id = previous_persons.tenant_id
            and events.previous_id = previous_persons.user_id
    left join anonymous_persons
        on
            events.tenant_id = anonymous_persons.tenant_id
            and events.anonymous_id = anonymous_persons.anonymous_id
    left join device_persons
        on
            events.tenant_id = device_persons.tenant_id
            and events.device_id = device_persons.device_id
),

-- Logins on a shared anonymous id: every event carrying it together with a user id.
shared_logins as (
    select
        tenant_id,
        anonymous_id,
        event_at as login_at,
        event_id as login_event_id,
        user_person_id as person_id
    from events_joined
    where is_shared_anonymous_id and user_person_id is not null
),

shared_anonymous_events as (
    select * from events_joined
    where is_shared_anonymous_id and user_person_id is null
),

-- The person logged in on the shared anonymous id at the time of the event: the most
-- recent login at or before it; before any login, the first person who logged in there.
shared_logins_ranked as (
    select
        shared_anonymous_events.tenant_id,
        shared_anonymous_events.event_id,
        shared_logins.person_id,
        shared_logins.login_at <= shared_anonymous_events.event_at as is_before_event,
        row_number() over (
            partition by shared_anonymous_events.tenant_id, shared_anonymous_events.event_id
            order by
                case
                    when shared_logins.login_at <= shared_anonymous_events.event_at then 0
                    else 1
                end asc,
                case
                    when
                        shared_logins.login_at <= shared_anonymous_events.event_at
                        then shared_logins.login_at
                end desc,
                case
                    when
                        shared_logins.login_at <= shared_anonymous_events.event_at
                        then shared_logins.login_event_id
                end desc,
                shared_logins.login_at asc,
                shared_logins.login_event_id asc
        ) as login_rank
    from shared_anonymous_events
    inner join shared_logins
        on
            shared_anonymous_events.tenant_id = shared_logins.tenant_id
            and shared_anonymous_events.anonymous_id = shared_logins.anonymous_id
),

shared_logins_chosen as (
    select * from shared_logins_ranked
    where login_rank = 1
),

persons_chosen as (
    select
        events_joined.tenant_id,
        events_joined.event_id,
        events_joined.event_at,
        events_joined.is_bot_user_agent,
        shared_logins_chosen.is_before_event,
        coalesce(
            events_joined.user_person_id,
            shared_logins_chosen.person_id,
            events_joined.anonymous_person_id,
            events_joined.device_person_id
        ) as person_id,
        case
            when events_joined.user_person_id is not null
                then events_joined.user_identified_by
            when shared_logins_chosen.is_before_event then 'shared_device_last_login'
            when shared_logins_chosen.person_id is not null then 'shared_device_first_login'
            when events_joined.anonymous_person_id is not null then 'anonymous_id'
            when events_joined.device_person_id is not null then 'device_id'
        end as identified_by
    from events_joined
    left join shared_logins_chosen
        on
            events_joined.tenant_id = shared_logins_chosen.tenant_id
            and events_joined.event_id = shared_logins_chosen.event_id
),

events_identified as (
    select
        persons_chosen.tenant_id,
        persons_chosen.event_id,
        persons_chosen.person_id,
        persons_chosen.event_at,
        persons_chosen.identified_by,
        persons_chosen.is_bot_user_agent,
        {{ dbt.current_timestamp() }} as _identified_at
    from persons_chosen
    {%- if is_incremental() %}
        -- An event that had a row and no longer has a person becomes a tombstone; one that
        -- never had a person (every identifier a placeholder) stays out.
        left join {{ this }} as identified_before
            on
                persons_chosen.tenant_id = identified_before.tenant_id
                and persons_chosen.event_id = identified_before.event_id
        where
            persons_chosen.person_id is not null
            or identified_before.event_id is not null
    {%- else %}
        where persons_chosen.person_id is not null
    {%- endif %}
)

select * from events_identified
