// The numbers both clouds alert on, in one place, so an AWS alarm and its
// Google Cloud alert policy fire on the same condition. The latency threshold
// is a setting (`latencyThresholdMs`); these are not, and change here.

export const ALERT_THRESHOLDS = {
    /** Requests answered 5xx, percent of all requests, in 3 of 5 minutes. */
    errorRatePercent: 5,
    /** Minutes a latency, CPU, storage, connection or memory condition must hold before it pages. */
    sustainedMinutes: 15,
    /** Average service CPU, percent, sustained (AWS; Cloud Run scales on concurrency instead). */
    serviceCpuPercent: 90,
    /** Database CPU, percent, sustained. */
    databaseCpuPercent: 90,
    /** Database storage used, percent of the allocated size. */
    databaseStorageUsedPercent: 90,
    /** Database connections, percent of PostgreSQL's max_connections (AWS). */
    databaseConnectionsPercent: 80,
    /** Cache memory used, percent of the node's (or instance's) memory. */
    cacheMemoryPercent: 80,
} as const;
