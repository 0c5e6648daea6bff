"""The raw tables and the SQL that validates, types and pseudonymizes landed lines.

Lines arrive as an Arrow table `chunk(file_index, line_number, line)` of raw bytes, for one
or several whole files, with `batch_files` holding each file's path, sha256 and tenant. One
statement decodes, parses (one `json_transform` per line into a struct of JSON fragments),
classifies and scrubs every line into a temporary `landed` table; two inserts then split it
into `raw.events` and `raw.quarantine`. Reason codes are documented in README.md.
"""

from __future__ import annotations

RAW_DDL = """
create schema if not exists raw;

create table if not exists raw.events (
    tenant_id varchar not null,
    message_id varchar not null,
    type varchar not null,
    event varchar,
    name varchar,
    anonymous_id varchar,
    user_id varchar,
    previous_id varchar,
    group_id varchar,
    timestamp_at timestamptz,
    original_timestamp_at timestamptz,
    sent_at timestamptz,
    received_at timestamptz,
    payload json not null,
    _tenant_source varchar not null,
    _source_file varchar not null,
    _line_number bigint not null,
    _file_sha256 varchar not null,
    _load_id varchar not null,
    _loaded_at timestamptz not null
);

create table if not exists raw.quarantine (
    tenant_id varchar not null,
    reason varchar not null,
    detail varchar,
    excerpt varchar,
    line_bytes bigint not null,
    is_recoverable boolean not null,
    message_id varchar,
    _source_file varchar not null,
    _line_number bigint not null,
    _file_sha256 varchar not null,
    _load_id varchar not null,
    _loaded_at timestamptz not null
);

create table if not exists raw.files (
    load_id varchar not null,
    path varchar not null,
    file_name varchar not null,
    tenant_id varchar not null,
    sha256 varchar not null,
    bytes bigint not null,
    is_compressed boolean not null,
    version integer not null,
    lines_read bigint not null,
    lines_loaded bigint not null,
    lines_quarantined bigint not null,
    lines_blank bigint not null,
    quarantined_by_reason json not null,
    status varchar not null,
    status_detail varchar,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    lines_expired bigint default 0
);
-- Lines deleted by retention (signalhouse/retention.py); ledgers from before it get the column.
alter table raw.files add column if not exists lines_expired bigint default 0;

-- One row per identifier of an erased person (signalhouse erase). The identifier itself is
-- not kept: only its keyed hash, which ingest compares with every new line's ids.
create table if not exists raw.tombstones (
    tenant_id varchar not null,
    identifier_type varchar not null,
    identifier_hash varchar not null,
    request_id varchar not null,
    erased_at timestamptz not null
);

-- Who may not be analysed from when (consent), per identifier's keyed hash (as tombstones):
-- analytics opt-outs read from landed Consent Updated events (source `consent_event`, when
-- ingest runs with suppress_opted_out) and the customer's suppression list (`signalhouse
-- suppress`, source `suppression_list`). A later analytics grant closes the interval.
create table if not exists raw.consent_suppressions (
    tenant_id varchar not null,
    identifier_type varchar not null,
    identifier_hash varchar not null,
    suppressed_from timestamptz not null,
    suppressed_until timestamptz,
    source varchar not null,
    recorded_at timestamptz not null
);

create table if not exists raw.ingest_runs (
    load_id varchar not null,
    started_at timestamptz not null,
    finished_at timestamptz,
    files_seen integer,
    files_loaded integer,
    files_skipped integer,
    files_corrupt integer,
    lines_read bigint,
    lines_loaded bigint,
    lines_quarantined bigint,
    lines_blank bigint
);
"""

VALID_TYPES = ("track", "identify", "page", "screen", "alias", "group")

# The one `json_transform` of a line: top-level envelope fields and the few nested fields
# pseudonymization and tenancy need, each kept as a JSON fragment so that its JSON type can
# be checked without parsing the line again. A JSON null arrives as SQL NULL (= absent).
# `context`, `properties` and `traits` are not copied out whole to be parsed again for their
# nested fields and keys: whether each is an object comes from its key list (json_keys).
# Person names among the traits (Segment's reserved `name`, `firstName`, `lastName` and
# their snake-case spellings) are pseudonymized like the other personal fields.
NAME_TRAITS = ("name", "firstName", "lastName", "first_name", "last_name")
NAME_SPEC = ",".join(f'"{trait}":"JSON"' for trait in NAME_TRAITS)
TRAITS_SPEC = '{"phone":"JSON",' + NAME_SPEC + "}"
LINE_SPEC = (
    '{"type":"JSON","messageId":"JSON","anonymousId":"JSON","userId":"JSON",'
    '"previousId":"JSON","groupId":"JSON","event":"JSON","name":"JSON",'
    '"timestamp":"JSON","originalTimestamp":"JSON","sentAt":"JSON","receivedAt":"JSON",'
    '"context":{"groupId":"JSON","ip":"JSON","traits":' + TRAITS_SPEC + "},"
    '"properties":{"phone":"JSON"},"traits":' + TRAITS_SPEC + ',"request_ip":"JSON"}'
)
# The objects whose repeated keys would make the line ambiguous, in the order of `key_lists`.
KEYED_OBJECTS = ("$", "$.properties", "$.context", "$.traits")
NAME_FRAGMENTS = (
    "["
    + ", ".join(
        [f"doc.traits.{trait}" for trait in NAME_TRAITS]
        + [f"doc.context.traits.{trait}" for trait in NAME_TRAITS]
    )
    + "]"
)

# Personal data anywhere in the text: e-mail addresses (also URL-encoded), IPv4 addresses
# and E.164 phone numbers. RE2 has no look-arounds, so whole runs of dotted numbers and of
# '+digits' are matched and `sh_pii_token` hashes only those that are exactly an IPv4 address
# or an E.164 number: an app build "3.0.1.545" stays as it is. Structured fields
# (context.ip, request_ip, traits.phone, context.traits.phone, properties.phone) are
# replaced by value as well, whatever their format.
PII_PATTERN = (
    r"[A-Za-z0-9._%+\-]+(?:@|%40)[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"
    r"|[0-9]+(?:\.[0-9]+){3,}"
    r"|(?:\+|%2[Bb])[1-9][0-9]{7,}"
)
OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4_FULL = rf"(?:{OCTET}\.){{3}}{OCTET}"
E164_FULL = r"(?:\+|%2[Bb])[1-9][0-9]{7,14}"


def macros_sql(ipad_hex: str, opad_hex: str) -> str:
    """Temporary macros: the keyed hash and the text scrubber (the key never lands)."""
    return f"""
create or replace temp macro sh_hmac(value) as
    sha256(unhex('{opad_hex}') || unhex(sha256(unhex('{ipad_hex}') || encode(value))));

create or replace temp macro sh_pii_hash(value) as
    'pii_' || left(sh_hmac(value), 32);

-- A match of PII_PATTERN becomes the hash of its normalized value (e-mails lower-cased,
-- URL-encoded '@' and '+' decoded), so the same address hashes alike wherever it appears.
create or replace temp macro sh_pii_token(match) as
    case
        when regexp_full_match(match, '[0-9.]+') and not regexp_full_match(match, '{IPV4_FULL}')
            then match
        when regexp_full_match(match, '(?:\\+|%2[Bb])[0-9]+')
            and not regexp_full_match(match, '{E164_FULL}')
            then match
        else sh_pii_hash(replace(replace(lower(match), '%40', '@'), '%2b', '+'))
    end;

create or replace temp macro sh_interleave(pieces, tokens) as
    array_to_string(
        list_transform(pieces, (piece, i) -> piece || coalesce(tokens[i], '')), ''
    );

create or replace temp macro sh_scrub(text) as
    case
        when text is null or not regexp_matches(text, '{PII_PATTERN}') then text
        else sh_interleave(
            regexp_split_to_array(text, '{PII_PATTERN}'),
            list_transform(regexp_extract_all(text, '{PII_PATTERN}'), found -> sh_pii_token(found))
        )
    end;

-- Erasure: does any of these stored ids (or ids named in a quarantined line's text) belong
-- to an erased person of the tenant? Tombstones hold only the ids' keyed hashes.
create or replace temp macro sh_ids_named(text) as
    regexp_extract_all(text, '"(?:userId|anonymousId|previousId)"\\s*:\\s*"([^"]*)"', 1);

create or replace temp macro sh_id_hashes(ids) as
    list_transform(list_filter(ids, i -> i is not null), i -> sh_pii_hash(i));

create or replace temp macro sh_is_tombstoned(tenant, ids) as
    exists (
        select 1
        from raw.tombstones as tombstones
        where
            tombstones.tenant_id = tenant
            and list_contains(sh_id_hashes(ids), tombstones.identifier_hash)
    );

-- NaN, Infinity or a number that overflows a double, outside string literals: the rare
-- candidate lines have their strings blanked and their numbers checked one by one.
create or replace temp macro sh_strings_blanked(text) as
    regexp_replace(text, '"(?:[^"\\\\]|\\\\.)*"', '""', 'g');

create or replace temp macro sh_has_non_finite(text) as
    regexp_matches(sh_strings_blanked(text), '(?:^|[^A-Za-z0-9_])-?(?:NaN|Infinity)')
    or coalesce(list_bool_or(list_transform(
        regexp_extract_all(
            sh_strings_blanked(text), '-?[0-9]+(?:\\.[0-9]+)?[eE][+-]?[0-9]+'
        ),
        number -> isinf(try_cast(number as double))
    )), false);

-- Replace a structured value (a JSON string fragment, quotes included) by its token.
create or replace temp macro sh_replace_token(text, fragment, token) as
    case when token is null then text else replace(text, fragment, token) end;

-- Phone numbers in the structured fields, reduced to digits and '+' before hashing.
-- Person names in the traits (JSON string fragments, quotes included), hashed trimmed and
-- lower-cased so spellings of one name link; fragments that are not strings stay as they are.
create or replace temp macro sh_replace_names(text, fragments) as
    case when fragments is null then text else list_reduce(
        list_filter(
            list_transform(fragments, fragment -> fragment::varchar),
            fragment -> left(fragment, 1) = '"'
        ),
        (replaced, fragment) -> replace(
            replaced, fragment, '"' || sh_pii_hash(lower(trim(fragment ->> '$'))) || '"'
        ),
        text
    ) end;

create or replace temp macro sh_replace_phone(text, fragment) as
    case
        when fragment is null or left(fragment, 1) <> '"' then text
        else replace(
            text,
            fragment,
            '"' || sh_pii_hash(regexp_replace(fragment ->> '$', '[^0-9+]', '', 'g')) || '"'
        )
    end;

"""


LANDED_SQL = f"""
create or replace temp table landed as
with

lines as (
    select
        file_index,
        line_number,
        line,
        octet_length(line) as line_bytes,
        case
            when octet_length(line) <= $max_line_bytes
                then try(decode(line))
        end as line_text
    from chunk
),

valid as (
    select
        *,
        json_valid(line_text) as is_json
    from lines
),

parsed as (
    select
        *,
        -- Measured: regexp_matches with a negated class stops at the first character, far
        -- cheaper than trim(x, chars); json_valid + json_transform is ~5x cheaper than
        -- try(json_transform(...)), and lenient json_transform never fails on valid JSON
        -- (a non-object gives a struct of nulls, caught as not_an_object below).
        line_text is not null and not regexp_matches(line_text, '[^ \\t\\r\\n]')
            as is_blank,
        case
            when is_json then json_transform(line_text, '{LINE_SPEC}')
        end as doc,
        -- Keys of the line and of its properties, context and traits (NULL: absent; []: not
        -- an object, JSON null or empty), all from one parse.
        case
            when is_json then json_keys(line_text, {list(KEYED_OBJECTS)})
        end as key_lists
    from valid
),

fields as (
    select
        *,
        doc is not null and left(ltrim(line_text), 1) = '{{' as is_object,
        doc.type ->> '$' as type_value,
        doc.messageId ->> '$' as message_id_value,
        -- JSON types of properties, context and traits, looked up only when a key list
        -- cannot tell an object (an empty key list: empty object, JSON null or not an object).
        case when len(key_lists[2]) = 0 or len(key_lists[3]) = 0 or len(key_lists[4]) = 0
            then json_type(line_text, ['$.properties', '$.context', '$.traits'])
        end as object_types,
        try_cast(doc.timestamp ->> '$' as timestamptz) as timestamp_at,
        try_cast(doc.originalTimestamp ->> '$' as timestamptz) as original_timestamp_at,
        try_cast(doc.sentAt ->> '$' as timestamptz) as sent_at,
        try_cast(doc.receivedAt ->> '$' as timestamptz) as received_at,
        -- Only lines that could hold NaN, Infinity or an overflowing exponent (a number
        -- right after ':', ',' or '[': not a hex id that merely contains 'e123') are
        -- examined closely. The cheap first sieve: a number ends at a delimiter, so a
        -- three-digit exponent must be followed by one (most hex ids then drop out).
        doc is not null and (
            contains(line_text, 'NaN')
            or contains(line_text, 'Infinity')
            or (
                regexp_matches(line_text, '[eE][+]?[0-9]{{3,}}[,}}\\] \\t\\r\\n]')
                and regexp_matches(
                    line_text, '[:,\\[]\\s*-?[0-9]+(?:\\.[0-9]+)?[eE][+]?[0-9]{{3}}'
                )
            )
        ) as may_be_non_finite
    from parsed
),

kinds as (
    select
        *,
        -- NULL: absent or JSON null; 'OBJECT' or the JSON type observed.
        case
            when len(key_lists[2]) > 0 then 'OBJECT'
            else nullif(object_types[1], 'NULL')
        end as properties_kind,
        case
            when len(key_lists[3]) > 0 then 'OBJECT'
            else nullif(object_types[2], 'NULL')
        end as context_kind,
        case
            when len(key_lists[4]) > 0 then 'OBJECT'
            else nullif(object_types[3], 'NULL')
        end as traits_kind
    from fields
),

checked as (
    select
        *,
        case
            when is_blank then null
            when line_bytes > $max_line_bytes then 'oversized'
            when line_text is null then 'invalid_unicode'
            when not is_json then 'not_json'
            when not is_object then 'not_an_object'
            when len(key_lists[1]) <> len(list_distinct(key_lists[1]))
                or len(key_lists[2]) <> len(list_distinct(key_lists[2]))
                or len(key_lists[3]) <> len(list_distinct(key_lists[3]))
                or len(key_lists[4]) <> len(list_distinct(key_lists[4]))
                then 'duplicate_key'
            when may_be_non_finite and sh_has_non_finite(line_text) then 'non_finite_number'
            when doc.type is null then 'missing_field:type'
            when left(doc.type, 1) <> '"' then 'wrong_type:type'
            when type_value not in {VALID_TYPES} then 'unknown_type'
            when doc.messageId is null then 'missing_field:messageId'
            when left(doc.messageId, 1) <> '"' then 'wrong_type:messageId'
            when trim(message_id_value) = '' then 'missing_field:messageId'
            when doc.userId is not null and left(doc.userId, 1) <> '"' then 'wrong_type:userId'
            when doc.anonymousId is not null and left(doc.anonymousId, 1) <> '"'
                then 'wrong_type:anonymousId'
            when coalesce(doc.userId, '""') = '""' and coalesce(doc.anonymousId, '""') = '""'
                then 'missing_field:anonymousId_or_userId'
            when context_kind <> 'OBJECT' then 'wrong_type:context'
            when properties_kind <> 'OBJECT' then 'wrong_type:properties'
            when traits_kind <> 'OBJECT' then 'wrong_type:traits'
            when type_value = 'track' and coalesce(doc.event, '""') = '""'
                then 'missing_field:event'
            when doc.event is not null and left(doc.event, 1) <> '"' then 'wrong_type:event'
            when doc.name is not null and left(doc.name, 1) <> '"' then 'wrong_type:name'
            when type_value = 'alias' and coalesce(doc.previousId, '""') = '""'
                then 'missing_field:previousId'
            when doc.previousId is not null and left(doc.previousId, 1) <> '"'
                then 'wrong_type:previousId'
            when type_value = 'alias' and coalesce(doc.userId, '""') = '""'
                then 'missing_field:userId'
            when type_value = 'group' and coalesce(doc.groupId, '""') = '""'
                then 'missing_field:groupId'
            when doc.groupId is not null and left(doc.groupId, 1) <> '"'
                then 'wrong_type:groupId'
            when doc.context.groupId is not null and left(doc.context.groupId, 1) <> '"'
                then 'wrong_type:context.groupId'
            when doc.timestamp is null and doc.originalTimestamp is null
                then 'missing_field:timestamp'
            when doc.timestamp is not null and left(doc.timestamp, 1) <> '"'
                then 'wrong_type:timestamp'
            when doc.originalTimestamp is not null and left(doc.originalTimestamp, 1) <> '"'
                then 'wrong_type:originalTimestamp'
            when doc.sentAt is not null and left(doc.sentAt, 1) <> '"'
                then 'wrong_type:sentAt'
            when doc.receivedAt is not null and left(doc.receivedAt, 1) <> '"'
                then 'wrong_type:receivedAt'
            when (doc.timestamp is not null and timestamp_at is null)
                or (doc.originalTimestamp is not null and original_timestamp_at is null)
                or (doc.sentAt is not null and sent_at is null)
                or (doc.receivedAt is not null and received_at is null)
                then 'invalid_timestamp'
        end as reason
    from kinds
),

described as (
    select
        file_index,
        line_number,
        line_bytes,
        is_blank,
        reason,
        reason is null and not is_blank as is_accepted,
        line_text,
        case when reason is not null and line_text is null then line end as undecodable_line,
        type_value,
        message_id_value,
        doc.anonymousId ->> '$' as anonymous_id_value,
        doc.userId ->> '$' as user_id_value,
        doc.previousId ->> '$' as previous_id_value,
        doc.groupId ->> '$' as group_id_value,
        doc.event ->> '$' as event_value,
        doc.name ->> '$' as name_value,
        doc.request_ip as request_ip_fragment,
        doc.context.ip as context_ip_fragment,
        doc.context.traits.phone as context_phone_fragment,
        doc.properties.phone as property_phone_fragment,
        doc.traits.phone as trait_phone_fragment,
        -- NULL when the line names no one (most lines): nothing to look for or replace.
        case when coalesce({NAME_FRAGMENTS[1:-1]}) is not null then {NAME_FRAGMENTS} end
            as name_fragments,
        doc.context.groupId ->> '$' as context_group_id,
        timestamp_at,
        original_timestamp_at,
        sent_at,
        received_at,
        case
            when reason is null then null
            when reason = 'oversized'
                then 'line is ' || line_bytes || ' bytes; the limit is ' || $max_line_bytes
                    || ' (raise --max-line-bytes if such lines are legitimate)'
            when reason = 'invalid_unicode' then 'line is not valid UTF-8'
            when reason = 'not_json'
                then 'not one complete JSON value (malformed, truncated or trailing data)'
            when reason = 'not_an_object'
                then 'expected a JSON object, observed ' || coalesce(json_type(line_text), '?')
            when reason = 'duplicate_key'
                then 'an object repeats a key (top level, context, properties or traits)'
            when reason = 'non_finite_number'
                then 'NaN, Infinity or an overflowing exponent is not a finite JSON number'
            when reason = 'unknown_type'
                then 'field=type expected=one of ' || '{"|".join(VALID_TYPES)}'
                    || ' observed=' || left(type_value, 40)
            when reason like 'missing_field:%'
                then 'field=' || split_part(reason, ':', 2) || ' expected=non-empty value'
                    || ' observed=absent'
            when reason like 'wrong_type:%'
                then 'field=' || split_part(reason, ':', 2) || ' expected='
                    || case
                        when split_part(reason, ':', 2) in ('context', 'properties', 'traits')
                            then 'object'
                        else 'string'
                    end
                    || ' observed=' || json_type(line_text, '$.' || split_part(reason, ':', 2))
            when reason = 'invalid_timestamp'
                then 'expected ISO 8601 timestamps; observed timestamp='
                    || coalesce(left(doc.timestamp, 40), 'absent')
                    || ' originalTimestamp=' || coalesce(left(doc.originalTimestamp, 40), 'absent')
                    || ' sentAt=' || coalesce(left(doc.sentAt, 40), 'absent')
                    || ' receivedAt=' || coalesce(left(doc.receivedAt, 40), 'absent')
        end as detail,
        reason in ('oversized', 'invalid_timestamp', 'unknown_type')
            or reason like 'wrong_type:%'
            or reason like 'missing_field:%' as is_recoverable
    from checked
),

-- IP addresses repeat across a user's events: each distinct one is hashed once per chunk.
ip_fragments as (
    select distinct fragment
    from (
        select unnest([context_ip_fragment, request_ip_fragment]) as fragment
        from described
        where is_accepted
    )
    where left(fragment, 1) = '"'
),

ip_tokens as (
    select
        fragment,
        '"' || sh_pii_hash(fragment ->> '$') || '"' as token
    from ip_fragments
),

ips_tokenized as (
    select
        described.*,
        context_ip.token as context_ip_token,
        request_ip.token as request_ip_token,
        case when described.is_accepted then
            -- Structured values are replaced where they stand in the text; a line that
            -- escapes them differently is re-serialized first (macros below see columns
            -- only: a macro repeats its arguments, so they must be cheap).
            case
                when contains(line_text, coalesce(context_ip_fragment::varchar, ''))
                    and contains(line_text, coalesce(request_ip_fragment::varchar, ''))
                    and contains(line_text, coalesce(context_phone_fragment::varchar, ''))
                    and contains(line_text, coalesce(property_phone_fragment::varchar, ''))
                    and contains(line_text, coalesce(trait_phone_fragment::varchar, ''))
                    and coalesce(list_bool_and(list_transform(
                        list_filter(name_fragments, fragment -> fragment is not null),
                        fragment -> contains(line_text, fragment::varchar)
                    )), true)
                    then line_text
                else json(line_text)
            end
        end as text_as_received
    from described
    left join ip_tokens as context_ip on described.context_ip_fragment = context_ip.fragment
    left join ip_tokens as request_ip on described.request_ip_fragment = request_ip.fragment
),

context_ip_replaced as (
    select
        *,
        sh_replace_token(text_as_received, context_ip_fragment, context_ip_token) as text_step_1
    from ips_tokenized
),

request_ip_replaced as (
    select
        *,
        sh_replace_token(text_step_1, request_ip_fragment, request_ip_token) as text_step_2
    from context_ip_replaced
),

context_phone_replaced as (
    select
        *,
        sh_replace_phone(text_step_2, context_phone_fragment) as text_step_3
    from request_ip_replaced
),

property_phone_replaced as (
    select
        *,
        sh_replace_phone(text_step_3, property_phone_fragment) as text_step_4
    from context_phone_replaced
),

trait_phone_replaced as (
    select
        *,
        sh_replace_phone(text_step_4, trait_phone_fragment) as text_step_5
    from property_phone_replaced
),

names_replaced as (
    select
        *,
        sh_replace_names(text_step_5, name_fragments) as text_structured
    from trait_phone_replaced
),

scrubbed as (
    select
        names_replaced.file_index,
        batch_files.source_file,
        batch_files.sha256,
        batch_files.file_tenant,
        batch_files.loaded_at,
        line_number,
        line_bytes,
        is_blank,
        reason,
        detail,
        is_recoverable,
        sh_scrub(text_structured) as payload,
        coalesce(context_group_id, batch_files.file_tenant) as tenant_id,
        case when context_group_id is not null then 'context.groupId'
            else batch_files.tenant_source end as tenant_source,
        sh_scrub(message_id_value) as message_id,
        type_value as type,
        event_value as event,
        name_value as name,
        sh_scrub(anonymous_id_value) as anonymous_id,
        sh_scrub(user_id_value) as user_id,
        sh_scrub(previous_id_value) as previous_id,
        sh_scrub(group_id_value) as group_id,
        timestamp_at,
        original_timestamp_at,
        sent_at,
        received_at,
        case when reason is not null then
            sh_scrub(left(
                coalesce(
                    sh_replace_names(line_text, name_fragments),
                    try(decode(undecodable_line)),
                    undecodable_line::varchar
                ),
                $excerpt_chars
            ))
        end as excerpt
    from names_replaced
    inner join batch_files on names_replaced.file_index = batch_files.file_index
)

select * from scrubbed
"""

# What a line dropped for erasure or consent keeps: its place in the ledger and its reason.
NOTHING_KEPT = """
    excerpt = null,
    message_id = null,
    anonymous_id = null,
    user_id = null,
    previous_id = null,
    payload = null
"""

# Lines of an erased person never land: accepted lines whose user, anonymous or previous id
# hashes to a tombstone, and quarantined lines whose text names such an id, keep nothing but
# their place in the ledger (reason `erased`, no excerpt, no message id).
TOMBSTONES_APPLY_SQL = f"""
update landed set
    reason = coalesce(reason, 'erased'),
    detail = case
        when reason is null
            then 'the person was erased (signalhouse erase); nothing of the line is kept'
        else detail
    end,
    is_recoverable = reason is not null and is_recoverable,{NOTHING_KEPT}where rowid in (
    -- Each line's ids hashed once and equi-joined to the tombstones (a correlated
    -- list_contains per line and tombstone grew with lines x tombstones).
    select named.line_row
    from (
        select
            rowid as line_row,
            tenant_id,
            unnest(sh_id_hashes(
                case
                    when reason is null then [user_id, anonymous_id, previous_id]
                    else sh_ids_named(excerpt)
                end
            )) as identifier_hash
        from landed
        where
            not is_blank
            and tenant_id in (select tenants.tenant_id from raw.tombstones as tenants)
    ) as named
    inner join raw.tombstones as tombstones
        on
            named.tenant_id = tombstones.tenant_id
            and named.identifier_hash = tombstones.identifier_hash
)
"""

# Analytics consent changes in the chunk's accepted Consent Updated lines, one row per id.
CONSENT_CHANGES_SQL = """
create or replace temp table consent_changes as
with

consent_lines as (
    select
        tenant_id,
        user_id,
        anonymous_id,
        coalesce(timestamp_at, original_timestamp_at, received_at) as changed_at,
        list_contains(
            from_json(json_extract(payload, '$.properties.categories_denied'), '["VARCHAR"]'),
            'analytics'
        ) as is_denied,
        list_contains(
            from_json(json_extract(payload, '$.properties.categories_granted'), '["VARCHAR"]'),
            'analytics'
        ) as is_granted
    from landed
    where reason is null and not is_blank and type = 'track' and event = 'Consent Updated'
),

identifiers as (
    select tenant_id, 'user_id' as identifier_type, user_id as identifier, changed_at,
        is_denied, is_granted
    from consent_lines
    union all
    select tenant_id, 'anonymous_id', anonymous_id, changed_at, is_denied, is_granted
    from consent_lines
)

select
    tenant_id,
    identifier_type,
    sh_pii_hash(identifier) as identifier_hash,
    changed_at,
    coalesce(is_denied, false) as is_denied,
    coalesce(is_granted, false) as is_granted
from identifiers
where identifier is not null and changed_at is not null
    and (coalesce(is_denied, false) or coalesce(is_granted, false))
"""

# An opt-out opens a suppression (once per identifier and time); a later grant closes the
# open ones that started before it.
CONSENT_RECORD_SQL = """
insert into raw.consent_suppressions
select distinct
    tenant_id, identifier_type, identifier_hash, changed_at, null, 'consent_event', now()
from consent_changes
where is_denied
    and not exists (
        select 1 from raw.consent_suppressions as known
        where known.tenant_id = consent_changes.tenant_id
            and known.identifier_hash = consent_changes.identifier_hash
            and known.suppressed_from = consent_changes.changed_at
    );

update raw.consent_suppressions set suppressed_until = grants.granted_at
from (
    select
        suppressions.rowid as suppression_row,
        min(consent_changes.changed_at) as granted_at
    from raw.consent_suppressions as suppressions
    inner join consent_changes
        on suppressions.tenant_id = consent_changes.tenant_id
        and suppressions.identifier_hash = consent_changes.identifier_hash
        and consent_changes.is_granted
        and not consent_changes.is_denied
        and consent_changes.changed_at > suppressions.suppressed_from
    where suppressions.source = 'consent_event'
    group by suppressions.rowid
) as grants
where raw.consent_suppressions.rowid = grants.suppression_row
    and (suppressed_until is null or suppressed_until > grants.granted_at);
"""

# Accepted lines of a suppressed identifier, timed after the suppression began (the opt-out
# itself is kept) and before any re-grant, keep only their place in the ledger.
CONSENT_APPLY_SQL = f"""
update landed set
    reason = 'consent_suppressed',
    detail = 'the person withdrew analytics consent (or is on the suppression list) before '
        || 'this event; nothing of the line is kept',
    is_recoverable = false,{NOTHING_KEPT}where rowid in (
    -- Equi-joins, with each distinct id of the batch hashed once: measured on 330k lines
    -- and 100 suppressions, 10 s for the correlated list_contains per line and suppression
    -- this replaced (it grew with lines x suppressions), 0.6 s hashing every line's ids.
    with

    line_ids as (
        select
            rowid as line_row,
            tenant_id,
            coalesce(timestamp_at, original_timestamp_at, received_at) as event_at,
            unnest([user_id, anonymous_id, previous_id]) as identifier
        from landed
        where
            reason is null
            and not is_blank
            and tenant_id in (
                select tenants.tenant_id from raw.consent_suppressions as tenants
            )
    ),

    suppressed_ids as (
        select
            ids.tenant_id,
            ids.identifier,
            suppressions.suppressed_from,
            suppressions.suppressed_until
        from (
            select distinct tenant_id, identifier
            from line_ids
            where identifier is not null
        ) as ids
        inner join raw.consent_suppressions as suppressions
            on
                ids.tenant_id = suppressions.tenant_id
                and sh_pii_hash(ids.identifier) = suppressions.identifier_hash
    )

    select line_ids.line_row
    from line_ids
    inner join suppressed_ids
        on
            line_ids.tenant_id = suppressed_ids.tenant_id
            and line_ids.identifier = suppressed_ids.identifier
    where
        line_ids.event_at > suppressed_ids.suppressed_from
        and (
            suppressed_ids.suppressed_until is null
            or line_ids.event_at < suppressed_ids.suppressed_until
        )
)
"""

INSERT_EVENTS_SQL = """
insert into raw.events
select
    tenant_id,
    message_id,
    type,
    event,
    name,
    anonymous_id,
    user_id,
    previous_id,
    group_id,
    timestamp_at,
    original_timestamp_at,
    sent_at,
    received_at,
    payload,
    tenant_source,
    source_file,
    line_number,
    sha256,
    $load_id,
    loaded_at
from landed
where reason is null and not is_blank
"""

INSERT_QUARANTINE_SQL = """
insert into raw.quarantine
select
    file_tenant,
    reason,
    detail,
    excerpt,
    line_bytes,
    is_recoverable,
    case when reason not like 'missing_field:messageId' then message_id end,
    source_file,
    line_number,
    sha256,
    $load_id,
    loaded_at
from landed
where reason is not null
"""

CHUNK_COUNTS_SQL = """
select
    file_index,
    count(*) as lines_read,
    count(*) filter (where reason is null and not is_blank) as lines_loaded,
    count(*) filter (where reason is not null) as lines_quarantined,
    count(*) filter (where is_blank) as lines_blank
from landed
group by file_index
"""

REASONS_SQL = """
select file_index, reason, count(*) from landed where reason is not null group by all
"""

INSERT_FILES_SQL = """
insert into raw.files
select
    $load_id,
    ledger.path,
    ledger.file_name,
    ledger.tenant_id,
    ledger.sha256,
    ledger.bytes,
    ledger.is_compressed,
    1 + (select count(*) from raw.files as earlier where earlier.path = ledger.path),
    ledger.lines_read,
    ledger.lines_loaded,
    ledger.lines_quarantined,
    ledger.lines_blank,
    ledger.quarantined_by_reason,
    ledger.status,
    ledger.status_detail,
    ledger.started_at,
    ledger.finished_at,
    0
from ledger
"""
