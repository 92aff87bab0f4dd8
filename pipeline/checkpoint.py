"""Checkpoints of a batch run, so a killed run resumes with no duplicate and no missing record.

After each chunk, the outputs are flushed to disk and a sidecar `OUTPUT.checkpoint.json` records how
many input records are done, the counts so far and the byte length of every output file. A resumed
run truncates the files back to those lengths (dropping rows written after the last checkpoint),
skips the records already done, and goes on; the finished run deletes the checkpoint.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path


class CheckpointError(ValueError):
    """The checkpoint belongs to another run (other input, fields or outputs)."""


@dataclass
class Checkpoint:
    identity: dict  # what must match for a resume: input (path, size), fields, limits, outputs
    records: int = 0  # input records done (read and written)
    chunks: int = 0
    counts: dict = field(default_factory=dict)
    offsets: dict = field(default_factory=dict)  # output path -> bytes written


def checkpoint_path(out_path: Path) -> Path:
    out_path = Path(out_path)
    return out_path.with_name(out_path.name + ".checkpoint.json")


def run_identity(in_path: Path, **settings) -> dict:
    """The input file (path and size; a folder by path) and the settings that shape its output."""
    in_path = Path(in_path)
    size = in_path.stat().st_size if in_path.is_file() else None
    return {"input": str(in_path.resolve()), "size": size, **{k: str(v) for k, v in settings.items()}}


def load_checkpoint(path: Path, identity: dict) -> Checkpoint | None:
    """The checkpoint at path for this run, None when there is none; CheckpointError for another run's."""
    if not Path(path).exists():
        return None
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("identity") != identity:
        diff = sorted(k for k in identity if data.get("identity", {}).get(k) != identity[k])
        raise CheckpointError(f"{path}: checkpoint is for another run (differs in {', '.join(diff)}); "
                              "delete it or run without --resume")
    return Checkpoint(**data)


def save_checkpoint(path: Path, checkpoint: Checkpoint) -> None:
    """Atomic: written to a temporary file, synced, then renamed over the old checkpoint."""
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(asdict(checkpoint), fh, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
