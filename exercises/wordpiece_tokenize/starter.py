def wordpiece_tokenize(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    """Split one word into WordPiece tokens; the statement: `bertstudy exercise start wordpiece_tokenize`."""
    # TODO: a word of more than max_input_chars_per_word characters is [unk_token]
    # TODO: from the current start, try the longest substring first; pieces after the first carry "##"
    # TODO: if no piece matches at some start, the whole word is [unk_token]
    raise NotImplementedError("write wordpiece_tokenize")
