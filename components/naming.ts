// Resource IDs built from project and stack names: pure, so the rules
// (charset, length, first character, uniqueness) are tested without mocks.
import * as crypto from "crypto";

/** Characters of the short hash that keeps a shortened or rewritten ID unique. */
const HASH_LENGTH = 6;

/**
 * Lowercase letters, digits and single hyphens, starting with a letter and not
 * ending with a hyphen: the shape service accounts, Artifact Registry
 * repositories, Cloud Run services, Secret Manager secrets, workload identity
 * pools and RDS identifiers all accept.
 */
function lowerKebab(raw: string): string {
    return raw
        .toLowerCase()
        .replace(/[^a-z0-9-]+/g, "-")
        .replace(/-+/g, "-")
        .replace(/^[^a-z]+/, "")
        .replace(/-+$/, "");
}

/** Letters, digits, hyphens and underscores: ECS task families and the like. */
function wordChars(raw: string): string {
    return raw.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
}

function shortHash(raw: string): string {
    return crypto.createHash("sha256").update(raw).digest("hex").slice(0, HASH_LENGTH);
}

function derive(parts: readonly string[], maxLength: number, clean: (raw: string) => string): string {
    const raw = parts.join("-");
    const id = clean(raw);
    // An ID that needed no rewriting and fits is kept as it is, so stacks that
    // deployed with it are never replaced.
    if (id === raw && id.length <= maxLength && id.length > 0) {
        return id;
    }
    // Otherwise a hash of the full, unrewritten name tells apart names that
    // shorten or rewrite to the same text (production-europe-west/-east, a.b/a-b).
    const hash = shortHash(raw);
    const head = clean((id || "id").slice(0, maxLength - HASH_LENGTH - 1));
    return `${head || "id"}-${hash}`;
}

/**
 * A Google-style ID (lowercase letters, digits and hyphens; a letter first; no
 * trailing hyphen) of at most `maxLength` characters, unique for every
 * distinct `parts`: kept as it is when already valid, otherwise shortened
 * and suffixed with a hash of the full name. Never merely truncated.
 */
export function uniqueId(parts: readonly string[], maxLength: number): string {
    return derive(parts, maxLength, lowerKebab);
}

/** As `uniqueId`, for names that also take uppercase letters and underscores (ECS task families). */
export function uniqueName(parts: readonly string[], maxLength: number): string {
    return derive(parts, maxLength, wordChars);
}

/**
 * The lowercase-kebab form of `parts`, truncated: for labels that need not be
 * unique (a role session name, a display name).
 */
export function safeId(parts: readonly string[], maxLength: number): string {
    return lowerKebab(parts.join("-")).slice(0, maxLength).replace(/-+$/, "");
}

/** Free text cut to a display-name limit (ASCII, so characters are bytes), marked with "..." when cut. */
export function label(text: string, maxLength: number): string {
    return text.length <= maxLength ? text : `${text.slice(0, maxLength - 3)}...`;
}
