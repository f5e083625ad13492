"""An application using the official EdgeFlags Python SDK (`pip install edgeflags`), unchanged.

    python3 python_sdk_client.py BASE_URL SDK_TOKEN CONFIGS_ONLY_TOKEN HANDSHAKE_DIR

PythonSDKTests runs it against the real `edgeworker serve` and asserts what it prints: one JSON
object with everything the SDK saw. At two points it waits for the test to change something on the
server (it writes HANDSHAKE_DIR/waiting-N, the test answers with HANDSHAKE_DIR/changed-N).
"""
import asyncio
import json
import os
import sys
import time

from edgeflags import EdgeFlags, EdgeFlagsError, EdgeFlagsSync

base_url, token, configs_only_token, handshake = sys.argv[1:5]
seen = {}


def wait_for_the_test(step):
    open(os.path.join(handshake, f"waiting-{step}"), "w").close()
    deadline = time.monotonic() + 20
    while not os.path.exists(os.path.join(handshake, f"changed-{step}")):
        if time.monotonic() > deadline:
            sys.exit(f"the test never made change {step}")
        time.sleep(0.01)


def wait_until(condition, seconds=5):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)


def type_names(values):
    return {key: type(value).__name__ for key, value in values.items()}


# Evaluation for several contexts: targeting, segments, custom paths, environments, rollout.
client = EdgeFlagsSync(
    token=token,
    base_url=base_url + "/",  # the SDK strips it
    context={"user_id": "u-pro", "plan": "pro", "email": "ana@bücher.example", "custom": {"company": {"size": 250}}},
    polling_interval=60,
)
client.init()
seen["ready"] = client.is_ready
seen["pro"] = {
    "flags": client.all_flags(),
    "configs": client.all_configs(),
    "types": type_names(client.all_flags()),
    "checkout": client.flag("checkout", "none"),
    "theme": client.config("theme", "none"),
    "missing_flag": client.flag("no-such-flag", "fallback"),
    "missing_config": client.config("no-such-config", 7),
}
client.identify({"user_id": "u-free", "plan": "free", "environment": "production"})
seen["free_in_production"] = {"flags": client.all_flags(), "configs": client.all_configs()}
client.identify({"user_id": "u-vip", "segments": ["vip"], "environment": "staging"})
seen["vip_in_staging"] = {"flags": client.all_flags(), "configs": client.all_configs()}
client.identify({"user_id": "u-big", "plan": "enterprise", "custom": {"company": {"size": 5000}}})
seen["enterprise"] = {"flags": client.all_flags()}
seen["rollout"] = {}
for i in range(20):
    client.identify({"user_id": f"user-{i}"})
    seen["rollout"][f"user-{i}"] = client.flag("gradual")
client.destroy()

# Polling: a change on the server reaches a running client as a "change" event.
watcher = EdgeFlagsSync(token=token, base_url=base_url, context={"user_id": "u-pro", "plan": "pro"},
                        polling_interval=0.2)
changes = []
watcher.on("change", changes.append)
watcher.init()
before = watcher.flag("banner")
wait_for_the_test(1)
wait_until(lambda: changes)
seen["polled"] = {"before": before, "after": watcher.flag("banner"), "events": changes}
watcher.destroy()


# The async client: init, refresh after a change, identify.
async def use_the_async_client():
    async_client = EdgeFlags(token=token, base_url=base_url,
                             context={"user_id": "u-async", "environment": "production"}, polling_interval=60)
    refreshed = []
    async_client.on("change", refreshed.append)
    await async_client.init()
    result = {"ready": async_client.is_ready, "theme_before": async_client.config("theme")}
    await asyncio.to_thread(wait_for_the_test, 2)
    await async_client.refresh()
    result["theme_after"] = async_client.config("theme")
    result["events"] = list(refreshed)  # identify() below changes values again
    await async_client.identify({"user_id": "u-async"})
    result["theme_without_environment"] = async_client.config("theme")
    await async_client.aclose()
    return result

seen["async"] = asyncio.run(use_the_async_client())

# A token that may read only configs gets an empty flags map, not an error.
configs_only = EdgeFlagsSync(token=configs_only_token, base_url=base_url, polling_interval=60)
configs_only.init()
seen["configs_only"] = {"flags": configs_only.all_flags(), "configs": configs_only.all_configs()}
configs_only.destroy()

# A wrong token: init raises the SDK's error with the server's status; bootstrap data still serves.
try:
    EdgeFlagsSync(token="ff_defa_notarealtoken0000", base_url=base_url).init()
    seen["bad_token"] = "accepted"
except EdgeFlagsError as error:
    seen["bad_token"] = error.status_code
fallback = EdgeFlagsSync(token="ff_defa_notarealtoken0000", base_url=base_url, polling_interval=60,
                         bootstrap={"flags": {"dark-mode": True}, "configs": {"theme": "bootstrap"}})
fallback.init()
seen["bootstrap"] = {"ready": fallback.is_ready, "dark-mode": fallback.flag("dark-mode"), "theme": fallback.config("theme")}
fallback.destroy()

print(json.dumps(seen, ensure_ascii=False), flush=True)
