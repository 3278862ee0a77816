import type { OrderEvent } from '../orders/order-book';
import { centsOf, includedTax, percentOf, sumCents } from './cents';
import type { MoneySettings } from './ledger-settings';

/** One TL02 line to be, before the ledger gives it an id, a date and a payment state. */
export interface Posting {
  type: string;
  cents: number;
  orderLineId?: string;
  /** Extra `entities` nodes (`order_tax`, `shop_tax`, `refund`). */
  entities?: Record<string, unknown>;
}

type Refund = Extract<OrderEvent, { kind: 'refund' }>['refunds'][number];
type Cancelation = Extract<OrderEvent, { kind: 'cancelation' }>['cancelations'][number];
type Snapshot = Readonly<Record<string, unknown>>;
type OrderLine = Record<string, unknown>;
interface Tax {
  code: string;
  cents: number;
}

/** What is given back of an order line (a refund or a cancellation), gross amounts as the order states them. */
interface GivenBack {
  orderLineId: string;
  amount: number;
  taxes: Tax[];
  shipping: number;
  /** Undefined: worked out as the debit did. */
  shippingTaxes?: Tax[];
  commission: number;
  commissionTaxes: Tax[];
}

/** What a refund or a cancellation gives back, per type of the original line. */
export const REFUND_TYPE_OF: Readonly<Record<string, string>> = {
  ORDER_AMOUNT: 'REFUND_ORDER_AMOUNT',
  ORDER_AMOUNT_TAX: 'REFUND_ORDER_AMOUNT_TAX',
  ORDER_SHIPPING_AMOUNT: 'REFUND_ORDER_SHIPPING_AMOUNT',
  ORDER_SHIPPING_AMOUNT_TAX: 'REFUND_ORDER_SHIPPING_AMOUNT_TAX',
  COMMISSION_FEE: 'REFUND_COMMISSION_FEE',
  COMMISSION_VAT: 'REFUND_COMMISSION_VAT',
};

const taxesOf = (v: unknown, name: string): Tax[] | undefined =>
  Array.isArray(v)
    ? v.map((t: { code?: unknown; amount?: unknown }) => ({
        code: typeof t?.code === 'string' ? t.code : 'TAX',
        cents: centsOf(t?.amount, name),
      }))
    : undefined;

const taxIncluded = (order: Snapshot) => order.order_tax_mode !== 'TAX_EXCLUDED';
const linesOf = (order: Snapshot) =>
  Array.isArray(order.order_lines) ? (order.order_lines as OrderLine[]) : [];

/** The commission taxes of an order line: as given, else the difference to `total_commission`. */
function commissionTaxesOf(l: OrderLine, commission: number, settings: MoneySettings): Tax[] {
  return (
    taxesOf(l.commission_taxes, 'commission_taxes') ?? [
      {
        code: settings.shopTaxCode,
        cents:
          l.total_commission === undefined || l.total_commission === null
            ? percentOf(commission, settings.shopTaxBasisPoints)
            : centsOf(l.total_commission, 'total_commission') - commission,
      },
    ]
  );
}

/**
 * The customer was debited (the order reached SHIPPING): per accepted line, the amount and the shipping
 * (credits, split into net and tax as the order's tax mode says) and the operator's commission and its VAT
 * (debits). Where an order line gives no `shipping_taxes`, the tax inside its shipping is worked out at the
 * marketplace's rate. Zero amounts give no line.
 */
export function debitPostings(order: Snapshot, settings: MoneySettings): Posting[] {
  const out: Posting[] = [];
  for (const l of linesOf(order)) {
    if (l.order_line_state === 'REFUSED') continue;
    const commission = centsOf(l.commission_fee ?? 0, 'commission_fee');
    out.push(
      ...goods(order, settings, 1, {
        orderLineId: String(l.order_line_id),
        amount: centsOf(l.price ?? 0, 'price'),
        taxes: taxesOf(l.taxes, 'taxes') ?? [],
        shipping: centsOf(l.shipping_price ?? 0, 'shipping_price'),
        shippingTaxes: taxesOf(l.shipping_taxes, 'shipping_taxes'),
        commission,
        commissionTaxes: commissionTaxesOf(l, commission, settings),
      }),
    );
  }
  return out.filter((p) => p.cents !== 0);
}

/** OR28: the refunded amounts (debits) and the commission the operator gives back (credits). */
export function refundPostings(order: Snapshot, refund: Refund, settings: MoneySettings): Posting[] {
  const line = linesOf(order).find((l) => l.order_line_id === refund.order_line_id);
  const given: GivenBack = {
    orderLineId: refund.order_line_id,
    amount: centsOf(refund.amount, 'refund amount'),
    taxes: taxesOf(refund.taxes, 'refund taxes') ?? [],
    shipping: centsOf(refund.shipping_amount ?? 0, 'refund shipping_amount'),
    // Shipping taxes are split the way the debit split them, so each type nets to zero on a full refund.
    shippingTaxes:
      line && Array.isArray(line.shipping_taxes) ? taxesOf(refund.shipping_taxes, 'refund') : undefined,
    commission: centsOf(refund.commission_amount ?? 0, 'refund commission_amount'),
    commissionTaxes: taxesOf(refund.commission_taxes, 'refund commission_taxes') ?? [],
  };
  return reversed(order, settings, given, { refund: { id: refund.refund_id } });
}

/**
 * OR29 / OR30 after the debit: the cancelled amount and shipping go back to the customer, and the operator
 * gives back the commission on them, pro rata of the line's price (taxes from the line's cancellation record
 * when the order shows it, else pro rata too). A whole-order cancellation is balanced to the cent by the
 * ledger when the order reaches CANCELED.
 */
export function cancelationPostings(order: Snapshot, c: Cancelation, settings: MoneySettings): Posting[] {
  const line = linesOf(order).find((l) => l.order_line_id === c.order_line_id);
  if (!line) return [];
  const price = centsOf(line.price ?? 0, 'price');
  const amount = centsOf(c.amount, 'cancelation amount');
  const share = (cents: number) => (price === 0 ? 0 : Math.round((cents * amount) / price));
  const record = Array.isArray(line.cancelations)
    ? (line.cancelations as { id?: unknown; taxes?: unknown }[]).find((x) => x.id === c.cancelation_id)
    : undefined;
  const commission = centsOf(line.commission_fee ?? 0, 'commission_fee');
  const shipping = centsOf(line.shipping_price ?? 0, 'shipping_price');
  const cancelledShipping = centsOf(c.shipping_amount ?? 0, 'cancelation shipping_amount');
  const given: GivenBack = {
    orderLineId: c.order_line_id,
    amount,
    taxes:
      taxesOf(record?.taxes, 'cancelation taxes') ??
      (taxesOf(line.taxes, 'taxes') ?? []).map((t) => ({ ...t, cents: share(t.cents) })),
    shipping: cancelledShipping,
    shippingTaxes: taxesOf(line.shipping_taxes, 'shipping_taxes')?.map((t) => ({
      ...t,
      cents: shipping === 0 ? 0 : Math.round((t.cents * cancelledShipping) / shipping),
    })),
    commission: share(commission),
    commissionTaxes: commissionTaxesOf(line, commission, settings).map((t) => ({
      ...t,
      cents: share(t.cents),
    })),
  };
  return reversed(order, settings, given, {});
}

function reversed(order: Snapshot, settings: MoneySettings, g: GivenBack, entities: Record<string, unknown>) {
  return goods(order, settings, -1, g)
    .filter((p) => p.cents !== 0)
    .map((p) => ({ ...p, type: REFUND_TYPE_OF[p.type], entities: { ...p.entities, ...entities } }));
}

/** The lines of an amount given (sign 1) or given back (sign -1): goods, shipping, commission. */
function goods(order: Snapshot, settings: MoneySettings, sign: 1 | -1, g: GivenBack): Posting[] {
  const net = (gross: number, t: Tax[]) =>
    taxIncluded(order) ? gross - sumCents(t.map((x) => x.cents)) : gross;
  const shipTaxes = g.shippingTaxes ?? [
    {
      code: settings.shippingTaxCode,
      cents: taxIncluded(order)
        ? includedTax(g.shipping, settings.shippingTaxBasisPoints)
        : percentOf(g.shipping, settings.shippingTaxBasisPoints),
    },
  ];
  const { orderLineId } = g;
  const tax = (type: string, t: Tax): Posting => ({
    type,
    cents: sign * t.cents,
    orderLineId,
    entities: { order_tax: { code: t.code } },
  });
  return [
    { type: 'ORDER_AMOUNT', cents: sign * net(g.amount, g.taxes), orderLineId },
    ...g.taxes.map((t) => tax('ORDER_AMOUNT_TAX', t)),
    { type: 'ORDER_SHIPPING_AMOUNT', cents: sign * net(g.shipping, shipTaxes), orderLineId },
    ...shipTaxes.map((t) => tax('ORDER_SHIPPING_AMOUNT_TAX', t)),
    // The commission is a debit on a sale and a credit when given back.
    { type: 'COMMISSION_FEE', cents: -sign * g.commission, orderLineId },
    ...g.commissionTaxes.map((t) => ({
      type: 'COMMISSION_VAT',
      cents: -sign * t.cents,
      orderLineId,
      entities: {
        shop_tax: {
          code: t.code,
          ...(t.code === settings.shopTaxCode ? { rate: settings.shopTaxBasisPoints / 100 } : {}),
        },
      },
    })),
  ];
}
