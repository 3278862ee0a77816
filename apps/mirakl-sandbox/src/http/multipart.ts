import busboy from 'busboy';
import { Readable } from 'node:stream';
import { SandboxRefusal } from '../orders/order-book';

export interface Multipart {
  fields: Record<string, string>;
  files: Record<string, { filename: string; data: Buffer }>;
}

/** A `multipart/form-data` body (imports): Mirakl's 400 when it is anything else or malformed. */
export async function parseMultipart(contentType: string | undefined, body: Buffer): Promise<Multipart> {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data'))
    throw new SandboxRefusal(400, 'The request must be multipart/form-data with a part named file');
  const out: Multipart = { fields: {}, files: {} };
  await new Promise<void>((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, limits: { files: 4, fields: 16 } });
    } catch (err) {
      return reject(new SandboxRefusal(400, `Malformed multipart body: ${(err as Error).message}`));
    }
    parser.on('field', (name, value) => (out.fields[name] = value));
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on(
        'end',
        () => (out.files[name] = { filename: info.filename ?? name, data: Buffer.concat(chunks) }),
      );
    });
    parser.on('error', (err: Error) =>
      reject(new SandboxRefusal(400, `Malformed multipart body: ${err.message}`)),
    );
    parser.on('close', () => resolve());
    Readable.from([body]).pipe(parser);
  });
  return out;
}
