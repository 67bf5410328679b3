"""Counting work instead of timing it: the scale tests assert how often a pattern is used."""


def count_calls(monkeypatch, module, name: str, method: str) -> list:
    """Put a stand-in for the compiled pattern `module.name` that records the arguments of
    every `method` call (search, match) and passes it on; returns the list it records into."""
    calls, real = [], getattr(module, name)

    class Counting:
        pass

    def call(self, *args):
        calls.append(args)
        return getattr(real, method)(*args)

    setattr(Counting, method, call)
    monkeypatch.setattr(module, name, Counting())
    return calls
