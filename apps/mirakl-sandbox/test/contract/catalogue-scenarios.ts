import type { MiraklOfferUpdate } from '@seller-bridge/mirakl-client';
import { all, contractScenario, type ContractContext } from './contract-scenario';

/** Imports wait and run on the sandbox clock: polling "sleeps" by moving it. */
const sleepOn = (ctx: ContractContext) => async (ms: number) => ctx.sandbox.clock.advance(ms);

const offer = (sku: string, quantity: number): MiraklOfferUpdate => ({
  shop_sku: sku,
  product_id: sku,
  product_id_type: 'SHOP_SKU',
  price: 24.9,
  quantity,
  state_code: '11',
  update_delete: 'update',
  description: `Offer ${sku}`,
  leadtime_to_ship: 2,
});

function seedProducts(ctx: ContractContext, n: number): void {
  for (let i = 1; i <= n; i++)
    ctx.sandbox.products.upsert(ctx.marketplace().code, {
      sku: `SKU-${i}`,
      title: `Product ${i}`,
      category: 'running',
      ean: i === 1 ? '4006381333931' : '',
    });
}

/** Products, offers and stock: imports (multipart and JSON), their status, error reports, the offer list. */
export const catalogueScenarios = [
  contractScenario({
    operation: 'P41',
    covers: 'a products file, multipart',
    async run(ctx) {
      const { importId } = await ctx.client().importProducts('sku;title;category\nA-1;Shoe;running\n');
      expect(importId).toBeGreaterThan(0);
    },
  }),
  contractScenario({
    operation: 'P42',
    covers: 'product import status while waiting, complete with errors, failed; 404',
    async run(ctx) {
      const c = ctx.client();
      const good = await c.importProducts('sku;title;category\nA-1;Shoe;running\nA-2;Box;toys\n');
      expect((await c.getImport('products', good.importId)).import_status).toBe('WAITING');
      expect(
        await c.awaitImport('products', good.importId, { pollMs: 1_000, sleep: sleepOn(ctx) }),
      ).toMatchObject({ import_status: 'COMPLETE', transform_lines_in_error: 1 });
      const bad = await c.importProducts('colour\nred\n');
      expect(
        (await c.awaitImport('products', bad.importId, { pollMs: 1_000, sleep: sleepOn(ctx) })).import_status,
      ).toBe('FAILED');
      expect((await ctx.refusal(c.getImport('products', 424242))).status).toBe(404);
    },
  }),
  contractScenario({
    operation: 'P44',
    covers: 'the refused products with their reasons',
    async run(ctx) {
      const c = ctx.client();
      const { importId } = await c.importProducts('sku;title;category\nA-2;Box;toys\n');
      await c.awaitImport('products', importId, { pollMs: 1_000, sleep: sleepOn(ctx) });
      expect((await c.getImportErrors('products', importId)).map((e) => e.fields.sku)).toEqual(['A-2']);
    },
  }),
  contractScenario({
    operation: 'OF24',
    covers: 'whole offers as JSON; an empty list refused',
    async run(ctx) {
      seedProducts(ctx, 2);
      const c = ctx.client();
      const { importId } = await c.upsertOffers([
        offer('SKU-1', 4),
        { ...offer('SKU-2', 0), discount: { price: 19.9 } },
      ]);
      expect(importId).toBeGreaterThan(0);
      await expect(c.upsertOffers([])).rejects.toThrow('OF24 needs at least one offer');
    },
  }),
  contractScenario({
    operation: 'OF01',
    covers: 'an offers file, NORMAL and REPLACE modes',
    async run(ctx) {
      seedProducts(ctx, 2);
      const c = ctx.client();
      await c.importOffers(
        'sku;product-id;product-id-type;price;quantity;state\nSKU-1;SKU-1;SHOP_SKU;10;2;11\n',
      );
      await c.importOffers('sku;price;quantity;state\nSKU-1;11;2;11\n', 'REPLACE');
    },
  }),
  contractScenario({
    operation: 'OF02',
    covers: 'offer import status: waiting, running, complete with counts; 404',
    async run(ctx) {
      seedProducts(ctx, 1);
      const c = ctx.client();
      const { importId } = await c.upsertOffers([offer('SKU-1', 1), offer('NOPE', 1)]);
      expect((await c.getImport('offers', importId)).status).toBe('WAITING');
      ctx.sandbox.clock.advance(1_000);
      expect((await c.getImport('offers', importId)).status).toBe('RUNNING');
      ctx.sandbox.clock.advance(1_000);
      expect(await c.getImport('offers', importId)).toMatchObject({ status: 'COMPLETE', lines_in_error: 1 });
      expect((await ctx.refusal(c.getImport('offers', 99))).status).toBe(404);
    },
  }),
  contractScenario({
    operation: 'OF03',
    covers: 'offer import error report',
    async run(ctx) {
      const c = ctx.client();
      const { importId } = await c.importOffers(
        'sku;product-id;product-id-type;price;quantity;state\nX;X;SHOP_SKU;1;1;11\n',
      );
      await c.awaitImport('offers', importId, { pollMs: 1_000, sleep: sleepOn(ctx) });
      expect((await c.getImportErrors('offers', importId)).map((e) => e.message)).toEqual([
        'The product does not exist',
      ]);
    },
  }),
  contractScenario({
    operation: 'OF21',
    covers: 'every offer over pages, with warehouses; sku filter',
    async run(ctx) {
      seedProducts(ctx, 105);
      const mp = ctx.marketplace().code;
      for (let i = 1; i <= 105; i++) ctx.sandbox.offers.apply(mp, { ...offer(`SKU-${i}`, i % 3) });
      ctx.sandbox.offers.setStock(mp, 'SKU-1', 3, 'LYON-1');
      const c = ctx.client();
      expect(await all(c.listOffers())).toHaveLength(105);
      expect((await all(c.listOffers({ skus: ['SKU-1'] })))[0].warehouses).toEqual([
        { code: 'LYON-1', quantity: 3 },
      ]);
    },
  }),
  contractScenario({
    operation: 'STO01',
    covers: 'a stock file, global and per warehouse',
    async run(ctx) {
      seedProducts(ctx, 1);
      ctx.sandbox.offers.apply(ctx.marketplace().code, { ...offer('SKU-1', 1) });
      const { importId } = await ctx.client().importStock([
        { offerSku: 'SKU-1', quantity: 2, warehouseCode: 'LYON-1' },
        { offerSku: 'SKU-1', quantity: 0, warehouseCode: 'MADRID-2', updateDelete: 'delete' },
      ]);
      expect(importId).toMatch(/^\d+$/);
    },
  }),
  contractScenario({
    operation: 'STO02',
    covers: 'stock import status; 404',
    async run(ctx) {
      const c = ctx.client();
      const { importId } = await c.importStock([{ offerSku: 'NOPE', quantity: 1 }]);
      expect(await c.awaitImport('stock', importId, { pollMs: 1_000, sleep: sleepOn(ctx) })).toMatchObject({
        status: 'COMPLETE',
        lines_in_error: 1,
      });
      expect((await ctx.refusal(c.getImport('stock', 'nope'))).status).toBe(404);
    },
  }),
  contractScenario({
    operation: 'STO03',
    covers: 'stock import error report',
    async run(ctx) {
      const c = ctx.client();
      const { importId } = await c.importStock([{ offerSku: 'NOPE', quantity: 1 }]);
      await c.awaitImport('stock', importId, { pollMs: 1_000, sleep: sleepOn(ctx) });
      expect(await c.getImportErrors('stock', importId)).toMatchObject([
        { line: 1, fields: { 'offer-sku': 'NOPE' } },
      ]);
    },
  }),
];
