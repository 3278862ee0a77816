import { object, onlyKeys, optionalString, string } from '../common/decode';

export interface Address {
  line1: string;
  line2?: string;
  city: string;
  postcode: string;
  /** ISO 3166-1 alpha-2. */
  country: string;
}

/** A customer account: only what the order and the parcel need (no e-mail, no phone). */
export interface Customer {
  id: string;
  marketplace: string;
  marketplace_customer_id: string;
  first_name: string;
  last_name: string;
  company?: string;
  address: Address;
  created_at: string;
}

export type CustomerInput = Omit<Customer, 'id' | 'created_at'>;

const ADDRESS_FIELDS = ['line1', 'line2', 'city', 'postcode', 'country'] as const;
export const MARKETPLACE_PATTERN = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function decodeAddress(raw: unknown, path: string): Address {
  const o = object(raw, path);
  onlyKeys(o, path, ADDRESS_FIELDS);
  const line2 = optionalString(o.line2, `${path}.line2`, { min: 0, max: 200 });
  return {
    line1: string(o.line1, `${path}.line1`, { max: 200 }),
    ...(line2 ? { line2 } : {}),
    city: string(o.city, `${path}.city`, { max: 100 }),
    postcode: string(o.postcode, `${path}.postcode`, { max: 20 }),
    country: string(o.country, `${path}.country`, {
      pattern: /^[A-Z]{2}$/,
      hint: 'must be an ISO 3166 alpha-2 code like "FR"',
    }),
  };
}

export function decodeCustomer(raw: unknown): CustomerInput {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', [
    'marketplace',
    'marketplace_customer_id',
    'first_name',
    'last_name',
    'company',
    'address',
  ]);
  const company = optionalString(o.company, 'company', { max: 200 });
  return {
    marketplace: string(o.marketplace, 'marketplace', {
      pattern: MARKETPLACE_PATTERN,
      hint: 'must be a marketplace code like "decathlon-fr"',
    }),
    marketplace_customer_id: string(o.marketplace_customer_id, 'marketplace_customer_id', { max: 100 }),
    first_name: string(o.first_name, 'first_name', { max: 100 }),
    last_name: string(o.last_name, 'last_name', { max: 100 }),
    ...(company ? { company } : {}),
    address: decodeAddress(o.address, 'address'),
  };
}
