import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'smol-toml';

export interface FunctionSpec {
  name: string;
  entrypoint: string;
  importMap?: string;
  verifyJwt: boolean;
}

interface TomlFunction {
  enabled?: boolean;
  verify_jwt?: boolean;
  import_map?: string;
  entrypoint?: string;
}

/**
 * Every folder of supabase/functions that has an entrypoint (not `_shared`-style ones, not `tests`), with the settings the CLI reads
 * from config.toml `[functions.<name>]` (paths there are relative to supabase/). Defaults are the
 * CLI's: verify_jwt on, index.ts, the folder's deno.json.
 */
export function discoverFunctions(supabaseDir: string): FunctionSpec[] {
  const configPath = join(supabaseDir, 'config.toml');
  const config = existsSync(configPath) ? (parse(readFileSync(configPath, 'utf8')) as { functions?: Record<string, TomlFunction> }) : {};
  const functionsDir = join(supabaseDir, 'functions');
  if (!existsSync(functionsDir)) return [];
  return readdirSync(functionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !/^[._]/.test(entry.name))
    .map((entry) => ({ name: entry.name, settings: config.functions?.[entry.name] ?? {} }))
    .filter(({ settings }) => settings.enabled !== false)
    .map(({ name, settings }) => {
      const folder = join(functionsDir, name);
      const importMap = settings.import_map ? resolve(supabaseDir, settings.import_map) : join(folder, 'deno.json');
      return {
        name,
        entrypoint: settings.entrypoint ? resolve(supabaseDir, settings.entrypoint) : join(folder, 'index.ts'),
        importMap: existsSync(importMap) ? importMap : undefined,
        verifyJwt: settings.verify_jwt ?? true,
      };
    })
    .filter((spec) => existsSync(spec.entrypoint))
    .sort((a, b) => a.name.localeCompare(b.name));
}
