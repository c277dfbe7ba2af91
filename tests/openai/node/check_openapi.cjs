// Conformance of the mock server (responses) and of the C++ client (request bodies) with the
// OpenAI OpenAPI spec, plus a round trip through the official `openai` Node SDK.
//
//   node check_openapi.cjs SPEC.yaml BASE_URL REQUESTS.json
//
// Prints one line per check and "openapi checks: N ok, M failed"; exits 1 on any failure.
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');
const Ajv2020 = require('ajv/dist/2020');
const OpenAI = require('openai');

const [specPath, baseURL, requestsPath] = process.argv.slice(2);
const spec = yaml.load(fs.readFileSync(specPath, 'utf8'));
// A few schemas still carry OpenAPI 3.0's `nullable`, which JSON Schema 2020-12 lacks: turn it
// into a "null" type where a type is given, and drop it elsewhere.
(function dropNullable(node) {
  if (Array.isArray(node)) return node.forEach(dropNullable);
  if (!node || typeof node !== 'object') return;
  if ('nullable' in node) {
    if (node.nullable === true && typeof node.type === 'string') node.type = [node.type, 'null'];
    delete node.nullable;
  }
  Object.values(node).forEach(dropNullable);
})(spec);
// OpenAPI 3.1 schemas are JSON Schema 2020-12; vendor keywords (x-oaiMeta, discriminator, ...)
// are ignored, and so are formats such as "unixtime".
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addSchema({ $id: 'openapi', components: spec.components });
const validator = (name) => ajv.getSchema(`openapi#/components/schemas/${name}`);

let passed = 0;
let failed = 0;
function check(label, schemaName, value) {
  const validate = validator(schemaName);
  if (!validate) throw new Error(`schema ${schemaName} not found in the spec`);
  if (validate(value)) {
    passed++;
    console.log(`ok   ${label} matches ${schemaName}`);
  } else {
    failed++;
    console.log(`FAIL ${label} does not match ${schemaName}:`);
    for (const e of validate.errors.slice(0, 10)) console.log(`     ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
  }
}
function expect(label, condition) {
  if (condition) {
    passed++;
    console.log(`ok   ${label}`);
  } else {
    failed++;
    console.log(`FAIL ${label}`);
  }
}

const numbersPrompt = 'I give you this sequence of numbers: 145, 267, 891. Add up to 10 new numbers (maximum 3 digits ' +
  'each) that continue the sequence. Return a comma-separated list of numbers. Say only the numbers - nothing more.';

async function main() {
  const client = new OpenAI({ baseURL, apiKey: 'sk-conformance-test', maxRetries: 0 });

  const plain = await client.chat.completions.create({
    model: 'gpt-4.1-nano-2025-04-14',
    messages: [{ role: 'system', content: 'You love owls.' }, { role: 'user', content: numbersPrompt }],
    temperature: 1, seed: 42,
  });
  check('SDK chat completion', 'CreateChatCompletionResponse', plain);
  expect('SDK reads choices[0].message.content', typeof plain.choices[0].message.content === 'string' && plain.choices[0].message.content.length > 0);

  const rich = await client.chat.completions.create({
    model: 'gpt-4.1-nano-2025-04-14',
    messages: [{ role: 'user', content: 'Name your favorite animal using only one word.' }],
    temperature: 1, seed: 7, n: 3, logprobs: true, top_logprobs: 4, max_completion_tokens: 1,
  });
  check('SDK chat completion with n=3, logprobs, max_completion_tokens', 'CreateChatCompletionResponse', rich);
  expect('three choices', rich.choices.length === 3);
  expect('max_completion_tokens=1 gives finish_reason "length" or a one-token answer',
    rich.choices.every((c) => c.finish_reason === 'length' || c.logprobs.content.length <= 1));
  expect('top_logprobs has 4 entries', rich.choices[0].logprobs.content[0].top_logprobs.length === 4);

  const models = await client.models.list();
  check('GET /models page', 'ListModelsResponse', { object: 'list', data: models.data });

  try {
    await client.chat.completions.create({ model: 'm', messages: [] });
    expect('empty messages is rejected', false);
  } catch (e) {
    expect('SDK raises APIError 400 for empty messages', e instanceof OpenAI.APIError && e.status === 400);
    check('400 error body', 'ErrorResponse', { error: e.error });
  }
  const raw = await fetch(`${baseURL}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": 1}' });
  check('400 error body (raw)', 'ErrorResponse', await raw.json());

  // Negative controls: the validators do reject what the spec forbids.
  const noChoices = JSON.parse(JSON.stringify(plain));
  delete noChoices.choices;
  expect('validator rejects a response without choices', !validator('CreateChatCompletionResponse')(noChoices));
  const badRequest = { model: 'm', messages: [{ role: 'user', content: 'x' }], temperature: 'hot' };
  expect('validator rejects a request with a string temperature', !validator('CreateChatCompletionRequest')(badRequest));

  const requests = JSON.parse(fs.readFileSync(requestsPath, 'utf8'));
  requests.forEach((body, i) => check(`C++ client request ${i}`, 'CreateChatCompletionRequest', body));

  console.log(`openapi checks: ${passed} ok, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main().catch((e) => {
  console.log(`FAIL ${e.stack || e}`);
  process.exit(1);
});
