"""What we own per AWS service, where moto is missing something or wrong for this workflow.

Each service package registers its handlers with `localcloud.aws.registry.handles`; importing
`localcloud.aws.handlers` loads them all.
"""
