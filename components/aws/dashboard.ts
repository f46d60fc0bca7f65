// One CloudWatch dashboard per stack: requests, errors, latency percentiles,
// running tasks, CPU and memory, and the database and cache when they exist.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { uniqueName } from "../naming";

export interface DashboardArgs {
    /** `app/<name>/<id>` of the load balancer. */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    /** RDS instance identifier. @default none (no database row) */
    readonly databaseIdentifier?: pulumi.Input<string>;
    /** ElastiCache member cluster IDs. @default none (no cache row) */
    readonly cacheMemberClusters?: pulumi.Input<pulumi.Input<string>[]>;
}

/** The dashboard's name: the stack's identity in CloudWatch's characters (letters, digits, - and _; up to 255). */
export function dashboardName(project: string, stack: string): string {
    return uniqueName([project, stack], 255);
}

export class Dashboard extends pulumi.ComponentResource {
    readonly dashboardName: pulumi.Output<string>;
    /** Console link to the dashboard. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: DashboardArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:Dashboard", name, {}, opts);
        const region = aws.getRegionOutput({}, { parent: this }).region;
        const lb = args.loadBalancerArnSuffix;
        const tg = args.targetGroupArnSuffix;
        const ecs = ["ClusterName", args.clusterName, "ServiceName", args.serviceName];

        const widget = (title: string, metrics: pulumi.Input<unknown[]>, extra: Record<string, unknown> = {}) => ({
            type: "metric",
            width: 12,
            height: 6,
            properties: { title, region, view: "timeSeries", period: 60, metrics, ...extra },
        });
        const widgets = [
            widget("Requests", [["AWS/ApplicationELB", "RequestCount", "LoadBalancer", lb, { stat: "Sum" }]]),
            widget("Errors", [
                ["AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "LoadBalancer", lb, { stat: "Sum" }],
                ["AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "LoadBalancer", lb, { stat: "Sum" }],
                ["AWS/ApplicationELB", "HTTPCode_Target_4XX_Count", "LoadBalancer", lb, { stat: "Sum" }],
            ]),
            widget(
                "Latency (s)",
                ["p50", "p95", "p99"].map((stat) => ["AWS/ApplicationELB", "TargetResponseTime", "LoadBalancer", lb, "TargetGroup", tg, { stat, label: stat }]),
            ),
            widget("Tasks", [
                ["ECS/ContainerInsights", "RunningTaskCount", ...ecs, { stat: "Average" }],
                ["AWS/ApplicationELB", "HealthyHostCount", "LoadBalancer", lb, "TargetGroup", tg, { stat: "Minimum" }],
                ["AWS/ApplicationELB", "UnHealthyHostCount", "LoadBalancer", lb, "TargetGroup", tg, { stat: "Maximum" }],
            ]),
            widget("Service CPU and memory (%)", [
                ["AWS/ECS", "CPUUtilization", ...ecs, { stat: "Average" }],
                ["AWS/ECS", "MemoryUtilization", ...ecs, { stat: "Average" }],
            ]),
        ];
        if (args.databaseIdentifier !== undefined) {
            const db = ["DBInstanceIdentifier", args.databaseIdentifier];
            widgets.push(
                widget("Database", [
                    ["AWS/RDS", "CPUUtilization", ...db, { stat: "Average" }],
                    ["AWS/RDS", "DatabaseConnections", ...db, { stat: "Maximum", yAxis: "right" }],
                ]),
                widget("Database free storage (bytes)", [["AWS/RDS", "FreeStorageSpace", ...db, { stat: "Minimum" }]]),
            );
        }
        if (args.cacheMemberClusters !== undefined) {
            const nodes = pulumi.output(args.cacheMemberClusters);
            widgets.push(
                widget("Cache memory (%)", nodes.apply((ids) => ids.map((id) => ["AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "CacheClusterId", id, { stat: "Maximum" }]))),
                widget("Cache evictions", nodes.apply((ids) => ids.map((id) => ["AWS/ElastiCache", "Evictions", "CacheClusterId", id, { stat: "Sum" }]))),
            );
        }

        const dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            { dashboardName: dashboardName(pulumi.getProject(), pulumi.getStack()), dashboardBody: pulumi.jsonStringify({ widgets }) },
            { parent: this },
        );
        this.dashboardName = dashboard.dashboardName;
        this.url = pulumi.interpolate`https://${region}.console.aws.amazon.com/cloudwatch/home?region=${region}#dashboards/dashboard/${dashboard.dashboardName}`;
        this.registerOutputs({ dashboardName: this.dashboardName, url: this.url });
    }
}
