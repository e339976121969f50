"""A deterministic, synthetic demo: a support-assistant eval run and three simulated raters.

The data is made up (fixed seed). It exists so every page has something real-looking to show
on first start; the run's name says "synthetic demo" so nobody mistakes it for real results.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from evalguard_core import labels, runs
from evalguard_core.store import Scope

DEMO_RUN_NAME = "support-assistant v2 (synthetic demo)"
DEMO_SEED = 20261124
DEMO_CASES = 2000
DEMO_LABELLED = 300
RATERS = ("rater_ana", "rater_ben", "rater_chen")

_TOPICS = {
    "billing": [
        (
            "Why was I charged twice for my subscription this month?",
            "Duplicate charges are usually a pending authorisation that drops off within 3-5 "
            "business days. If both charges settle, we refund the duplicate automatically.",
        ),
        (
            "How do I download an invoice for my last payment?",
            "Open Settings > Billing > Invoices and click the download icon next to the payment.",
        ),
        (
            "Can I switch from monthly to annual billing?",
            "Yes: Settings > Billing > Plan, choose Annual. The unused part of this month is "
            "credited.",
        ),
    ],
    "account": [
        (
            "I forgot my password and the reset email never arrives.",
            "Check the spam folder and that the address is the one on the account. Reset links "
            "expire after 30 minutes; request a new one from the sign-in page.",
        ),
        (
            "How do I enable two-factor authentication?",
            "Go to Settings > Security > Two-factor authentication and scan the QR code with an "
            "authenticator app.",
        ),
        (
            "How can I delete my account and all my data?",
            "Settings > Account > Delete account. Deletion is permanent after 14 days.",
        ),
    ],
    "shipping": [
        (
            "My order shows delivered but I never received it.",
            "Check with neighbours and the building's mail room; if it is not found within 48 "
            "hours, reply here and we open a carrier claim and reship.",
        ),
        (
            "Do you ship to Canada and how long does it take?",
            "Yes, standard shipping to Canada takes 5-8 business days; duties are prepaid.",
        ),
        (
            "Can I change the delivery address after ordering?",
            "Yes, until the order is packed: Orders > select the order > Change address.",
        ),
    ],
    "product": [
        (
            "Does the Pro plan include API access?",
            "Yes, the Pro plan includes API access with 10,000 requests per day.",
        ),
        (
            "Is there an offline mode in the mobile app?",
            "Yes: open a project and tap 'Make available offline'; changes sync when online.",
        ),
        (
            "What file formats can I export reports to?",
            "Reports export to PDF, CSV and XLSX from the Export menu.",
        ),
    ],
}
_BAD_ANSWERS = [
    "I'm not sure about that. Please contact support.",
    "You can do this in the settings.",
    "That feature is not available on any plan.",
    "Refunds are not possible once a payment is made.",
    "Please reinstall the app and try again.",
]
_MODELS = ("gpt-4o-mini", "claude-haiku", "llama-3-70b")


def generate(n_cases: int = DEMO_CASES, seed: int = DEMO_SEED) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The demo run and simulated human labels as DataFrames (same output for the same seed)."""
    rng = np.random.default_rng(seed)
    topics = list(_TOPICS)
    topic_idx = rng.integers(0, len(topics), n_cases)
    rows: list[dict[str, Any]] = []
    truth = np.empty(n_cases, dtype=bool)
    for i in range(n_cases):
        topic = topics[topic_idx[i]]
        question, reference = _TOPICS[topic][rng.integers(0, len(_TOPICS[topic]))]
        # Latent quality drives the scorers, the judge and the humans, with noise in each.
        quality = float(np.clip(rng.beta(4.0, 1.6), 0, 1))
        good = quality > 0.45
        truth[i] = good
        if good:
            output = reference if rng.random() < 0.6 else reference.split(".")[0] + "."
        else:
            output = _BAD_ANSWERS[rng.integers(0, len(_BAD_ANSWERS))]
        correctness = float(np.clip(quality + rng.normal(0, 0.12), 0, 1))
        helpfulness = float(np.clip(round(1 + 4 * quality + rng.normal(0, 0.6)), 1, 5))
        judge_pass = good if rng.random() < 0.84 else not good
        if not good and rng.random() < 0.12:
            judge_pass = True  # judges are lenient: some extra false passes
        confidence = float(np.clip(rng.normal(0.82 if judge_pass == good else 0.64, 0.1), 0.5, 1))
        rows.append(
            {
                "case_id": f"sa-{i + 1:05d}",
                "input": question,
                "output": output,
                "expected": reference,
                "latency_ms": round(float(rng.lognormal(6.6, 0.45)), 1),
                "score:correctness": round(correctness, 4),
                "score:helpfulness": helpfulness,
                "label:llm_judge": "pass" if judge_pass else "fail",
                "score:llm_judge": round(confidence, 3),
                "topic": topic,
                "model": _MODELS[rng.integers(0, len(_MODELS))],
            }
        )
    run = pd.DataFrame(rows)
    labelled = np.sort(rng.choice(n_cases, size=min(DEMO_LABELLED, n_cases), replace=False))
    accuracy = {"rater_ana": 0.97, "rater_ben": 0.95, "rater_chen": 0.93}
    label_rows = []
    for i in labelled:
        for rater in RATERS:
            says_pass = truth[i] if rng.random() < accuracy[rater] else not truth[i]
            label_rows.append(
                {
                    "case_id": run.at[i, "case_id"],
                    "annotator": rater,
                    "label": "pass" if says_pass else "fail",
                    "comment": "" if says_pass else "answer does not resolve the question",
                }
            )
    return run, pd.DataFrame(label_rows)


def write_demo_files(directory: Path) -> tuple[Path, Path]:
    """Write the demo run and labels as CSV files; returns their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    run, human = generate()
    run_path = directory / "demo_support_assistant_run.csv"
    labels_path = directory / "demo_support_assistant_labels.csv"
    run.to_csv(run_path, index=False)
    human.to_csv(labels_path, index=False)
    return run_path, labels_path


def seed_demo(scope: Scope, directory: Path) -> dict[str, Any]:
    """Import the demo run and its human labels into the store."""
    run_path, labels_path = write_demo_files(directory)
    result = runs.import_run(scope, run_path, name=DEMO_RUN_NAME)
    imported = labels.import_labels(scope, labels_path, run_id=result.run_id)
    return {**result.to_dict(), "labels": imported["labels"]}
