"""REDIS_TLS=true speaks TLS and verifies the server's certificate: against the
system store by default, or a CA given as a file or as PEM text."""

import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import wait_until


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


@pytest.fixture(scope="module")
def tls_redis(services):
    work = Path(services.work_dir) / f"tls-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
            "-subj", "/CN=flask-multicloud test CA", cwd=work)
    openssl("req", *curve, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1", cwd=work)
    (work / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext", cwd=work)
    # A CA that did not sign the server's certificate.
    openssl("req", "-x509", *curve, "-keyout", "other-ca.key", "-out", "other-ca.crt", "-days", "2",
            "-subj", "/CN=some other CA", cwd=work)
    plain_port, tls_port = services.free_port(), services.free_port()
    password = "tls-redis-pw"
    services.run("redis-start", str(work / "redis"), str(plain_port), password,
                 str(tls_port), str(work / "server.crt"), str(work / "server.key"), str(work / "ca.crt"))
    yield {"port": str(tls_port), "password": password, "ca": str(work / "ca.crt"),
           "ca_pem": (work / "ca.crt").read_text(), "other_ca_pem": (work / "other-ca.crt").read_text()}
    services.run("redis-stop", str(work / "redis"))


def tls_env(tls_redis, **extra):
    return {"REDIS_HOST": "127.0.0.1", "REDIS_PORT": tls_redis["port"],
            "REDIS_PASSWORD": tls_redis["password"], **extra}


def test_tls_with_the_servers_ca_works(make_app, tls_redis):
    client = make_app(tls_env(tls_redis, REDIS_TLS="true", REDIS_TLS_CA_FILE=tls_redis["ca"])).test_client()
    assert [client.get("/api/cache-test").get_json()["counter"] for _ in range(2)] == [1, 2]
    assert client.get("/readyz").status_code == 200


def test_tls_with_the_servers_ca_as_pem_text_works(make_app, tls_redis):
    # How Cloud Run passes Memorystore's CA: the certificate itself, in REDIS_TLS_CA_CERT.
    assert tls_redis["ca_pem"].startswith("-----BEGIN CERTIFICATE-----\n")
    client = make_app(tls_env(tls_redis, REDIS_TLS="true", REDIS_TLS_CA_CERT=tls_redis["ca_pem"])).test_client()
    first, second = (client.get("/api/cache-test").get_json()["counter"] for _ in range(2))
    assert second == first + 1  # the module's TLS server keeps its counter between tests
    assert client.get("/readyz").status_code == 200


def test_tls_rejects_a_server_signed_by_another_ca_given_as_pem_text(make_app, tls_redis):
    client = make_app(tls_env(tls_redis, REDIS_TLS="true", REDIS_TLS_CA_CERT=tls_redis["other_ca_pem"])).test_client()
    resp = client.get("/api/cache-test")
    assert resp.status_code == 503 and resp.get_json()["error"] == "redis_unavailable"
    assert client.get("/readyz").get_json()["failed"] == ["redis"]


def test_tls_verifies_certificates_by_default(make_app, tls_redis):
    # The test CA is not in the system store, so the handshake must fail.
    client = make_app(tls_env(tls_redis, REDIS_TLS="true")).test_client()
    resp = client.get("/api/cache-test")
    assert resp.status_code == 503 and resp.get_json()["error"] == "redis_unavailable"
    assert client.get("/readyz").get_json()["failed"] == ["redis"]


def test_plain_text_to_a_tls_port_fails_cleanly(make_app, tls_redis):
    client = make_app(tls_env(tls_redis)).test_client()
    assert client.get("/api/cache-test").status_code == 503


def test_the_job_queue_and_the_worker_speak_tls_too(make_app, full_env, tls_redis, start_process):
    # The queue (kombu) connects with the same TLS settings as the cache.
    env = {**{k: v for k, v in full_env.items() if k != "REDIS_URL"},
           **tls_env(tls_redis, REDIS_TLS="true", REDIS_TLS_CA_CERT=tls_redis["ca_pem"])}
    client = make_app(env).test_client()
    created = client.post("/api/users", json={"username": "over-tls"}).get_json()
    assert created["welcome_job"]["status"] == "queued"
    start_process("worker", env)
    job = f"/api/jobs/{created['welcome_job']['id']}"
    wait_until(lambda: client.get(job).get_json()["status"] == "done", what="job done over TLS")

    wrong_ca = make_app({**env, "REDIS_TLS_CA_CERT": tls_redis["other_ca_pem"]}).test_client()
    refused = wrong_ca.post("/api/users", json={"username": "wrong-ca"}).get_json()
    assert refused["welcome_job"] == {"id": refused["welcome_job"]["id"], "status": "not_queued",
                                      "reason": "redis_unavailable"}
