// Every preflight rule, in one set: the render runs it, and so does the policy pack.
import { ResourceRule, StackRule } from "../preflight";
import { AWS_RULES } from "./aws";
import { BEANSTALK_RULES } from "./beanstalk";
import { GCP_RULES } from "./gcp";
import { COST_LEVER_RULES, COST_LEVER_STACK_RULES } from "./costLevers";
import { MONITORING_RULES } from "./monitoring";
import { PROCESS_RULES } from "./processes";
import { STACK_RULES } from "./stack";

export const RULES: { readonly resource: readonly ResourceRule[]; readonly stack: readonly StackRule[] } = {
    resource: [...AWS_RULES, ...BEANSTALK_RULES, ...GCP_RULES, ...MONITORING_RULES, ...COST_LEVER_RULES, ...PROCESS_RULES],
    stack: [...STACK_RULES, ...COST_LEVER_STACK_RULES],
};
