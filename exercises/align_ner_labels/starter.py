def align_ner_labels(word_ids, word_labels):
    """Return one label per token (a list of int) from one label per word; the statement: `bertstudy exercise start align_ner_labels`."""
    # TODO: walk the tokens, remembering the word id of the token before
    # TODO: None (special token or padding) -> -100
    # TODO: a new word id -> that word's label; a repeated one (a later piece) -> -100
    raise NotImplementedError("write align_ner_labels")
