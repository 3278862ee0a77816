import type { AdminRoute } from '../http/route';
import type { Buyers, BuyerSettings } from './buyers';

/** Admin: start and stop the buyers of a marketplace, buy on purpose, and read every line sold. */
export function buyerAdminRoutes(buyers: Buyers): AdminRoute[] {
  return [
    {
      method: 'PUT',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/buyers$/,
      handle: ({ json, params }) => ({
        status: 200,
        body: buyers.configure(params.mp, json as Partial<BuyerSettings>),
      }),
    },
    {
      method: 'POST',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/buy$/,
      handle: ({ json, params }) => ({
        status: 201,
        body: {
          order_id: buyers.buy(
            params.mp,
            json.lines as { offerSku: string; quantity: number }[],
            typeof json.customerId === 'string' ? json.customerId : undefined,
            typeof json.shippingTypeCode === 'string' ? json.shippingTypeCode : undefined,
          ),
        },
      }),
    },
    {
      method: 'GET',
      path: /^\/marketplaces\/(?<mp>[^/]+)\/sales$/,
      handle: ({ params }) => ({
        status: 200,
        body: {
          buyers: buyers.settings.get(params.mp) ?? null,
          sales: buyers.sales.filter((s) => s.marketplace === params.mp),
          beyondRealStock: buyers.sales.filter((s) => s.marketplace === params.mp && s.beyondRealStock),
        },
      }),
    },
  ];
}
