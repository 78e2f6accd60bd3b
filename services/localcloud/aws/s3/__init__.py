"""S3 behaviour we own beside moto's model, installed here in one place (each module's install() says what
it patches): which browser origins a bucket's CORS rules admit (cors.py, installed by the app); exact
checksums and their verification (checksums.py); what every object has on AWS unasked, SSE-S3 and a
checksum with its type (object_defaults.py); presigned requests that expire (presign.py); customer-provided keys (sse_c.py); request rules moto failed on (validation.py); CompleteMultipartUpload's part checks (multipart.py);
website configuration rules (website.py); reads of one part (parts.py);
the expiration lifecycle rules give an object (lifecycle.py);
versions kept while versioning is suspended (versioning.py); Intelligent-Tiering configurations
(intelligent_tiering.py)."""

from localcloud.aws.s3 import (checksums, intelligent_tiering, lifecycle, multipart, object_defaults, parts, presign,
                               sse_c, validation, versioning, website)

checksums.install()
sse_c.install()  # before object_defaults: its answers carry the customer-key headers, not AES256
parts.install()  # before object_defaults: a part's checksum headers are settled first
object_defaults.install()
presign.install()
validation.install()
multipart.install()
website.install()
lifecycle.install()
versioning.install()
intelligent_tiering.install()
