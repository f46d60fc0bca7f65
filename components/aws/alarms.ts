// The alarms someone should hear about: the service answering 5xx, targets
// failing health checks, and CPU pinned high even after scaling.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface AlarmsArgs {
    /** `app/<name>/<id>` of the load balancer. */
    readonly loadBalancerArnSuffix: pulumi.Input<string>;
    /** `targetgroup/<name>/<id>` of the service's target group. */
    readonly targetGroupArnSuffix: pulumi.Input<string>;
    readonly clusterName: pulumi.Input<string>;
    readonly serviceName: pulumi.Input<string>;
    /** Address subscribed to the topic (it must confirm the subscription). @default none */
    readonly email?: string;
    /** Percent of requests answered 5xx, over 3 of 5 minutes. @default 5 */
    readonly errorRatePercent?: number;
    /** Average service CPU, percent, over 15 minutes. @default 90 */
    readonly cpuPercent?: number;
}

export const ALARM_DEFAULTS = { errorRatePercent: 5, cpuPercent: 90 } as const;

export class Alarms extends pulumi.ComponentResource {
    readonly topicArn: pulumi.Output<string>;

    constructor(name: string, args: AlarmsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:Alarms", name, {}, opts);
        const errorRatePercent = args.errorRatePercent ?? ALARM_DEFAULTS.errorRatePercent;
        const cpuPercent = args.cpuPercent ?? ALARM_DEFAULTS.cpuPercent;

        // Unencrypted on purpose: CloudWatch cannot publish to a topic under the AWS-managed SNS key.
        const topic = new aws.sns.Topic(`${name}-topic`, {}, { parent: this });
        if (args.email) {
            new aws.sns.TopicSubscription(`${name}-email`, { topic: topic.arn, protocol: "email", endpoint: args.email }, { parent: this });
        }
        const actions = { alarmActions: [topic.arn], okActions: [topic.arn] };
        const lbMetric = (id: string, metricName: string) => ({
            id,
            metric: { namespace: "AWS/ApplicationELB", metricName, dimensions: { LoadBalancer: args.loadBalancerArnSuffix }, period: 60, stat: "Sum" },
        });

        new aws.cloudwatch.MetricAlarm(
            `${name}-5xx-rate`,
            {
                alarmDescription: `More than ${errorRatePercent}% of requests answered 5xx (by the app or the load balancer)`,
                metricQueries: [
                    lbMetric("target5xx", "HTTPCode_Target_5XX_Count"),
                    lbMetric("elb5xx", "HTTPCode_ELB_5XX_Count"),
                    lbMetric("requests", "RequestCount"),
                    {
                        id: "rate",
                        label: "5xx percent",
                        expression: "IF(requests > 0, 100 * (FILL(target5xx, 0) + FILL(elb5xx, 0)) / requests, 0)",
                        returnData: true,
                    },
                ],
                comparisonOperator: "GreaterThanThreshold",
                threshold: errorRatePercent,
                evaluationPeriods: 5,
                datapointsToAlarm: 3,
                treatMissingData: "notBreaching",
                ...actions,
            },
            { parent: this },
        );

        new aws.cloudwatch.MetricAlarm(
            `${name}-unhealthy-hosts`,
            {
                alarmDescription: "Tasks failing the load balancer's health check",
                namespace: "AWS/ApplicationELB",
                metricName: "UnHealthyHostCount",
                dimensions: { LoadBalancer: args.loadBalancerArnSuffix, TargetGroup: args.targetGroupArnSuffix },
                statistic: "Maximum",
                period: 60,
                evaluationPeriods: 3,
                comparisonOperator: "GreaterThanThreshold",
                threshold: 0,
                treatMissingData: "notBreaching",
                ...actions,
            },
            { parent: this },
        );

        new aws.cloudwatch.MetricAlarm(
            `${name}-high-cpu`,
            {
                alarmDescription: `Service CPU above ${cpuPercent}% for 15 minutes: autoscaling is at its limit or not keeping up`,
                namespace: "AWS/ECS",
                metricName: "CPUUtilization",
                dimensions: { ClusterName: args.clusterName, ServiceName: args.serviceName },
                statistic: "Average",
                period: 300,
                evaluationPeriods: 3,
                comparisonOperator: "GreaterThanThreshold",
                threshold: cpuPercent,
                treatMissingData: "missing",
                ...actions,
            },
            { parent: this },
        );

        this.topicArn = topic.arn;
        this.registerOutputs({ topicArn: this.topicArn });
    }
}
