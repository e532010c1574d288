import torch

CLS, SEP = 101, 102


def make_nsp_pairs(documents, num_pairs, max_seq_length, short_seq_prob=0.1, generator=None):
    def uniform():
        return torch.rand((), generator=generator).item()

    def randint(low, high):  # both ends included, like random.randint
        return int(torch.randint(low, high + 1, (), generator=generator))

    max_num_tokens = max_seq_length - 3
    pairs = []
    d = 0
    while len(pairs) < num_pairs:
        document = documents[d]
        target = max_num_tokens
        if uniform() < short_seq_prob:
            target = randint(2, max_num_tokens)
        chunk, length, i = [], 0, 0
        while i < len(document) and len(pairs) < num_pairs:
            chunk.append(document[i])
            length += len(document[i])
            if i == len(document) - 1 or length >= target:
                a_end = randint(1, len(chunk) - 1) if len(chunk) >= 2 else 1
                a = [t for sentence in chunk[:a_end] for t in sentence]
                if len(chunk) == 1 or uniform() < 0.5:
                    label = 1
                    other = randint(0, len(documents) - 1)  # any document, this one included
                    b = []
                    for sentence in documents[other][randint(0, len(documents[other]) - 1):]:
                        b.extend(sentence)
                        if len(b) >= target - len(a):
                            break
                    i -= len(chunk) - a_end  # put the unused sentences back
                else:
                    label = 0
                    b = [t for sentence in chunk[a_end:] for t in sentence]
                while len(a) + len(b) > max_num_tokens:
                    longer = a if len(a) > len(b) else b
                    longer.pop(0 if uniform() < 0.5 else -1)
                pairs.append((a, b, label))
                chunk, length = [], 0
            i += 1
        d = (d + 1) % len(documents)

    input_ids = torch.zeros(num_pairs, max_seq_length, dtype=torch.long)
    token_type_ids = torch.zeros(num_pairs, max_seq_length, dtype=torch.long)
    for row, (a, b, _) in enumerate(pairs):
        tokens = [CLS, *a, SEP, *b, SEP]
        input_ids[row, :len(tokens)] = torch.tensor(tokens)
        token_type_ids[row, len(a) + 2:len(tokens)] = 1
    next_sentence_label = torch.tensor([label for _, _, label in pairs], dtype=torch.long)
    return input_ids, token_type_ids, next_sentence_label
