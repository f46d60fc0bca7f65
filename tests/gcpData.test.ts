// The Google Cloud data tier, rendered under mocks: Cloud SQL and Memorystore
// on private addresses with TLS, reached through Direct VPC egress, passwords
// only by Secret Manager reference.
import * as assert from "assert";
import { REDACTED, Rendered, computed, render } from "./harness";

const T = {
    sql: "gcp:sql/databaseInstance:DatabaseInstance",
    sqlDb: "gcp:sql/database:Database",
    sqlUser: "gcp:sql/user:User",
    redis: "gcp:redis/instance:Instance",
    vpc: "gcp:compute/network:Network",
    subnet: "gcp:compute/subnetwork:Subnetwork",
    range: "gcp:compute/globalAddress:GlobalAddress",
    peering: "gcp:servicenetworking/connection:Connection",
    secret: "gcp:secretmanager/secret:Secret",
    secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
    secretGrant: "gcp:secretmanager/secretIamMember:SecretIamMember",
    service: "gcp:cloudrunv2/service:Service",
    account: "gcp:serviceaccount/account:Account",
};

const PROD_ON_GCP = ["cloud=gcp", "gcp:project=acme-prod", "gcp:region=us-central1"];
const DATA_TYPES = [T.sql, T.sqlDb, T.sqlUser, T.redis, T.vpc, T.subnet, T.range, T.peering];

interface Env {
    name: string;
    value?: string;
    valueSource?: { secretKeyRef: { secret: string; version: string } };
}
interface SqlSettings {
    tier: string;
    edition: string;
    availabilityType: string;
    diskSize: number;
    deletionProtectionEnabled: boolean;
    ipConfiguration: { ipv4Enabled: boolean; privateNetwork: string; sslMode: string; authorizedNetworks?: unknown };
    backupConfiguration: { enabled: boolean; pointInTimeRecoveryEnabled: boolean; backupRetentionSettings: { retainedBackups: number } };
}

function envs(r: Rendered): Env[] {
    const template = r.one(T.service).inputs.template as { containers: Array<{ envs: Env[] }> };
    return template.containers[0].envs;
}
function plainEnv(r: Rendered): Record<string, string | undefined> {
    return Object.fromEntries(envs(r).filter((e) => e.valueSource === undefined).map((e) => [e.name, e.value]));
}
function sql(r: Rendered): { inputs: Record<string, unknown>; settings: SqlSettings } {
    const inputs = r.one(T.sql).inputs;
    return { inputs, settings: inputs.settings as SqlSettings };
}
/** Asserts `name` reaches the service as a reference to a secret this stack stores, readable by the service's account. */
function assertSecretRef(r: Rendered, name: string): void {
    const e = envs(r).find((x) => x.name === name);
    assert.ok(e?.valueSource?.secretKeyRef, `${name} is a Secret Manager reference`);
    assert.strictEqual(e.value, undefined, `${name} has no plain value`);
    const ref = e.valueSource.secretKeyRef;
    assert.match(ref.version, /^\d+$/, "pinned to a version number, not latest");
    const secret = r.all(T.secret).find((s) => s.inputs.secretId === ref.secret);
    assert.ok(secret, `${name} points at a secret this stack creates`);
    assert.strictEqual(r.all(T.secretVersion).find((v) => v.name === `${secret.name}-version`)?.inputs.secretData, REDACTED);
    const account = r.one(T.account).inputs;
    const grant = r.all(T.secretGrant).find((g) => g.inputs.secretId === ref.secret);
    assert.strictEqual(grant?.inputs.member, `serviceAccount:${account.accountId}@${account.project}.iam.gserviceaccount.com`);
}

describe("Google Cloud data tier", () => {
    describe("Cloud SQL for PostgreSQL", () => {
        it("has no public address, only a private one on the stack's VPC, and requires TLS", async () => {
            for (const r of [await render("dev"), await render("prod", ...PROD_ON_GCP)]) {
                const ip = sql(r).settings.ipConfiguration;
                assert.strictEqual(ip.ipv4Enabled, false);
                assert.strictEqual(ip.authorizedNetworks, undefined);
                assert.strictEqual(ip.privateNetwork, computed("app-network-vpc", "id"));
                assert.strictEqual(ip.sslMode, "ENCRYPTED_ONLY");
            }
        });

        it("runs PostgreSQL 16 at the configured tier and disk in the stack's region", async () => {
            const r = await render("dev", "dbStorageGb=50");
            const { inputs, settings } = sql(r);
            assert.deepStrictEqual([inputs.databaseVersion, inputs.region, inputs.project], ["POSTGRES_16", "europe-west1", "acme-dev-1"]);
            assert.deepStrictEqual([settings.tier, settings.edition, settings.diskSize], ["db-f1-micro", "ENTERPRISE", 50]);
        });

        it("backs up daily with point-in-time recovery, keeping at least 7 backups", async () => {
            const b = sql(await render("dev")).settings.backupConfiguration;
            assert.strictEqual(b.enabled, true);
            assert.strictEqual(b.pointInTimeRecoveryEnabled, true);
            assert.ok(b.backupRetentionSettings.retainedBackups >= 7);
        });

        it("dev: one zone, no deletion protection", async () => {
            const { inputs, settings } = sql(await render("dev"));
            assert.deepStrictEqual([settings.availabilityType, inputs.deletionProtection, settings.deletionProtectionEnabled], ["ZONAL", false, false]);
        });

        it("prod on Google Cloud: regional failover and deletion protection, default tier", async () => {
            const { inputs, settings } = sql(await render("prod", ...PROD_ON_GCP));
            assert.deepStrictEqual(
                [settings.availabilityType, inputs.deletionProtection, settings.deletionProtectionEnabled, inputs.region, settings.tier],
                ["REGIONAL", true, true, "us-central1", "db-custom-1-3840"],
            );
        });

        it("creates the app's database and user with a generated password that is only ever a secret", async () => {
            const r = await render("dev");
            const db = r.one(T.sqlDb).inputs;
            const user = r.one(T.sqlUser).inputs;
            assert.strictEqual(user.password, REDACTED);
            const env = plainEnv(r);
            assert.deepStrictEqual(
                [env.DB_HOST, env.DB_PORT, env.DB_NAME, env.DB_USER],
                [computed("app-database-instance", "privateIpAddress"), "5432", db.name, user.name],
            );
            assert.ok(!("DB_PASSWORD" in env), "no plain DB_PASSWORD");
            assertSecretRef(r, "DB_PASSWORD");
            assert.ok(!r.json().includes(computed("app-database-password", "result")), "the generated password appears nowhere");
        });

        it("needs no Cloud SQL client role: the service reaches the private IP over the VPC", async () => {
            const r = await render("dev");
            assert.ok(!r.json().includes("roles/cloudsql"));
        });
    });

    describe("Memorystore for Redis", () => {
        it("requires AUTH and TLS, on the stack's VPC through private services access", async () => {
            const r = await render("dev", "cache=redis");
            const redis = r.one(T.redis).inputs;
            assert.deepStrictEqual(
                [redis.authEnabled, redis.transitEncryptionMode, redis.authorizedNetwork, redis.connectMode, redis.region],
                [true, "SERVER_AUTHENTICATION", computed("app-network-vpc", "id"), "PRIVATE_SERVICE_ACCESS", "europe-west1"],
            );
        });

        it("dev: BASIC, the configured memory, no deletion protection", async () => {
            const redis = (await render("dev", "cache=redis", "cacheMemoryGb=5")).one(T.redis).inputs;
            assert.deepStrictEqual([redis.tier, redis.memorySizeGb, redis.deletionProtection], ["BASIC", 5, false]);
        });

        it("prod on Google Cloud: STANDARD_HA with deletion protection", async () => {
            const redis = (await render("prod", ...PROD_ON_GCP)).one(T.redis).inputs;
            assert.deepStrictEqual([redis.tier, redis.memorySizeGb, redis.deletionProtection, redis.region], ["STANDARD_HA", 1, true, "us-central1"]);
        });

        it("gives the app host, TLS port and CA as env, and the AUTH string only by reference", async () => {
            const r = await render("dev", "cache=redis");
            const env = plainEnv(r);
            assert.deepStrictEqual(
                [env.REDIS_HOST, env.REDIS_PORT, env.REDIS_TLS, env.REDIS_TLS_CA_CERT],
                [computed("app-cache-redis", "host"), "6378", "true", computed("app-cache-redis", "serverCaCerts[0].cert")],
            );
            assert.ok(!("REDIS_PASSWORD" in env));
            assertSecretRef(r, "REDIS_PASSWORD");
            assert.ok(!r.json().includes(computed("app-cache-redis", "authString")), "the AUTH string appears nowhere");
        });
    });

    describe("the private network", () => {
        it("sends private traffic from Cloud Run into the stack's subnet (Direct VPC egress), the internet directly", async () => {
            const r = await render("dev");
            const template = r.one(T.service).inputs.template as { vpcAccess: unknown };
            assert.deepStrictEqual(template.vpcAccess, {
                egress: "PRIVATE_RANGES_ONLY",
                networkInterfaces: [{ network: computed("app-network-vpc", "id"), subnetwork: computed("app-network-run", "id") }],
            });
            const subnet = r.one(T.subnet).inputs;
            assert.deepStrictEqual([subnet.network, subnet.region], [computed("app-network-vpc", "id"), "europe-west1"]);
            assert.strictEqual(r.one(T.vpc).inputs.autoCreateSubnetworks, false);
        });

        it("peers a reserved range with Google's services for the private addresses", async () => {
            const r = await render("dev");
            const range = r.one(T.range).inputs;
            assert.deepStrictEqual([range.purpose, range.addressType, range.network], ["VPC_PEERING", "INTERNAL", computed("app-network-vpc", "id")]);
            const peering = r.one(T.peering).inputs;
            assert.deepStrictEqual(
                [peering.service, peering.network, peering.reservedPeeringRanges],
                ["servicenetworking.googleapis.com", computed("app-network-vpc", "id"), [computed("app-network-services", "name")]],
            );
        });
    });

    describe("without a data tier", () => {
        it("database=none and cache=none declare no database, cache or network, and no data env", async () => {
            const r = await render("dev", "database=none", "cache=none");
            for (const type of DATA_TYPES) {
                assert.ok(!r.has(type), `${type} should not exist`);
            }
            const template = r.one(T.service).inputs.template as { vpcAccess?: unknown };
            assert.strictEqual(template.vpcAccess, undefined);
            assert.deepStrictEqual(envs(r).map((e) => e.name).filter((n) => /^(DB|REDIS)_/.test(n)), []);
            assert.ok(!("databaseEndpoint" in r.outputs) && !("cacheEndpoint" in r.outputs));
        });

        it("prod on Google Cloud without them drops them too", async () => {
            const r = await render("prod", ...PROD_ON_GCP, "database=none", "cache=none");
            assert.deepStrictEqual(DATA_TYPES.filter((t) => r.has(t)), []);
        });

        it("dev has the database but no cache by default", async () => {
            const r = await render("dev");
            assert.ok(r.has(T.sql) && !r.has(T.redis));
        });
    });

    it("outputs the endpoints, never a password", async () => {
        const r = await render("dev", "cache=redis");
        assert.strictEqual(r.outputs.databaseEndpoint, computed("app-database-instance", "privateIpAddress"));
        assert.strictEqual(r.outputs.cacheEndpoint, computed("app-cache-redis", "host"));
        const outputs = JSON.stringify(r.outputs);
        assert.ok(!/password|authString|\[secret\]/i.test(outputs), outputs);
    });
});
