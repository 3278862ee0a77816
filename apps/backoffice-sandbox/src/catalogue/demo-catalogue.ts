import type { BackofficeSeed } from '../back-office';
import { demoWarehouses } from '../warehouse/warehouse-site';
import type { Product } from './product';

interface Family {
  code: string;
  title: string;
  category: string;
  grams: number;
  /** Price range in cents. */
  price: [number, number];
  sizes?: string[];
}

const FAMILIES: Family[] = [
  {
    code: 'SHOE',
    title: 'Trail running shoe',
    category: 'Sports > Running > Shoes',
    grams: 680,
    price: [5999, 14999],
    sizes: ['40', '41', '42', '43', '44', '45'],
  },
  {
    code: 'PACK',
    title: 'Hiking backpack 30 L',
    category: 'Outdoor > Hiking > Backpacks',
    grams: 1150,
    price: [3999, 11999],
  },
  {
    code: 'TENT',
    title: 'Two-person dome tent',
    category: 'Outdoor > Camping > Tents',
    grams: 2800,
    price: [8999, 29999],
  },
  {
    code: 'HELM',
    title: 'Road cycling helmet',
    category: 'Sports > Cycling > Helmets',
    grams: 320,
    price: [3499, 12999],
    sizes: ['S', 'M', 'L'],
  },
  {
    code: 'YOGA',
    title: 'Yoga mat 6 mm',
    category: 'Fitness > Yoga > Mats',
    grams: 1500,
    price: [1999, 5999],
  },
  {
    code: 'FLSK',
    title: 'Insulated bottle 750 ml',
    category: 'Outdoor > Hydration > Bottles',
    grams: 390,
    price: [1499, 3999],
  },
  {
    code: 'LAMP',
    title: 'Rechargeable headlamp 400 lm',
    category: 'Outdoor > Lighting > Headlamps',
    grams: 90,
    price: [1999, 6999],
  },
  {
    code: 'FLEE',
    title: 'Fleece jacket',
    category: 'Clothing > Jackets > Fleece',
    grams: 420,
    price: [2999, 8999],
    sizes: ['XS', 'S', 'M', 'L', 'XL'],
  },
  {
    code: 'ROWR',
    title: 'Folding rowing machine',
    category: 'Fitness > Cardio > Rowers',
    grams: 38_000,
    price: [39999, 89999],
  },
  {
    code: 'TRED',
    title: 'Home treadmill',
    category: 'Fitness > Cardio > Treadmills',
    grams: 65_000,
    price: [59999, 149999],
  },
];
const BRANDS = ['Northpeak', 'Riverline', 'Altivo', 'Kestrel', 'Maremonte'];
const COLOURS = ['black', 'blue', 'red', 'green', 'grey', 'orange'];

/** Deterministic pseudo-random numbers (mulberry32), so the demo catalogue is the same on every start. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function gtin13(body12: string): string {
  const sum = [...body12].reduce((s, d, i) => s + Number(d) * (i % 2 === 0 ? 1 : 3), 0);
  return `${body12}${(10 - (sum % 10)) % 10}`;
}

/**
 * The demo back office: 300 SKUs (30 per family, `SHOE-0001` … `TRED-0030`) in LYON-1 and MADRID-2.
 * About 7 SKUs in 10 are well stocked, 2 in 10 are scarce (0 to 3 units per warehouse) and 1 in 10 is only in
 * one warehouse: enough for other channels and stale marketplace stock to oversell. Same data every call.
 */
export function demoCatalogue(count = 300): BackofficeSeed {
  const random = seededRandom(20_240_601);
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const products: Omit<Product, 'updatedAt'>[] = [];
  const stock: BackofficeSeed['stock'] = [];
  for (let i = 0; i < count; i++) {
    const family = FAMILIES[i % FAMILIES.length];
    const n = Math.floor(i / FAMILIES.length) + 1;
    const sku = `${family.code}-${String(n).padStart(4, '0')}`;
    const brand = BRANDS[between(0, BRANDS.length - 1)];
    const colour = COLOURS[between(0, COLOURS.length - 1)];
    const size = family.sizes?.[between(0, family.sizes.length - 1)];
    products.push({
      sku,
      title: `${brand} ${family.title}${size ? ` size ${size}` : ''}, ${colour}`,
      brand,
      gtin: gtin13(`376${String(1_000_000_000 + i).slice(1)}`),
      description: `${family.title} by ${brand}. Colour: ${colour}.${size ? ` Size: ${size}.` : ''}`,
      category: family.category,
      priceMinor: Math.round(between(family.price[0], family.price[1]) / 100) * 100 - 1,
      currency: 'EUR',
      taxRateBp: 2000,
      weightGrams: family.grams,
      attributes: { colour, ...(size ? { size } : {}) },
      active: true,
    });
    const profile = random();
    const [lyon, madrid] =
      profile < 0.7
        ? [between(20, 200), between(0, 120)]
        : profile < 0.9
          ? [between(0, 3), between(0, 3)]
          : [between(1, 8), 0];
    stock.push({ sku, warehouse: 'LYON-1', on_hand: lyon }, { sku, warehouse: 'MADRID-2', on_hand: madrid });
  }
  return { warehouses: demoWarehouses(), products, stock };
}
