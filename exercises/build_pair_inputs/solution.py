def build_pair_inputs(ids_a, ids_b, max_length, cls_id, sep_id, pad_id=0):
    """[CLS] A [SEP] B [SEP] (or [CLS] A [SEP]), truncated longest-first and padded to max_length."""
    a = list(ids_a)  # copies: the caller's lists stay as they are
    if ids_b is None:
        a = a[:max_length - 2]
        input_ids = [cls_id] + a + [sep_id]
        token_type_ids = [0] * len(input_ids)
    else:
        b = list(ids_b)
        while len(a) + len(b) > max_length - 3:
            if len(a) > len(b):
                a.pop()
            else:
                b.pop()  # on a tie, B gives way
        input_ids = [cls_id] + a + [sep_id] + b + [sep_id]
        token_type_ids = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    attention_mask = [1] * len(input_ids)
    padding = max_length - len(input_ids)
    return {
        "input_ids": input_ids + [pad_id] * padding,
        "token_type_ids": token_type_ids + [0] * padding,
        "attention_mask": attention_mask + [0] * padding,
    }
