"""Word-level tokenizer of the EmbBERT example (tokenizer.mjs is the same in JavaScript).

An e-mail becomes text as follows: the header block (everything before the first empty line) is
dropped except the first line of its Subject header; the Subject text and the body are joined by a
newline. Words are the maximal runs of ASCII letters and digits ([A-Za-z0-9]+), lower-cased; everything
else (punctuation, HTML markup characters, non-ASCII letters) separates words.

Ids: 0 = [PAD], 1 = [UNK], 2 = [CLS], then the vocabulary file's words in order (line i holds id i).
A sequence is [CLS] followed by the ids of the first length-1 words, padded with [PAD] to `length`.
"""
import re
import sys

PAD, UNK, CLS = 0, 1, 2
SPECIAL_TOKENS = ['[PAD]', '[UNK]', '[CLS]']
WORD = re.compile(r'[A-Za-z0-9]+')
SUBJECT = re.compile(r'^subject:(.*)$', re.IGNORECASE | re.MULTILINE)


def email_text(raw: str) -> str:
    raw = raw.replace('\r\n', '\n')
    headers, _, body = raw.partition('\n\n')
    subject = SUBJECT.search(headers)
    return (subject.group(1).strip() if subject else '') + '\n' + body


def words(text: str) -> list:
    return [w.lower() for w in WORD.findall(text)]


def load_vocabulary(path: str) -> dict:
    with open(path, encoding='utf-8') as f:
        return {token: i for i, token in enumerate(f.read().splitlines())}


def encode(text: str, vocabulary: dict, length: int) -> list:
    ids = [CLS] + [vocabulary.get(w, UNK) for w in words(text)[:length - 1]]
    return ids + [PAD] * (length - len(ids))


if __name__ == '__main__':
    if len(sys.argv) != 4:
        sys.exit('usage: tokenizer.py VOCAB_FILE LENGTH EMAIL_FILE   (prints the ids, one line)')
    vocabulary = load_vocabulary(sys.argv[1])
    with open(sys.argv[3], encoding='utf-8', errors='replace') as f:
        print(' '.join(map(str, encode(email_text(f.read()), vocabulary, int(sys.argv[2])))))
