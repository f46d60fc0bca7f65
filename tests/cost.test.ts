// The monthly estimate: arithmetic on small made-up renders (no Pulumi), then
// on the fixture stacks and each cost lever's effect on them.
import * as assert from "assert";
import { CostEstimate, CostInput, DEFAULT_USAGE, estimateCost, formatCost, spotSplit } from "../analysis/cost";
import { PRICED_REGIONS, PRICES, PriceEntry } from "../analysis/prices";

const aws = (region = "us-east-1") => ({ cloud: "aws", aws: { region } });
const gcp = (region = "europe-west1") => ({ cloud: "gcp", gcp: { region } });
const res = (type: string, name: string, inputs: Record<string, unknown> = {}) => ({ type, name, inputs });

const total = (c: CostEstimate, what: RegExp): number => c.items.filter((i) => what.test(i.what)).reduce((s, i) => s + i.monthlyUsd, 0);

describe("cost estimate: arithmetic", () => {
    it("prices NAT gateways and their IPv4 from the awsx VPC's inputs, 730 hours a month", () => {
        const c = estimateCost({ settings: aws(), resources: [res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 3, natGateways: { strategy: "OnePerAz" } })] });
        assert.strictEqual(total(c, /^NAT gateways/), 98.55); // 3 x 0.045 x 730
        assert.strictEqual(total(c, /^NAT gateway public IPv4/), 10.95); // 3 x 0.005 x 730
        const single = estimateCost({ settings: aws(), resources: [res("awsx:ec2:Vpc", "vpc", { numberOfAvailabilityZones: 3, natGateways: { strategy: "Single" } })] });
        assert.strictEqual(total(single, /^NAT gateways/), 32.85);
        const none = estimateCost({ settings: aws(), resources: [res("awsx:ec2:Vpc", "vpc", { natGateways: { strategy: "None" } })] });
        assert.strictEqual(none.monthlyTotal, 0);
    });

    it("keeps fixed charges apart from usage-priced ones, which state their unit price and assumption", () => {
        const c = estimateCost({ settings: aws(), resources: [res("aws:lb/loadBalancer:LoadBalancer", "alb", { loadBalancerType: "application", internal: false })] });
        const fixed = c.items.filter((i) => i.kind === "fixed").map((i) => i.what);
        assert.deepStrictEqual(fixed, ["Application Load Balancer", "Load balancer public IPv4 (2)"]);
        const lcu = c.items.find((i) => i.what === "Load balancer capacity units")!;
        assert.strictEqual(lcu.kind, "usage");
        assert.strictEqual(lcu.monthlyUsd, 5.84); // 1 x 0.008 x 730
        assert.match(lcu.basis, /\$0\.008\/LCU-hour/);
        assert.match(lcu.usage!, /1 LCU on average/);
        assert.strictEqual(c.monthlyTotal, Math.round((c.monthlyFixed + c.monthlyUsage) * 100) / 100);
    });

    it("prices Fargate tasks from the task definition's size and architecture, and a Spot share at its assumed discount", () => {
        const def = (arch: string) => res("aws:ecs/taskDefinition:TaskDefinition", "task", { cpu: "1024", memory: "2048", runtimePlatform: { cpuArchitecture: arch } });
        const svc = (extra: Record<string, unknown> = {}) => res("aws:ecs/service:Service", "svc", { desiredCount: 2, taskDefinition: "<computed:task.arn>", ...extra });
        const x86 = estimateCost({ settings: aws(), resources: [def("X86_64"), svc()] });
        assert.strictEqual(x86.monthlyTotal, 72.08); // 2 x (0.04048 + 2 x 0.004445) x 730
        const arm = estimateCost({ settings: aws(), resources: [def("ARM64"), svc()] });
        assert.strictEqual(arm.monthlyTotal, 57.67); // 2 x (0.03238 + 2 x 0.00356) x 730
        const spot = estimateCost({
            settings: aws(),
            resources: [def("X86_64"), svc({ capacityProviderStrategies: [{ capacityProvider: "FARGATE", base: 1, weight: 0 }, { capacityProvider: "FARGATE_SPOT", weight: 1 }] })],
        });
        assert.strictEqual(total(spot, /^Fargate tasks/), 36.04);
        const spotItem = spot.items.find((i) => /Spot/.test(i.what))!;
        assert.strictEqual(spotItem.kind, "usage");
        assert.strictEqual(spotItem.monthlyUsd, 10.81); // 36.04 x 0.3
        const publicIps = estimateCost({ settings: aws(), resources: [def("X86_64"), svc({ networkConfiguration: { assignPublicIp: true } })] });
        assert.strictEqual(total(publicIps, /^Task public IPv4/), 7.3);
    });

    it("splits tasks between on-demand and Spot with the on-demand base first", () => {
        const strategy = (spotWeight: number) => [{ capacityProvider: "FARGATE", base: 1, weight: 100 - spotWeight }, { capacityProvider: "FARGATE_SPOT", weight: spotWeight }];
        assert.deepStrictEqual(spotSplit(2, undefined), { onDemand: 2, spot: 0 });
        assert.deepStrictEqual(spotSplit(2, strategy(50)), { onDemand: 2, spot: 0 }, "a Spot share rounds down, so the estimate never undercounts on-demand");
        assert.deepStrictEqual(spotSplit(3, strategy(100)), { onDemand: 1, spot: 2 });
        assert.deepStrictEqual(spotSplit(5, strategy(50)), { onDemand: 3, spot: 2 });
    });

    it("doubles RDS and Cloud SQL for a standby, and prices a custom Cloud SQL tier by its vCPUs and memory", () => {
        const rds = estimateCost({ settings: aws(), resources: [res("aws:rds/instance:Instance", "db", { instanceClass: "db.t4g.micro", multiAz: true, allocatedStorage: 20 })] });
        assert.strictEqual(rds.monthlyTotal, 27.96); // 2 x 0.016 x 730 + 2 x 20 x 0.115
        const sql = (settings: Record<string, unknown>) => estimateCost({ settings: gcp("us-central1"), resources: [res("gcp:sql/databaseInstance:DatabaseInstance", "db", { settings })] }).monthlyFixed;
        assert.strictEqual(sql({ tier: "db-custom-1-3840", availabilityType: "ZONAL", diskSize: 10 }), 51.01); // (0.0413 + 3.75 x 0.007) x 730 + 10 x 0.17
        assert.strictEqual(sql({ tier: "db-custom-1-3840", availabilityType: "REGIONAL", diskSize: 10 }), 102.02);
    });

    it("bills Cloud Run by request time when CPU is idle between requests, and by instance lifetime otherwise", () => {
        const run = (cpuIdle: boolean, min: number) =>
            estimateCost({
                settings: gcp(),
                resources: [res("gcp:cloudrunv2/service:Service", "run", { template: { containers: [{ resources: { cpuIdle, limits: { cpu: "1", memory: "512Mi" } } }], scaling: { minInstanceCount: min } } })],
            });
        const idleZero = run(true, 0);
        assert.strictEqual(idleZero.monthlyFixed, 0, "scale to zero has no fixed charge");
        assert.strictEqual(total(idleZero, /CPU \(request-based\)/), 2.4); // 1M x 0.1 s x 1 vCPU x 0.000024
        assert.match(idleZero.items[0].usage!, /1,000,000 requests a month at 0.1 s/);
        assert.strictEqual(run(true, 1).monthlyFixed, 9.86); // 2,628,000 s x (1 x 0.0000025 + 0.5 x 0.0000025)
        assert.strictEqual(run(false, 1).monthlyFixed, 49.93); // 2,628,000 s x (0.000018 + 0.5 x 0.000002)
    });

    it("prices processes: a worker pool all month, jobs and release runs per run at the stated assumption", () => {
        const limits = { cpu: "1", memory: "512Mi" };
        const gcpProcs = estimateCost({
            settings: gcp(),
            resources: [
                res("gcp:cloudrunv2/workerPool:WorkerPool", "pool", { scaling: { manualInstanceCount: 1 }, template: { containers: [{ resources: { limits } }] } }),
                res("gcp:cloudrunv2/job:Job", "job", { template: { taskCount: 1, template: { containers: [{ resources: { limits } }] } } }),
                res("gcp:cloudscheduler/job:Job", "cron"),
            ],
        });
        assert.strictEqual(total(gcpProcs, /worker pool/), 49.93); // 2,628,000 s x (0.000018 + 0.5 x 0.000002)
        assert.strictEqual(total(gcpProcs, /job executions/), 0.03); // 30 x 60 s x 0.000019
        assert.strictEqual(total(gcpProcs, /Cloud Scheduler/), 0.1);
        const def = res("aws:ecs/taskDefinition:TaskDefinition", "job-task", { cpu: "512", memory: "1024" });
        const awsProcs = estimateCost({
            settings: aws(),
            resources: [def, res("aws:scheduler/schedule:Schedule", "sched", { target: { ecsParameters: { taskCount: 1, taskDefinitionArn: "<computed:job-task.arn>" } } })],
        });
        const runs = awsProcs.items.find((i) => /Scheduled Fargate task runs/.test(i.what))!;
        assert.strictEqual(runs.kind, "usage");
        assert.match(runs.usage!, /30 runs a month of 60 s/);
        assert.strictEqual(runs.monthlyUsd, 0.01); // 0.5 h x (0.5 x 0.04048 + 1 x 0.004445)
    });

    it("prices a Beanstalk environment's instances and its own load balancer from the option settings", () => {
        const option = (name: string, value: string) => ({ namespace: "x", name, value });
        const env = (extra: Array<{ namespace: string; name: string; value: string }>) =>
            estimateCost({
                settings: aws(),
                resources: [res("aws:elasticbeanstalk/environment:Environment", "env", { settings: [...extra, option("EnvironmentType", "LoadBalanced"), option("LoadBalancerType", "application"), option("InstanceTypes", "t3.medium"), option("MinSize", "2")] })],
            });
        const c = env([]);
        assert.strictEqual(total(c, /^Beanstalk instances/), 60.74); // 2 x 0.0416 x 730
        assert.strictEqual(total(c, /^Application Load Balancer/), 16.43);
        assert.match(c.items.find((i) => /root volumes/.test(i.what))!.basis, /size assumed/);
        assert.strictEqual(total(env([option("ELBScheme", "internal")]), /public IPv4/), 0);
        assert.deepStrictEqual(env([option("InstanceTypes", "m7i.48xlarge")]).unpriced.map((u) => u.reason), ["EC2 instance type m7i.48xlarge is not in the table"]);
    });

    it("states free tiers without subtracting them", () => {
        const c = estimateCost({ settings: gcp(), resources: [res("gcp:secretmanager/secretVersion:SecretVersion", "v")] });
        assert.strictEqual(c.monthlyTotal, 0.06);
        assert.match(c.items[0].freeTiers!.join(), /6 active versions/);
        assert.match(formatCost(c), /Free tiers \(not subtracted\):/);
    });
});

describe("cost estimate: what it cannot price", () => {
    it("names an unknown region instead of counting $0", () => {
        const c = estimateCost({ settings: aws("ap-south-2"), resources: [res("aws:secretsmanager/secret:Secret", "s")] });
        assert.strictEqual(c.monthlyTotal, 0);
        assert.deepStrictEqual(c.unpriced.map((u) => u.name), ["s"]);
        assert.match(c.unpriced[0].reason, /no price for region ap-south-2/);
        assert.match(formatCost(c), /Not priced \(left out of the total\):\n {2}- aws:secretsmanager\/secret:Secret {2}s: no price for region ap-south-2/);
    });

    it("names an unknown resource type, an unknown instance class, and lists free ones apart", () => {
        const c = estimateCost({
            settings: aws(),
            resources: [
                res("aws:dynamodb/table:Table", "t"),
                res("aws:rds/instance:Instance", "db", { instanceClass: "db.x2g.16xlarge" }),
                res("aws:ec2/securityGroup:SecurityGroup", "sg"),
                res("flask-multicloud:aws:Network", "net"),
            ],
        });
        assert.deepStrictEqual(
            c.unpriced.map((u) => [u.name, u.reason]),
            [
                ["t", "no price for this resource type in analysis/prices.ts"],
                ["db", "RDS instance class db.x2g.16xlarge is not in the table"],
            ],
        );
        assert.deepStrictEqual(c.free.map((f) => f.name), ["sg"]);
    });

    it("carries every README region, with a source and a date on every price", () => {
        for (const [id, entry] of Object.entries(PRICES) as Array<[string, PriceEntry]>) {
            const cloud = id.startsWith("run.") || id.startsWith("sql.") || id.startsWith("redis.") || id.startsWith("gcp.") || id.startsWith("secretmanager.") || id.startsWith("artifactregistry.") || id.startsWith("monitoring.") || id.startsWith("logging.") || id.startsWith("cloudscheduler.") ? "gcp" : "aws";
            for (const region of PRICED_REGIONS[cloud]) {
                assert.ok(typeof entry.byRegion[region] === "number", `${id} has no price for ${region}`);
            }
            assert.match(entry.source, /^https:\/\//, id);
            assert.match(entry.checked, /^\d{4}-\d{2}-\d{2}$/, id);
        }
    });

    it("states its usage assumptions in the estimate", () => {
        const c: CostEstimate = estimateCost({ settings: aws(), resources: [] } as CostInput);
        assert.deepStrictEqual(c.usage, DEFAULT_USAGE);
        assert.strictEqual(c.currency, "USD");
    });
});
