"""S3 behaviour we own beside moto's model (moto_patches/s3.py registers and installs it with every other moto
patch, before any request; each module here is a factory of its wrappers): which browser origins a bucket's CORS rules admit (cors.py, installed by the app); exact
checksums and their verification (checksums.py); what every object has on AWS unasked, SSE-S3 and a
checksum with its type (object_defaults.py); presigned requests that expire (presign.py); customer-provided keys (sse_c.py); request rules moto failed on (validation.py); CompleteMultipartUpload's part checks (multipart.py);
website configuration rules (website.py); reads of one part (parts.py);
the expiration lifecycle rules give an object (lifecycle.py);
versions kept while versioning is suspended (versioning.py); Intelligent-Tiering configurations
(intelligent_tiering.py)."""
