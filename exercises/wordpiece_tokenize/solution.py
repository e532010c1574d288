def wordpiece_tokenize(word, vocab, unk_token="[UNK]", max_input_chars_per_word=100):
    """Greedy longest-match-first WordPiece of one word; continuation pieces carry "##"."""
    if len(word) > max_input_chars_per_word:
        return [unk_token]
    vocab = set(vocab)
    pieces = []
    start = 0
    while start < len(word):
        # try the longest substring from `start` first, then shorter ones
        for end in range(len(word), start, -1):
            piece = word[start:end]
            if start > 0:
                piece = "##" + piece
            if piece in vocab:
                pieces.append(piece)
                start = end
                break
        else:  # no piece matched at `start`: the whole word is unknown
            return [unk_token]
    return pieces
