import type { SimulationFigures } from './no-oversell.simulation';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** The figures of a run as a docs/benchmarks.md section. */
export function markdownReport(
  f: SimulationFigures,
  at: { date: string; machine: string; withHeading: boolean },
): string {
  const o = f.options;
  const d = f.decisions;
  const pushes = Object.entries(f.pushes)
    .map(
      ([mp, by]) =>
        `${mp}: ${Object.entries(by)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ')}`,
    )
    .join('; ');
  const rows: [string, string | number][] = [
    [
      'accepted lines the back office could not fulfil (truth `oversold_lines`)',
      `**${f.oversoldLines}** (${f.oversoldUnits} units)`,
    ],
    [
      'cross-check: accepted lines sold `beyondRealStock` (Mirakl sandbox) / of which no earlier line of the SKU was refused',
      `${f.acceptedBeyondRealStock} / **${f.acceptedBeyondRealStockUnexplained}**`,
    ],
    [
      'back-office holds: lines held / refused at reservation (sold elsewhere, not yet in the feed) / refused late',
      `${f.holds.held} / ${f.holds.refusedAtReservation} / ${f.holds.refusedLate}`,
    ],
    [
      'sell-through (units sold ÷ units that existed)',
      `${pct(f.sellThrough)} (${f.units.soldMarketplaces} marketplaces + ${f.units.soldOtherChannels} other channels of ${f.units.existed}: ${f.units.initial} seeded + ${f.units.received} received; ${f.units.leftAtEnd} left)`,
    ],
    [
      'marketplace units refused because they were gone',
      `${pct(f.refusedNoStockShare)} (${d.unitsRefusedNoStock} of ${f.placed.units} units ordered)`,
    ],
    [
      'orders placed / accepted / refused whole',
      `${f.placed.orders} / ${d.ordersAccepted} / ${d.ordersRefused}`,
    ],
    ['lines placed / accepted', `${f.placed.lines} / ${d.linesAccepted}`],
    [
      'lines refused by reason',
      `NO_STOCK ${d.linesRefused.NO_STOCK}, WHOLE_ORDER ${d.linesRefused.WHOLE_ORDER}, UNKNOWN_SKU ${d.linesRefused.UNKNOWN_SKU}`,
    ],
    ['sales seen `beyondRealStock` at the moment of sale (then refused)', f.salesBeyondRealStock],
    ['other channels: units sold / missed', `${f.otherChannels.unitsSold} / ${f.otherChannels.missedSales}`],
    ['stock pushes (pushOnce outcomes)', pushes],
    ['polls with consumer lag (gate exercised)', d.laggedPolls],
    [
      'sales orders posted / duplicates / negative stock',
      `${f.salesOrdersPosted} / ${f.duplicates} / ${f.negativeStock}`,
    ],
  ];
  return [
    ...(at.withHeading ? ['', '## No-oversell simulation'] : []),
    '',
    `### ${at.date} — no-oversell simulation, ${f.skus} SKUs, ${o.hours} simulated hours (+10 min drain), ${f.realSeconds} s real time`,
    '',
    `Machine: ${at.machine}`,
    '',
    `Buyers ${Object.entries(o.ordersPerMinute)
      .map(([mp, n]) => `${mp} ${n}/min`)
      .join(
        ', ',
      )} (≤ ${o.maxLinesPerOrder} lines, ≤ ${o.maxUnitsPerLine} units a line); other channels ${o.otherChannelUnitsPerMinute} units/min; safety buffer ${o.safetyBuffer}; back-office holds ${o.backofficeHolds ? 'on' : 'off'}; goods receipts every ${o.restockEveryMinutes} min on ${pct(o.restockShare)} of SKUs; step ${o.stepMs / 1000} s; consumer lag on ${pct(o.consumerLagShare)} of polls; seed ${o.seed}. Design: decision 0008, "Simulation".`,
    '',
    '| measure | value |',
    '| --- | --- |',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ].join('\n');
}
