import type { MiraklRequest, MiraklResponse, MiraklTransport } from '../http/transport';

/** A transport that answers from a function (a thrown error is the call's failure) and records requests. */
export function fakeTransport(answer: (req: MiraklRequest) => unknown) {
  const requests: MiraklRequest[] = [];
  const transport = {
    call: async <T>(req: MiraklRequest): Promise<MiraklResponse<T>> => {
      requests.push(req);
      return { status: 200, body: answer(req) as T, headers: new Headers() };
    },
  } as unknown as MiraklTransport;
  return { transport, requests };
}
