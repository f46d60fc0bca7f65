// Shared pieces of the offline render's mocks.

/** The placeholder for a value the cloud computes for resource `name`. */
export function computed(name: string, prop: string): string {
    return `<computed:${name}.${prop}>`;
}

/** The AWS account id invokes report; obviously not a real one. */
export const MOCK_ACCOUNT_ID = "000000000000";

type State = Record<string, unknown>;

/** Computed properties by type token: `true` gets a placeholder string; a function builds a structured value. */
export type ComputedTable = Record<string, Record<string, true | ((name: string, inputs: State) => unknown)>>;

export const COMMON_COMPUTED: ComputedTable = {
    // Passwords the stack generates; the provider marks `result` secret, so the render shows [secret].
    "random:index/randomPassword:RandomPassword": { result: true },
    "docker:index/image:Image": { repoDigest: true },
};
