import { execFileSync } from 'node:child_process';
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { bigOptions, simulate } from './no-oversell.simulation';
import { markdownReport } from './simulation-report';

/**
 * The bigger run (300 SKUs, 6 simulated hours by default; `SIM_HOURS`, `SIM_SKUS` override): prints the
 * figures and appends them to docs/benchmarks.md under "No-oversell simulation", with the machine and date.
 * `pnpm --filter @seller-bridge/catalogue-sync simulate` (needs PostgreSQL, as the integration tests do).
 */
async function main(): Promise<void> {
  const options = bigOptions({
    ...(process.env.SIM_HOURS ? { hours: Number(process.env.SIM_HOURS) } : {}),
    ...(process.env.SIM_SKUS ? { skus: Number(process.env.SIM_SKUS) } : {}),
    progress: (line) => process.stdout.write(`${line}\n`),
  });
  const figures = await simulate(options);
  process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
  const machine = [
    execFileSync('uname', ['-a']).toString().trim(),
    `${execFileSync('nproc').toString().trim()} cores (${cpus()[0]?.model ?? 'unknown'})`,
    `${Math.round(totalmem() / 2 ** 30)} GiB`,
    `Node ${process.version}`,
  ].join('; ');
  const date = execFileSync('date', ['-u', '+%Y-%m-%d %H:%M UTC']).toString().trim();
  const docs = resolve(__dirname, '../../../../docs/benchmarks.md');
  const withHeading = !readFileSync(docs, 'utf8').includes('## No-oversell simulation');
  appendFileSync(docs, markdownReport(figures, { date, machine, withHeading }));
  process.stdout.write(`figures appended to ${docs}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
