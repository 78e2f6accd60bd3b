"""The small part of API Gateway's mapping-template language (VTL) that simple non-proxy integrations use.

Supported: $input.json('<path>'), $input.path('<path>'), $input.body, $input.params('<name>'),
$input.params().header/querystring/path.get('<name>'), $context.<field>, $stageVariables.<name>,
$util.escapeJavaScript(...), $util.base64Encode/base64Decode/urlEncode/urlDecode(...) of those (what
Kinesis and SQS integrations send). Anything else (#foreach, #if, #set) is left as written; a template
that needs it runs on AWS only, and the log says so.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
"""

from __future__ import annotations

import base64
import json
import logging
import re
import urllib.parse
from typing import Any

from localcloud.events.eventbridge_targets import json_path

log = logging.getLogger("localcloud.apigateway")


class TemplateContext:
    def __init__(self, body: str, params: dict[str, dict[str, str]], context: dict[str, Any],
                 stage_variables: dict[str, str]) -> None:
        self.body = body
        self.params = params  # {"path": {...}, "querystring": {...}, "header": {...}}
        self.context = context
        self.stage_variables = stage_variables

    def document(self) -> Any:
        try:
            return json.loads(self.body) if self.body else {}
        except ValueError:
            return self.body

    def param(self, name: str) -> str:
        for kind in ("path", "querystring", "header"):
            if name in self.params.get(kind, {}):
                return self.params[kind][name]
        return ""


_EXPRESSION = re.compile(
    r"\$util\.escapeJavaScript\((?P<inner>[^()]*(?:\([^()]*\))?)\)"
    r"|\$util\.(?P<util>base64Encode|base64Decode|urlEncode|urlDecode)\((?P<uinner>[^()]*(?:\([^()]*\))?)\)"
    r"|\$input\.json\('(?P<json>[^']*)'\)"
    r"|\$input\.path\('(?P<path>[^']*)'\)"
    r"|\$input\.params\(\)\.(?P<kind>header|querystring|path)\.get\('(?P<kname>[^']*)'\)"
    r"|\$input\.params\('(?P<param>[^']*)'\)"
    r"|\$input\.body"
    r"|\$context\.(?P<context>[A-Za-z.]+)"
    r"|\$stageVariables\.(?P<stage>[A-Za-z0-9_]+)")


_UTILS = {
    "base64Encode": lambda text: base64.b64encode(text.encode()).decode(),
    "base64Decode": lambda text: base64.b64decode(text.encode()).decode("utf-8", "replace"),
    "urlEncode": lambda text: urllib.parse.quote(text, safe=""),
    "urlDecode": urllib.parse.unquote,
}


def render(template: str, values: TemplateContext) -> str:
    if any(directive in template for directive in ("#foreach", "#if", "#set")):
        log.warning("mapping template uses VTL directives localcloud does not evaluate; they are left as written")

    def evaluate(found: re.Match[str]) -> str:
        if found.group("inner") is not None:
            text = render(found.group("inner"), values)
            return json.dumps(text)[1:-1]
        if found.group("util") is not None:
            return _UTILS[found.group("util")](render(found.group("uinner"), values))
        if found.group("json") is not None:
            return json.dumps(json_path(values.document(), found.group("json")))
        if found.group("path") is not None:
            value = json_path(values.document(), found.group("path"))
            return value if isinstance(value, str) else json.dumps(value)
        if found.group("kind") is not None:
            return values.params.get(found.group("kind"), {}).get(found.group("kname"), "")
        if found.group("param") is not None:
            return values.param(found.group("param"))
        if found.group("context") is not None:
            value: Any = values.context
            for part in found.group("context").split("."):
                value = value.get(part, "") if isinstance(value, dict) else ""
            return value if isinstance(value, str) else json.dumps(value)
        if found.group("stage") is not None:
            return values.stage_variables.get(found.group("stage"), "")
        return values.body  # $input.body

    return _EXPRESSION.sub(evaluate, template)
