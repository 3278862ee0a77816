import { randomInt } from 'node:crypto';
import { money, type OrderReceived } from '@seller-bridge/contracts';

const SKUS = ['TENT-2P-GRN', 'BOOT-HIKE-42', 'STOVE-GAS-1', 'LAMP-HEAD-300', 'BAG-SLEEP-M', 'MAT-FOAM-XL'];
const CURRENCY: Record<string, string> = {
  'decathlon-fr': 'EUR',
  'carrefour-es': 'EUR',
  'bestbuy-ca': 'CAD',
};

/**
 * A plausible Mirakl order as order-gateway will publish it: several lines with taxes and commissions, the
 * address still null (Mirakl hides it until acceptance), the customer known only by marketplace id.
 */
export function simulatedOrder(marketplace: string, orderId: string, now: Date): OrderReceived {
  const currency = CURRENCY[marketplace] ?? 'EUR';
  const lineCount = randomInt(1, 4);
  const lines = Array.from({ length: lineCount }, (_, i) => {
    const quantity = randomInt(1, 3);
    const unit = randomInt(999, 19999);
    const price = unit * quantity;
    return {
      lineId: `${orderId}-${i + 1}`,
      sku: SKUS[randomInt(SKUS.length)],
      quantity,
      unitPrice: money(unit, currency),
      price: money(price, currency),
      shippingPrice: money(i === 0 ? 499 : 0, currency),
      taxes: [{ code: 'TVAFR_20', amount: money(Math.round(price / 6), currency), rate: '20.00' }],
      shippingTaxes: [],
      charges: [{ type: 'COMMISSION', amount: money(-Math.round(price * 0.12), currency) }],
      miraklState: 'WAITING_ACCEPTANCE',
    };
  });
  const total = lines.reduce((s, l) => s + l.price.amountMinor + l.shippingPrice.amountMinor, 0);
  return Object.assign(
    {},
    {
      marketplace,
      orderId,
      commercialId: orderId.replace(/-A$/, ''),
      miraklState: 'WAITING_ACCEPTANCE',
      currency,
      createdAt: now.toISOString(),
      miraklUpdatedAt: now.toISOString(),
      shippingTypeCode: 'STD',
      deadlines: { acceptBy: new Date(now.getTime() + 24 * 3600_000).toISOString() },
      customer: { marketplaceCustomerId: `cust-${randomInt(1, 5000)}` },
      lines,
      totalPrice: money(total, currency),
    },
  ) as OrderReceived;
}
