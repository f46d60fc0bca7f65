// The network a stack runs in: a VPC across availability zones, and the two
// security groups that decide who may talk to the tasks.
import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx/ec2"; // the VPC only: the package index also loads awsx classic and the AWS SDK
import * as pulumi from "@pulumi/pulumi";
import { NatGateways } from "../settings";

export interface NetworkArgs {
    /**
     * NAT gateways: one per availability zone (an AZ outage leaves the others online), a single one (cheaper),
     * or none: tasks then sit in the public subnets with public IPs and the data tier in isolated subnets.
     */
    readonly natGateways: NatGateways;
    /** Spread over three availability zones instead of two, unless `availabilityZones` says otherwise. */
    readonly highAvailability: boolean;
    /** Availability zones to spread over: 2 or 3. @default 3 with highAvailability, else 2 */
    readonly availabilityZones?: number;
    /** Port the container listens on; the only port the load balancer may reach tasks on. */
    readonly port: number;
    /** The load balancer faces the internet; otherwise only this VPC may reach it. */
    readonly public: boolean;
    /** Listen on 443 (a domain and certificate exist) as well as 80. */
    readonly https: boolean;
    /** What wears the task security group, for its description. @default "Fargate tasks" */
    readonly workload?: string;
}

/** The VPC's address range; the internal load balancer admits only this. */
export const VPC_CIDR = "10.0.0.0/16";
const ANYWHERE_V4 = "0.0.0.0/0";
const NAT_STRATEGY: Record<NatGateways, awsx.NatGatewayStrategy> = {
    perAz: awsx.NatGatewayStrategy.OnePerAz,
    single: awsx.NatGatewayStrategy.Single,
    none: awsx.NatGatewayStrategy.None,
};

export class Network extends pulumi.ComponentResource {
    readonly vpcId: pulumi.Output<string>;
    /** Subnets with a route to the internet gateway: public load balancers only. */
    readonly publicSubnetIds: pulumi.Output<string[]>;
    /** Subnets with no route in from the internet: internal load balancers and the data tier (isolated ones without NAT). */
    readonly privateSubnetIds: pulumi.Output<string[]>;
    /** Where tasks run: the private subnets, or the public ones when there is no NAT. */
    readonly taskSubnetIds: pulumi.Output<string[]>;
    /** Tasks need a public IP to reach ECR, Secrets Manager and CloudWatch Logs when there is no NAT. */
    readonly taskPublicIp: boolean;
    readonly loadBalancerSecurityGroupId: pulumi.Output<string>;
    /** The group every task wears; the data tier admits only this group. */
    readonly taskSecurityGroupId: pulumi.Output<string>;

    constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("flask-multicloud:aws:Network", name, {}, opts);

        // awsx's VPC is the better building block here: subnets per AZ, route tables and NAT placement are its job and
        // hold nothing security-relevant that tests must see (the security groups below do).
        const vpc = new awsx.Vpc(
            `${name}-vpc`,
            {
                cidrBlock: VPC_CIDR,
                numberOfAvailabilityZones: args.availabilityZones ?? (args.highAvailability ? 3 : 2),
                natGateways: { strategy: NAT_STRATEGY[args.natGateways] },
                // Without NAT a private subnet would have no way out: the data tier, which needs none, gets isolated subnets.
                ...(args.natGateways === "none" ? { subnetSpecs: [{ type: awsx.SubnetType.Public }, { type: awsx.SubnetType.Isolated }] } : {}),
                enableDnsHostnames: true,
                enableDnsSupport: true,
            },
            { parent: this },
        );

        const lbSg = new aws.ec2.SecurityGroup(
            `${name}-lb-sg`,
            { vpcId: vpc.vpcId, description: "Load balancer: HTTP(S) in, app port out to the tasks only" },
            { parent: this },
        );
        const taskSg = new aws.ec2.SecurityGroup(
            `${name}-task-sg`,
            { vpcId: vpc.vpcId, description: `${args.workload ?? "Fargate tasks"}: app port from the load balancer only` },
            { parent: this },
        );

        // Rules are separate resources (not inline) because the two groups refer to each other.
        const clients = args.public ? ANYWHERE_V4 : VPC_CIDR;
        for (const port of args.https ? [80, 443] : [80]) {
            new aws.vpc.SecurityGroupIngressRule(
                `${name}-lb-in-${port}`,
                { securityGroupId: lbSg.id, ipProtocol: "tcp", fromPort: port, toPort: port, cidrIpv4: clients, description: `Clients on ${port}` },
                { parent: this },
            );
        }
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-lb-out-tasks`,
            { securityGroupId: lbSg.id, ipProtocol: "tcp", fromPort: args.port, toPort: args.port, referencedSecurityGroupId: taskSg.id, description: "Forward to tasks" },
            { parent: this },
        );
        new aws.vpc.SecurityGroupIngressRule(
            `${name}-task-in-lb`,
            { securityGroupId: taskSg.id, ipProtocol: "tcp", fromPort: args.port, toPort: args.port, referencedSecurityGroupId: lbSg.id, description: "From the load balancer" },
            { parent: this },
        );
        // Tasks pull images, read secrets and ship logs through NAT (or their public IP without NAT), and may call external APIs.
        new aws.vpc.SecurityGroupEgressRule(
            `${name}-task-out`,
            { securityGroupId: taskSg.id, ipProtocol: "-1", cidrIpv4: ANYWHERE_V4, description: args.natGateways === "none" ? "Outbound via the internet gateway" : "Outbound via NAT" },
            { parent: this },
        );

        this.vpcId = vpc.vpcId;
        this.publicSubnetIds = vpc.publicSubnetIds;
        this.privateSubnetIds = args.natGateways === "none" ? vpc.isolatedSubnetIds : vpc.privateSubnetIds;
        this.taskPublicIp = args.natGateways === "none";
        this.taskSubnetIds = this.taskPublicIp ? vpc.publicSubnetIds : vpc.privateSubnetIds;
        this.loadBalancerSecurityGroupId = lbSg.id;
        this.taskSecurityGroupId = taskSg.id;
        this.registerOutputs({
            vpcId: this.vpcId,
            publicSubnetIds: this.publicSubnetIds,
            privateSubnetIds: this.privateSubnetIds,
            taskSubnetIds: this.taskSubnetIds,
            loadBalancerSecurityGroupId: this.loadBalancerSecurityGroupId,
            taskSecurityGroupId: this.taskSecurityGroupId,
        });
    }
}
