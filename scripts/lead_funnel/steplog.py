"""Log lines a scheduler can use: one line per step with its duration, text or JSON.

Text: ``[run 20261122T101500Z-3fa9] step=build status=ok duration=12.3s models_passed=12``.
JSON (``--log-format json``): one object per line with ``ts``, ``run_id``, ``level``,
``event`` and the same fields. Everything goes to stdout, flushed line by line, so the
order is kept when a scheduler captures the output.
"""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone
from typing import TextIO

LOG_FORMATS = ("text", "json")


def _text_value(value: object) -> str:
    text = str(value)
    if not text or any(c.isspace() for c in text) or '"' in text:
        return json.dumps(text)
    return text


class StepLogger:
    """Writes the runner's log lines for one run."""

    def __init__(self, run_id: str, log_format: str = "text", stream: TextIO | None = None):
        if log_format not in LOG_FORMATS:
            raise ValueError(f"unknown log format {log_format!r}")
        self.run_id = run_id
        self.log_format = log_format
        self.stream = stream or sys.stdout

    def _emit(self, level: str, event: str, text: str, fields: dict[str, object]) -> None:
        if self.log_format == "json":
            record: dict[str, object] = {
                "ts": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                "run_id": self.run_id,
                "level": level,
                "event": event,
                **{k: v for k, v in fields.items() if v is not None},
            }
            line = json.dumps(record, default=str)
        else:
            parts = [f"[run {self.run_id}]"]
            if text:
                parts.append(text)
            parts.extend(f"{k}={_text_value(v)}" for k, v in fields.items() if v is not None)
            line = " ".join(parts)
        print(line, file=self.stream, flush=True)

    def step(
        self, step: str, status: str, duration_s: float | None = None, **fields: object
    ) -> None:
        """One line for a step starting (``status=start``) or ending (ok/failed/...)."""
        duration = None if duration_s is None else f"{duration_s:.1f}s"
        level = "error" if status == "failed" else "info"
        if self.log_format == "json":
            payload = {"step": step, "status": status, **fields}
            if duration_s is not None:
                payload["duration_s"] = round(duration_s, 3)
            self._emit(level, "step", "", payload)
        else:
            self._emit(
                level, "step", "", {"step": step, "status": status, "duration": duration, **fields}
            )

    def progress(self, step: str, duration_s: float | None = None, **fields: object) -> None:
        """Progress inside a long step (one dbt node finished)."""
        if self.log_format == "json":
            timing = {} if duration_s is None else {"duration_s": round(duration_s, 3)}
        else:
            timing = {} if duration_s is None else {"duration": f"{duration_s:.1f}s"}
        self._emit("info", "progress", "", {"step": step, **fields, **timing})

    def info(self, message: str, **fields: object) -> None:
        """A plain informational message."""
        self._message("info", message, fields)

    def warning(self, message: str, **fields: object) -> None:
        """Something the operator should know about; the run goes on."""
        self._message("warning", message, fields)

    def error(self, message: str, **fields: object) -> None:
        """What failed and what to do about it."""
        self._message("error", message, fields)

    def _message(self, level: str, message: str, fields: dict[str, object]) -> None:
        if self.log_format == "json":
            self._emit(level, "message", "", {"message": message, **fields})
        else:
            prefix = "" if level == "info" else f"{level.upper()}: "
            self._emit(level, "message", prefix + message, fields)
