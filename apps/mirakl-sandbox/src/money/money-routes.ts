import {
  dateParam,
  multiParam as multi,
  offsetPage,
  type AdminRoute,
  type SandboxRoute,
} from '../http/route';
import { SandboxRefusal } from '../orders/order-book';
import { iv01Document, sbc11Cycle } from './billing-records';
import { fromCents, toCents } from './cents';
import { seekPage } from './seek-page';
import type { SellerLedger } from './seller-ledger';
import { tl02Line, type LineView } from './transaction-line';

const PAYMENT_STATES = ['PENDING', 'PAYABLE', 'PAID', 'NOT_APPLICABLE', 'RESERVE'];
const SHOP_MODELS = ['MARKETPLACE', 'DROPSHIP', 'ONE_CREDITOR'];
const PSP_CODES = ['NOT_SPECIFIED', 'MANGOPAY', 'MIRAKL_PAYOUT', 'OPERATOR'];
const PAY_OUT_STATES = ['TO_PAY', 'PAID', 'FAILED'];
const DOCUMENT_TYPES = ['ALL', 'AUTO_INVOICE', 'MANUAL_INVOICE', 'MANUAL_CREDIT'];

const oneOf = (values: string[]) => (v: string) => values.includes(v);
const isCycleId = (v: string) => v.length === 36;
const isCurrency = (v: string) => /^[A-Z]{3}$/.test(v);
const within = (t: number, from?: number, to?: number) =>
  (from === undefined || t >= from) && (to === undefined || t <= to);
const has = (set: Set<string> | undefined, v: unknown) => !set || (typeof v === 'string' && set.has(v));

/** TL02's filters, as a predicate on lines. */
function transactionFilter(f: URLSearchParams): (v: LineView) => boolean {
  const cycles = multi(f, 'seller_billing_cycle_id', isCycleId);
  const [createdFrom, createdTo] = [dateParam(f, 'date_created_from'), dateParam(f, 'date_created_to')];
  const [txFrom, txTo] = [dateParam(f, 'transaction_date_from'), dateParam(f, 'transaction_date_to')];
  const updatedFrom = dateParam(f, 'last_updated_from');
  const states = multi(f, 'payment_state', oneOf(PAYMENT_STATES));
  const types = multi(f, 'transaction_type', (v) => /^[A-Z][A-Z0-9_]*$/.test(v));
  const documentNumber = f.get('accounting_document_number');
  const documentId = f.get('accounting_document_id');
  const orders = multi(f, 'order_id');
  const orderLines = multi(f, 'order_line_id');
  const customerRefs = multi(f, 'order_reference_for_customer');
  const sellerRefs = multi(f, 'order_reference_for_seller');
  const shopModels = multi(f, 'shop_model', oneOf(SHOP_MODELS));
  const psps = multi(f, 'pay_out_psp_codes', oneOf(PSP_CODES));
  const otherRefs = multi(f, 'other_reference');
  return ({ line, state, lastUpdated }) => {
    const order = line.entities.order as
      | {
          id?: string;
          references?: { order_reference_for_customer?: string; order_reference_for_seller?: string };
        }
      | undefined;
    return (
      has(cycles, line.paid?.cycleId) &&
      within(line.createdAt, createdFrom, createdTo) &&
      within(line.transactionAt, txFrom, txTo) &&
      within(lastUpdated, updatedFrom) &&
      has(states, state) &&
      has(types, line.type) &&
      (documentNumber === null || line.paid?.documentNumber === documentNumber) &&
      (documentId === null || line.paid?.documentId === documentId) &&
      has(orders, order?.id) &&
      has(orderLines, (line.entities.order_line as { id?: string } | undefined)?.id) &&
      has(customerRefs, order?.references?.order_reference_for_customer) &&
      has(sellerRefs, order?.references?.order_reference_for_seller) &&
      has(shopModels, 'MARKETPLACE') &&
      has(psps, 'NOT_SPECIFIED') &&
      has(otherRefs, line.otherReference)
    );
  };
}

/** A non-negative integer paging parameter (`max`, `offset`), else Mirakl's 400. */
function checkPaging(q: URLSearchParams): void {
  for (const name of ['max', 'offset']) {
    const v = q.get(name);
    if (v !== null && !/^\d{1,9}$/.test(v))
      throw new SandboxRefusal(
        400,
        `Invalid value for parameter ${name}: ${v} (a non-negative integer is expected)`,
      );
  }
}

/** TL02 (transaction lines, seek), IV01 (accounting documents, offset), SBC11 (billing cycles, seek). */
export function moneyRoutes(ledger: SellerLedger): SandboxRoute[] {
  return [
    {
      operation: 'TL02',
      method: 'GET',
      path: /^\/api\/sellerpayment\/transactions_logs$/,
      handle: ({ mp, url }) => {
        const views = ledger.lines(mp.code);
        const page = seekPage(
          url,
          {
            sorts: {
              dateCreated: { desc: true, key: (v: LineView) => v.line.createdAt },
              lastUpdated: { desc: true, key: (v: LineView) => v.lastUpdated },
            },
            defaultSort: 'dateCreated',
            defaultLimit: 10,
            maxLimit: 2000,
            seq: (v) => v.line.seq,
          },
          (filters) => views.filter(transactionFilter(filters)),
        );
        return {
          status: 200,
          body: { ...page, data: page.data.map((v) => tl02Line(v, mp.currency, mp.shopId)) },
        };
      },
    },
    {
      operation: 'IV01',
      method: 'GET',
      path: /^\/api\/invoices$/,
      handle: ({ mp, url, base }) => {
        const q = url.searchParams;
        checkPaging(q);
        const type = q.get('type') ?? 'AUTO_INVOICE';
        if (!DOCUMENT_TYPES.includes(type))
          throw new SandboxRefusal(400, `Invalid value for parameter type: ${type}`);
        const currency = q.get('currency');
        if (currency !== null && !isCurrency(currency))
          throw new SandboxRefusal(400, `Invalid value for parameter currency: ${currency}`);
        const paymentStatus = q.get('payment_status');
        if (paymentStatus !== null && !['PENDING', 'PAID', 'FAILED'].includes(paymentStatus))
          throw new SandboxRefusal(400, `Invalid value for parameter payment_status: ${paymentStatus}`);
        const [from, to] = [dateParam(q, 'start_date'), dateParam(q, 'end_date')];
        const ids = multi(q, 'invoice_id', (v) => /^\d{1,18}$/.test(v));
        const cycles = multi(q, 'seller_billing_cycle_id', isCycleId);
        const users = multi(q, 'issuing_user_types', oneOf(['OPERATOR', 'BATCH', 'PARTNER']));
        const psps = multi(q, 'pay_out_psp_codes', oneOf(PSP_CODES));
        const sort = q.get('sort') ?? 'dateCreated';
        if (sort !== 'dateCreated')
          throw new SandboxRefusal(400, `Invalid sort field: ${sort} (dateCreated)`);
        const order = (q.get('order') ?? 'asc').toLowerCase();
        if (order !== 'asc' && order !== 'desc')
          throw new SandboxRefusal(400, `Invalid sort order: ${order}`);
        const docs = ledger
          .documents(mp.code)
          .filter(
            (d) =>
              (type === 'ALL' || type === 'AUTO_INVOICE') &&
              (currency === null || currency === mp.currency) &&
              (paymentStatus === null || paymentStatus === 'PAID') &&
              within(d.createdAt, from, to) &&
              has(ids, String(d.invoiceId)) &&
              has(cycles, d.cycleId) &&
              has(users, 'BATCH') &&
              has(psps, 'NOT_SPECIFIED'),
          );
        if (order === 'desc') docs.reverse();
        const { page, total_count, headers } = offsetPage(docs, url, base);
        return {
          status: 200,
          body: { invoices: page.map((d) => iv01Document(d, mp)), total_count },
          headers,
        };
      },
    },
    {
      operation: 'SBC11',
      method: 'GET',
      path: /^\/api\/seller-billing-cycles$/,
      handle: ({ mp, url }) => {
        const cycles = ledger.cycles(mp.code);
        const page = seekPage(
          url,
          {
            sorts: { dateCreated: { desc: false, key: (c: (typeof cycles)[number]) => c.closedAt } },
            defaultSort: 'dateCreated',
            defaultLimit: 10,
            maxLimit: 1000,
            seq: (c) => cycles.indexOf(c),
          },
          (f) => {
            const currencies = multi(f, 'currency', isCurrency);
            const [from, to] = [dateParam(f, 'start_date'), dateParam(f, 'end_date')];
            const ids = multi(f, 'id', isCycleId);
            const psps = multi(f, 'pay_out_psp_code', oneOf(PSP_CODES));
            const states = multi(f, 'pay_out_state', oneOf(PAY_OUT_STATES));
            return cycles.filter(
              (c) =>
                has(currencies, mp.currency) &&
                within(c.closedAt, from, to) &&
                has(ids, c.id) &&
                has(psps, 'NOT_SPECIFIED') &&
                has(states, c.payOut.state),
            );
          },
        );
        return { status: 200, body: { ...page, data: page.data.map((c) => sbc11Cycle(c, mp)) } };
      },
    },
  ];
}

/** Admin: close the running cycle now, book an operator line (any type), read the books' truth. */
export function moneyAdminRoutes(ledger: SellerLedger): AdminRoute[] {
  return [
    {
      method: 'POST',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/billing-cycles\/close$/,
      handle: ({ params }) => {
        const cycle = ledger.closeCycleNow(params.mp);
        return { status: 201, body: sbc11Cycle(cycle, ledger.booksOf(params.mp).mp) };
      },
    },
    {
      method: 'POST',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/transactions$/,
      handle: ({ json, params }) => {
        for (const name of ['type', 'order_id', 'reference', 'description'])
          if (json[name] !== undefined && typeof json[name] !== 'string')
            throw new RangeError(`${name} must be a string`);
        if (typeof json.type !== 'string') throw new RangeError('type (a string) is required');
        const line = ledger.addLine(params.mp, {
          type: json.type,
          cents: toCents(json.amount),
          orderId: json.order_id as string | undefined,
          reference: json.reference as string | undefined,
          description: json.description as string | undefined,
        });
        const { mp } = ledger.booksOf(params.mp);
        const view = ledger.lines(params.mp).find((v) => v.line === line)!;
        return { status: 201, body: tl02Line(view, mp.currency, mp.shopId) };
      },
    },
    {
      method: 'GET',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/ledger$/,
      handle: ({ params }) => {
        const views = ledger.lines(params.mp);
        const { mp, settings } = ledger.booksOf(params.mp);
        const byState: Record<string, number> = { PENDING: 0, PAYABLE: 0, PAID: 0 };
        for (const v of views) byState[v.state] += v.line.cents;
        return {
          status: 200,
          body: {
            marketplace: mp.code,
            currency: mp.currency,
            settings,
            next_cycle_close: new Date(ledger.nextCloseAt(mp.code)).toISOString(),
            line_count: views.length,
            balance: fromCents(views.at(-1)?.balanceCents ?? 0),
            by_payment_state: Object.fromEntries(Object.entries(byState).map(([k, v]) => [k, fromCents(v)])),
            cycles: ledger.cycles(mp.code).map((c) => sbc11Cycle(c, mp)),
            documents: ledger.documents(mp.code).map((d) => iv01Document(d, mp)),
          },
        };
      },
    },
  ];
}
