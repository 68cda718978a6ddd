"""Running the stages: the Checker that wires them for one document (``checker``), many
documents with per-path configuration and threads (``batch``, ``config``), the result cache
(``cache``, ``serialize``), baselines of known findings (``baseline``) and the backends'
ids that stamp every report (``signature``)."""
