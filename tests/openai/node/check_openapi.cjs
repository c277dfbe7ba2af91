// Conformance of the mock server (responses) and of the C++ client (request bodies) with the
// OpenAI OpenAPI spec, plus a round trip through the official `openai` Node SDK.
//
//   node check_openapi.cjs SPEC.yaml BASE_URL REQUESTS.json
//
// Prints one line per check and "openapi checks: N ok, M failed"; exits 1 on any failure
// (tests/support/node/openapi_checks.cjs).
'use strict';
const { OpenAI, runChecks } = require('../../support/node/openapi_checks.cjs');

const numbersPrompt = 'I give you this sequence of numbers: 145, 267, 891. Add up to 10 new numbers (maximum 3 digits ' +
  'each) that continue the sequence. Return a comma-separated list of numbers. Say only the numbers - nothing more.';

runChecks(async ({ client, baseURL, check, expect, validator, requests }) => {
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

  requests.forEach((body, i) => check(`C++ client request ${i}`, 'CreateChatCompletionRequest', body));
});

