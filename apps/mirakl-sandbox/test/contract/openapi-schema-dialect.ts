/**
 * OpenAPI schema objects → JSON Schema that Ajv (draft 2020-12) compiles. The description is OpenAPI 3.1,
 * whose schemas are JSON Schema 2020-12 plus OpenAPI's own keywords; 3.0 idioms are handled too, as other
 * Mirakl files use them:
 * - `nullable: true` (3.0) becomes `anyOf: [{type: "null"}, …]`; so do the fields listed as nullable, and
 *   (for answers) every optional property, as `mirakl-description-gaps.ts` explains.
 * - `example`, `xml`, `externalDocs` and `x-*` are annotations Ajv does not know: dropped.
 * - `discriminator` with a `mapping`: Ajv's own discriminator support needs `oneOf` and no mapping, while
 *   Mirakl puts it on the base schema whose subtypes extend it by `allOf`. It becomes one `if`/`then` per
 *   mapped value, each to the subtype without its `allOf` back to the base (else base → subtype → base
 *   would loop).
 * - `$ref: "#/components/schemas/X"` points into the components document registered once with Ajv, where
 *   the schemas sit under `$defs` (a keyword Ajv knows; `components` is not one).
 * Property names are never mistaken for keywords: only schema positions are walked.
 */

export const COMPONENTS_ID = 'https://contract.test/mirakl-openapi.json';
const SCHEMAS_PREFIX = '#/components/schemas/';
/** Where component `X` is, once registered: `${COMPONENTS_ID}#/$defs/X`. */
export const componentRef = (name: string): string => `${COMPONENTS_ID}#/$defs/${name}`;
const OWN_SUFFIX = '__without_base';

type Schema = Record<string, unknown>;

const SCHEMA_MAPS = new Set(['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas']);
const SCHEMA_LISTS = new Set(['allOf', 'anyOf', 'oneOf', 'prefixItems']);
const SCHEMA_VALUES = new Set([
  'items',
  'additionalItems',
  'additionalProperties',
  'unevaluatedProperties',
  'unevaluatedItems',
  'not',
  'if',
  'then',
  'else',
  'contains',
  'propertyNames',
]);
const DROPPED = new Set(['example', 'xml', 'externalDocs', 'discriminator', 'nullable']);

/** A schema from anywhere in the description (a parameter's, a body's), ready for `ajv.compile`. */
export function toAjvSchema(schema: unknown): Schema {
  return convert(schema) as Schema;
}

/**
 * The document registered with Ajv once: every component schema converted, plus a `__without_base` copy
 * of each discriminator subtype. `nullableFields` are `<schema>.<property>` keys whose value may be null.
 */
export function componentsDocument(
  schemas: Record<string, unknown>,
  nullableFields: Readonly<Record<string, string>>,
  /** Component names whose optional properties may be null (Mirakl's answers: see the gaps file). */
  optionalMayBeNull: (name: string) => boolean = () => false,
): Schema {
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(schemas)) {
    const schema = convert(raw) as Schema;
    if (optionalMayBeNull(name)) allowNullWhenOptional(schema);
    const mapping = discriminatorMapping(raw);
    if (mapping) {
      const { propertyName, targets } = mapping;
      const dispatch = Object.entries(targets).map(([value, ref]) => ({
        if: { properties: { [propertyName]: { const: value } }, required: [propertyName] },
        then: { $ref: componentRef(`${ref.slice(SCHEMAS_PREFIX.length)}${OWN_SUFFIX}`) },
      }));
      schema.allOf = [...((schema.allOf as unknown[]) ?? []), ...dispatch];
      for (const ref of Object.values(targets)) {
        const target = ref.slice(SCHEMAS_PREFIX.length);
        const sub = { ...(schemas[target] as Schema) };
        sub.allOf = ((sub.allOf as Schema[]) ?? []).filter((s) => s.$ref !== `${SCHEMAS_PREFIX}${name}`);
        if ((sub.allOf as unknown[]).length === 0) delete sub.allOf;
        const own = convert(sub) as Schema;
        if (optionalMayBeNull(target)) allowNullWhenOptional(own);
        out[`${target}${OWN_SUFFIX}`] = own;
      }
    }
    out[name] = schema;
  }
  for (const [key, reason] of Object.entries(nullableFields)) {
    const [name, property] = key.split('.');
    const props = (out[name] as Schema | undefined)?.properties as Record<string, unknown> | undefined;
    if (!props?.[property])
      throw new Error(`nullable field ${key} (${reason}) is not in the description: remove it from the list`);
    props[property] = orNull(props[property] as Schema);
  }
  return { $id: COMPONENTS_ID, $defs: out };
}

function discriminatorMapping(
  raw: unknown,
): { propertyName: string; targets: Record<string, string> } | undefined {
  const d = (raw as { discriminator?: { propertyName?: string; mapping?: Record<string, string> } })
    ?.discriminator;
  if (!d?.propertyName || !d.mapping) return undefined;
  const targets = Object.fromEntries(
    Object.entries(d.mapping).filter(([, ref]) => ref.startsWith(SCHEMAS_PREFIX)),
  );
  return { propertyName: d.propertyName, targets };
}

/** Every property an object schema (here or nested inline) does not require may also be null. */
function allowNullWhenOptional(schema: Schema): void {
  const props = schema.properties as Record<string, Schema> | undefined;
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [key, prop] of Object.entries(props ?? {})) {
    allowNullWhenOptional(prop);
    if (!required.has(key)) props![key] = orNull(prop);
  }
  if (schema.items && typeof schema.items === 'object') allowNullWhenOptional(schema.items as Schema);
  for (const sub of (schema.allOf as Schema[] | undefined) ?? []) allowNullWhenOptional(sub);
}

/** The schema, or null. A plain typed schema keeps Ajv's short message ("must be string,null"). */
function orNull(schema: Schema): Schema {
  const type = schema.type;
  if (typeof type === 'string' && !schema.enum && !schema.$ref && !schema.anyOf && !schema.allOf)
    return { ...schema, type: [type, 'null'] };
  return { anyOf: [{ type: 'null' }, schema] };
}

function convert(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convert);
  if (!node || typeof node !== 'object') return node;
  const src = node as Schema;
  const out: Schema = {};
  for (const [key, value] of Object.entries(src)) {
    if (DROPPED.has(key) || key.startsWith('x-')) continue;
    if (key === '$ref' && typeof value === 'string')
      out.$ref = value.startsWith(SCHEMAS_PREFIX) ? componentRef(value.slice(SCHEMAS_PREFIX.length)) : value;
    else if (SCHEMA_MAPS.has(key) && value && typeof value === 'object')
      out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, convert(v)]));
    else if (SCHEMA_LISTS.has(key) && Array.isArray(value)) out[key] = value.map(convert);
    else if (SCHEMA_VALUES.has(key)) out[key] = convert(value);
    else out[key] = value; // enum, const, default, examples, required, type, format, …: data, copied as-is
  }
  return src.nullable === true ? orNull(out) : out;
}
