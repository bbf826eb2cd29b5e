// The runtime floor: the smallest Worker that reads its request and answers 200 JSON.
export default {
  async fetch(request) {
    if (request.body) await request.arrayBuffer();
    return new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
  },
};
