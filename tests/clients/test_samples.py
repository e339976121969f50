"""Every code sample of the API reference runs as written, in cURL, Python, TypeScript and Go.

The samples are the files in docs/samples/ (the README shows them). Each runs unchanged except
for the host (curl's URL; the clients take theirs from EVALGUARD_BASE_URL, as documented) and the
placeholder ids, replaced by real ones, against a real server.py. The output is checked against
the documented status and body shape. curl and Go print the status; the Python and TypeScript
clients return the body of a 2xx and raise the typed error otherwise, so for them a documented
2xx is "no error and the documented body", a 409 the ConflictError the claim sample catches.
A language whose toolchain is missing is skipped with a loud reason naming it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evalguard import EvalGuard
from tests.clients import toolchains
from tests.servers import REPO

SAMPLES = REPO / "docs" / "samples"
DOC_HOST = "http://127.0.0.1:8501"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EXTENSIONS = {"curl": "sh", "python": "py", "typescript": "ts", "go": "go"}


def _job(body: Any, ids: dict[str, Any]) -> bool:
    return bool(UUID.match(body["job_id"]))


def _annotation(body: Any, ids: dict[str, Any]) -> bool:
    return body["success"] is True and bool(body["annotation_id"])


def _bulk_add(body: Any, ids: dict[str, Any]) -> bool:
    return body["success"] is True and body["added"] + body["duplicates"] == 2


def _claim(body: Any, ids: dict[str, Any]) -> bool:
    item = body["item"]
    return (
        body["success"] is True
        and bool(body["lease_expires_at"])
        and {"item_id", "target_id", "target_type"} <= item.keys()
    )


def _task_list(body: Any, ids: dict[str, Any]) -> bool:
    return any(t["id"] == ids["task_id"] for t in body["tasks"])


def _task_created(body: Any, ids: dict[str, Any]) -> bool:
    return body["itemCount"] == 2 and body["name"] == "Spot-check refusals" and bool(body["id"])


def _task_detail(body: Any, ids: dict[str, Any]) -> bool:
    return body["id"] == ids["task_id"] and len(body["items"]) == 2


def _task_labelled(body: Any, ids: dict[str, Any]) -> bool:
    return (
        body["id"] == ids["item_id"]
        and body["label"] == "pass"
        and body["labeledBy"] == ids["key_name"]
        and bool(body["labeledAt"])
    )


# sample -> (documented success status, body check, other documented statuses)
DOCUMENTED: dict[str, tuple[int, Callable[[Any, dict[str, Any]], bool], set[int]]] = {
    "bootstrap": (202, _job, set()),
    "queue_items": (200, _bulk_add, set()),
    "annotate": (200, _annotation, set()),
    "claim": (200, _claim, {409}),
    "tasks_list": (200, _task_list, set()),
    "tasks_create": (201, _task_created, set()),
    "task_get": (200, _task_detail, set()),
    "task_label": (200, _task_labelled, set()),
}


def _setup(live: dict[str, Any], lang: str) -> dict[str, Any]:
    """Real ids for one language's run: its own queues and task, made with the admin key."""
    admin = EvalGuard(api_key=live["keys"]["admin"], base_url=live["base_url"])
    run_id = live["run_id"]
    queues = {
        name: admin.create_queue(f"samples-{lang}-{name}")["queue_id"]
        for name in ("bootstrap", "queue_items", "claim")
    }
    admin.add_items(queues["claim"], [f"{run_id}:sa-00003"])
    traces = live["trace_ids"][:2]
    task = admin.request(
        "POST", "/api/annotations/tasks", {"name": f"samples-{lang}", "traceIds": traces}
    )
    items = admin.request("GET", f"/api/annotations/tasks/{task['id']}")["items"]
    assert {"sa-00001", "sa-00002", "sa-00003"} <= set(live["case_ids"])
    return {
        "queues": queues,
        "run_id": run_id,
        "traces": live["trace_ids"][2:4],
        "task_id": task["id"],
        "item_id": items[0]["id"],
        "key_name": f"sample-{lang}",
        "key": live["keys"][f"sample-{lang}"],
    }


def _substitute(name: str, text: str, ids: dict[str, Any], base_url: str) -> str:
    """The sample with only its host and placeholder ids replaced."""
    if name in ids["queues"]:
        text = text.replace("<queue_id>", ids["queues"][name])
    if name == "tasks_create":
        first, second = ids["traces"]
        text, n = re.subn(r"([\[{])1, 2([\]}])", rf"\g<1>{first}, {second}\g<2>", text)
        assert n == 1, "the tasks_create sample lost its traceIds"
    text = (
        text.replace("<run_id>", ids["run_id"])
        .replace("<task_id>", ids["task_id"])
        .replace("<item_id>", ids["item_id"])
        .replace(DOC_HOST, base_url)
    )
    assert "<" + "queue_id>" not in text and "<task_id>" not in text, text
    return text


def _parse(lang: str, stdout: str) -> tuple[int | None, Any]:
    """(status or None when the client does not show it, JSON body or the 409 message)."""
    if lang == "curl":
        head, _, body = stdout.replace("\r\n", "\n").partition("\n\n")
        status = int(head.split()[1])
        return status, json.loads(body)
    if lang == "go":
        status_text, _, body = stdout.strip().partition(" ")
        status = int(status_text)
        return status, (json.loads(body) if status < 400 else body)
    text = stdout.strip()
    if text.startswith("409 "):
        return 409, text[4:]
    return None, json.loads(text)


def _check(lang: str, name: str, stdout: str, ids: dict[str, Any]) -> None:
    """The output of one sample against its documented status and body shape."""
    success, body_ok, other = DOCUMENTED[name]
    status, body = _parse(lang, stdout)
    if status in other:
        return
    assert status in (success, None), f"{lang} {name}: status {status}, documented {success}"
    assert body_ok(body, ids), f"{lang} {name}: undocumented body {body}"


def _go_binaries(tmp: Path, sources: dict[str, str]) -> dict[str, Path] | str:
    """Build every Go sample against sdk/go in one `go build`; the binaries or the error."""
    module = tmp / "go"
    for name, text in sources.items():
        (module / name).mkdir(parents=True)
        (module / name / "main.go").write_text(text)
    (module / "go.mod").write_text(
        "module samples\n\ngo 1.19\n\nrequire github.com/evalguard/evalguard-go v0.0.0\n\n"
        f"replace github.com/evalguard/evalguard-go => {toolchains.GO_SDK}\n"
    )
    out = subprocess.run(
        ["go", "build", "-o", str(tmp / "bin") + "/", "./..."],
        cwd=module,
        env=toolchains.go_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if out.returncode != 0:
        return out.stderr
    return {name: tmp / "bin" / name for name in sources}


def _ts_scripts(tmp: Path, sources: dict[str, str]) -> dict[str, Path] | str:
    """Compile (type-checked) the TypeScript samples against @evalguard/sdk: .js or the error."""
    project = tmp / "ts"
    (project / "node_modules" / "@evalguard").mkdir(parents=True)
    (project / "node_modules" / "@evalguard" / "sdk").symlink_to(toolchains.TS_SDK)
    (project / "package.json").write_text('{"type": "module", "private": true}\n')
    for name, text in sources.items():
        (project / f"{name}.ts").write_text(text)
    config = {
        "compilerOptions": {
            "target": "ES2022",
            "module": "NodeNext",
            "moduleResolution": "NodeNext",
            "strict": True,
            "skipLibCheck": True,
            "outDir": "out",
            "typeRoots": [str(toolchains.TS_SDK / "node_modules" / "@types")],
            "types": ["node"],
        },
        "include": ["*.ts"],
    }
    (project / "tsconfig.json").write_text(json.dumps(config))
    out = subprocess.run(
        [str(toolchains.tsc()), "-p", str(project)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if out.returncode != 0:
        return out.stdout + out.stderr
    return {name: project / "out" / f"{name}.js" for name in sources}


def _commands(lang: str, tmp: Path, sources: dict[str, str]) -> dict[str, list[str]]:
    """The command that runs each (substituted) sample of `lang`."""
    if lang == "curl":
        paths = {name: tmp / f"{name}.sh" for name in sources}
        for name, path in paths.items():
            path.write_text(sources[name])
        return {name: ["bash", "-e", str(path)] for name, path in paths.items()}
    if lang == "python":
        for name, text in sources.items():
            (tmp / f"{name}.py").write_text(text)
        return {name: [sys.executable, str(tmp / f"{name}.py")] for name in sources}
    if lang == "go":
        built = _go_binaries(tmp, sources)
        assert not isinstance(built, str), f"the Go samples do not build:\n{built}"
        return {name: [str(path)] for name, path in built.items()}
    compiled = _ts_scripts(tmp, sources)
    assert not isinstance(compiled, str), f"the TypeScript samples do not compile:\n{compiled}"
    return {name: ["node", str(path)] for name, path in compiled.items()}


MISSING: dict[str, Callable[[], str | None]] = {
    "curl": toolchains.curl_missing,
    "python": lambda: None,
    "typescript": toolchains.node_sdk_missing,
    "go": toolchains.go_missing,
}


@pytest.mark.parametrize("lang", list(EXTENSIONS))
def test_every_reference_sample_runs_as_written(
    lang: str, live: dict[str, Any], tmp_path: Path
) -> None:
    reason = MISSING[lang]()
    if reason:
        pytest.skip(f"{lang.upper()} SAMPLES SKIPPED: {reason}")
    ids = _setup(live, lang)
    sources = {
        name: _substitute(
            name,
            (SAMPLES / f"{name}.{EXTENSIONS[lang]}").read_text(),
            ids,
            live["base_url"],
        )
        for name in DOCUMENTED
    }
    env = {
        **os.environ,
        "EVALGUARD_API_KEY": ids["key"],
        "EVALGUARD_BASE_URL": live["base_url"],
    }
    for name, cmd in _commands(lang, tmp_path, sources).items():
        out = subprocess.run(
            cmd, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, f"{lang} sample {name} failed:\n{out.stdout}\n{out.stderr}"
        _check(lang, name, out.stdout, ids)


def test_claim_samples_answer_409_when_the_queue_is_empty(
    live: dict[str, Any], tmp_path: Path
) -> None:
    """The documented 409 of a claim reaches the reader: curl shows it, the clients raise it
    typed and the samples report it (the samples of missing toolchains are left out)."""
    admin = EvalGuard(api_key=live["keys"]["admin"], base_url=live["base_url"])
    empty = admin.create_queue("samples-empty")["queue_id"]
    ids = {"queues": {"claim": empty}, "run_id": live["run_id"], "task_id": "", "item_id": ""}
    env = {
        **os.environ,
        "EVALGUARD_API_KEY": live["keys"]["annotator"],
        "EVALGUARD_BASE_URL": live["base_url"],
    }
    ran = []
    for lang, ext in EXTENSIONS.items():
        if MISSING[lang]():
            continue
        source = _substitute("claim", (SAMPLES / f"claim.{ext}").read_text(), ids, live["base_url"])
        lang_dir = tmp_path / lang
        lang_dir.mkdir()
        cmd = _commands(lang, lang_dir, {"claim": source})["claim"]
        out = subprocess.run(
            cmd, env=env, cwd=lang_dir, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0, f"{lang}: {out.stdout}\n{out.stderr}"
        status, _ = _parse(lang, out.stdout)
        assert status == 409, f"{lang}: {out.stdout}"
        ran.append(lang)
    assert "curl" in ran and "python" in ran


def test_the_readme_shows_the_samples() -> None:
    """The README's Clients section shows the claim sample of each language verbatim."""
    readme = (REPO / "README.md").read_text()
    for ext in EXTENSIONS.values():
        assert (SAMPLES / f"claim.{ext}").read_text().strip() in readme, f"claim.{ext}"
