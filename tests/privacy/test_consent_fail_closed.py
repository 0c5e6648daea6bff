"""Marketing and messaging marts fail closed on consent.

The simulator gives every user a consent record: new users a Consent Updated at sign-up,
existing users (signed up before the window) the state on file, re-sent by the backend at
the window start. E-mails go only to users who granted marketing; notifications to users,
who all granted messaging.

On the clean marts build: every e-mail's person granted marketing in the truth, every
notification's person is a user, and the counts still equal the truth (tests/async). Then, on
a copy, the existing users' consent records are removed from staging (their Consent Updated
rows of `stg_segment__events`), and `stg_segment__consents` and the messaging marts
downstream of `fct_consent_periods` rebuilt: the existing users vanish from the e-mail and
notification marts, and nothing of the new users changes.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from signalhouse.dbt import run_dbt
from tests.conftest import MARTS_PII_KEY, MARTS_VARS

PERSONS_BY_USER = """
    select distinct events.tenant_id, events.user_id, events.person_id
    from marts.fct_events as events
    where events.user_id is not null and events.person_id is not null
"""


def _persons(con, model: str) -> set[tuple[str, str]]:
    return set(
        con.execute(
            f"select distinct tenant_id, person_id from marts.{model} where person_id is not null"
        ).fetchall()
    )


def _truth_people(marts_build) -> dict[tuple[str, str], dict]:
    """(tenant, user id or previous id) -> the truth's person."""
    return {
        (tenant, user_id): person
        for tenant, doc in marts_build.truth["tenants"].items()
        for person in doc["persons"]
        if person["user_id"]
        for user_id in [person["user_id"], *person["previous_ids"]]
    }


def test_every_messaged_person_had_consent(marts_build) -> None:
    people = _truth_people(marts_build)
    con = marts_build.connect()
    try:
        user_of = {(t, p): u for t, u, p in con.execute(PERSONS_BY_USER).fetchall()}
        emailed = _persons(con, "fct_emails")
        notified = _persons(con, "fct_notifications")
        rows = con.execute("select count(*) from marts.fct_consent_periods").fetchall()
    finally:
        con.close()
    assert emailed and notified and rows[0][0] > 0
    for tenant, person_id in emailed:
        assert people[tenant, user_of[tenant, person_id]]["marketing_consent"], person_id
    for tenant, person_id in notified:
        assert (tenant, user_of[tenant, person_id]) in people, person_id
    categories = {p["category"] for p in people.values()}
    assert {"existing", "new"} <= categories


@pytest.fixture(scope="module")
def without_existing_consents(marts_build, tmp_path_factory):
    """A copy of the marts warehouse whose existing users' consent records are gone."""
    copy = tmp_path_factory.mktemp("fail-closed") / marts_build.db.name
    shutil.copy(marts_build.db, copy)
    existing = [
        (tenant, person["user_id"])
        for tenant, doc in marts_build.truth["tenants"].items()
        for person in doc["persons"]
        if person["category"] == "existing"
    ]
    # A record sent before an alias call carries the user's previous (legacy) id.
    ids = existing + [
        (tenant, previous_id)
        for tenant, doc in marts_build.truth["tenants"].items()
        for person in doc["persons"]
        if person["category"] == "existing"
        for previous_id in person["previous_ids"]
    ]
    con = duckdb.connect(str(copy))
    try:
        con.execute("create temp table gone (tenant_id varchar, user_id varchar)")
        con.executemany("insert into gone values (?, ?)", ids)
        deleted = con.execute(
            """
            delete from staging.stg_segment__events as events
            using gone
            where
                events.tenant_id = gone.tenant_id
                and events.user_id = gone.user_id
                and events.event_type = 'track'
                and events.event_name = 'Consent Updated'
            """
        ).fetchall()[0][0]
    finally:
        con.close()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIGNALHOUSE_PII_KEY", MARTS_PII_KEY)
        # A full refresh: the typed staging tables are incremental and do not see rows
        # deleted from stg_segment__events in place.
        outcome = run_dbt(
            [
                "build",
                "--full-refresh",
                "--select",
                "stg_segment__consents",
                "fct_consent_periods+,path:models/marts/messaging",
            ],
            copy,
            vars=MARTS_VARS,
        )
    assert outcome.success, (outcome.errors, outcome.failed_tests, outcome.exception)
    return copy, set(existing), deleted


def test_persons_without_a_consent_record_are_absent(
    marts_build, without_existing_consents
) -> None:
    copy, existing, deleted = without_existing_consents
    people = _truth_people(marts_build)
    assert deleted >= len(existing) > 0
    before = marts_build.connect()
    after = duckdb.connect(str(copy), read_only=True)
    try:
        user_of = {(t, p): u for t, u, p in before.execute(PERSONS_BY_USER).fetchall()}

        def is_existing(key: tuple[str, str]) -> bool:
            return people[key[0], user_of[key]]["category"] == "existing"

        for model in ("fct_emails", "fct_notifications"):
            was, now = _persons(before, model), _persons(after, model)
            assert any(is_existing(key) for key in was), model
            assert not any(is_existing(key) for key in now), model
            assert now == {key for key in was if not is_existing(key)}, model
            # Nothing of the persons who kept their record changed.
            columns = "tenant_id, person_id, count(*)"
            kept = f"select {columns} from marts.{model} where person_id is not null group by all"
            assert set(after.execute(kept).fetchall()) == {
                row for row in before.execute(kept).fetchall() if not is_existing(row[:2])
            }, model
    finally:
        before.close()
        after.close()
