import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordBenchmark } from './record';

describe(recordBenchmark.name, () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'bench-record-')), 'benchmarks.md');

  it('creates the file and the section with its intro', () => {
    const f = file();
    recordBenchmark(f, 'svc: a → b', 'What is measured.', '### run 1\n\nfigures 1');
    expect(readFileSync(f, 'utf8')).toBe(
      '# Benchmarks\n\nEach run appends its figures; newest last. Machine and date are in each entry.\n\n' +
        '## svc: a → b\n\nWhat is measured.\n\n### run 1\n\nfigures 1\n',
    );
  });

  it('adds a run at the end of its own section, not after the sections that follow it', () => {
    const f = file();
    writeFileSync(f, '# Benchmarks\n\n## one\n\n### run 1\n\nx\n\n## two\n\n### run A\n\ny\n');
    recordBenchmark(f, 'one', 'unused', '### run 2\n\nz');
    recordBenchmark(f, 'two', 'unused', '### run B\n\nw');
    expect(readFileSync(f, 'utf8')).toBe(
      '# Benchmarks\n\n## one\n\n### run 1\n\nx\n\n### run 2\n\nz\n\n## two\n\n### run A\n\ny\n\n### run B\n\nw\n',
    );
  });
});
