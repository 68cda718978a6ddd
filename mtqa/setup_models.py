"""`python -m mtqa.setup_models`: prepare the offline default models once (converting the
GGUF weights of the default LM into the cache), so the first `mtqa` run starts fast."""
from __future__ import annotations

import sys
import time

from mtqa.errors import MtqaError
from mtqa.lm import DEFAULT_LM, cache_dir, load_causal_lm


def main() -> int:
    t0 = time.time()
    try:
        lm = load_causal_lm(DEFAULT_LM)
    except MtqaError as exc:
        print(f"mtqa: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)
    print(f"model {lm.model_id} ready in {cache_dir()} ({time.time() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
