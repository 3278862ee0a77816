import { Registry } from 'prom-client';
import { MiraklCallMetrics, callOutcome } from './mirakl-call-metrics';

describe(MiraklCallMetrics.name, () => {
  it('counts calls by outcome, errors, 429s and retries, and times calls and limiter waits', async () => {
    const m = new MiraklCallMetrics(new Registry());
    const call = { operation: 'OR11', marketplace: 'decathlon-fr', seconds: 0.2, attempt: 1, waitedMs: 0 };
    m.observe({ ...call, status: 200 });
    m.observe({ ...call, status: 429, waitedMs: 1500 });
    m.observe({ ...call, status: 0, attempt: 2 });
    m.observe({ ...call, operation: 'OR21', status: 400 });
    const text = await m.calls.get();
    const value = (
      metric: { values: { labels: Record<string, string | number | undefined>; value: number }[] },
      labels: Record<string, string>,
    ) => metric.values.find((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x))?.value;
    expect(value(text, { operation: 'OR11', outcome: '2xx' })).toBe(1);
    expect(value(text, { operation: 'OR11', outcome: '429' })).toBe(1);
    expect(value(text, { operation: 'OR11', outcome: 'no_response' })).toBe(1);
    const errors = await m.errors.get();
    expect(errors.values.reduce((s, v) => s + v.value, 0)).toBe(3);
    expect(value(await m.rateLimited.get(), { operation: 'OR11' })).toBe(1);
    expect(value(await m.retries.get(), { operation: 'OR11' })).toBe(1);
    const durations = await m.duration.get();
    expect(value(durations, { operation: 'OR11', le: '+Inf' })).toBe(3);
    const waits = await m.limiterWait.get();
    expect(
      waits.values.find((v) => v.metricName?.endsWith('_sum') && v.labels.operation === 'OR11')?.value,
    ).toBe(1.5);
  });

  it('names outcomes by status class', () => {
    expect([0, 200, 204, 404, 429, 503].map(callOutcome)).toEqual([
      'no_response',
      '2xx',
      '2xx',
      '4xx',
      '429',
      '5xx',
    ]);
  });
});
