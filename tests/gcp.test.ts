// The Google Cloud target, rendered from the real program under mocks: APIs,
// registry, identity, the Cloud Run service, access, domain and outputs.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { HEALTH_PATHS } from "../components/gcp/cloudRunService";
import { PRESETS } from "../components/sizing";
import { sizeProblems } from "../components/sizing";
import { renderStack } from "../scripts/render";
import { REDACTED, Rendered, computed, render, renderError } from "./harness";

const T = {
    api: "gcp:projects/service:Service",
    repo: "gcp:artifactregistry/repository:Repository",
    image: "docker:index/image:Image",
    account: "gcp:serviceaccount/account:Account",
    secret: "gcp:secretmanager/secret:Secret",
    secretVersion: "gcp:secretmanager/secretVersion:SecretVersion",
    secretGrant: "gcp:secretmanager/secretIamMember:SecretIamMember",
    service: "gcp:cloudrunv2/service:Service",
    invoker: "gcp:cloudrunv2/serviceIamMember:ServiceIamMember",
    domain: "gcp:cloudrun/domainMapping:DomainMapping",
};

const PROD_ON_GCP = ["cloud=gcp", "gcp:project=acme-prod", "gcp:region=us-central1"];

interface Env {
    name: string;
    value?: string;
    valueSource?: { secretKeyRef: { secret: string; version: string } };
}
interface Probe {
    httpGet: { path: string; port: number };
    failureThreshold: number;
    periodSeconds: number;
}
interface Container {
    image: string;
    ports: { containerPort: number };
    resources: { limits: { cpu: string; memory: string }; cpuIdle: boolean; startupCpuBoost: boolean };
    envs: Env[];
    startupProbe: Probe;
    livenessProbe: Probe;
}
interface Template {
    serviceAccount: string;
    executionEnvironment: string;
    maxInstanceRequestConcurrency: number;
    timeout: string;
    scaling: { minInstanceCount: number; maxInstanceCount: number };
    containers: Container[];
    vpcAccess?: unknown;
}

function service(r: Rendered): Record<string, unknown> & { template: Template } {
    return r.one(T.service).inputs as Record<string, unknown> & { template: Template };
}
function container(r: Rendered): Container {
    const containers = service(r).template.containers;
    assert.strictEqual(containers.length, 1);
    return containers[0];
}
function env(r: Rendered, name: string): Env | undefined {
    return container(r).envs.find((e) => e.name === name);
}
/** Parses a Cloud Run CPU limit ("1", "500m") back to vCPU. */
function vcpu(limit: string): number {
    return limit.endsWith("m") ? Number(limit.slice(0, -1)) / 1000 : Number(limit);
}
function mib(limit: string): number {
    assert.match(limit, /^\d+Mi$/);
    return Number(limit.slice(0, -2));
}

interface Registration {
    type: string;
    name: string;
    /** URNs of everything the resource waits for (dependsOn and inputs). */
    dependencies: string[];
}

/**
 * Renders a stack and records what each resource depends on, which the
 * render itself does not keep: the mock monitor is wrapped for this render only.
 */
async function renderDependencies(stack: string, ...overrides: string[]): Promise<Registration[]> {
    type Req = { getType(): string; getName(): string; getDependenciesList(): string[] };
    const monitor = MockMonitor.prototype as unknown as { registerResource(req: Req, cb: unknown): Promise<void> };
    const original = monitor.registerResource;
    const seen: Registration[] = [];
    monitor.registerResource = function (this: unknown, req: Req, cb: unknown) {
        seen.push({ type: req.getType(), name: req.getName(), dependencies: req.getDependenciesList() });
        return original.call(this, req, cb);
    };
    try {
        await renderStack({ stack, overrides });
    } finally {
        monitor.registerResource = original;
    }
    return seen;
}
/** The type token in a URN (`urn:pulumi:stack::project::parent$type::name`). */
function urnType(urn: string): string {
    return urn.split("::")[2].split("$").pop()!;
}

describe("Google Cloud target", () => {
    describe("project APIs", () => {
        for (const [label, stack, overrides] of [
            ["dev", "dev", [] as string[]],
            ["prod on Google Cloud", "prod", PROD_ON_GCP],
        ] as const) {
            it(`every Google Cloud resource waits for every API the stack enables (${label})`, async () => {
                const regs = await renderDependencies(stack, ...overrides);
                const apis = regs.filter((x) => x.type === T.api);
                assert.ok(apis.length >= 4, "the stack enables its APIs");
                const dependents = regs.filter((x) => x.type.startsWith("gcp:") && x.type !== T.api);
                assert.ok(dependents.some((x) => x.type === T.service) && dependents.some((x) => x.type === T.repo));
                for (const res of dependents) {
                    const waitsFor = res.dependencies.filter((u) => urnType(u) === T.api).length;
                    assert.strictEqual(waitsFor, apis.length, `${res.type}::${res.name} waits for ${waitsFor} of ${apis.length} APIs`);
                }
            });
        }

        it("the image push waits for the Artifact Registry repository", async () => {
            const regs = await renderDependencies("dev");
            const image = regs.find((x) => x.type === T.image);
            assert.ok(image, "an image is built");
            assert.ok(image.dependencies.some((u) => urnType(u) === T.repo), "docker.Image depends on the repository");
        });

        it("enables Cloud Run, Artifact Registry, Secret Manager and IAM, and never disables them on destroy", async () => {
            const r = await render("dev");
            const apis = r.all(T.api);
            const names = apis.map((a) => a.inputs.service);
            for (const api of ["run.googleapis.com", "artifactregistry.googleapis.com", "secretmanager.googleapis.com", "iam.googleapis.com"]) {
                assert.ok(names.includes(api), `${api} is enabled`);
            }
            for (const api of apis) {
                assert.strictEqual(api.inputs.disableOnDestroy, false, `${api.inputs.service} stays enabled on destroy`);
                assert.strictEqual(api.inputs.project, "acme-dev-1");
            }
        });

        it("enables no data-tier API without a data tier", async () => {
            const r = await render("dev", "database=none", "cache=none");
            const names = r.all(T.api).map((a) => a.inputs.service);
            assert.deepStrictEqual(names.filter((n) => /sqladmin|redis|compute|servicenetworking/.test(String(n))), []);
        });
    });

    describe("Artifact Registry and the image", () => {
        it("keeps a Docker repository in the stack's region with cleanup policies", async () => {
            const r = await render("dev");
            const repo = r.one(T.repo).inputs;
            assert.strictEqual(repo.format, "DOCKER");
            assert.strictEqual(repo.location, "europe-west1");
            assert.strictEqual(repo.project, "acme-dev-1");
            assert.strictEqual(repo.cleanupPolicyDryRun, false);
            const policies = repo.cleanupPolicies as Array<{ action: string; mostRecentVersions?: { keepCount: number }; condition?: { tagState?: string } }>;
            const keep = policies.find((p) => p.action === "KEEP");
            assert.ok(keep?.mostRecentVersions && keep.mostRecentVersions.keepCount > 0, "keeps the last N versions");
            assert.ok(policies.some((p) => p.action === "DELETE" && p.condition?.tagState === "UNTAGGED"), "deletes untagged versions");
        });

        it("pushes to the regional registry with the provider's access token, never in clear", async () => {
            const r = await render("dev");
            const image = r.one(T.image).inputs as { imageName: string; registry: unknown };
            const repo = r.one(T.repo).inputs;
            assert.ok(image.imageName.startsWith(`europe-west1-docker.pkg.dev/acme-dev-1/${repo.repositoryId}/app:`), image.imageName);
            // The token makes the whole registry block a secret.
            assert.strictEqual(image.registry, REDACTED);
            assert.ok(!r.json().includes("<computed:gcp.accessToken>"), "the token never appears in the render");
        });

        it("deploys the digest-pinned image", async () => {
            const r = await render("dev");
            assert.strictEqual(container(r).image, computed("app-image-image", "repoDigest"));
            assert.strictEqual(r.outputs.imageRef, container(r).image);
        });
    });

    describe("identity and access", () => {
        it("runs the service as its own service account", async () => {
            const r = await render("dev");
            const account = r.one(T.account).inputs;
            assert.strictEqual(account.project, "acme-dev-1");
            const email = `${account.accountId}@acme-dev-1.iam.gserviceaccount.com`;
            assert.strictEqual(service(r).template.serviceAccount, email);
            assert.ok(!email.includes("compute@developer"), "not the default compute account");
            assert.strictEqual(r.outputs.serviceAccount, email);
        });

        it("grants no project-, folder- or organization-level role at all", async () => {
            for (const r of [await render("dev", "cache=redis"), await render("prod", ...PROD_ON_GCP)]) {
                const broad = [...r.types()].filter((t) => /^gcp:(projects|organizations|folder)\/iAM/.test(t));
                assert.deepStrictEqual(broad, []);
            }
        });

        it("lets the service read exactly this stack's secrets, one grant per secret", async () => {
            const r = await render("dev", "cache=redis", "secrets.API_KEY=s3cr3t-value");
            const account = r.one(T.account).inputs;
            const member = `serviceAccount:${account.accountId}@acme-dev-1.iam.gserviceaccount.com`;
            const secretIds = r.all(T.secret).map((s) => s.inputs.secretId).sort();
            assert.deepStrictEqual(secretIds.length, 3, "API_KEY, DB_PASSWORD, REDIS_PASSWORD");
            const grants = r.all(T.secretGrant).map((g) => g.inputs);
            assert.deepStrictEqual(grants.map((g) => g.secretId).sort(), secretIds);
            for (const g of grants) {
                assert.deepStrictEqual([g.role, g.member, g.project], ["roles/secretmanager.secretAccessor", member, "acme-dev-1"]);
            }
        });

        it("IAM resources are only the per-secret grants and the explicit public invoker", async () => {
            const r = await render("dev", "cache=redis");
            const iam = [...r.types()].filter((t) => /iam/i.test(t.split(":")[1]) && t !== T.account);
            assert.deepStrictEqual(iam.sort(), [T.invoker, T.secretGrant].sort());
        });

        it("opens the service to allUsers only because public is true", async () => {
            const r = await render("dev");
            const invoker = r.one(T.invoker).inputs;
            assert.deepStrictEqual([invoker.role, invoker.member, invoker.name, invoker.location], ["roles/run.invoker", "allUsers", service(r).name, "europe-west1"]);
            const closed = await render("dev", "public=false");
            assert.ok(!closed.has(T.invoker), "no allUsers binding when public is false");
            assert.ok(!closed.json().includes("allUsers"));
        });

        it("maps each ingress setting", async () => {
            const cases: Array<[string, string]> = [
                ["all", "INGRESS_TRAFFIC_ALL"],
                ["internal", "INGRESS_TRAFFIC_INTERNAL_ONLY"],
                ["internal-and-cloud-load-balancing", "INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER"],
            ];
            for (const [setting, want] of cases) {
                assert.strictEqual(service(await render("dev", `ingress=${setting}`)).ingress, want, setting);
            }
        });
    });

    describe("the Cloud Run service", () => {
        it("sizes CPU and memory as a valid Cloud Run pair that follows the size setting", async () => {
            const seen = new Set<string>();
            for (const size of ["small", "medium", "large"] as const) {
                const r = await render("dev", `size=${size}`);
                const { cpu, memory } = container(r).resources.limits;
                assert.deepStrictEqual({ cpu: vcpu(cpu), memory: mib(memory) }, PRESETS[size].gcp, size);
                assert.deepStrictEqual(sizeProblems("gcp", { cpu: vcpu(cpu), memory: mib(memory) }, service(r).template.maxInstanceRequestConcurrency), []);
                seen.add(`${cpu}/${memory}`);
            }
            assert.strictEqual(seen.size, 3, "each size renders a different pair");
        });

        it("rejects fractional CPU with the default concurrency", async () => {
            const e = await renderError("dev", "cpu=0.5");
            assert.ok(e.problems.some((p) => /concurrency 1/.test(p.message)), e.message);
        });

        it("runs fractional CPU with concurrency 1 on the first generation, CPU only during requests", async () => {
            const r = await render("dev", "cpu=0.5", "concurrency=1");
            const t = service(r).template;
            assert.deepStrictEqual(
                [container(r).resources.limits.cpu, t.maxInstanceRequestConcurrency, t.executionEnvironment, container(r).resources.cpuIdle],
                ["500m", 1, "EXECUTION_ENVIRONMENT_GEN1", true],
            );
        });

        it("runs whole CPUs on the second generation with startup CPU boost", async () => {
            const r = await render("dev");
            assert.strictEqual(service(r).template.executionEnvironment, "EXECUTION_ENVIRONMENT_GEN2");
            assert.strictEqual(container(r).resources.startupCpuBoost, true);
        });

        it("allocates CPU only during requests unless cpuAlwaysAllocated", async () => {
            assert.strictEqual(container(await render("dev")).resources.cpuIdle, true);
            assert.strictEqual(container(await render("dev", "cpuAlwaysAllocated=true")).resources.cpuIdle, false);
        });

        it("scales to zero on dev, within maxInstances, at the configured concurrency", async () => {
            const t = service(await render("dev", "maxInstances=7", "concurrency=40")).template;
            assert.deepStrictEqual(t.scaling, { minInstanceCount: 0, maxInstanceCount: 7 });
            assert.strictEqual(t.maxInstanceRequestConcurrency, 40);
        });

        it("probes the app's real health endpoints: /healthz for startup and liveness", async () => {
            const routes = fs.readFileSync(path.join(__dirname, "..", "app", "app", "routes.py"), "utf8");
            for (const p of Object.values(HEALTH_PATHS)) {
                assert.ok(routes.includes(`@bp.get("${p}")`), `the app serves ${p}`);
            }
            const c = container(await render("dev", "port=9090"));
            assert.deepStrictEqual(c.startupProbe.httpGet, { path: "/healthz", port: 9090 });
            assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/healthz", port: 9090 });
            assert.ok(c.startupProbe.failureThreshold * c.startupProbe.periodSeconds >= 30, "start-up gets at least 30 s");
        });

        it("listens on the port setting and leaves PORT to Cloud Run", async () => {
            const r = await render("dev", "port=9090");
            assert.strictEqual(container(r).ports.containerPort, 9090);
            assert.strictEqual(env(r, "PORT"), undefined);
        });

        it("passes env as plain values and sets APP_ENV to the stack", async () => {
            const r = await render("dev", "env.FEATURE_X=on");
            assert.deepStrictEqual(env(r, "FEATURE_X"), { name: "FEATURE_X", value: "on" });
            assert.deepStrictEqual(env(r, "APP_ENV"), { name: "APP_ENV", value: "dev" });
        });

        it("references secrets by version number and never inlines them", async () => {
            const r = await render("dev", "secrets.API_KEY=s3cr3t-value");
            assert.ok(!r.json().includes("s3cr3t-value"), "the value appears nowhere in the render");
            const secret = r.all(T.secret).find((s) => String(s.inputs.secretId).endsWith("api-key"));
            assert.ok(secret, "a Secret Manager secret holds API_KEY");
            assert.deepStrictEqual(secret.inputs.replication, { auto: {} });
            const version = r.all(T.secretVersion).find((v) => v.name === `${secret.name}-version`);
            assert.strictEqual(version?.inputs.secretData, REDACTED);
            assert.deepStrictEqual(env(r, "API_KEY"), { name: "API_KEY", valueSource: { secretKeyRef: { secret: secret.inputs.secretId, version: "1" } } });
        });

        it("applies the request timeout", async () => {
            assert.strictEqual(service(await render("dev")).template.timeout, "60s");
            assert.strictEqual(service(await render("dev", "requestTimeout=300")).template.timeout, "300s");
        });

        it("has no deletion protection on dev", async () => {
            assert.strictEqual(service(await render("dev")).deletionProtection, false);
        });

        it("prod on Google Cloud: protected, always warm, in the region it names", async () => {
            const r = await render("prod", ...PROD_ON_GCP);
            const s = service(r);
            assert.strictEqual(s.deletionProtection, true);
            assert.ok(s.template.scaling.minInstanceCount >= 1);
            assert.strictEqual(s.location, "us-central1");
            assert.strictEqual(s.project, "acme-prod");
            assert.strictEqual(r.one(T.repo).inputs.location, "us-central1");
            assert.ok(String(r.one(T.image).inputs.imageName).startsWith("us-central1-docker.pkg.dev/acme-prod/"));
            for (const res of r.resources.filter((x) => x.type.startsWith("gcp:") && "project" in x.inputs)) {
                assert.strictEqual(res.inputs.project, "acme-prod", `${res.type}::${res.name}`);
            }
        });
    });

    describe("custom domain", () => {
        it("maps the domain to the service and outputs the DNS records to create", async () => {
            const r = await render("dev", "domain=app.example.com");
            const mapping = r.one(T.domain).inputs as { name: string; location: string; metadata: { namespace: string }; spec: { routeName: string } };
            assert.deepStrictEqual(
                [mapping.name, mapping.location, mapping.metadata.namespace, mapping.spec.routeName],
                ["app.example.com", "europe-west1", "acme-dev-1", service(r).name],
            );
            assert.strictEqual(r.outputs.url, "https://app.example.com");
            assert.deepStrictEqual(r.outputs.dnsRecords, [{ name: computed("app-domain-mapping", "recordName"), type: "CNAME", rrdata: "ghs.googlehosted.com." }]);
        });

        it("without a domain: no mapping, no DNS records, the run.app URL", async () => {
            const r = await render("dev");
            assert.ok(!r.has(T.domain));
            assert.ok(!("dnsRecords" in r.outputs));
            assert.strictEqual(r.outputs.url, computed("app-run-service", "uri"));
        });

        it("refuses a domain the ingress setting would make unreachable", async () => {
            const e = await renderError("dev", "domain=app.example.com", "ingress=internal");
            assert.deepStrictEqual(e.problems.map((p) => p.key), ["ingress"]);
        });
    });

    it("outputs the same names as the AWS target", async () => {
        const r = await render("dev");
        const s = service(r);
        assert.strictEqual(r.outputs.serviceName, s.name);
        assert.strictEqual(r.outputs.consoleUrl, `https://console.cloud.google.com/run/detail/europe-west1/${String(s.name)}/metrics?project=acme-dev-1`);
        for (const key of ["url", "imageRef", "serviceName", "consoleUrl", "serviceAccount"]) {
            assert.ok(key in r.outputs, key);
        }
    });
});
