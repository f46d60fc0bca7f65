// Building blocks for preflight rules: how a rule reads a property the render
// may not know (a cloud-computed value, a secret), and what Pulumi would name
// a resource the program leaves unnamed.
import { Finding, ResourceRule, ResourceView } from "../preflight";

/**
 * Pulumi's autoname: the logical name, a hyphen and 7 random lowercase hex
 * characters (https://www.pulumi.com/docs/iac/concepts/resources/names/#autonaming).
 * Rules check it with a fixed stand-in for the random part.
 */
export const AUTONAME_SUFFIX = "-a1b2c3d";

/** A value the render knows: not a `<computed:...>` / `<unknown>` marker or a redacted secret. */
export function known(value: unknown): value is string | number | boolean {
    if (typeof value === "number" || typeof value === "boolean") {
        return true;
    }
    return typeof value === "string" && value !== "[secret]" && !value.includes("<computed:") && !value.includes("<unknown>");
}

/** The name a resource will have: its explicit input, or Pulumi's autoname when the program set none. */
export function nameOf(r: ResourceView, property: string, autonamed: boolean): { value: string; auto: boolean } | undefined {
    const v = r.inputs[property];
    if (v === undefined || v === null) {
        return autonamed ? { value: `${r.name}${AUTONAME_SUFFIX}`, auto: true } : undefined;
    }
    return known(v) && typeof v === "string" ? { value: v, auto: false } : undefined;
}

export interface NameSpec {
    readonly id: string;
    readonly types: readonly string[];
    readonly source: string;
    readonly property: string;
    /** Pulumi names the resource when the program does not. */
    readonly autonamed?: boolean;
    readonly min?: number;
    readonly max: number;
    /** The whole value must match. */
    readonly pattern?: RegExp;
    /** What `pattern` allows, in words, for the message. */
    readonly allowed?: string;
    /** Prefixes the API reserves. */
    readonly reservedPrefixes?: readonly string[];
    /** Values the API reserves. */
    readonly reserved?: readonly string[];
    /** No two consecutive hyphens (RDS and ElastiCache identifiers). */
    readonly noDoubleHyphen?: boolean;
}

/** A rule on a name or ID: length, characters, reserved prefixes. */
export function nameRule(spec: NameSpec): ResourceRule {
    return {
        id: spec.id,
        types: spec.types,
        source: spec.source,
        check(r) {
            const name = nameOf(r, spec.property, spec.autonamed ?? false);
            if (name === undefined) {
                return [];
            }
            const { value, auto } = name;
            const how = auto ? ` (Pulumi's autoname: the logical name "${r.name}" plus ${AUTONAME_SUFFIX.length} characters; give the resource a shorter logical name)` : "";
            const findings: Finding[] = [];
            const problem = (message: string): void => {
                findings.push({ property: spec.property, value, message: message + how });
            };
            if (value.length > spec.max || value.length < (spec.min ?? 1)) {
                problem(`must be ${spec.min ?? 1} to ${spec.max} characters, is ${value.length}`);
            }
            if (spec.pattern && !spec.pattern.test(value)) {
                problem(`must be ${spec.allowed}`);
            }
            for (const prefix of spec.reservedPrefixes ?? []) {
                if (value.toLowerCase().startsWith(prefix)) {
                    problem(`must not start with "${prefix}"`);
                }
            }
            if (spec.reserved?.includes(value.toLowerCase())) {
                problem(`"${value}" is reserved`);
            }
            if (spec.noDoubleHyphen && value.includes("--")) {
                problem("must not contain two consecutive hyphens");
            }
            return findings;
        },
    };
}

export interface TextSpec {
    readonly id: string;
    readonly types: readonly string[];
    readonly source: string;
    readonly property: string;
    readonly max: number;
    /** Every character must be in this class. */
    readonly charset?: RegExp;
    readonly allowed?: string;
    /** The API rejects an empty value. */
    readonly required?: boolean;
}

/** A rule on free text (descriptions, display names): length and character set. */
export function textRule(spec: TextSpec): ResourceRule {
    return {
        id: spec.id,
        types: spec.types,
        source: spec.source,
        check(r) {
            const v = r.inputs[spec.property];
            if (v === undefined || v === null) {
                return spec.required ? [{ property: spec.property, value: undefined, message: "is required and must not be empty" }] : [];
            }
            if (!known(v) || typeof v !== "string") {
                return [];
            }
            const findings: Finding[] = [];
            if (v.length > spec.max || (spec.required && v.length === 0)) {
                findings.push({ property: spec.property, value: v, message: `must be ${spec.required ? 1 : 0} to ${spec.max} characters, is ${v.length}` });
            }
            if (spec.charset) {
                const bad = [...new Set([...v].filter((c) => !spec.charset!.test(c)))];
                if (bad.length > 0) {
                    findings.push({ property: spec.property, value: v, message: `contains ${bad.map((c) => JSON.stringify(c)).join(", ")}; allowed: ${spec.allowed}` });
                }
            }
            return findings;
        },
    };
}

/** A rule on a number: inside a range, or one of a set. */
export function numberRule(spec: { id: string; types: readonly string[]; source: string; property: string; min?: number; max?: number; oneOf?: readonly number[] }): ResourceRule {
    return {
        id: spec.id,
        types: spec.types,
        source: spec.source,
        check(r) {
            const raw = r.inputs[spec.property];
            const v = typeof raw === "string" && /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
            if (typeof v !== "number") {
                return [];
            }
            if (spec.oneOf && !spec.oneOf.includes(v)) {
                return [{ property: spec.property, value: v, message: `must be one of ${spec.oneOf.join(", ")}` }];
            }
            if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
                return [{ property: spec.property, value: v, message: `must be from ${spec.min ?? "-"} to ${spec.max ?? "-"}` }];
            }
            return [];
        },
    };
}

/** Reads a nested input by dotted path (`template.scaling.maxInstanceCount`). */
export function at(inputs: Record<string, unknown>, dotted: string): unknown {
    let node: unknown = inputs;
    for (const key of dotted.split(".")) {
        if (node === null || typeof node !== "object") {
            return undefined;
        }
        node = (node as Record<string, unknown>)[key];
    }
    return node;
}
