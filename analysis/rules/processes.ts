// Apply-time rules for the resources that run the Procfile's other processes:
// EventBridge schedules and their dead-letter queues on AWS; Cloud Run worker
// pools and jobs and Cloud Scheduler jobs on Google Cloud. Each with its source.
import { Finding, ResourceRule } from "../preflight";
import { at, known, nameRule, numberRule, textRule } from "./checks";

const SCHEDULE = "aws:scheduler/schedule:Schedule";
const QUEUE = "aws:sqs/queue:Queue";
const WORKER_POOL = "gcp:cloudrunv2/workerPool:WorkerPool";
const RUN_JOB = "gcp:cloudrunv2/job:Job";
const SCHEDULER_JOB = "gcp:cloudscheduler/job:Job";

const CREATE_SCHEDULE = "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_CreateSchedule.html";
const RETRY_POLICY = "https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html";
const CRON_EXPRESSIONS = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based";
const CREATE_QUEUE = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html";
const CREATE_WORKER_POOL = "https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.workerPools/create";
const CREATE_RUN_JOB = "https://cloud.google.com/run/docs/reference/rest/v2/projects.locations.jobs/create";
const RUN_JOB_TOKEN = "https://www.pulumi.com/registry/packages/gcp/api-docs/cloudrunv2/job/#runexecutiontoken_nodejs";
const RUN_JOB_TIMEOUT = "https://cloud.google.com/run/docs/configuring/task-timeout";
const SCHEDULER_JOB_REF = "https://cloud.google.com/scheduler/docs/reference/rest/v1/projects.locations.jobs";
const UNIX_CRON = "https://cloud.google.com/scheduler/docs/configuring/cron-job-schedules";

/** RFC 1035 labels: a lowercase letter first, then letters, digits and hyphens, no hyphen at the end. */
const RFC1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const RFC1035_WORDS = "lowercase letters, digits and hyphens, a letter first, not ending with a hyphen";

export const PROCESS_RULES: readonly ResourceRule[] = [
    // CreateSchedule: Name 1-64 of [0-9a-zA-Z-_.]; Description up to 512 characters.
    nameRule({ id: "aws-schedule-name", types: [SCHEDULE], source: CREATE_SCHEDULE, property: "name", autonamed: true, max: 64, pattern: /^[0-9a-zA-Z._-]+$/, allowed: "letters, digits and -_." }),
    textRule({ id: "aws-schedule-description", types: [SCHEDULE], source: CREATE_SCHEDULE, property: "description", max: 512 }),
    {
        // RetryPolicy: MaximumRetryAttempts 0-185, MaximumEventAgeInSeconds 60-86400.
        id: "aws-schedule-retry-policy",
        types: [SCHEDULE],
        source: RETRY_POLICY,
        check(r) {
            const out: Finding[] = [];
            const attempts = at(r.inputs, "target.retryPolicy.maximumRetryAttempts");
            const age = at(r.inputs, "target.retryPolicy.maximumEventAgeInSeconds");
            if (typeof attempts === "number" && (attempts < 0 || attempts > 185)) {
                out.push({ property: "target.retryPolicy.maximumRetryAttempts", value: attempts, message: "must be from 0 to 185" });
            }
            if (typeof age === "number" && (age < 60 || age > 86400)) {
                out.push({ property: "target.retryPolicy.maximumEventAgeInSeconds", value: age, message: "must be from 60 to 86400 seconds" });
            }
            return out;
        },
    },
    {
        // cron(minutes hours day-of-month month day-of-week year): six fields, and "?" in exactly one of the two day fields.
        id: "aws-schedule-cron",
        types: [SCHEDULE],
        source: CRON_EXPRESSIONS,
        check(r) {
            const expr = r.inputs.scheduleExpression;
            if (!known(expr) || typeof expr !== "string" || !expr.startsWith("cron(")) {
                return [];
            }
            const fields = /^cron\((.*)\)$/.exec(expr)?.[1].trim().split(/\s+/) ?? [];
            if (fields.length !== 6) {
                return [{ property: "scheduleExpression", value: expr, message: `a cron expression has six fields (minutes hours day-of-month month day-of-week year), this has ${fields.length}` }];
            }
            if ((fields[2] === "?") === (fields[4] === "?")) {
                return [{ property: "scheduleExpression", value: expr, message: 'exactly one of day-of-month and day-of-week must be "?"' }];
            }
            return [];
        },
    },

    // CreateQueue: QueueName up to 80 of [A-Za-z0-9_-] (".fifo" on FIFO queues); MessageRetentionPeriod 60 to 1,209,600 seconds.
    nameRule({ id: "aws-sqs-queue-name", types: [QUEUE], source: CREATE_QUEUE, property: "name", autonamed: true, max: 80, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/, allowed: "letters, digits, hyphens and underscores" }),
    numberRule({ id: "aws-sqs-retention", types: [QUEUE], source: CREATE_QUEUE, property: "messageRetentionSeconds", min: 60, max: 1209600 }),

    // workerPools.create: workerPoolId begins with a letter, does not end with a hyphen, fewer than 50 characters.
    nameRule({ id: "gcp-worker-pool-name", types: [WORKER_POOL], source: CREATE_WORKER_POOL, property: "name", max: 49, pattern: RFC1035, allowed: RFC1035_WORDS }),
    {
        // Manual scaling runs exactly manualInstanceCount instances; the API rejects a negative count.
        id: "gcp-worker-pool-scaling",
        types: [WORKER_POOL],
        source: "https://cloud.google.com/run/docs/reference/rest/v2/WorkerPoolScaling",
        check(r) {
            const mode = at(r.inputs, "scaling.scalingMode");
            const count = at(r.inputs, "scaling.manualInstanceCount");
            if (mode === "MANUAL" && typeof count === "number" && (count < 0 || !Number.isInteger(count))) {
                return [{ property: "scaling.manualInstanceCount", value: count, message: "must be a whole number, 0 or more" }];
            }
            return [];
        },
    },

    // jobs.create: jobId is an RFC 1035 label, fewer than 64 characters.
    nameRule({ id: "gcp-run-job-name", types: [RUN_JOB], source: CREATE_RUN_JOB, property: "name", max: 63, pattern: RFC1035, allowed: RFC1035_WORDS }),
    {
        // "The sum of job name and token length must be fewer than 63 characters" (start and run execution tokens alike).
        id: "gcp-run-job-execution-token",
        types: [RUN_JOB],
        source: RUN_JOB_TOKEN,
        check(r) {
            const name = r.inputs.name;
            const out: Finding[] = [];
            for (const property of ["runExecutionToken", "startExecutionToken"]) {
                const token = r.inputs[property];
                if (known(name) && typeof name === "string" && known(token) && typeof token === "string" && name.length + token.length >= 63) {
                    out.push({ property, value: token, message: `the job name (${name.length}) and the token (${token.length}) must total fewer than 63 characters` });
                }
            }
            return out;
        },
    },
    {
        // A task may run at most 168 hours.
        id: "gcp-run-job-timeout",
        types: [RUN_JOB],
        source: RUN_JOB_TIMEOUT,
        check(r) {
            const timeout = at(r.inputs, "template.template.timeout");
            const seconds = typeof timeout === "string" ? Number(/^(\d+)s$/.exec(timeout)?.[1]) : NaN;
            return seconds > 168 * 3600 ? [{ property: "template.template.timeout", value: timeout, message: "must be at most 168 hours (604800s)" }] : [];
        },
    },

    // Cloud Scheduler: job IDs of [A-Za-z0-9_-] up to 500 characters; descriptions up to 500; unix-cron schedules of five fields.
    nameRule({ id: "gcp-scheduler-job-name", types: [SCHEDULER_JOB], source: SCHEDULER_JOB_REF, property: "name", autonamed: true, max: 500, pattern: /^[A-Za-z0-9_-]+$/, allowed: "letters, digits, hyphens and underscores" }),
    textRule({ id: "gcp-scheduler-job-description", types: [SCHEDULER_JOB], source: SCHEDULER_JOB_REF, property: "description", max: 500 }),
    {
        id: "gcp-scheduler-job-cron",
        types: [SCHEDULER_JOB],
        source: UNIX_CRON,
        check(r) {
            const schedule = r.inputs.schedule;
            if (!known(schedule) || typeof schedule !== "string") {
                return [];
            }
            const fields = schedule.trim().split(/\s+/).length;
            return fields === 5 ? [] : [{ property: "schedule", value: schedule, message: `a unix-cron schedule has five fields, this has ${fields}` }];
        },
    },
];
