import unicodedata


def is_punct(ch):
    cp = ord(ch)
    return 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126 or unicodedata.category(ch).startswith("P")


def basic_tokenize(text, do_lower_case=True):
    cleaned = ""
    for ch in text:
        if ch in "\t\n\r" or unicodedata.category(ch) == "Zs":
            cleaned += " "
        elif ch not in "\x00\ufffd" and not unicodedata.category(ch).startswith("C"):
            cleaned += ch
    tokens = []
    for word in cleaned.split():
        if do_lower_case:
            word = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if unicodedata.category(c) != "Mn")
        buf = ""
        for ch in word:
            if is_punct(ch):
                if buf:
                    tokens.append(buf)
                tokens.append(ch)
                buf = ""
            else:
                buf += ch
        if buf:
            tokens.append(buf)
    return tokens
