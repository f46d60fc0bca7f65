// Preflight: the rules cloud APIs enforce at apply time and providers do not
// check at preview, run over what a render declared. Mocks accept any input;
// these rules are what stands between a green render and a failed `pulumi up`.
// Rules live in analysis/rules/ (one table per cloud, each rule with its
// source); this file only runs them. It reads resources and never declares any.
import { RunError } from "@pulumi/pulumi/errors";

/** A resource as the render records it (and as a policy pack sees it). */
export interface ResourceView {
    readonly type: string;
    /** Pulumi's logical name. */
    readonly name: string;
    readonly inputs: Record<string, unknown>;
    /** `type::name` of the resources this one waits for; absent when unknown (policy packs). */
    readonly dependsOn?: readonly string[];
}

export interface Violation {
    readonly rule: string;
    /** `type::name`. */
    readonly resource: string;
    readonly property: string;
    readonly value: unknown;
    readonly message: string;
    /** Where the limit is documented. */
    readonly source: string;
}

/** A finding of one rule on one resource: the property, its value and what is wrong. */
export interface Finding {
    readonly property: string;
    readonly value: unknown;
    readonly message: string;
}

/** A rule on one resource at a time: what a policy pack's resource validation can also run. */
export interface ResourceRule {
    readonly id: string;
    /** Type tokens the rule applies to. */
    readonly types: readonly string[];
    /** The API reference that states the limit. */
    readonly source: string;
    check(resource: ResourceView): Finding[];
}

/** A rule over the whole stack: duplicates and facts that span resources. */
export interface StackRule {
    readonly id: string;
    readonly source: string;
    check(resources: readonly ResourceView[]): Array<Finding & { readonly resource: string }>;
}

/** Stops a render, like invalid settings: the message names every violation. */
export class PreflightError extends RunError {
    constructor(readonly violations: readonly Violation[]) {
        super(formatViolations(violations));
        this.name = "PreflightError";
    }
}

export function formatViolations(violations: readonly Violation[]): string {
    const noun = violations.length === 1 ? "violation" : "violations";
    const lines = violations.map(
        (v) => `  - ${v.resource}: ${v.property}${v.value === undefined ? "" : ` = ${JSON.stringify(v.value)}`}: ${v.message} [${v.rule}; ${v.source}]`,
    );
    return `Preflight failed: the cloud would reject this at apply time (${violations.length} ${noun}):\n${lines.join("\n")}`;
}

export const resourceId = (r: ResourceView): string => `${r.type}::${r.name}`;

/** Runs every rule over the resources; returns the violations, in resource order. */
export function preflight(resources: readonly ResourceView[], rules: { resource: readonly ResourceRule[]; stack: readonly StackRule[] }): Violation[] {
    const byType = new Map<string, ResourceRule[]>();
    for (const rule of rules.resource) {
        for (const type of rule.types) {
            byType.set(type, [...(byType.get(type) ?? []), rule]);
        }
    }
    const out: Violation[] = [];
    for (const r of resources) {
        for (const rule of byType.get(r.type) ?? []) {
            for (const f of rule.check(r)) {
                out.push({ rule: rule.id, resource: resourceId(r), source: rule.source, ...f });
            }
        }
    }
    for (const rule of rules.stack) {
        for (const f of rule.check(resources)) {
            out.push({ rule: rule.id, source: rule.source, ...f });
        }
    }
    return out;
}
