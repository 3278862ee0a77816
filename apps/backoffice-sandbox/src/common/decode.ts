import { invalid } from './backoffice-error';

/**
 * Small, strict readers for JSON bodies: each names the field path in its message, so a caller sees
 * `lines[2].quantity must be an integer between 1 and 10000` rather than a silent default.
 */
export type Json = Record<string, unknown>;

export function object(value: unknown, path: string): Json {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw invalid(`${path} must be a JSON object`, { field: path });
  return value as Json;
}

export function array(value: unknown, path: string, min: number, max: number): unknown[] {
  if (!Array.isArray(value)) throw invalid(`${path} must be an array`, { field: path });
  if (value.length < min || value.length > max)
    throw invalid(`${path} must have between ${min} and ${max} items`, { field: path });
  return value;
}

export function string(
  value: unknown,
  path: string,
  opts: { max?: number; min?: number; pattern?: RegExp; hint?: string } = {},
): string {
  const max = opts.max ?? 500;
  const min = opts.min ?? 1;
  if (typeof value !== 'string') throw invalid(`${path} must be a string`, { field: path });
  if (value.length < min || value.length > max)
    throw invalid(`${path} must be ${min} to ${max} characters long`, { field: path });
  if (opts.pattern && !opts.pattern.test(value))
    throw invalid(`${path} ${opts.hint ?? `must match ${String(opts.pattern)}`}`, { field: path });
  return value;
}

export function optionalString(
  value: unknown,
  path: string,
  opts: Parameters<typeof string>[2] = {},
): string | undefined {
  return value === undefined || value === null ? undefined : string(value, path, opts);
}

export function integer(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
    throw invalid(`${path} must be an integer between ${min} and ${max}`, { field: path });
  return value;
}

export function number(value: unknown, path: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max)
    throw invalid(`${path} must be a number between ${min} and ${max}`, { field: path });
  return value;
}

export function boolean(value: unknown, path: string): boolean {
  if (typeof value !== 'boolean') throw invalid(`${path} must be true or false`, { field: path });
  return value;
}

/** Refuses fields the operation does not know: a typo must not be silently ignored. */
export function onlyKeys(value: Json, path: string, allowed: readonly string[]): void {
  const unknown = Object.keys(value).filter((k) => !allowed.includes(k));
  if (unknown.length)
    throw invalid(`${path} has unknown field(s): ${unknown.join(', ')} (allowed: ${allowed.join(', ')})`, {
      field: path,
      unknown,
    });
}
