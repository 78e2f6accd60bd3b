"""EC2 answers reshaped where the Terraform provider, configured as tflocal configures it, misreads them.

DescribeSecurityGroupRules: the provider writes `referenced_security_group_id` as "<account>/<sg-id>"
whenever ReferencedGroupInfo.UserId differs from the account it believes it runs in. With
`skip_requesting_account_id = true` (set by tflocal and by our override, so no STS call is needed) that
account is unknown, so every same-account reference showed a perpetual diff. We leave UserId out when it
is the caller's own account; the group id is unchanged, and UserId is optional in the API's shape
(ReferencedSecurityGroup, botocore ec2 service-2.json).
"""

from __future__ import annotations

import re

from localcloud.aws.registry import handles
from localcloud.server.requests import AwsRequest


@handles("ec2", "DescribeSecurityGroupRules")
def describe_security_group_rules(request: AwsRequest):
    answer = request.to_moto()
    if answer.status != 200:
        return answer.status, answer.headers, answer.body
    own = re.escape(request.account_id).encode()
    pattern = re.compile(rb"(<referencedGroupInfo>(?:(?!</referencedGroupInfo>).)*?)\s*<userId>" + own
                         + rb"</userId>", re.DOTALL)
    body = pattern.sub(rb"\1", answer.body)
    headers = [(k, v) for k, v in answer.headers if k.lower() != "content-length"]
    return answer.status, headers, body
