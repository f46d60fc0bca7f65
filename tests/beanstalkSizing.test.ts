// Elastic Beanstalk instance types for each size, table-driven, no mocks.
import * as assert from "assert";
import { BEANSTALK_HOST_RESERVE_MIB, BEANSTALK_INSTANCE_TYPES, PRESETS, SIZE_NAMES, beanstalkInstanceType, beanstalkSizeProblems } from "../components/sizing";

describe("Beanstalk sizing", () => {
    it("maps each preset to the cheapest instance type that holds it", () => {
        const picked = Object.fromEntries(SIZE_NAMES.map((s) => [s, beanstalkInstanceType(PRESETS[s].aws)]));
        assert.deepStrictEqual(picked, { small: "t3.small", medium: "t3.medium", large: "t3.large", xlarge: "t3.xlarge" });
    });

    describe("gives at least the size's vCPU, and its memory plus the host's reserve", () => {
        const cases: Array<[number, number, string]> = [
            [0.25, 512, "t3.micro"],
            [0.5, 1024, "t3.small"],
            [2, 1536, "t3.small"],
            [2, 1537, "t3.medium"],
            [3, 2048, "t3.xlarge"],
            [8, 30720, "t3.2xlarge"],
            [16, 16384, "c7i.4xlarge"],
            [16, 40960, "m7i.4xlarge"],
            [16, 122880, "m7i.8xlarge"],
        ];
        for (const [cpu, memory, type] of cases) {
            it(`${cpu} vCPU / ${memory} MiB -> ${type}`, () => {
                assert.strictEqual(beanstalkInstanceType({ cpu, memory }), type);
                const row = BEANSTALK_INSTANCE_TYPES.find((t) => t.type === type)!;
                assert.ok(row.cpu >= cpu && row.memory >= memory + BEANSTALK_HOST_RESERVE_MIB);
            });
        }
    });

    it("offers only x86_64 types, since the image is built for linux/amd64", () => {
        for (const { type } of BEANSTALK_INSTANCE_TYPES) {
            assert.doesNotMatch(type, /^[a-z]+\d+g[a-z]*\./, `${type} is a Graviton (arm64) type`);
        }
    });

    it("names the largest type when nothing fits", () => {
        assert.deepStrictEqual(beanstalkSizeProblems({ cpu: 1, memory: 2048 }), []);
        assert.match(beanstalkSizeProblems({ cpu: 64, memory: 2048 })[0], /no Elastic Beanstalk instance type fits 64 vCPU.*m7i\.8xlarge/);
    });
});
