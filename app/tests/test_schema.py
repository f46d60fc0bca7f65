"""The schema is created on first use, idempotently, and safely when many
instances start at once against an empty database."""

import threading
import uuid

import pytest

from app.config import load_settings
from app.db import Database


@pytest.fixture
def empty_database(services):
    name = f"race_{uuid.uuid4().hex[:10]}"
    with services.admin("postgres") as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield services.database_url(name)
    with services.admin("postgres") as conn:
        conn.execute(f"DROP DATABASE {name} WITH (FORCE)")


def test_instances_starting_together_create_the_schema_once(empty_database):
    instances = [Database(load_settings({"DATABASE_URL": empty_database}).database) for _ in range(12)]
    barrier = threading.Barrier(len(instances))
    errors = []

    def first_request(db):
        barrier.wait(timeout=10)
        try:
            db.list_users(limit=1, before=None)
        except Exception as exc:  # collected, asserted below
            errors.append(repr(exc))

    threads = [threading.Thread(target=first_request, args=(db,)) for db in instances]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    for db in instances:
        db.close()
    assert errors == []


def test_schema_comes_back_if_the_database_is_replaced(make_app, full_env, services):
    client = make_app(full_env).test_client()
    assert client.post("/api/users", json={"username": "first"}).status_code == 201
    with services.admin() as conn:
        conn.execute("DROP TABLE users")
    assert client.get("/api/users").get_json() == {"users": [], "next_before": None}
    assert client.post("/api/users", json={"username": "second"}).status_code == 201
