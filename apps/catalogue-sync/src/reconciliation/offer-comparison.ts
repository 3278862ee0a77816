import type { CatalogueDivergence } from '@seller-bridge/contracts';
import { publishedQuantity } from '../availability/availability';
import { minorToDecimal } from '../catalogue/price';

export type DivergenceKind = CatalogueDivergence['kind'];
export const DIVERGENCE_KINDS: readonly DivergenceKind[] = [
  'quantity',
  'price',
  'missing-offer',
  'extra-offer',
];

/** What should be on the marketplace for a SKU the marketplace lists, read from our tables in one snapshot. */
export interface ExpectedOffer {
  sku: string;
  /** The SKU is in the product table. */
  known: boolean;
  active: boolean;
  priceMinor: string | null;
  currency: string | null;
  /** Σ available of the marketplace's warehouses, open reservations, and the SKU's buffer there. */
  available: number;
  reserved: number;
  safetyBuffer: number;
  /** A stock push (or an offer, which carries a quantity) is queued or in flight: the quantity may be moving. */
  quantityBusy: boolean;
  /** Product or offer work is queued or in flight: the price (and the offer itself) may be moving. */
  offerBusy: boolean;
}

/** An offer as OF21 lists it, reduced to what is compared. */
export interface FoundOffer {
  sku: string;
  quantity: number;
  price: number | null;
  currency: string | null;
}

export interface Finding {
  kind: DivergenceKind;
  expected: string;
  found: string;
  /** Quantity only: the marketplace shows fewer units than expected (orders Mirakl counted may explain it). */
  under?: boolean;
  /** How the expected value was derived, for a person. */
  detail?: string;
}

/** The kinds that could be judged for a SKU this pass (the others are left as they are), and what diverged. */
export interface Comparison {
  checked: DivergenceKind[];
  findings: Finding[];
}

const money = (amount: number | null, currency: string | null) =>
  amount === null ? 'no price' : `${amount}${currency ? ` ${currency}` : ''}`;

/**
 * Compares one listed offer with what should be there (src/reconciliation/README.md):
 * - not in the catalogue, or inactive and still on sale → `extra-offer` (never deleted automatically);
 * - price ≠ the product's price (minor units, as OF24 sends it) → `price`, unless offer work is pending;
 * - quantity ≠ publishedQuantity(available, reserved, buffer) → `quantity`, unless a push is pending. Whether
 *   a shortfall (`under`) is raised at once or confirmed on the next pass is the store's decision.
 */
export function compareOffer(found: FoundOffer, expected: ExpectedOffer): Comparison {
  const sellable = `quantity ${found.quantity} at ${money(found.price, found.currency)}`;
  if (!expected.known)
    return {
      checked: [...DIVERGENCE_KINDS],
      findings: [{ kind: 'extra-offer', expected: 'no offer (SKU not in the catalogue)', found: sellable }],
    };
  if (!expected.active)
    return {
      checked: [...DIVERGENCE_KINDS],
      findings:
        found.quantity > 0
          ? [{ kind: 'extra-offer', expected: 'nothing on sale (product inactive)', found: sellable }]
          : [],
    };

  const checked: DivergenceKind[] = ['missing-offer', 'extra-offer'];
  const findings: Finding[] = [];
  if (!expected.offerBusy) {
    checked.push('price');
    const want = minorToDecimal(expected.priceMinor ?? '0', expected.currency ?? 'EUR');
    if (found.price !== want)
      findings.push({
        kind: 'price',
        expected: money(want, expected.currency),
        found: money(found.price, found.currency ?? expected.currency),
      });
  }
  if (!expected.quantityBusy && !expected.offerBusy) {
    checked.push('quantity');
    const want = publishedQuantity(expected.available, expected.reserved, expected.safetyBuffer).quantity;
    if (found.quantity !== want)
      findings.push({
        kind: 'quantity',
        expected: String(want),
        found: String(found.quantity),
        under: found.quantity < want,
        detail: `available ${expected.available} − reserved ${expected.reserved} − buffer ${expected.safetyBuffer}`,
      });
  }
  return { checked, findings };
}
