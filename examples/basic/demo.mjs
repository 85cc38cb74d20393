// `npm run demo`: the package on the embedded memory store, end to end over real HTTP.
// Starts examples/basic on a free port, sends the deliveries IDWise would, prints each answer.
import { buildEvent } from 'idwise-webhooks/testing';
import { createApp } from './app.mjs';

const token = 'demo-token';
const { app, webhooks } = createApp({ token });
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const url = `http://127.0.0.1:${server.address().port}/webhooks/idwise`;

async function send(label, payload, auth = `Bearer ${token}`) {
  console.log(`${label}`);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth },
    body: JSON.stringify(payload),
  });
  console.log(`  -> ${response.status} ${await response.text()}`);
  return response.status;
}

const finished = buildEvent('Finished Journey');
const flaky = buildEvent('Finished Journey', { body: { referenceNo: 'flaky-crm' } });
const statuses = [
  await send('1. Finished Journey', finished),
  await send('2. The same event again (IDWise retries with the same eventId)', finished),
  await send('3. A journey whose listener fails', flaky),
  await send("4. IDWise's retry of that event", flaky),
  await send('5. A manual review, as newer accounts send it (Updated Journey, action Manual Review)', buildEvent('Updated Journey')),
  await send('6. An AML monitoring update', buildEvent('AML Monitor Update')),
  await send('7. An event this version does not know yet', { event: 'Some Future Event', body: { eventId: 'future-1' } }),
  await send('8. A request with the wrong token', buildEvent('Finished Journey'), 'Bearer wrong'),
  await send('9. A payload of the wrong shape', { event: 'Finished Journey', body: { journeyId: 42 } }),
];

await webhooks.close();
server.close();
const expected = [200, 200, 500, 200, 200, 200, 200, 401, 400];
const ok = statuses.every((status, i) => status === expected[i]);
console.log(ok ? '\nDemo finished: every answer was as expected.' : `\nDemo finished with unexpected answers: ${statuses.join(', ')}`);
process.exit(ok ? 0 : 1);
