/**
 * Where Mirakl's OpenAPI description (mirakl-mmp-seller-openapi.json) is wrong or silent about what Mirakl
 * does, and what the contract validator accepts instead. Every entry says why. Anything not listed here is
 * checked as the description says: add to this file only with a reason a reviewer can verify (a sentence
 * of the description itself, or a protocol fact from ../shared/mirakl/README.md), never to make a red test
 * green.
 */

/**
 * Null in answers. The description declares no `nullable` and no `type: [..., "null"]` anywhere, yet
 * Mirakl's own examples answer null for fields without a value (OR11's example: `order_state_reason_code`,
 * `quote_id`, `price_additional_info`, a tax `rate`, `shipping_from.warehouse`), and field descriptions say
 * "Null when ..." (`acceptance_decision_date`). So in answer schemas (`*_Response_*`) an optional property
 * may be null. Requests stay strict: the client sends no nulls.
 */
export const optionalMayBeNullIn = (schemaName: string): boolean => /_Response_/.test(schemaName);

/**
 * Required properties Mirakl answers with null, where the description of the field says so.
 * Key: `<component schema>.<property>`.
 */
export const NULLABLE_FIELDS: Readonly<Record<string, string>> = {
  'OR11_Response_200_Orders_Customer.shipping_address':
    'its description: "Null before shipping (or acceptance, depending on platform setting)"; README "Orders"',
  'OR11_Response_200_Orders_Customer.billing_address':
    'its description: "Null before shipping (or acceptance, depending on platform setting)"; README "Orders"',
  'OR11_Response_200_Orders_Customer_ShippingAddress.country_iso_code':
    'README failure mode 11: operators send a free-text country label with a null ISO code',
  'OR11_Response_200_Orders_Customer_BillingAddress.country_iso_code':
    'README failure mode 11: operators send a free-text country label with a null ISO code',
};

/**
 * Query parameters every operation of a kind accepts, documented in the description's introduction (the
 * `info.description` partial, not shipped in the file) instead of the operation: an operation says "This
 * resource supports offset pagination / seek pagination / locale parameter" and lists none of them. Values
 * are from the README ("Pagination, three styles").
 */
export const SECTION_PARAMETERS: Readonly<
  Record<'offset' | 'seek' | 'locale', Readonly<Record<string, Record<string, unknown>>>>
> = {
  offset: {
    max: { type: 'integer', minimum: 1, maximum: 100 },
    offset: { type: 'integer', minimum: 0 },
    paginate: { type: 'boolean' },
    sort: { type: 'string' }, // narrowed to the operation's "Sort fields" where it lists them
    order: { type: 'string', enum: ['asc', 'desc'] },
  },
  seek: {
    limit: { type: 'integer', minimum: 1 },
    page_token: { type: 'string', minLength: 1 },
    sort: { type: 'string' },
  },
  locale: { locale: { type: 'string', pattern: '^[a-z]{2}(_[A-Z]{2})?$' } },
};

/** Which section parameters an operation takes, from the sentences of its description. */
export function sectionParameterKinds(description: string | undefined): ('offset' | 'seek' | 'locale')[] {
  const d = description ?? '';
  return [
    ...(/supports offset pagination/i.test(d) ? (['offset'] as const) : []),
    ...(/supports seek pagination/i.test(d) ? (['seek'] as const) : []),
    ...(/supports <code>locale<\/code> parameter/i.test(d) ? (['locale'] as const) : []),
  ];
}

/** The `sort` values an operation lists under "Sort fields" (`<li><b>dateCreated</b>`), if any. */
export function sortFields(description: string | undefined): string[] {
  const section = /Sort fields<\/div>([\s\S]*?)(<div class="extension-title">|$)/.exec(
    description ?? '',
  )?.[1];
  return section ? [...section.matchAll(/<li><b>([^<]+)<\/b>/g)].map((m) => m[1]) : [];
}

/**
 * A parameter whose description says "A comma-separated list of ..." is a list even though its schema is a
 * single string (OR11 `order_ids`, `order_state_codes`): each value is checked against that schema. Mirakl
 * writes the list's size limit as `maximum` on the string ("maximum": 100, README: at most 100 ids), which
 * is read here as the number of values.
 */
export const isDescribedAsList = (description: string | undefined): boolean =>
  /comma-separated list/i.test(description ?? '');

/**
 * Array query parameters declared `explode: true` (TL02, IV01, SBC11) are also accepted comma-separated in
 * one value: the description's own default for SBC11 `pay_out_state` is "TO_PAY,FAILED,PAID", and Mirakl
 * reads either form. So every array value is split on commas, whatever `explode` says.
 */
export const ARRAYS_ALSO_COMMA_SEPARATED = true;

/**
 * Error answers. The description declares only the success status of each operation (OR11: 200; OR21: 204);
 * the error format is in the introduction partial, not shipped. README "Protocol facts": errors are
 * `{"status": <http>, "message": "<text>"}`, newer operations add a machine `code`, listed in the
 * operation's "Error Codes" table. So any 4xx/5xx is accepted with this body, `status` equal to the HTTP
 * status, and a `code` (when given) among the operation's documented codes (when it documents any).
 */
export const UNDOCUMENTED_ERROR_ANSWER = {
  type: 'object',
  required: ['status', 'message'],
  properties: {
    status: { type: 'integer', minimum: 400, maximum: 599 },
    message: { type: 'string' },
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$' },
  },
} as const;

/** The machine codes an operation lists in its "Error Codes" table (`| <code>ORDER_INVALID_STATE</code> |`). */
export function documentedErrorCodes(description: string | undefined): string[] {
  const table = /<summary>Error Codes<\/summary>([\s\S]*?)<\/details>/.exec(description ?? '')?.[1];
  return table ? [...table.matchAll(/^\|\s*<code>([A-Z0-9_]+)<\/code>\s*\|/gm)].map((m) => m[1]) : [];
}

/**
 * A PUT of an operation without a request body (OR24 ship, OR29 cancel) may carry an empty JSON object:
 * README "Protocol facts": "Some servers answer 411 to a body-less PUT: send a JSON body". Anything other
 * than `{}` is still a violation.
 */
export const EMPTY_JSON_BODY_ON_BODYLESS_PUT = true;
