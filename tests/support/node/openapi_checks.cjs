// What the Node OpenAPI checkers share (tests/openai/node/check_openapi.cjs,
// tests/finetuning/node/check_fine_tuning_openapi.cjs): the spec loaded as JSON Schema 2020-12,
// the check/expect counters and the summary line the C++ tests look for.
//
//   const { runChecks } = require('../../support/node/openapi_checks.cjs');
//   runChecks(async ({ client, check, expect, validator, requests }) => { ... });
//
// Arguments of every checker: SPEC.yaml BASE_URL REQUESTS.json. Prints one line per check and
// "openapi checks: N ok, M failed"; exits 1 on any failure. The packages are those of
// package.json beside this file (NODE_PATH points at their node_modules).
'use strict';
const fs = require('fs');
const yaml = require('js-yaml');
const Ajv2020 = require('ajv/dist/2020');
const OpenAI = require('openai');

// Two OpenAPI 3.0 leftovers are not JSON Schema 2020-12: `nullable` (made a "null" type where a
// type is given, dropped elsewhere) and a boolean `exclusiveMinimum` beside `minimum` (made the
// number form).
function toJsonSchema2020(node) {
  if (Array.isArray(node)) return node.forEach(toJsonSchema2020);
  if (!node || typeof node !== 'object') return;
  if ('nullable' in node) {
    if (node.nullable === true && typeof node.type === 'string') node.type = [node.type, 'null'];
    delete node.nullable;
  }
  if (typeof node.exclusiveMinimum === 'boolean') {
    if (node.exclusiveMinimum && typeof node.minimum === 'number') {
      node.exclusiveMinimum = node.minimum;
      delete node.minimum;
    } else {
      delete node.exclusiveMinimum;
    }
  }
  Object.values(node).forEach(toJsonSchema2020);
}

// A validator per schema of components/schemas; an unknown name throws.
function loadValidators(specPath) {
  const spec = yaml.load(fs.readFileSync(specPath, 'utf8'));
  toJsonSchema2020(spec);
  // Vendor keywords (x-oaiMeta, discriminator, ...) are ignored, and so are formats such as
  // "unixtime".
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema({ $id: 'openapi', components: spec.components });
  return (name) => {
    const v = ajv.getSchema(`openapi#/components/schemas/${name}`);
    if (!v) throw new Error(`schema ${name} not found in the spec`);
    return v;
  };
}

// Runs `body` with an SDK client for BASE_URL, the validators, check/expect and the C++
// client's request bodies (REQUESTS.json), then prints the summary and exits.
function runChecks(body) {
  const [specPath, baseURL, requestsPath] = process.argv.slice(2);
  if (!specPath || !baseURL || !requestsPath) {
    console.log(`usage: node ${process.argv[1]} SPEC.yaml BASE_URL REQUESTS.json`);
    process.exit(2);
  }
  let passed = 0;
  let failed = 0;
  const validator = loadValidators(specPath);
  const check = (label, schemaName, value) => {
    const validate = validator(schemaName);
    if (validate(value)) {
      passed++;
      console.log(`ok   ${label} matches ${schemaName}`);
    } else {
      failed++;
      console.log(`FAIL ${label} does not match ${schemaName}:`);
      for (const e of validate.errors.slice(0, 10)) console.log(`     ${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
    }
  };
  const expect = (label, condition) => {
    if (condition) {
      passed++;
      console.log(`ok   ${label}`);
    } else {
      failed++;
      console.log(`FAIL ${label}`);
    }
  };
  const client = new OpenAI({ baseURL, apiKey: 'sk-conformance-test', maxRetries: 0 });
  const requests = JSON.parse(fs.readFileSync(requestsPath, 'utf8'));
  body({ client, baseURL, check, expect, validator, requests })
    .then(() => {
      console.log(`openapi checks: ${passed} ok, ${failed} failed`);
      process.exit(failed ? 1 : 0);
    })
    .catch((e) => {
      console.log(`FAIL ${e.stack || e}`);
      process.exit(1);
    });
}

module.exports = { OpenAI, runChecks };
