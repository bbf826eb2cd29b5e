// The runtime floor: the smallest Worker that answers 200 with a JSON body.
export default {
  fetch() {
    return new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
  },
};
