import unicodedata

CJK_RANGES = [
    (0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F),
]


def is_cjk(ch):
    return any(lo <= ord(ch) <= hi for lo, hi in CJK_RANGES)


def is_punctuation(ch):
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True  # every ASCII character that is not a letter, a digit or a space
    return unicodedata.category(ch).startswith("P")


def clean(text):
    out = []
    for ch in text:
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif ch in "\x00\ufffd" or unicodedata.category(ch).startswith("C"):
            continue  # control, format (zero-width space, soft hyphen), ...
        else:
            out.append(ch)
    return "".join(out)


def split_punctuation(word):
    tokens, buffer = [], ""
    for ch in word:
        if is_punctuation(ch):
            if buffer:
                tokens.append(buffer)
            tokens.append(ch)
            buffer = ""
        else:
            buffer += ch
    if buffer:
        tokens.append(buffer)
    return tokens


def basic_tokenize(text, do_lower_case=True):
    """BERT's basic tokenizer: clean, split CJK, split on whitespace, lower-case + strip accents, split punctuation."""
    text = clean(text)
    text = "".join(f" {ch} " if is_cjk(ch) else ch for ch in text)
    tokens = []
    for word in text.split():
        if do_lower_case:
            word = unicodedata.normalize("NFD", word.lower())
            word = "".join(ch for ch in word if unicodedata.category(ch) != "Mn")
        tokens.extend(split_punctuation(word))
    return tokens
