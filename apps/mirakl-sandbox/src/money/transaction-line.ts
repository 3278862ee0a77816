import { fromCents } from './cents';

/** TL02 payment states the ledger uses (Mirakl also has NOT_APPLICABLE and RESERVE). */
export type PaymentState = 'PENDING' | 'PAYABLE' | 'PAID';

/** What the ledger stores per TL02 line. Amounts are integer cents; dates are sandbox-clock ms. */
export interface LedgerLine {
  /** Insertion order: the tie-breaker of every sort, and of the running balance. */
  seq: number;
  id: string;
  marketplace: string;
  type: string;
  cents: number;
  createdAt: number;
  /** The business date (debit, refund, cycle close); `transaction_date`. */
  transactionAt: number;
  /** For lines of an order: the ledger key of that order (the order decides when they become payable). */
  orderKey?: string;
  /** For lines not tied to an order: when they become payable (undefined: never by themselves). */
  ownPayableAt?: number;
  paid?: {
    at: number;
    cycleId: string;
    voucher: string;
    documentId: string;
    documentNumber: string;
  };
  /** `entities` as TL02 shows them (order, order_line, order_tax, shop_tax, refund…). */
  entities: Record<string, unknown>;
  /** An external reference for lines not tied to an order (TL02 `other_reference`). */
  otherReference?: string;
}

/** A line as read at one moment: its payment state and running balance are worked out then. */
export interface LineView {
  line: LedgerLine;
  state: PaymentState;
  /** When the line last changed (created, became payable, was paid). */
  lastUpdated: number;
  /** Running balance in cents after this line, over the marketplace's lines in creation order. */
  balanceCents: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The TL02 JSON of a line (`shop` as Mirakl's own example shows it). */
export function tl02Line(v: LineView, currency: string, shopId: string): Record<string, unknown> {
  const { line } = v;
  const amount = fromCents(line.cents);
  return {
    id: line.id,
    type: line.type,
    amount,
    amount_credited: line.cents > 0 ? amount : 0,
    amount_debited: line.cents < 0 ? fromCents(-line.cents) : 0,
    balance: fromCents(v.balanceCents),
    currency_iso_code: currency,
    date_created: iso(line.createdAt),
    last_updated: iso(v.lastUpdated),
    transaction_date: iso(line.transactionAt),
    payment_state: v.state,
    pay_out_psp_code: 'NOT_SPECIFIED',
    ...(line.paid
      ? {
          seller_billing_cycle_id: line.paid.cycleId,
          accounting_document_id: line.paid.documentId,
          accounting_document_number: line.paid.documentNumber,
          accounting_document_creation_date: iso(line.paid.at),
          payment_voucher_number: line.paid.voucher,
        }
      : {}),
    shop: { id: Number(shopId), model: 'MARKETPLACE', domains: ['PRODUCT'] },
    entities: structuredClone(line.entities),
  };
}
