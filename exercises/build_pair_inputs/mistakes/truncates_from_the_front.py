def build_pair_inputs(ids_a, ids_b, max_length, cls_id, sep_id, pad_id=0):
    a = list(ids_a)
    b = None if ids_b is None else list(ids_b)
    if b is None:
        a = a[len(a) - (max_length - 2):] if len(a) > max_length - 2 else a
        ids = [cls_id] + a + [sep_id]
        segments = [0] * len(ids)
    else:
        while len(a) + len(b) > max_length - 3:
            if len(a) > len(b):
                a.pop(0)
            else:
                b.pop(0)
        ids = [cls_id] + a + [sep_id] + b + [sep_id]
        segments = [0] * (len(a) + 2) + [1] * (len(b) + 1)
    n = max_length - len(ids)
    return {"input_ids": ids + [pad_id] * n, "token_type_ids": segments + [0] * n,
            "attention_mask": [1] * len(ids) + [0] * n}
