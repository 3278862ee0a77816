import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';

/** The machine a benchmark ran on, as each entry of docs/benchmarks.md states it. */
export function machineLine(extra: string[] = []): string {
  let cores = String(cpus().length);
  try {
    cores = execFileSync('nproc').toString().trim(); // what this process may use (cgroups), not the host's
  } catch {
    // nproc missing: the host's count stands
  }
  return [
    `${cores} cores (${cpus()[0]?.model ?? 'unknown'})`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
    ...extra,
  ].join(', ');
}

/** `2026-11-27 10:31 UTC`. */
export const benchDate = (d = new Date()) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/**
 * Adds one run's entry to docs/benchmarks.md at the end of its section (`## heading`), creating the file or
 * the section (with `intro`) when missing, so each service's runs stay together whatever ran in between.
 */
export function recordBenchmark(file: string, heading: string, intro: string, entry: string): void {
  const title = `## ${heading}`;
  const text = existsSync(file)
    ? readFileSync(file, 'utf8')
    : '# Benchmarks\n\nEach run appends its figures; newest last. Machine and date are in each entry.\n';
  const at = text.split('\n').findIndex((l) => l === title);
  const block = `${entry.trim()}\n`;
  if (at < 0) {
    writeFileSync(file, `${text.trimEnd()}\n\n${title}\n\n${intro.trim()}\n\n${block}`);
    return;
  }
  const lines = text.split('\n');
  const next = lines.findIndex((l, i) => i > at && l.startsWith('## '));
  const before = (next < 0 ? lines : lines.slice(0, next)).join('\n').trimEnd();
  const after = next < 0 ? '' : `\n${lines.slice(next).join('\n')}`;
  writeFileSync(file, `${before}\n\n${block}${after}`);
}
