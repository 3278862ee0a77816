import { randomUUID } from 'node:crypto';
import type { AccountingDocument, BillingCycle } from './billing-records';
import { percentOf, sumCents } from './cents';
import { bucketOf, cycleSummary, INVOICED_BUCKETS, isTaxType } from './cycle-summary';
import type { Posting } from './order-postings';
import type { MarketplaceBooks } from './seller-ledger';
import type { LedgerLine } from './transaction-line';

/** What closing needs from the ledger. */
export interface CloseHooks {
  /** Books lines at the close time, not tied to an order. */
  book(postings: Posting[]): LedgerLine[];
  payableAt(line: LedgerLine): number | undefined;
  nextInvoiceId(): number;
}

/**
 * Closes the cycle running on a marketplace at `at`:
 * 1. charges the subscription (SUBSCRIPTION_FEE + SUBSCRIPTION_VAT, payable at once);
 * 2. takes every unpaid line created and payable by `at`; their sum is the payout;
 * 3. when it is positive (or zero with lines to settle): marks them PAID with the cycle, voucher and document,
 *    books the PAYMENT line (minus the payout), and issues the IV01 auto-invoice of the operator's fees;
 * 4. when it is negative, pays nothing: the lines stay PAYABLE and are carried into the next cycle (the seller
 *    owes the operator; Mirakl carries a negative balance forward);
 * 5. records the SBC11 cycle, and starts the next one at `at`.
 * Invariant: `transferredCents` = Σ the cycle's lines = −PAYMENT = Σ the summary's payout buckets.
 */
export function closeCycle(books: MarketplaceBooks, at: number, hooks: CloseHooks): BillingCycle {
  const { settings } = books;
  const fee = settings.subscriptionFeeCents;
  if (fee > 0) {
    const shopTax = { shop_tax: { code: settings.shopTaxCode, rate: settings.shopTaxBasisPoints / 100 } };
    for (const line of hooks.book([
      { type: 'SUBSCRIPTION_FEE', cents: -fee },
      { type: 'SUBSCRIPTION_VAT', cents: -percentOf(fee, settings.shopTaxBasisPoints), entities: shopTax },
    ]))
      line.ownPayableAt = at;
  }
  const unpaid = books.lines.filter((l) => !l.paid && l.type !== 'PAYMENT' && l.createdAt <= at);
  const payable = unpaid.filter((l) => {
    const t = hooks.payableAt(l);
    return t !== undefined && t <= at;
  });
  const total = sumCents(payable.map((l) => l.cents));
  const settles = payable.length > 0 && total >= 0;
  const paid = settles ? payable : [];
  const paidSet = new Set(paid);
  const pending = unpaid.filter((l) => !paidSet.has(l) && l.orderKey !== undefined);
  const voucher = String(++books.voucherSeq).padStart(6, '0');
  const cycle: BillingCycle = {
    id: randomUUID(),
    marketplace: books.mp.code,
    startAt: books.cycleStart,
    closedAt: at,
    voucher,
    transferredCents: settles ? total : 0,
    operatorCents: 0,
    summaryCents: cycleSummary(paid, pending),
    payOut: { state: 'PAID', at },
  };
  if (settles) {
    const invoiceId = hooks.nextInvoiceId();
    const document: AccountingDocument = {
      id: randomUUID(),
      invoiceId,
      number: String(invoiceId).padStart(12, '0'),
      marketplace: books.mp.code,
      cycleId: cycle.id,
      voucher,
      createdAt: at,
      startAt: books.cycleStart,
      endAt: at,
      details: invoiceDetails(paid),
      transferredCents: total,
      operatorCents: 0,
      summaryCents: cycle.summaryCents,
    };
    document.operatorCents = sumCents(
      document.details.flatMap((d) => [d.exclCents, ...d.taxes.map((t) => t.cents)]),
    );
    cycle.operatorCents = document.operatorCents;
    cycle.documentId = document.id;
    const stamp = {
      at,
      cycleId: cycle.id,
      voucher,
      documentId: document.id,
      documentNumber: document.number,
    };
    for (const line of paid) line.paid = stamp;
    if (total > 0) {
      const reference = `${books.mp.code.toUpperCase()}-PAYOUT-${voucher}`;
      cycle.payOut.reference = reference;
      document.paymentReference = reference;
      const [payment] = hooks.book([
        {
          type: 'PAYMENT',
          cents: -total,
          entities: { transaction_info: { date: new Date(at).toISOString(), number: reference } },
        },
      ]);
      payment.paid = stamp;
    }
    books.documents.push(document);
  }
  books.cycles.push(cycle);
  books.cycleStart = at;
  return cycle;
}

/** The operator's fees among the paid lines, per bucket: amounts charged to the shop are positive. */
function invoiceDetails(paid: LedgerLine[]): AccountingDocument['details'] {
  const details: AccountingDocument['details'] = [];
  for (const [bucket, description] of Object.entries(INVOICED_BUCKETS)) {
    const lines = paid.filter((l) => bucketOf(l) === bucket);
    if (lines.length === 0) continue;
    const taxes = new Map<string, number>();
    for (const l of lines.filter((x) => isTaxType(x.type))) {
      const code =
        ((l.entities.shop_tax ?? l.entities.order_tax) as { code?: string } | undefined)?.code ?? 'TAX';
      taxes.set(code, (taxes.get(code) ?? 0) - l.cents);
    }
    details.push({
      description,
      exclCents: 0 - sumCents(lines.filter((x) => !isTaxType(x.type)).map((x) => x.cents)),
      taxes: [...taxes].map(([code, cents]) => ({ code, cents })),
    });
  }
  return details;
}
