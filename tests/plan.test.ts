// `npm run plan` as a user runs it: a separate process, its stdout, stderr and exit code.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as path from "path";

const ROOT = path.resolve(__dirname, "..");

function plan(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "scripts/plan.ts", ...args], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("npm run plan", () => {
    for (const stack of ["dev", "prod"]) {
        it(`--json prints one document for ${stack} with the documented fields`, () => {
            const r = plan(stack, "--json");
            assert.strictEqual(r.status, 0, r.stderr);
            const doc = JSON.parse(r.stdout) as Record<string, unknown>;
            assert.deepStrictEqual(Object.keys(doc), ["stack", "project", "settings", "resources", "outputs"]);
            assert.strictEqual(doc.stack, stack);
            assert.strictEqual(doc.project, "flask-multicloud");
            const resources = doc.resources as Array<Record<string, unknown>>;
            assert.ok(resources.length > 0);
            for (const res of resources) {
                assert.deepStrictEqual(Object.keys(res), ["type", "name", "parent", "inputs"]);
                assert.match(res.type as string, /^[a-z-]+:[A-Za-z0-9/]*:[A-Za-z0-9]+$/);
            }
        });
    }

    it("prints the resource tree, settings and outputs for people", () => {
        const r = plan("prod");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /^Stack prod of flask-multicloud: rendered offline/);
        assert.match(r.stdout, /\nSettings:\n {2}cloud: "aws"/);
        assert.match(r.stdout, /\nResources \(\d+\):\n/);
        assert.match(r.stdout, /\nOutputs:\n {2}cloud: aws/);
    });

    it("exits 1 with the problems on stderr and nothing on stdout for invalid settings", () => {
        const r = plan("prod", "--json", "--set", "minInstances=0", "--set", "port=80");
        assert.strictEqual(r.status, 1);
        assert.strictEqual(r.stdout, "");
        assert.match(r.stderr, /Invalid stack settings \(2 problems\)/);
        assert.match(r.stderr, /minInstances = 0: must be at least 1 on aws/);
        assert.match(r.stderr, /port = "80": must be a whole number from 1024 to 65535/);
        assert.doesNotMatch(r.stderr, /    at /, "no stack trace for a user error");
    });

    it("exits 2 with usage for a missing or unknown stack", () => {
        const none = plan();
        assert.strictEqual(none.status, 2);
        assert.match(none.stderr, /expected exactly one stack name; stacks: dev, prod/);
        const unknown = plan("staging");
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /no stack file Pulumi.staging.yaml/);
    });

    it("never prints a secret given with --set", () => {
        const r = plan("dev", "--json", "--set", "secrets.API_KEY=hunter2-plaintext");
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(!r.stdout.includes("hunter2-plaintext") && !r.stderr.includes("hunter2-plaintext"));
    });
});
