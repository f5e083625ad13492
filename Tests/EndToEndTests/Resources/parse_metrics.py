"""Reads /metrics from the URL given and parses it with prometheus-client's own text parser.

Prints one JSON document: every sample as {"name", "labels", "value"} and every family's type.
A body the parser refuses makes it exit non-zero with the parser's message.
"""
import json
import sys
import urllib.request

from prometheus_client.parser import text_string_to_metric_families

with urllib.request.urlopen(sys.argv[1], timeout=10) as reply:
    content_type = reply.headers.get("Content-Type", "")
    text = reply.read().decode("utf-8")

families = []
samples = []
for family in text_string_to_metric_families(text):
    families.append({"name": family.name, "type": family.type})
    for sample in family.samples:
        samples.append({"name": sample.name, "labels": dict(sample.labels), "value": sample.value})

print(json.dumps({"content_type": content_type, "families": families, "samples": samples}))
