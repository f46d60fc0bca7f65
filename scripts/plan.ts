// `npm run plan -- <stack> [--set key=value ...] [--json] [--cost]`: shows what a stack
// would declare, offline. Exit 1 with the problems on stderr for invalid settings.
import { parseArgs } from "util"; // Node's own argument parser: no dependency needed
import { RunError } from "@pulumi/pulumi/errors";
import { estimateCost, formatCost } from "../analysis/cost";
import { SettingsError } from "../components/settings";
import { STACK_DIR_ENV } from "../components/stackConfig";
import { REDACTED, Render, RenderUsageError, UNKNOWN, renderStack, stackNames } from "./render";

const USAGE = "usage: npm run plan -- <stack> [--set key=value ...] [--json] [--cost]";

export function formatHuman(r: Render): string {
    const lines: string[] = [];
    lines.push(`Stack ${r.stack} of ${r.project}: rendered offline under Pulumi mocks (nothing was deployed).`);
    lines.push(`Values a cloud computes show as <computed:...> or ${UNKNOWN}; secrets as ${REDACTED}.`, "");
    lines.push("Settings:");
    for (const [k, v] of Object.entries(r.settings as Record<string, unknown>)) {
        lines.push(`  ${k}: ${JSON.stringify(v)}`);
    }
    lines.push("", `Resources (${r.resources.length}):`);
    const children = new Map<string | null, Render["resources"]>();
    for (const res of r.resources) {
        const list = children.get(res.parent) ?? [];
        list.push(res);
        children.set(res.parent, list);
    }
    const walk = (parent: string | null, depth: number): void => {
        for (const res of children.get(parent) ?? []) {
            lines.push(`${"  ".repeat(depth + 1)}${res.type}  ${res.name}`);
            walk(`${res.type}::${res.name}`, depth + 1);
        }
    };
    walk(null, 0);
    lines.push("", "Outputs:");
    for (const [k, v] of Object.entries(r.outputs)) {
        lines.push(`  ${k}: ${typeof v === "string" ? v : JSON.stringify(v)}`);
    }
    if (r.warnings.length > 0) {
        lines.push("", "Warnings:", ...r.warnings.map((w) => `  - ${w}`));
    }
    return lines.join("\n");
}

/** Where stack files are read from: the project root, or FLASK_MULTICLOUD_STACK_DIR (the tests' fixtures). */
function stackDir(): string | undefined {
    return process.env[STACK_DIR_ENV] || undefined;
}

export async function main(argv: string[]): Promise<number> {
    let parsed;
    try {
        parsed = parseArgs({
            args: argv,
            allowPositionals: true,
            options: { set: { type: "string", multiple: true, short: "s" }, json: { type: "boolean" }, cost: { type: "boolean" }, help: { type: "boolean", short: "h" } },
        });
    } catch (e) {
        process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (parsed.values.help) {
        process.stdout.write(`${USAGE}\nstacks: ${stackNames(stackDir()).join(", ")}\n`);
        return 0;
    }
    if (parsed.positionals.length !== 1) {
        process.stderr.write(`expected exactly one stack name; stacks: ${stackNames(stackDir()).join(", ")}\n${USAGE}\n`);
        return 2;
    }
    try {
        const render = await renderStack({ stack: parsed.positionals[0], overrides: parsed.values.set ?? [], stackDir: stackDir() });
        if (parsed.values.json) {
            const { stack, project, settings, resources, outputs } = render;
            // Warnings reach stderr from the program itself (pulumi.log.warn), as in `pulumi up`.
            process.stdout.write(`${JSON.stringify({ stack, project, settings, resources, outputs, cost: estimateCost(render) }, null, 2)}\n`);
        } else {
            process.stdout.write(`${formatHuman(render)}\n${parsed.values.cost ? `\n${formatCost(estimateCost(render))}\n` : ""}`);
        }
        return 0;
    } catch (e) {
        if (e instanceof SettingsError || e instanceof RenderUsageError || RunError.isInstance(e)) {
            process.stderr.write(`${e.message}\n`);
            return e instanceof RenderUsageError ? 2 : 1;
        }
        throw e;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        // On a pipe stdout is written asynchronously: exit once it has drained, or a long --json is cut at 64 KiB.
        (code) => process.stdout.write("", () => process.exit(code)),
        (e: unknown) => {
            process.stderr.write(`plan failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
            process.exit(3);
        },
    );
}
