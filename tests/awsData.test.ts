// The AWS data tier: RDS PostgreSQL and ElastiCache Redis are encrypted,
// private, admitted from the tasks only, highly available and protected in
// prod, reached with passwords passed only by reference, and absent when off.
import * as assert from "assert";
import { AUTH_TOKEN_SPECIALS } from "../components/aws/cache";
import { REDACTED, Rendered, computed, parseJson, render } from "./harness";

const RDS = "aws:rds/instance:Instance";
const REDIS = "aws:elasticache/replicationGroup:ReplicationGroup";
const INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const DEV_LIKE = ["protect=false", "highAvailability=false"];
const PRIVATE_SUBNETS = [computed("app-network-vpc", "privateSubnetIds[0]"), computed("app-network-vpc", "privateSubnetIds[1]")];

interface Container {
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
}
function container(r: Rendered): Container {
    return parseJson<Container[]>(r.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions)[0];
}
function envOf(r: Rendered): Record<string, string> {
    return Object.fromEntries(container(r).environment.map((e) => [e.name, e.value]));
}
function secretsOf(r: Rendered): Record<string, string> {
    return Object.fromEntries(container(r).secrets.map((e) => [e.name, e.valueFrom]));
}

describe("AWS data tier", () => {
    describe("RDS PostgreSQL", () => {
        it("is encrypted, private, on gp3 storage in the private subnets", async () => {
            const r = await render("prod");
            const db = r.one(RDS);
            assert.strictEqual(db.inputs.engine, "postgres");
            assert.strictEqual(db.inputs.storageEncrypted, true);
            assert.strictEqual(db.inputs.publiclyAccessible, false);
            assert.strictEqual(db.inputs.storageType, "gp3");
            assert.deepStrictEqual(r.one("aws:rds/subnetGroup:SubnetGroup").inputs.subnetIds, PRIVATE_SUBNETS);
            assert.strictEqual(db.inputs.dbSubnetGroupName, computed("app-db-subnets", "name"));
        });

        it("is sized by dbInstance and dbStorageGb", async () => {
            assert.deepStrictEqual(
                [(await render("prod")).one(RDS).inputs.instanceClass, (await render("prod")).one(RDS).inputs.allocatedStorage],
                ["db.t4g.small", 20],
            );
            const db = (await render("prod", "dbInstance=db.m7g.large", "dbStorageGb=100")).one(RDS);
            assert.deepStrictEqual([db.inputs.instanceClass, db.inputs.allocatedStorage], ["db.m7g.large", 100]);
        });

        it("keeps a week of backups, upgrades minor versions and exports logs to CloudWatch", async () => {
            const db = (await render("prod")).one(RDS);
            assert.ok((db.inputs.backupRetentionPeriod as number) >= 7);
            assert.strictEqual(db.inputs.autoMinorVersionUpgrade, true);
            assert.ok((db.inputs.enabledCloudwatchLogsExports as string[]).includes("postgresql"));
        });

        it("lets RDS create and keep the master password: none in the program or the state", async () => {
            const db = (await render("prod")).one(RDS);
            assert.strictEqual(db.inputs.manageMasterUserPassword, true);
            assert.strictEqual(db.inputs.password, undefined);
            assert.strictEqual(db.inputs.passwordWo, undefined);
        });

        it("is Multi-AZ with deletion protection and a final snapshot in prod", async () => {
            const db = (await render("prod")).one(RDS);
            assert.strictEqual(db.inputs.multiAz, true);
            assert.strictEqual(db.inputs.deletionProtection, true);
            assert.strictEqual(db.inputs.skipFinalSnapshot, false);
            assert.strictEqual(typeof db.inputs.finalSnapshotIdentifier, "string");
        });

        it("is single-AZ and disposable with protect=false and highAvailability=false, still encrypted and private", async () => {
            const db = (await render("prod", ...DEV_LIKE)).one(RDS);
            assert.strictEqual(db.inputs.multiAz, false);
            assert.strictEqual(db.inputs.deletionProtection, false);
            assert.strictEqual(db.inputs.skipFinalSnapshot, true);
            assert.strictEqual(db.inputs.storageEncrypted, true);
            assert.strictEqual(db.inputs.publiclyAccessible, false);
        });
    });

    describe("ElastiCache Redis", () => {
        it("encrypts in transit and at rest behind an AUTH token", async () => {
            const redis = (await render("prod")).one(REDIS);
            assert.strictEqual(redis.inputs.engine, "redis");
            assert.strictEqual(redis.inputs.transitEncryptionEnabled, true);
            assert.strictEqual(redis.inputs.atRestEncryptionEnabled, true);
            assert.strictEqual(redis.inputs.authToken, REDACTED);
            assert.strictEqual(redis.inputs.nodeType, "cache.t4g.micro");
        });

        it("generates the token with only the special characters ElastiCache accepts, and keeps it in Secrets Manager", async () => {
            const r = await render("prod");
            const token = r.one("random:index/randomPassword:RandomPassword");
            assert.strictEqual(token.inputs.overrideSpecial, "!&#$^<>-");
            assert.strictEqual(AUTH_TOKEN_SPECIALS, "!&#$^<>-");
            const length = token.inputs.length as number;
            assert.ok(length >= 16 && length <= 128, `length ${length}`);
            const version = r.one("aws:secretsmanager/secretVersion:SecretVersion", "app-cache-auth-secret-value");
            assert.strictEqual(version.inputs.secretId, computed("app-cache-auth-secret", "id"));
            assert.strictEqual(version.inputs.secretString, REDACTED);
        });

        it("has a replica with automatic failover across zones in prod", async () => {
            const redis = (await render("prod")).one(REDIS);
            assert.strictEqual(redis.inputs.numCacheClusters, 2);
            assert.strictEqual(redis.inputs.automaticFailoverEnabled, true);
            assert.strictEqual(redis.inputs.multiAzEnabled, true);
        });

        it("is a single node with highAvailability=false, still encrypted", async () => {
            const redis = (await render("prod", ...DEV_LIKE)).one(REDIS);
            assert.strictEqual(redis.inputs.numCacheClusters, 1);
            assert.strictEqual(redis.inputs.automaticFailoverEnabled, false);
            assert.strictEqual(redis.inputs.transitEncryptionEnabled, true);
            assert.strictEqual(redis.inputs.atRestEncryptionEnabled, true);
        });

        it("uses cacheNodeType and the private subnets", async () => {
            const r = await render("prod", "cacheNodeType=cache.r7g.large");
            assert.strictEqual(r.one(REDIS).inputs.nodeType, "cache.r7g.large");
            assert.deepStrictEqual(r.one("aws:elasticache/subnetGroup:SubnetGroup").inputs.subnetIds, PRIVATE_SUBNETS);
        });
    });

    describe("security groups", () => {
        for (const [what, sg, port, resource, field] of [
            ["the database", "app-db-sg", 5432, RDS, "vpcSecurityGroupIds"],
            ["the cache", "app-cache-sg", 6379, REDIS, "securityGroupIds"],
        ] as const) {
            it(`let only the tasks reach ${what}, on ${port}`, async () => {
                const r = await render("prod");
                const rules = r.all(INGRESS).filter((x) => x.inputs.securityGroupId === computed(sg, "id"));
                assert.strictEqual(rules.length, 1);
                assert.strictEqual(rules[0].inputs.referencedSecurityGroupId, computed("app-network-task-sg", "id"));
                assert.deepStrictEqual([rules[0].inputs.ipProtocol, rules[0].inputs.fromPort, rules[0].inputs.toPort], ["tcp", port, port]);
                assert.strictEqual(rules[0].inputs.cidrIpv4, undefined);
                assert.deepStrictEqual(r.one(resource).inputs[field], [computed(sg, "id")]);
            });
        }
    });

    describe("wiring into the task", () => {
        it("passes hosts, ports, names and TLS as plain environment", async () => {
            const env = envOf(await render("prod"));
            assert.strictEqual(env.DB_HOST, computed("app-db-postgres", "address"));
            assert.strictEqual(env.DB_PORT, "5432");
            assert.strictEqual(env.DB_NAME, "app");
            assert.strictEqual(env.DB_USER, "app");
            assert.strictEqual(env.REDIS_HOST, computed("app-cache-redis", "primaryEndpointAddress"));
            assert.strictEqual(env.REDIS_PORT, "6379");
            assert.strictEqual(env.REDIS_TLS, "true");
            assert.ok(Object.keys(env).every((k) => !k.includes("PASSWORD")), "passwords must not be plain environment");
        });

        it("passes passwords only as Secrets Manager references", async () => {
            const secrets = secretsOf(await render("prod"));
            assert.strictEqual(secrets.DB_PASSWORD, `${computed("app-db-postgres", "masterUserSecrets[0].secretArn")}:password::`);
            assert.strictEqual(secrets.REDIS_PASSWORD, computed("app-cache-auth-secret", "arn"));
        });

        it("reports the endpoints as host names, never a password", async () => {
            const o = (await render("prod")).outputs;
            assert.strictEqual(o.databaseEndpoint, computed("app-db-postgres", "address"));
            assert.strictEqual(o.cacheEndpoint, computed("app-cache-redis", "primaryEndpointAddress"));
            assert.ok(!JSON.stringify(o).toLowerCase().includes("password"));
            assert.ok(!JSON.stringify(o).includes(REDACTED));
        });
    });

    describe("with database=none and cache=none", () => {
        const off = () => render("prod", "database=none", "cache=none");

        it("declares no database, cache, token or their security groups", async () => {
            const r = await off();
            for (const type of [
                RDS,
                REDIS,
                "aws:rds/subnetGroup:SubnetGroup",
                "aws:elasticache/subnetGroup:SubnetGroup",
                "random:index/randomPassword:RandomPassword",
            ]) {
                assert.ok(!r.has(type), `${type} exists`);
            }
            assert.deepStrictEqual(r.all("aws:ec2/securityGroup:SecurityGroup").map((x) => x.name).sort(), ["app-network-lb-sg", "app-network-task-sg"]);
            assert.ok(!r.has("aws:secretsmanager/secret:Secret"));
        });

        it("gives the task no DB_ or REDIS_ settings and reports no endpoints", async () => {
            const r = await off();
            assert.deepStrictEqual(Object.keys(envOf(r)).filter((k) => /^(DB|REDIS)_/.test(k)), []);
            assert.deepStrictEqual(container(r).secrets, []);
            assert.ok(!("databaseEndpoint" in r.outputs));
            assert.ok(!("cacheEndpoint" in r.outputs));
        });

        it("can keep one without the other", async () => {
            const r = await render("prod", "cache=none");
            assert.ok(r.has(RDS) && !r.has(REDIS));
            assert.deepStrictEqual(Object.keys(secretsOf(r)), ["DB_PASSWORD"]);
        });
    });
});
