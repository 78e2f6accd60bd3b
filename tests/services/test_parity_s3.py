"""S3 behaves as AWS documents it: default encryption and data integrity, checksum verification, presigned
requests that expire (S3 User Guide; S3 API reference)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import uuid

import pytest
import requests
from awscrt import checksums as crt
from botocore.exceptions import ClientError
from localcloud.testing import wait_for

BODY = b"integrity matters"
DIGESTS = {
    "CRC32": binascii.crc32(BODY).to_bytes(4, "big"),
    "CRC32C": crt.crc32c(BODY).to_bytes(4, "big"),
    "CRC64NVME": crt.crc64nvme(BODY).to_bytes(8, "big"),
    "SHA1": hashlib.sha1(BODY).digest(),
    "SHA256": hashlib.sha256(BODY).digest(),
}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


@pytest.fixture
def s3(cloud):
    return cloud.client("s3")


@pytest.fixture
def bucket(s3):
    name = f"parity-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    return name


def _plain_client(cloud):
    """A client that adds no checksum of its own, as SDKs before 2025 did."""
    return cloud.client("s3", request_checksum_calculation="when_required",
                        response_checksum_validation="when_required")


# -- default encryption (SSE-S3 for every new object since January 2023) ---------------------------------
def test_every_object_response_says_it_is_encrypted_with_sse_s3_by_default(s3, bucket):
    assert s3.put_object(Bucket=bucket, Key="k", Body=BODY)["ServerSideEncryption"] == "AES256"
    assert s3.get_object(Bucket=bucket, Key="k")["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="k")["ServerSideEncryption"] == "AES256"
    assert s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/k")["ServerSideEncryption"] == "AES256"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    assert upload["ServerSideEncryption"] == "AES256"
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=BODY)
    assert part["ServerSideEncryption"] == "AES256"
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["ServerSideEncryption"] == "AES256"
    assert "ServerSideEncryption" not in s3.get_object_tagging(Bucket=bucket, Key="k")


def test_requested_kms_encryption_is_kept(s3, bucket):
    answer = s3.put_object(Bucket=bucket, Key="k", Body=BODY, ServerSideEncryption="aws:kms")
    assert answer["ServerSideEncryption"] == "aws:kms"
    assert s3.head_object(Bucket=bucket, Key="k")["ServerSideEncryption"] == "aws:kms"


# -- default data integrity (CRC64NVME when none is sent; checksum types) ------------------------------------
def test_an_object_uploaded_without_a_checksum_gets_a_crc64nvme_one(cloud, bucket):
    plain = _plain_client(cloud)
    plain.put_object(Bucket=bucket, Key="k", Body=BODY)
    head = plain.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumCRC64NVME"] == _b64(DIGESTS["CRC64NVME"])
    assert head["ChecksumType"] == "FULL_OBJECT"
    listed = plain.list_objects_v2(Bucket=bucket)["Contents"][0]
    assert listed["ChecksumAlgorithm"] == ["CRC64NVME"] and listed["ChecksumType"] == "FULL_OBJECT"


@pytest.mark.parametrize("algorithm", sorted(DIGESTS))
def test_put_object_answers_with_the_exact_checksum_and_its_type(s3, bucket, algorithm):
    answer = s3.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumAlgorithm=algorithm)
    assert answer[f"Checksum{algorithm}"] == _b64(DIGESTS[algorithm])
    assert answer["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert got[f"Checksum{algorithm}"] == _b64(DIGESTS[algorithm])
    versions = s3.list_object_versions(Bucket=bucket)["Versions"][0]
    assert versions["ChecksumAlgorithm"] == [algorithm] and versions["ChecksumType"] == "FULL_OBJECT"


@pytest.mark.parametrize("algorithm,expected", [("SHA256", "COMPOSITE"), ("CRC32", "COMPOSITE"),
                                                ("CRC64NVME", "FULL_OBJECT")])
def test_a_multipart_upload_defaults_its_checksum_type_by_algorithm(s3, bucket, algorithm, expected):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm)
    assert upload["ChecksumType"] == expected
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload["UploadId"])
    assert parts["ChecksumType"] == expected


# -- checksums sent by the client are verified (PutObject, UploadPart) --------------------------------------
@pytest.mark.parametrize("algorithm", sorted(DIGESTS))
def test_a_checksum_that_does_not_match_the_body_is_a_bad_digest(cloud, bucket, algorithm):
    plain = _plain_client(cloud)
    wrong = _b64(DIGESTS[algorithm][::-1] if DIGESTS[algorithm] != DIGESTS[algorithm][::-1] else b"\0" * 4)
    with pytest.raises(ClientError) as error:
        plain.put_object(Bucket=bucket, Key="k", Body=BODY, **{f"Checksum{algorithm}": wrong})
    assert error.value.response["Error"]["Code"] == "BadDigest"
    assert error.value.response["Error"]["Message"] == (
        f"The {algorithm} you specified did not match the calculated checksum.")
    upload = plain.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm=algorithm)
    with pytest.raises(ClientError) as error:
        plain.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=BODY,
                          **{f"Checksum{algorithm}": wrong})
    assert error.value.response["Error"]["Code"] == "BadDigest"
    with pytest.raises(ClientError):
        plain.head_object(Bucket=bucket, Key="k")  # nothing was stored


@pytest.mark.parametrize("algorithm", sorted(DIGESTS))
def test_a_checksum_that_is_not_a_base64_digest_is_an_invalid_request(cloud, bucket, algorithm):
    plain = _plain_client(cloud)
    with pytest.raises(ClientError) as error:
        plain.put_object(Bucket=bucket, Key="k", Body=BODY, **{f"Checksum{algorithm}": "not-a-digest"})
    assert error.value.response["Error"]["Code"] == "InvalidRequest"
    assert error.value.response["Error"]["Message"] == (
        f"Value for x-amz-checksum-{algorithm.lower()} header is invalid.")


def test_two_checksum_headers_are_refused(cloud, bucket):
    plain = _plain_client(cloud)
    with pytest.raises(ClientError) as error:
        plain.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumSHA256=_b64(DIGESTS["SHA256"]),
                         ChecksumCRC32=_b64(DIGESTS["CRC32"]))
    assert error.value.response["Error"]["Code"] == "InvalidRequest"
    assert "Multiple checksum Types are not allowed" in error.value.response["Error"]["Message"]


# -- presigned requests expire -----------------------------------------------------------------------------
@pytest.mark.parametrize("signature_version", ["s3v4", "s3"])
def test_a_presigned_url_is_refused_once_it_has_expired(cloud, bucket, signature_version):
    cloud.client("s3").put_object(Bucket=bucket, Key="k", Body=BODY)
    signer = cloud.client("s3", signature_version=signature_version)
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=1)
    assert requests.get(url, timeout=10).content == BODY
    # (a tuple: a 403 Response is falsy)
    expired, = wait_for(lambda: (r := requests.get(url, timeout=10)).status_code == 403 and (r,),
                        timeout=10, what="the presigned URL to expire")
    assert "<Code>AccessDenied</Code>" in expired.text and "<Message>Request has expired</Message>" in expired.text
    fresh = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=600)
    assert requests.get(fresh, timeout=10).status_code == 200


def test_a_presigned_url_may_last_at_most_seven_days(cloud, bucket):
    signer = cloud.client("s3", signature_version="s3v4")
    url = signer.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=604_801)
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 400 and "AuthorizationQueryParametersError" in answer.text


def test_a_presigned_post_is_refused_once_its_policy_has_expired(cloud, bucket):
    post = cloud.client("s3").generate_presigned_post(Bucket=bucket, Key="posted", ExpiresIn=2)

    def send():
        return requests.post(post["url"], data=post["fields"], files={"file": BODY}, timeout=10)

    assert send().status_code == 204  # within the policy's expiration
    answer, = wait_for(lambda: (r := send()).status_code == 403 and (r,), timeout=10,
                       what="the POST policy to expire")
    assert "Invalid according to Policy: Policy expired." in answer.text


# -- versions (S3 User Guide: working with objects in a versioning-enabled bucket) ---------------------------
def test_version_ids_appear_exactly_when_the_bucket_has_versioning_configured(s3, bucket):
    s3.put_object(Bucket=bucket, Key="early", Body=BODY)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload["UploadId"], PartNumber=1, Body=BODY)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert "VersionId" not in done and "VersionId" not in s3.get_object(Bucket=bucket, Key="early")
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_object(Bucket=bucket, Key="early")["VersionId"] == "null"
    assert s3.head_object(Bucket=bucket, Key="early")["VersionId"] == "null"
    written = s3.put_object(Bucket=bucket, Key="late", Body=BODY)["VersionId"]
    assert written != "null" and s3.get_object(Bucket=bucket, Key="late")["VersionId"] == written
    copied = s3.copy_object(Bucket=bucket, Key="early", CopySource=f"{bucket}/early", MetadataDirective="REPLACE")
    assert copied["VersionId"] not in ("null", None)


# -- inputs moto could not digest --------------------------------------------------------------------------
@pytest.mark.parametrize("source", ["no-slash", "/only-bucket/", ""])
def test_a_copy_source_that_is_not_bucket_slash_key_is_an_invalid_argument(cloud, bucket, source):
    s3 = cloud.client("s3")
    s3.meta.events.register("before-sign.s3.CopyObject",
                            lambda request, **_: request.headers.__setitem__("x-amz-copy-source", source))
    with pytest.raises(ClientError) as error:
        s3.copy_object(Bucket=bucket, Key="dest", CopySource=f"{bucket}/src")
    assert error.value.response["Error"]["Code"] == "InvalidArgument"
    assert error.value.response["Error"]["Message"] == "Invalid copy source object key"


def test_non_ascii_metadata_from_a_presigned_url_is_returned_rfc2047_q_encoded(cloud, bucket):
    signer = cloud.client("s3", signature_version="s3v4")
    url = signer.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "k"})
    answer = requests.put(url + "&x-amz-meta-note=" + requests.utils.quote("café — ok"), data=BODY, timeout=10)
    assert answer.status_code == 200
    head = requests.head(cloud.client("s3").generate_presigned_url(
        "head_object", Params={"Bucket": bucket, "Key": "k"}), timeout=10)
    assert head.headers["x-amz-meta-note"] == "=?UTF-8?Q?caf=C3=A9_=E2=80=94_ok?="


def test_a_checksum_header_without_an_algorithm_names_the_algorithm(cloud, bucket):
    plain = _plain_client(cloud)
    answer = plain.put_object(Bucket=bucket, Key="k", Body=BODY, ChecksumSHA256=_b64(DIGESTS["SHA256"]))
    assert answer["ChecksumSHA256"] == _b64(DIGESTS["SHA256"]) and "ChecksumCRC64NVME" not in answer
    head = plain.head_object(Bucket=bucket, Key="k", ChecksumMode="ENABLED")
    assert head["ChecksumSHA256"] == _b64(DIGESTS["SHA256"]) and head["ChecksumType"] == "FULL_OBJECT"


def test_owners_and_grantees_are_named_by_id_only(s3, bucket):
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert acl["Owner"]["ID"] and "DisplayName" not in acl["Owner"]
    assert all("DisplayName" not in grant["Grantee"] for grant in acl["Grants"])


def test_a_sigv2_presigned_put_does_not_store_its_expiry_as_metadata(cloud, bucket):
    signer = cloud.client("s3", signature_version="s3")
    url = signer.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=600)
    assert requests.put(url, data=BODY, timeout=10).status_code == 200
    got = cloud.client("s3").get_object(Bucket=bucket, Key="k")
    assert "Expires" not in got and "ExpiresString" not in got


# -- bucket owner condition (S3 User Guide: verifying bucket ownership) -------------------------------------
def test_the_expected_bucket_owner_must_be_an_account_id_and_the_owner(s3, bucket):
    s3.put_object(Bucket=bucket, Key="k", Body=BODY)
    owner = "123456789012"  # the account of the test credentials
    assert s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner=owner)["Body"].read() == BODY
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="k", ExpectedBucketOwner="12345")
    assert error.value.response["Error"]["Code"] == "InvalidBucketOwnerAWSAccountID"
    with pytest.raises(ClientError) as error:
        s3.put_bucket_policy(Bucket=bucket, Policy="{}", ExpectedBucketOwner="0000000000020")
    assert error.value.response["Error"]["Code"] == "InvalidBucketOwnerAWSAccountID"
    with pytest.raises(ClientError) as error:
        s3.list_objects_v2(Bucket=bucket, ExpectedBucketOwner="210987654321")
    assert error.value.response["Error"]["Code"] == "AccessDenied"


# -- SSE-C (S3 User Guide: server-side encryption with customer-provided keys) -----------------------------
def test_an_sse_c_object_is_read_only_with_its_own_key(s3, bucket):
    key, other = b"k" * 32, b"o" * 32
    answer = s3.put_object(Bucket=bucket, Key="secret", Body=BODY, SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    assert answer["SSECustomerAlgorithm"] == "AES256" and "ServerSideEncryption" not in answer
    assert answer["SSECustomerKeyMD5"] == _b64(hashlib.md5(key).digest())
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="secret")
    assert error.value.response["Error"]["Code"] == "InvalidRequest"
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="secret", SSECustomerAlgorithm="AES256", SSECustomerKey=other)
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    def mismatched(request, **_):  # a key-MD5 header that is not the key's: a wrong key
        request.headers["x-amz-server-side-encryption-customer-key-MD5"] = _b64(hashlib.md5(other).digest())

    s3.meta.events.register_first("before-sign.s3.GetObject", mismatched)
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="secret", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    assert error.value.response["Error"]["Code"] == "AccessDenied"
    s3.meta.events.unregister("before-sign.s3.GetObject", mismatched)
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="secret", SSECustomerAlgorithm="KMS", SSECustomerKey=key)
    assert error.value.response["Error"]["Code"] == "InvalidEncryptionAlgorithmError"
    assert error.value.response["Error"]["ArgumentValue"] == "KMS"
    got = s3.get_object(Bucket=bucket, Key="secret", SSECustomerAlgorithm="AES256", SSECustomerKey=key)
    assert got["Body"].read() == BODY and got["SSECustomerAlgorithm"] == "AES256"
    assert "ServerSideEncryption" not in got


# -- CompleteMultipartUpload checks its parts (S3 API reference) ---------------------------------------------
def _one_part_upload(s3, bucket, **extra):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", **extra)["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=BODY,
                          **({"ChecksumAlgorithm": extra["ChecksumAlgorithm"]} if extra else {}))
    return upload, part


def test_completing_with_an_unknown_part_or_etag_names_the_part(s3, bucket):
    upload, part = _one_part_upload(s3, bucket)
    for parts in ([{"PartNumber": 2, "ETag": part["ETag"]}], [{"PartNumber": 1, "ETag": '"' + "0" * 32 + '"'}]):
        with pytest.raises(ClientError) as error:
            s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": parts})
        details = error.value.response["Error"]
        assert details["Code"] == "InvalidPart"
        assert details["UploadId"] == upload and details["PartNumber"] == str(parts[0]["PartNumber"])


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA256"])
def test_completing_with_a_wrong_part_checksum_is_an_invalid_part(s3, bucket, algorithm):
    upload, part = _one_part_upload(s3, bucket, ChecksumAlgorithm=algorithm)
    wrong = _b64(hashlib.sha256(b"other").digest()[: len(DIGESTS[algorithm])])
    with pytest.raises(ClientError) as error:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": part["ETag"], f"Checksum{algorithm}": wrong}]})
    assert error.value.response["Error"]["Code"] == "InvalidPart"
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": part["ETag"], f"Checksum{algorithm}": part[f"Checksum{algorithm}"]}]})
    assert done["ETag"].endswith('-1"')


# -- website configuration (S3 User Guide: configuring an index document, redirects) ------------------------
@pytest.mark.parametrize("configuration,code", [
    ({"IndexDocument": {"Suffix": "/index.html"}}, "InvalidArgument"),
    ({"IndexDocument": {"Suffix": ""}}, "InvalidArgument"),
    ({"ErrorDocument": {"Key": "error.html"}}, "InvalidArgument"),
    ({"RedirectAllRequestsTo": {"HostName": "example.com"}, "IndexDocument": {"Suffix": "index.html"}},
     "InvalidArgument"),
    ({"RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "ftp"}}, "InvalidRequest"),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": [
        {"Redirect": {"ReplaceKeyPrefixWith": "a/", "ReplaceKeyWith": "b"}}]}, "InvalidRequest"),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": [
        {"Condition": {}, "Redirect": {"HostName": "example.com"}}]}, "InvalidRequest"),
    ({"IndexDocument": {"Suffix": "index.html"}, "RoutingRules": []}, "MalformedXML"),
])
def test_a_website_configuration_is_validated(s3, bucket, configuration, code):
    with pytest.raises(ClientError) as error:
        s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration=configuration)
    assert error.value.response["Error"]["Code"] == code


def test_a_valid_website_configuration_is_stored(s3, bucket):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"},
        "RoutingRules": [{"Condition": {"KeyPrefixEquals": "old/"}, "Redirect": {"ReplaceKeyPrefixWith": "new/"}}]})
    assert s3.get_bucket_website(Bucket=bucket)["IndexDocument"] == {"Suffix": "index.html"}


def test_object_lock_mode_and_retain_until_date_come_together(s3):
    name = f"parity-lock-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=name, Key="k", Body=BODY, ObjectLockMode="GOVERNANCE")
    assert error.value.response["Error"]["Code"] == "InvalidArgument"
    assert "must both be supplied" in error.value.response["Error"]["Message"]


# -- reading one part (GetObject / HeadObject PartNumber) ----------------------------------------------------
def test_get_and_head_with_a_part_number_read_that_part(s3, bucket):
    first, second = b"a" * (5 * 1024 * 1024), b"tail"
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp", ChecksumAlgorithm="CRC32C",
                                        ChecksumType="COMPOSITE")["UploadId"]
    parts = [s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=n, Body=body,
                            ChecksumAlgorithm="CRC32C") for n, body in ((1, first), (2, second))]
    s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
        {"PartNumber": n, "ETag": p["ETag"], "ChecksumCRC32C": p["ChecksumCRC32C"]} for n, p in enumerate(parts, 1)]})
    got = s3.get_object(Bucket=bucket, Key="mp", PartNumber=2, ChecksumMode="ENABLED")
    assert got["ResponseMetadata"]["HTTPStatusCode"] == 206 and got["Body"].read() == second
    total = len(first) + len(second)
    assert got["ContentRange"] == f"bytes {len(first)}-{total - 1}/{total}" and got["PartsCount"] == 2
    assert got["ChecksumCRC32C"] == parts[1]["ChecksumCRC32C"]
    head = s3.head_object(Bucket=bucket, Key="mp", PartNumber=1)
    assert head["ETag"] == got["ETag"] == s3.head_object(Bucket=bucket, Key="mp")["ETag"]  # the object's ETag
    assert head["ContentLength"] == len(first) and head["ContentRange"] == f"bytes 0-{len(first) - 1}/{total}"
    with pytest.raises(ClientError) as error:
        s3.get_object(Bucket=bucket, Key="mp", PartNumber=3)
    assert error.value.response["Error"]["Code"] == "InvalidPartNumber"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416


def test_a_virtual_host_key_may_begin_with_a_slash(cloud, s3, bucket):
    host = f"{bucket}.s3.localhost.localstack.cloud:{cloud.settings.port}"
    for key in ("/lead", "//two"):
        assert requests.put(f"{cloud.endpoint}/{key}", data=BODY, headers={"Host": host}, timeout=10).ok
    assert sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]) == ["//two", "/lead"]
    assert s3.get_object(Bucket=bucket, Key="/lead")["Body"].read() == BODY
    with pytest.raises(ClientError):
        s3.get_object(Bucket=bucket, Key="lead")


@pytest.mark.parametrize("tagging,expected", [
    ("<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>2</Value></Tag></TagSet>"
     "</Tagging>", [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]),
    ("<NotTagging/>", []),
])
def test_a_post_upload_tags_the_object_with_its_tagging_field(s3, bucket, tagging, expected):
    post = s3.generate_presigned_post(Bucket=bucket, Key="posted", Fields={"tagging": tagging},
                                      Conditions=[["eq", "$tagging", tagging]])
    assert requests.post(post["url"], data=post["fields"], files={"file": BODY}, timeout=10).status_code == 204
    assert sorted(s3.get_object_tagging(Bucket=bucket, Key="posted")["TagSet"], key=lambda t: t["Key"]) == expected


def test_a_post_upload_whose_tagging_is_not_xml_is_refused(s3, bucket):
    post = s3.generate_presigned_post(Bucket=bucket, Key="posted", Fields={"tagging": "a=1"},
                                      Conditions=[["eq", "$tagging", "a=1"]])
    answer = requests.post(post["url"], data=post["fields"], files={"file": BODY}, timeout=10)
    assert answer.status_code == 400 and "<Code>MalformedXML</Code>" in answer.text
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="posted")


def test_an_sse_c_read_with_a_malformed_key_is_refused_as_a_wrong_key(s3, bucket):
    s3.put_object(Bucket=bucket, Key="secret", Body=BODY, SSECustomerAlgorithm="AES256", SSECustomerKey=b"k" * 32)
    with pytest.raises(ClientError) as error:
        s3.head_object(Bucket=bucket, Key="secret", SSECustomerAlgorithm="AES256", SSECustomerKey=b"short")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


# -- lifecycle expiration (x-amz-expiration) ----------------------------------------------------------------
def test_objects_answer_with_the_expiration_their_lifecycle_rule_gives(s3, bucket):
    s3.put_object(Bucket=bucket, Key="logs/a", Body=BODY)
    assert "Expiration" not in s3.head_object(Bucket=bucket, Key="logs/a")
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "old-logs", "Filter": {"Prefix": "logs/"}, "Status": "Enabled", "Expiration": {"Days": 7}}]})
    put = s3.put_object(Bucket=bucket, Key="logs/b", Body=BODY)
    head = s3.head_object(Bucket=bucket, Key="logs/b")
    assert put["Expiration"] == head["Expiration"]
    assert head["Expiration"].endswith('00:00:00 GMT", rule-id="old-logs"')  # rounded to the next midnight
    import datetime

    created = head["LastModified"].astimezone(datetime.UTC).date()
    expected = (created + datetime.timedelta(days=8)).strftime("%a, %d %b %Y")
    assert head["Expiration"].startswith(f'expiry-date="{expected} ')
    assert "Expiration" not in s3.put_object(Bucket=bucket, Key="data/c", Body=BODY)  # not under the prefix


def test_writes_while_versioning_is_suspended_keep_the_earlier_versions(s3, bucket):
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert "VersionId" not in s3.put_object(Bucket=bucket, Key="k", Body=b"two")  # the null version, unsaid
    s3.put_object(Bucket=bucket, Key="k", Body=b"three")  # overwrites the null version
    assert s3.head_object(Bucket=bucket, Key="k")["VersionId"] == "null"
    listing = s3.list_object_versions(Bucket=bucket)  # botocore asks for EncodingType=url
    assert listing["EncodingType"] == "url"
    assert {v["VersionId"]: v["IsLatest"] for v in listing["Versions"]} == {first: False, "null": True}
    assert s3.get_object(Bucket=bucket, Key="k", VersionId=first)["Body"].read() == b"one"
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"three"


# -- Intelligent-Tiering configurations ------------------------------------------------------------------
def _tiering(config_id: str, days: int = 90, tier: str = "ARCHIVE_ACCESS") -> dict:
    return {"Id": config_id, "Filter": {"Prefix": config_id}, "Status": "Enabled",
            "Tierings": [{"Days": days, "AccessTier": tier}]}


def test_intelligent_tiering_configurations_are_stored_listed_and_deleted(s3, bucket):
    put = s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="one",
                                                          IntelligentTieringConfiguration=_tiering("one"))
    assert put["ResponseMetadata"]["HTTPStatusCode"] == 204
    s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="two", IntelligentTieringConfiguration=_tiering(
        "two", 180, "DEEP_ARCHIVE_ACCESS"))
    got = s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="one")["IntelligentTieringConfiguration"]
    assert got == _tiering("one")
    listed = s3.list_bucket_intelligent_tiering_configurations(Bucket=bucket)
    assert [c["Id"] for c in listed["IntelligentTieringConfigurationList"]] == ["one", "two"]
    s3.delete_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="one")
    with pytest.raises(ClientError) as error:
        s3.get_bucket_intelligent_tiering_configuration(Bucket=bucket, Id="one")
    assert error.value.response["Error"]["Code"] == "NoSuchConfiguration"


@pytest.mark.parametrize("given_id,configuration", [
    ("other", _tiering("one")), ("one", _tiering("one", days=89)),
    ("one", _tiering("one", days=90, tier="DEEP_ARCHIVE_ACCESS")),
])
def test_an_invalid_intelligent_tiering_configuration_is_malformed(s3, bucket, given_id, configuration):
    with pytest.raises(ClientError) as error:
        s3.put_bucket_intelligent_tiering_configuration(Bucket=bucket, Id=given_id,
                                                        IntelligentTieringConfiguration=configuration)
    assert error.value.response["Error"]["Code"] == "MalformedXML"


def test_an_sse_c_write_with_a_key_that_is_not_256_bits_is_an_invalid_argument(s3, bucket):
    with pytest.raises(ClientError) as error:
        s3.put_object(Bucket=bucket, Key="secret", Body=BODY, SSECustomerAlgorithm="AES256", SSECustomerKey=b"short")
    assert error.value.response["Error"]["Code"] == "InvalidArgument"
    assert error.value.response["Error"]["Message"] == "The secret key was invalid for the specified algorithm."
