// Texts whose token ids are pinned against the reference tokenizer. Each one
// exercises a rule of BERT's normalizer, pre-tokenizer, WordPiece, the
// special-token split or truncation.

const abstract =
  'We introduce SPECTER2, a new scientific document representation model. ' +
  'Transformers pretrained on large scale citation graphs learn embeddings of papers; ' +
  'we show results on 24 tasks (classification, regression, search and proximity), ' +
  'with state-of-the-art performance. Our evaluation benchmark, SciRepEval, has 25 tasks! ';

export const fixed = [
  ['empty', ''],
  ['spaces_only', '   \t\n  '],
  ['hello', 'Hello, world!'],
  ['title_sep_abstract', 'SPECTER2: Document-level Representation Learning[SEP]We introduce a new model.'],
  ['sep_spaced', 'title [SEP] abstract'],
  ['sep_lower', '[sep] lowercase special'],
  ['sep_mixed_case', '[Sep] [SEP ] [ SEP] [SEP]'],
  ['specials_adjacent', '[SEP][SEP][CLS][MASK][PAD][UNK]'],
  ['specials_glued', 'a[SEP]b[MASK]c[PAD]d[UNK]e[CLS]f'],
  ['specials_partial', '[SEP [SE P] SEP] [[SEP]] [[CLS]]]'],
  ['specials_in_word', 'un[UNK]known [MASK]ed pre[SEP]train'],
  ['title_empty_abstract', 'A Title[SEP]'],
  ['only_sep', '[SEP]'],
  ['accents', 'Café naïve résumé Zürich Ångström façade'],
  ['accents_upper', 'ÉCOLE NORMALE SUPÉRIEURE ÀÉÎÕÜ'],
  ['combining', 'e\u0301cole cafe\u0301 n\u0303 a\u0301\u0316\u0308'],
  ['dotted_i', 'İstanbul İ ı I i Straße ẞ'],
  ['greek', 'Αλφα βήτα ΣΊΣΥΦΟΣ ΟΔΟΣ ᾼ ᾳ'],
  ['cyrillic', 'Привет мир Ёё Й'],
  ['vietnamese', 'Tiếng Việt Nam'],
  ['cjk', '中文语言模型 and 日本語の文章'],
  ['cjk_ext', '\u{20000}\u{20001} \u{2A700} \u{2B740} \u{2B820}\u{2B81F}\u{2B91F}\u{2B920} \u{2CEAF} \u{2F800} \uF900 \u3400'],
  ['korean', '한국어 자연어 처리 가'],
  ['japanese_kana', 'ひらがな カタカナ ｶﾀｶﾅ'],
  ['emoji', 'Deep learning 😀🚀👩\u200D🔬 is fun 🥰 😀😀'],
  ['emoji_modifiers', '🇺🇸 1\uFE0F\u20E3 👍🏽 ☃ ❤\uFE0F'],
  ['math', 'Let x ∈ ℝ^n, ∑_{i=1}^n x_i ≤ ∞ and α+β=γ → δ²; x≤y; H₂O'],
  ['latex', '$\\mathcal{O}(n \\log n)$ \\cite{devlin2019bert} \\textbf{BERT} $$\\frac{a}{b}$$'],
  ['html', '<p>Hello&nbsp;<b>world</b> &amp; &#x27;quotes&#x27;</p><br/>'],
  ['control_chars', 'a\u0000b\u0001c\u0007d\u001Fe\u007Ff\u0085g\u0080h\u009Fi'],
  ['line_breaks', 'line1\nline2\r\nline3\tcol\u000Bvt\u000Cff\rcr'],
  ['zero_width', 'zero\u200Bwidth\u200Cnon\u200Djoiner\uFEFFbom\u2060wj\u200Ehy'],
  ['unicode_spaces', 'a\u00A0b\u2003c\u3000d\u202Fe\u205Ff\u1680g\u2028h\u2029i\u180Ej\u200Ak'],
  ['replacement_char', 'bad\uFFFDchar \uFFFD'],
  ['soft_hyphen', 'hy\u00ADphen soft\u00AD'],
  ['private_use', 'priv\uE000ate \u{F0000} \u{10FFFD}x'],
  ['format_chars_new', 'new\u0890\u08E2chars \u{13430}x\u{110CD} \u061C\u00AD'],
  ['rtl', '\u200Fעברית\u200E العربية مُحَمَّد'],
  ['indic_thai', 'हिन्दी ภาษาไทย'],
  ['long_word_100', 'a'.repeat(100)],
  ['long_word_101', 'a'.repeat(101) + ' ok'],
  ['long_word_after_strip', 'e\u0301'.repeat(60) + ' ' + 'é'.repeat(101)],
  ['long_word_cjk_split', 'ab'.repeat(40) + '中' + 'cd'.repeat(40)],
  ['unmatched_remainder', 'abc☃def ok ☃ xyz\u2603'],
  ['ascii_punct', 'Hello!!! What?? (yes) [no] {maybe} <ok> "quote" \'single\' `tick` ~tilde^caret|pipe\\back'],
  ['unicode_punct', '“Smart quotes” — em-dash – en-dash … ellipsis «guillemets» ¿Qué? ¡Hola! ‰ † § ¶'],
  ['punct_version', '\u2E43 \u166D \u{111C9} a\u2E52b \u2E42 x\u2E3Ay'],
  ['numbers', '3.14159 1,000,000 2019-2023 v2.0 10^-5 1e-3 ½ ²'],
  ['url_email', 'https://openreview.net/forum?id=abc123 user@example.com'],
  ['code', 'def f(x): return x**2 # comment'],
  ['wordpiece_mix', 'Transformers Transformer transformed TRANSFORMATION embeddings unable'],
  ['whitespace_runs', '  multiple     spaces\t\t\ttabs\n\n\nnewlines  '],
  ['only_punct', '!!!...???'],
  ['fullwidth', 'ＡＢＣ １２３ ！ ｈｅｌｌｏ'],
  ['ligatures_compat', 'ﬁnance ﬂow Ⅻ ⅻ K Å Ω'],
  ['apostrophes', "don't it's O'Neil’s"],
  ['hyphens', 'state-of-the-art self-attention fine-tuning'],
  ['hash_literal', '##ing ##s #hash'],
  ['special_accents', 'Café[SEP]naïve'],
  ['added_tokens', 'GPU gpu Gpu GPUs x<eq>y  <eq>  z ony phony ony! [NEW] Über über'],
  ['single_word_unicode', 'ony\u{13E3C} \u{1410D}ony ony\u0301 \u200Dony ony_ ony٣ ony\u2E43 ony'],
  ['leading_combining', '\u0345\u0130 \u0308https [SEP]\u0301abc \u0301\u0327e\u0301'],
  ['empty_vocab_token', 'after ##empty end afterempty'],
  ['unreachable_pieces', 'a\u00ADb a\u0086b'],
  ['abstract', 'BERT for scientific text[SEP]' + abstract],
  ['over_512', 'Long paper[SEP]' + abstract.repeat(12)],
  ['exactly_510', 'a '.repeat(510)],
  ['exactly_511', 'a '.repeat(511)],
  ['sep_at_boundary', 'a '.repeat(509) + '[SEP] b c'],
];

// mulberry32: a small seeded generator so the random texts are reproducible.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pool = [
  'the', 'model', 'Transformer', 'BERT', 'embedding', 'paper', 'a', 'x', 'ÉCOLE', 'café',
  'é', 'e\u0301', '\u0308', '\u0327', 'İ', 'ß', 'Σ', 'ς', '中', '文', '한', 'の', '😀', '🥰', '☃',
  '.', ',', '!', '?', '-', '(', ')', '[', ']', '#', '##', '—', '“', '”', '…', '«', '\u2E43',
  ' ', ' ', ' ', '  ', '\t', '\n', '\r\n', '\u00A0', '\u3000', '\u2003',
  '\u0000', '\u0007', '\u200B', '\u00AD', '\uFEFF', '\u0085', '\uE000', '\uFFFD',
  '[SEP]', '[CLS]', '[MASK]', '[sep]', '[SE', 'P]', '[UNK]',
  '0', '42', '3.14', '∑', '≤', '²', 'ℝ', 'ｈｉ', 'GPU', '<eq>', 'ony',
];

// randomCodePoint draws from ASCII, the lower BMP, the whole BMP or any plane.
function randomCodePoint(next) {
  const k = next();
  let cp;
  if (k < 0.3) cp = 0x20 + Math.floor(next() * 0x60);
  else if (k < 0.5) cp = 0x80 + Math.floor(next() * 0x2000);
  else if (k < 0.7) cp = Math.floor(next() * 0x10000);
  else cp = Math.floor(next() * 0x110000);
  if (cp >= 0xd800 && cp < 0xe000) cp = 0x41; // no lone surrogates
  return String.fromCodePoint(cp);
}

// random returns n texts built from the pool above, then n from arbitrary
// code points mixed with pool entries (how a leading combining mark after a
// special token was found to matter).
export function random(n) {
  const next = rng(20240605);
  const out = [];
  for (let i = 0; i < n; i++) {
    const parts = 1 + Math.floor(next() * 40);
    let s = '';
    for (let j = 0; j < parts; j++) {
      s += pool[Math.floor(next() * pool.length)];
      if (next() < 0.3) s += ' ';
    }
    out.push([`random_${String(i).padStart(2, '0')}`, s]);
  }
  for (let i = 0; i < n; i++) {
    const parts = Math.floor(next() * 40);
    let s = '';
    for (let j = 0; j < parts; j++) {
      s += next() < 0.5 ? randomCodePoint(next) : pool[Math.floor(next() * pool.length)];
    }
    out.push([`wide_${String(i).padStart(2, '0')}`, s]);
  }
  return out;
}
