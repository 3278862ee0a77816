/** Mirakl refuses more than 100 values in one id filter (400 "The limit of 100 is exceeded…"). */
export const MIRAKL_MAX_IDS_PER_CALL = 100;

/** Splits ids into chunks Mirakl accepts, dropping duplicates and keeping first-seen order. */
export function chunkIds(ids: Iterable<string>, size = MIRAKL_MAX_IDS_PER_CALL): string[][] {
  if (!Number.isInteger(size) || size < 1)
    throw new RangeError(`chunk size must be a positive integer, got ${size}`);
  const unique = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < unique.length; i += size) chunks.push(unique.slice(i, i + size));
  return chunks;
}
