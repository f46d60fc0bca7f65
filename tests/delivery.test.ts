// Delivery as code: Pulumi Deployments settings and the OIDC trust they use,
// rendered offline for prod (AWS) and dev (Google Cloud).
import * as assert from "assert";
import { AWS_DEPLOYER_SERVICES } from "../components/delivery/awsDeployerPolicy";
import { GCP_DEPLOYER_ROLES, attributeCondition, checkSubjectLength } from "../components/delivery/gcpOidcTrust";
import { subjectPattern } from "../components/delivery/pulumiOidc";
import { FIXTURE_PROJECT, computed, parseJson, render, UNKNOWN } from "./harness";

const SETTINGS = "pulumiservice:index:DeploymentSettings";
const AWS_PROVIDER = "aws:iam/openIdConnectProvider:OpenIdConnectProvider";
const ROLE = "aws:iam/role:Role";
const ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy";
const POOL = "gcp:iam/workloadIdentityPool:WorkloadIdentityPool";
const POOL_PROVIDER = "gcp:iam/workloadIdentityPoolProvider:WorkloadIdentityPoolProvider";
const SA = "gcp:serviceaccount/account:Account";
const SA_MEMBER = "gcp:serviceaccount/iAMMember:IAMMember";
const PROJECT_MEMBER = "gcp:projects/iAMMember:IAMMember";
const REPO = "deployments.repository=acme/shop";

interface Statement {
    Sid?: string;
    Effect: string;
    Principal?: { Federated?: string };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

/** IAM `StringLike`: `*` matches any run of characters, everything else literally. */
function stringLike(pattern: string, value: string): boolean {
    const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    return re.test(value);
}

const sub = (org: string, project: string, stack: string, op: string) => `pulumi:deploy:org:${org}:project:${project}:stack:${stack}:operation:${op}:scope:write`;

function settingsOf(r: Awaited<ReturnType<typeof render>>) {
    return r.one(SETTINGS, "delivery-settings").inputs as {
        organization: string;
        project: string;
        stack: string;
        sourceContext: { git: Record<string, unknown> };
        vcs: Record<string, unknown>;
        operationContext: { preRunCommands: string[]; options: Record<string, unknown>; oidc: Record<string, Record<string, unknown>>; environmentVariables?: unknown };
    };
}

describe("delivery: without the deployments setting", () => {
    for (const stack of ["prod", "dev"]) {
        it(`declares no deployment settings, OIDC trust or delivery outputs on ${stack}`, async () => {
            const r = await render(stack);
            for (const type of [SETTINGS, AWS_PROVIDER, POOL, POOL_PROVIDER, "flask-multicloud:delivery:PulumiDeployments"]) {
                assert.ok(!r.has(type), `${type} should not exist`);
            }
            assert.deepStrictEqual(r.resources.filter((x) => x.name.startsWith("delivery")), []);
            assert.deepStrictEqual(Object.keys(r.outputs).filter((k) => k.startsWith("deploy")), []);
        });
    }
});

describe("delivery on prod (AWS)", () => {
    it("deploys on push to the branch and previews pull requests from the repository", async () => {
        const s = settingsOf(await render("prod", REPO));
        assert.deepStrictEqual([s.organization, s.project, s.stack], ["organization", FIXTURE_PROJECT, "prod"]);
        assert.deepStrictEqual(s.sourceContext.git, { branch: "refs/heads/main" });
        assert.strictEqual(s.vcs.provider, "github");
        assert.strictEqual(s.vcs.repository, "acme/shop");
        assert.strictEqual(s.vcs.deployCommits, true);
        assert.strictEqual(s.vcs.previewPullRequests, true);
        assert.strictEqual(s.vcs.paths, undefined, "no path filter unless one is set");
    });

    it("follows the configured branch and path filters", async () => {
        const s = settingsOf(await render("prod", REPO, "deployments.branch=release", "deployments.paths=app/**"));
        assert.deepStrictEqual(s.sourceContext.git, { branch: "refs/heads/release" });
        assert.deepStrictEqual(s.vcs.paths, ["app/**"]);
    });

    it("runs npm ci before Pulumi instead of the default install", async () => {
        const s = settingsOf(await render("prod", REPO));
        assert.deepStrictEqual(s.operationContext.preRunCommands, ["npm ci"]);
        assert.strictEqual(s.operationContext.options.skipInstallDependencies, true);
    });

    it("gets AWS credentials by assuming the stack's OIDC role, never from a key", async () => {
        const r = await render("prod", REPO);
        const s = settingsOf(r);
        const role = r.one(ROLE, "delivery-aws-trust-deployer");
        assert.strictEqual(role.parent, "flask-multicloud:delivery:AwsOidcTrust::delivery-aws-trust");
        assert.deepStrictEqual(Object.keys(s.operationContext.oidc), ["aws"]);
        assert.deepStrictEqual(s.operationContext.oidc.aws, { roleARN: computed("delivery-aws-trust-deployer", "arn"), sessionName: "pulumi-deployments-prod", duration: "2h0m0s" });
        assert.ok(role.inputs.maxSessionDuration as number >= 7200, "the role must allow the session length the settings ask for");
        assert.strictEqual(s.operationContext.environmentVariables, undefined);
        assert.ok(!r.has("aws:iam/accessKey:AccessKey"));
        assert.ok(!/AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|secretAccessKey/.test(r.json()));
    });

    it("registers Pulumi Cloud as the OIDC issuer with the organization as audience", async () => {
        const p = (await render("prod", REPO)).one(AWS_PROVIDER, "delivery-aws-trust-provider");
        assert.deepStrictEqual(p.inputs, { url: "https://api.pulumi.com/oidc", clientIdLists: ["organization"] });
    });

    it("lets only this organization, project and stack assume the role", async () => {
        const r = await render("prod", REPO);
        const trust = parseJson<{ Statement: Statement[] }>(r.one(ROLE, "delivery-aws-trust-deployer").inputs.assumeRolePolicy);
        assert.strictEqual(trust.Statement.length, 1);
        const [st] = trust.Statement;
        assert.strictEqual(st.Effect, "Allow");
        assert.strictEqual(st.Action, "sts:AssumeRoleWithWebIdentity");
        assert.strictEqual(st.Principal?.Federated, computed("delivery-aws-trust-provider", "arn"));
        assert.deepStrictEqual(st.Condition?.StringEquals, { "api.pulumi.com/oidc:aud": "organization" });
        const pattern = st.Condition?.StringLike?.["api.pulumi.com/oidc:sub"] as string;
        assert.strictEqual(pattern, "pulumi:deploy:org:organization:project:shop-api:stack:prod:operation:*:scope:write");
        for (const op of ["preview", "update", "refresh", "destroy"]) {
            assert.ok(stringLike(pattern, sub("organization", FIXTURE_PROJECT, "prod", op)), `prod ${op} is admitted`);
        }
        assert.ok(!stringLike(pattern, sub("organization", FIXTURE_PROJECT, "prod-eu", "update")), "another stack is refused");
        assert.ok(!stringLike(pattern, sub("organization", "other-project", "prod", "update")), "another project is refused");
        assert.ok(!stringLike(pattern, sub("other-org", FIXTURE_PROJECT, "prod", "update")), "another organization is refused");
    });

    it("reuses an existing OIDC provider when one is named, since AWS allows one per issuer per account", async () => {
        const arn = "arn:aws:iam::123456789012:oidc-provider/api.pulumi.com/oidc";
        const r = await render("prod", REPO, `deployments.awsOidcProviderArn=${arn}`);
        assert.ok(!r.has(AWS_PROVIDER), "no second provider is created");
        const trust = parseJson<{ Statement: Statement[] }>(r.one(ROLE, "delivery-aws-trust-deployer").inputs.assumeRolePolicy);
        assert.strictEqual(trust.Statement[0].Principal?.Federated, arn);
    });

    it("gives the role the target's services in the stack's region only, and IAM only in this account", async () => {
        const r = await render("prod", REPO);
        const policy = parseJson<{ Statement: Statement[] }>(r.one(ROLE_POLICY, "delivery-aws-trust-deployer-permissions").inputs.policy);
        assert.strictEqual(r.one(ROLE_POLICY, "delivery-aws-trust-deployer-permissions").inputs.role, computed("delivery-aws-trust-deployer", "name"));
        const regional = policy.Statement.find((s) => s.Sid === "TargetServicesInStackRegion")!;
        assert.deepStrictEqual(regional.Condition, { StringEquals: { "aws:RequestedRegion": "us-east-1" } });
        for (const svc of ["ecr", "ecs", "ec2", "elasticloadbalancing", "logs", "cloudwatch", "sns", "application-autoscaling", "secretsmanager", "rds", "elasticache", "acm"]) {
            assert.ok((regional.Action as string[]).includes(`${svc}:*`), `${svc} is allowed`);
        }
        assert.strictEqual((regional.Action as string[]).length, Object.keys(AWS_DEPLOYER_SERVICES).length);
        for (const s of policy.Statement) {
            const actions = ([] as string[]).concat(s.Action);
            assert.ok(!actions.includes("*") && !actions.includes("iam:*") && !actions.includes("sts:*"), `${s.Sid} grants no wildcard over IAM or everything`);
            if (actions.some((a) => a.startsWith("iam:"))) {
                for (const res of ([] as string[]).concat(s.Resource ?? [])) {
                    assert.ok(res.startsWith("arn:aws:iam::000000000000:"), `${s.Sid}: ${res} stays in this account`);
                }
            }
        }
        const pass = policy.Statement.find((s) => ([] as string[]).concat(s.Action).includes("iam:PassRole"))!;
        assert.deepStrictEqual(pass.Condition, { StringEquals: { "iam:PassedToService": ["ecs-tasks.amazonaws.com", "monitoring.rds.amazonaws.com"] } });
    });

    it("exports where deployments come from and who they run as", async () => {
        const r = await render("prod", REPO);
        assert.strictEqual(r.outputs.deploymentsRepository, "acme/shop");
        assert.strictEqual(r.outputs.deploymentsBranch, "main");
        assert.strictEqual(r.outputs.deployerIdentity, computed("delivery-aws-trust-deployer", "arn"));
        assert.strictEqual(r.outputs.deploymentsOidcSubject, subjectPattern({ organization: "organization", project: FIXTURE_PROJECT, stack: "prod" }));
    });

    it("declares no Google Cloud trust on an AWS stack", async () => {
        const r = await render("prod", REPO);
        assert.ok(!r.has(POOL) && !r.has(POOL_PROVIDER));
    });
});

describe("delivery on dev (Google Cloud)", () => {
    it("deploys on push and previews pull requests, running npm ci first", async () => {
        const s = settingsOf(await render("dev", REPO));
        assert.strictEqual(s.stack, "dev");
        assert.deepStrictEqual(s.sourceContext.git, { branch: "refs/heads/main" });
        assert.strictEqual(s.vcs.repository, "acme/shop");
        assert.strictEqual(s.vcs.deployCommits, true);
        assert.strictEqual(s.vcs.previewPullRequests, true);
        assert.deepStrictEqual(s.operationContext.preRunCommands, ["npm ci"]);
    });

    it("impersonates the deployer service account through the stack's pool and provider", async () => {
        const r = await render("dev", REPO);
        const s = settingsOf(r);
        const pool = r.one(POOL, "delivery-gcp-trust-pool");
        const provider = r.one(POOL_PROVIDER, "delivery-gcp-trust-provider");
        const account = r.one(SA, "delivery-gcp-trust-deployer");
        assert.deepStrictEqual(Object.keys(s.operationContext.oidc), ["gcp"]);
        assert.deepStrictEqual(s.operationContext.oidc.gcp, {
            projectId: "000000000000", // the project NUMBER the getProject invoke reports
            workloadPoolId: pool.inputs.workloadIdentityPoolId,
            providerId: provider.inputs.workloadIdentityPoolProviderId,
            serviceAccount: `${account.inputs.accountId}@acme-dev-1.iam.gserviceaccount.com`,
            region: "europe-west1",
        });
        assert.strictEqual(pool.inputs.workloadIdentityPoolId, `pulumi-${FIXTURE_PROJECT}-dev`);
        assert.strictEqual(provider.inputs.workloadIdentityPoolId, `pulumi-${FIXTURE_PROJECT}-dev`);
        assert.ok(!JSON.stringify(s).includes(UNKNOWN));
    });

    it("admits only tokens from Pulumi Cloud for this organization, project and stack", async () => {
        const p = (await render("dev", REPO)).one(POOL_PROVIDER, "delivery-gcp-trust-provider").inputs;
        assert.deepStrictEqual(p.oidc, { issuerUri: "https://api.pulumi.com/oidc", allowedAudiences: ["organization"] });
        assert.deepStrictEqual(p.attributeMapping, { "google.subject": "assertion.sub" });
        assert.strictEqual(p.attributeCondition, 'assertion.sub.startsWith("pulumi:deploy:org:organization:project:shop-api:stack:dev:")');
    });

    it("lets the pool's identities, and nothing else, impersonate the deployer", async () => {
        const r = await render("dev", REPO);
        const binding = r.one(SA_MEMBER, "delivery-gcp-trust-impersonation").inputs;
        assert.strictEqual(binding.role, "roles/iam.workloadIdentityUser");
        assert.strictEqual(binding.serviceAccountId, computed("delivery-gcp-trust-deployer", "name"));
        assert.strictEqual(binding.member, `principalSet://iam.googleapis.com/${computed("delivery-gcp-trust-pool", "name")}/*`);
    });

    it("grants the deployment roles to the deployer account only, in the stack's project", async () => {
        const r = await render("dev", REPO);
        const grants = r.all(PROJECT_MEMBER).filter((m) => m.parent === "flask-multicloud:delivery:GcpOidcTrust::delivery-gcp-trust");
        assert.deepStrictEqual(grants.map((g) => g.inputs.role).sort(), Object.keys(GCP_DEPLOYER_ROLES).sort());
        for (const g of grants) {
            assert.strictEqual(g.inputs.member, `serviceAccount:${FIXTURE_PROJECT}-dev-deploy@acme-dev-1.iam.gserviceaccount.com`);
            assert.strictEqual(g.inputs.project, "acme-dev-1");
        }
        const granted = grants.map((g) => g.inputs.role as string);
        for (const role of ["roles/run.admin", "roles/artifactregistry.admin", "roles/cloudsql.admin", "roles/iam.serviceAccountUser"]) {
            assert.ok(granted.includes(role), `${role} is granted`);
        }
        assert.ok(!granted.some((role) => /^roles\/(owner|editor)$/.test(role)), "no basic roles");
    });

    it("creates no service account key", async () => {
        const r = await render("dev", REPO);
        assert.ok(!r.has("gcp:serviceaccount/key:Key"));
        assert.ok(!/privateKey|private_key|credentials\.json/.test(r.json()));
    });

    it("declares no AWS trust on a Google Cloud stack", async () => {
        const r = await render("dev", REPO);
        assert.ok(!r.has(AWS_PROVIDER) && !r.all(ROLE).some((x) => x.name.startsWith("delivery")));
    });
});

describe("delivery: subject rules", () => {
    const prod = { organization: "acme", project: "shop", stack: "prod" };

    it("ends the Google condition's prefix at the stack, so prod never admits prod-eu", () => {
        const condition = attributeCondition(prod);
        const prefix = /startsWith\("(.*)"\)/.exec(condition)![1];
        assert.ok(sub("acme", "shop", "prod", "update").startsWith(prefix));
        assert.ok(!sub("acme", "shop", "prod-eu", "update").startsWith(prefix));
    });

    it("refuses names whose subject Google Cloud could not hold, before declaring anything", () => {
        assert.doesNotThrow(() => checkSubjectLength(prod));
        assert.throws(() => checkSubjectLength({ ...prod, project: "p".repeat(60) }), /over Google Cloud's 127-byte limit.*shorten the stack or project name/);
    });
});
