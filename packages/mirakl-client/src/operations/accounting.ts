import type { MiraklResponse, MiraklTransport, QueryValue } from '../http/transport';
import { chunkIds } from '../paging/ids';
import { offsetPaged, seekPaged } from '../paging/paging';
import type {
  ListAccountingDocumentsFilter,
  ListBillingCyclesFilter,
  ListTransactionLinesFilter,
  MiraklAccountingDocument,
  MiraklBillingCycle,
  MiraklTransactionLine,
} from './accounting-types';

/** TL02's largest page (Mirakl answers 400 above it). */
export const TL02_MAX_LIMIT = 2000;
/** SBC11's largest page. */
export const SBC11_MAX_LIMIT = 1000;
/** IV01 pages like OR11: at most 100. */
export const IV01_MAX_PAGE = 100;

interface SeekBody<T> {
  data?: T[] | null;
  next_page_token?: string | null;
}

/**
 * A Mirakl amount (a JSON number with at most 2 decimals, or such a string) as integer cents, exactly:
 * `amountToCents(19.99)` is 1999. Sum money in cents; a value with more decimals or not a number throws.
 */
export function amountToCents(amount: number | string | null | undefined): number {
  const n = typeof amount === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(amount) ? Number(amount) : amount;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new RangeError(`not an amount: ${String(amount)}`);
  const cents = Math.round(n * 100);
  if (Math.abs(n * 100 - cents) > 1e-6) throw new RangeError(`more than 2 decimals: ${String(amount)}`);
  return cents === 0 ? 0 : cents;
}

/**
 * TL02: every transaction line matching the filter, through every seek page (`page_token` until no
 * `next_page_token`). Id lists longer than 100 go in several calls (a line matches exactly one chunk, so
 * none comes twice); lines are in Mirakl's order within each call, not across calls.
 */
export async function* listTransactionLines(
  transport: MiraklTransport,
  filter: ListTransactionLinesFilter = {},
  pageSize = TL02_MAX_LIMIT,
): AsyncGenerator<MiraklTransactionLine, void> {
  checkPageSize(pageSize, TL02_MAX_LIMIT, 'TL02');
  const call = continuing(transport);
  for (const ids of idChunks({
    seller_billing_cycle_id: filter.sellerBillingCycleIds,
    order_id: filter.orderIds,
    order_line_id: filter.orderLineIds,
    order_reference_for_customer: filter.orderReferencesForCustomer,
    order_reference_for_seller: filter.orderReferencesForSeller,
    other_reference: filter.otherReferences,
  })) {
    const query: Record<string, QueryValue> = {
      ...ids,
      date_created_from: filter.dateCreatedFrom,
      date_created_to: filter.dateCreatedTo,
      transaction_date_from: filter.transactionDateFrom,
      transaction_date_to: filter.transactionDateTo,
      last_updated_from: filter.lastUpdatedFrom,
      payment_state: filter.paymentStates,
      transaction_type: filter.transactionTypes,
      accounting_document_number: filter.accountingDocumentNumber,
      accounting_document_id: filter.accountingDocumentId,
      shop_model: filter.shopModels,
      pay_out_psp_codes: filter.payOutPspCodes,
      sort: filter.sort ? `${filter.sort.field},${filter.sort.direction ?? 'desc'}` : undefined,
      limit: pageSize,
    };
    yield* seekPaged<SeekBody<MiraklTransactionLine>, MiraklTransactionLine>(
      ({ pageToken }) =>
        call('TL02', '/api/sellerpayment/transactions_logs', { ...query, page_token: pageToken }),
      (body) => body?.data,
    );
  }
}

/** IV01: every accounting document matching the filter, all offset pages; more than 100 ids in several calls. */
export async function* listAccountingDocuments(
  transport: MiraklTransport,
  filter: ListAccountingDocumentsFilter = {},
  pageSize = IV01_MAX_PAGE,
): AsyncGenerator<MiraklAccountingDocument, void> {
  checkPageSize(pageSize, IV01_MAX_PAGE, 'IV01');
  const call = continuing(transport);
  for (const ids of idChunks({
    invoice_id: filter.invoiceIds?.map(String),
    seller_billing_cycle_id: filter.sellerBillingCycleIds,
  })) {
    const query: Record<string, QueryValue> = {
      ...ids,
      type: filter.type,
      currency: filter.currency,
      start_date: filter.startDate,
      end_date: filter.endDate,
      issuing_user_types: filter.issuingUserTypes,
      payment_status: filter.paymentStatus,
      pay_out_psp_codes: filter.payOutPspCodes,
    };
    yield* offsetPaged<
      { invoices?: MiraklAccountingDocument[] | null; total_count?: number },
      MiraklAccountingDocument
    >(
      ({ offset, max, url }) => call('IV01', url ?? '/api/invoices', url ? {} : { ...query, offset, max }),
      (body) => body?.invoices,
      pageSize,
    );
  }
}

/** SBC11: every billing cycle matching the filter, through every seek page. */
export async function* listBillingCycles(
  transport: MiraklTransport,
  filter: ListBillingCyclesFilter = {},
  pageSize = SBC11_MAX_LIMIT,
): AsyncGenerator<MiraklBillingCycle, void> {
  checkPageSize(pageSize, SBC11_MAX_LIMIT, 'SBC11');
  const call = continuing(transport);
  for (const ids of idChunks({ id: filter.ids })) {
    const query: Record<string, QueryValue> = {
      ...ids,
      currency: filter.currencies,
      start_date: filter.startDate,
      end_date: filter.endDate,
      pay_out_state: filter.payOutStates,
      pay_out_psp_code: filter.payOutPspCodes,
      limit: pageSize,
    };
    yield* seekPaged<SeekBody<MiraklBillingCycle>, MiraklBillingCycle>(
      ({ pageToken }) => call('SBC11', '/api/seller-billing-cycles', { ...query, page_token: pageToken }),
      (body) => body?.data,
    );
  }
}

/** GET calls of one listing: the first counts against the operation's frequency, the rest are its pages. */
function continuing(transport: MiraklTransport) {
  let counted = false;
  return <B>(
    operation: string,
    path: string,
    query: Record<string, QueryValue>,
  ): Promise<MiraklResponse<B>> => {
    const continuation = counted;
    counted = true;
    return transport.call<B>({ operation, method: 'GET', path, query, continuation });
  };
}

/**
 * Every combination of ≤100-id chunks of the given lists (a list left out is not sent). An empty list
 * matches nothing, so it gives no call at all.
 */
function* idChunks(lists: Record<string, string[] | undefined>): Generator<Record<string, string[]>> {
  const entries = Object.entries(lists).filter((e): e is [string, string[]] => e[1] !== undefined);
  function* walk(i: number, acc: Record<string, string[]>): Generator<Record<string, string[]>> {
    if (i === entries.length) return yield { ...acc };
    const [name, ids] = entries[i];
    for (const chunk of chunkIds(ids)) yield* walk(i + 1, { ...acc, [name]: chunk });
  }
  yield* walk(0, {});
}

function checkPageSize(size: number, max: number, operation: string): void {
  if (!Number.isInteger(size) || size < 1 || size > max)
    throw new RangeError(`${operation} page size must be an integer from 1 to ${max}, got ${size}`);
}
