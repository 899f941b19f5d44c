#!/usr/bin/env python3
"""Adapts rendered manifests to what `podman kube play` (podman 4.x) runs.

Usage: kube-play-prep.py RENDERED.yaml OUTDIR

Writes OUTDIR/play.yaml (everything but Secrets, probes and container ports
removed),
OUTDIR/secret-NAME.json for each Secret in the form podman's kube play reads
through `podman secret create` (a JSON object of base64 values), and
OUTDIR/probes.json: every probe that was removed, with its port resolved, so
the test runs each one itself. (podman turns probes into systemd timers, and
there is no systemd in a build container.)
"""
import base64
import json
import os
import sys

import yaml

rendered, outdir = sys.argv[1], sys.argv[2]
docs = [d for d in yaml.safe_load_all(open(rendered)) if d]
play, probes = [], []
for d in docs:
    if d["kind"] == "Secret":
        data = dict(d.get("data") or {})
        for key, value in (d.get("stringData") or {}).items():
            data[key] = base64.b64encode(value.encode()).decode()
        with open(os.path.join(outdir, f'secret-{d["metadata"]["name"]}.json'), "w") as f:
            json.dump(data, f)
        continue
    if d["kind"] == "Deployment":
        for c in d["spec"]["template"]["spec"]["containers"]:
            ports = {p.get("name"): p["containerPort"] for p in c.get("ports", [])}
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                probe = c.pop(kind, None)
                if not probe:
                    continue
                entry = {"container": c["name"], "probe": kind}
                if "httpGet" in probe:
                    port = probe["httpGet"]["port"]
                    entry.update(type="http", path=probe["httpGet"]["path"], port=ports.get(port, port))
                elif "exec" in probe:
                    entry.update(type="exec", command=probe["exec"]["command"])
                elif "tcpSocket" in probe:
                    port = probe["tcpSocket"]["port"]
                    entry.update(type="tcp", port=ports.get(port, port))
                probes.append(entry)
            # podman 4.x publishes each containerPort on the host as well, which
            # fails when the host already uses that port (a local `make run`);
            # the test reaches the pod by its own address, so drop them.
            c.pop("ports", None)
    play.append(d)

with open(os.path.join(outdir, "play.yaml"), "w") as f:
    yaml.safe_dump_all(play, f, sort_keys=False)
with open(os.path.join(outdir, "probes.json"), "w") as f:
    json.dump(probes, f, indent=1)
print(f"{len(play)} objects to play, {len(probes)} probes to run by hand")
