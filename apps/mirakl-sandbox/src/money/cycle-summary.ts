import type { LedgerLine } from './transaction-line';

/**
 * The SBC11 `summary` buckets, signed from the seller's side as Mirakl shows them (commissions negative,
 * refunded commissions positive). Each line type falls in exactly one bucket, so the payout buckets add up
 * to the cycle's payout to the cent: `amount_transferred_to_seller = Σ PAYOUT_BUCKETS (incl. tax)`.
 */
const BUCKET_OF: Readonly<Record<string, string>> = {
  ORDER_AMOUNT: 'payable_orders',
  ORDER_AMOUNT_TAX: 'payable_orders',
  ORDER_SHIPPING_AMOUNT: 'payable_orders',
  ORDER_SHIPPING_AMOUNT_TAX: 'payable_orders',
  REFUND_ORDER_AMOUNT: 'refund_payable_orders',
  REFUND_ORDER_AMOUNT_TAX: 'refund_payable_orders',
  REFUND_ORDER_SHIPPING_AMOUNT: 'refund_payable_orders',
  REFUND_ORDER_SHIPPING_AMOUNT_TAX: 'refund_payable_orders',
  COMMISSION_FEE: 'commissions',
  COMMISSION_VAT: 'commissions',
  REFUND_COMMISSION_FEE: 'refund_commissions',
  REFUND_COMMISSION_VAT: 'refund_commissions',
  SUBSCRIPTION_FEE: 'subscription',
  SUBSCRIPTION_VAT: 'subscription',
  ORDER_FEE_AMOUNT: 'fee',
  REFUND_ORDER_FEE_AMOUNT: 'refund_fee',
  SELLER_FEE_ON_ORDER: 'seller_fees_on_orders',
  SELLER_FEE_ON_ORDER_TAX: 'seller_fees_on_orders',
  SELLER_PENALTY_FEE: 'seller_penalty_fees',
  SELLER_PENALTY_FEE_TAX: 'seller_penalty_fees',
  MANUAL_CREDIT: 'other_credits',
  MANUAL_CREDIT_VAT: 'other_credits',
  INVOICEABLE_ONE_OFF_CREDIT: 'other_credits',
  INVOICEABLE_ONE_OFF_CREDIT_TAX: 'other_credits',
  MANUAL_INVOICE: 'other_invoices',
  MANUAL_INVOICE_VAT: 'other_invoices',
  INVOICEABLE_ONE_OFF_DEBIT: 'other_invoices',
  INVOICEABLE_ONE_OFF_DEBIT_TAX: 'other_invoices',
};

/** The buckets whose incl.-tax totals add up to the payout. */
export const PAYOUT_BUCKETS = [
  'payable_orders',
  'refund_payable_orders',
  'commissions',
  'refund_commissions',
  'subscription',
  'fee',
  'refund_fee',
  'seller_fees_on_orders',
  'seller_penalty_fees',
  'other_credits',
  'other_invoices',
] as const;

/** What the operator invoices the shop for (IV01 AUTO_INVOICE details), with their descriptions. */
export const INVOICED_BUCKETS: Readonly<Record<string, string>> = {
  commissions: 'Commissions of completed orders',
  refund_commissions: 'Commissions refunded on orders',
  subscription: 'Subscription',
  seller_fees_on_orders: 'Seller fees on orders',
  seller_penalty_fees: 'Seller penalty fees',
};

/** Types Mirakl's summary has no bucket for (new or operator-specific ones) count as other credits or invoices. */
export const bucketOf = (line: Pick<LedgerLine, 'type' | 'cents'>): string =>
  BUCKET_OF[line.type] ?? (line.cents >= 0 ? 'other_credits' : 'other_invoices');

export const isTaxType = (type: string): boolean => /_(TAX|VAT)$/.test(type);

/** Always-zero buckets: models the sandbox does not play (operator-remitted taxes, operator-paid shipping). */
const ZERO_FIELDS = [
  'total_fee_operator_remitted_excl_tax',
  'total_fee_operator_remitted_incl_tax',
  'total_operator_paid_shipping_charges_excl_tax',
  'total_operator_paid_shipping_charges_incl_tax',
  'total_operator_remitted_taxes',
  'total_refund_fee_operator_remitted_excl_tax',
  'total_refund_fee_operator_remitted_incl_tax',
  'total_refund_operator_paid_shipping_charges_excl_tax',
  'total_refund_operator_paid_shipping_charges_incl_tax',
  'total_refund_operator_remitted_taxes',
];

/**
 * The summary in cents: `paid` are the lines paid in the cycle; `pending` the order lines still waiting
 * (shown as non-payable, outside the payout).
 */
export function cycleSummary(paid: LedgerLine[], pending: LedgerLine[]): Record<string, number> {
  const out: Record<string, number> = Object.fromEntries(ZERO_FIELDS.map((f) => [f, 0]));
  const add = (bucket: string, line: LedgerLine) => {
    out[`total_${bucket}_incl_tax`] = (out[`total_${bucket}_incl_tax`] ?? 0) + line.cents;
    out[`total_${bucket}_excl_tax`] =
      (out[`total_${bucket}_excl_tax`] ?? 0) + (isTaxType(line.type) ? 0 : line.cents);
  };
  for (const b of PAYOUT_BUCKETS) {
    out[`total_${b}_incl_tax`] = 0;
    out[`total_${b}_excl_tax`] = 0;
  }
  for (const b of ['refund_orders', 'non_payable_orders', 'refund_non_payable_orders']) {
    out[`total_${b}_incl_tax`] = 0;
    out[`total_${b}_excl_tax`] = 0;
  }
  for (const line of paid) {
    if (line.type === 'PAYMENT') continue;
    const bucket = bucketOf(line);
    add(bucket, line);
    if (bucket === 'refund_payable_orders') add('refund_orders', line);
  }
  for (const line of pending) {
    const bucket = BUCKET_OF[line.type];
    if (bucket === 'payable_orders') add('non_payable_orders', line);
    if (bucket === 'refund_payable_orders') add('refund_non_payable_orders', line);
  }
  return out;
}
