import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Mirakl's published description of the seller API, as far as the contract tests read it. */
export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

export type DescriptionLocation = { found: true; path: string } | { found: false; lookedIn: string[] };

const FILE = 'mirakl-mmp-seller-openapi.json';

/**
 * Where Mirakl's OpenAPI description is. `MIRAKL_OPENAPI_PATH`, when set, is the only place looked at (a
 * wrong explicit path must not quietly fall back to another file); else `<repo root>/../shared/mirakl/`, else
 * `/work/shared/mirakl/` (CI runs a fresh clone in a temp dir, where the relative path does not exist).
 */
export function locateMiraklOpenApi(
  env: NodeJS.ProcessEnv = process.env,
  from = __dirname,
): DescriptionLocation {
  const explicit = env.MIRAKL_OPENAPI_PATH;
  const candidates = explicit
    ? [resolve(explicit)]
    : [join(repoRoot(from), '..', 'shared', 'mirakl', FILE), join('/work/shared/mirakl', FILE)];
  const path = candidates.find((p) => existsSync(p));
  return path ? { found: true, path } : { found: false, lookedIn: [...new Set(candidates)] };
}

const cache = new Map<string, OpenApiDocument>();

/** The parsed description (2.6 MB: read once per process). */
export function loadMiraklOpenApi(path: string): OpenApiDocument {
  let doc = cache.get(path);
  if (!doc) {
    doc = JSON.parse(readFileSync(path, 'utf8')) as OpenApiDocument;
    if (typeof doc.openapi !== 'string' || typeof doc.paths !== 'object')
      throw new Error(`${path} is not an OpenAPI description (no "openapi" or "paths")`);
    cache.set(path, doc);
  }
  return doc;
}

/** The monorepo root: the nearest folder above `from` holding pnpm-workspace.yaml. */
function repoRoot(from: string): string {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    if (dirname(dir) === dir) return resolve(from, '../../../..');
  }
}
