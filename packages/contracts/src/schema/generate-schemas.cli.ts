import 'reflect-metadata';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOPIC_REGISTRY } from '../topics/topic-registry';
import { asyncApiDocument, payloadJsonSchemas } from './json-schema';

/** Writes `<topic>.schema.json` for every topic and `asyncapi.json` into the folder given (run at build). */
function main(outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const topics = TOPIC_REGISTRY.all();
  for (const [name, schema] of payloadJsonSchemas(topics)) {
    writeFileSync(join(outDir, `${name}.schema.json`), JSON.stringify(schema, null, 2) + '\n');
  }
  writeFileSync(
    join(outDir, 'asyncapi.json'),
    JSON.stringify(asyncApiDocument(topics, '1.0.0'), null, 2) + '\n',
  );
  process.stdout.write(`wrote ${topics.length} JSON Schemas and asyncapi.json to ${outDir}\n`);
}

main(process.argv[2] ?? 'schemas');
