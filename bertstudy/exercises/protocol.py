"""What the grader's parent and child say to each other: the reserved keys of the messages, and the
helpers both sides use to copy inputs and to encode outputs.

The child must not import bertstudy, so child.py loads this file by its path; it therefore
imports only the standard library at the top, and torch inside the helpers that need it.
A message is torch.save'd: the inputs go down as a list of cases `{"args", "cotangents"}`, where an
argument may be a generator `{GENERATOR: seed}` or, for a module exercise, `args[MODULE]` with the
constructor's arguments and the weights; the outputs come back `plain()`-encoded.
Leaves out: the settings file and the status markers (child.py and sandbox.py own those).
"""

MODULE = "__module__"  # a module case's constructor arguments and weights, beside the forward's arguments
GENERATOR = "__generator__"  # a seeded torch.Generator, rebuilt fresh on each side for each call
SEQUENCE = "__seq__"  # a list or tuple: {SEQUENCE: "list" | "tuple", "items": [...]}
MAPPING = "__map__"  # a dict, as [key, value] pairs so that keys need not be strings
UNSUPPORTED = "__unsupported__"  # an output of a type the parent does not load: its type's name
MISSING = "__missing__"  # gradients that were not computed, and why
ERROR = "__error__"  # gradients whose computation raised: the error record


def generator(seed: int) -> dict:
    return {GENERATOR: seed}


def is_generator(value) -> bool:
    return isinstance(value, dict) and GENERATOR in value


def call_args(args: dict) -> dict:
    """A case's arguments for the call itself, without the module's construction."""
    return {k: v for k, v in args.items() if k != MODULE}


def fresh(value, requires_grad: bool = False):
    """A copy the implementation may spoil (it could change its inputs in place); a generator
    becomes a new seeded torch.Generator, and floating tensors require grad when asked."""
    import torch

    if is_generator(value):
        return torch.Generator().manual_seed(value[GENERATOR])
    if isinstance(value, torch.Tensor):
        out = value.clone()
        return out.requires_grad_(True) if requires_grad and out.is_floating_point() else out
    if isinstance(value, (list, tuple)):
        return type(value)(fresh(v, requires_grad) for v in value)
    if isinstance(value, dict):
        return {k: fresh(v, requires_grad) for k, v in value.items()}
    return value


def tensors(value) -> list:
    """Every tensor in a nest of lists, tuples and dicts, in order."""
    import torch

    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (list, tuple)):
        return [t for v in value for t in tensors(v)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in tensors(v)]
    return []


def plain(value):
    """An output as the parent can load it safely (weights_only): tensors, numbers, strings, and
    lists, tuples and dicts of them, encoded so that their kind survives."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return {SEQUENCE: type(value).__name__, "items": [plain(v) for v in value]}
    if isinstance(value, dict):
        return {MAPPING: [[plain(k), plain(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {UNSUPPORTED: type(value).__name__}


def unplain(value):
    """Undo `plain()`."""
    if isinstance(value, dict):
        if SEQUENCE in value:
            items = [unplain(v) for v in value["items"]]
            return tuple(items) if value[SEQUENCE] == "tuple" else items
        if MAPPING in value:
            return {unplain(k): unplain(v) for k, v in value[MAPPING]}
    return value


def bind(entry, construction, differentiable: bool):
    """The callable for one case, and the parameters that join the gradient leaves. For a module
    exercise, `entry` built with the case's arguments (`args[MODULE]`) and holding the case's
    weights, in eval mode; the same on both sides, so that the learner's module and the reference
    are loaded alike and a naming mismatch is reported, not ignored."""
    if construction is None:
        return entry, {}
    import torch

    module = entry(**construction["init"])
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"{type(module).__name__} is not a torch.nn.Module; subclass nn.Module")
    loaded = module.load_state_dict(construction["state"], strict=False)
    parameters = dict(module.named_parameters())
    extra = [k for k in loaded.missing_keys if k in parameters]
    if extra or loaded.unexpected_keys:
        parts = []
        if loaded.unexpected_keys:
            parts.append("the statement names these but your module has none: " + ", ".join(loaded.unexpected_keys))
        if extra:
            parts.append("your module has these the statement does not name: " + ", ".join(extra))
        raise LookupError("state_dict names differ; " + "; ".join(parts))
    module.eval()
    return module, parameters if differentiable else {}
