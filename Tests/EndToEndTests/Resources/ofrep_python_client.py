"""An application using OpenFeature's official Python SDK and OFREP provider, unchanged from PyPI
(openfeature-sdk, openfeature-provider-ofrep), against the real binary. OFREPSDKTests runs it and
asserts what it printed.

Usage: python3 ofrep_python_client.py BASE TOKEN REVOKED_TOKEN
Prints one JSON object.
"""
import json
import sys

from openfeature import api
from openfeature.contrib.provider.ofrep import OFREPProvider
from openfeature.evaluation_context import EvaluationContext

base, token, revoked = sys.argv[1:4]


def client(name, credential):
    api.set_provider(OFREPProvider(base, headers_factory=lambda: {"Authorization": f"Bearer {credential}"}), domain=name)
    return api.get_client(name)


def shown(details):
    code = details.error_code
    return {
        "value": details.value,
        "reason": getattr(details.reason, "value", details.reason),
        "variant": details.variant,
        "error": getattr(code, "value", code),
        "message": details.error_message,
    }


def user(key, **attributes):
    return EvaluationContext(targeting_key=key, attributes=attributes)


flags = client("sdk", token)
seen = {
    "boolean": shown(flags.get_boolean_details("dark-mode", False, user("u1", plan="pro"))),
    "boolean_free": shown(flags.get_boolean_details("dark-mode", True, user("u2", plan="free"))),
    "string": shown(flags.get_string_details("checkout", "classic", user("u1"))),
    "integer": shown(flags.get_integer_details("max-items", 1, user("u1", environment="production"))),
    "float": shown(flags.get_float_details("ratio", 0.0, user("u1"))),
    "object": shown(flags.get_object_details("banner", {}, user("u1"))),
    "targeted": shown(flags.get_string_details("region", "world", user("u1", country="de", company={"size": 250}))),
    "untargeted": shown(flags.get_string_details("region", "world", user("u1", country="fr"))),
    "disabled": shown(flags.get_boolean_details("off", True, user("u1"))),
    "missing": shown(flags.get_string_details("no-such-flag", "fallback", user("u1"))),
    "keyless": shown(flags.get_boolean_details("gradual", False, EvaluationContext(attributes={"plan": "pro"}))),
    "mismatch": shown(flags.get_integer_details("checkout", 7, user("u1"))),
    "rollout": {f"user-{i}": flags.get_boolean_value("gradual", False, user(f"user-{i}")) for i in range(20)},
    "rollout_again": {f"user-{i}": flags.get_boolean_value("gradual", False, user(f"user-{i}")) for i in range(20)},
    "revoked": shown(client("revoked", revoked).get_boolean_details("dark-mode", True, user("u1", plan="pro"))),
}
print(json.dumps(seen))
