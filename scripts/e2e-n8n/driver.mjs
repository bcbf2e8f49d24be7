// The checks of `just e2e-n8n` (started by scripts/e2e-n8n.sh with n8n and Atende running):
// a fake WhatsApp Cloud API / Instagram Send API on FAKE_PORT that records every send and posts
// Meta-format webhooks to n8n, then the whole loop, one PASS/FAIL line per check. Stops at the
// first failure (later checks build on earlier ones) with exit code 1.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const E = process.env;
const N8N = E.N8N_URL;
const ATENDE = E.ATENDE_URL;
const MARIA = '01930000-0000-7000-8000-000000000021'; // the demo patient, WhatsApp 5511987654321
const WA_ACCOUNT = 'demo-whatsapp'; // the demo clinic's relay integration (atende seed --demo)
const IG_ACCOUNT = '17841400000000001';
const now = () => Math.floor(Date.now() / 1000);

// ---- the fake provider ---------------------------------------------------------------------
const sends = [];
const fake = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => { raw += c; });
  req.on('end', () => {
    const reply = (status, body) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let body = null;
    try { body = JSON.parse(raw); } catch { return reply(400, { error: { message: 'not JSON', code: 100 } }); }
    const wa = req.url.match(/^\/v21\.0\/([^/]+)\/messages$/);
    const ig = req.url.match(/^\/ig\/v21\.0\/([^/]+)\/messages$/);
    if (req.method !== 'POST' || (!wa && !ig)) return reply(404, { error: { message: 'unknown path', code: 803 } });
    const token = wa ? E.E2E_WA_TOKEN : E.E2E_IG_TOKEN;
    if (req.headers.authorization !== `Bearer ${token}`) {
      return reply(401, { error: { message: 'Invalid OAuth access token', code: 190 } });
    }
    sends.push({ path: req.url, account: decodeURIComponent((wa || ig)[1]), body });
    if (ig) return reply(200, { recipient_id: body.recipient.id, message_id: `aWdfFAKE${sends.length}` });
    // Recipients that make the fake answer like Meta does when it refuses or throttles.
    if (body.to === '5500000000400') return reply(400, { error: { message: '(#100) Invalid parameter', code: 100 } });
    if (body.to === '5500000000429') return reply(400, { error: { message: '(#130429) Rate limit hit', code: 130429 } });
    if (body.to === '5500000000503') return reply(503, { error: { message: 'Service temporarily unavailable', code: 2 } });
    return reply(200, {
      messaging_product: 'whatsapp',
      contacts: [{ input: body.to, wa_id: body.to }],
      messages: [{ id: `wamid.FAKE${sends.length}` }],
    });
  });
});
await new Promise((ok) => fake.listen(Number(E.FAKE_PORT), '127.0.0.1', ok));

// ---- helpers -------------------------------------------------------------------------------
let step = 0;
async function check(name, fn) {
  step += 1;
  const label = `${String(step).padStart(2, '0')}.`;
  try {
    const detail = await fn();
    console.log(`PASS ${label.padEnd(4)} ${name}${detail ? ` (${detail})` : ''}`);
  } catch (e) {
    console.log(`FAIL ${label.padEnd(4)} ${name}: ${e.message}`);
    fake.close();
    process.exit(1);
  }
}
function expect(cond, message) { if (!cond) throw new Error(message); }
const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));
async function until(what, fn, ms = 20000) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}
async function request(method, url, { headers = {}, body } = {}) {
  const res = await fetch(url, { method, headers, body, redirect: 'manual' });
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* text */ }
  return { status: res.status, headers: res.headers, text, json };
}
// What Meta does: sign the raw body with the app secret.
function postMeta(path, payload, secret = E.E2E_META_APP_SECRET) {
  const body = JSON.stringify(payload);
  const sig = crypto.createHmac('sha256', secret).update(body).digest('hex');
  return request('POST', `${N8N}/webhook/${path}`, {
    headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': `sha256=${sig}` }, body,
  });
}
// What Atende's worker does (docs/outbound.md): sign "t.body" with the n8n integration's outbound secret.
function postOutbound(payload, key, { secret = E.E2E_OUTBOUND_SECRET, t = now() } = {}) {
  const body = JSON.stringify(payload);
  const v1 = crypto.createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  return request('POST', `${N8N}/webhook/atende-outbound`, {
    headers: { 'Content-Type': 'application/json', 'X-Atende-Signature': `t=${t},v1=${v1}`, 'Idempotency-Key': key },
    body,
  });
}
const waDelivery = (value) => ({
  object: 'whatsapp_business_account',
  entry: [{ id: 'WABA-E2E', changes: [{ field: 'messages', value: {
    messaging_product: 'whatsapp', metadata: { display_phone_number: '551130000000', phone_number_id: WA_ACCOUNT }, ...value,
  } }] }],
});
const maria = { contacts: [{ profile: { name: 'Maria Silva' }, wa_id: '5511987654321' }] };
const statuses = (id, status) => waDelivery({ statuses: [{ id, status, timestamp: String(now()), recipient_id: '5511987654321' }] });
const outbound = (over) => ({
  interaction_id: crypto.randomUUID(), company_id: '01930000-0000-7000-8000-000000000001',
  conversation_id: crypto.randomUUID(), channel: 'whatsapp', account_id: WA_ACCOUNT,
  to: { external_id: '5511987654321', phone: '+5511987654321' }, message: { type: 'text', text: 'Olá' },
  callback_url: `${ATENDE}/webhooks/n8n/status`, ...over,
});

// ---- Atende's API as the demo admin --------------------------------------------------------
let auth = {};
async function api(method, path, body) {
  const res = await request(method, `${ATENDE}${path}`, {
    headers: { ...auth, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return res;
}
async function thread(clientId, channel) {
  const list = await api('GET', '/api/conversations?limit=200');
  expect(list.status === 200, `GET /api/conversations answered ${list.status}`);
  const found = list.json.data.find((c) => c.client_id === clientId && c.channel === channel)
    || list.json.data.find((c) => c.channel === channel && (!clientId || c.client_id === clientId));
  if (!found) return null;
  const one = await api('GET', `/api/conversations/${found.id}?limit=200`);
  expect(one.status === 200, `GET /api/conversations/${found.id} answered ${one.status}`);
  return one.json;
}
const messageBy = (t, externalId) => t && t.interactions.data.filter((i) => i.external_id === externalId);

await check("n8n's editor saves each workflow file as a new workflow (what Import from file, then Save, sends)", async () => {
  const owner = { email: 'owner@e2e-n8n.test', password: `Owner-${crypto.randomBytes(9).toString('hex')}` };
  const setup = await request('POST', `${N8N}/rest/owner/setup`, {
    headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...owner, firstName: 'E2E', lastName: 'Owner' }),
  });
  expect(setup.status === 200, `owner setup: ${setup.status} ${setup.text.slice(0, 200)}`);
  const cookie = setup.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const saved = [];
  for (const file of fs.readdirSync(E.WORKFLOWS_DIR).filter((f) => f.endsWith('.json')).sort()) {
    const wf = JSON.parse(fs.readFileSync(path.join(E.WORKFLOWS_DIR, file), 'utf8'));
    const res = await request('POST', `${N8N}/rest/workflows`, {
      headers: { 'Content-Type': 'application/json', Cookie: cookie },
      body: JSON.stringify({ name: `${wf.name} (editor import)`, nodes: wf.nodes, connections: wf.connections, settings: wf.settings, pinData: {}, active: false }),
    });
    expect(res.status === 200 && res.json.data.nodes.length === wf.nodes.length, `${file}: ${res.status} ${res.text.slice(0, 300)}`);
    saved.push(file);
  }
  expect(saved.length === 4, `saved ${saved.join(', ')}`);
  return saved.join(', ');
});

await check('Atende: the demo admin signs in and makes an API token and the n8n and Instagram integrations', async () => {
  const signin = await request('POST', `${ATENDE}/auth/signin`, {
    headers: { 'Content-Type': 'application/json', Origin: ATENDE },
    body: JSON.stringify({ email: 'admin@clinica.demo', password: 'demo-admin-pass' }),
  });
  expect(signin.status === 200, `sign-in answered ${signin.status}: ${signin.text}`);
  const cookie = signin.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const token = await request('POST', `${ATENDE}/api/api-tokens`, {
    headers: { 'Content-Type': 'application/json', Origin: ATENDE, Cookie: cookie },
    body: JSON.stringify({ name: 'e2e-n8n', role: 'admin' }),
  });
  expect(token.status === 201, `POST /api/api-tokens answered ${token.status}: ${token.text}`);
  auth = { Authorization: `Bearer ${token.json.token}` };
  const n8n = await api('POST', '/api/integrations', {
    provider: 'n8n', account_id: 'relay', config: { outbound_url: `${N8N}/webhook/atende-outbound` },
    secrets: { outbound_secret: E.E2E_OUTBOUND_SECRET, webhook_secret: E.E2E_N8N_WEBHOOK_SECRET },
  });
  expect(n8n.status === 201, `n8n integration: ${n8n.status} ${n8n.text}`);
  const ig = await api('POST', '/api/integrations', {
    provider: 'instagram', account_id: IG_ACCOUNT, config: {}, secrets: { webhook_secret: E.E2E_IG_WEBHOOK_SECRET },
  });
  expect(ig.status === 201, `instagram integration: ${ig.status} ${ig.text}`);
  return `outbound_url ${N8N}/webhook/atende-outbound`;
});

await check("n8n answers Meta's subscription handshake (and refuses a wrong verify token)", async () => {
  for (const path of ['atende-whatsapp', 'atende-instagram']) {
    const q = (token) => `hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`;
    const good = await request('GET', `${N8N}/webhook/${path}?${q(E.E2E_META_VERIFY_TOKEN)}`);
    expect(good.status === 200 && good.text === '1158201444', `${path}: ${good.status} ${good.text}`);
    const bad = await request('GET', `${N8N}/webhook/${path}?${q('wrong')}`);
    expect(bad.status === 403, `${path} with a wrong token: ${bad.status}`);
  }
  return 'GET /webhook/atende-whatsapp and /webhook/atende-instagram';
});

await check('a Meta delivery with a forged X-Hub-Signature-256 is refused by n8n (401) and stores nothing', async () => {
  const forged = waDelivery({ ...maria, messages: [{ from: '5511987654321', id: 'wamid.E2E-FORGED', timestamp: String(now()), type: 'text', text: { body: 'forjada' } }] });
  const res = await postMeta('atende-whatsapp', forged, 'not-the-app-secret');
  expect(res.status === 401, `n8n answered ${res.status}: ${res.text}`);
  const t = await thread(MARIA, 'whatsapp');
  expect(!t || messageBy(t, 'wamid.E2E-FORGED').length === 0, 'the forged message was stored');
});

let conversationId;
await check('WhatsApp text: fake provider → n8n (Meta format) → signed relay → Atende stores it', async () => {
  const delivery = waDelivery({ ...maria, messages: [{ from: '5511987654321', id: 'wamid.E2E-IN-1', timestamp: String(now()), type: 'text', text: { body: 'Olá, quero marcar uma avaliação' } }] });
  const res = await postMeta('atende-whatsapp', delivery);
  expect(res.status === 200, `n8n answered ${res.status}: ${res.text}`);
  const t = await until('the message in Atende', async () => {
    const found = await thread(MARIA, 'whatsapp');
    return found && messageBy(found, 'wamid.E2E-IN-1').length ? found : null;
  });
  const [m] = messageBy(t, 'wamid.E2E-IN-1');
  expect(m.direction === 'inbound' && m.text === 'Olá, quero marcar uma avaliação' && m.client_id === MARIA,
    `stored as ${JSON.stringify(m)}`);
  conversationId = t.conversation.id;
  // Meta redelivers: Atende keeps one copy.
  const again = await postMeta('atende-whatsapp', delivery);
  expect(again.status === 200, `the redelivery: ${again.status}`);
  expect(messageBy(await thread(MARIA, 'whatsapp'), 'wamid.E2E-IN-1').length === 1, 'stored twice');
  return `Maria Silva's thread ${conversationId}; a redelivery is stored once`;
});

await check('WhatsApp image: the media id and type pass through (media.url = its Graph API URL)', async () => {
  const delivery = waDelivery({ ...maria, messages: [{ from: '5511987654321', id: 'wamid.E2E-IMG-1', timestamp: String(now()), type: 'image', image: { id: '1234567890123456', mime_type: 'image/jpeg', caption: 'meu exame' } }] });
  const res = await postMeta('atende-whatsapp', delivery);
  expect(res.status === 200, `n8n answered ${res.status}: ${res.text}`);
  const t = await until('the image in Atende', async () => {
    const found = await thread(MARIA, 'whatsapp');
    return found && messageBy(found, 'wamid.E2E-IMG-1').length ? found : null;
  });
  const [m] = messageBy(t, 'wamid.E2E-IMG-1');
  expect(m.content_type === 'image', `content_type ${m.content_type}`);
  expect(m.media && m.media.url === 'https://graph.facebook.com/v21.0/1234567890123456' && m.media.mime_type === 'image/jpeg'
    && m.media.caption === 'meu exame', `media ${JSON.stringify(m.media)}`);
  return `text "${m.text}"`;
});

await check('Instagram text: Meta messaging format → n8n → signed relay → Atende (an echo is not relayed)', async () => {
  const ts = Date.now();
  const delivery = { object: 'instagram', entry: [{ id: IG_ACCOUNT, time: ts, messaging: [
    { sender: { id: '9900000000000001' }, recipient: { id: IG_ACCOUNT }, timestamp: ts, message: { mid: 'aWdfE2E-IN-1', text: 'Oi, vi o post de vocês' } },
    { sender: { id: IG_ACCOUNT }, recipient: { id: '9900000000000001' }, timestamp: ts, message: { mid: 'aWdfE2E-ECHO', text: 'eco', is_echo: true } },
  ] }] };
  const res = await postMeta('atende-instagram', delivery);
  expect(res.status === 200 && res.json && res.json.relayed === 1, `n8n answered ${res.status}: ${res.text}`);
  const t = await until('the Instagram message in Atende', async () => {
    const found = await thread(null, 'instagram');
    return found && messageBy(found, 'aWdfE2E-IN-1').length ? found : null;
  });
  expect(messageBy(t, 'aWdfE2E-ECHO').length === 0, 'the echo was stored');
  return `a new lead, thread ${t.conversation.id}`;
});

await check('n8n asks Meta to redeliver (500) what Atende may take later, and not (200) what it refuses for good', async () => {
  const ts = Date.now();
  // An account with no integration in Atende: 401 there, so Meta must keep the message.
  const unknown = { object: 'instagram', entry: [{ id: '17841499999999999', time: ts, messaging: [
    { sender: { id: '9900000000000002' }, recipient: { id: '17841499999999999' }, timestamp: ts, message: { mid: 'aWdfE2E-NOACCOUNT', text: 'oi' } },
  ] }] };
  const later = await postMeta('atende-instagram', unknown);
  expect(later.status === 500, `an unknown account: n8n answered ${later.status}: ${later.text}`);
  // A sender id that is not a WhatsApp number: 422 in Atende, redelivering cannot help.
  const bad = waDelivery({ messages: [{ from: 'not-a-number', id: 'wamid.E2E-BAD', timestamp: String(now()), type: 'text', text: { body: 'x' } }] });
  const never = await postMeta('atende-whatsapp', bad);
  expect(never.status === 200 && never.json.refused === 1 && never.json.relayed === 0, `a 422: n8n answered ${never.status}: ${never.text}`);
  return 'Atende 401 → 500; Atende 422 → 200 {refused: 1}, the n8n execution marked failed';
});

let replyId;
await check('reply: POST /api/chat/send → worker → n8n (signature verified) → fake WhatsApp Cloud API', async () => {
  const sent = await api('POST', '/api/chat/send', { conversation_id: conversationId, message: 'Sua avaliação está confirmada para amanhã às 9h' });
  expect(sent.status === 202, `POST /api/chat/send answered ${sent.status}: ${sent.text}`);
  replyId = sent.json.interaction.id;
  const send = await until('the send at the fake provider', async () => sends.find((s) => s.body.text && s.body.text.body === 'Sua avaliação está confirmada para amanhã às 9h'));
  expect(send.path === `/v21.0/${WA_ACCOUNT}/messages`, `path ${send.path}`);
  expect(send.body.messaging_product === 'whatsapp' && send.body.to === '5511987654321' && send.body.type === 'text',
    `body ${JSON.stringify(send.body)}`);
  const m = await until('the reply sent in Atende', async () => {
    const [found] = (await thread(MARIA, 'whatsapp')).interactions.data.filter((i) => i.id === replyId);
    return found && found.status === 'sent' ? found : null;
  });
  expect(m.external_id && m.external_id.startsWith('wamid.FAKE'), `external_id ${m.external_id}`);
  return `status sent, external_id ${m.external_id}`;
});

const replyStatus = async () => (await thread(MARIA, 'whatsapp')).interactions.data.find((i) => i.id === replyId);
await check("status 'delivered': fake → n8n status workflow → signed callback → Atende", async () => {
  const m = await replyStatus();
  const res = await postMeta('atende-whatsapp-status', statuses(m.external_id, 'delivered'));
  expect(res.status === 200, `n8n answered ${res.status}: ${res.text}`);
  await until('delivered', async () => (await replyStatus()).status === 'delivered');
  return 'POST /webhook/atende-whatsapp-status';
});

await check("status 'read': fake → n8n WhatsApp callback URL (Meta's one URL for messages and statuses) → Atende", async () => {
  const m = await replyStatus();
  const res = await postMeta('atende-whatsapp', statuses(m.external_id, 'read'));
  expect(res.status === 200, `n8n answered ${res.status}: ${res.text}`);
  const read = await until('read', async () => { const r = await replyStatus(); return r.status === 'read' ? r : null; });
  return 'POST /webhook/atende-whatsapp';
});

await check('Idempotency-Key: a repeated call is answered from n8n\'s memory and not sent again', async () => {
  const before = sends.length;
  const m = await replyStatus();
  const res = await postOutbound(outbound({ interaction_id: replyId, message: { type: 'text', text: 'Sua avaliação está confirmada para amanhã às 9h' } }), replyId);
  expect(res.status === 200 && res.json.message_id === m.external_id, `n8n answered ${res.status}: ${res.text}`);
  await sleep(500);
  expect(sends.length === before, 'the provider got the message again');
  return `answered ${m.external_id} again`;
});

await check("n8n refuses Atende-format calls with a wrong or stale signature (401) and sends nothing", async () => {
  const before = sends.length;
  const wrong = await postOutbound(outbound(), crypto.randomUUID(), { secret: 'not-the-outbound-secret' });
  expect(wrong.status === 401, `wrong secret: ${wrong.status} ${wrong.text}`);
  const stale = await postOutbound(outbound(), crypto.randomUUID(), { t: now() - 600 });
  expect(stale.status === 401, `stale: ${stale.status} ${stale.text}`);
  expect(sends.length === before, 'the provider was called');
});

await check("provider refusals become Atende's outcomes: 400 → 422, throttled → 429 + Retry-After, 503 → 502", async () => {
  const to = (n) => ({ to: { external_id: n } });
  const refused = await postOutbound(outbound(to('5500000000400')), crypto.randomUUID());
  expect(refused.status === 422 && refused.json.message.includes('(code 100)'), `400: ${refused.status} ${refused.text}`);
  const throttled = await postOutbound(outbound(to('5500000000429')), crypto.randomUUID());
  expect(throttled.status === 429 && throttled.headers.get('retry-after') === '60', `429: ${throttled.status} ${throttled.text}`);
  const down = await postOutbound(outbound(to('5500000000503')), crypto.randomUUID());
  expect(down.status === 502, `503: ${down.status} ${down.text}`);
});

await check('Instagram, media and template replies reach the provider in its own format', async () => {
  const ig = await postOutbound(outbound({ channel: 'instagram', account_id: IG_ACCOUNT, to: { external_id: '9900000000000001' }, message: { type: 'text', text: 'Olá pelo Instagram' } }), crypto.randomUUID());
  expect(ig.status === 200 && ig.json.message_id.startsWith('aWdfFAKE'), `instagram: ${ig.status} ${ig.text}`);
  const igSend = sends[sends.length - 1];
  expect(igSend.path === `/ig/v21.0/${IG_ACCOUNT}/messages` && igSend.body.recipient.id === '9900000000000001'
    && igSend.body.message.text === 'Olá pelo Instagram', `instagram send ${JSON.stringify(igSend)}`);
  const image = await postOutbound(outbound({ message: { type: 'image', media: { url: 'https://files.example/exame.jpg', caption: 'seu exame' } } }), crypto.randomUUID());
  expect(image.status === 200, `image: ${image.status} ${image.text}`);
  const imageSend = sends[sends.length - 1].body;
  expect(imageSend.type === 'image' && imageSend.image.link === 'https://files.example/exame.jpg' && imageSend.image.caption === 'seu exame',
    `image send ${JSON.stringify(imageSend)}`);
  const template = await postOutbound(outbound({ message: { type: 'template', template: { name: 'confirmacao_consulta', language: 'pt_BR', parameters: ['Maria', 'amanhã às 9h'] } } }), crypto.randomUUID());
  expect(template.status === 200, `template: ${template.status} ${template.text}`);
  const t = sends[sends.length - 1].body;
  expect(t.type === 'template' && t.template.name === 'confirmacao_consulta' && t.template.language.code === 'pt_BR'
    && JSON.stringify(t.template.components) === JSON.stringify([{ type: 'body', parameters: [{ type: 'text', text: 'Maria' }, { type: 'text', text: 'amanhã às 9h' }] }]),
    `template send ${JSON.stringify(t)}`);
});

fake.close();
console.log(`PASS      all ${step} checks of the loop passed`);
