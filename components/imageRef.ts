// Image references for the `image` setting (build once, deploy many): pure,
// so the rules are tested without mocks.

/** A digest-pinned reference: `[registry/]repository[:tag]@sha256:<64 hex>`. */
export const DIGEST_REF = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)+(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$|^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$/;

/**
 * The ECR repository ARN an image reference points at, or undefined when it
 * is not in ECR (the execution role then needs no pull permission for it).
 */
export function ecrRepositoryArn(ref: string): string | undefined {
    const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([^@:]+)(?::[^@]+)?@/.exec(ref);
    return m ? `arn:${m[3] ? "aws-cn" : "aws"}:ecr:${m[2]}:${m[1]}:repository/${m[4]}` : undefined;
}

/**
 * The ECR repository the execution role may pull from: the prebuilt image's
 * when it is in ECR, otherwise the stack's own (which CI can push to).
 */
export function pullRepositoryArn<T>(prebuilt: string | undefined, stackRepositoryArn: T): string | T {
    return (prebuilt !== undefined ? ecrRepositoryArn(prebuilt) : undefined) ?? stackRepositoryArn;
}

/** Why `ref` cannot be deployed as the `image` setting, or undefined when it can. */
export function imageRefProblem(ref: string): string | undefined {
    if (DIGEST_REF.test(ref)) {
        return undefined;
    }
    if (/@sha256:/.test(ref)) {
        return "must be a lowercase repository and a full digest: <registry>/<repository>@sha256:<64 hex characters>";
    }
    return "must be pinned by digest, <registry>/<repository>@sha256:<64 hex characters>: a tag can be moved, so the image deployed would change with no change here (docker buildx imagetools inspect <ref> prints the digest)";
}
