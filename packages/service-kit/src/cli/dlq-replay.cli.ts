/**
 * Lists or replays the messages of a dead-letter topic (see docs/operations/backbone-runbook.md, "Replaying a
 * dead-lettered message", for what to check first).
 *
 *   pnpm dlq:replay <dlq-topic> --list
 *   pnpm dlq:replay <dlq-topic> <event-id>... [--dry-run]
 *   pnpm dlq:replay <dlq-topic> --all [--dry-run] [--include-contract-failures]
 *
 * KAFKA_BROKERS (default 127.0.0.1:9092) names the cluster. Exit code 0 when everything selected was
 * replayed (or listed), 1 when something was skipped or not found, 2 on a usage error.
 */
import { createLogger } from '../logging/logger';
import { createKafka } from '../kafka/kafka.factory';
import { readDeadLetters, replayDeadLetters, type DeadLetterEntry } from '../consumer/dead-letter-replay';

const USAGE =
  'usage: dlq-replay <dlq-topic> --list | <event-id>... [--dry-run] | --all [--dry-run] [--include-contract-failures]';

const line = (e: DeadLetterEntry) =>
  `${e.eventId || '(no event id)'} p${e.partition}@${e.offset} -> ${e.originalTopic} ` +
  `[${e.code}, ${e.attempts} attempt(s), group ${e.group}, ${e.failedAt}] ${e.reason}`;

async function main(argv: string[]): Promise<number> {
  const [dlqTopic, ...rest] = argv;
  const flags = new Set(rest.filter((a) => a.startsWith('--')));
  const ids = rest.filter((a) => !a.startsWith('--'));
  const known = new Set(['--list', '--all', '--dry-run', '--include-contract-failures']);
  const unknown = [...flags].filter((f) => !known.has(f));
  if (
    !dlqTopic ||
    !dlqTopic.endsWith('.dlq') ||
    unknown.length > 0 ||
    (!flags.has('--list') && !flags.has('--all') && ids.length === 0)
  ) {
    process.stderr.write(`${USAGE}\n${unknown.length ? `unknown option(s): ${unknown.join(' ')}\n` : ''}`);
    return 2;
  }
  const logger = createLogger('dlq-replay', 'warn');
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  const kafka = createKafka({ clientId: 'dlq-replay', brokers, logger });
  const out = (s: string) => process.stdout.write(`${s}\n`);

  if (flags.has('--list')) {
    const entries = await readDeadLetters(kafka, dlqTopic);
    entries.forEach((e) => out(line(e)));
    out(`${entries.length} message(s) in ${dlqTopic}`);
    return 0;
  }
  const dryRun = flags.has('--dry-run');
  const result = await replayDeadLetters(kafka, dlqTopic, {
    select: flags.has('--all') ? 'all' : ids,
    dryRun,
    includeContractFailures: flags.has('--include-contract-failures'),
  });
  result.replayed.forEach((e) => out(`${dryRun ? 'would replay' : 'replayed'} ${line(e)}`));
  result.skipped.forEach(({ entry, why }) => out(`skipped ${line(entry)}: ${why}`));
  const found = new Set(
    [...result.replayed, ...result.skipped.map((s) => s.entry)].map((e) => e.eventId.toLowerCase()),
  );
  const missing = ids.filter((id) => !found.has(id.toLowerCase()));
  missing.forEach((id) => out(`not found: ${id}`));
  out(
    `${result.replayed.length} ${dryRun ? 'to replay' : 'replayed'}, ${result.skipped.length} skipped, ` +
      `${missing.length} not found, of ${result.read} message(s) in ${dlqTopic}`,
  );
  return result.skipped.length > 0 || missing.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`dlq-replay failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
