// The ECS service on AWS: sizing, the container's hardening, secrets by
// reference, least-privilege roles, autoscaling, the registry and the outputs.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { requestsPerTargetPerMinute } from "../components/aws/fargateService";
import { RenderedResource } from "../scripts/render";
import { REDACTED, Rendered, computed, parseJson, render } from "./harness";

interface Container {
    name: string;
    image: string;
    portMappings: { containerPort: number }[];
    environment: { name: string; value: string }[];
    secrets: { name: string; valueFrom: string }[];
    logConfiguration: { logDriver: string; options: Record<string, string> };
    healthCheck: { command: string[] };
    user: string;
    readonlyRootFilesystem: boolean;
    mountPoints: { sourceVolume: string; containerPath: string; readOnly: boolean }[];
    stopTimeout: number;
}
interface Statement {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
}

const TASK = "aws:ecs/taskDefinition:TaskDefinition";
const SERVICE = "aws:ecs/service:Service";

function task(r: Rendered): RenderedResource {
    return r.one(TASK);
}
function container(r: Rendered): Container {
    const defs = parseJson<Container[]>(task(r).inputs.containerDefinitions);
    assert.strictEqual(defs.length, 1);
    return defs[0];
}
function envOf(r: Rendered): Record<string, string> {
    return Object.fromEntries(container(r).environment.map((e) => [e.name, e.value]));
}
function executionStatements(r: Rendered): Statement[] {
    const policy = r.one("aws:iam/rolePolicy:RolePolicy", "app-service-execution-policy");
    return parseJson<{ Statement: Statement[] }>(policy.inputs.policy).Statement;
}
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

describe("AWS ECS service", () => {
    describe("sizing", () => {
        it("runs prod's medium tasks at 1 vCPU (1024 units) and 2048 MiB", async () => {
            const t = task(await render("prod"));
            assert.deepStrictEqual([t.inputs.cpu, t.inputs.memory], ["1024", "2048"]);
        });

        for (const [size, cpu, memory] of [
            ["small", "512", "1024"],
            ["large", "2048", "4096"],
            ["xlarge", "4096", "8192"],
        ]) {
            it(`follows size=${size} to ${cpu} CPU units and ${memory} MiB`, async () => {
                const t = task(await render("prod", `size=${size}`));
                assert.deepStrictEqual([t.inputs.cpu, t.inputs.memory], [cpu, memory]);
            });
        }

        it("takes explicit cpu and memory over the preset", async () => {
            const t = task(await render("prod", "cpu=2", "memory=8192"));
            assert.deepStrictEqual([t.inputs.cpu, t.inputs.memory], ["2048", "8192"]);
        });

        it("is a Fargate task on x86 with its own network interface", async () => {
            const t = task(await render("prod"));
            assert.deepStrictEqual(t.inputs.requiresCompatibilities, ["FARGATE"]);
            assert.strictEqual(t.inputs.networkMode, "awsvpc");
            assert.deepStrictEqual(t.inputs.runtimePlatform, { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" });
        });
    });

    describe("the container", () => {
        it("runs the digest-pinned image the stack built", async () => {
            const r = await render("prod");
            assert.strictEqual(container(r).image, computed("app-image-image", "repoDigest"));
            assert.strictEqual(r.outputs.imageRef, container(r).image);
        });

        it("runs as a non-root user on a read-only root with a writable /tmp volume", async () => {
            const r = await render("prod");
            const c = container(r);
            assert.strictEqual(c.user, "10001");
            assert.strictEqual(c.readonlyRootFilesystem, true);
            assert.deepStrictEqual(c.mountPoints, [{ sourceVolume: "tmp", containerPath: "/tmp", readOnly: false }]);
            assert.deepStrictEqual(task(r).inputs.volumes, [{ name: "tmp" }]);
        });

        it("checks /healthz on the app port with the interpreter the image's own HEALTHCHECK uses (the image has no shell or curl)", async () => {
            const c = container(await render("prod", "port=9000"));
            const dockerfile = fs.readFileSync(path.join(__dirname, "..", "app", "Dockerfile"), "utf8");
            const imageCheck = /HEALTHCHECK[^\n]*\\\n\s*CMD \["([^"]+)", "-c"/.exec(dockerfile);
            assert.ok(imageCheck, "app/Dockerfile has an exec-form HEALTHCHECK");
            assert.deepStrictEqual(c.healthCheck.command.slice(0, 3), ["CMD", imageCheck[1], "-c"]);
            assert.ok(imageCheck[1].startsWith("/"), "an absolute path: exec form, nothing on PATH to rely on");
            assert.match(c.healthCheck.command[3], /urlopen\('http:\/\/127\.0\.0\.1:9000\/healthz'/);
            assert.deepStrictEqual(c.portMappings.map((p) => p.containerPort), [9000]);
        });

        it("gives the app's 8 s drain time before SIGKILL, within Fargate's 120 s limit", async () => {
            const c = container(await render("prod"));
            assert.strictEqual(c.stopTimeout, 30);
        });

        it("sets APP_ENV to the stack and PORT to the port, and passes env settings through", async () => {
            const env = envOf(await render("prod", "port=9000", "env.LOG_LEVEL=DEBUG"));
            assert.strictEqual(env.APP_ENV, "prod");
            assert.strictEqual(env.PORT, "9000");
            assert.strictEqual(env.LOG_LEVEL, "DEBUG");
        });

        it("logs with awslogs to its own log group, kept for logRetentionDays", async () => {
            const r = await render("prod", "logRetentionDays=90");
            const logs = container(r).logConfiguration;
            assert.strictEqual(logs.logDriver, "awslogs");
            assert.strictEqual(logs.options["awslogs-group"], computed("app-service-logs", "name"));
            assert.strictEqual(logs.options["awslogs-region"], "us-east-1");
            assert.strictEqual(r.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 90);
            assert.strictEqual((await render("prod")).one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 30);
        });
    });

    describe("secrets", () => {
        const VALUE = "s3cr3t-Value-Never-Shown";

        it("stores each secret setting in Secrets Manager and injects it by reference", async () => {
            const r = await render("prod", `secrets.API_KEY=${VALUE}`);
            const secret = r.one("aws:secretsmanager/secret:Secret", "app-service-secret-api-key");
            const version = r.one("aws:secretsmanager/secretVersion:SecretVersion", "app-service-secret-api-key-value");
            assert.strictEqual(version.inputs.secretId, computed(secret.name, "id"));
            assert.strictEqual(version.inputs.secretString, REDACTED);
            const ref = container(r).secrets.find((s) => s.name === "API_KEY");
            assert.deepStrictEqual(ref, { name: "API_KEY", valueFrom: computed(secret.name, "arn") });
            assert.ok(!("API_KEY" in envOf(r)), "a secret must not also be plain environment");
        });

        it("never shows a secret's value anywhere in the render", async () => {
            const r = await render("prod", `secrets.API_KEY=${VALUE}`);
            assert.ok(!r.json().includes(VALUE));
        });
    });

    describe("IAM", () => {
        it("lets the execution role read exactly this stack's secrets", async () => {
            const r = await render("prod", "secrets.API_KEY=x");
            const read = executionStatements(r).filter((s) => list(s.Action).some((a) => a.startsWith("secretsmanager:")));
            assert.strictEqual(read.length, 1);
            assert.deepStrictEqual(list(read[0].Action), ["secretsmanager:GetSecretValue"]);
            assert.deepStrictEqual(
                [...list(read[0].Resource)].sort(),
                [
                    computed("app-cache-auth-secret", "arn"),
                    computed("app-db-postgres", "masterUserSecrets[0].secretArn"),
                    computed("app-service-secret-api-key", "arn"),
                ].sort(),
            );
        });

        it("lets the execution role pull from this repository only and write to its own log group", async () => {
            const statements = executionStatements(await render("prod"));
            const pull = statements.filter((s) => list(s.Action).some((a) => a.startsWith("ecr:") && a !== "ecr:GetAuthorizationToken"));
            assert.deepStrictEqual(pull.map((s) => s.Resource), [[computed("app-registry-repo", "arn")]]);
            const logs = statements.filter((s) => list(s.Action).some((a) => a.startsWith("logs:")));
            assert.deepStrictEqual(logs.map((s) => s.Resource), [[`${computed("app-service-logs", "arn")}:*`]]);
        });

        it("grants '*' only for the ECR login, which has no resource-level permissions, and no wildcard actions", async () => {
            for (const s of executionStatements(await render("prod"))) {
                assert.strictEqual(s.Effect, "Allow");
                assert.ok(list(s.Action).every((a) => !a.includes("*")), `wildcard action in ${JSON.stringify(s)}`);
                if (list(s.Resource).includes("*")) {
                    assert.deepStrictEqual(list(s.Action), ["ecr:GetAuthorizationToken"]);
                }
            }
        });

        it("has no secrets statement when there is nothing to read", async () => {
            const statements = executionStatements(await render("prod", "database=none", "cache=none"));
            assert.ok(statements.every((s) => list(s.Action).every((a) => !a.startsWith("secretsmanager:"))));
        });

        it("gives the task role no permissions at all", async () => {
            const r = await render("prod", "secrets.API_KEY=x");
            const taskRoleId = computed("app-service-task-role", "id");
            const taskRoleName = computed("app-service-task-role", "name");
            const grants = [
                ...r.all("aws:iam/rolePolicy:RolePolicy"),
                ...r.all("aws:iam/rolePolicyAttachment:RolePolicyAttachment"),
                ...r.all("aws:iam/rolePoliciesExclusive:RolePoliciesExclusive"),
            ];
            assert.ok(grants.every((g) => g.inputs.role !== taskRoleId && g.inputs.role !== taskRoleName));
            const role = r.one("aws:iam/role:Role", "app-service-task-role");
            assert.strictEqual(role.inputs.managedPolicyArns, undefined);
            assert.strictEqual(role.inputs.inlinePolicies, undefined);
            assert.strictEqual(task(r).inputs.taskRoleArn, computed(role.name, "arn"));
        });

        it("lets only ECS tasks of this account assume either role", async () => {
            const r = await render("prod");
            for (const role of r.all("aws:iam/role:Role")) {
                const [statement] = parseJson<{ Statement: Array<Statement & { Principal: unknown; Condition: Record<string, Record<string, string>> }> }>(
                    role.inputs.assumeRolePolicy,
                ).Statement;
                assert.deepStrictEqual(statement.Principal, { Service: "ecs-tasks.amazonaws.com" });
                assert.strictEqual(statement.Condition.StringEquals["aws:SourceAccount"], "000000000000");
            }
        });
    });

    describe("the service", () => {
        it("keeps tasks off public IPs, in the private subnets, behind the task security group", async () => {
            const s = (await render("prod")).one(SERVICE);
            assert.deepStrictEqual(s.inputs.networkConfiguration, {
                assignPublicIp: false,
                subnets: [computed("app-network-vpc", "privateSubnetIds[0]"), computed("app-network-vpc", "privateSubnetIds[1]")],
                securityGroups: [computed("app-network-task-sg", "id")],
            });
        });

        it("stays off public IPs when the service is internal too", async () => {
            const s = (await render("prod", "public=false")).one(SERVICE);
            assert.strictEqual((s.inputs.networkConfiguration as { assignPublicIp: boolean }).assignPublicIp, false);
        });

        it("starts minInstances tasks, rolls back failed deployments and waits for a steady state", async () => {
            const s = (await render("prod")).one(SERVICE);
            assert.strictEqual(s.inputs.desiredCount, 2);
            assert.deepStrictEqual(s.inputs.deploymentCircuitBreaker, { enable: true, rollback: true });
            assert.strictEqual(s.inputs.waitForSteadyState, true);
            assert.ok((s.inputs.healthCheckGracePeriodSeconds as number) > 0);
            assert.strictEqual(s.inputs.launchType, "FARGATE");
            assert.strictEqual((await render("prod", "minInstances=3")).one(SERVICE).inputs.desiredCount, 3);
        });

        it("registers the container with the load balancer's target group on the app port", async () => {
            const s = (await render("prod", "port=9000")).one(SERVICE);
            assert.deepStrictEqual(s.inputs.loadBalancers, [{ targetGroupArn: computed("app-lb-tg", "arn"), containerName: "app", containerPort: 9000 }]);
        });

        it("runs in a cluster with Container Insights", async () => {
            const r = await render("prod");
            assert.deepStrictEqual(r.one("aws:ecs/cluster:Cluster").inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
            assert.strictEqual(r.one(SERVICE).inputs.cluster, computed("app-service-cluster", "arn"));
        });
    });

    describe("autoscaling", () => {
        const POLICY = "aws:appautoscaling/policy:Policy";
        type Tracking = {
            targetValue: number;
            scaleOutCooldown: number;
            scaleInCooldown: number;
            predefinedMetricSpecification: { predefinedMetricType: string; resourceLabel?: string };
        };
        const tracking = (p: RenderedResource) => p.inputs.targetTrackingScalingPolicyConfiguration as Tracking;

        it("scales the service between minInstances and maxInstances", async () => {
            const t = (await render("prod", "maxInstances=4")).one("aws:appautoscaling/target:Target");
            assert.strictEqual(t.inputs.minCapacity, 2);
            assert.strictEqual(t.inputs.maxCapacity, 4);
            assert.strictEqual(t.inputs.resourceId, `service/${computed("app-service-cluster", "name")}/${computed("app-service-service", "name")}`);
            assert.strictEqual(t.inputs.scalableDimension, "ecs:service:DesiredCount");
        });

        it("tracks CPU at cpuTarget, out in 60 s and in over 300 s", async () => {
            const p = tracking((await render("prod", "cpuTarget=45")).one(POLICY, "app-service-scale-cpu"));
            assert.strictEqual(p.predefinedMetricSpecification.predefinedMetricType, "ECSServiceAverageCPUUtilization");
            assert.strictEqual(p.targetValue, 45);
            assert.deepStrictEqual([p.scaleOutCooldown, p.scaleInCooldown], [60, 300]);
        });

        it("tracks requests per task derived from concurrency, on this balancer's target group", async () => {
            const p = tracking((await render("prod")).one(POLICY, "app-service-scale-requests"));
            assert.strictEqual(p.predefinedMetricSpecification.predefinedMetricType, "ALBRequestCountPerTarget");
            assert.strictEqual(p.predefinedMetricSpecification.resourceLabel, `${computed("app-lb-alb", "arnSuffix")}/${computed("app-lb-tg", "arnSuffix")}`);
            assert.strictEqual(p.targetValue, 3360); // 80 concurrent * 60 s * 0.7
            assert.deepStrictEqual([p.scaleOutCooldown, p.scaleInCooldown], [60, 300]);
            const lower = tracking((await render("prod", "concurrency=20")).one(POLICY, "app-service-scale-requests"));
            assert.strictEqual(lower.targetValue, requestsPerTargetPerMinute(20));
            assert.strictEqual(lower.targetValue, 840);
        });
    });

    describe("the image registry", () => {
        const REPO = "aws:ecr/repository:Repository";

        it("scans on push, keeps tags immutable and encrypts with KMS", async () => {
            const repo = (await render("prod")).one(REPO);
            assert.deepStrictEqual(repo.inputs.imageScanningConfiguration, { scanOnPush: true });
            assert.strictEqual(repo.inputs.imageTagMutability, "IMMUTABLE");
            assert.deepStrictEqual(repo.inputs.encryptionConfigurations, [{ encryptionType: "KMS" }]);
        });

        it("allows force-delete only outside prod", async () => {
            assert.strictEqual((await render("prod")).one(REPO).inputs.forceDelete, false);
            assert.strictEqual((await render("prod", "protect=false")).one(REPO).inputs.forceDelete, true);
        });

        it("expires untagged images within a day and keeps the last 20 tagged ones", async () => {
            const r = await render("prod");
            const lifecycle = r.one("aws:ecr/lifecyclePolicy:LifecyclePolicy");
            assert.strictEqual(lifecycle.inputs.repository, computed("app-registry-repo", "name"));
            const rules = parseJson<{ rules: Array<{ selection: Record<string, unknown>; action: { type: string } }> }>(lifecycle.inputs.policy).rules;
            assert.deepStrictEqual(rules.map((x) => [x.selection.tagStatus, x.selection.countType, x.selection.countNumber, x.action.type]), [
                ["untagged", "sinceImagePushed", 1, "expire"],
                ["tagged", "imageCountMoreThan", 20, "expire"],
            ]);
        });

        it("pushes the image to this repository with credentials issued at deploy time", async () => {
            const image = (await render("prod")).one("docker:index/image:Image");
            assert.match(image.inputs.imageName as string, new RegExp(`^${escape(computed("app-registry-repo", "repositoryUrl"))}:`));
            // The token makes the whole registry block secret: nothing of it shows.
            assert.strictEqual(image.inputs.registry, REDACTED);
            assert.ok(!JSON.stringify(image.inputs).includes("<computed:ecr.authorizationToken>"));
        });
    });

    describe("alarms", () => {
        const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
        const topicArn = computed("app-alarms-topic", "arn");

        it("raise the 5xx rate, unhealthy hosts and sustained high CPU on one SNS topic", async () => {
            const alarms = (await render("prod")).all(ALARM);
            const names = alarms.map((a) => a.name);
            for (const name of ["app-alarms-5xx-rate", "app-alarms-high-cpu", "app-alarms-unhealthy-hosts"]) {
                assert.ok(names.includes(name), name);
            }
            for (const a of alarms) {
                assert.deepStrictEqual(a.inputs.alarmActions, [topicArn], a.name);
            }
        });

        it("measure 5xx as a share of this balancer's requests", async () => {
            const a = (await render("prod")).one(ALARM, "app-alarms-5xx-rate");
            type Query = { id: string; expression?: string; returnData?: boolean; metric?: { metricName: string; dimensions: Record<string, string> } };
            const queries = a.inputs.metricQueries as Query[];
            const metrics = queries.filter((q) => q.metric).map((q) => q.metric!);
            assert.deepStrictEqual(metrics.map((m) => m.metricName).sort(), ["HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "RequestCount"]);
            assert.ok(metrics.every((m) => m.dimensions.LoadBalancer === computed("app-lb-alb", "arnSuffix")));
            const result = queries.filter((q) => q.returnData);
            assert.strictEqual(result.length, 1);
            assert.match(result[0].expression!, /requests/);
        });

        it("watch this target group's unhealthy hosts and this service's CPU", async () => {
            const r = await render("prod");
            assert.deepStrictEqual(r.one(ALARM, "app-alarms-unhealthy-hosts").inputs.dimensions, {
                LoadBalancer: computed("app-lb-alb", "arnSuffix"),
                TargetGroup: computed("app-lb-tg", "arnSuffix"),
            });
            const cpu = r.one(ALARM, "app-alarms-high-cpu");
            assert.deepStrictEqual([cpu.inputs.namespace, cpu.inputs.metricName], ["AWS/ECS", "CPUUtilization"]);
            assert.deepStrictEqual(cpu.inputs.dimensions, { ClusterName: computed("app-service-cluster", "name"), ServiceName: computed("app-service-service", "name") });
        });

        it("email alarmEmail when it is set, and nobody otherwise", async () => {
            assert.ok(!(await render("prod")).has("aws:sns/topicSubscription:TopicSubscription"));
            const sub = (await render("prod", "alarmEmail=ops@example.com")).one("aws:sns/topicSubscription:TopicSubscription");
            assert.deepStrictEqual(sub.inputs, { topic: topicArn, protocol: "email", endpoint: "ops@example.com" });
        });
    });

    describe("outputs", () => {
        it("names the service, its cluster and log group, and links to the console", async () => {
            const o = (await render("prod")).outputs;
            const cluster = computed("app-service-cluster", "name");
            const service = computed("app-service-service", "name");
            assert.strictEqual(o.serviceName, service);
            assert.strictEqual(o.clusterName, cluster);
            assert.strictEqual(o.logGroup, computed("app-service-logs", "name"));
            assert.strictEqual(o.consoleUrl, `https://us-east-1.console.aws.amazon.com/ecs/v2/clusters/${cluster}/services/${service}/health?region=us-east-1`);
        });
    });
});

function escape(s: string): string {
    return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
