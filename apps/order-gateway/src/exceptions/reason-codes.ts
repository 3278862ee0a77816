import type { ExceptionOwner } from '@seller-bridge/contracts';

/**
 * Every reason code order-gateway gives a refused line or raises as an exception, with the team that owns it
 * and what that team does (docs/operations/order-gateway-runbook.md says the same for people).
 */
export const REASONS = {
  UNKNOWN_SKU: {
    owner: 'ecommerce',
    reason: 'The SKU ordered is not in the product master (the reservation owner does not know it).',
    resolution: 'Create the product in the back office or remove the offer from the marketplace.',
  },
  NO_STOCK: {
    owner: 'operations',
    reason: 'Not enough reservable stock for the line when the order arrived.',
    resolution:
      'Check the stock figures and the safety buffer of the SKU; replenish or lower the published quantity.',
  },
  PRICE_MISMATCH: {
    owner: 'ecommerce',
    reason:
      "The line's unit price differs from the back office's selling price beyond the marketplace's tolerance.",
    resolution:
      'Correct the offer price on the marketplace (or the back-office price), then re-publish the offer.',
  },
  UNMAPPED_SHIPPING_TYPE: {
    owner: 'integration',
    reason: "The order's shipping type is not in the marketplace's shipping type map.",
    resolution: 'Add the Mirakl shipping type to shippingTypeMap of the marketplace (MARKETPLACES).',
  },
  UNMAPPED_TAX_CATEGORY: {
    owner: 'finance',
    reason: "A tax code of the line is not in the marketplace's tax category map.",
    resolution: 'Add the Mirakl tax code to taxCategoryMap of the marketplace (MARKETPLACES).',
  },
  WHOLE_ORDER_REFUSED: {
    owner: 'operations',
    reason: 'The marketplace forbids partial acceptance and another line of the order was refused.',
    resolution: 'Nothing on this line; act on the other line’s reason.',
  },
  ACCEPTANCE_AT_RISK: {
    owner: 'operations',
    reason: 'The order is still undecided and its acceptance window closes soon.',
    resolution:
      'Find why the decision waits (reservation owner down, ERP confirmation missing, Mirakl failing) and unblock it.',
  },
  ACCEPTANCE_MISSED: {
    owner: 'operations',
    reason: 'The acceptance window passed without a decision; the marketplace auto-refuses the order.',
    resolution: 'Review the cause with integration; repeated auto-refusals can suspend the shop.',
  },
  SHIPPING_AT_RISK: {
    owner: 'operations',
    reason: 'The order is in SHIPPING and its shipping deadline is near.',
    resolution: 'Have the warehouse ship it, or ask the customer service to warn the customer.',
  },
  SHIPPING_MISSED: {
    owner: 'operations',
    reason: 'The shipping deadline passed and the order is not shipped.',
    resolution: 'Ship it as soon as possible; late shipments count against the seller rating.',
  },
  ACCEPTANCE_REJECTED: {
    owner: 'integration',
    reason: 'Mirakl refused the decision (OR21) with an error that a retry will not fix.',
    resolution:
      'Read the error in the exception and the service logs; fix the configuration or the order on Mirakl.',
  },
} as const satisfies Record<string, { owner: ExceptionOwner; reason: string; resolution: string }>;

export type ReasonCode = keyof typeof REASONS;

/** Reason codes a line can be refused with (the others are about deadlines and sending). */
export const LINE_REASON_CODES = [
  'UNKNOWN_SKU',
  'NO_STOCK',
  'PRICE_MISMATCH',
  'UNMAPPED_SHIPPING_TYPE',
  'UNMAPPED_TAX_CATEGORY',
  'WHOLE_ORDER_REFUSED',
] as const satisfies readonly ReasonCode[];
export type LineReasonCode = (typeof LINE_REASON_CODES)[number];
