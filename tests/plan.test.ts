// `npm run plan` as a user runs it: a separate process, its stdout, stderr and exit code.
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { STACK_DIR_ENV } from "../components/stackConfig";
import { formatHuman, main } from "../scripts/plan";
import { FIXTURES_DIR, render } from "./harness";
import { setEnv } from "../scripts/render";

const ROOT = path.resolve(__dirname, "..");
/** The CLI renders under the project's own name, whatever a fork renamed it to. */
const PROJECT = (parseYaml(fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { name: string }).name;

interface PlanRun {
    status: number | null;
    stdout: string;
    stderr: string;
}

const runs = new Map<string, Promise<PlanRun>>();

/**
 * Runs the plan CLI on the tests' fixture stacks (tests/fixtures), never the
 * repository's, in a child process. Runs are started as soon as this file
 * loads and memoized, so they overlap with the in-process tests.
 */
function plan(...args: string[]): Promise<PlanRun> {
    const key = JSON.stringify(args);
    let run = runs.get(key);
    if (!run) {
        run = new Promise((resolve) => {
            execFile(
                process.execPath,
                ["-r", "sucrase/register/ts", "scripts/plan.ts", ...args],
                { cwd: ROOT, encoding: "utf8", timeout: 180_000, env: { ...process.env, [STACK_DIR_ENV]: FIXTURES_DIR } },
                (error, stdout, stderr) => resolve({ status: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
            );
        });
        runs.set(key, run);
    }
    return run;
}

// Three child processes, each serving several tests: every one loads the SDKs anew.
const PROD_JSON = ["prod", "--json"];
/** dev's document, with a secret set, so the same run shows the secret never printed. */
const DEV_JSON = ["dev", "--json", "--set", "secrets.API_KEY=hunter2-plaintext"];
/** The human output, with the estimate after it. */
const PROD_HUMAN = ["prod", "--cost"];
for (const args of [PROD_JSON, DEV_JSON, PROD_HUMAN]) {
    void plan(...args);
}

/** The CLI's entry point in this process, for the paths that stop before any render: exit code and stdout/stderr. */
async function planHere(...args: string[]): Promise<PlanRun> {
    const out: string[] = [];
    const err: string[] = [];
    const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
    const restoreEnv = setEnv({ [STACK_DIR_ENV]: FIXTURES_DIR });
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string) => err.push(String(chunk)) > 0) as typeof process.stderr.write;
    try {
        const status = await main(args);
        return { status, stdout: out.join(""), stderr: err.join("") };
    } finally {
        process.stdout.write = write.out;
        process.stderr.write = write.err;
        restoreEnv();
    }
}

describe("npm run plan", () => {
    for (const stack of ["dev", "prod"]) {
        it(`--json prints one document for ${stack} with the documented fields`, async () => {
            const r = await plan(...(stack === "prod" ? PROD_JSON : DEV_JSON));
            assert.strictEqual(r.status, 0, r.stderr);
            const doc = JSON.parse(r.stdout) as Record<string, unknown>;
            assert.deepStrictEqual(Object.keys(doc), ["stack", "project", "settings", "resources", "outputs", "cost"]);
            const cost = doc.cost as { monthlyTotal: unknown; currency: unknown; items: Array<Record<string, unknown>>; unpriced: unknown };
            assert.ok(typeof cost.monthlyTotal === "number" && cost.monthlyTotal > 0 && cost.currency === "USD" && Array.isArray(cost.unpriced));
            for (const item of cost.items) {
                assert.ok(typeof item.type === "string" && typeof item.name === "string" && typeof item.monthlyUsd === "number" && ["fixed", "usage"].includes(item.kind as string), JSON.stringify(item));
            }
            assert.strictEqual(doc.stack, stack);
            assert.strictEqual(doc.project, PROJECT);
            const resources = doc.resources as Array<Record<string, unknown>>;
            assert.ok(resources.length > 0);
            for (const res of resources) {
                assert.deepStrictEqual(Object.keys(res), ["type", "name", "parent", "inputs", "dependsOn"]);
                assert.match(res.type as string, /^[a-z-]+:[A-Za-z0-9/]*:[A-Za-z0-9]+$/);
            }
        });
    }

    it("prints the resource tree, settings and outputs for people", async () => {
        const r = await plan(...PROD_HUMAN);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(r.stdout.startsWith(`Stack prod of ${PROJECT}: rendered offline`), r.stdout.slice(0, 80));
        assert.match(r.stdout, /\nSettings:\n {2}cloud: "aws"/);
        assert.match(r.stdout, /\nResources \(\d+\):\n/);
        assert.match(r.stdout, /\nOutputs:\n {2}cloud: aws/);
    });

    it("--cost prints the breakdown and the total after the render", async () => {
        const r = await plan(...PROD_HUMAN);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.match(r.stdout, /\nEstimated monthly cost \(USD, aws us-east-1/);
        assert.match(r.stdout, /\nFixed \(\$[\d.]+\):\n[\s\S]*NAT gateways \(3\)/);
        assert.match(r.stdout, /\nTotal: \$[\d.]+ a month \(fixed/);
        assert.doesNotMatch(formatHuman((await render("prod")).render), /Estimated monthly cost/, "only with --cost");
    });

    it("exits 1 with the problems on stderr and nothing on stdout for invalid settings", async () => {
        const r = await planHere("prod", "--json", "--set", "minInstances=0", "--set", "port=80");
        assert.strictEqual(r.status, 1);
        assert.strictEqual(r.stdout, "");
        assert.match(r.stderr, /Invalid stack settings \(2 problems\)/);
        assert.match(r.stderr, /minInstances = 0: must be at least 1 on aws/);
        assert.match(r.stderr, /port = "80": must be a whole number from 1024 to 65535/);
        assert.doesNotMatch(r.stderr, /    at /, "no stack trace for a user error");
    });

    it("exits 2 with usage for a missing or unknown stack", async () => {
        const none = await planHere();
        assert.strictEqual(none.status, 2);
        assert.match(none.stderr, /expected exactly one stack name; stacks: dev, prod/);
        const unknown = await planHere("staging");
        assert.strictEqual(unknown.status, 2);
        assert.match(unknown.stderr, /no stack file Pulumi.staging.yaml/);
    });

    it("never prints a secret given with --set", async () => {
        const r = await plan(...DEV_JSON);
        assert.strictEqual(r.status, 0, r.stderr);
        assert.ok(!r.stdout.includes("hunter2-plaintext") && !r.stderr.includes("hunter2-plaintext"));
    });
});
