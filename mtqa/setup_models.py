"""`python -m mtqa.setup_models`: prepare the offline default models once (converting the
GGUF weights of the default LM, and of the source-aware QE model's Gemma 3 270M, into the
cache), so the first `mtqa` run starts fast."""
from __future__ import annotations

import sys
import time

from mtqa.errors import MtqaError
from mtqa.lm import DEFAULT_LM, cache_dir, load_causal_lm
from mtqa.qe.source_lm import DEFAULT_SOURCE_LM


def main() -> int:
    for spec in (DEFAULT_LM, DEFAULT_SOURCE_LM):
        t0 = time.time()
        try:
            lm = load_causal_lm(spec)
        except MtqaError as exc:
            print(f"mtqa: error: {exc}", file=sys.stderr)
            return int(exc.exit_code)
        print(f"model {lm.model_id} ready in {cache_dir()} ({time.time() - t0:.1f} s)")
        del lm
        load_causal_lm.cache_clear()
    return 0


if __name__ == "__main__":
    sys.exit(main())
