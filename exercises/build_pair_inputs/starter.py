def build_pair_inputs(ids_a, ids_b, max_length, cls_id, sep_id, pad_id=0):
    """BERT's input_ids, token_type_ids and attention_mask; the statement: `bertstudy exercise start build_pair_inputs`."""
    # TODO: copy the inputs, then truncate longest-first (ties: from B) to max_length - 3 (max_length - 2 without B)
    # TODO: lay out [CLS] A [SEP] B [SEP] with its segment ids (0 up to the first [SEP], then 1)
    # TODO: pad every list to max_length (input_ids with pad_id, segments and mask with 0)
    raise NotImplementedError("write build_pair_inputs")
