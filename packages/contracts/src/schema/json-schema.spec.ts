import 'reflect-metadata';
// Keep this import first: definitions come out in the order classes were decorated, and the drift check
// below must load them in the same order as generate-schemas.cli.ts does. Declare no decorated class here.
import { TOPIC_REGISTRY, Topics } from '../topics/topic-registry';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ClassConstructor } from 'class-transformer';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Money } from '../common/money';
import { ExceptionEntity } from '../ops/exception-events';
import { ShipmentLine } from '../fulfilment/fulfilment-events';
import {
  ChargeAmount,
  LineDecision,
  OrderCustomer,
  OrderDeadlines,
  OrderLine,
  PostalAddress,
  TaxAmount,
} from '../orders/order-parts';
import { validatePayload } from '../decode/decode-event';
import { asyncApiDocument, payloadJsonSchemas } from './json-schema';

type Json = Record<string, unknown>;

const SCHEMAS_DIR = join(__dirname, '..', '..', 'schemas');
const topics = TOPIC_REGISTRY.all();

/** Every `$ref` anywhere in a JSON value. */
function refsIn(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(refsIn);
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
}

/** Resolves a local JSON pointer (`#/a/b`) in a document. */
function resolve(doc: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .reduce<unknown>((node, part) => (node as Json | undefined)?.[part], doc);
}

/** The top-level properties a class's validator refuses to go without: the oracle for `required`. */
function propertiesTheValidatorRequires(violations: string[]): string[] {
  return [...new Set(violations.map((v) => v.split(/[.:]/)[0]))].sort();
}

describe(payloadJsonSchemas.name, () => {
  const schemas = payloadJsonSchemas(topics);

  it('gives every registered topic a draft-07 schema named after the topic and its payload class', () => {
    expect([...schemas.keys()].sort()).toEqual(topics.map((t) => t.name).sort());
    for (const t of topics) {
      const s = schemas.get(t.name)!;
      expect(s.$schema).toBe('http://json-schema.org/draft-07/schema#');
      expect(s.$id).toBe(`${t.name}.schema.json`);
      expect(s.title).toBe(t.payload.name);
      expect(s.type).toBe('object');
      expect(s.description).toContain(t.keyDescription);
    }
  });

  it.each(topics.map((t) => [t.name, t] as const))(
    'requires in %s exactly the payload fields the decoder refuses to go without',
    (name, t) => {
      const empty = validatePayload(t, {});
      if (empty.ok) throw new Error(`${name} accepts an empty payload`);

      const required = [...(schemas.get(name)!.required as string[])].sort();

      expect(required).toEqual(propertiesTheValidatorRequires(empty.violations));
    },
  );

  it.each<[string, ClassConstructor<object>]>([
    ['Money', Money],
    ['TaxAmount', TaxAmount],
    ['ChargeAmount', ChargeAmount],
    ['OrderLine', OrderLine],
    ['PostalAddress', PostalAddress],
    ['OrderCustomer', OrderCustomer],
    ['LineDecision', LineDecision],
    ['ShipmentLine', ShipmentLine],
    ['ExceptionEntity', ExceptionEntity],
  ])('requires in the nested %s exactly the fields its validator refuses to go without', (name, cls) => {
    const violations = validateSync(plainToInstance(cls, {})).map((e) => `${e.property}: `);
    const definitions = schemas.get(Topics.orderReceived.name)!.definitions as Record<string, Json>;

    expect([...(definitions[name].required as string[])].sort()).toEqual(
      propertiesTheValidatorRequires(violations),
    );
  });

  it('leaves out of `required` a nested object whose fields are all optional', () => {
    const definitions = schemas.get(Topics.orderReceived.name)!.definitions as Record<string, Json>;

    expect(validateSync(plainToInstance(OrderDeadlines, {}))).toEqual([]);
    expect(definitions.OrderDeadlines.required).toBeUndefined();
  });

  it('resolves every nested $ref in its own definitions', () => {
    for (const [name, schema] of schemas) {
      const refs = refsIn(schema);
      const dangling = refs.filter(
        (r) => !r.startsWith('#/definitions/') || resolve(schema, r) === undefined,
      );

      expect({ name, dangling }).toEqual({ name, dangling: [] });
    }
    expect(refsIn(schemas.get(Topics.orderReceived.name))).toEqual(
      expect.arrayContaining([
        '#/definitions/OrderLine',
        '#/definitions/Money',
        '#/definitions/TaxAmount',
        '#/definitions/PostalAddress',
      ]),
    );
  });

  it('describes money as integer minor units and an upper-case currency', () => {
    const money = (schemas.get(Topics.orderReceived.name)!.definitions as Record<string, Json>).Money;

    expect(money.properties).toEqual({
      amountMinor: { type: 'integer' },
      currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    });
  });
});

describe(asyncApiDocument.name, () => {
  const doc = asyncApiDocument(topics, '2.3.4');
  const channels = doc.channels as Record<string, Json>;

  it('is an AsyncAPI 3.0 document of the version given', () => {
    expect(doc.asyncapi).toBe('3.0.0');
    expect((doc.info as Json).version).toBe('2.3.4');
  });

  it('has one channel per topic, addressed by the topic name', () => {
    expect(
      Object.values(channels)
        .map((c) => c.address)
        .sort(),
    ).toEqual(topics.map((t) => t.name).sort());
  });

  it('resolves every $ref in the document, payload definitions included under components.schemas', () => {
    const refs = refsIn(doc);
    const dangling = refs.filter(
      (r) => resolve(doc, r.replace('#/definitions/', '#/components/schemas/')) === undefined,
    );

    expect(refs.length).toBeGreaterThan(topics.length * 2);
    expect(dangling).toEqual([]);
  });

  it('gives each topic a receive operation and a message with the envelope headers and the Kafka key', () => {
    for (const t of topics) {
      const [id, channel] = Object.entries(channels).find(([, c]) => c.address === t.name)!;
      const message = resolve(doc, `#/components/messages/${id}`) as Json;

      expect((doc.operations as Json)[`receive_${id}`]).toEqual({
        action: 'receive',
        channel: { $ref: `#/channels/${id}` },
      });
      expect(channel.messages).toEqual({ [id]: { $ref: `#/components/messages/${id}` } });
      expect(message.name).toBe(t.type);
      expect((message.headers as Json).required).toEqual(
        expect.arrayContaining([
          'event-id',
          'event-type',
          'schema-version',
          'occurred-at',
          'correlation-id',
          'marketplace',
        ]),
      );
      expect(message.bindings).toEqual({ kafka: { key: { type: 'string', description: t.keyDescription } } });
      expect((message.payload as Json).required).toEqual(payloadJsonSchemas([t]).get(t.name)!.required);
    }
  });
});

describe('schemas/ (committed JSON Schemas and AsyncAPI)', () => {
  it('matches what the contracts generate now', () => {
    const expected = new Map<string, string>();
    for (const [name, schema] of payloadJsonSchemas(topics))
      expected.set(`${name}.schema.json`, JSON.stringify(schema, null, 2) + '\n');
    expected.set('asyncapi.json', JSON.stringify(asyncApiDocument(topics, '1.0.0'), null, 2) + '\n');
    const committed = readdirSync(SCHEMAS_DIR).filter((f) => f.endsWith('.json'));

    const drift = [
      ...[...expected]
        .filter(
          ([file, text]) =>
            !committed.includes(file) || readFileSync(join(SCHEMAS_DIR, file), 'utf8') !== text,
        )
        .map(([file]) => file),
      ...committed.filter((file) => !expected.has(file)),
    ].map(
      (file) =>
        `packages/contracts/schemas/${file} is out of date with the contract classes: ` +
        'run `pnpm --filter @seller-bridge/contracts build` and commit packages/contracts/schemas/',
    );

    expect(drift).toEqual([]);
  });
});
