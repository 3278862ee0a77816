import { ContractContext, type ContractScenario } from './contract/contract-scenario';
import { loadMiraklOpenApi, locateMiraklOpenApi } from './contract/openapi-description';
import { OpenApiValidator } from './contract/openapi-validator';
import { orderScenarios } from './contract/order-scenarios';
import { shippingScenarios } from './contract/shipping-scenarios';
import { catalogueScenarios } from './contract/catalogue-scenarios';
import { aftercareScenarios } from './contract/aftercare-scenarios';
import { moneyScenarios } from './contract/money-scenarios';
import { shipmentScenarios } from './contract/shipment-scenarios';

/**
 * The contract table: one row per operation the client implements. To cover a new operation, write a
 * `contractScenario({...})` beside the others (or in a file of its area) and add it here.
 */
const CONTRACT_TABLE: ContractScenario[] = [
  ...orderScenarios,
  ...aftercareScenarios,
  ...shippingScenarios,
  ...catalogueScenarios,
  ...moneyScenarios,
  ...shipmentScenarios,
];

const description = locateMiraklOpenApi();

/** Violations once each, with how often they occurred (the same field fails in every order of a page). */
function grouped(violations: string[], limit = 40): string[] {
  const counts = new Map<string, { example: string; n: number }>();
  for (const v of violations) {
    const key = v.replace(/\?[^:]*:/, ':').replace(/\/\d+(?=\/|:)/g, '/*');
    const seen = counts.get(key);
    counts.set(key, { example: seen?.example ?? v, n: (seen?.n ?? 0) + 1 });
  }
  const lines = [...counts.values()].map(({ example, n }) => (n > 1 ? `${example}  (×${n})` : example));
  return lines.length > limit ? [...lines.slice(0, limit), `… and ${lines.length - limit} more`] : lines;
}

/**
 * Every request the client sends and every answer the sandbox gives, in real scenarios, against Mirakl's own
 * OpenAPI description. Neither side is changed for the test: a recording proxy sits between them.
 */
describe("Mirakl's OpenAPI description: client requests and sandbox answers", () => {
  if (!description.found) {
    it.skip(`NOT RUN: Mirakl's OpenAPI description is absent (looked in ${description.lookedIn.join(
      ', ',
    )}; set MIRAKL_OPENAPI_PATH)`, () => undefined);
    return;
  }

  let validator: OpenApiValidator;
  let ctx: ContractContext;
  /** Per operation: exchanges checked, and the violations found, over every row run so far. */
  const checked = new Map<string, { exchanges: number; violations: number }>();
  /** Operation codes the client reported through its `observe` hook. */
  const used = new Set<string>();

  beforeAll(() => {
    validator = new OpenApiValidator(loadMiraklOpenApi(description.path));
  });
  beforeEach(async () => {
    ctx = new ContractContext();
    await ctx.start();
  });
  afterEach(() => ctx.stop());

  it('has exactly one row per operation, each an operation of the description', () => {
    const ops = CONTRACT_TABLE.map((r) => r.operation);
    expect(ops.filter((op, i) => ops.indexOf(op) !== i)).toEqual([]);
    const unknown = CONTRACT_TABLE.filter(
      (r) =>
        !Object.values(loadMiraklOpenApi(description.path).paths).some((item) =>
          Object.values(item).some((op) => (op as { operationId?: string })?.operationId === r.operation),
        ),
    );
    expect(unknown.map((r) => r.operation)).toEqual([]);
  });

  for (const row of CONTRACT_TABLE) {
    it(`${row.operation}: ${row.covers}`, async () => {
      await row.run(ctx);
      const reports = ctx.proxy.exchanges.map((x) => validator.validate(x));
      for (const { operation } of ctx.observed) used.add(operation);
      reports.forEach((r) => {
        const tally = checked.get(r.operation ?? '?') ?? { exchanges: 0, violations: 0 };
        checked.set(r.operation ?? '?', {
          exchanges: tally.exchanges + 1,
          violations: tally.violations + r.violations.length,
        });
      });

      if (!reports.some((r) => r.operation === row.operation))
        throw new Error(`the ${row.operation} scenario sent no ${row.operation} request`);
      // The client's own operation label for each call must be the description's operation for its path.
      expect(ctx.observed.map((o) => o.operation)).toEqual(reports.map((r) => r.operation));
      const violations = reports.flatMap((r) => r.violations);
      if (violations.length > 0)
        throw new Error(
          `${violations.length} violation(s) of Mirakl's OpenAPI description in ${reports.length} exchanges:\n  ${grouped(violations).join('\n  ')}`,
        );
    });
  }

  it('covers every operation the client used: each has a row and its exchanges validated', () => {
    const rows = new Set(CONTRACT_TABLE.map((r) => r.operation));
    const problems = [...used].sort().flatMap((op) => {
      const tally = checked.get(op);
      if (!rows.has(op)) return [`${op}: the client used it but the contract table has no row for it`];
      if (!tally) return [`${op}: no exchange of it was checked (did its row run?)`];
      if (tally.violations > 0)
        return [`${op}: ${tally.violations} violation(s) in ${tally.exchanges} exchanges`];
      return [];
    });
    expect(used.size).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  });
});
