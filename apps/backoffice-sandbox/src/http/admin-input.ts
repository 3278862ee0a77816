import type { BackofficeSeed } from '../back-office';
import { decodeProduct, SKU_PATTERN } from '../catalogue/product';
import { invalid } from '../common/backoffice-error';
import { array, boolean, integer, number, object, onlyKeys, string } from '../common/decode';
import { CHANGE_TYPES, type ChangeType } from '../feed/change-feed';
import type { WebhookRegistration } from '../feed/webhook-dispatcher';
import { CARRIER_SERVICES, type CarrierRule } from '../warehouse/carriers';
import type { WarehouseSettings } from '../warehouse/warehouse';
import type { WarehouseSite } from '../warehouse/warehouse-site';

const DAY = 24 * 60 * 60_000;

export function decodeSeed(raw: unknown, currentSites: readonly WarehouseSite[]): BackofficeSeed {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', ['warehouses', 'products', 'stock']);
  const warehouses =
    o.warehouses === undefined
      ? structuredClone([...currentSites])
      : array(o.warehouses, 'warehouses', 1, 50).map((w, i) => decodeSite(w, `warehouses[${i}]`));
  const products = array(o.products, 'products', 0, 100_000).map((p, i) =>
    decodeProduct(p, `products[${i}]`),
  );
  const skus = new Set(products.map((p) => p.sku));
  if (skus.size !== products.length) throw invalid('products holds the same sku twice');
  const stock = decodeStock(o.stock ?? [], skus, new Set(warehouses.map((w) => w.code)));
  return { warehouses, products, stock };
}

export function decodeStock(
  raw: unknown,
  skus: ReadonlySet<string> | ((sku: string) => boolean),
  sites: ReadonlySet<string>,
): BackofficeSeed['stock'] {
  const known = typeof skus === 'function' ? skus : (s: string) => skus.has(s);
  return array(raw, 'stock', 0, 1_000_000).map((r, i) => {
    const path = `stock[${i}]`;
    const row = object(r, path);
    onlyKeys(row, path, ['sku', 'warehouse', 'on_hand']);
    const sku = string(row.sku, `${path}.sku`, { max: 64 });
    const warehouse = string(row.warehouse, `${path}.warehouse`, { max: 40 });
    if (!known(sku)) throw invalid(`${path}.sku ${sku} is not a product`, { sku });
    if (!sites.has(warehouse))
      throw invalid(`${path}.warehouse ${warehouse} is not a warehouse (known: ${[...sites].join(', ')})`, {
        warehouse,
      });
    return { sku, warehouse, on_hand: integer(row.on_hand, `${path}.on_hand`, 0, 10_000_000) };
  });
}

function decodeSite(raw: unknown, path: string): WarehouseSite {
  const o = object(raw, path);
  onlyKeys(o, path, ['code', 'name', 'country', 'carrierRules']);
  return {
    code: string(o.code, `${path}.code`, {
      max: 40,
      pattern: SKU_PATTERN,
      hint: 'must be letters, digits, . _ -',
    }),
    name: string(o.name, `${path}.name`, { max: 100 }),
    country: string(o.country, `${path}.country`, {
      pattern: /^[A-Z]{2}$/,
      hint: 'must be ISO 3166 alpha-2',
    }),
    carrierRules: array(o.carrierRules, `${path}.carrierRules`, 1, 50).map((r, i): CarrierRule => {
      const rp = `${path}.carrierRules[${i}]`;
      const rule = object(r, rp);
      onlyKeys(rule, rp, ['carrier', 'countries', 'minGrams', 'maxGrams', 'share']);
      const carrier = string(rule.carrier, `${rp}.carrier`, { max: 60 });
      if (!(carrier in CARRIER_SERVICES))
        throw invalid(
          `${rp}.carrier ${carrier} is not a carrier service (known: ${Object.keys(CARRIER_SERVICES).join(', ')})`,
        );
      return {
        carrier,
        ...(rule.countries === undefined
          ? {}
          : {
              countries: array(rule.countries, `${rp}.countries`, 1, 250).map((c, j) =>
                string(c, `${rp}.countries[${j}]`, { pattern: /^[A-Z]{2}$/ }),
              ),
            }),
        ...(rule.minGrams === undefined
          ? {}
          : { minGrams: integer(rule.minGrams, `${rp}.minGrams`, 0, 10_000_000) }),
        ...(rule.maxGrams === undefined
          ? {}
          : { maxGrams: integer(rule.maxGrams, `${rp}.maxGrams`, 0, 10_000_000) }),
        share: number(rule.share ?? 1, `${rp}.share`, 0.001, 1000),
      };
    }),
  };
}

/** Fields given replace the current settings; absent ones stay. */
export function decodeWarehouseSettings(raw: unknown, current: WarehouseSettings): WarehouseSettings {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', ['pickDelayMs', 'splitRate', 'splitGapMs', 'backorderRetryMs']);
  return {
    pickDelayMs:
      o.pickDelayMs === undefined ? current.pickDelayMs : integer(o.pickDelayMs, 'pickDelayMs', 0, 30 * DAY),
    splitRate: o.splitRate === undefined ? current.splitRate : number(o.splitRate, 'splitRate', 0, 1),
    splitGapMs:
      o.splitGapMs === undefined ? current.splitGapMs : integer(o.splitGapMs, 'splitGapMs', 1, 30 * DAY),
    backorderRetryMs:
      o.backorderRetryMs === undefined
        ? current.backorderRetryMs
        : integer(o.backorderRetryMs, 'backorderRetryMs', 1000, 30 * DAY),
  };
}

export function decodeOtherChannels(raw: unknown): { running: boolean; unitsPerMinute?: number } {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', ['running', 'unitsPerMinute']);
  const running = boolean(o.running, 'running');
  if (running && o.unitsPerMinute === undefined)
    throw invalid('unitsPerMinute is required to start other channels');
  return {
    running,
    ...(o.unitsPerMinute === undefined
      ? {}
      : { unitsPerMinute: number(o.unitsPerMinute, 'unitsPerMinute', 0.001, 10_000) }),
  };
}

export function decodeWebhook(raw: unknown): WebhookRegistration {
  const o = object(raw, 'body');
  onlyKeys(o, 'body', ['url', 'secret', 'types', 'retryBaseMs', 'retryMaxMs', 'timeoutMs']);
  const url = string(o.url, 'url', { max: 2000 });
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid('url must be an absolute http(s) URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid('url must be an absolute http(s) URL');
  const types =
    o.types === undefined
      ? undefined
      : array(o.types, 'types', 1, CHANGE_TYPES.length).map((t, i) => {
          const type = string(t, `types[${i}]`, { max: 40 });
          if (!CHANGE_TYPES.includes(type as ChangeType))
            throw invalid(`types[${i}] ${type} is not a change type (known: ${CHANGE_TYPES.join(', ')})`);
          return type as ChangeType;
        });
  return {
    url,
    ...(o.secret === undefined ? {} : { secret: string(o.secret, 'secret', { min: 16, max: 200 }) }),
    ...(types ? { types } : {}),
    ...(o.retryBaseMs === undefined
      ? {}
      : { retryBaseMs: integer(o.retryBaseMs, 'retryBaseMs', 1, 3_600_000) }),
    ...(o.retryMaxMs === undefined ? {} : { retryMaxMs: integer(o.retryMaxMs, 'retryMaxMs', 1, 3_600_000) }),
    ...(o.timeoutMs === undefined ? {} : { timeoutMs: integer(o.timeoutMs, 'timeoutMs', 10, 120_000) }),
  };
}
