import type { MarketplaceSettings } from '../marketplace';
import { fromCents } from './cents';

/** A closed billing cycle (SBC11). Amounts in cents. */
export interface BillingCycle {
  id: string;
  marketplace: string;
  startAt: number;
  closedAt: number;
  voucher: string;
  /** Paid to the seller: the sum of the cycle's lines, and minus the PAYMENT line. */
  transferredCents: number;
  /** Kept by the operator: its fees of the cycle (the IV01 auto-invoice total, taxes included). */
  operatorCents: number;
  summaryCents: Record<string, number>;
  /** `reference` is absent when there was nothing to transfer. */
  payOut: { state: 'TO_PAY' | 'PAID' | 'FAILED'; reference?: string; at?: number };
  documentId?: string;
}

/** The operator's auto-invoice of a cycle (IV01). Amounts in cents, positive when charged to the shop. */
export interface AccountingDocument {
  id: string;
  invoiceId: number;
  /** `accounting_document_number` on the cycle's TL02 lines. */
  number: string;
  marketplace: string;
  cycleId: string;
  voucher: string;
  createdAt: number;
  startAt: number;
  endAt: number;
  details: { description: string; exclCents: number; taxes: { code: string; cents: number }[] }[];
  paymentReference?: string;
  transferredCents: number;
  operatorCents: number;
  summaryCents: Record<string, number>;
}

const iso = (ms: number) => new Date(ms).toISOString();
const money = (cents: Record<string, number>) =>
  Object.fromEntries(Object.entries(cents).map(([k, v]) => [k, fromCents(v)]));

/** SBC11's JSON for a cycle. */
export function sbc11Cycle(c: BillingCycle, mp: MarketplaceSettings): Record<string, unknown> {
  return {
    id: c.id,
    date_created: iso(c.closedAt),
    currency_iso_code: mp.currency,
    amount_transferred_to_seller: fromCents(c.transferredCents),
    amount_transferred_to_operator: fromCents(c.operatorCents),
    pay_out: {
      state: c.payOut.state,
      ...(c.payOut.reference ? { reference: c.payOut.reference } : {}),
      ...(c.payOut.at !== undefined ? { transaction_date: iso(c.payOut.at) } : {}),
    },
    pay_out_psp_code: 'NOT_SPECIFIED',
    payment_voucher_number: c.voucher,
    shop: { shop_id: Number(mp.shopId), shop_name: mp.code, shop_model: 'MARKETPLACE' },
    summary: money(c.summaryCents),
  };
}

/** IV01's JSON for a document. */
export function iv01Document(d: AccountingDocument, mp: MarketplaceSettings): Record<string, unknown> {
  const taxTotals = new Map<string, number>();
  for (const t of d.details.flatMap((x) => x.taxes))
    taxTotals.set(t.code, (taxTotals.get(t.code) ?? 0) + t.cents);
  const excl = d.details.reduce((s, x) => s + x.exclCents, 0);
  const taxes = [...taxTotals.values()].reduce((s, x) => s + x, 0);
  return {
    id: d.id,
    invoice_id: d.invoiceId,
    type: 'AUTO_INVOICE',
    state: 'COMPLETE',
    currency_iso_code: mp.currency,
    date_created: iso(d.createdAt),
    issue_date: iso(d.createdAt),
    due_date: iso(d.createdAt),
    start_time: iso(d.startAt),
    end_time: iso(d.endAt),
    issuing_user: { type: 'BATCH', information: 'Automatic action' },
    pay_out_psp_code: 'NOT_SPECIFIED',
    // The operator's fees are taken from the payout, so the document is settled when the cycle pays out.
    payment: {
      state: 'PAID',
      reference: d.paymentReference ?? null,
      transaction_date: iso(d.createdAt),
    },
    seller_billing_cycle_id: d.cycleId,
    payment_voucher_number: d.voucher,
    shop_id: Number(mp.shopId),
    shop_name: mp.code,
    shop_model: 'MARKETPLACE',
    details: d.details.map((x) => ({
      description: `${x.description} from ${day(d.startAt)} to ${day(d.endAt)}`,
      quantity: 1,
      amount_excl_taxes: fromCents(x.exclCents),
      taxes: x.taxes.map((t) => ({ code: t.code, amount: fromCents(t.cents) })),
    })),
    total_amount_excl_taxes: fromCents(excl),
    total_amount_incl_taxes: fromCents(excl + taxes),
    total_charged_amount: fromCents(excl + taxes),
    total_taxes: [...taxTotals].map(([code, cents]) => ({ code, amount: fromCents(cents) })),
    summary: {
      ...money(d.summaryCents),
      amount_transferred: fromCents(d.transferredCents),
      amount_transferred_to_operator: fromCents(d.operatorCents),
    },
  };
}

/** dd/mm/yyyy, as Mirakl's invoice detail descriptions write dates. */
const day = (ms: number) => {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(d.getUTCDate())}/${two(d.getUTCMonth() + 1)}/${d.getUTCFullYear()}`;
};
