"""Settings are a pure function of the environment: table-driven, no servers."""

import pytest

from app.config import (
    DEFAULT_PORT,
    ConfigError,
    effective_cpu_count,
    load_server_settings,
    load_settings,
)


def test_defaults_need_no_environment_at_all():
    s = load_settings({})
    assert (s.app_name, s.app_version, s.app_env) == ("flask-multicloud", "dev", "development")
    assert s.database is None and s.redis is None
    assert s.max_body_bytes == 1024 * 1024
    assert s.migrations_dir.endswith("/migrations") and s.jobs_retention_days == 30
    assert s.job_timeout_seconds is None


def test_the_commands_beside_the_web_read_their_settings():
    s = load_settings({"MIGRATIONS_DIR": "/elsewhere", "JOBS_RETENTION_DAYS": "7", "JOB_TIMEOUT_SECONDS": "600"})
    assert (s.migrations_dir, s.jobs_retention_days, s.job_timeout_seconds) == ("/elsewhere", 7, 600)


def test_database_from_parts_keeps_the_password_out_of_the_description():
    s = load_settings({"DB_HOST": "db.internal", "DB_PORT": "6543", "DB_NAME": "shop",
                       "DB_USER": "svc", "DB_PASSWORD": "s3cr'et\\pw"})
    assert s.database.description == "postgresql db.internal:6543/shop as svc"
    assert "s3cr" not in s.database.description
    # libpq key='value' quoting survives quotes and backslashes
    assert "password='s3cr\\'et\\\\pw'" in s.database.conninfo
    assert "connect_timeout='3'" in s.database.conninfo
    assert "statement_timeout=5000" in s.database.conninfo


def test_cloud_sql_socket_directory_is_a_host():
    s = load_settings({"DB_HOST": "/cloudsql/proj:europe-west1:main", "DB_NAME": "app",
                       "DB_USER": "app", "DB_PASSWORD": "pw"})
    assert "host='/cloudsql/proj:europe-west1:main'" in s.database.conninfo
    assert s.database.description == "postgresql /cloudsql/proj:europe-west1:main/app as app"


def test_database_url_gets_timeouts_unless_it_sets_its_own():
    s = load_settings({"DATABASE_URL": "postgresql://u@h:5/d?connect_timeout=9"})
    assert "connect_timeout=9" in s.database.conninfo and "connect_timeout=3" not in s.database.conninfo
    assert s.database.connect_timeout_seconds == 9
    assert "statement_timeout%3D5000" in s.database.conninfo


def test_database_url_takes_the_password_from_db_password():
    s = load_settings({"DATABASE_URL": "postgresql://u@h/d", "DB_PASSWORD": "p@ss word"})
    assert "password=p%40ss%20word" in s.database.conninfo
    assert "p@ss" not in s.database.description


@pytest.mark.parametrize(
    "env, message",
    [
        ({"DATABASE_URL": "postgresql://h/d", "DB_HOST": "h"}, "Only one of DATABASE_URL or DB_HOST"),
        ({"DATABASE_URL": "postgresql://u:pw@h/d", "DB_PASSWORD": "x"}, "already has a password"),
        ({"DATABASE_URL": "mysql://u:hunter2@h/d"}, "must start with postgresql://"),
        ({"DB_HOST": "h", "DB_NAME": "d"}, "DB_USER"),
        ({"DB_PASSWORD": "x"}, "DB_PASSWORD is set but DB_HOST is not"),
        ({"DB_HOST": "h", "DB_NAME": "d", "DB_USER": "u", "DB_PORT": "70000"}, "DB_PORT='70000' is out of range"),
        ({"DB_HOST": "h", "DB_NAME": "d", "DB_USER": "u", "DB_SSLMODE": "sometimes"}, "DB_SSLMODE='sometimes'"),
        ({"REDIS_URL": "redis://h", "REDIS_HOST": "h"}, "Only one of REDIS_URL or REDIS_HOST"),
        ({"REDIS_HOST": "h", "REDIS_TLS": "maybe"}, "REDIS_TLS='maybe' is not a boolean"),
        ({"REDIS_HOST": "h", "REDIS_TLS_CA_FILE": "/ca.pem"}, "TLS is off"),
        ({"REDIS_HOST": "h", "REDIS_TLS_CA_CERT": "-----BEGIN CERTIFICATE-----"}, "REDIS_TLS_CA_CERT is set but TLS is off"),
        ({"REDIS_TLS_CA_CERT": "-----BEGIN CERTIFICATE-----"}, "REDIS_TLS_CA_CERT is set but REDIS_HOST is not"),
        ({"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CA_FILE": "/ca.pem",
          "REDIS_TLS_CA_CERT": "-----BEGIN CERTIFICATE-----"},
         "Only one of REDIS_TLS_CA_FILE or REDIS_TLS_CA_CERT can be provided; both are set"),
        ({"REDIS_HOST": "h", "REDIS_TLS": "true", "REDIS_TLS_CA_CERT": "/etc/ssl/ca.pem"},
         "REDIS_TLS_CA_CERT is not PEM certificate text"),
        # Line breaks escaped as \n, as a shell or a console can pass them
        ({"REDIS_URL": "rediss://h", "REDIS_TLS_CA_CERT": "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----"},
         "REDIS_TLS_CA_CERT holds no valid PEM certificate"),
        ({"DATABASE_URL": "postgresql://h/d", "DB_AUTH_FAILURE_THRESHOLD": "-1"},
         "DB_AUTH_FAILURE_THRESHOLD='-1' is out of range"),
        ({"DATABASE_URL": "postgresql://h/d", "DB_AUTH_FAILURE_MIN_SECONDS": "soon"},
         "DB_AUTH_FAILURE_MIN_SECONDS='soon' is not a number"),
        ({"REDIS_URL": "http://h"}, "REDIS_URL must start with"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL='chatty' is not allowed"),
        ({"JOBS_RETENTION_DAYS": "0"}, "JOBS_RETENTION_DAYS='0' is out of range"),
        ({"JOB_TIMEOUT_SECONDS": "ten"}, "JOB_TIMEOUT_SECONDS='ten' is not an integer"),
    ],
)
def test_invalid_settings_name_the_variable(env, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace("?", r"\?")) as info:
        load_settings(env)
    assert "hunter2" not in str(info.value)


def test_rejected_credentials_fail_liveness_after_three_over_thirty_seconds_by_default():
    db = load_settings({"DATABASE_URL": "postgresql://u@h/d"}).database
    assert (db.auth_failure_threshold, db.auth_failure_min_seconds) == (3, 30.0)
    db = load_settings({"DATABASE_URL": "postgresql://u@h/d", "DB_AUTH_FAILURE_THRESHOLD": "0"}).database
    assert db.auth_failure_threshold == 0  # off


def test_redis_from_parts_with_tls_and_password():
    s = load_settings({"REDIS_HOST": "10.0.0.3", "REDIS_PORT": "6378", "REDIS_PASSWORD": "pw", "REDIS_TLS": "true"})
    assert s.redis.url == "redis://10.0.0.3:6378/0"
    assert s.redis.tls and s.redis.password == "pw"
    assert s.redis.description == "redis 10.0.0.3:6378 (tls)"


def test_rediss_url_means_tls():
    assert load_settings({"REDIS_URL": "rediss://:pw@cache:6380/0"}).redis.tls


@pytest.mark.parametrize(
    "env, cpus, workers, threads",
    [
        ({}, 2, 2, 4),
        ({}, 1, 1, 4),
        ({"WEB_CONCURRENCY": "3", "GUNICORN_THREADS": "16"}, 2, 3, 16),
    ],
)
def test_server_sizing_follows_cpus_unless_overridden(env, cpus, workers, threads):
    s = load_server_settings(env, cpu_count=cpus)
    assert (s.port, s.workers, s.threads) == (DEFAULT_PORT, workers, threads)


def test_server_timeouts_fit_the_platforms():
    s = load_server_settings({"PORT": "9000"}, cpu_count=1)
    assert s.port == 9000
    assert s.keepalive_seconds > 60  # the AWS load balancer's idle timeout
    assert s.graceful_timeout_seconds < 10  # Cloud Run's SIGTERM-to-SIGKILL window
    assert s.worker_tmp_dir in ("/dev/shm", "/tmp")


@pytest.mark.parametrize(
    "files, affinity, expected",
    [
        ({"cpu.max": "max 100000\n"}, 8, 8),
        ({"cpu.max": "150000 100000\n"}, 8, 2),
        ({"cpu.max": "25000 100000\n"}, 8, 1),
        ({"cpu/cpu.cfs_quota_us": "200000\n", "cpu/cpu.cfs_period_us": "100000\n"}, 8, 2),
        ({"cpu/cpu.cfs_quota_us": "-1\n", "cpu/cpu.cfs_period_us": "100000\n"}, 4, 4),
        ({}, 3, 3),
    ],
)
def test_cpu_count_respects_container_quota(tmp_path, files, affinity, expected):
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    assert effective_cpu_count(str(tmp_path), affinity=affinity) == expected
