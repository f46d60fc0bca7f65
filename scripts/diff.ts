// The reviewer's first look at a pull request: what each stack would declare
// differently, from two offline renders (`npm run plan -- <stack> --json`),
// with no cloud access. `diffRenders` is pure; the CLI reads files or
// directories of renders and prints markdown.
//
//   ts-node scripts/diff.ts base.json head.json
//   ts-node scripts/diff.ts renders/base renders/head [--title "..."] [--marker "<!-- ... -->"]
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { estimateCost } from "../analysis/cost";
import type { RenderedResource } from "./render";

/** One resource as the render reports it (a type-only import: the diff never loads Pulumi). */
export type RenderedResourceDoc = RenderedResource;

/** The JSON document `npm run plan -- <stack> --json` prints, or a failed render. */
export interface RenderDoc {
    readonly stack: string;
    readonly project?: string;
    readonly settings?: unknown;
    readonly resources?: readonly RenderedResourceDoc[];
    readonly outputs?: Record<string, unknown>;
    /** The monthly estimate (`cost.monthlyTotal`, USD); renders from before the estimate existed lack it. */
    readonly cost?: { readonly monthlyTotal?: number; readonly unpriced?: readonly unknown[] };
    /** Set instead of the rest when the render failed (invalid settings, a crash). */
    readonly error?: string;
}

/** A resource's identity across renders: Pulumi's URN is built from the same three parts. */
export interface ResourceRef {
    readonly type: string;
    readonly name: string;
    readonly parent: string | null;
}

/** One changed value: a dotted path, and the redacted values on each side (undefined = absent). */
export interface ValueChange {
    readonly path: string;
    readonly before?: unknown;
    readonly after?: unknown;
}

export interface ResourceChange extends ResourceRef {
    readonly changes: readonly ValueChange[];
}

export interface StackDiff {
    readonly stack: string;
    /** `new`: no base render; `gone`: no head render; `failed`: a render failed. */
    readonly status: "new" | "gone" | "failed" | "changed" | "unchanged";
    readonly added: readonly ResourceRef[];
    readonly removed: readonly ResourceRef[];
    readonly changed: readonly ResourceChange[];
    readonly settings: readonly ValueChange[];
    readonly outputs: readonly ValueChange[];
    readonly baseError?: string;
    readonly headError?: string;
    /** Monthly estimate in USD on each side; undefined where a side has no render. */
    readonly cost: CostDelta;
}

export interface CostDelta {
    readonly base?: number;
    readonly head?: number;
    /** head - base, when both are known. */
    readonly delta?: number;
    /** The base render carried no estimate: it was estimated here from its resources, with this branch's price table. */
    readonly baseRecomputed?: boolean;
    /** Items the price table cannot price, on the head side. */
    readonly headUnpriced?: number;
}

const EMPTY: RenderDoc = { stack: "", resources: [], outputs: {}, settings: {} };

function key(r: ResourceRef): string {
    return `${r.type}\u0000${r.name}\u0000${r.parent ?? ""}`;
}

function ref(r: ResourceRef): ResourceRef {
    return { type: r.type, name: r.name, parent: r.parent };
}

/** A JSON string inside an input (an IAM policy, container definitions) is compared as the structure it holds. */
function unwrapJson(value: unknown): unknown {
    if (typeof value === "string" && /^\s*[[{]/.test(value)) {
        try {
            return JSON.parse(value) as unknown;
        } catch {
            return value;
        }
    }
    return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
    return v !== null && typeof v === "object" && !Array.isArray(v);
}

function join(prefix: string, part: string | number): string {
    if (typeof part === "number") {
        return `${prefix}[${part}]`;
    }
    const safe = /^[A-Za-z_$][\w$-]*$/.test(part) ? part : JSON.stringify(part);
    return prefix === "" ? safe : `${prefix}.${safe}`;
}

/** Every leaf path where `a` and `b` differ, in a stable order. */
export function diffValues(a: unknown, b: unknown, prefix = ""): ValueChange[] {
    const x = unwrapJson(a);
    const y = unwrapJson(b);
    if (Array.isArray(x) && Array.isArray(y)) {
        const out: ValueChange[] = [];
        for (let i = 0; i < Math.max(x.length, y.length); i++) {
            out.push(...diffValues(x[i], y[i], join(prefix, i)));
        }
        return out;
    }
    if (isObject(x) && isObject(y)) {
        const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
        return keys.flatMap((k) => diffValues(x[k], y[k], join(prefix, k)));
    }
    if (JSON.stringify(x) === JSON.stringify(y)) {
        return [];
    }
    return [{ path: prefix === "" ? "(value)" : prefix, ...(a === undefined ? {} : { before: x }), ...(b === undefined ? {} : { after: y }) }];
}

/** A render's monthly estimate: its own `cost`, or one computed from its resources when it predates the estimate. */
function monthly(doc: RenderDoc | undefined): { usd?: number; recomputed: boolean; unpriced?: number } {
    if (doc === undefined || doc.error !== undefined) {
        return { recomputed: false };
    }
    if (typeof doc.cost?.monthlyTotal === "number") {
        return { usd: doc.cost.monthlyTotal, recomputed: false, unpriced: doc.cost.unpriced?.length };
    }
    if (doc.resources === undefined) {
        return { recomputed: false };
    }
    const c = estimateCost({ settings: doc.settings, resources: doc.resources });
    return { usd: c.monthlyTotal, recomputed: true, unpriced: c.unpriced.length };
}

export function costDelta(base: RenderDoc | undefined, head: RenderDoc | undefined): CostDelta {
    const b = monthly(base);
    const h = monthly(head);
    return {
        ...(b.usd !== undefined ? { base: b.usd } : {}),
        ...(h.usd !== undefined ? { head: h.usd } : {}),
        ...(b.usd !== undefined && h.usd !== undefined ? { delta: Math.round((h.usd - b.usd) * 100) / 100 } : {}),
        ...(b.recomputed ? { baseRecomputed: true } : {}),
        ...(h.unpriced ? { headUnpriced: h.unpriced } : {}),
    };
}

/** `$182.10 → $108.40 (−$73.70)`, with n/a for a side that has no estimate. */
export function formatCostDelta(c: CostDelta): string {
    const m = (n: number | undefined): string => (n === undefined ? "n/a" : `$${n.toFixed(2)}`);
    const d = c.delta === undefined ? "" : c.delta === 0 ? " (no change)" : ` (${c.delta > 0 ? "+" : "−"}$${Math.abs(c.delta).toFixed(2)})`;
    return `${m(c.base)} → ${m(c.head)}${d}`;
}

/**
 * What changes from the base render to the head render of one stack.
 * Either side may be undefined (the stack file was added or removed).
 */
export function diffRenders(base: RenderDoc | undefined, head: RenderDoc | undefined): StackDiff {
    const stack = head?.stack ?? base?.stack ?? "";
    const empty = { added: [], removed: [], changed: [], settings: [], outputs: [] };
    if (base?.error !== undefined || head?.error !== undefined) {
        return { stack, status: "failed", ...empty, cost: costDelta(base, head), ...(base?.error !== undefined ? { baseError: base.error } : {}), ...(head?.error !== undefined ? { headError: head.error } : {}) };
    }
    const b = base ?? EMPTY;
    const h = head ?? EMPTY;
    const before = new Map((b.resources ?? []).map((r) => [key(r), r]));
    const after = new Map((h.resources ?? []).map((r) => [key(r), r]));

    const added = [...after.entries()].filter(([k]) => !before.has(k)).map(([, r]) => ref(r));
    const removed = [...before.entries()].filter(([k]) => !after.has(k)).map(([, r]) => ref(r));
    const changed: ResourceChange[] = [];
    for (const [k, r] of after) {
        const old = before.get(k);
        if (old !== undefined) {
            const changes = diffValues(old.inputs, r.inputs);
            if (changes.length > 0) {
                changed.push({ ...ref(r), changes });
            }
        }
    }
    const settings = base && head ? diffValues(b.settings ?? {}, h.settings ?? {}) : [];
    const outputs = diffValues(b.outputs ?? {}, h.outputs ?? {});
    const status = base === undefined ? "new" : head === undefined ? "gone" : added.length + removed.length + changed.length + settings.length + outputs.length > 0 ? "changed" : "unchanged";
    return { stack, status, added, removed, changed, settings, outputs, cost: costDelta(base, head) };
}

/** Pairs renders by stack name and diffs each; stacks sorted by name. */
export function diffAll(bases: readonly RenderDoc[], heads: readonly RenderDoc[]): StackDiff[] {
    const byStack = (docs: readonly RenderDoc[]) => new Map(docs.map((d) => [d.stack, d]));
    const b = byStack(bases);
    const h = byStack(heads);
    const stacks = [...new Set([...b.keys(), ...h.keys()])].sort();
    return stacks.map((s) => diffRenders(b.get(s), h.get(s)));
}

/** One line per stack, Pulumi-style. */
export function summaryLine(d: StackDiff): string {
    switch (d.status) {
        case "failed":
            return d.headError !== undefined ? "render failed on the pull request" : "render failed on the base (nothing to compare)";
        case "unchanged":
            return "no changes";
        default: {
            const parts = [`${d.added.length} to add`, `${d.changed.length} to change`, `${d.removed.length} to remove`];
            const extra = [d.settings.length > 0 ? `${d.settings.length} setting(s) changed` : "", d.outputs.length > 0 ? `${d.outputs.length} output(s) changed` : ""].filter(Boolean);
            const prefix = d.status === "new" ? "new stack: " : d.status === "gone" ? "stack removed: " : "";
            return `${prefix}${parts.join(", ")}${extra.length > 0 ? `; ${extra.join(", ")}` : ""}`;
        }
    }
}

const MAX_VALUE = 80;

function show(v: unknown): string {
    const s = typeof v === "string" ? v : JSON.stringify(v);
    const cut = s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
    return `\`${cut.replace(/`/g, "'")}\``;
}

function showChange(c: ValueChange): string {
    if (c.before === undefined) {
        return `\`${c.path}\`: added ${show(c.after)}`;
    }
    if (c.after === undefined) {
        return `\`${c.path}\`: removed (was ${show(c.before)})`;
    }
    return `\`${c.path}\`: ${show(c.before)} → ${show(c.after)}`;
}

function showRef(r: ResourceRef): string {
    return `\`${r.type}\` **${r.name}**${r.parent ? ` (in \`${r.parent.split("::").pop()}\`)` : ""}`;
}

function fence(text: string): string {
    return ["```", text.trim().split("\n").slice(-15).join("\n"), "```"].join("\n");
}

export interface MarkdownOptions {
    /** Heading. @default "Offline render diff" */
    readonly title?: string;
    /** A hidden marker on the first line, so a bot can find and update its own comment. */
    readonly marker?: string;
    /** GitHub comments hold at most 65,536 characters. @default 60000 */
    readonly maxLength?: number;
}

/** The markdown a reviewer reads: a summary table, then per stack what is added, removed and changed. */
export function formatMarkdown(diffs: readonly StackDiff[], opts: MarkdownOptions = {}): string {
    const lines: string[] = [];
    if (opts.marker) {
        lines.push(opts.marker);
    }
    lines.push(`### ${opts.title ?? "Offline render diff"}`, "");
    lines.push("Rendered offline under Pulumi mocks (no cloud access): what each stack would declare differently. Values the cloud computes show as `<computed:…>`, secrets as `[secret]`. Pulumi's own preview follows.", "");
    if (diffs.length === 0) {
        lines.push("_No stacks found._");
        return lines.join("\n");
    }
    lines.push("| Stack | Add | Change | Remove | Monthly estimate (base → head) | Summary |", "|---|---:|---:|---:|---|---|");
    for (const d of diffs) {
        lines.push(`| \`${d.stack}\` | ${d.added.length} | ${d.changed.length} | ${d.removed.length} | ${formatCostDelta(d.cost)} | ${summaryLine(d)} |`);
    }
    lines.push("", "Monthly estimate: on-demand list prices at the assumed usage (`npm run plan -- <stack> --cost` shows every item and assumption).");
    const recomputed = diffs.filter((d) => d.cost.baseRecomputed).map((d) => `\`${d.stack}\``);
    if (recomputed.length > 0) {
        lines.push(`The base render of ${recomputed.join(", ")} carried no estimate; it was estimated here from its resources with this branch's price table.`);
    }
    const unpriced = diffs.filter((d) => d.cost.headUnpriced).map((d) => `\`${d.stack}\` (${d.cost.headUnpriced})`);
    if (unpriced.length > 0) {
        lines.push(`Not priced, so left out of the estimate: ${unpriced.join(", ")} item(s).`);
    }
    for (const d of diffs) {
        lines.push("", `#### \`${d.stack}\`: ${summaryLine(d)}`, ...collapse(stackBody(d)));
    }
    return truncate(lines.join("\n"), opts.maxLength ?? 60000);
}

/** Long sections fold away, so the summary table stays the first thing a reviewer sees. */
function collapse(body: string[]): string[] {
    return body.length > COLLAPSE_AFTER ? ["", "<details><summary>Details</summary>", ...body, "", "</details>"] : body;
}

const COLLAPSE_AFTER = 30;

function stackBody(d: StackDiff): string[] {
    const lines: string[] = [];
    if (d.headError !== undefined) {
        lines.push("", "The pull request's render failed:", "", fence(d.headError));
    }
    if (d.baseError !== undefined) {
        lines.push("", "The base's render failed:", "", fence(d.baseError));
    }
    if (d.added.length > 0) {
        lines.push("", "**Added**", ...d.added.map((r) => `- ${showRef(r)}`));
    }
    if (d.removed.length > 0) {
        lines.push("", "**Removed**", ...d.removed.map((r) => `- ${showRef(r)}`));
    }
    if (d.changed.length > 0) {
        lines.push("", "**Changed**");
        for (const c of d.changed) {
            lines.push(`- ${showRef(c)}`, ...c.changes.map((v) => `  - ${showChange(v)}`));
        }
    }
    if (d.settings.length > 0) {
        lines.push("", "**Settings**", ...d.settings.map((v) => `- ${showChange(v)}`));
    }
    if (d.outputs.length > 0) {
        lines.push("", "**Outputs**", ...d.outputs.map((v) => `- ${showChange(v)}`));
    }
    return lines;
}

function truncate(text: string, max: number): string {
    if (text.length <= max) {
        return text;
    }
    const note = "\n\n_…cut to fit a GitHub comment; run `scripts/pr-preview.sh` locally for the whole diff._";
    return text.slice(0, text.lastIndexOf("\n", max - note.length)) + note;
}

/** Reads one render file, or every `*.json` render in a directory. */
export function readRenders(p: string): RenderDoc[] {
    const files = fs.statSync(p).isDirectory()
        ? fs
              .readdirSync(p)
              .filter((f) => f.endsWith(".json"))
              .sort()
              .map((f) => path.join(p, f))
        : [p];
    return files.map((f) => {
        const doc = JSON.parse(fs.readFileSync(f, "utf8")) as RenderDoc;
        return { ...doc, stack: doc.stack ?? path.basename(f, ".json") };
    });
}

const USAGE = "usage: ts-node scripts/diff.ts <base.json|base-dir> <head.json|head-dir> [--title text] [--marker text]";

export function main(argv: string[]): number {
    let parsed;
    try {
        parsed = parseArgs({ args: argv, allowPositionals: true, options: { title: { type: "string" }, marker: { type: "string" } } });
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (parsed.positionals.length !== 2) {
        process.stderr.write(`${USAGE}\n`);
        return 2;
    }
    const [base, head] = parsed.positionals.map(readRenders);
    process.stdout.write(`${formatMarkdown(diffAll(base, head), { title: parsed.values.title, marker: parsed.values.marker })}\n`);
    return 0;
}

if (require.main === module) {
    process.exit(main(process.argv.slice(2)));
}
