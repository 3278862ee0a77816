const DAY = 24 * 3_600_000;

/**
 * How one marketplace's operator bills and pays its sellers. Operators differ (cycle length, subscription,
 * when an order becomes payable): this is configuration of the ledger, per marketplace.
 */
export interface MoneySettings {
  /** Length of a billing cycle on the sandbox clock; a cycle closes (and pays out) at its end. */
  cycleMs: number;
  /** Subscription fee charged once per cycle, excluding VAT, in cents (0: no subscription). */
  subscriptionFeeCents: number;
  /** VAT the operator charges on its commission and subscription, in basis points (2000 = 20%). */
  shopTaxBasisPoints: number;
  /** Code of that tax on COMMISSION_VAT / SUBSCRIPTION_VAT lines (`entities.shop_tax.code`). */
  shopTaxCode: string;
  /**
   * When an order's lines become PAYABLE. `RECEIVED` (Mirakl's usual setting): once the customer confirms
   * receipt or the platform does it for them (RECEIVED or CLOSED). `SHIPPED`: as soon as the seller ships
   * (operators without reception confirmation). Until then they stay PENDING, cycle after cycle.
   */
  payableOn: 'SHIPPED' | 'RECEIVED';
  /** Tax inside the shipping price when an order line gives no `shipping_taxes`, in basis points. */
  shippingTaxBasisPoints: number;
  /** Code of that shipping tax. */
  shippingTaxCode: string;
}

export const DEFAULT_MONEY_SETTINGS: Readonly<MoneySettings> = {
  cycleMs: 7 * DAY,
  subscriptionFeeCents: 3999,
  shopTaxBasisPoints: 2000,
  shopTaxCode: 'TVA',
  payableOn: 'RECEIVED',
  shippingTaxBasisPoints: 2000,
  shippingTaxCode: 'TVA',
};

/** The ledger's own options: defaults for every marketplace, overrides per marketplace code. */
export interface SellerLedgerOptions {
  defaults?: Partial<MoneySettings>;
  marketplaces?: Record<string, Partial<MoneySettings>>;
  /**
   * Run before the ledger is read or cycles are closed, so transitions already due are booked first
   * (the sandbox passes `() => orderBook.settle()`).
   */
  beforeSettle?: () => void;
}

/** The settings of one marketplace; a RangeError names the first bad value. */
export function moneySettings(options: SellerLedgerOptions, marketplace: string): MoneySettings {
  const s = { ...DEFAULT_MONEY_SETTINGS, ...options.defaults, ...options.marketplaces?.[marketplace] };
  const nonNegativeInt = (name: keyof MoneySettings) => {
    const v = s[name];
    if (!Number.isSafeInteger(v) || (v as number) < 0)
      throw new RangeError(`money settings of ${marketplace}: ${name} must be a non-negative integer`);
  };
  nonNegativeInt('subscriptionFeeCents');
  nonNegativeInt('shopTaxBasisPoints');
  nonNegativeInt('shippingTaxBasisPoints');
  if (s.payableOn !== 'SHIPPED' && s.payableOn !== 'RECEIVED')
    throw new RangeError(`money settings of ${marketplace}: payableOn must be SHIPPED or RECEIVED`);
  if (!Number.isSafeInteger(s.cycleMs) || s.cycleMs < 60_000)
    throw new RangeError(`money settings of ${marketplace}: cycleMs must be at least one minute`);
  return s;
}
