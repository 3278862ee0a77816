import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, PermanentError, type Clock } from '@seller-bridge/service-kit';
import { DataSource, type EntityManager } from 'typeorm';
import { ExceptionLog } from '../exceptions/exception-log';
import { MARKETPLACE_CLIENTS, type MarketplaceClients } from '../marketplaces/marketplace-clients';
import { returnedRows } from '../database/rows';
import { carrierKey, parseCarrierCsv, type CarrierMappingRow, type CsvProblem } from './carrier-csv';

export class UnknownMarketplaceError extends PermanentError {
  constructor(marketplace: string) {
    super('UNKNOWN_MARKETPLACE', `marketplace ${marketplace} is not configured`, { marketplace });
  }
}

/** Mappings refused: the codes are not in the marketplace's SH21 list, or the file has problems. */
export class CarrierMappingInvalidError extends PermanentError {
  constructor(readonly problems: CsvProblem[]) {
    super(
      'CARRIER_MAPPING_INVALID',
      problems.map((p) => (p.line ? `line ${p.line}: ` : '') + p.problem).join('; '),
      {
        problems,
      },
    );
  }
}

export interface CarrierMapping {
  marketplace: string;
  warehouseCarrier: string;
  carrierCode: string;
  updatedAt: string;
}

/**
 * The carrier mapping table per marketplace: warehouse carrier name → the marketplace's carrier code (SH21).
 * Every code written is checked against the marketplace's current SH21 list. Writing a mapping releases the
 * shipments held for that carrier (they go out by themselves) and resolves its exception.
 */
@Injectable()
export class CarrierMappingService {
  constructor(
    private readonly ds: DataSource,
    private readonly exceptions: ExceptionLog,
    @Inject(MARKETPLACE_CLIENTS) private readonly clients: MarketplaceClients,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async list(marketplace: string): Promise<CarrierMapping[]> {
    this.client(marketplace);
    const rows = (await this.ds.query(
      `SELECT warehouse_carrier, carrier_code, updated_at FROM fb_carrier_mapping WHERE marketplace = $1 ORDER BY warehouse_carrier_key`,
      [marketplace],
    )) as { warehouse_carrier: string; carrier_code: string; updated_at: Date }[];
    return rows.map((r) => ({
      marketplace,
      warehouseCarrier: r.warehouse_carrier,
      carrierCode: r.carrier_code,
      updatedAt: new Date(r.updated_at).toISOString(),
    }));
  }

  /** The code for a warehouse carrier, or undefined when unmapped. */
  async codeFor(
    m: EntityManager,
    marketplace: string,
    warehouseCarrier: string,
  ): Promise<string | undefined> {
    const [row] = (await m.query(
      `SELECT carrier_code FROM fb_carrier_mapping WHERE marketplace = $1 AND warehouse_carrier_key = $2`,
      [marketplace, carrierKey(warehouseCarrier)],
    )) as { carrier_code: string }[];
    return row?.carrier_code;
  }

  /**
   * Serialises, per (marketplace, warehouse carrier), writing a mapping (and releasing its held parcels) with
   * holding a parcel for want of one: a parcel read "unmapped" just before a mapping is written re-checks under
   * this lock, so it is never held after the release swept past it.
   */
  async lockCarrier(m: EntityManager, marketplace: string, warehouseCarrier: string): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `fb-carrier-mapping:${marketplace}:${carrierKey(warehouseCarrier)}`,
    ]);
  }

  async put(marketplace: string, row: CarrierMappingRow): Promise<{ released: number }> {
    return this.putMany(marketplace, [row]);
  }

  async importCsv(marketplace: string, csv: string): Promise<{ mappings: number; released: number }> {
    const { rows, problems } = parseCarrierCsv(csv);
    if (problems.length) throw new CarrierMappingInvalidError(problems);
    const r = await this.putMany(marketplace, rows, 2);
    return { mappings: rows.length, released: r.released };
  }

  async remove(marketplace: string, warehouseCarrier: string): Promise<boolean> {
    this.client(marketplace);
    const rows = returnedRows(
      await this.ds.query(
        `DELETE FROM fb_carrier_mapping WHERE marketplace = $1 AND warehouse_carrier_key = $2 RETURNING 1`,
        [marketplace, carrierKey(warehouseCarrier)],
      ),
    );
    return rows.length > 0;
  }

  private async putMany(
    marketplace: string,
    rows: CarrierMappingRow[],
    firstLine = 0,
  ): Promise<{ released: number }> {
    const client = this.client(marketplace);
    const codes = new Set((await client.listCarriers()).map((c) => c.code));
    const problems = rows.flatMap((r, i) =>
      codes.has(r.carrierCode)
        ? []
        : [
            {
              line: firstLine ? firstLine + i : 0,
              problem: `carrier code ${r.carrierCode} is not in ${marketplace}'s carrier list (SH21: ${[...codes].join(', ') || 'empty'})`,
            },
          ],
    );
    if (problems.length) throw new CarrierMappingInvalidError(problems);
    const now = this.clock.now();
    return this.ds.transaction(async (m) => {
      let released = 0;
      for (const r of rows) {
        const key = carrierKey(r.warehouseCarrier);
        await this.lockCarrier(m, marketplace, r.warehouseCarrier);
        await m.query(
          `INSERT INTO fb_carrier_mapping (marketplace, warehouse_carrier_key, warehouse_carrier, carrier_code, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (marketplace, warehouse_carrier_key)
           DO UPDATE SET warehouse_carrier = EXCLUDED.warehouse_carrier, carrier_code = EXCLUDED.carrier_code, updated_at = EXCLUDED.updated_at`,
          [marketplace, key, r.warehouseCarrier, r.carrierCode, now],
        );
        const freed = returnedRows(
          await m.query(
            `UPDATE fb_shipment SET state = 'pending', hold_reason = NULL, next_attempt_at = $3
           WHERE state = 'held' AND hold_reason = 'UNMAPPED_CARRIER' AND marketplace = $1
             AND lower(regexp_replace(btrim(carrier_name), '\\s+', ' ', 'g')) = $2
           RETURNING shipment_id`,
            [marketplace, key, now],
          ),
        );
        released += freed.length;
        await this.exceptions.resolve(
          m,
          `UNMAPPED_CARRIER:${marketplace}:${key}`,
          'UNMAPPED_CARRIER',
          `mapped to ${r.carrierCode}; held shipments released`,
        );
      }
      return { released };
    });
  }

  private client(marketplace: string) {
    const c = this.clients.get(marketplace);
    if (!c) throw new UnknownMarketplaceError(marketplace);
    return c;
  }
}
