// Resource IDs built from project and stack names: pure, so the rules
// (charset, length, first character) are tested without mocks.

/**
 * A lowercase ID of letters, digits and hyphens that starts with a letter, is
 * at most `maxLength` long and does not end with a hyphen: the shape service
 * accounts, Artifact Registry repositories, Cloud Run services and secrets all
 * accept, and a subset of what AWS role session names accept. Callers add a
 * fixed suffix where a minimum length applies.
 */
export function safeId(parts: readonly string[], maxLength: number): string {
    return parts
        .join("-")
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+/, "")
        .slice(0, maxLength)
        .replace(/-+$/, "");
}
