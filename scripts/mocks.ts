// Pulumi mocks for the offline render: each resource echoes its inputs, and the
// values a cloud would compute (ARNs, addresses, generated names) come back as
// visible placeholders `<computed:NAME.PROP>`, never as plausible fakes.
import * as pulumi from "@pulumi/pulumi";
import { AWS_COMPUTED } from "./mocks/aws";
import { COMMON_COMPUTED, ComputedTable, computed } from "./mocks/common";
import { GCP_COMPUTED } from "./mocks/gcp";

export { computed };

import { MOCK_ACCOUNT_ID } from "./mocks/common";
export { MOCK_ACCOUNT_ID };

type State = Record<string, unknown>;

/** Computed properties by resource type, one table per cloud (each owned by that cloud's target). */
const COMPUTED: ComputedTable = { ...COMMON_COMPUTED, ...AWS_COMPUTED, ...GCP_COMPUTED };

function computedState(type: string, name: string, inputs: State): State {
    const state: State = {};
    if (type.startsWith("aws:")) {
        state.arn = computed(name, "arn");
    }
    if (inputs.name === undefined) {
        state.name = computed(name, "name");
    }
    for (const [prop, how] of Object.entries(COMPUTED[type] ?? {})) {
        if (inputs[prop] === undefined) {
            state[prop] = how === true ? computed(name, prop) : how(name, inputs);
        }
    }
    return state;
}

/** Answers for the data sources the program reads (invokes). */
function invoke(token: string, inputs: State): State {
    const region = pulumi.runtime.allConfig()["aws:region"] ?? "us-east-1";
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: MOCK_ACCOUNT_ID, arn: `arn:aws:iam::${MOCK_ACCOUNT_ID}:user/offline`, userId: "offline", id: MOCK_ACCOUNT_ID };
        case "aws:index/getRegion:getRegion":
            return { name: region, region, id: region, endpoint: `ec2.${region}.amazonaws.com`, description: region };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getAvailabilityZones:getAvailabilityZones":
            return { names: [`${region}a`, `${region}b`, `${region}c`], zoneIds: ["z1", "z2", "z3"], id: region };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return { userName: "AWS", password: "<computed:ecr.authorizationToken>", authorizationToken: "<computed:ecr.authorizationToken>", proxyEndpoint: "<computed:ecr.proxyEndpoint>", id: "ecr" };
        case "aws:elasticbeanstalk/getSolutionStack:getSolutionStack":
            return { name: computed("elasticbeanstalk.solutionStack", "name"), nameRegex: inputs.nameRegex, mostRecent: inputs.mostRecent, id: computed("elasticbeanstalk.solutionStack", "id") };
        case "aws:elasticbeanstalk/getHostedZone:getHostedZone":
            return { id: computed(`elasticbeanstalk.hostedZone:${region}`, "id"), region };
        case "aws:lb/getListener:getListener":
            return { arn: computed(`listener:${inputs.port}`, "arn"), port: inputs.port, defaultActions: [{ type: "forward", targetGroupArn: computed(`listener:${inputs.port}`, "targetGroupArn") }], id: "listener" };
        case "aws:lb/getTargetGroup:getTargetGroup":
            return { arn: inputs.arn, arnSuffix: computed("targetGroup", "arnSuffix"), id: "target-group" };
        case "aws:route53/getZone:getZone":
            return { zoneId: computed(`zone:${inputs.name}`, "zoneId"), name: inputs.name, id: computed(`zone:${inputs.name}`, "zoneId") };
        case "gcp:organizations/getClientConfig:getClientConfig":
            return { accessToken: "<computed:gcp.accessToken>", project: pulumi.runtime.allConfig()["gcp:project"], id: "client" };
        case "gcp:organizations/getProject:getProject":
            return { number: "000000000000", projectId: inputs.projectId ?? pulumi.runtime.allConfig()["gcp:project"], id: "project" };
        default:
            return { id: computed(token, "id") };
    }
}

export const mocks: pulumi.runtime.Mocks = {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string; state: State } {
        const inputs = args.inputs as State;
        return { id: computed(args.name, "id"), state: { ...inputs, ...computedState(args.type, args.name, inputs) } };
    },
    call(args: pulumi.runtime.MockCallArgs): State {
        return invoke(args.token, args.inputs as State);
    },
};
