// Pure sizing rules for both clouds: presets, and the checks that a CPU/memory
// pair is one the platform accepts. No Pulumi imports, so tests need no mocks.

export type Cloud = "aws" | "gcp";
export type SizeName = "small" | "medium" | "large" | "xlarge";
export const SIZE_NAMES: readonly SizeName[] = ["small", "medium", "large", "xlarge"];

/** A task or instance size: CPU in vCPU, memory in MiB. */
export interface Size {
    readonly cpu: number;
    readonly memory: number;
}

/**
 * Presets per cloud. Each pair is valid on its platform with the default
 * concurrency. Cloud Run's `small` uses a whole CPU because fractional CPU
 * forces concurrency 1 there; it is billed per request, so it stays cheap.
 */
export const PRESETS: Readonly<Record<SizeName, Readonly<Record<Cloud, Size>>>> = {
    small: { aws: { cpu: 0.5, memory: 1024 }, gcp: { cpu: 1, memory: 512 } },
    medium: { aws: { cpu: 1, memory: 2048 }, gcp: { cpu: 1, memory: 2048 } },
    large: { aws: { cpu: 2, memory: 4096 }, gcp: { cpu: 2, memory: 4096 } },
    xlarge: { aws: { cpu: 4, memory: 8192 }, gcp: { cpu: 4, memory: 8192 } },
};

/** Fargate (Linux) task sizes: CPU in vCPU -> allowed memory (MiB) as min, max, step. */
const FARGATE: ReadonlyArray<{ cpu: number; min: number; max: number; step: number }> = [
    { cpu: 0.25, min: 512, max: 2048, step: 512 },
    { cpu: 0.5, min: 1024, max: 4096, step: 1024 },
    { cpu: 1, min: 2048, max: 8192, step: 1024 },
    { cpu: 2, min: 4096, max: 16384, step: 1024 },
    { cpu: 4, min: 8192, max: 30720, step: 1024 },
    { cpu: 8, min: 16384, max: 61440, step: 4096 },
    { cpu: 16, min: 32768, max: 122880, step: 8192 },
];

/** Memory values Fargate accepts for a CPU value, or undefined if the CPU value is not a Fargate size. */
export function fargateMemoryOptions(cpu: number): number[] | undefined {
    const row = FARGATE.find((r) => r.cpu === cpu);
    if (!row) {
        return undefined;
    }
    const values: number[] = [];
    for (let m = row.min; m <= row.max; m += row.step) {
        values.push(m);
    }
    // 0.25 vCPU allows 512, 1024 and 2048 only (no 1536).
    return row.cpu === 0.25 ? values.filter((m) => m !== 1536) : values;
}

/** Fargate task CPU units (1 vCPU = 1024 units), as the task definition wants them. */
export function fargateCpuUnits(cpu: number): number {
    return Math.round(cpu * 1024);
}

/** Cloud Run memory limits per whole CPU count, in MiB (second-generation minimum is 512 MiB). */
const CLOUD_RUN_WHOLE: ReadonlyArray<{ cpu: number; min: number; max: number }> = [
    { cpu: 1, min: 512, max: 4096 },
    { cpu: 2, min: 512, max: 8192 },
    { cpu: 4, min: 2048, max: 16384 },
    { cpu: 6, min: 4096, max: 24576 },
    { cpu: 8, min: 4096, max: 32768 },
];

/**
 * Problems with a size on a cloud, as sentences; empty when the size is valid.
 * `concurrency` matters only on Cloud Run, where CPU below 1 requires it to be 1.
 */
export function sizeProblems(cloud: Cloud, size: Size, concurrency: number): string[] {
    return cloud === "aws" ? fargateProblems(size) : cloudRunProblems(size, concurrency);
}

function fargateProblems({ cpu, memory }: Size): string[] {
    const options = fargateMemoryOptions(cpu);
    if (!options) {
        return [`cpu ${cpu} is not a Fargate size; allowed vCPU values: ${FARGATE.map((r) => r.cpu).join(", ")}`];
    }
    if (!options.includes(memory)) {
        return [`memory ${memory} MiB is not allowed with ${cpu} vCPU on Fargate; allowed: ${describeMemory(options)}`];
    }
    return [];
}

function cloudRunProblems({ cpu, memory }: Size, concurrency: number): string[] {
    if (!(cpu >= 0.08 && cpu <= 8)) {
        return [`cpu ${cpu} is outside Cloud Run's range; allowed: 0.08 to below 1 (fractional), or 1, 2, 4, 6, 8`];
    }
    if (cpu < 1) {
        const problems: string[] = [];
        if (Math.round(cpu * 100) !== cpu * 100) {
            problems.push(`cpu ${cpu} has more than two decimals; Cloud Run takes fractional CPU in steps of 0.01`);
        }
        const maxMemory = cpu >= 0.5 ? 1024 : 512;
        if (memory < 128 || memory > maxMemory) {
            problems.push(`memory ${memory} MiB is not allowed with ${cpu} vCPU on Cloud Run; allowed: 128 to ${maxMemory} MiB`);
        }
        if (concurrency !== 1) {
            problems.push(`cpu ${cpu} is fractional, which Cloud Run allows only with concurrency 1 (concurrency is ${concurrency}); set concurrency: 1 or cpu: 1 or more`);
        }
        return problems;
    }
    const row = CLOUD_RUN_WHOLE.find((r) => r.cpu === cpu);
    if (!row) {
        return [`cpu ${cpu} is not a Cloud Run size; above 1 it must be a whole number: 1, 2, 4, 6 or 8`];
    }
    if (!Number.isInteger(memory) || memory < row.min || memory > row.max) {
        return [`memory ${memory} MiB is not allowed with ${cpu} vCPU on Cloud Run; allowed: ${row.min} to ${row.max} MiB`];
    }
    return [];
}

function describeMemory(options: number[]): string {
    if (options.length <= 4) {
        return `${options.join(", ")} MiB`;
    }
    const step = options[1] - options[0];
    return `${options[0]} to ${options[options.length - 1]} MiB in steps of ${step}`;
}

/** The size a stack runs at: the preset, with `cpu` and `memory` overriding it when set. */
export function resolveSize(cloud: Cloud, preset: SizeName, cpu?: number, memory?: number): Size {
    const base = PRESETS[preset][cloud];
    return { cpu: cpu ?? base.cpu, memory: memory ?? base.memory };
}

/**
 * EC2 instance types the Elastic Beanstalk target chooses from, in order of
 * on-demand Linux price in us-east-1 (cheapest first; README "Elastic
 * Beanstalk" lists the prices and their source). All x86_64: the shared image is
 * built for linux/amd64, so Graviton types (t4g, m7g) cannot run it. The t3
 * family is burstable, in unlimited mode by default: CPU above the baseline is
 * billed, never throttled.
 */
export const BEANSTALK_INSTANCE_TYPES: ReadonlyArray<{ readonly type: string; readonly cpu: number; readonly memory: number }> = [
    { type: "t3.micro", cpu: 2, memory: 1024 },
    { type: "t3.small", cpu: 2, memory: 2048 },
    { type: "t3.medium", cpu: 2, memory: 4096 },
    { type: "t3.large", cpu: 2, memory: 8192 },
    { type: "t3.xlarge", cpu: 4, memory: 16384 },
    { type: "t3.2xlarge", cpu: 8, memory: 32768 },
    { type: "c7i.4xlarge", cpu: 16, memory: 32768 },
    { type: "m7i.4xlarge", cpu: 16, memory: 65536 },
    { type: "m7i.8xlarge", cpu: 32, memory: 131072 },
];

/** Memory (MiB) an instance keeps for Amazon Linux, Docker, nginx and the Beanstalk and CloudWatch agents. */
export const BEANSTALK_HOST_RESERVE_MIB = 512;

/**
 * The cheapest instance type with at least the size's vCPU, and its memory
 * plus the host's reserve; undefined when none is large enough.
 */
export function beanstalkInstanceType(size: Size): string | undefined {
    return BEANSTALK_INSTANCE_TYPES.find((t) => t.cpu >= size.cpu && t.memory >= size.memory + BEANSTALK_HOST_RESERVE_MIB)?.type;
}

/** Problems with a size on Elastic Beanstalk, as sentences; empty when an instance type fits it. */
export function beanstalkSizeProblems(size: Size): string[] {
    if (beanstalkInstanceType(size) !== undefined) {
        return [];
    }
    const largest = BEANSTALK_INSTANCE_TYPES[BEANSTALK_INSTANCE_TYPES.length - 1];
    return [
        `no Elastic Beanstalk instance type fits ${size.cpu} vCPU / ${size.memory} MiB (plus ${BEANSTALK_HOST_RESERVE_MIB} MiB for the host); the largest is ${largest.type} (${largest.cpu} vCPU / ${largest.memory} MiB)`,
    ];
}
