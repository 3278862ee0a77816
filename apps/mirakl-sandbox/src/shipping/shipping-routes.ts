import type { MarketplaceSettings } from '../marketplace';
import type { AdminRoute, SandboxRoute } from '../http/route';

/** SH12 shipping types and SH21 carriers, as each marketplace has them configured. */
export function shippingRoutes(): SandboxRoute[] {
  return [
    {
      operation: 'SH21',
      method: 'GET',
      path: /^\/api\/shipping\/carriers$/,
      handle: ({ mp }) => ({ status: 200, body: { carriers: mp.carriers } }),
    },
    {
      operation: 'SH12',
      method: 'GET',
      path: /^\/api\/shipping\/types$/,
      // click_and_collect, delivery_by_operator and description are required by Mirakl's description of SH12.
      handle: ({ mp }) => ({
        status: 200,
        body: {
          shipping_types: mp.shippingTypes.map((t) => ({
            description: t.label,
            click_and_collect: false,
            delivery_by_operator: false,
            ...t,
          })),
        },
      }),
    },
  ];
}

/** Admin: replace a marketplace's carriers (SH21) or shipping types (SH12). */
export function shippingAdminRoutes(marketplaces: Map<string, MarketplaceSettings>): AdminRoute[] {
  return [
    {
      method: 'PUT',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/carriers$/,
      handle: ({ json, params }) => {
        const carriers = json.carriers;
        if (
          !Array.isArray(carriers) ||
          carriers.some(
            (c: unknown) =>
              !c ||
              typeof (c as { code?: unknown }).code !== 'string' ||
              typeof (c as { label?: unknown }).label !== 'string',
          )
        )
          throw new RangeError('carriers: a list of {code, label, tracking_url?} is required');
        const mp = marketplaces.get(params.mp)!;
        mp.carriers = (carriers as MarketplaceSettings['carriers']).map((c) => ({
          code: c.code,
          label: c.label,
          ...(typeof c.standard_code === 'string' ? { standard_code: c.standard_code } : {}),
          ...(typeof c.tracking_url === 'string' ? { tracking_url: c.tracking_url } : {}),
        }));
        return { status: 200, body: { carriers: mp.carriers } };
      },
    },
    {
      method: 'PUT',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/shipping-types$/,
      handle: ({ json, params }) => {
        const types = json.shipping_types;
        if (
          !Array.isArray(types) ||
          types.some(
            (t: unknown) =>
              !t ||
              typeof (t as { code?: unknown }).code !== 'string' ||
              typeof (t as { label?: unknown }).label !== 'string' ||
              typeof (t as { mandatory_tracking?: unknown }).mandatory_tracking !== 'boolean',
          )
        )
          throw new RangeError('shipping_types: a list of {code, label, mandatory_tracking} is required');
        const mp = marketplaces.get(params.mp)!;
        mp.shippingTypes = (types as MarketplaceSettings['shippingTypes']).map((t) => ({
          code: t.code,
          label: t.label,
          mandatory_tracking: t.mandatory_tracking,
        }));
        return { status: 200, body: { shipping_types: mp.shippingTypes } };
      },
    },
  ];
}
