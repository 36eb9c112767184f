"""Hypothesis settings for tests/property: small and deterministic in CI, large on demand.

    RIVERBED_HYPOTHESIS=long .venv/bin/pytest tests/property

`ci` (the default) runs few examples with a fixed seed (`derandomize`), so `make test` stays
fast and never flakes; `long` runs `LONG_EXAMPLES` random examples per test (and
`RIVERBED_HYPOTHESIS_EXAMPLES` overrides the count). Tests apply `PROFILE` (or `scaled(n)`)
as a decorator rather than loading a profile, so other test folders keep their own settings.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

CI_EXAMPLES = 60
LONG_EXAMPLES = 5_000

_NAME = os.environ.get("RIVERBED_HYPOTHESIS", "ci")
if _NAME not in ("ci", "long"):
    raise ValueError(f"RIVERBED_HYPOTHESIS must be ci or long, not {_NAME!r}")
_EXAMPLES = int(
    os.environ.get("RIVERBED_HYPOTHESIS_EXAMPLES", CI_EXAMPLES if _NAME == "ci" else LONG_EXAMPLES)
)


def scaled(factor: float) -> settings:
    """The profile with `factor` times its number of examples (cheap or costly properties)."""
    return settings(
        max_examples=max(1, int(_EXAMPLES * factor)),
        derandomize=_NAME == "ci",
        deadline=None,  # 2 shared cores: wall-clock deadlines would only measure the neighbours
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        print_blob=True,
    )


PROFILE = scaled(1)
