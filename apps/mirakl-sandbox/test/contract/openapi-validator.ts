import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import type { OpenApiDocument } from './openapi-description';
import { componentsDocument, toAjvSchema } from './openapi-schema-dialect';
import {
  ARRAYS_ALSO_COMMA_SEPARATED,
  EMPTY_JSON_BODY_ON_BODYLESS_PUT,
  NULLABLE_FIELDS,
  optionalMayBeNullIn,
  SECTION_PARAMETERS,
  UNDOCUMENTED_ERROR_ANSWER,
  documentedErrorCodes,
  isDescribedAsList,
  sectionParameterKinds,
  sortFields,
} from './mirakl-description-gaps';

/** One HTTP request and the answer it got, as the recording proxy saw them. */
export interface HttpExchange {
  method: string;
  /** Path and query as sent, e.g. `/mp/decathlon-fr/api/orders?max=100`. */
  url: string;
  requestHeaders: Record<string, string | string[] | undefined>;
  requestBody: Buffer;
  status: number;
  responseHeaders: Record<string, string | string[] | undefined>;
  responseBody: Buffer;
}

export interface ExchangeReport {
  /** The description's operationId (OR11…), or undefined when no operation has this method and path. */
  operation?: string;
  /** Readable: `OR11 GET /api/orders: response body /orders/0/price: must be number`. Empty when valid. */
  violations: string[];
}

interface Parameter {
  name: string;
  in: 'query' | 'path' | 'header' | 'cookie';
  required?: boolean;
  explode?: boolean;
  description?: string;
  schema?: Record<string, unknown>;
}

interface MediaTypes {
  [contentType: string]: { schema?: Record<string, unknown> };
}

interface Operation {
  operationId?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: MediaTypes };
  responses?: Record<string, { content?: MediaTypes }>;
  security?: Record<string, string[]>[];
}

interface Route {
  method: string;
  template: string;
  pattern: RegExp;
  literalSegments: number;
  op: Operation;
}

type Check = (data: unknown) => string[];

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * Checks HTTP exchanges against an OpenAPI description: the request (query and path parameters, JSON or
 * multipart body, the API key header) and the response (status, content type, JSON body). Schemas are
 * compiled on first use per operation and cached: the description holds 1,300 schemas, a run uses a few.
 * Where Mirakl's description is silent or wrong, `mirakl-description-gaps.ts` says what is accepted and why.
 */
export class OpenApiValidator {
  private readonly ajv: Ajv2020;
  private readonly routes: Route[];
  private readonly checks = new Map<string, Check>();

  private readonly pathPrefix: RegExp;

  constructor(
    doc: OpenApiDocument,
    options: {
      /** Stripped from every path before matching (the sandbox serves each marketplace under `/mp/<code>`). */
      pathPrefix?: RegExp;
      /** Required fields that may be null (default: Mirakl's, which must all exist in `doc`). */
      nullableFields?: Readonly<Record<string, string>>;
    } = {},
  ) {
    this.pathPrefix = options.pathPrefix ?? /^\/mp\/[^/]+(?=\/)/;
    // strict mode stays on (unknown keywords and formats are errors) except `strictRequired`: Mirakl's
    // subtypes list as required the properties they inherit through `allOf` from their base, which is valid
    // JSON Schema that strictRequired refuses.
    // `allowUnionTypes` for the `type: [t, "null"]` of nullable fields.
    this.ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats(this.ajv);
    // Mirakl's descriptive formats: no syntax to check beyond the type.
    for (const format of ['with decimals', 'PDF', 'cXML', 'JSON']) this.ajv.addFormat(format, true);
    this.ajv.addSchema(
      componentsDocument(
        doc.components?.schemas ?? {},
        options.nullableFields ?? NULLABLE_FIELDS,
        optionalMayBeNullIn,
      ),
    );
    this.routes = Object.entries(doc.paths)
      .flatMap(([template, item]) =>
        METHODS.filter((m) => item[m]).map((m) => ({
          method: m.toUpperCase(),
          template,
          pattern: templatePattern(template),
          literalSegments: template.split('/').filter((s) => s && !s.startsWith('{')).length,
          op: withPathParameters(item, item[m] as Operation),
        })),
      )
      .sort((a, b) => b.literalSegments - a.literalSegments); // /api/orders/refund before /api/orders/{id}
  }

  /** The operation for a method and a concrete path (prefix and query allowed). */
  operationFor(method: string, url: string): string | undefined {
    return this.match(method, url)?.route.op.operationId;
  }

  validate(x: HttpExchange): ExchangeReport {
    const url = new URL(x.url, 'http://contract.test');
    const path = url.pathname.replace(this.pathPrefix, '');
    const found = this.match(x.method, path);
    if (!found)
      return {
        violations: [`${x.method} ${path}: no operation of the description has this method and path`],
      };
    const { route, params } = found;
    const id = route.op.operationId ?? `${route.method} ${route.template}`;
    const where = `${id} ${x.method} ${path}${url.search}`;
    const violations = [
      ...this.requestViolations(id, route, params, url.searchParams, x),
      ...this.responseViolations(id, route, x),
    ];
    return { operation: route.op.operationId, violations: violations.map((v) => `${where}: ${v}`) };
  }

  private match(method: string, url: string): { route: Route; params: Record<string, string> } | undefined {
    const path = new URL(url, 'http://contract.test').pathname.replace(this.pathPrefix, '');
    for (const route of this.routes) {
      if (route.method !== method.toUpperCase()) continue;
      const m = route.pattern.exec(path);
      if (m) return { route, params: { ...m.groups } };
    }
    return undefined;
  }

  private requestViolations(
    id: string,
    route: Route,
    pathParams: Record<string, string>,
    query: URLSearchParams,
    x: HttpExchange,
  ): string[] {
    const out: string[] = [];
    const declared = new Map<string, Parameter>();
    for (const p of route.op.parameters ?? []) if (p.in === 'query') declared.set(p.name, p);
    for (const kind of sectionParameterKinds(route.op.description))
      for (const [name, schema] of Object.entries(SECTION_PARAMETERS[kind]))
        if (!declared.has(name))
          declared.set(name, { name, in: 'query', schema: sectionSchema(name, schema, route.op) });

    for (const name of new Set(query.keys())) {
      const p = declared.get(name);
      if (!p) {
        out.push(`query parameter "${name}" is not declared by the operation`);
        continue;
      }
      out.push(...this.parameterViolations(id, p, query.getAll(name)));
    }
    for (const p of declared.values())
      if (p.required && !query.has(p.name)) out.push(`required query parameter "${p.name}" is missing`);
    for (const p of route.op.parameters ?? []) {
      if (p.in !== 'path') continue;
      const raw = pathParams[groupName(p.name)];
      if (raw === undefined) out.push(`path parameter "${p.name}" is missing`);
      else out.push(...this.parameterViolations(id, p, [safeDecode(raw)]));
    }
    if (route.op.security?.length && !header(x.requestHeaders, 'authorization'))
      out.push('request: no Authorization header (the shop API key)');
    return [...out, ...this.requestBodyViolations(id, route, x)];
  }

  private parameterViolations(id: string, p: Parameter, raw: string[]): string[] {
    const schema = p.schema ?? {};
    const isArray = schema.type === 'array';
    const asList = isArray || (p.in === 'query' && isDescribedAsList(p.description));
    if (!asList && raw.length > 1) return [`${p.in} parameter "${p.name}" is repeated but takes one value`];
    let value: unknown;
    if (asList) {
      const split =
        isArray && p.explode !== false && !ARRAYS_ALSO_COMMA_SEPARATED
          ? raw
          : raw.flatMap((v) => v.split(','));
      const itemSchema = (isArray ? schema.items : schema) as Record<string, unknown> | undefined;
      value = split.map((v) => coerce(v, itemSchema));
    } else value = coerce(raw[0], schema);
    const listSchema = isArray
      ? schema
      : asList
        ? { type: 'array', items: withoutKeys(schema, ['maximum']), ...listLimit(schema) }
        : schema;
    const check = this.compiled(`${id} ${p.in}:${p.name}`, () => toAjvSchema(listSchema));
    return check(value).map((e) => `${p.in} parameter "${p.name}"=${JSON.stringify(raw.join(','))}: ${e}`);
  }

  private requestBodyViolations(id: string, route: Route, x: HttpExchange): string[] {
    const body = x.requestBody;
    const type = mediaType(header(x.requestHeaders, 'content-type'));
    const declared = route.op.requestBody?.content;
    if (!declared) {
      if (body.length === 0) return [];
      if (
        EMPTY_JSON_BODY_ON_BODYLESS_PUT &&
        x.method === 'PUT' &&
        type === 'application/json' &&
        isEmptyObject(body)
      )
        return [];
      return [
        `request body sent (${body.length} bytes, ${type ?? 'no content type'}) but the operation takes none`,
      ];
    }
    if (body.length === 0)
      return route.op.requestBody?.required ? ['request body is required but none was sent'] : [];
    if (!type || !declared[type])
      return [
        `request content type ${type ?? '(none)'} is not declared (declared: ${Object.keys(declared).join(', ')})`,
      ];
    const schema = declared[type].schema ?? {};
    if (type === 'multipart/form-data')
      return multipartViolations(schema, body, header(x.requestHeaders, 'content-type')!);
    if (!isJson(type)) return [];
    const parsed = parseJson(body);
    if (parsed === undefined) return ['request body is not valid JSON'];
    return this.compiled(`${id} request ${type}`, () => toAjvSchema(schema))(parsed.value).map(
      (e) => `request body ${e}`,
    );
  }

  private responseViolations(id: string, route: Route, x: HttpExchange): string[] {
    const responses = route.op.responses ?? {};
    const declared =
      responses[String(x.status)] ?? responses[`${String(x.status)[0]}XX`] ?? responses.default;
    const type = mediaType(header(x.responseHeaders, 'content-type'));
    if (!declared) {
      if (x.status >= 400) return this.errorAnswerViolations(id, route, x, type);
      return [`response status ${x.status} is not declared (declared: ${Object.keys(responses).join(', ')})`];
    }
    const content = declared.content;
    if (!content || Object.keys(content).length === 0)
      return x.responseBody.length === 0
        ? []
        : [
            `response ${x.status} has a body (${x.responseBody.length} bytes) but is declared without content`,
          ];
    if (!type || !content[type])
      return [
        `response content type ${type ?? '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`,
      ];
    if (!isJson(type)) return [];
    const parsed = parseJson(x.responseBody);
    if (parsed === undefined) return [`response ${x.status} body is not valid JSON`];
    const check = this.compiled(`${id} response ${x.status} ${type}`, () =>
      toAjvSchema(content[type].schema ?? {}),
    );
    return check(parsed.value).map((e) => `response ${x.status} body ${e}`);
  }

  /** Mirakl's error answers, absent from the description: see UNDOCUMENTED_ERROR_ANSWER. */
  private errorAnswerViolations(
    id: string,
    route: Route,
    x: HttpExchange,
    type: string | undefined,
  ): string[] {
    if (type !== 'application/json')
      return [`error response ${x.status}: content type ${type ?? '(none)'}, not application/json`];
    const parsed = parseJson(x.responseBody);
    if (parsed === undefined) return [`error response ${x.status}: body is not valid JSON`];
    const out = this.compiled('error answer', () => toAjvSchema(UNDOCUMENTED_ERROR_ANSWER))(parsed.value).map(
      (e) => `error response ${x.status} body ${e}`,
    );
    const body = parsed.value as { status?: unknown; code?: unknown };
    if (out.length === 0 && body.status !== x.status)
      out.push(`error response ${x.status}: body says status ${String(body.status)}`);
    const codes = documentedErrorCodes(route.op.description);
    if (typeof body.code === 'string' && codes.length > 0 && !codes.includes(body.code))
      out.push(
        `error response ${x.status}: code ${body.code} is not among ${id}'s documented codes (${codes.join(', ')})`,
      );
    return out;
  }

  private compiled(key: string, schema: () => Record<string, unknown>): Check {
    let check = this.checks.get(key);
    if (!check) {
      const validate = this.ajv.compile(schema());
      // An `if` error only says "must match then schema" (the discriminator): its `then` errors say what.
      check = (data) =>
        validate(data) ? [] : (validate.errors ?? []).filter((e) => e.keyword !== 'if').map(describeError);
      this.checks.set(key, check);
    }
    return check;
  }
}

function describeError(e: ErrorObject): string {
  const params = e.keyword === 'additionalProperties' ? ` "${String(e.params.additionalProperty)}"` : '';
  const allowed = e.keyword === 'enum' ? ` (${(e.params.allowedValues as unknown[]).join(', ')})` : '';
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}${params}${allowed}`;
}

/** Path-level parameters apply to every operation of the path unless the operation redeclares them. */
function withPathParameters(item: Record<string, unknown>, op: Operation): Operation {
  const shared = (item.parameters as Parameter[] | undefined) ?? [];
  const own = op.parameters ?? [];
  const merged = [...shared.filter((s) => !own.some((o) => o.name === s.name && o.in === s.in)), ...own];
  return { ...op, parameters: merged };
}

function templatePattern(template: string): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const param = /^\{([^}]+)\}$/.exec(part)?.[1];
      return param ? `(?<${groupName(param)}>[^/]+)` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`);
}

const groupName = (param: string) => param.replace(/\W/g, '_');

/** A query or path value (always a string on the wire) as the JSON value its schema describes. */
function coerce(raw: string, schema: Record<string, unknown> | undefined): unknown {
  switch (schema?.type) {
    case 'integer':
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : raw;
    default:
      return raw;
  }
}

function sectionSchema(
  name: string,
  schema: Record<string, unknown>,
  op: Operation,
): Record<string, unknown> {
  const fields = name === 'sort' ? sortFields(op.description) : [];
  return fields.length > 0 ? { ...schema, enum: fields } : schema;
}

const listLimit = (schema: Record<string, unknown>) =>
  schema.type === 'string' && typeof schema.maximum === 'number' ? { maxItems: schema.maximum } : {};

function withoutKeys(schema: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(schema).filter(([k]) => !keys.includes(k)));
}

/** Part names of a multipart body against the schema's properties and required list. */
function multipartViolations(schema: Record<string, unknown>, body: Buffer, contentType: string): string[] {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return ['multipart request without a boundary'];
  const names = [
    ...body.toString('latin1').matchAll(/content-disposition:\s*form-data;[^\r\n]*?\bname="([^"]*)"/gi),
  ].map((m) => m[1]);
  const properties = (schema.properties as Record<string, unknown> | undefined) ?? {};
  const required = (schema.required as string[] | undefined) ?? [];
  return [
    ...names
      .filter((n) => !(n in properties))
      .map((n) => `multipart part "${n}" is not declared (declared: ${Object.keys(properties).join(', ')})`),
    ...required.filter((r) => !names.includes(r)).map((r) => `multipart part "${r}" is required but missing`),
  ];
}

function header(headers: HttpExchange['requestHeaders'], name: string): string | undefined {
  const v = headers[name] ?? Object.entries(headers).find(([k]) => k.toLowerCase() === name)?.[1];
  return Array.isArray(v) ? v[0] : v;
}

const mediaType = (contentType: string | undefined) =>
  contentType?.split(';')[0].trim().toLowerCase() || undefined;
const isJson = (type: string) => type === 'application/json' || type.endsWith('+json');

function parseJson(body: Buffer): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return undefined;
  }
}

function isEmptyObject(body: Buffer): boolean {
  const parsed = parseJson(body)?.value;
  return !!parsed && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length === 0;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
