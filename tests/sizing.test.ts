// Sizing rules, table-driven, no mocks.
import * as assert from "assert";
import { Cloud, PRESETS, SIZE_NAMES, fargateCpuUnits, fargateMemoryOptions, resolveSize, sizeProblems } from "../components/sizing";

describe("sizing", () => {
    describe("every preset is a valid size on both clouds", () => {
        for (const size of SIZE_NAMES) {
            for (const cloud of ["aws", "gcp"] as Cloud[]) {
                it(`${size} on ${cloud}`, () => {
                    assert.deepStrictEqual(sizeProblems(cloud, PRESETS[size][cloud], 80), []);
                });
            }
        }
    });

    it("presets grow with the size name on each cloud", () => {
        for (const cloud of ["aws", "gcp"] as Cloud[]) {
            const sizes = SIZE_NAMES.map((s) => PRESETS[s][cloud]);
            for (let i = 1; i < sizes.length; i++) {
                assert.ok(sizes[i].memory > sizes[i - 1].memory, `${cloud} ${SIZE_NAMES[i]} has more memory than ${SIZE_NAMES[i - 1]}`);
                assert.ok(sizes[i].cpu >= sizes[i - 1].cpu);
            }
        }
    });

    describe("Fargate's CPU/memory table", () => {
        const cases: Array<[number, number, boolean]> = [
            [0.25, 512, true],
            [0.25, 1536, false],
            [0.25, 2048, true],
            [0.25, 3072, false],
            [0.5, 1024, true],
            [0.5, 4096, true],
            [0.5, 512, false],
            [1, 2048, true],
            [1, 8192, true],
            [1, 1024, false],
            [2, 16384, true],
            [2, 4000, false],
            [4, 30720, true],
            [4, 31744, false],
            [8, 16384, true],
            [8, 20480, true],
            [8, 17408, false],
            [16, 122880, true],
            [16, 36864, false],
            [3, 6144, false],
        ];
        for (const [cpu, memory, ok] of cases) {
            it(`${cpu} vCPU with ${memory} MiB is ${ok ? "allowed" : "rejected"}`, () => {
                assert.strictEqual(sizeProblems("aws", { cpu, memory }, 80).length === 0, ok);
            });
        }
        it("names the allowed memory when it rejects", () => {
            assert.match(sizeProblems("aws", { cpu: 1, memory: 1024 }, 80)[0], /2048 to 8192 MiB in steps of 1024/);
            assert.match(sizeProblems("aws", { cpu: 3, memory: 4096 }, 80)[0], /allowed vCPU values: 0.25, 0.5, 1, 2, 4, 8, 16/);
        });
        it("converts vCPU to task CPU units", () => {
            assert.deepStrictEqual([0.25, 0.5, 1, 4].map(fargateCpuUnits), [256, 512, 1024, 4096]);
            assert.deepStrictEqual(fargateMemoryOptions(0.25), [512, 1024, 2048]);
        });
    });

    describe("Cloud Run's rules", () => {
        const cases: Array<[number, number, number, boolean, string]> = [
            [1, 512, 80, true, "1 CPU with 512 MiB"],
            [1, 4096, 80, true, "1 CPU up to 4 GiB"],
            [1, 4097, 80, false, "1 CPU above 4 GiB"],
            [2, 8192, 80, true, "2 CPUs up to 8 GiB"],
            [4, 1024, 80, false, "4 CPUs below 2 GiB"],
            [6, 4096, 80, true, "6 CPUs with 4 GiB"],
            [8, 32768, 80, true, "8 CPUs up to 32 GiB"],
            [8, 32769, 80, false, "8 CPUs above 32 GiB"],
            [3, 4096, 80, false, "3 CPUs (whole numbers above 1 are 1, 2, 4, 6, 8)"],
            [1.5, 2048, 80, false, "1.5 CPUs (fractions only below 1)"],
            [0.5, 512, 1, true, "0.5 CPU with concurrency 1"],
            [0.5, 512, 80, false, "0.5 CPU with concurrency 80"],
            [0.5, 1024, 1, true, "0.5 CPU with 1 GiB"],
            [0.5, 2048, 1, false, "0.5 CPU above 1 GiB"],
            [0.25, 1024, 1, false, "0.25 CPU above 512 MiB"],
            [0.05, 256, 1, false, "below 0.08 CPU"],
            [9, 8192, 80, false, "above 8 CPUs"],
        ];
        for (const [cpu, memory, concurrency, ok, what] of cases) {
            it(`${ok ? "allows" : "rejects"} ${what}`, () => {
                assert.strictEqual(sizeProblems("gcp", { cpu, memory }, concurrency).length === 0, ok, sizeProblems("gcp", { cpu, memory }, concurrency).join("; "));
            });
        }
        it("says concurrency must be 1 for fractional CPU", () => {
            assert.match(sizeProblems("gcp", { cpu: 0.5, memory: 512 }, 80).join(), /only with concurrency 1/);
        });
    });

    it("cpu and memory override the preset separately", () => {
        assert.deepStrictEqual(resolveSize("aws", "medium", undefined, 4096), { cpu: 1, memory: 4096 });
        assert.deepStrictEqual(resolveSize("gcp", "small", 2, undefined), { cpu: 2, memory: 512 });
        assert.deepStrictEqual(resolveSize("aws", "large"), PRESETS.large.aws);
    });
});
