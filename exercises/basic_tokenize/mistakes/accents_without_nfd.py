import unicodedata

CJK = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
       (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def is_punct(ch):
    cp = ord(ch)
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or unicodedata.category(ch).startswith("P")


def basic_tokenize(text, do_lower_case=True):
    chars = []
    for ch in text:
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            chars.append(" ")
        elif ch in "\x00\ufffd" or unicodedata.category(ch).startswith("C"):
            continue
        elif any(lo <= ord(ch) <= hi for lo, hi in CJK):
            chars.append(f" {ch} ")
        else:
            chars.append(ch)
    tokens = []
    for word in "".join(chars).split():
        if do_lower_case:
            word = word.lower()
            word = "".join(ch for ch in word if unicodedata.category(ch) != "Mn")  # no NFD first
        buf = ""
        for ch in word:
            if is_punct(ch):
                tokens += [buf, ch] if buf else [ch]
                buf = ""
            else:
                buf += ch
        if buf:
            tokens.append(buf)
    return tokens
