import unicodedata


def basic_tokenize(text, do_lower_case=True):
    """Cut text into BERT's words; the statement: `bertstudy exercise start basic_tokenize`."""
    # TODO: clean: drop U+0000, U+FFFD and category C* characters (but not \t \n \r); whitespace -> " "
    # TODO: put a space on each side of every CJK character (the eight ranges of the statement)
    # TODO: split on whitespace; if do_lower_case: lower-case, NFD, drop the Mn characters
    # TODO: cut every punctuation character off as a token of its own
    raise NotImplementedError("write basic_tokenize")
