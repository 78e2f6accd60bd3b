"""Entry point of a Lambda worker process: the import path AWS gives, then the official awslambdaric loop.

Runs under the function's interpreter with `-I -S` (no site-packages, no PYTHON* variables), so it may
import only the standard library until it has set sys.path. Keep it compatible with Python 3.11-3.13.
In the sandbox (sandbox.py) this file is copied to /var/rapid/bootstrap.py and the path it is given is
AWS's: /var/task, /opt/python..., /var/runtime.
"""

import os
import sys


def main() -> None:
    # Task root, layers, runtime directory (awslambdaric + boto3), in AWS's order; the stdlib stays behind
    # them, as /var/lang/lib/python3.x is behind /var/runtime on AWS.
    sys.path[:0] = os.environ.pop("_LOCALCLOUD_SYS_PATH").split(os.pathsep)
    api = os.environ["AWS_LAMBDA_RUNTIME_API"]  # "127.0.0.1:PORT/_localcloud/lambda-runtime/<env>"
    host_port, _, prefix = api.partition("/")

    from awslambdaric import bootstrap
    from awslambdaric.lambda_config import LambdaConfigProvider
    from awslambdaric.lambda_runtime_client import LambdaRuntimeClient

    class PrefixedRuntimeClient(LambdaRuntimeClient):
        """The C client (next/response/error) takes the path prefix as is; awslambdaric's init-error
        report goes through http.client, which accepts only host:port, so it gets the prefix here."""

        def call_rapid(self, http_method, endpoint, expected_http_code, payload=None, headers=None):
            return super().call_rapid(http_method, "/" + prefix + endpoint, expected_http_code, payload,
                                      headers)

    config = LambdaConfigProvider([sys.argv[0], sys.argv[1]])
    bootstrap.run(config.handler, PrefixedRuntimeClient(host_port, config.use_thread_polling))


if __name__ == "__main__":
    main()
