import string
import unicodedata

CJK = [(0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0x20000, 0x2A6DF), (0x2A700, 0x2B73F),
       (0x2B740, 0x2B81F), (0x2B820, 0x2CEAF), (0xF900, 0xFAFF), (0x2F800, 0x2FA1F)]


def basic_tokenize(text, do_lower_case=True):
    out = []
    for ch in text:
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            out.append(" ")
        elif ch in "\x00\ufffd" or unicodedata.category(ch).startswith("C"):
            continue
        elif any(lo <= ord(ch) <= hi for lo, hi in CJK):
            out.append(f" {ch} ")
        else:
            out.append(ch)
    tokens = []
    for word in "".join(out).split():
        if do_lower_case:
            word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        piece = ""
        for ch in word:
            if ch in string.punctuation:  # ASCII only
                if piece:
                    tokens.append(piece)
                tokens.append(ch)
                piece = ""
            else:
                piece += ch
        if piece:
            tokens.append(piece)
    return tokens
