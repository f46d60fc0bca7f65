// The `processes` and `schedules` settings: pure parsers the settings parser
// calls, and the cron translation both clouds need. No Pulumi imports, so
// tests need no mocks. Whether a worker named here exists in the Procfile is
// checked later, by `planProcesses` (components/procfile.ts), which reads it.
import { Cloud, SIZE_NAMES, SizeName, resolveSize, sizeProblems } from "./sizing";

/** Sizing and scaling of one worker process type. */
export interface ProcessSettings {
    readonly size: SizeName;
    /** vCPU per task or instance (the preset's, or `cpu`). */
    readonly cpu: number;
    /** Memory per task or instance, MiB (the preset's, or `memory`). */
    readonly memory: number;
    /** Tasks or instances always running. */
    readonly minInstances: number;
    /** Most tasks CPU autoscaling may add (AWS); Cloud Run worker pools run `minInstances` (manual scaling). */
    readonly maxInstances: number;
}

/** What a worker gets for everything its `processes` entry leaves out. */
export interface ProcessDefaults {
    readonly size: SizeName;
    readonly minInstances: number;
    readonly maxInstances: number;
}

/** A scheduled job: a command run on the same image, on a cron, in UTC. */
export interface ScheduleSettings {
    /** The command, as a Procfile line would give it (no shell). */
    readonly command: string;
    /** Five fields, minute hour day-of-month month day-of-week, in UTC. */
    readonly cron: string;
    /** Longest a run may take, seconds. */
    readonly timeoutSeconds: number;
}

/** A problem found in one entry, keyed by its dotted setting path. */
export interface EntryProblem {
    readonly key: string;
    readonly value: unknown;
    readonly message: string;
}

export interface Parsed<T> {
    readonly value: Readonly<Record<string, T>>;
    readonly problems: readonly EntryProblem[];
}

/** Process type names: what Procfile lines and resource names both accept. */
export const PROCESS_NAME = /^[a-z][a-z0-9-]{0,19}$/;
export const PROCESS_NAME_RULE = "lowercase letters, digits and hyphens, a letter first, at most 20 characters";
/** Schedule names end up in resource names on both clouds, as process names do. */
export const SCHEDULE_NAME = PROCESS_NAME;

/** Longest a scheduled run may take: a Fargate task has no limit, a Cloud Run job task at most 168 hours; one day keeps a stuck job from billing for a week. */
export const SCHEDULE_TIMEOUT_MAX = 86400;

function isInteger(v: unknown, min: number, max: number): v is number {
    const n = typeof v === "string" && /^\d+$/.test(v) ? Number(v) : v;
    return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max;
}

/** An entry's fields when it is a map, reporting fields outside `allowed`; undefined (reported) when it is not a map. */
function entryFields(at: string, entry: unknown, allowed: readonly string[], problems: EntryProblem[]): Record<string, unknown> | undefined {
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        problems.push({ key: at, value: entry, message: `must be a map of ${allowed.join(", ")}` });
        return undefined;
    }
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e)) {
        if (!allowed.includes(k)) {
            problems.push({ key: `${at}.${k}`, value: e[k], message: `unknown field; allowed: ${allowed.join(", ")}` });
        }
    }
    return e;
}

/**
 * Parses `processes`: worker name -> { size | cpu/memory, minInstances, maxInstances }.
 * Entries are checked against the cloud's sizes like the web process's.
 */
export function parseProcesses(obj: Record<string, unknown>, cloud: Cloud | undefined, defaults: ProcessDefaults): Parsed<ProcessSettings> {
    const problems: EntryProblem[] = [];
    const value: Record<string, ProcessSettings> = {};
    const allowed = ["size", "cpu", "memory", "minInstances", "maxInstances"];
    for (const [name, entry] of Object.entries(obj)) {
        const at = `processes.${name}`;
        if (!PROCESS_NAME.test(name)) {
            problems.push({ key: at, value: undefined, message: `is not a process type name: ${PROCESS_NAME_RULE}` });
            continue;
        }
        if (name === "web" || name === "release") {
            problems.push({ key: at, value: undefined, message: `sizes workers only: web is sized by size/cpu/memory/minInstances/maxInstances, and release runs once per deploy at the default worker size` });
            continue;
        }
        const before = problems.length;
        const e = entryFields(at, entry, allowed, problems);
        if (e === undefined) {
            continue;
        }
        const size = e.size ?? defaults.size;
        if (!(SIZE_NAMES as readonly unknown[]).includes(size)) {
            problems.push({ key: `${at}.size`, value: size, message: `allowed: ${SIZE_NAMES.join(", ")}` });
        }
        const cpu = e.cpu === undefined ? undefined : Number(e.cpu);
        if (cpu !== undefined && !(Number.isFinite(cpu) && cpu >= 0.01 && cpu <= 16)) {
            problems.push({ key: `${at}.cpu`, value: e.cpu, message: "must be a number of vCPU from 0.01 to 16" });
        }
        if (e.memory !== undefined && !isInteger(e.memory, 128, 122880)) {
            problems.push({ key: `${at}.memory`, value: e.memory, message: "must be a whole number of MiB from 128 to 122880, e.g. 2048 for 2 GiB" });
        }
        const min = e.minInstances ?? defaults.minInstances;
        const max = e.maxInstances ?? defaults.maxInstances;
        if (!isInteger(min, 0, 1000)) {
            problems.push({ key: `${at}.minInstances`, value: min, message: "must be a whole number from 0 to 1000" });
        }
        if (!isInteger(max, 1, 1000)) {
            problems.push({ key: `${at}.maxInstances`, value: max, message: "must be a whole number from 1 to 1000" });
        }
        if (problems.length > before) {
            continue;
        }
        if (Number(min) > Number(max)) {
            problems.push({ key: `${at}.minInstances`, value: Number(min), message: `must not exceed maxInstances (${Number(max)})` });
            continue;
        }
        if (cloud === undefined) {
            continue;
        }
        // Workers take no requests, so Cloud Run's concurrency rule for fractional CPU does not apply.
        const resolved = resolveSize(cloud, size as SizeName, cpu, e.memory === undefined ? undefined : Number(e.memory));
        const sizing = sizeProblems(cloud, resolved, 1);
        for (const message of sizing) {
            problems.push({ key: cpu !== undefined || e.memory !== undefined ? `${at}.cpu/memory` : `${at}.size`, value: `${resolved.cpu} vCPU / ${resolved.memory} MiB`, message });
        }
        if (sizing.length === 0) {
            value[name] = { size: size as SizeName, cpu: resolved.cpu, memory: resolved.memory, minInstances: Number(min), maxInstances: Number(max) };
        }
    }
    return { value, problems };
}

/** Parses `schedules`: job name -> { command, cron, timeoutSeconds }. */
export function parseSchedules(obj: Record<string, unknown>, defaultTimeoutSeconds: number): Parsed<ScheduleSettings> {
    const problems: EntryProblem[] = [];
    const value: Record<string, ScheduleSettings> = {};
    const allowed = ["command", "cron", "timeoutSeconds"];
    for (const [name, entry] of Object.entries(obj)) {
        const at = `schedules.${name}`;
        if (!SCHEDULE_NAME.test(name)) {
            problems.push({ key: at, value: undefined, message: `is not a schedule name: ${PROCESS_NAME_RULE}` });
            continue;
        }
        const before = problems.length;
        const e = entryFields(at, entry, allowed, problems);
        if (e === undefined) {
            continue;
        }
        const command = e.command;
        const commandProblem = typeof command === "string" ? commandProblemOf(command) : "is required: the command to run, e.g. python -m app.jobs prune";
        if (commandProblem !== undefined) {
            problems.push({ key: `${at}.command`, value: command, message: commandProblem });
        }
        const cron = e.cron;
        const cronProblem = typeof cron === "string" ? cronProblemOf(cron) : "is required: five fields in UTC, e.g. 0 3 * * * for 03:00 every day";
        if (cronProblem !== undefined) {
            problems.push({ key: `${at}.cron`, value: cron, message: cronProblem });
        }
        const timeout = e.timeoutSeconds ?? defaultTimeoutSeconds;
        if (!isInteger(timeout, 1, SCHEDULE_TIMEOUT_MAX)) {
            problems.push({ key: `${at}.timeoutSeconds`, value: timeout, message: `must be a whole number of seconds from 1 to ${SCHEDULE_TIMEOUT_MAX}` });
        }
        if (problems.length === before) {
            value[name] = { command: (command as string).trim(), cron: (cron as string).trim().split(/\s+/).join(" "), timeoutSeconds: Number(timeout) };
        }
    }
    return { value, problems };
}

/** Shell syntax the image cannot run: it has no shell, so a command is split on spaces and run directly. */
const SHELL_SYNTAX = /[|&;<>()$`\\"'*?~#\n]/;

/** What is wrong with a command, or undefined: it must be plain words, since the image has no shell to interpret it. */
export function commandProblemOf(command: string): string | undefined {
    if (command.trim() === "") {
        return "must not be empty";
    }
    const bad = SHELL_SYNTAX.exec(command);
    if (bad) {
        return `contains ${JSON.stringify(bad[0])}: the image has no shell, so a command is words separated by spaces (no quotes, pipes, redirects or variables); put logic in a Python module and run it with python -m`;
    }
    return undefined;
}

/** A command as the argument list the container runs (the image's ENTRYPOINT is empty). */
export function commandArgv(command: string): string[] {
    return command.trim().split(/\s+/);
}

const CRON_FIELDS = [
    { name: "minute", min: 0, max: 59 },
    { name: "hour", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31 },
    { name: "month", min: 1, max: 12 },
    { name: "day-of-week", min: 0, max: 6 },
] as const;

/**
 * What is wrong with a five-field cron expression, or undefined. Numbers,
 * `*`, ranges `a-b`, lists `a,b` and steps `* /n`, `a-b/n`; no names, no `?`,
 * `L` or `W`, which only one of the two clouds understands. Day-of-month and
 * day-of-week may not both be restricted: unix cron runs when either matches,
 * EventBridge Scheduler cannot say that.
 */
export function cronProblemOf(cron: string): string | undefined {
    const fields = cron.trim().split(/\s+/);
    if (fields.length !== 5) {
        return `must have five fields (minute hour day-of-month month day-of-week, UTC), has ${fields.length}; e.g. 0 3 * * * for 03:00 every day`;
    }
    for (let i = 0; i < 5; i++) {
        const spec = CRON_FIELDS[i];
        for (const part of fields[i].split(",")) {
            const m = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
            if (!m) {
                return `${spec.name} field "${fields[i]}" must be *, a number, a range a-b, a list a,b or a step */n (numbers ${spec.min}-${spec.max}; no names)`;
            }
            const nums = [m[2], m[3]].filter((x) => x !== undefined).map(Number);
            if (nums.some((n) => n < spec.min || n > spec.max)) {
                return `${spec.name} field "${fields[i]}" must use numbers from ${spec.min} to ${spec.max}${spec.name === "day-of-week" ? " (0 is Sunday)" : ""}`;
            }
            if (nums.length === 2 && nums[0] > nums[1]) {
                return `${spec.name} field "${fields[i]}" has a range that runs backwards`;
            }
            if (m[4] !== undefined && Number(m[4]) === 0) {
                return `${spec.name} field "${fields[i]}" has a step of 0`;
            }
            if (spec.name === "day-of-week" && m[4] !== undefined) {
                return `day-of-week field "${fields[i]}" has a step, which EventBridge Scheduler reads differently; list the days instead (e.g. 1,3,5)`;
            }
        }
    }
    if (fields[2] !== "*" && fields[4] !== "*") {
        return "restricts both day-of-month and day-of-week; EventBridge Scheduler cannot run on either, so use * in one of them";
    }
    return undefined;
}

/**
 * The same schedule as EventBridge Scheduler's `cron(...)`: six fields with a
 * year, `?` in whichever day field is unrestricted, days of the week counted
 * from 1 (Sunday) instead of 0, and steps starting at a number instead of `*`.
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#cron-based
 */
export function eventBridgeCron(cron: string): string {
    const [minute, hour, dom, month, dow] = cron.trim().split(/\s+/);
    const star = (field: string, first: number): string => field.replace(/^\*\//, `${first}/`);
    const weekday = dow === "*" ? "?" : dow.replace(/\d+/g, (n) => String(Number(n) + 1));
    const day = dow === "*" ? star(dom, 1) : "?";
    return `cron(${star(minute, 0)} ${star(hour, 0)} ${day} ${star(month, 1)} ${weekday} *)`;
}
