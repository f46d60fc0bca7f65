// The apply-time rules for the processes' resources: each rejects an input its
// API would reject, and the renders with every process pass them. No mocks.
import * as assert from "assert";
import { ResourceView, preflight } from "../analysis/preflight";
import { RULES } from "../analysis/rules";
import { PROCESS_RULES } from "../analysis/rules/processes";

const res = (type: string, name: string, inputs: Record<string, unknown>): ResourceView => ({ type, name, inputs });
const long = (n: number, c = "a"): string => c.repeat(n);
const SCHEDULE = "aws:scheduler/schedule:Schedule";
const JOB = "gcp:cloudrunv2/job:Job";

/** One input each process rule must reject, by rule id. */
export const PROCESS_VIOLATIONS: Record<string, ResourceView[]> = {
    "aws-schedule-name": [res(SCHEDULE, "x", { name: "shop api/prune" }), res(SCHEDULE, "y", { name: long(65) }), res(SCHEDULE, long(60), {})],
    "aws-schedule-description": [res(SCHEDULE, "x", { name: "s", description: long(513) })],
    "aws-schedule-retry-policy": [
        res(SCHEDULE, "x", { name: "s", target: { retryPolicy: { maximumRetryAttempts: 186 } } }),
        res(SCHEDULE, "y", { name: "s", target: { retryPolicy: { maximumEventAgeInSeconds: 30 } } }),
    ],
    "aws-schedule-cron": [res(SCHEDULE, "x", { name: "s", scheduleExpression: "cron(0 3 * * *)" }), res(SCHEDULE, "y", { name: "s", scheduleExpression: "cron(0 3 * * * *)" })],
    "aws-sqs-queue-name": [res("aws:sqs/queue:Queue", "x", { name: "dead.letters" }), res("aws:sqs/queue:Queue", long(75), {})],
    "aws-sqs-retention": [res("aws:sqs/queue:Queue", "x", { name: "q", messageRetentionSeconds: 1209601 })],
    "gcp-worker-pool-name": [res("gcp:cloudrunv2/workerPool:WorkerPool", "x", { name: long(50) }), res("gcp:cloudrunv2/workerPool:WorkerPool", "y", { name: "Worker" })],
    "gcp-worker-pool-scaling": [res("gcp:cloudrunv2/workerPool:WorkerPool", "x", { name: "w", scaling: { scalingMode: "MANUAL", manualInstanceCount: -1 } })],
    "gcp-run-job-name": [res(JOB, "x", { name: long(64) }), res(JOB, "y", { name: "shop_prune" })],
    "gcp-run-job-execution-token": [res(JOB, "x", { name: long(51), runExecutionToken: long(12, "0") })],
    "gcp-run-job-timeout": [res(JOB, "x", { name: "j", template: { template: { timeout: "604801s" } } })],
    "gcp-scheduler-job-name": [res("gcp:cloudscheduler/job:Job", "x", { name: "shop.prune" }), res("gcp:cloudscheduler/job:Job", "y", { name: long(501) })],
    "gcp-scheduler-job-description": [res("gcp:cloudscheduler/job:Job", "x", { name: "j", description: long(501) })],
    "gcp-scheduler-job-cron": [res("gcp:cloudscheduler/job:Job", "x", { name: "j", schedule: "0 3 * * * 2026" })],
};

describe("processes preflight rules", () => {
    it("has a violating input for every rule, and every rule cites its source", () => {
        assert.deepStrictEqual(PROCESS_RULES.map((r) => r.id).filter((id) => !(id in PROCESS_VIOLATIONS)), []);
        for (const rule of PROCESS_RULES) {
            assert.match(rule.source, /^https:\/\//, `${rule.id} cites its reference`);
        }
    });

    for (const [id, resources] of Object.entries(PROCESS_VIOLATIONS)) {
        it(`${id}: rejects what the cloud would`, () => {
            for (const resource of resources) {
                const found = preflight([resource], RULES).filter((v) => v.rule === id);
                assert.ok(found.length > 0, `expected ${id} to fire on ${JSON.stringify(resource).slice(0, 200)}`);
                assert.ok(found.every((v) => v.property !== "" && v.message.length > 10));
            }
        });
    }

    it("accepts the inputs the program declares (a name and token just under the limit, the converted cron)", () => {
        const ok = [
            res(JOB, "x", { name: long(50), runExecutionToken: long(12, "0") }),
            res(SCHEDULE, "y", { name: "shop-api-prod-job-prune", scheduleExpression: "cron(0 3 * * ? *)", target: { retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 } } }),
            res("gcp:cloudscheduler/job:Job", "z", { name: "shop-api-dev-job-prune", schedule: "0 3 * * *" }),
        ];
        assert.deepStrictEqual(preflight(ok, { resource: PROCESS_RULES, stack: [] }), []);
    });
});
