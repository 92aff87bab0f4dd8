"""Label Studio: review tasks with the model's prediction pre-filled, and verdicts read back from its JSON export.

Tasks carry the review row as `data` (the same fields as the review CSV) and one prediction with
three single-choice results, `label`, `subtype` and `stance`, matching the labelling config
written beside the tasks. Label Studio's JSON export (`annotations[].result[]` with `from_name`
and `value.choices`) is turned back into review-CSV-shaped cells, so import validates both alike.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from xml.sax.saxutils import quoteattr

from pipeline.facts import DataError
from pipeline.review import EXPORT_COLUMNS, VERDICT_COLUMNS, write_atomic
from pipeline.schema import SUBTYPES, Label, Stance

CHOICES = {
    "label": [lab.value for lab in Label],
    "subtype": list(dict.fromkeys(s for subs in SUBTYPES.values() for s in subs)),
    "stance": [s.value for s in Stance],
}
TASK_FIELDS = [c for c in EXPORT_COLUMNS if c not in VERDICT_COLUMNS]


def labeling_config() -> str:
    """The project's labelling config: the claim between its context, and the three choice fields."""
    def choices(name: str, required: bool) -> str:
        options = "".join(f"\n    <Choice value={quoteattr(v)}/>" for v in CHOICES[name])
        need = ' required="true"' if required else ""
        return f'  <Choices name="{name}" toName="text" choice="single-radio"{need}>{options}\n  </Choices>'

    return "\n".join([
        "<View>",
        '  <Header value="$heading"/>',
        '  <Text name="context_before" value="$context_before"/>',
        '  <Text name="text" value="$text"/>',
        '  <Text name="context_after" value="$context_after"/>',
        '  <Header value="$prediction" size="6"/>',
        '  <Text name="evidence" value="$evidence"/>',
        choices("label", True), choices("subtype", False), choices("stance", True),
        '  <TextArea name="comment" toName="text" maxSubmissions="1" placeholder="comment (optional)"/>',
        "</View>",
    ]) + "\n"


def choice(name: str, value: str) -> dict:
    return {"from_name": name, "to_name": "text", "type": "choices", "value": {"choices": [value]}}


def task(row: dict) -> dict:
    """One task: the review row as data, and the model's verdict as a prediction."""
    label, subtype, stance = row["predicted_label"], row["predicted_subtype"], row["predicted_stance"]
    result = [choice("label", label)] + ([choice("subtype", subtype)] if subtype else []) + [choice("stance", stance)]
    data = {c: row.get(c, "") for c in TASK_FIELDS}
    data["heading"] = f"{row.get('outlet') or '?'}: {row.get('title') or row['article_id']} ({row['claim_id']})"
    data["prediction"] = f"Model: {label}{'/' + subtype if subtype else ''} {stance} (p={row['confidence']})"
    return {"data": data, "predictions": [{"model_version": (row.get("model_sha256") or "unknown")[:12],
                                           "score": float(row["confidence"]), "result": result}]}


def write_tasks(rows: list[dict], path: Path) -> Path:
    """Write the tasks JSON, and the labelling config beside it (`<stem>.config.xml`); returns the config path."""
    path = Path(path)
    write_atomic(path, (json.dumps([task(r) for r in rows], ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    config = path.with_name(path.stem + ".config.xml")
    write_atomic(config, labeling_config().encode("utf-8"))
    return config


def annotator(annotation: dict) -> str:
    """Who made an annotation: the user's email in exports that embed the user, else the user id."""
    user = annotation.get("completed_by")
    if isinstance(user, dict):
        return str(user.get("email") or user.get("id") or "")
    return str(annotation.get("created_username") or (f"user{user}" if user not in (None, "") else ""))


def verdict_cells(annotation: dict) -> dict:
    """The reviewer_* cells of one annotation (several choices are joined, so validation rejects them)."""
    cells = dict.fromkeys(VERDICT_COLUMNS, "")
    for item in annotation.get("result") or []:
        name, value = item.get("from_name"), item.get("value") or {}
        if name in CHOICES:
            cells[f"reviewer_{name}"] = ";".join(value.get("choices") or [])
        elif name == "comment":
            cells["comment"] = " ".join(value.get("text") or [])
    cells["reviewer"] = annotator(annotation)
    cells["reviewed_on"] = str(annotation.get("updated_at") or annotation.get("created_at") or "")[:10]
    return cells


def read_export(path: Path) -> Iterator[tuple[str, dict]]:
    """('file:task n', cells) per annotation of Label Studio's JSON export; a task nobody annotated
    (or whose annotations were all skipped) comes out with blank reviewer cells."""
    try:
        tasks = json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"{path}: not a Label Studio JSON export ({exc})") from None
    if not isinstance(tasks, list):
        raise DataError(f"{path}: not a Label Studio JSON export (expected a list of tasks)")
    for n, item in enumerate(tasks, 1):
        if not isinstance(item, dict):
            raise DataError(f"{path}:task {n}: expected a task object, got {type(item).__name__}")
        data = {k: "" if v is None else str(v) for k, v in (item.get("data") or {}).items()}
        annotations = [a for a in item.get("annotations") or [] if not a.get("was_cancelled")]
        if not annotations:
            yield f"{path}:task {n}", data
        for m, annotation in enumerate(annotations, 1):
            where = f"{path}:task {n}" + (f" annotation {m}" if len(annotations) > 1 else "")
            yield where, {**data, **verdict_cells(annotation)}
