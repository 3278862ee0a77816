import type { MarketplaceSettings } from '../marketplace';
import { SandboxRefusal } from '../orders/order-book';

/** A shipment's tracking as ST11 shows it. */
export interface ShipmentTracking {
  carrier_code?: string;
  carrier_name: string;
  carrier_standard_code?: string;
  tracking_number?: string;
  tracking_url?: string;
}

/**
 * ST01/ST23 tracking, checked as Mirakl describes it: a registered carrier (`carrier_code` from SH21, whose
 * URL is computed and needs the tracking number when it has a `{trackingId}`), or an unregistered one by
 * `carrier_name` (+ `tracking_url`) where the operator allows alternative carriers.
 */
export function shipmentTracking(mp: MarketplaceSettings, t: Record<string, unknown>): ShipmentTracking {
  const text = (name: string) => {
    const v = t[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new SandboxRefusal(400, `tracking.${name} must be a string`);
    return v;
  };
  const [code, name, number, url] = ['carrier_code', 'carrier_name', 'tracking_number', 'tracking_url'].map(
    text,
  );
  if (code) {
    const known = mp.carriers.find((c) => c.code === code);
    if (!known)
      throw new SandboxRefusal(400, `The carrier code '${code}' does not exist`, 'CARRIER_NOT_FOUND');
    if (known.tracking_url?.includes('{trackingId}') && !number)
      throw new SandboxRefusal(400, `tracking_number is required for carrier ${code}`);
    return {
      carrier_code: known.code,
      carrier_name: known.label,
      ...(known.standard_code ? { carrier_standard_code: known.standard_code } : {}),
      ...(number ? { tracking_number: number } : {}),
      ...(known.tracking_url && number
        ? { tracking_url: known.tracking_url.replace('{trackingId}', encodeURIComponent(number)) }
        : {}),
    };
  }
  if (!name) throw new SandboxRefusal(400, 'tracking.carrier_code or tracking.carrier_name is required');
  if (!mp.alternativeCarriersAllowed)
    throw new SandboxRefusal(
      400,
      'Carriers that are not registered on the marketplace are not allowed: send a carrier_code',
      'CARRIER_NOT_ALLOWED',
    );
  return {
    carrier_name: name,
    ...(number ? { tracking_number: number } : {}),
    ...(url ? { tracking_url: url } : {}),
  };
}
