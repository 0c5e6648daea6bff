{{
    config(
        materialized=incremental_materialization(),
        unique_key=['tenant_id', 'event_id'],
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

events as (
    select * from {{ source('segment', 'events') }}
),

sdk_libraries as (
    select * from {{ ref('sdk_libraries') }}
),

-- Incremental: raw rows loaded since the target's newest row, less a safety margin, are read.
events_in_scope as (
    select *
    from events
    {%- if is_incremental() %}
    where _loaded_at >= {{ loaded_watermark(this) }}
    {%- endif %}
),

-- The ranking carries only narrow keys: a window over whole rows (the payload included)
-- must hold them all at once and ran out of a 1 GiB memory_limit at 10M events. A raw line
-- is one line of one file version: (_file_sha256, _line_number) is unique in raw.events
-- (tested on the source); the file's path joins too, so that rows without a sha (dbt unit
-- test fixtures) still match one to one.
copies as (
    select
        tenant_id,
        message_id,
        received_at,
        _source_file,
        _line_number,
        _file_sha256,
        false as is_kept
    from events_in_scope
    {%- if is_incremental() %}
    -- The copy each touched message keeps so far won against every earlier copy, so the new
    -- copies are ranked against it alone: history's raw rows are not read again. On a tie
    -- (the same line, re-read within the safety margin) the kept copy stays, not rewritten.
    union all
    select
        kept.tenant_id,
        kept.event_id as message_id,
        kept.received_at,
        kept._source_file,
        kept._line_number,
        null as _file_sha256,
        true as is_kept
    from {{ this }} as kept
    where exists (
        select 1
        from events_in_scope
        where
            events_in_scope.tenant_id = kept.tenant_id
            and events_in_scope.message_id = kept.event_id
    )
    {%- endif %}
),

copies_ranked as (
    select
        _file_sha256,
        _source_file,
        _line_number,
        is_kept,
        row_number() over (
            partition by tenant_id, message_id
            order by
                received_at asc nulls last,
                _source_file asc,
                _line_number asc,
                is_kept desc
        ) as copy_rank
    from copies
),

-- New copies that win; a message whose kept copy still wins is left as it is.
first_copies as (
    select
        _file_sha256,
        _source_file,
        _line_number
    from copies_ranked
    where copy_rank = 1 and not is_kept
),

deduplicated as (
    select events_in_scope.*
    from events_in_scope
    inner join first_copies
        on
            events_in_scope._source_file = first_copies._source_file
            and events_in_scope._line_number = first_copies._line_number
            and events_in_scope._file_sha256 is not distinct from first_copies._file_sha256
),

context_unpacked as (
    select
        *,
        {{ json_unpack('payload', {
            "context": {
                "library": {"name": "VARCHAR"},
                "device": {"id": "VARCHAR", "type": "VARCHAR"},
                "traits": {"email": "VARCHAR"},
                "campaign": {"source": "VARCHAR", "medium": "VARCHAR", "name": "VARCHAR"},
                "page": {"path": "VARCHAR"},
                "userAgent": "VARCHAR"
            },
            "traits": {"email": "VARCHAR", "plan": "VARCHAR", "plan_tier": "VARCHAR"},
            "properties": {"is_background": "BOOLEAN"},
            "channel": "VARCHAR"
        }) }} as unpacked
    from deduplicated
),

context_flattened as (
    select
        *,
        unpacked['context']['library']['name'] as library_name,
        unpacked['context']['device']['id'] as device_id,
        lower(unpacked['context']['device']['type']) as device_type,
        unpacked['channel'] as channel,
        unpacked['context']['campaign']['source'] as campaign_source,
        unpacked['context']['campaign']['medium'] as campaign_medium,
        unpacked['context']['campaign']['name'] as campaign_name,
        unpacked['context']['page']['path'] as page_path,
        coalesce(unpacked['properties']['is_background'], false) as is_background,
        unpacked['context']['userAgent'] as user_agent,
        -- A person's plan (identify traits.plan) or an account's (group traits.plan_tier).
        nullif(
            case type
                when 'identify' then unpacked['traits']['plan']
                when 'group' then unpacked['traits']['plan_tier']
            end,
            ''
        ) as plan_tier,
        nullif(
            trim(coalesce(unpacked['traits']['email'], unpacked['context']['traits']['email'])),
            ''
        ) as email_hash
    from context_unpacked
),

times_corrected as (
    select
        *,
        case
            when sent_at is not null and original_timestamp_at is not null
                then received_at - (sent_at - original_timestamp_at)
            else timestamp_at
        end as candidate_at
    from context_flattened
),

times_bounded as (
    select
        *,
        case
            when received_at is null then 'missing_received_at'
            when candidate_at is null then 'missing_client_clock'
            when candidate_at > received_at then 'negative_queue'
            when
                received_at - candidate_at > {{ interval_days(var('days_late_allowed')) }}
                then 'queued_too_long'
            when candidate_at > _loaded_at then 'in_future'
        end as timestamp_fallback_reason
    from times_corrected
),

library_platforms_joined as (
    select
        times_bounded.*,
        sdk_libraries.platform as library_platform
    from times_bounded
    left join sdk_libraries
        on times_bounded.library_name = sdk_libraries.library_name
),

renamed as (
    select
        tenant_id,
        message_id as event_id,
        type as event_type,
        event as event_name,
        name as view_name,
        anonymous_id,
        user_id,
        previous_id,
        group_id,
        timestamp_fallback_reason,
        original_timestamp_at,
        sent_at,
        received_at,
        timestamp_at,
        payload,
        _source_file,
        _line_number,
        _load_id,
        _loaded_at,
        library_name,
        device_id,
        campaign_source,
        campaign_medium,
        campaign_name,
        page_path,
        email_hash,
        is_background,
        user_agent,
        plan_tier,
        coalesce(
            library_platform,
            case
                when device_type in ('ios', 'android') then device_type
                when channel = 'web' then 'web'
                when channel = 'mobile' then 'mobile'
                when channel in ('server', 'sources') then 'backend'
            end,
            'unknown'
        ) as platform,
        case
            when timestamp_fallback_reason is null then candidate_at
            else coalesce(received_at, timestamp_at, original_timestamp_at)
        end as event_at,
        case
            when timestamp_fallback_reason is not null then 'received_at'
            when sent_at is not null and original_timestamp_at is not null
                then 'skew_corrected'
            else 'timestamp'
        end as timestamp_source
    from library_platforms_joined
)

select * from renamed
