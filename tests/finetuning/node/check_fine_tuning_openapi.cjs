// Conformance of the mock's files and fine-tuning endpoints (responses, driven through the
// official `openai` Node SDK) and of the C++ client's create-job request with the OpenAI
// OpenAPI spec.
//
//   node check_fine_tuning_openapi.cjs SPEC.yaml BASE_URL REQUESTS.json
//
// Prints one line per check and "openapi checks: N ok, M failed"; exits 1 on any failure
// (tests/support/node/openapi_checks.cjs).
'use strict';
const { OpenAI, runChecks } = require('../../support/node/openapi_checks.cjs');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

runChecks(async ({ client, check, expect, validator, requests }) => {
  let lines = '';
  for (let i = 0; i < 12; i++)
    lines += JSON.stringify({ messages: [{ role: 'user', content: `Continue: ${i}` }, { role: 'assistant', content: '1, 2, 3' }] }) + '\n';

  const file = await client.files.create({ file: await OpenAI.toFile(Buffer.from(lines), 'train.jsonl'), purpose: 'fine-tune' });
  check('SDK upload', 'OpenAIFile', file);
  const processed = await client.files.waitForProcessing(file.id, { pollInterval: 20, maxWait: 20000 });
  check('SDK retrieve file', 'OpenAIFile', processed);
  expect('file processed', processed.status === 'processed');
  const content = await (await client.files.content(file.id)).text();
  expect('file content is what was uploaded', content === lines);
  const files = await client.files.list({ purpose: 'fine-tune' });
  check('GET /files page', 'ListFilesResponse', { object: 'list', data: files.data, first_id: files.data[0].id, last_id: files.data[files.data.length - 1].id, has_more: false });

  const created = await client.fineTuning.jobs.create({
    model: 'gpt-4.1-nano-2025-04-14', training_file: file.id, seed: 1,
    method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 10, learning_rate_multiplier: 'auto', batch_size: 'auto' } } },
  });
  check('SDK create job', 'FineTuningJob', created);
  let job = created;
  const seen = [job.status];
  while (!['succeeded', 'failed', 'cancelled'].includes(job.status)) {
    await sleep(10);
    job = await client.fineTuning.jobs.retrieve(created.id);
    if (job.status !== seen[seen.length - 1]) seen.push(job.status);
  }
  check('SDK retrieve finished job', 'FineTuningJob', job);
  expect('job succeeded with a model', job.status === 'succeeded' && job.fine_tuned_model.startsWith('ft:gpt-4.1-nano-2025-04-14:mock::'));
  const events = await client.fineTuning.jobs.listEvents(created.id, { limit: 100 });
  check('GET /fine_tuning/jobs/{id}/events page', 'ListFineTuningJobEventsResponse', { object: 'list', data: events.data, has_more: false });
  events.data.forEach((e, i) => check(`event ${i}`, 'FineTuningJobEvent', e));
  const jobs = await client.fineTuning.jobs.list({ limit: 10 });
  check('GET /fine_tuning/jobs page', 'ListPaginatedFineTuningJobsResponse', { object: 'list', data: jobs.data, has_more: false });

  const answer = await client.chat.completions.create({
    model: job.fine_tuned_model, messages: [{ role: 'user', content: 'Name your favorite animal using only one word.' }], seed: 3,
  });
  check('chat with the fine-tuned model', 'CreateChatCompletionResponse', answer);

  const second = await client.fineTuning.jobs.create({ model: 'gpt-4.1-nano-2025-04-14', training_file: file.id });
  const cancelled = await client.fineTuning.jobs.cancel(second.id);
  check('SDK cancel job', 'FineTuningJob', cancelled);
  expect('cancelled', cancelled.status === 'cancelled');
  try {
    await client.fineTuning.jobs.cancel(second.id);
    expect('cancelling a finished job is refused', false);
  } catch (e) {
    expect('SDK raises APIError 400 for cancelling a finished job', e instanceof OpenAI.APIError && e.status === 400);
    check('400 error body', 'ErrorResponse', { error: e.error });
  }
  try {
    await client.fineTuning.jobs.retrieve('ftjob-nosuchjob');
    expect('unknown job is refused', false);
  } catch (e) {
    expect('SDK raises NotFoundError for an unknown job', e instanceof OpenAI.NotFoundError);
    check('404 error body', 'ErrorResponse', { error: e.error });
  }

  // Negative controls: the validators reject what the spec forbids.
  const noStatus = JSON.parse(JSON.stringify(job));
  delete noStatus.status;
  expect('validator rejects a job without status', !validator('FineTuningJob')(noStatus));
  expect('validator rejects a request with n_epochs "many"',
    !validator('CreateFineTuningJobRequest')({ model: 'm', training_file: 'f', method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 'many' } } } }));

  requests.forEach((body, i) => check(`C++ client create-job request ${i}`, 'CreateFineTuningJobRequest', body));
});

