import { contractScenario } from './contract-scenario';

/** SH12 and SH21 on both demo marketplaces (their configurations differ). */
export const shippingScenarios = [
  contractScenario({
    operation: 'SH12',
    covers: 'shipping types with mandatory_tracking',
    async run(ctx) {
      const types = await ctx.client().listShippingTypes();
      expect(types.map((t) => [t.code, t.mandatory_tracking])).toEqual([
        ['STD', false],
        ['EXP', true],
      ]);
      expect(await ctx.client(ctx.marketplace('carrefour-es')).listShippingTypes()).toHaveLength(2);
    },
  }),
  contractScenario({
    operation: 'SH21',
    covers: 'carriers of each marketplace, tracking URLs with {trackingId}',
    async run(ctx) {
      const carriers = await ctx.client().listCarriers();
      expect(carriers.map((c) => c.code)).toEqual(['COLISSIMO', 'DPD']);
      expect(carriers.every((c) => c.tracking_url?.includes('{trackingId}'))).toBe(true);
      const carrefour = await ctx.client(ctx.marketplace('carrefour-es')).listCarriers();
      expect(carrefour.map((c) => c.code)).toEqual(['SEUR']);
    },
  }),
];
