// Every process besides web, under mocks on both clouds: the Procfile's
// workers, the scheduled jobs and the release step, with their commands and
// sizes, the rollout waiting for the release, least-privilege roles and
// accounts, and nothing of it when the Procfile and settings ask for none.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { releaseToken } from "../components/gcp/releaseJob";
import { ProcfileError } from "../components/procfile";
import { renderStack } from "../scripts/render";
import { PROCFILES, Rendered, fixture, parseJson, render, renderError, renderProcfile } from "./harness";

const SCHEDULE = ["schedules.prune.command=python -m app.jobs prune", "schedules.prune.cron=0 3 * * *"];
const WORKER_SIZE = ["processes.worker.size=medium", "processes.worker.minInstances=2", "processes.worker.maxInstances=6"];
const ALL = [...SCHEDULE, ...WORKER_SIZE];

const awsAll = (): Promise<Rendered> => renderProcfile(PROCFILES.all, "prod", ...ALL);
const gcpAll = (): Promise<Rendered> => renderProcfile(PROCFILES.all, "dev", ...ALL);

const id = (type: string, name: string): string => `${type}::${name}`;
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

interface Container {
    command?: string[];
    portMappings?: unknown;
    healthCheck?: unknown;
    environment: Array<{ name: string; value: string }>;
    secrets: Array<{ name: string; valueFrom: string }>;
    logConfiguration: { options: Record<string, string> };
    stopTimeout: number;
}
interface Statement {
    Sid: string;
    Action: string[];
    Resource: string[];
    Condition?: Record<string, Record<string, string>>;
}

function containerOf(r: Rendered, taskName: string): Container {
    return parseJson<Container[]>(r.one("aws:ecs/taskDefinition:TaskDefinition", taskName).inputs.containerDefinitions)[0];
}

describe("processes on AWS", () => {
    const WORKER = "app-processes-worker-worker";
    const JOB = "app-processes-job-prune";
    const RELEASE_RUN = id("pulumi-nodejs:dynamic/ecs:ReleaseRun", "app-processes-release-run");

    it("runs each worker as its own ECS service, with no load balancer, in the private subnets", async () => {
        const r = await awsAll();
        const service = r.one("aws:ecs/service:Service", `${WORKER}-service`);
        assert.strictEqual(service.inputs.loadBalancers, undefined);
        assert.deepStrictEqual(service.inputs.networkConfiguration, {
            assignPublicIp: false,
            securityGroups: ["<computed:app-network-task-sg.id>"],
            subnets: ["<computed:app-network-vpc.privateSubnetIds[0]>", "<computed:app-network-vpc.privateSubnetIds[1]>"],
        });
        assert.deepStrictEqual(service.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
        assert.strictEqual(service.inputs.taskDefinition, `<computed:${WORKER}-task.arn>`);
    });

    it("gives the worker its own task definition: same image and secrets, its command and size, no port or health check", async () => {
        const r = await awsAll();
        const task = r.one("aws:ecs/taskDefinition:TaskDefinition", `${WORKER}-task`);
        assert.strictEqual(task.inputs.family, "shop-api-prod-worker");
        assert.deepStrictEqual([task.inputs.cpu, task.inputs.memory], ["1024", "2048"], "processes.worker.size medium");
        const worker = containerOf(r, `${WORKER}-task`);
        const web = containerOf(r, "app-service-task");
        assert.deepStrictEqual(worker.command, ["python", "-m", "app.worker"]);
        assert.strictEqual(worker.portMappings, undefined);
        assert.strictEqual(worker.healthCheck, undefined);
        assert.deepStrictEqual(worker.secrets, web.secrets, "the same secrets, by reference");
        assert.ok(worker.secrets.length > 0 && worker.secrets.every((s) => s.valueFrom.startsWith("<computed:")));
        assert.strictEqual(worker.logConfiguration.options["awslogs-stream-prefix"], "worker");
        assert.strictEqual(worker.stopTimeout, 120, "SIGTERM leaves the job in hand Fargate's longest grace");
        assert.deepStrictEqual([task.inputs.executionRoleArn, task.inputs.taskRoleArn], ["<computed:app-service-execution-role.arn>", "<computed:app-service-task-role.arn>"]);
    });

    it("scales the worker on CPU between its minInstances and maxInstances", async () => {
        const r = await awsAll();
        const target = r.one("aws:appautoscaling/target:Target", `${WORKER}-scaling`);
        assert.deepStrictEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [2, 6]);
        const policy = r.one("aws:appautoscaling/policy:Policy", `${WORKER}-scale-cpu`);
        assert.deepStrictEqual((policy.inputs.targetTrackingScalingPolicyConfiguration as Record<string, unknown>).predefinedMetricSpecification, {
            predefinedMetricType: "ECSServiceAverageCPUUtilization",
        });
    });

    it("gives a worker without a processes entry the default size and scaling", async () => {
        const r = await renderProcfile(PROCFILES.all, "prod");
        const task = r.one("aws:ecs/taskDefinition:TaskDefinition", `${WORKER}-task`);
        assert.deepStrictEqual([task.inputs.cpu, task.inputs.memory], ["512", "1024"], "DEFAULTS.process: small");
        const target = r.one("aws:appautoscaling/target:Target", `${WORKER}-scaling`);
        assert.deepStrictEqual([target.inputs.minCapacity, target.inputs.maxCapacity], [1, 2]);
    });

    it("runs the release command to completion with the new image before the web service and the workers change", async () => {
        const r = await awsAll();
        const run = r.one("pulumi-nodejs:dynamic/ecs:ReleaseRun", "app-processes-release-run");
        assert.deepStrictEqual(run.inputs.command, ["python", "-m", "app.migrate"]);
        assert.strictEqual(run.inputs.image, "<computed:app-image-image.repoDigest>");
        assert.strictEqual(run.inputs.taskDefinitionArn, "<computed:app-processes-release-task.arn>");
        assert.strictEqual(run.inputs.__provider, "<dynamic provider code>");
        assert.ok(run.dependsOn!.includes("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule::app-network-task-out"), "a one-off task is not retried: the network is complete first");
        assert.deepStrictEqual(containerOf(r, "app-processes-release-task").command, ["python", "-m", "app.migrate"]);
        assert.ok(r.one("aws:ecs/service:Service", "app-service-service").dependsOn!.includes(RELEASE_RUN), "the web service waits for the release");
        assert.ok(r.one("aws:ecs/service:Service", `${WORKER}-service`).dependsOn!.includes(RELEASE_RUN), "the worker waits for the release");
        assert.ok(r.one("aws:scheduler/schedule:Schedule", `${JOB}-schedule`).dependsOn!.includes(RELEASE_RUN), "the schedule waits for the release");
    });

    it("runs the scheduled job through EventBridge Scheduler on Fargate, in UTC, with retries and a dead-letter queue", async () => {
        const r = await awsAll();
        const schedule = r.one("aws:scheduler/schedule:Schedule", `${JOB}-schedule`);
        assert.strictEqual(schedule.inputs.scheduleExpression, "cron(0 3 * * ? *)");
        assert.strictEqual(schedule.inputs.scheduleExpressionTimezone, "UTC");
        const target = schedule.inputs.target as Record<string, Record<string, unknown>>;
        assert.strictEqual(target.ecsParameters.taskDefinitionArn, `<computed:${JOB}-task.arn>`);
        assert.strictEqual(target.ecsParameters.launchType, "FARGATE");
        assert.deepStrictEqual((target.ecsParameters.networkConfiguration as Record<string, unknown>).subnets, [
            "<computed:app-network-vpc.privateSubnetIds[0]>",
            "<computed:app-network-vpc.privateSubnetIds[1]>",
        ]);
        assert.deepStrictEqual(target.retryPolicy, { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 });
        assert.strictEqual(target.deadLetterConfig.arn, `<computed:${JOB}-dlq.arn>`);
        assert.strictEqual(r.one("aws:sqs/queue:Queue", `${JOB}-dlq`).inputs.sqsManagedSseEnabled, true);
        const alarm = r.one("aws:cloudwatch/metricAlarm:MetricAlarm", `${JOB}-dlq-alarm`);
        assert.deepStrictEqual(alarm.inputs.dimensions, { QueueName: `<computed:${JOB}-dlq.name>` });
        const job = containerOf(r, `${JOB}-task`);
        assert.deepStrictEqual(job.command, ["python", "-m", "app.jobs", "prune"]);
        assert.ok(job.environment.some((e) => e.name === "JOB_TIMEOUT_SECONDS" && e.value === "600"));
    });

    it("lets the schedule's role run exactly that task family in this cluster and pass exactly its two roles", async () => {
        const r = await awsAll();
        const trust = parseJson<{ Statement: Array<{ Principal: unknown; Condition: unknown }> }>(r.one("aws:iam/role:Role", `${JOB}-role`).inputs.assumeRolePolicy).Statement;
        assert.deepStrictEqual(trust.map((s) => s.Principal), [{ Service: "scheduler.amazonaws.com" }]);
        assert.deepStrictEqual(trust[0].Condition, { StringEquals: { "aws:SourceAccount": "000000000000" } });
        const statements = parseJson<{ Statement: Statement[] }>(r.one("aws:iam/rolePolicy:RolePolicy", `${JOB}-policy`).inputs.policy).Statement;
        const by = Object.fromEntries(statements.map((s) => [s.Sid, s]));
        assert.deepStrictEqual(Object.keys(by).sort(), ["DeadLetters", "PassTheTaskRoles", "RunThisTask"]);
        assert.deepStrictEqual(by.RunThisTask.Action, ["ecs:RunTask"]);
        assert.deepStrictEqual(by.RunThisTask.Resource, [`<computed:${JOB}-task.arnWithoutRevision>:*`]);
        assert.deepStrictEqual(by.RunThisTask.Condition, { ArnEquals: { "ecs:cluster": "<computed:app-service-cluster.arn>" } });
        assert.deepStrictEqual(by.PassTheTaskRoles.Action, ["iam:PassRole"]);
        assert.deepStrictEqual(by.PassTheTaskRoles.Resource, ["<computed:app-service-execution-role.arn>", "<computed:app-service-task-role.arn>"]);
        assert.deepStrictEqual(by.DeadLetters.Resource, [`<computed:${JOB}-dlq.arn>`]);
        assert.ok(statements.every((s) => list(s.Resource).every((x) => x !== "*")), "no wildcard resource");
    });

    it("names the worker services and schedules in the stack outputs", async () => {
        const r = await awsAll();
        assert.deepStrictEqual(r.outputs.workerServices, { worker: `<computed:${WORKER}-service.name>` });
        assert.deepStrictEqual(r.outputs.schedules, { prune: "shop-api-prod-job-prune" });
        assert.ok(!("workerServices" in (await render("prod")).outputs));
    });

    it("declares no worker, job or release step when the Procfile has only web and no schedule is set", async () => {
        const r = await render("prod");
        assert.deepStrictEqual(r.all("aws:ecs/service:Service").map((s) => s.name), ["app-service-service"]);
        for (const type of ["pulumi-nodejs:dynamic/ecs:ReleaseRun", "aws:scheduler/schedule:Schedule", "aws:sqs/queue:Queue", "flask-multicloud:aws:WorkerService"]) {
            assert.ok(!r.has(type), `${type} exists`);
        }
        assert.strictEqual(r.one("aws:ecs/service:Service", "app-service-service").inputs.taskDefinition, "<computed:app-service-task.arn>");
    });

    it("removing the worker and release lines and clearing schedules removes exactly their resources", async () => {
        const [all, none] = await Promise.all([awsAll(), render("prod")]);
        const ids = (r: Rendered): Set<string> => new Set(r.resources.map((x) => id(x.type, x.name)));
        const gone = [...ids(all)].filter((x) => !ids(none).has(x));
        assert.ok(gone.length > 10);
        assert.deepStrictEqual(
            gone.filter((x) => !x.split("::")[1].startsWith("app-processes")),
            [],
            "only the processes' resources go",
        );
        assert.deepStrictEqual([...ids(none)].filter((x) => !ids(all).has(x)), []);
    });
});

describe("processes on Google Cloud", () => {
    const POOL = "app-processes-worker-worker-pool";
    const RELEASE = "app-processes-release-job";
    const JOB = "app-processes-job-prune";
    type Json = Record<string, unknown>;
    const template = (r: Rendered, type: string, name: string): Json => r.one(type, name).inputs.template as Json;

    it("runs each worker as a Cloud Run worker pool with its command and size, manually scaled to minInstances", async () => {
        const r = await gcpAll();
        const pool = r.one("gcp:cloudrunv2/workerPool:WorkerPool", POOL);
        assert.strictEqual(pool.inputs.name, "shop-api-dev-worker");
        assert.deepStrictEqual(pool.inputs.scaling, { scalingMode: "MANUAL", manualInstanceCount: 2 });
        const t = pool.inputs.template as { serviceAccount: string; containers: Array<Json & { envs: Json[] }>; vpcAccess: unknown };
        assert.strictEqual(t.serviceAccount, "shop-api-dev-run@acme-dev-1.iam.gserviceaccount.com", "the web's account, which may read the stack's secrets");
        assert.deepStrictEqual([t.containers[0].command, t.containers[0].args], [["python"], ["-m", "app.worker"]]);
        assert.deepStrictEqual(t.containers[0].resources, { limits: { cpu: "1", memory: "2048Mi" } });
        assert.ok(t.containers[0].envs.some((e) => e.name === "DB_PASSWORD" && (e.valueSource as Json | undefined)?.secretKeyRef !== undefined), "secrets by reference");
        assert.ok(t.vpcAccess !== undefined, "reaches the database through the VPC");
    });

    it("runs the release as a Cloud Run job executed on deploy, keyed to the image digest and the command; the web service and workers wait for it", async () => {
        const r = await gcpAll();
        const job = r.one("gcp:cloudrunv2/job:Job", RELEASE);
        assert.strictEqual(job.inputs.runExecutionToken, releaseToken("<computed:app-image-image.repoDigest>", ["python", "-m", "app.migrate"]));
        assert.ok(String(job.inputs.name).length + String(job.inputs.runExecutionToken).length < 63);
        const t = (job.inputs.template as { template: Json & { containers: Json[] } }).template;
        assert.strictEqual(t.maxRetries, 0);
        assert.deepStrictEqual([t.containers[0].command, t.containers[0].args], [["python"], ["-m", "app.migrate"]]);
        const gate = id("gcp:cloudrunv2/job:Job", RELEASE);
        assert.ok(r.one("gcp:cloudrunv2/service:Service", "app-run-service").dependsOn!.includes(gate), "the web service waits for the release");
        assert.ok(r.one("gcp:cloudrunv2/workerPool:WorkerPool", POOL).dependsOn!.includes(gate), "the worker pool waits for the release");
        assert.notStrictEqual(releaseToken("repo@sha256:1", ["python", "-m", "app.migrate"]), releaseToken("repo@sha256:2", ["python", "-m", "app.migrate"]));
    });

    it("runs the scheduled job as a Cloud Run job that Cloud Scheduler starts, in UTC, signed in as the invoker", async () => {
        const r = await gcpAll();
        const job = r.one("gcp:cloudrunv2/job:Job", `${JOB}-job`);
        assert.strictEqual(job.inputs.name, "shop-api-dev-job-prune");
        const t = (template(r, "gcp:cloudrunv2/job:Job", `${JOB}-job`).template as Json & { containers: Json[] });
        assert.strictEqual(t.timeout, "600s");
        assert.deepStrictEqual(t.containers[0].args, ["-m", "app.jobs", "prune"]);
        const schedule = r.one("gcp:cloudscheduler/job:Job", `${JOB}-schedule`);
        assert.deepStrictEqual([schedule.inputs.schedule, schedule.inputs.timeZone], ["0 3 * * *", "Etc/UTC"]);
        const target = schedule.inputs.httpTarget as Json;
        assert.strictEqual(target.uri, "https://run.googleapis.com/v2/projects/acme-dev-1/locations/europe-west1/jobs/shop-api-dev-job-prune:run");
        assert.deepStrictEqual(target.oauthToken, { serviceAccountEmail: "shop-api-dev-sched@acme-dev-1.iam.gserviceaccount.com", scope: "https://www.googleapis.com/auth/cloud-platform" });
        assert.ok(r.has("gcp:projects/service:Service") && r.all("gcp:projects/service:Service").some((s) => s.inputs.service === "cloudscheduler.googleapis.com"));
    });

    it("lets the invoker account run those jobs only: run.invoker on each job, no project role", async () => {
        const r = await gcpAll();
        const member = "serviceAccount:shop-api-dev-sched@acme-dev-1.iam.gserviceaccount.com";
        const grants = r.resources.filter((x) => JSON.stringify(x.inputs).includes(member) && x.type !== "gcp:cloudscheduler/job:Job");
        assert.deepStrictEqual(
            grants.map((g) => [g.type, g.inputs.role, g.inputs.name]),
            [["gcp:cloudrunv2/jobIamMember:JobIamMember", "roles/run.invoker", "shop-api-dev-job-prune"]],
        );
        assert.ok(!r.resources.some((x) => x.type.startsWith("gcp:projects/iAM") && JSON.stringify(x.inputs).includes("sched@")), "no project-level binding");
    });

    it("leaves worker pools and jobs without deletion protection on a protected stack, so removing a Procfile line removes them", async () => {
        const r = await renderProcfile(PROCFILES.all, "dev", ...ALL, "protect=true");
        const protectedOnes = [...r.all("gcp:cloudrunv2/workerPool:WorkerPool"), ...r.all("gcp:cloudrunv2/job:Job")].filter((x) => x.inputs.deletionProtection !== false);
        assert.deepStrictEqual(protectedOnes.map((x) => x.name), []);
        assert.strictEqual(r.one("gcp:cloudrunv2/service:Service", "app-run-service").inputs.deletionProtection, true, "the web service keeps its protection");
    });

    it("names the worker pools, scheduled jobs and release job in the stack outputs", async () => {
        const r = await gcpAll();
        assert.deepStrictEqual([r.outputs.workerPools, r.outputs.scheduledJobs, r.outputs.releaseJob], [{ worker: "shop-api-dev-worker" }, { prune: "shop-api-dev-job-prune" }, "shop-api-dev-release"]);
    });

    it("declares no worker pool, job, schedule or invoker when the Procfile has only web and no schedule is set", async () => {
        const r = await render("dev");
        for (const type of ["gcp:cloudrunv2/workerPool:WorkerPool", "gcp:cloudrunv2/job:Job", "gcp:cloudscheduler/job:Job"]) {
            assert.ok(!r.has(type), `${type} exists`);
        }
        assert.ok(!r.all("gcp:projects/service:Service").some((s) => s.inputs.service === "cloudscheduler.googleapis.com"), "Cloud Scheduler API only with schedules");
        assert.ok(!r.one("gcp:cloudrunv2/service:Service", "app-run-service").dependsOn!.some((d) => d.includes("release")));
    });

    it("removing the worker and release lines and clearing schedules removes exactly their resources (and the Cloud Scheduler API)", async () => {
        const [all, none] = await Promise.all([gcpAll(), render("dev")]);
        const ids = (r: Rendered): Set<string> => new Set(r.resources.map((x) => id(x.type, x.name)));
        const gone = [...ids(all)].filter((x) => !ids(none).has(x));
        assert.deepStrictEqual(
            gone.filter((x) => !x.split("::")[1].startsWith("app-processes")),
            ["gcp:projects/service:Service::app-apis-cloudscheduler"],
        );
        assert.deepStrictEqual([...ids(none)].filter((x) => !ids(all).has(x)), []);
    });
});

describe("processes on Elastic Beanstalk", () => {
    it("checks the Procfile and settings as on Fargate but deploys web only (and warns what it leaves out)", async () => {
        const r = await renderProcfile(PROCFILES.all, "prod", ...ALL, "platform=beanstalk");
        for (const type of ["pulumi-nodejs:dynamic/ecs:ReleaseRun", "aws:scheduler/schedule:Schedule", "aws:ecs/service:Service"]) {
            assert.ok(!r.has(type), `${type} exists`);
        }
        const e = await renderError("prod", "platform=beanstalk", "processes.mailer.size=small");
        assert.match(e.message, /processes\.mailer: the Procfile declares no worker "mailer"/);
    });
});

describe("processes: bad input stops the render before any resource", () => {
    it("rejects a processes entry for a type the Procfile does not declare", async () => {
        const e = await renderError("prod", "processes.mailer.size=small");
        assert.match(e.message, /processes\.mailer: the Procfile declares no worker "mailer"; its workers: none/);
    });

    it("rejects an invalid cron with the key and the rule", async () => {
        const e = await renderError("dev", "schedules.prune.command=python -m app.jobs prune", "schedules.prune.cron=every night");
        assert.match(e.message, /schedules\.prune\.cron = "every night": must have five fields/);
    });

    it("rejects a Procfile without web", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "procfile-")), "Procfile");
        fs.writeFileSync(file, "worker: python -m app.worker\n");
        await assert.rejects(renderStack({ ...fixture("prod"), procfile: file }), (e: Error) => e instanceof ProcfileError && /declares no web process/.test(e.message));
    });
});
