// The build context's Procfile: which processes the app runs. `web` serves
// requests (required), `release` runs to completion before each rollout
// (optional), every other name is a worker taking no inbound traffic.
// Parsing and planning are pure; `readProcfile` is the one file read.
import * as fs from "fs";
import * as path from "path";
import { RunError } from "@pulumi/pulumi/errors";
import { DEFAULTS, Problem, Settings, SettingsError } from "./settings";
import { PROCESS_NAME, PROCESS_NAME_RULE, ProcessSettings, ScheduleSettings, commandArgv, commandProblemOf } from "./processSettings";
import { resolveSize } from "./sizing";

/** The process types a Procfile declares, commands as written. */
export interface Procfile {
    readonly web: string;
    readonly release?: string;
    /** Worker commands by process type name, in file order. */
    readonly workers: Readonly<Record<string, string>>;
}

/** Raised for a malformed Procfile: a user error, printed without a stack trace. */
export class ProcfileError extends RunError {
    constructor(file: string, readonly problems: readonly string[]) {
        super(`${file}: ${problems.length === 1 ? problems[0] : `\n${problems.map((p) => `  - ${p}`).join("\n")}`}`);
        this.name = "ProcfileError";
    }
}

/**
 * Parses Procfile text: `name: command` lines, `#` comments and blank lines.
 * Every problem is reported at once, with its line number.
 */
export function parseProcfile(text: string, file = "Procfile"): Procfile {
    const problems: string[] = [];
    const commands = new Map<string, string>();
    text.split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) {
            return;
        }
        const m = /^([^:\s]+)\s*:\s*(.*)$/.exec(line);
        if (!m) {
            problems.push(`line ${i + 1}: expected "name: command", got ${JSON.stringify(line)}`);
            return;
        }
        const [, name, command] = m;
        if (!PROCESS_NAME.test(name)) {
            problems.push(`line ${i + 1}: process type "${name}" must be ${PROCESS_NAME_RULE}`);
            return;
        }
        if (commands.has(name)) {
            problems.push(`line ${i + 1}: process type "${name}" is declared twice`);
            return;
        }
        const problem = commandProblemOf(command);
        if (problem !== undefined) {
            problems.push(`line ${i + 1}: the ${name} command ${problem}`);
            return;
        }
        commands.set(name, command.trim());
    });
    const web = commands.get("web");
    if (web === undefined && !problems.some((p) => p.includes('"web"'))) {
        problems.push('declares no web process; add a line such as "web: gunicorn --config gunicorn.conf.py wsgi:app"');
    }
    if (problems.length > 0) {
        throw new ProcfileError(file, problems);
    }
    const workers: Record<string, string> = {};
    for (const [name, command] of commands) {
        if (name !== "web" && name !== "release") {
            workers[name] = command;
        }
    }
    return { web: web!, ...(commands.has("release") ? { release: commands.get("release")! } : {}), workers };
}

/** Set by the offline render to read another Procfile than the build context's (tests keep their own). */
export const PROCFILE_ENV = "FLASK_MULTICLOUD_PROCFILE";

/**
 * Reads and parses the build context's Procfile. A stack deploying a prebuilt
 * image may have no build context (`required` false): it then runs web only.
 */
export function readProcfile(context: string, required = true): Procfile {
    const file = process.env[PROCFILE_ENV] ?? path.join(context, "Procfile");
    if (!fs.existsSync(file) && !required) {
        return { web: "", workers: {} };
    }
    if (!fs.existsSync(file)) {
        throw new ProcfileError(path.resolve(file), ['not found; the build context needs a Procfile with at least "web: <command>" (see app/Procfile)']);
    }
    return parseProcfile(fs.readFileSync(file, "utf8"), file);
}

/** One worker as the targets deploy it. */
export interface WorkerPlan extends ProcessSettings {
    readonly name: string;
    /** The command as argv (no shell). */
    readonly command: readonly string[];
}

/** One scheduled job as the targets deploy it. */
export interface SchedulePlan extends ScheduleSettings {
    readonly name: string;
    readonly argv: readonly string[];
    /** vCPU and MiB the job runs with: the default worker size. */
    readonly cpu: number;
    readonly memory: number;
}

/** Everything besides `web` the stack deploys, from the Procfile and the two settings. */
export interface ProcessPlan {
    /** The release command as argv; absent when the Procfile declares none. */
    readonly release?: { readonly command: readonly string[]; readonly cpu: number; readonly memory: number };
    readonly workers: readonly WorkerPlan[];
    readonly schedules: readonly SchedulePlan[];
}

/**
 * Joins the Procfile with the `processes` and `schedules` settings. A
 * `processes` entry for a type the Procfile does not declare is an error
 * (before any resource); a worker without an entry gets DEFAULTS.process.
 */
export function planProcesses(procfile: Procfile, settings: Pick<Settings, "cloud" | "processes" | "schedules">): ProcessPlan {
    const problems: Problem[] = [];
    for (const name of Object.keys(settings.processes)) {
        if (!(name in procfile.workers)) {
            const declared = Object.keys(procfile.workers);
            problems.push({
                key: `processes.${name}`,
                value: undefined,
                message: `the Procfile declares no worker "${name}"; its workers: ${declared.length > 0 ? declared.join(", ") : "none"}`,
            });
        }
    }
    if (problems.length > 0) {
        throw new SettingsError(problems);
    }
    const base = resolveSize(settings.cloud, DEFAULTS.process.size);
    const workers = Object.entries(procfile.workers).map(([name, command]) => ({
        name,
        command: commandArgv(command),
        ...(settings.processes[name] ?? { size: DEFAULTS.process.size, ...base, minInstances: DEFAULTS.process.minInstances, maxInstances: DEFAULTS.process.maxInstances }),
    }));
    const schedules = Object.entries(settings.schedules).map(([name, s]) => ({ name, ...s, argv: commandArgv(s.command), ...base }));
    return {
        ...(procfile.release !== undefined ? { release: { command: commandArgv(procfile.release), ...base } } : {}),
        workers,
        schedules,
    };
}

/** What a plan runs besides web, in words: for targets that run web only (Elastic Beanstalk) to say what they leave out. */
export function processesBesidesWeb(plan: ProcessPlan): string[] {
    return [
        ...(plan.release ? [`release (${plan.release.command.join(" ")})`] : []),
        ...plan.workers.map((w) => `worker ${w.name} (${w.command.join(" ")})`),
        ...plan.schedules.map((s) => `schedule ${s.name} (${s.command})`),
    ];
}
