import { createHash } from 'node:crypto';
import type { ExceptionRaised } from '@seller-bridge/contracts';
import type { ImportErrorLine } from '@seller-bridge/mirakl-client';

/** Mirakl's reason when a stock line names an offer the shop does not have on that marketplace. */
const OFFER_MISSING = /does not exist|doesn't exist|n'existe pas|unknown offer|offer not found/i;

const short = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/** The offer SKU of an error-report line (STO03 repeats the file's columns), if Mirakl gave it back. */
export function skuOfErrorLine(line: ImportErrorLine): string | undefined {
  const sku = line.fields['offer-sku'] ?? line.fields['offer_sku'] ?? line.fields['sku'];
  return sku?.trim() ? sku.trim() : undefined;
}

/**
 * A refused stock line as an exception for a person. A missing offer is the e-commerce team's (the offer must
 * be created on the marketplace); any other reason is the integration team's. The id is stable per
 * marketplace, SKU and reason, so the same refusal seen again (every push of that SKU) raises the same
 * exception instead of a new one.
 */
export function importLineException(
  marketplace: string,
  importId: string,
  line: ImportErrorLine,
  service: string,
  at: Date,
): ExceptionRaised {
  const sku = skuOfErrorLine(line);
  const reason = line.message.trim() || 'no reason given';
  const missing = OFFER_MISSING.test(reason);
  const type = missing ? 'OFFER_MISSING_ON_MARKETPLACE' : 'STOCK_IMPORT_LINE_REFUSED';
  const subject = sku ?? `line-${line.line ?? '?'}`;
  return {
    exceptionId: `${type}:${marketplace}:${subject}:${short(reason)}`,
    type,
    owner: missing ? 'ecommerce' : 'integration',
    service,
    marketplace,
    entities: [
      ...(sku ? [{ kind: 'sku', id: sku }] : []),
      { kind: 'stock-import', id: `${marketplace}:${importId}` },
    ],
    reason: `${marketplace} refused the stock of ${sku ?? `line ${line.line ?? '?'}`} in stock import ${importId}: ${reason}`,
    resolution: missing
      ? `Create the offer for SKU ${subject} on ${marketplace} (offer import or the marketplace back office), or stop ` +
        `selling it there. Its stock is sent again with the SKU's next stock change.`
      : `Read Mirakl's reason and correct the offer or the stock figure of SKU ${subject} on ${marketplace}; if the ` +
        `reason points at the file itself, hand it to the integration team. The stock is sent again with the SKU's ` +
        `next stock change.`,
    raisedAt: at.toISOString(),
  };
}
