// The local stack's one face for the repository's tests, scripts and benchmarks: start a stack,
// make scratch databases, load the schema. Everything takes the project directory (resolveProjectDir).
export { startLocalStack, type LocalStack, type LocalStackOptions, type RequestCounts, type StackLogEntry } from './stack.ts';
export { adminUrl, createScratchDatabase } from './scratch-database.ts';
export { applySchema, migrationFiles, platformSql, resolveProjectDir, seedFile, type SqlFile } from './schema.ts';
export type { FunctionSpec } from './functions/config.ts';
export { type Plan, PLAN_LIMITS, planLimits, type TenantLimits } from './realtime/index.ts';
