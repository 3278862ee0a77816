/** One Mirakl instance as the sandbox plays it: its own key, shop, carriers and settings. */
export interface MarketplaceSettings {
  code: string;
  apiKey: string;
  shopId: string;
  currency: string;
  /** ISO 3166 alpha-3 country most of its buyers live in (their addresses): `FRA` (default), `ESP`. */
  country?: string;
  /** Orders not decided within this window are refused by the platform (acceptance_decision_date stays null). */
  acceptanceWindowMs: number;
  /** May a seller accept some lines and refuse others? */
  partialAcceptance: boolean;
  /** Time an order spends in STAGING (fraud checks) before it waits for acceptance. */
  stagingMs: number;
  /** Time from acceptance to the customer being debited (WAITING_DEBIT → WAITING_DEBIT_PAYMENT → SHIPPING). */
  debitMs: number;
  /** Share of orders whose debit fails: they sit in WAITING_DEBIT_PAYMENT for `debitFailureDelayMs`, then CANCELED. */
  debitFailureRate?: number;
  debitFailureDelayMs?: number;
  /** From SHIPPED to RECEIVED (the customer confirms), then to CLOSED. */
  deliveryMs?: number;
  closeMs?: number;
  /**
   * May an order ship in several shipments (ST01/ST11/ST23/ST24; PC01 `features.shipment.multi_shipment`)?
   * Without it those calls are refused; with it OR23/OR24 still work (OR24 ships what remains in one go).
   */
  multiShipment?: boolean;
  /** Mirakl subtracts this from `start_update_date`, so recent orders come back again. */
  updateDateMarginMs: number;
  carriers: { code: string; label: string; standard_code?: string; tracking_url?: string }[];
  /** May OR23 name a carrier that is not in SH21 (`carrier_name` instead of `carrier_code`)? */
  alternativeCarriersAllowed: boolean;
  /** SH12: shipping types; with `mandatory_tracking`, OR24 needs OR23 first. */
  shippingTypes: { code: string; label: string; mandatory_tracking: boolean }[];
}

const MINUTE = 60_000;

export function demoMarketplaces(): MarketplaceSettings[] {
  const base = {
    currency: 'EUR',
    acceptanceWindowMs: 24 * 60 * MINUTE,
    stagingMs: 0,
    debitMs: 2 * MINUTE,
    updateDateMarginMs: 5 * MINUTE,
    shippingTypes: [
      { code: 'STD', label: 'Standard', mandatory_tracking: false },
      { code: 'EXP', label: 'Express', mandatory_tracking: true },
    ],
  };
  return [
    {
      ...base,
      code: 'decathlon-fr',
      country: 'FRA',
      apiKey: 'sandbox-key-decathlon-fr',
      shopId: '2001',
      partialAcceptance: true,
      alternativeCarriersAllowed: true,
      carriers: [
        {
          code: 'COLISSIMO',
          label: 'Colissimo',
          tracking_url: 'https://www.laposte.fr/outils/suivre-vos-envois?code={trackingId}',
        },
        { code: 'DPD', label: 'DPD France', tracking_url: 'https://trace.dpd.fr/fr/trace/{trackingId}' },
      ],
    },
    {
      ...base,
      code: 'carrefour-es',
      country: 'ESP',
      apiKey: 'sandbox-key-carrefour-es',
      shopId: '3107',
      partialAcceptance: false,
      alternativeCarriersAllowed: false,
      multiShipment: true,
      acceptanceWindowMs: 48 * 60 * MINUTE,
      carriers: [
        {
          code: 'SEUR',
          label: 'SEUR',
          tracking_url: 'https://www.seur.com/livetracking/?segOnlineIdentificador={trackingId}',
        },
      ],
    },
  ];
}
