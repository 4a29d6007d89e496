// Word-level tokenizer of the EmbBERT example, identical to tokenizer.py (read its docstring for the rules).
// Usage: node tokenizer.mjs VOCAB_FILE LENGTH EMAIL_FILE   (prints the ids, one line)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PAD = 0, UNK = 1, CLS = 2;

export function emailText(raw) {
  const text = raw.replace(/\r\n/g, '\n');
  const split = text.indexOf('\n\n');
  const headers = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 2);
  const subject = /^subject:(.*)$/im.exec(headers);
  return (subject ? subject[1].trim() : '') + '\n' + body;
}

export function words(text) {
  return (text.match(/[A-Za-z0-9]+/g) ?? []).map((w) => w.toLowerCase());
}

export function loadVocabulary(path) {
  const lines = readFileSync(path, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return new Map(lines.map((token, i) => [token, i]));
}

export function encode(text, vocabulary, length) {
  const ids = [CLS, ...words(text).slice(0, length - 1).map((w) => vocabulary.get(w) ?? UNK)];
  while (ids.length < length) ids.push(PAD);
  return ids;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [vocabFile, length, emailFile] = process.argv.slice(2);
  if (!emailFile) {
    console.error('usage: node tokenizer.mjs VOCAB_FILE LENGTH EMAIL_FILE');
    process.exit(2);
  }
  console.log(encode(emailText(readFileSync(emailFile, 'utf8')), loadVocabulary(vocabFile), Number(length)).join(' '));
}
