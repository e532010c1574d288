import torch


def make_nsp_pairs(documents, num_pairs, max_seq_length, short_seq_prob=0.1, generator=None):
    """Return (input_ids, token_type_ids, next_sentence_label); the statement: `bertstudy exercise start make_nsp_pairs`."""
    # TODO: walk the documents in order (and around again) until you have num_pairs pairs
    # TODO: per document: a target length (short with probability short_seq_prob), whole sentences
    #       into a chunk, a random split a_end, NotNext (another document, put the rest back) or IsNext
    # TODO: truncate the longer of A and B, from the front or the back at random, to max_seq_length - 3
    # TODO: lay out [CLS]=101 A [SEP]=102 B [SEP]=102 + zeros, the segment ids and the labels (0 IsNext, 1 NotNext)
    raise NotImplementedError("write make_nsp_pairs")
