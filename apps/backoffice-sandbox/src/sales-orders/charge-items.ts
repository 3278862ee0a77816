/**
 * Non-inventory items the ERP knows: charge lines of a sales order name one of these. They never touch stock.
 * Amounts may be negative (a commission the marketplace keeps reduces what the seller is owed).
 */
export const CHARGE_ITEMS: Record<string, string> = {
  'MKT-SHIPPING-FEE': 'Shipping charged to the buyer by the marketplace',
  'MKT-COMMISSION': 'Marketplace commission',
  'MKT-COMMISSION-VAT': 'VAT on marketplace commission',
  'MKT-PROMOTION': 'Promotion funded by the seller',
  'MKT-ROUNDING': 'Rounding difference',
};
