-- Built after stg_segment__events, never beside it: both rank every raw row, and at 10M
-- events under a 1 GiB memory limit the two at once ran out of memory (issue #12).
-- depends_on: {{ ref('stg_segment__events') }}
with

-- Inlined: a CTE read twice is materialized, and with it every raw row's payload, though
-- only the copies of duplicated messages need one (1M raw rows, none duplicated: 1.0 ->
-- 0.2 s).
events as {{ not_materialized() }} (
    select * from {{ source('segment', 'events') }}
),

duplicated_ids as (
    select
        tenant_id,
        message_id
    from events
    group by tenant_id, message_id
    having count(*) > 1
),

copies as (
    select
        events.tenant_id,
        events.message_id,
        events.received_at,
        events._source_file,
        events._line_number,
        events._load_id,
        -- What the message says, without the fields a redelivery may change.
        {{ json_fingerprint_without(
            'events.payload', ['receivedAt', 'sentAt', 'timestamp']
        ) }} as content_fingerprint
    from events
    inner join duplicated_ids
        on
            events.tenant_id = duplicated_ids.tenant_id
            and events.message_id = duplicated_ids.message_id
),

copies_ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, message_id
            order by received_at asc nulls last, _source_file asc, _line_number asc
        ) as copy_rank,
        first_value(content_fingerprint) over (
            partition by tenant_id, message_id
            order by received_at asc nulls last, _source_file asc, _line_number asc
        ) as kept_fingerprint,
        first_value(_source_file) over (
            partition by tenant_id, message_id
            order by received_at asc nulls last, _source_file asc, _line_number asc
        ) as kept_source_file,
        first_value(_line_number) over (
            partition by tenant_id, message_id
            order by received_at asc nulls last, _source_file asc, _line_number asc
        ) as kept_line_number
    from copies
),

removed as (
    select
        tenant_id,
        message_id as event_id,
        copy_rank,
        received_at,
        _source_file,
        _line_number,
        _load_id,
        kept_source_file,
        kept_line_number,
        case
            when content_fingerprint = kept_fingerprint then 'duplicate'
            else 'collision'
        end as reason
    from copies_ranked
    where copy_rank > 1
)

select * from removed
