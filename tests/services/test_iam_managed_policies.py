"""AWS-managed policies exist in every account, as on AWS, so roles can attach them (Terraform's
aws_iam_role_policy_attachment with arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole)."""

from localcloud.testing import trust_policy


def test_a_role_can_attach_aws_lambda_basic_execution_role(cloud):
    iam = cloud.client("iam")
    iam.create_role(RoleName="uses-managed", AssumeRolePolicyDocument=trust_policy())  # CreateRole checks it
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    iam.attach_role_policy(RoleName="uses-managed", PolicyArn=arn)
    attached = iam.list_attached_role_policies(RoleName="uses-managed")["AttachedPolicies"]
    assert attached == [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": arn}]
