// A function that answers with what reached it: method, headers and body size (gateway tests).
export default {
  async fetch(request: Request): Promise<Response> {
    const body = new Uint8Array(await request.arrayBuffer());
    return Response.json({
      method: request.method,
      headers: Object.fromEntries(request.headers),
      bytes: body.byteLength,
    });
  },
};
