// Regenerates the tokenizer goldens in ../ from Hugging Face's reference
// implementation (npm tokenizers@0.23.2, the Rust library behind
// tokenizer.json files):
//
//   NODE_PATH=/tmp/tok/node_modules node gen.mjs
//
// It writes, next to ../vocab.txt (hand-written, the input):
//   ../<variant>/tokenizer.json          built the way transformers' BertConverter
//                                        lays it out, then loaded and saved by the
//                                        reference so the file is in its own format
//   ../<variant>/tokenizer_config.json   the equivalent vocab.txt configuration,
//                                        where one exists
//   ../golden.jsonl                      reference ids of every text for every variant
//   ../unicode.txt                       the reference's per-code-point behaviour
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed, random } from './texts.mjs';
import { unicodeTable } from './unicode.mjs';

const tk = createRequire(import.meta.url)('tokenizers');
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..');

const vocabLines = fs.readFileSync(path.join(out, 'vocab.txt'), 'utf8').split('\n');
vocabLines.pop(); // the file ends with a newline
const vocab = Object.fromEntries(vocabLines.map((t, i) => [t, i]));
const specials = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];

// Variants: the normalizer settings of tokenizer.json, and the
// tokenizer_config.json that makes transformers build the same tokenizer
// from vocab.txt (null where none can).
const variants = [
  { name: 'uncased', norm: { strip_accents: null, lowercase: true },
    config: { do_lower_case: true, strip_accents: null, model_max_length: 1e30 }, specialsMap: true },
  { name: 'cased', norm: { strip_accents: null, lowercase: false }, config: { do_lower_case: false } },
  { name: 'keep_accents', norm: { strip_accents: false, lowercase: true },
    config: { do_lower_case: true, strip_accents: false } },
  { name: 'cased_strip', norm: { strip_accents: true, lowercase: false },
    config: { do_lower_case: false, strip_accents: true } },
  { name: 'no_cjk', norm: { handle_chinese_chars: false, strip_accents: null, lowercase: true },
    config: { do_lower_case: true, tokenize_chinese_chars: false } },
  { name: 'raw', norm: { clean_text: false, handle_chinese_chars: false, strip_accents: false, lowercase: false },
    config: null },
  { name: 'bert_processing', norm: { strip_accents: null, lowercase: true }, processing: 'bert',
    config: null },
  { name: 'short', norm: { strip_accents: null, lowercase: true }, truncation: 16,
    config: { do_lower_case: true, model_max_length: 16 } },
  { name: 'short_left', norm: { strip_accents: null, lowercase: true }, truncation: 16, left: true,
    config: null },
  { name: 'added', norm: { strip_accents: null, lowercase: true }, added: true,
    config: { do_lower_case: true } },
];

function bertJSON(v) {
  const id = (t) => vocab[t];
  const norm = { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true,
    strip_accents: null, lowercase: true, ...v.norm };
  const template = {
    type: 'TemplateProcessing',
    single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } }],
    pair: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } },
      { SpecialToken: { id: '[SEP]', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } },
      { SpecialToken: { id: '[SEP]', type_id: 1 } }],
    special_tokens: {
      '[CLS]': { id: '[CLS]', ids: [id('[CLS]')], tokens: ['[CLS]'] },
      '[SEP]': { id: '[SEP]', ids: [id('[SEP]')], tokens: ['[SEP]'] },
    },
  };
  const bert = { type: 'BertProcessing', sep: ['[SEP]', id('[SEP]')], cls: ['[CLS]', id('[CLS]')] };
  return {
    version: '1.0',
    truncation: v.truncation
      ? { direction: v.left ? 'Left' : 'Right', max_length: v.truncation, strategy: 'LongestFirst', stride: 0 }
      : null,
    padding: null,
    added_tokens: specials.map((t) => ({ id: id(t), content: t, single_word: false, lstrip: false,
      rstrip: false, normalized: false, special: true })),
    normalizer: norm,
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: v.processing === 'bert' ? bert : template,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: { type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##',
      max_input_chars_per_word: 100, vocab },
  };
}

// The added variant's extra tokens: normalized and raw matches, whitespace
// stripping, single-word matching, and ids both inside and past the vocab.
function addExtra(tok) {
  tok.addAddedTokens([
    new tk.AddedToken('GPU', false, { normalized: true }),
    new tk.AddedToken('<eq>', false, { normalized: false, leftStrip: true, rightStrip: true }),
    new tk.AddedToken('ony', false, { normalized: false, singleWord: true }),
    new tk.AddedToken('Über', false, { normalized: true }),
  ]);
  tok.addSpecialTokens(['[NEW]']);
}

function configJSON(v, tokJSON) {
  const c = { cls_token: '[CLS]', do_basic_tokenize: true, do_lower_case: true, mask_token: '[MASK]',
    model_max_length: 512, never_split: null, pad_token: '[PAD]', sep_token: '[SEP]',
    strip_accents: null, tokenize_chinese_chars: true, tokenizer_class: 'BertTokenizer',
    unk_token: '[UNK]', ...v.config };
  if (v.added) {
    c.added_tokens_decoder = {};
    for (const t of tokJSON.added_tokens) {
      const { id, ...rest } = t;
      c.added_tokens_decoder[String(id)] = rest;
    }
  }
  return c;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tokgen-'));
const texts = [...fixed, ...random(40)];
const golden = texts.map(([name, text]) => ({ name, text, ids: {} }));

for (const v of variants) {
  const dir = path.join(out, v.name);
  fs.mkdirSync(dir, { recursive: true });
  const draft = path.join(tmp, `${v.name}.json`);
  fs.writeFileSync(draft, JSON.stringify(bertJSON(v)));
  const built = tk.Tokenizer.fromFile(draft);
  if (v.added) addExtra(built);
  const file = path.join(dir, 'tokenizer.json');
  built.save(file, true);
  const tok = tk.Tokenizer.fromFile(file);
  if (!v.truncation) tok.setTruncation(512); // as the Python reference passes max_length=512
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (v.config) {
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'),
      JSON.stringify(configJSON(v, saved), null, 2).replace('1e+30', '1000000000000000019884624838656') + '\n');
  }
  if (v.specialsMap) {
    fs.writeFileSync(path.join(dir, 'special_tokens_map.json'), JSON.stringify({ cls_token: '[CLS]',
      mask_token: '[MASK]', pad_token: '[PAD]', sep_token: '[SEP]', unk_token: '[UNK]' }) + '\n');
  }
  for (const g of golden) {
    g.ids[v.name] = (await tok.encode(g.text)).getIds();
  }
}

// Word pieces of the uncased variant without specials or truncation.
const plain = tk.Tokenizer.fromFile(path.join(out, 'uncased', 'tokenizer.json'));
for (const g of golden) {
  g.tokens = (await plain.encode(g.text, null, { addSpecialTokens: false })).getTokens();
}

fs.writeFileSync(path.join(out, 'golden.jsonl'), golden.map((g) => JSON.stringify(g)).join('\n') + '\n');
fs.writeFileSync(path.join(out, 'unicode.txt'), await unicodeTable(tk, path.join(out, 'uncased', 'tokenizer.json')));
fs.rmSync(tmp, { recursive: true });
console.log(`${golden.length} texts x ${variants.length} variants`);
