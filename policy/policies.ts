// The preflight rules as Pulumi policies: the same rule set the offline render
// checks (analysis/rules), so `pulumi preview --policy-pack policy` enforces
// them against a real preview too. Pure: tests call the validations directly.
import { ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Finding, ResourceView, formatViolations, preflight } from "../analysis/preflight";
import { RULES } from "../analysis/rules";

type Rules = typeof RULES;

function violationMessage(rule: { id: string; source: string }, resource: string, f: Finding): string {
    return formatViolations([{ rule: rule.id, resource, source: rule.source, ...f }]).split("\n").slice(1).join("\n").replace(/^ {2}- /, "");
}

/** One resource policy per rule, so each shows (and can be configured) under its own name. */
export function resourcePolicies(rules: Rules = RULES): ResourceValidationPolicy[] {
    return rules.resource.map((rule) => ({
        name: rule.id,
        description: `Apply-time rule ${rule.id} (${rule.source})`,
        enforcementLevel: "mandatory",
        validateResource: (args: { type: string; name: string; props: Record<string, unknown> }, report: ReportViolation) => {
            if (!rule.types.includes(args.type)) {
                return;
            }
            for (const f of rule.check({ type: args.type, name: args.name, inputs: args.props })) {
                report(violationMessage(rule, `${args.type}::${args.name}`, f));
            }
        },
    }));
}

/** The stack-wide rules (duplicates, cross-resource facts) as one stack policy. */
export function stackPolicy(rules: Rules = RULES): StackValidationPolicy {
    return {
        name: "preflight-stack",
        description: "Apply-time rules that span resources: unique names and IDs, creation order, subnet sizes",
        enforcementLevel: "mandatory",
        validateStack: (args: { resources: Array<{ type: string; name: string; props: Record<string, unknown>; dependencies?: Array<{ type: string; name: string }> }> }, report: ReportViolation) => {
            const views: ResourceView[] = args.resources.map((r) => ({
                type: r.type,
                name: r.name,
                inputs: r.props,
                ...(r.dependencies ? { dependsOn: r.dependencies.map((d) => `${d.type}::${d.name}`) } : {}),
            }));
            for (const v of preflight(views, { resource: [], stack: rules.stack })) {
                report(formatViolations([v]).split("\n").slice(1).join("\n").replace(/^ {2}- /, ""));
            }
        },
    };
}
