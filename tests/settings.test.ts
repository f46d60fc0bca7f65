// Stack settings, table-driven against the pure parser: no mocks, no Pulumi runtime.
import * as assert from "assert";
import { DEFAULTS, KEYS, RawConfig, Redacted, SettingsError, parseSettings } from "../components/settings";

const AWS = { "aws:region": "us-east-1" };
const GCP = { "gcp:project": "acme-dev-1", "gcp:region": "europe-west1" };

function raw(project: Record<string, string>, providers: Record<string, string> = {}, secretPaths: string[] = []): RawConfig {
    return { project, providers, secretPaths: new Set(secretPaths) };
}

function problems(cfg: RawConfig): SettingsError["problems"] {
    try {
        parseSettings(cfg);
    } catch (e) {
        assert.ok(e instanceof SettingsError, `expected SettingsError, got ${String(e)}`);
        return e.problems;
    }
    assert.fail("expected the settings to be rejected");
}

describe("settings", () => {
    describe("defaults", () => {
        it("fills every optional setting from DEFAULTS on aws", () => {
            const { settings, warnings } = parseSettings(raw({ cloud: "aws" }, AWS));
            assert.deepStrictEqual(warnings, []);
            assert.strictEqual(settings.size, DEFAULTS.size);
            assert.deepStrictEqual({ cpu: settings.cpu, memory: settings.memory }, { cpu: 0.5, memory: 1024 });
            assert.strictEqual(settings.minInstances, DEFAULTS.minInstances);
            assert.strictEqual(settings.maxInstances, DEFAULTS.maxInstances);
            assert.strictEqual(settings.port, 8080);
            assert.strictEqual(settings.protect, true, "protection is on unless a stack turns it off");
            assert.strictEqual(settings.database, undefined);
            assert.strictEqual(settings.cache, undefined);
            assert.deepStrictEqual(settings.aws, {
                region: "us-east-1",
                platform: "fargate",
                natGateways: "perAz",
                availabilityZones: 3,
                architecture: "x86_64",
                spotShare: 0,
                cacheNodes: 2,
                deregistrationDelay: 15,
                cacheNodeType: "cache.t4g.micro",
                cacheEngine: "redis",
            });
            assert.ok(!("hostedZone" in settings.aws!), "an unset optional setting stays absent");
            assert.strictEqual(settings.gcp, undefined);
        });

        it("uses Cloud Run's sizes and settings on gcp", () => {
            const { settings } = parseSettings(raw({ cloud: "gcp", minInstances: "0" }, GCP));
            assert.deepStrictEqual({ cpu: settings.cpu, memory: settings.memory }, { cpu: 1, memory: 512 });
            assert.strictEqual(settings.minInstances, 0, "gcp scales to zero");
            assert.strictEqual(settings.gcp?.project, "acme-dev-1");
            assert.strictEqual(settings.gcp?.ingress, "all");
            assert.strictEqual(settings.aws, undefined);
        });

        it("picks the database size default for the cloud", () => {
            assert.strictEqual(parseSettings(raw({ cloud: "aws", database: "postgres" }, AWS)).settings.database?.instance, "db.t4g.small");
            assert.strictEqual(parseSettings(raw({ cloud: "gcp", database: "postgres" }, GCP)).settings.database?.instance, "db-custom-1-3840");
        });
    });

    describe("rejects a bad value for every setting, naming the key", () => {
        const cases: Array<[string, Record<string, string>, Record<string, string>, RegExp]> = [
            ["cloud", { cloud: "azure" }, {}, /allowed: aws, gcp/],
            ["size", { cloud: "aws", size: "huge" }, AWS, /allowed: small, medium, large, xlarge/],
            ["cpu", { cloud: "aws", cpu: "lots" }, AWS, /number/],
            ["memory", { cloud: "aws", memory: "1.5" }, AWS, /whole number/],
            ["cpu/memory", { cloud: "aws", cpu: "1", memory: "1024" }, AWS, /not allowed with 1 vCPU on Fargate/],
            ["cpu/memory", { cloud: "gcp", cpu: "0.5" }, GCP, /concurrency 1/],
            ["minInstances", { cloud: "aws", minInstances: "-1" }, AWS, /whole number from 0/],
            ["minInstances", { cloud: "aws", minInstances: "0" }, AWS, /at least 1 on aws/],
            ["minInstances", { cloud: "gcp", minInstances: "5", maxInstances: "2" }, GCP, /must not exceed maxInstances/],
            ["maxInstances", { cloud: "aws", maxInstances: "0" }, AWS, /from 1 to 1000/],
            ["concurrency", { cloud: "gcp", concurrency: "1001" }, GCP, /from 1 to 1000/],
            ["cpuTarget", { cloud: "aws", cpuTarget: "100" }, AWS, /from 10 to 95/],
            ["port", { cloud: "aws", port: "80" }, AWS, /non-root/],
            ["env", { cloud: "aws", env: "[1,2]" }, AWS, /must be a map/],
            ["env.1BAD", { cloud: "aws", env: '{"1BAD":"x"}' }, AWS, /not a valid environment variable name/],
            ["env.DB_HOST", { cloud: "aws", env: '{"DB_HOST":"x"}' }, AWS, /set by the stack/],
            ["env.NESTED", { cloud: "aws", env: '{"NESTED":{"a":1}}' }, AWS, /string, number or boolean/],
            ["secrets.API_KEY", { cloud: "aws", secrets: '{"API_KEY":"plain"}' }, AWS, /not a secret.*--secret --path 'secrets.API_KEY'/],
            ["domain", { cloud: "aws", domain: "https://app.example.com/" }, AWS, /bare lowercase host name/],
            ["protect", { cloud: "aws", protect: "yes" }, AWS, /true or false/],
            ["highAvailability", { cloud: "aws", highAvailability: "1" }, AWS, /true or false/],
            ["public", { cloud: "aws", public: "no" }, AWS, /true or false/],
            ["database", { cloud: "aws", database: "mysql" }, AWS, /allowed: none, postgres/],
            ["dbInstance", { cloud: "aws", database: "postgres", dbInstance: "db-f1-micro" }, AWS, /RDS instance class/],
            ["dbInstance", { cloud: "gcp", database: "postgres", dbInstance: "db.t4g.small" }, GCP, /Cloud SQL tier/],
            ["dbStorageGb", { cloud: "aws", dbStorageGb: "5" }, AWS, /from 20/],
            ["cache", { cloud: "aws", cache: "memcached" }, AWS, /allowed: none, redis/],
            ["cacheNodeType", { cloud: "aws", cacheNodeType: "t4g.micro" }, AWS, /ElastiCache node type/],
            ["cacheEngine", { cloud: "aws", cacheEngine: "memcached" }, AWS, /allowed: redis, valkey/],
            ["cacheMemoryGb", { cloud: "gcp", cacheMemoryGb: "0" }, GCP, /from 1 to 300/],
            ["natGateways", { cloud: "aws", natGateways: "zero" }, AWS, /allowed: perAz, single, none/],
            ["dbStorageGb", { cloud: "gcp", database: "postgres", dbStorageGb: "9" }, GCP, /from 10 to 16384/],
            ["availabilityZones", { cloud: "aws", availabilityZones: "1" }, AWS, /from 2 to 3 \(the load balancer needs subnets in at least 2 zones/],
            ["architecture", { cloud: "aws", architecture: "arm" }, AWS, /allowed: x86_64, arm64/],
            ["architecture", { cloud: "gcp", architecture: "arm64" }, GCP, /Cloud Run runs linux\/amd64 images only/],
            ["spotShare", { cloud: "aws", spotShare: "101" }, AWS, /of percent from 0 to 100/],
            ["spotShare", { cloud: "aws", spotShare: "50" }, AWS, /needs protect false/],
            ["cacheNodes", { cloud: "aws", cacheNodes: "7" }, AWS, /from 1 to 6/],
            ["platform", { cloud: "aws", platform: "ec2" }, AWS, /allowed: fargate, beanstalk/],
            ["platform", { cloud: "gcp", platform: "beanstalk-ish" }, GCP, /allowed: fargate, beanstalk/],
            ["logRetentionDays", { cloud: "aws", logRetentionDays: "10" }, AWS, /allowed: 1, 3, 5, 7, 14, 30/],
            ["logRetentionDays", { cloud: "gcp", logRetentionDays: "3653" }, GCP, /at most 3650 on gcp/],
            ["latencyThresholdMs", { cloud: "gcp", latencyThresholdMs: "0" }, GCP, /whole number from 10 to 600000/],
            ["deregistrationDelay", { cloud: "aws", deregistrationDelay: "4000" }, AWS, /from 0 to 3600/],
            ["alarmEmail", { cloud: "aws", alarmEmail: "ops" }, AWS, /email address/],
            ["image", { cloud: "gcp", image: "ghcr.io/acme/shop:latest" }, GCP, /must be pinned by digest/],
            ["hostedZone", { cloud: "aws", domain: "app.example.com", hostedZone: "other.com" }, AWS, /must be app.example.com or a parent of it/],
            ["hostedZone", { cloud: "aws", hostedZone: "example.com" }, AWS, /has no effect without domain/],
            ["ingress", { cloud: "gcp", ingress: "public" }, GCP, /allowed: all, internal, internal-and-cloud-load-balancing/],
            ["cpuAlwaysAllocated", { cloud: "gcp", cpuAlwaysAllocated: "maybe" }, GCP, /true or false/],
            ["requestTimeout", { cloud: "gcp", requestTimeout: "7200" }, GCP, /from 1 to 3600/],
            ["deployments", { cloud: "aws", deployments: '"acme/shop"' }, AWS, /must be a map/],
            ["deployments.repository", { cloud: "aws", deployments: '{"repository":"not a repo"}' }, AWS, /owner\/name/],
            ["deployments.branch", { cloud: "aws", deployments: '{"repository":"acme/shop","branch":"a..b"}' }, AWS, /branch name/],
            ["deployments.paths", { cloud: "aws", deployments: '{"repository":"acme/shop","paths":[1]}' }, AWS, /list of path filters/],
            ["deployments.repo", { cloud: "aws", deployments: '{"repository":"acme/shop","repo":"x"}' }, AWS, /unknown field/],
            ["deployments.awsOidcProviderArn", { cloud: "aws", deployments: '{"repository":"acme/shop","awsOidcProviderArn":"arn:aws:iam::1:role/x"}' }, AWS, /IAM OIDC provider/],
            ["processes.worker.size", { cloud: "aws", processes: '{"worker":{"size":"huge"}}' }, AWS, /allowed: small, medium/],
            ["processes.worker.cpu/memory", { cloud: "aws", processes: '{"worker":{"cpu":1,"memory":1024}}' }, AWS, /not allowed with 1 vCPU on Fargate/],
            ["processes.worker.minInstances", { cloud: "gcp", processes: '{"worker":{"minInstances":3,"maxInstances":2}}' }, GCP, /must not exceed maxInstances/],
            ["processes.web", { cloud: "aws", processes: '{"web":{"size":"large"}}' }, AWS, /sizes workers only/],
            ["processes.Worker_1", { cloud: "aws", processes: '{"Worker_1":{}}' }, AWS, /lowercase letters, digits and hyphens/],
            ["schedules.prune.cron", { cloud: "aws", schedules: '{"prune":{"command":"python -m app.jobs prune","cron":"0 3 * *"}}' }, AWS, /five fields/],
            ["schedules.prune.cron", { cloud: "gcp", schedules: '{"prune":{"command":"python -m app.jobs prune","cron":"0 24 * * *"}}' }, GCP, /hour field "24" must use numbers from 0 to 23/],
            ["schedules.prune.cron", { cloud: "aws", schedules: '{"prune":{"command":"x","cron":"0 3 1 * 1"}}' }, AWS, /both day-of-month and day-of-week/],
            ["schedules.prune.command", { cloud: "aws", schedules: '{"prune":{"command":"python -m app.jobs prune | tee x","cron":"0 3 * * *"}}' }, AWS, /no shell/],
            ["schedules.prune.command", { cloud: "aws", schedules: '{"prune":{"cron":"0 3 * * *"}}' }, AWS, /is required/],
            ["schedules.prune.timeoutSeconds", { cloud: "aws", schedules: '{"prune":{"command":"x","cron":"0 3 * * *","timeoutSeconds":0}}' }, AWS, /from 1 to 86400/],
            ["minInstance", { cloud: "aws", minInstance: "2" }, AWS, /unknown setting/],
            ["ingress", { cloud: "gcp", domain: "app.example.com", ingress: "internal" }, GCP, /must be "all" when domain is set/],
            ["aws:region", { cloud: "aws" }, { "aws:region": "mars-1" }, /region of @pulumi\/aws's Region list/],
            ["aws:region", { cloud: "aws" }, {}, /is required for this cloud/],
            ["gcp:project", { cloud: "gcp" }, { "gcp:project": "Bad_Project", "gcp:region": "europe-west1" }, /project ID/],
            ["gcp:region", { cloud: "gcp" }, { "gcp:project": "acme-dev-1" }, /is required for this cloud/],
            ["gcp:region", { cloud: "gcp" }, { "gcp:project": "acme-dev-1", "gcp:region": "Europe West" }, /Cloud Run region such as europe-west1.*did you mean europe-west1/],
        ];
        for (const [key, project, providers, message] of cases) {
            it(`${key}: ${JSON.stringify({ ...project, ...providers })}`, () => {
                const found = problems(raw(project, providers));
                const p = found.find((x) => x.key === key);
                assert.ok(p, `no problem named ${key}; got ${JSON.stringify(found)}`);
                assert.match(p.message, message);
            });
        }

        it("covers every declared setting", () => {
            const tested = new Set(cases.map(([key]) => key.split(/[./]/)[0]));
            tested.add("cpu").add("memory");
            const untested = Object.keys(KEYS).filter((k) => !tested.has(k));
            assert.deepStrictEqual(untested, [], "every setting has a bad-value case above");
        });
    });

    it("reports every problem at once", () => {
        const found = problems(raw({ cloud: "aws", size: "huge", port: "80", minInstances: "0", bogus: "1" }, { "aws:region": "nowhere" }));
        assert.deepStrictEqual(found.map((p) => p.key).sort(), ["aws:region", "bogus", "minInstances", "port", "size"]);
    });

    it("formats the error as one line per problem, with key, value and what is allowed", () => {
        try {
            parseSettings(raw({ cloud: "aws", size: "huge" }, AWS));
            assert.fail("expected an error");
        } catch (e) {
            assert.ok(e instanceof SettingsError);
            assert.strictEqual(e.message, 'Invalid stack settings (1 problem):\n  - size = "huge": allowed: small, medium, large, xlarge');
        }
    });

    it("never echoes a clear-text secret value in its error", () => {
        const found = problems(raw({ cloud: "aws", secrets: '{"API_KEY":"hunter2-value"}' }, AWS));
        assert.ok(!JSON.stringify(found).includes("hunter2-value"));
    });

    it("keeps secret values redacted in every printed form", () => {
        const { settings } = parseSettings(raw({ cloud: "aws", secrets: '{"API_KEY":"hunter2-value"}' }, AWS, ["secrets.API_KEY"]));
        const secret = settings.secrets.API_KEY;
        assert.ok(secret instanceof Redacted);
        assert.strictEqual(secret.reveal(), "hunter2-value");
        for (const printed of [String(secret), `${secret}`, JSON.stringify(settings), require("util").inspect(settings, { depth: 5 })]) {
            assert.ok(!printed.includes("hunter2-value"), printed);
        }
    });

    it("rejects a name that is both plain and secret", () => {
        const found = problems(raw({ cloud: "aws", env: '{"API_KEY":"x"}', secrets: '{"API_KEY":"y"}' }, AWS, ["secrets.API_KEY"]));
        assert.match(found.find((p) => p.key === "secrets.API_KEY")!.message, /also set in env/);
    });

    it("accepts structured values the way pulumi config set --path stores them", () => {
        const { settings } = parseSettings(raw({ cloud: "aws", env: '{"WORKERS":4,"DEBUG":false,"NAME":"shop"}' }, AWS));
        assert.deepStrictEqual(settings.env, { WORKERS: "4", DEBUG: "false", NAME: "shop" });
    });

    it("warns, without failing, about settings the chosen cloud ignores", () => {
        const { warnings } = parseSettings(raw({ cloud: "gcp", natGateways: "single", alarmEmail: "ops@example.com" }, GCP));
        assert.deepStrictEqual(warnings, ["natGateways applies only to cloud aws; it is ignored on gcp"]);
    });

    it("reads alarmEmail on either cloud", () => {
        for (const [cloud, providers] of [["aws", AWS], ["gcp", GCP]] as const) {
            assert.strictEqual(parseSettings(raw({ cloud, alarmEmail: "ops@example.com" }, providers)).settings.alarmEmail, "ops@example.com");
            assert.ok(!("alarmEmail" in parseSettings(raw({ cloud }, providers)).settings), `unset on ${cloud}`);
        }
    });

    it("warns about platform on gcp only when a stack chose it", () => {
        assert.deepStrictEqual(parseSettings(raw({ cloud: "gcp", platform: "fargate" }, GCP)).warnings, []);
        assert.deepStrictEqual(parseSettings(raw({ cloud: "gcp", platform: "beanstalk" }, GCP)).warnings, ["platform applies only to cloud aws; it is ignored on gcp"]);
    });

    it("sizes Beanstalk by instance type, not Fargate's CPU/memory pairs", () => {
        const { settings } = parseSettings(raw({ cloud: "aws", platform: "beanstalk", cpu: "1", memory: "1024" }, AWS));
        assert.deepStrictEqual([settings.aws?.platform, settings.cpu, settings.memory], ["beanstalk", 1, 1024]);
        assert.match(problems(raw({ cloud: "aws", cpu: "1", memory: "1024" }, AWS))[0].message, /Fargate/, "the same pair is no Fargate size");
    });

    it("rejects fractional CPU with CPU always allocated on Cloud Run", () => {
        const found = problems(raw({ cloud: "gcp", cpu: "0.5", concurrency: "1", cpuAlwaysAllocated: "true" }, GCP));
        assert.deepStrictEqual(found.map((p) => p.key), ["cpuAlwaysAllocated"]);
    });

    it("accepts fractional CPU on Cloud Run with concurrency 1", () => {
        const { settings } = parseSettings(raw({ cloud: "gcp", cpu: "0.5", concurrency: "1" }, GCP));
        assert.deepStrictEqual([settings.cpu, settings.memory, settings.concurrency], [0.5, 512, 1]);
    });

    it("parses deployments with its branch default", () => {
        const { settings } = parseSettings(raw({ cloud: "aws", deployments: '{"repository":"acme/shop","paths":["app/**"]}' }, AWS));
        assert.deepStrictEqual(settings.deployments, { repository: "acme/shop", branch: "main", paths: ["app/**"] });
    });
});

describe("settings, checked against the real rules whichever cloud is chosen", () => {
    const one = (cfg: RawConfig): string => {
        const found = problems(cfg);
        assert.strictEqual(found.length, 1, JSON.stringify(found));
        return `${found[0].key} = ${JSON.stringify(found[0].value)}: ${found[0].message}`;
    };

    it("rejects an invalid value of the other cloud's setting, not just warns", () => {
        assert.match(one(raw({ cloud: "aws", ingress: "public" }, AWS)), /^ingress = "public": allowed: all, internal/);
        assert.match(one(raw({ cloud: "gcp", cacheNodeType: "t4g.micro" }, GCP)), /^cacheNodeType = "t4g.micro": must be an ElastiCache node type/);
        assert.match(one(raw({ cloud: "aws" }, { ...AWS, "gcp:region": "europe-west99" })), /^gcp:region = "europe-west99": must be a Cloud Run region.*did you mean europe-west9\?/);
    });

    it("requires only the chosen cloud's provider keys", () => {
        assert.doesNotThrow(() => parseSettings(raw({ cloud: "aws" }, AWS)));
        assert.doesNotThrow(() => parseSettings(raw({ cloud: "gcp" }, GCP)));
    });

    it("checks instance classes and tiers against the real families and sizes", () => {
        assert.match(one(raw({ cloud: "aws", database: "postgres", dbInstance: "db.m5.potato" }, AWS)), /has no size "potato" in family m5; sizes: large, xlarge/);
        assert.match(one(raw({ cloud: "aws", database: "postgres", dbInstance: "db.q9.large" }, AWS)), /has no family "q9"/);
        assert.match(one(raw({ cloud: "gcp", database: "postgres", dbInstance: "db-custom-2-1024" }, GCP)), /multiple of 256 MiB, at least 3840 MiB/);
        assert.match(one(raw({ cloud: "gcp", database: "postgres", dbInstance: "db-custom-3-7680" }, GCP)), /1 or an even number/);
        for (const [cloud, providers, instance] of [
            ["aws", AWS, "db.r7g.2xlarge"],
            ["gcp", GCP, "db-custom-4-15360"],
            ["gcp", GCP, "db-g1-small"],
        ] as const) {
            assert.strictEqual(parseSettings(raw({ cloud, database: "postgres", dbInstance: instance }, providers)).settings.database?.instance, instance);
        }
    });

    it("says the unit where a number has one", () => {
        assert.match(one(raw({ cloud: "aws", memory: "2GB" }, AWS)), /^memory = "2GB": must be a whole number of MiB from 128 to 122880 \(e\.g\. 2048 for 2 GiB\)/);
        assert.match(one(raw({ cloud: "aws", dbStorageGb: "1TB" }, AWS)), /whole number of GB/);
        assert.match(one(raw({ cloud: "gcp", requestTimeout: "5m" }, GCP)), /whole number of seconds/);
    });

    it("suggests the nearest setting for a misspelt key", () => {
        assert.match(one(raw({ cloud: "aws", maxInstance: "4" }, AWS)), /^maxInstance = "4": unknown setting; did you mean maxInstances\?/);
        assert.match(one(raw({ cloud: "aws", Domain: "app.example.com" }, AWS)), /did you mean domain\?/);
    });

    it("warns about a placeholder Google project and names the command to set it", () => {
        const { warnings } = parseSettings(raw({ cloud: "gcp" }, { ...GCP, "gcp:project": "my-dev-project" }));
        assert.deepStrictEqual(warnings, ['gcp:project "my-dev-project" looks like a placeholder; set your own with: pulumi config set gcp:project <your-project-id>']);
    });

    it("rejects two secret or env names that differ only in case", () => {
        const cfg = raw({ cloud: "aws", secrets: '{"API_KEY":"a","api_key":"b"}' }, AWS, ["secrets.API_KEY", "secrets.api_key"]);
        assert.match(one(cfg), /^secrets\.api_key = undefined: differs from secrets\.API_KEY only in case/);
        const withEnv = raw({ cloud: "aws", env: '{"Token":"a"}', secrets: '{"TOKEN":"b"}' }, AWS, ["secrets.TOKEN"]);
        assert.match(one(withEnv), /differs from env\.Token only in case/);
    });
});
