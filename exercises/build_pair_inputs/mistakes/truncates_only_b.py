def build_pair_inputs(ids_a, ids_b, max_length, cls_id, sep_id, pad_id=0):
    a = list(ids_a)
    if ids_b is None:
        a = a[:max_length - 2]
        ids = [cls_id] + a + [sep_id]
        segments = [0] * len(ids)
    else:
        b = list(ids_b)
        room = max(0, max_length - 3 - len(a))
        b = b[:room]
        ids = [cls_id] + a + [sep_id] + b + [sep_id]
        segments = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    n = max_length - len(ids)
    return {"input_ids": ids + [pad_id] * n, "token_type_ids": segments + [0] * n,
            "attention_mask": [1] * len(ids) + [0] * n}
