// The AWS release step's provider, as Pulumi ships it: serialized, loaded from
// its text, and run against a local stand-in for the ECS API (RunTask,
// DescribeTasks, StopTask over the AWS JSON protocol). This checks the code
// path `pulumi up` runs (start, wait, exit code, messages), not AWS itself.
import * as assert from "assert";
import * as http from "http";
import type { AddressInfo } from "net";
import * as pulumi from "@pulumi/pulumi";
import { ReleaseRunInputs, ReleaseRunOutputs, releaseChanged, releaseRunProvider } from "../components/aws/releaseTask";
import { setEnv } from "../scripts/render";

type Provider = pulumi.dynamic.ResourceProvider<ReleaseRunInputs, ReleaseRunOutputs>;

/** A stand-in ECS endpoint: the task runs for one status check, then stops with `exitCode` (undefined: never started). */
function fakeEcs(exitCode: number | undefined, stoppedReason = "Essential container in task exited") {
    const calls: Array<{ action: string; body: Record<string, unknown> }> = [];
    const server = http.createServer((req, res) => {
        let raw = "";
        req.on("data", (c) => (raw += c));
        req.on("end", () => {
            const action = String(req.headers["x-amz-target"]).split(".").pop()!;
            const body = JSON.parse(raw || "{}") as Record<string, unknown>;
            calls.push({ action, body });
            const task = "arn:aws:ecs:us-east-1:000000000000:task/shop/0123456789abcdef";
            const described = calls.filter((c) => c.action === "DescribeTasks").length;
            const reply =
                action === "RunTask"
                    ? { tasks: [{ taskArn: task, lastStatus: "PROVISIONING" }], failures: [] }
                    : action === "DescribeTasks"
                      ? {
                            tasks: [
                                described < 2
                                    ? { taskArn: task, lastStatus: "RUNNING", containers: [{ name: "app" }] }
                                    : { taskArn: task, lastStatus: "STOPPED", stoppedReason, containers: [{ name: "app", ...(exitCode === undefined ? { reason: "CannotPullContainerError" } : { exitCode }) }] },
                            ],
                            failures: [],
                        }
                      : {};
            res.writeHead(200, { "content-type": "application/x-amz-json-1.1" });
            res.end(JSON.stringify(reply));
        });
    });
    return { server, calls };
}

const INPUTS: ReleaseRunInputs = {
    region: "us-east-1",
    clusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/shop",
    taskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/shop-api-prod-release:7",
    image: "000000000000.dkr.ecr.us-east-1.amazonaws.com/shop@sha256:" + "a".repeat(64),
    command: ["python", "-m", "app.migrate"],
    subnets: ["subnet-1", "subnet-2"],
    securityGroups: ["sg-1"],
    assignPublicIp: false,
    logGroupName: "/shop/prod",
    containerName: "app",
    streamPrefix: "release",
    timeoutSeconds: 60,
    pollSeconds: 0,
};

describe("release step on AWS: the dynamic provider", function () {
    this.timeout(20000);
    let provider: Provider;
    const ENV = { AWS_ACCESS_KEY_ID: "AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY: "stand-in", AWS_ENDPOINT_URL_ECS: "", AWS_EC2_METADATA_DISABLED: "true" };

    before(async () => {
        // What Pulumi stores in the state and runs at deploy: the provider's own text, with nothing from this process.
        const sf = await pulumi.runtime.serializeFunction(() => releaseRunProvider, { allowSecrets: true });
        const module = { exports: {} as { handler?: () => Provider } };
        new Function("exports", "require", "module", sf.text)(module.exports, require, module);
        provider = module.exports.handler!();
    });

    async function withEcs<T>(exitCode: number | undefined, run: (calls: ReturnType<typeof fakeEcs>["calls"]) => Promise<T>): Promise<T> {
        const { server, calls } = fakeEcs(exitCode);
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        const restoreEnv = setEnv({ ...ENV, AWS_ENDPOINT_URL_ECS: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
        try {
            return await run(calls);
        } finally {
            restoreEnv();
            server.close();
        }
    }

    it("runs the release task in the private subnets and succeeds when the command exits 0", async () => {
        await withEcs(0, async (calls) => {
            const result = await provider.create!(INPUTS);
            assert.strictEqual(result.outs!.exitCode, 0);
            assert.strictEqual(result.id, "arn:aws:ecs:us-east-1:000000000000:task/shop/0123456789abcdef");
            const run = calls.find((c) => c.action === "RunTask")!.body;
            assert.strictEqual(run.taskDefinition, INPUTS.taskDefinitionArn);
            assert.strictEqual(run.launchType, "FARGATE");
            assert.deepStrictEqual(run.networkConfiguration, { awsvpcConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], assignPublicIp: "DISABLED" } });
            assert.ok(calls.filter((c) => c.action === "DescribeTasks").length >= 2, "waits until the task has stopped");
        });
    });

    it("fails the deploy with the exit code and where the logs are when the command fails", async () => {
        await withEcs(3, async () => {
            await assert.rejects(provider.update!("id", { ...INPUTS, taskArn: "x", exitCode: 0 }, INPUTS), (e: Error) => {
                assert.match(e.message, /"python -m app\.migrate" exited with code 3/);
                assert.match(e.message, /CloudWatch Logs group \/shop\/prod, stream release\/app\/0123456789abcdef/);
                assert.match(e.message, /keep their previous revision.*pulumi up again/);
                return true;
            });
        });
    });

    it("says why when the task never ran the command", async () => {
        await withEcs(undefined, async () => {
            await assert.rejects(provider.create!(INPUTS), /stopped before the command ran \(Essential container in task exited; CannotPullContainerError\)/);
        });
    });

    it("runs again only when the image, the command or the task definition changed", async () => {
        const old = { ...INPUTS, taskArn: "x", exitCode: 0 };
        assert.strictEqual((await provider.diff!("id", old, INPUTS)).changes, false);
        assert.strictEqual((await provider.diff!("id", old, { ...INPUTS, image: INPUTS.image.replace(/a+$/, "b".repeat(64)) })).changes, true);
        assert.strictEqual(releaseChanged(old, { ...INPUTS, command: ["python", "-m", "app.migrate", "--dry-run"] }), true);
        assert.strictEqual(releaseChanged(old, { ...INPUTS, taskDefinitionArn: INPUTS.taskDefinitionArn.replace(/7$/, "8") }), true);
    });
});
