package tokenizer

import "unicode/utf8"

// wordPiece is the WordPiece model: greedy longest-match-first over a
// vocabulary, with a prefix marking pieces that continue a word.
type wordPiece struct {
	vocab    map[string]int
	unk      int
	prefix   string
	maxChars int // longer words are [UNK] whole
	// The longest piece in bytes, without the prefix, that can start a word
	// and that can continue one: longer candidates are never looked up.
	maxHead, maxCont int
}

func newWordPiece(vocab map[string]int, unk int, prefix string, maxChars int) *wordPiece {
	w := &wordPiece{vocab: vocab, unk: unk, prefix: prefix, maxChars: maxChars}
	for tok := range vocab {
		w.maxHead = max(w.maxHead, len(tok))
		if len(tok) > len(prefix) && tok[:len(prefix)] == prefix {
			w.maxCont = max(w.maxCont, len(tok)-len(prefix))
		}
	}
	return w
}

// appendWords splits normalized text as BERT's pre-tokenizer does (on
// whitespace, and around every punctuation character) and appends the
// WordPiece ids of each word. It stops early once ids holds limit entries
// (limit < 0: no limit).
func (w *wordPiece) appendWords(ids []int, s []byte, limit int, sc *scratch) []int {
	start := -1 // start of the current word
	for i := 0; i < len(s); {
		if limit >= 0 && len(ids) >= limit {
			return ids
		}
		r, size := rune(s[i]), 1
		if r < utf8.RuneSelf && asciiClass[r] == 0 {
			if start < 0 {
				start = i
			}
			i++
			continue
		}
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s[i:])
		}
		switch {
		case isSpace(r):
			if start >= 0 {
				ids = w.appendWord(ids, s[start:i], sc)
				start = -1
			}
		case isPunct(r):
			if start >= 0 {
				ids = w.appendWord(ids, s[start:i], sc)
				start = -1
			}
			ids = w.appendWord(ids, s[i:i+size], sc)
		default:
			if start < 0 {
				start = i
			}
		}
		i += size
	}
	if start >= 0 {
		ids = w.appendWord(ids, s[start:], sc)
	}
	return ids
}

// appendWord appends the pieces of one word, or a single [UNK] when the word
// is too long or some part of it matches no piece. Looking a []byte up as
// m[string(b)] does not allocate.
func (w *wordPiece) appendWord(ids []int, word []byte, sc *scratch) []int {
	if len(word) > w.maxChars && utf8.RuneCount(word) > w.maxChars {
		return append(ids, w.unk)
	}
	if id, ok := w.vocab[string(word)]; ok {
		return append(ids, id)
	}
	first := len(ids)
	cont := append(sc.piece[:0], w.prefix...)
	for pos := 0; pos < len(word); {
		limit := w.maxHead
		if pos > 0 {
			limit = w.maxCont
		}
		end := min(len(word), pos+limit)
		for end < len(word) && end > pos && !utf8.RuneStart(word[end]) {
			end--
		}
		id := -1
		for end > pos {
			var ok bool
			if pos == 0 {
				id, ok = w.vocab[string(word[:end])]
			} else {
				cont = append(cont[:len(w.prefix)], word[pos:end]...)
				id, ok = w.vocab[string(cont)]
			}
			if ok {
				break
			}
			id = -1
			end--
			for end > pos && !utf8.RuneStart(word[end]) {
				end--
			}
		}
		if id < 0 {
			sc.piece = cont
			return append(ids[:first], w.unk)
		}
		ids = append(ids, id)
		pos = end
	}
	sc.piece = cont
	return ids
}
