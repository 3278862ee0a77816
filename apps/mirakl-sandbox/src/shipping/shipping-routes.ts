import type { SandboxRoute } from '../http/route';

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
      handle: ({ mp }) => ({ status: 200, body: { shipping_types: mp.shippingTypes } }),
    },
  ];
}
