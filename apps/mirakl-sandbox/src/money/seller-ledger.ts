import { randomUUID } from 'node:crypto';
import type { MarketplaceSettings } from '../marketplace';
import type { OrderEvent } from '../orders/order-book';
import type { SandboxClock } from '../sandbox-clock';
import type { AccountingDocument, BillingCycle } from './billing-records';
import { closeCycle } from './cycle-close';
import { moneySettings, type MoneySettings, type SellerLedgerOptions } from './ledger-settings';
import {
  cancelationPostings,
  debitPostings,
  REFUND_TYPE_OF,
  refundPostings,
  type Posting,
} from './order-postings';
import type { LedgerLine, LineView } from './transaction-line';

/** States in which the customer has been debited. */
const DEBITED = new Set(['SHIPPING', 'SHIPPED', 'TO_COLLECT', 'RECEIVED', 'CLOSED']);

/** The ledger's memory of one order. */
interface BookedOrder {
  marketplace: string;
  orderNode: Record<string, unknown>;
  shippedAt?: number;
  receivedAt?: number;
  /** Set when a cancellation reversed the order: its lines net to zero and are settled at once. */
  canceledAt?: number;
  /** Refund and cancellation ids already booked: an event seen twice is booked once. */
  seen: Set<string>;
}

/** One marketplace's books. */
export interface MarketplaceBooks {
  mp: MarketplaceSettings;
  settings: MoneySettings;
  /** Start of the cycle now running. */
  cycleStart: number;
  lines: LedgerLine[];
  cycles: BillingCycle[];
  documents: AccountingDocument[];
  voucherSeq: number;
}

/** An operator-booked line (admin API): any type, even one the client has never heard of. */
export interface CustomLineInput {
  type: string;
  cents: number;
  /** Tie the line to a booked order: it becomes payable with the order. Else it is payable at once. */
  orderId?: string;
  reference?: string;
  description?: string;
}

/**
 * The seller's account on each marketplace, behind TL02, IV01 and SBC11. Fed by the order book's events:
 * the debit of the customer (order reaches SHIPPING) books the order amounts, shipping, taxes, commission
 * and its VAT, all PENDING; they become PAYABLE once the order is received (or shipped, per marketplace
 * setting `payableOn`), or cancelled (then they net to zero); refunds (OR28) and cancellations after the
 * debit (OR29/OR30) book their reversals, payable with the order. A billing cycle closes on the sandbox clock
 * (or on demand): it charges the subscription, pays out every line payable by then (a PAYMENT line for
 * their sum), marks them PAID, and issues the IV01 auto-invoice and the SBC11 cycle. Lines not yet payable
 * wait for a later cycle. All amounts are integer cents.
 */
export class SellerLedger {
  private readonly books = new Map<string, MarketplaceBooks>();
  private readonly orders = new Map<string, BookedOrder>();
  private seq = 0;
  private invoiceSeq = 0;

  constructor(
    private readonly clock: SandboxClock,
    marketplaces: Map<string, MarketplaceSettings>,
    private readonly options: SellerLedgerOptions = {},
  ) {
    for (const code of Object.keys(options.marketplaces ?? {}))
      if (!marketplaces.has(code)) throw new RangeError(`money settings for unknown marketplace ${code}`);
    const now = clock.now();
    for (const mp of marketplaces.values()) {
      const settings = moneySettings(options, mp.code);
      this.books.set(mp.code, {
        mp,
        settings,
        cycleStart: now,
        lines: [],
        cycles: [],
        documents: [],
        voucherSeq: 0,
      });
    }
  }

  /** Books what an order event means for the seller's account (the order book's `onEvent` listener). */
  record(e: OrderEvent): void {
    const books = this.booksOf(e.marketplace);
    const key = `${e.marketplace}/${e.orderId}`;
    let order = this.orders.get(key);
    if (!order && (e.kind !== 'state' || DEBITED.has(e.to))) {
      order = { marketplace: e.marketplace, orderNode: orderNode(e.order), seen: new Set() };
      this.orders.set(key, order);
      this.book(books, debitPostings(e.order, books.settings), e.at, key);
    }
    if (!order) return;
    if (e.kind === 'refund') {
      for (const r of e.refunds.filter((x) => !order.seen.has(`refund/${x.refund_id}`))) {
        order.seen.add(`refund/${r.refund_id}`);
        this.book(books, refundPostings(e.order, r, books.settings), e.at, key);
      }
    } else if (e.kind === 'cancelation') {
      for (const c of e.cancelations.filter((x) => !order.seen.has(`cancelation/${x.cancelation_id}`))) {
        order.seen.add(`cancelation/${c.cancelation_id}`);
        this.book(books, cancelationPostings(e.order, c, books.settings), e.at, key);
      }
    } else {
      if ((e.to === 'SHIPPED' || e.to === 'TO_COLLECT') && order.shippedAt === undefined)
        order.shippedAt = e.at;
      if ((e.to === 'RECEIVED' || e.to === 'CLOSED') && order.receivedAt === undefined)
        order.receivedAt = e.at;
      if (e.to === 'CANCELED' && order.canceledAt === undefined) {
        // Whatever the cancellations left (rounding of pro-rata commission) is given back to the cent.
        this.book(books, reversal(books.lines.filter((l) => l.orderKey === key)), e.at, key);
        order.canceledAt = e.at;
      }
    }
  }

  /** Books transitions already due, then closes every cycle whose end has passed. */
  settle(): void {
    this.options.beforeSettle?.();
    const now = this.clock.now();
    for (const books of this.books.values()) {
      while (books.cycleStart + books.settings.cycleMs <= now)
        this.close(books, books.cycleStart + books.settings.cycleMs);
    }
  }

  /** Closes the running cycle of a marketplace now (admin); the next cycle starts now. */
  closeCycleNow(marketplace: string): BillingCycle {
    this.settle();
    return this.close(this.booksOf(marketplace), this.clock.now());
  }

  /** Books an operator line (admin). Payable at once, or with its order when `orderId` is given. */
  addLine(marketplace: string, input: CustomLineInput): LedgerLine {
    this.settle();
    const books = this.booksOf(marketplace);
    if (!/^[A-Z][A-Z0-9_]{1,63}$/.test(input.type) || input.type === 'PAYMENT')
      throw new RangeError(
        'type must be an upper-case transaction type (PAYMENT lines come from cycle closes)',
      );
    if (!Number.isSafeInteger(input.cents) || input.cents === 0) throw new RangeError('amount must not be 0');
    const key = input.orderId === undefined ? undefined : `${marketplace}/${input.orderId}`;
    if (key !== undefined && !this.orders.has(key))
      throw new RangeError(`order ${input.orderId} has no money booked on ${marketplace} yet (not debited)`);
    const now = this.clock.now();
    const entities: Record<string, unknown> =
      input.reference || input.description
        ? {
            one_off_item: {
              description: input.description ?? input.type,
              quantity: 1,
              references: input.reference ? [{ type: 'OTHER_REFERENCE', value: input.reference }] : [],
            },
          }
        : {};
    const [line] = this.book(books, [{ type: input.type, cents: input.cents, entities }], now, key);
    if (key === undefined) line.ownPayableAt = now;
    line.otherReference = input.reference;
    return line;
  }

  /** The lines of a marketplace as they stand now: payment state and running balance worked out. */
  lines(marketplace: string): LineView[] {
    this.settle();
    const now = this.clock.now();
    const ordered = [...this.booksOf(marketplace).lines].sort(
      (a, b) => a.createdAt - b.createdAt || a.seq - b.seq,
    );
    let balance = 0;
    return ordered.map((line) => {
      balance += line.cents;
      const payableAt = this.payableAt(line);
      if (line.paid) return { line, state: 'PAID', lastUpdated: line.paid.at, balanceCents: balance };
      if (payableAt !== undefined && payableAt <= now)
        return { line, state: 'PAYABLE', lastUpdated: payableAt, balanceCents: balance };
      return { line, state: 'PENDING', lastUpdated: line.createdAt, balanceCents: balance };
    });
  }

  cycles(marketplace: string): BillingCycle[] {
    this.settle();
    return this.booksOf(marketplace).cycles;
  }

  documents(marketplace: string): AccountingDocument[] {
    this.settle();
    return this.booksOf(marketplace).documents;
  }

  /** When the running cycle of a marketplace closes. */
  nextCloseAt(marketplace: string): number {
    const books = this.booksOf(marketplace);
    return books.cycleStart + books.settings.cycleMs;
  }

  /** When a line is (or will be) payable; undefined while its order is not shipped or received. */
  payableAt(line: LedgerLine): number | undefined {
    if (!line.orderKey) return line.ownPayableAt;
    const order = this.orders.get(line.orderKey)!;
    const books = this.booksOf(order.marketplace);
    const candidates = [
      books.settings.payableOn === 'SHIPPED' ? order.shippedAt : undefined,
      order.receivedAt,
      order.canceledAt,
    ].filter((t): t is number => t !== undefined);
    return candidates.length === 0 ? undefined : Math.max(line.createdAt, Math.min(...candidates));
  }

  booksOf(marketplace: string): MarketplaceBooks {
    const books = this.books.get(marketplace);
    if (!books) throw new RangeError(`unknown marketplace ${marketplace}`);
    return books;
  }

  private close(books: MarketplaceBooks, at: number): BillingCycle {
    return closeCycle(books, at, {
      book: (postings) => this.book(books, postings, at, undefined),
      payableAt: (line) => this.payableAt(line),
      nextInvoiceId: () => ++this.invoiceSeq,
    });
  }

  private book(
    books: MarketplaceBooks,
    postings: Posting[],
    at: number,
    orderKey: string | undefined,
  ): LedgerLine[] {
    const order = orderKey ? this.orders.get(orderKey) : undefined;
    return postings.map((p) => {
      const line: LedgerLine = {
        seq: ++this.seq,
        id: randomUUID(),
        marketplace: books.mp.code,
        type: p.type,
        cents: p.cents,
        createdAt: at,
        transactionAt: at,
        orderKey,
        entities: {
          ...(order ? { domain: 'PRODUCT', order: structuredClone(order.orderNode) } : {}),
          ...(p.orderLineId ? { order_line: { id: p.orderLineId } } : {}),
          ...p.entities,
        },
      };
      books.lines.push(line);
      return line;
    });
  }
}

/** What is still owed per order line and original type, given back: a cancellation after the debit. */
function reversal(lines: LedgerLine[]): Posting[] {
  const net = new Map<string, Posting>();
  for (const l of lines) {
    const refundType =
      REFUND_TYPE_OF[l.type] ?? Object.entries(REFUND_TYPE_OF).find(([, r]) => r === l.type)?.[1];
    if (!refundType) continue;
    const lineId = (l.entities.order_line as { id?: string } | undefined)?.id;
    const code = JSON.stringify(l.entities.order_tax ?? l.entities.shop_tax ?? null);
    const k = `${lineId}|${refundType}|${code}`;
    const { refund: _refund, domain: _domain, order: _order, order_line: _line, ...extra } = l.entities;
    const p = net.get(k) ?? { type: refundType, cents: 0, orderLineId: lineId, entities: extra };
    p.cents -= l.cents;
    net.set(k, p);
  }
  return [...net.values()].filter((p) => p.cents !== 0);
}

/** `entities.order` of a line: the order's ids and creation date. */
function orderNode(order: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    id: order.order_id,
    commercial_id: order.commercial_id,
    creation_date: order.created_date,
    ...(order.references ? { references: order.references } : {}),
  };
}
