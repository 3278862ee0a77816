/**
 * The raw ceilings of this machine, measured in the same run as a benchmark so its figures can be read
 * against them: Kafka's own producer, kafkajs' raw producer, PostgreSQL's commit rate (or any pgbench script),
 * and the CPU each process used; plus the machine line and the append to docs/benchmarks.md every benchmark
 * writes. For benchmark scripts only (`@seller-bridge/service-kit/bench`), never for a service.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProducer } from '../kafka/kafka.factory';
import { createTopics, testKafka } from '../testing';

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** Kafka's ProducerPerformance tool (fetched once from Maven Central beside the broker's jars). */
export async function kafkaProducerPerformance(root: string, partitions: number): Promise<string> {
  const lib = join(root, 'infra/kafka/lib');
  const tools = join(root, 'infra/kafka/tools-lib');
  if (!existsSync(join(tools, 'kafka-tools-3.9.2.jar'))) {
    execFileSync(
      'mvn',
      [
        '-q',
        '-B',
        'dependency:copy',
        '-Dartifact=org.apache.kafka:kafka-tools:3.9.2',
        `-DoutputDirectory=${tools}`,
      ],
      {
        cwd: join(root, 'infra/kafka'),
        stdio: 'inherit',
      },
    );
  }
  const topic = `bench-raw-${Date.now()}`;
  await createTopics(testKafka('bench-raw'), [topic], partitions); // the broker does not auto-create topics
  const r = spawnSync(
    'java',
    [
      '-Xmx512m',
      '-cp',
      `${lib}/*:${tools}/*`,
      'org.apache.kafka.tools.ProducerPerformance',
      '--topic',
      topic,
      '--num-records',
      '500000',
      '--record-size',
      '400',
      '--throughput',
      '-1',
      '--producer-props',
      'bootstrap.servers=127.0.0.1:9092',
      'acks=all',
      'linger.ms=5',
    ],
    { encoding: 'utf8', timeout: 180_000 },
  );
  const last = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  const m = last.match(/([\d.]+) records\/sec .*?([\d.]+) ms avg latency/);
  return m
    ? `${fmt(Number(m[1]))} records/s (400 B, acks=all, avg latency ${m[2]} ms)`
    : `not measured (${(r.stderr ?? '').slice(0, 200)})`;
}

/** kafkajs producing 100,000 messages of 400 B in batches of 500, as the relay's producer is set up. */
export async function kafkajsRawThroughput(partitions: number): Promise<number> {
  const kafka = testKafka('bench-raw');
  const topic = `bench-kafkajs-${Date.now()}`;
  await createTopics(kafka, [topic], partitions);
  const producer = createProducer(kafka);
  await producer.connect();
  const value = 'x'.repeat(400);
  const total = 100_000;
  const t0 = performance.now();
  for (let sent = 0; sent < total; sent += 500) {
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: 500 }, (_, i) => ({ key: `k${(sent + i) % 1000}`, value })),
    });
  }
  const rate = total / ((performance.now() - t0) / 1000);
  await producer.disconnect();
  return rate;
}

const PG = ['-h', '127.0.0.1', '-U', 'postgres'];

function pgbenchBin(): string | undefined {
  const dirs = ['/usr/lib/postgresql'].flatMap((d) =>
    existsSync(d) ? readdirSync(d).map((v) => join(d, v, 'bin/pgbench')) : [],
  );
  return [...dirs, '/usr/bin/pgbench'].find(existsSync);
}

/** pgbench for `seconds` on `database` with `script`; transactions per second, or undefined. */
export function pgbench(
  database: string,
  script: string,
  clients: number,
  seconds: number,
): number | undefined {
  const bin = pgbenchBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const file = join(dir, 'tx.sql');
  writeFileSync(file, script);
  const r = spawnSync(
    bin,
    [
      ...PG,
      '-n',
      '-f',
      file,
      '-c',
      String(clients),
      '-j',
      String(Math.min(clients, 2)),
      '-T',
      String(seconds),
      database,
    ],
    { encoding: 'utf8' },
  );
  rmSync(dir, { recursive: true, force: true });
  const m = (r.stdout ?? '').match(/tps = ([\d.]+)/);
  return m ? Number(m[1]) : undefined;
}

/** pgbench, 8 clients for 10 s, one one-row insert per transaction, in a database of its own. */
export function pgbenchCommitRate(): string {
  const db = 'bench_pgbench_commit';
  const psql = (database: string, sql: string) => spawnSync('psql', [...PG, '-d', database, '-qc', sql]);
  psql('postgres', `DROP DATABASE IF EXISTS ${db}`);
  psql('postgres', `CREATE DATABASE ${db}`);
  psql(db, 'CREATE TABLE t (id bigserial primary key, v text)');
  const tps = pgbench(db, "INSERT INTO t (v) VALUES ('x');\n", 8, 10);
  psql('postgres', `DROP DATABASE IF EXISTS ${db}`);
  return tps === undefined
    ? 'not measured (pgbench not found)'
    : `${fmt(tps)} commits/s (pgbench, 8 clients, one-row insert per transaction)`;
}

/** CPU seconds used so far by this process, PostgreSQL's processes and Kafka's JVM (from /proc; Linux only). */
export function cpuSeconds(): { node: number; postgres: number; kafka: number } {
  const out = { node: 0, postgres: 0, kafka: 0 };
  const tick = 100; // USER_HZ
  for (const pid of existsSync('/proc') ? readdirSync('/proc').filter((d) => /^\d+$/.test(d)) : []) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const used = (Number(f[11]) + Number(f[12])) / tick; // utime + stime
      if (Number(pid) === process.pid) out.node += used;
      else if (comm === 'postgres') out.postgres += used;
      else if (comm === 'java') out.kafka += used;
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}
