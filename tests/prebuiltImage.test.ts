// Build once, deploy many: the `image` setting deploys a digest-pinned image
// built elsewhere, on both clouds, and builds nothing.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { AwsTarget } from "../components/aws/awsTarget";
import { GcpTarget } from "../components/gcp/gcpTarget";
import { ecrRepositoryArn, imageRefProblem } from "../components/imageRef";
import { parseSettings } from "../components/settings";
import { countingMocks, parseJson, render, renderError } from "./harness";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
const ECR_REF = `123456789012.dkr.ecr.us-east-1.amazonaws.com/shop-api@${DIGEST}`;
const AR_REF = `europe-west1-docker.pkg.dev/acme-ci/images/shop-api@${DIGEST}`;
const BUILD = "docker:index/image:Image";

describe("a prebuilt image (the image setting)", () => {
    it("accepts only digest-pinned references, and says why a tag is not enough", () => {
        assert.strictEqual(imageRefProblem(ECR_REF), undefined);
        assert.strictEqual(imageRefProblem(`ghcr.io/acme/shop:v1.2@${DIGEST}`), undefined);
        assert.match(imageRefProblem("ghcr.io/acme/shop:v1.2")!, /must be pinned by digest.*a tag can be moved/);
        assert.match(imageRefProblem("ghcr.io/acme/shop@sha256:abc")!, /full digest/);
    });

    it("stops a tag-only reference before any resource, naming the setting", async () => {
        const e = await renderError("prod", "image=ghcr.io/acme/shop:latest");
        assert.deepStrictEqual(e.problems.map((p) => p.key), ["image"]);
    });

    it("finds the ECR repository a reference points at", () => {
        assert.strictEqual(ecrRepositoryArn(ECR_REF), "arn:aws:ecr:us-east-1:123456789012:repository/shop-api");
        assert.strictEqual(ecrRepositoryArn(AR_REF), undefined);
    });

    it("on AWS, deploys that digest, builds nothing, and lets the task pull only that repository", async () => {
        const r = await render("prod", `image=${ECR_REF}`);
        assert.ok(!r.has(BUILD), "no docker build");
        assert.strictEqual(r.outputs.imageRef, ECR_REF);
        const [container] = parseJson<Array<{ image: string }>>(r.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
        assert.strictEqual(container.image, ECR_REF);
        const policy = parseJson<{ Statement: Array<{ Sid?: string; Resource: string[] }> }>(r.one("aws:iam/rolePolicy:RolePolicy", "app-service-execution-policy").inputs.policy);
        assert.deepStrictEqual(policy.Statement.find((s) => s.Sid === "PullImage")!.Resource, ["arn:aws:ecr:us-east-1:123456789012:repository/shop-api"]);
    });

    it("on Google Cloud, deploys that digest and builds nothing", async () => {
        const r = await render("dev", `image=${AR_REF}`);
        assert.ok(!r.has(BUILD), "no docker build");
        assert.strictEqual(r.outputs.imageRef, AR_REF);
        const service = r.one("gcp:cloudrunv2/service:Service");
        const containers = (service.inputs.template as { containers: Array<{ image: string }> }).containers;
        assert.strictEqual(containers[0].image, AR_REF);
    });

    for (const cloud of ["aws", "gcp"] as const) {
        it(`needs no build context on ${cloud}: a deploy runner without app/ or Docker can ship it`, async () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "prebuilt-"));
            const cwd = process.cwd();
            await countingMocks("t");
            const providers: Record<string, string> = cloud === "aws" ? { "aws:region": "us-east-1" } : { "gcp:project": "acme-dev-1", "gcp:region": "europe-west1" };
            const { settings } = parseSettings({ project: { cloud, image: cloud === "aws" ? ECR_REF : AR_REF }, providers, secretPaths: new Set() });
            process.chdir(dir);
            try {
                assert.doesNotThrow(() => (cloud === "aws" ? new AwsTarget("app", { settings }) : new GcpTarget("app", { settings })));
            } finally {
                process.chdir(cwd);
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    }
});
