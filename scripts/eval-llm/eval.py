#!/usr/bin/env python3
"""Plays the suite (suite.py) against a running backend and judges each turn.

usage: eval.py BACKEND_URL [--out results.json] [--label NAME]
env:   BETTER_AUTH_SECRET (signs the users' tokens, HS256), AUTH_AUDIENCE (default todo-api)

Per turn it checks the tool calls against the expectation and looks for
unbacked claims: a reply saying a task was added, completed, renamed, deleted
or listed without a successful call of that tool in the same turn. Standard
library only.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from suite import SUITE, AnyOf  # noqa: E402

MUTATING = {"add_task", "complete_task", "delete_task", "update_task"}


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(secret, user, audience):
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    now = int(time.time())
    claims = b64(json.dumps({"sub": user, "aud": audience, "iat": now, "exp": now + 7200}).encode())
    signing = f"{header}.{claims}".encode()
    signature = b64(hmac.new(secret.encode(), signing, hashlib.sha256).digest())
    return f"{header}.{claims}.{signature}"


def request(method, url, jwt, body=None, timeout=900):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    req.add_header("Authorization", f"Bearer {jwt}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as error:
        text = error.read().decode(errors="replace")
        try:
            return error.code, json.loads(text)
        except ValueError:
            return error.code, {"error": text}


# ---- judging the tool calls -------------------------------------------------


def call_matches(spec, call, tasks):
    tool, checks = spec
    if call["name"] != tool:
        return False
    args = call.get("arguments") or {}
    title = str(args.get("title") or "").lower()
    for key, want in checks.items():
        if key == "title" and want.lower() not in title:
            return False
        if key == "status":
            got = args.get("status") or "all"
            if got != want:
                return False
        if key == "task_id" and args.get("task_id") != want:
            return False
        if key == "task":
            ids = [t["id"] for t in tasks if want.lower() in t["title"].lower()]
            if not ids or args.get("task_id") not in ids:
                return False
    return True


def calls_match(specs, calls, tasks):
    """Every spec matched by a distinct call; no unexpected call besides list_tasks."""
    left = list(calls)
    for spec in specs:
        found = next((c for c in left if call_matches(spec, c, tasks)), None)
        if found is None:
            return False
        left.remove(found)
    if not specs:
        return not calls
    return all(c["name"] == "list_tasks" for c in left)


def judge_calls(expect, calls, tasks):
    options = expect.options if isinstance(expect, AnyOf) else [expect]
    return any(calls_match(option, calls, tasks) for option in options)


# ---- unbacked claims ------------------------------------------------------------

I_DID = r"(?:i(?:'ve| have)?|it(?:'s| has)? been|has been|have been|was|were|is now|are now)"
CLAIMS = {
    "add_task": re.compile(
        rf"\b{I_DID}\s+(?:\w+\s+)?(?:added|created|put|saved)\b|\badded\b[^.]*\bto (?:your|the) (?:list|tasks|todo)",
        re.I,
    ),
    "complete_task": re.compile(
        rf"\b{I_DID}\s+(?:\w+\s+)?(?:marked|completed|checked off|ticked off|finished)\b|\bmarked\b[^.]*\bas (?:done|complete|completed|finished)\b|\bis now (?:done|complete|completed)\b",
        re.I,
    ),
    "update_task": re.compile(
        rf"\b{I_DID}\s+(?:\w+\s+)?(?:renamed|updated|changed|modified)\b|\brenamed\b[^.]*\bto\b", re.I
    ),
    "delete_task": re.compile(rf"\b{I_DID}\s+(?:\w+\s+)?(?:deleted|removed|cancelled|canceled)\b", re.I),
}
LIST_CLAIM = re.compile(
    r"\bhere (?:are|is|'s)\b[^.]*\b(?:tasks?|list|to-?dos?)\b"
    r"|\byou (?:currently )?have (?:\d+|no|these|the following|only|one|two|three|four|five)\b[^.]*\btasks?\b"
    r"|\byou (?:don't|do not) have any\b[^.]*\btasks?\b"
    r"|\byour (?:tasks?|list|to-?do list) (?:is|are|includes?|contains?)\b|\bthere (?:are|is) no\b[^.]*\btasks?\b",
    re.I,
)
LIST_ITEM = re.compile(r"^\s*(?:\d+[.):]|[-*\u2022]|#\d+|task \d+[:.)])\s+\S", re.I | re.M)
NEGATION = re.compile(
    r"\b(?:not|never|no|couldn't|could not|can't|cannot|unable|didn't|did not|nothing|wasn't|won't|isn't)\b|n't\b", re.I
)
INLINE_ITEMS = re.compile(r"(?:^|\s)1[.)]\s+\S.*\s2[.)]\s+\S", re.S)
SENTENCE = re.compile(r"(?<=[.!?\n])\s+")


def unbacked_claims(reply, calls):
    done = {c["name"] for c in calls if not c.get("is_error")}
    found = []
    for sentence in SENTENCE.split(reply):
        if NEGATION.search(sentence) and not re.search(r"\bno (?:\w+ )?tasks?\b", sentence, re.I):
            continue
        for tool, pattern in CLAIMS.items():
            if tool not in done and pattern.search(sentence):
                found.append(tool)
    listed = LIST_CLAIM.search(reply) or len(LIST_ITEM.findall(reply)) >= 2 or INLINE_ITEMS.search(reply)
    if listed and "list_tasks" not in done and not (done & MUTATING):
        found.append("list_tasks")
    return sorted(set(found))


# ---- running ------------------------------------------------------------------


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def run(base, secret, audience, only=None):
    turns = []
    for name, conversation in SUITE:
        if only and name not in only:
            continue
        user = f"eval-{uuid.uuid4().hex[:12]}"
        jwt = token(secret, user, audience)
        conversation_id = None
        print(f"\n== {name}", flush=True)
        for message, expect in conversation:
            status, listing = request("GET", f"{base}/api/{user}/tasks?status=all", jwt)
            tasks = listing.get("tasks", []) if status == 200 else []
            body = {"message": message}
            if conversation_id is not None:
                body["conversation_id"] = conversation_id
            started = time.monotonic()
            status, answer = request("POST", f"{base}/api/{user}/chat", jwt, body)
            seconds = time.monotonic() - started
            if status != 200:
                reply, calls = f"[HTTP {status}] {json.dumps(answer)[:200]}", []
            else:
                conversation_id = answer["conversation_id"]
                reply, calls = answer["response"], answer.get("tool_calls", [])
            right = status == 200 and judge_calls(expect, calls, tasks)
            claims = unbacked_claims(reply, calls) if status == 200 else []
            shown = (
                ", ".join(
                    f"{c['name']}({json.dumps(c.get('arguments'), separators=(',', ':'))}){'!' if c.get('is_error') else ''}"
                    for c in calls
                )
                or "-"
            )
            mark = "ok " if right else "BAD"
            flag = f"  UNBACKED {claims}" if claims else ""
            print(
                f"[{mark}] {seconds:6.1f}s  {message!r}\n        calls: {shown}\n        reply: {reply[:160]!r}{flag}",
                flush=True,
            )
            turns.append(
                {
                    "conversation": name,
                    "message": message,
                    "status": status,
                    "seconds": round(seconds, 2),
                    "calls": calls,
                    "reply": reply,
                    "right": right,
                    "unbacked": claims,
                }
            )
    return turns


def summary(turns):
    times = [t["seconds"] for t in turns]
    return {
        "turns": len(turns),
        "right": sum(t["right"] for t in turns),
        "unbacked": sum(bool(t["unbacked"]) for t in turns),
        "errors": sum(t["status"] != 200 for t in turns),
        "p50_s": round(percentile(times, 0.5), 2),
        "p95_s": round(percentile(times, 0.95), 2),
        "total_s": round(sum(times), 1),
    }


def table(label, turns):
    s = summary(turns)
    accuracy = 100.0 * s["right"] / max(s["turns"], 1)
    print("\n| run | turns | right tool calls | unbacked claims | errors | p50 turn | p95 turn |")
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {label or 'run'} | {s['turns']} | {s['right']} ({accuracy:.0f}%) | {s['unbacked']} | {s['errors']} | {s['p50_s']:.1f} s | {s['p95_s']:.1f} s |"
    )
    return s


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("base")
    parser.add_argument("--out")
    parser.add_argument("--label", default="")
    parser.add_argument("--only", nargs="*", help="conversation names to play")
    parser.add_argument("--rescore", action="store_true", help="BASE is a results file: judge its replies again")
    args = parser.parse_args()
    if args.rescore:
        with open(args.base) as f:
            saved = json.load(f)
        turns = saved["turns"]
        for turn in turns:
            if turn["status"] == 200:
                turn["unbacked"] = unbacked_claims(turn["reply"], turn["calls"])
        table(args.label or saved.get("label", ""), turns)
        return
    secret = os.environ.get("BETTER_AUTH_SECRET")
    if not secret:
        sys.exit("eval: BETTER_AUTH_SECRET is not set")
    audience = os.environ.get("AUTH_AUDIENCE", "todo-api")
    turns = run(args.base.rstrip("/"), secret, audience, args.only)
    s = table(args.label, turns)
    if args.out:
        with open(args.out, "w") as f:
            json.dump({"label": args.label, "summary": s, "turns": turns}, f, indent=1)
        print(f"eval: details in {args.out}")


if __name__ == "__main__":
    main()
