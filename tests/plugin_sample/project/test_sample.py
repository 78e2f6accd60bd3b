# A user's project: nothing imported from localcloud, only the fixtures its pytest plugin provides.


def test_landing_bucket_takes_uploads(localcloud_stack, localcloud_reset):
    s3 = localcloud_stack.client("s3")
    s3.put_object(Bucket=localcloud_stack.outputs["landing_bucket"], Key="in/a.csv", Body=b"id\n1\n")
    listed = s3.list_objects_v2(Bucket=localcloud_stack.outputs["landing_bucket"])["Contents"]
    assert [o["Key"] for o in listed] == ["in/a.csv"]


def test_reset_emptied_the_bucket_before_this_test(localcloud_stack, localcloud_reset):
    s3 = localcloud_stack.client("s3")
    assert s3.list_objects_v2(Bucket=localcloud_stack.outputs["landing_bucket"]).get("KeyCount") == 0


def test_jobs_queue_round_trip(localcloud_stack, localcloud_reset):
    sqs = localcloud_stack.client("sqs")
    url = localcloud_stack.outputs["jobs_queue_url"]
    sqs.send_message(QueueUrl=url, MessageBody="job-1")
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "job-1"


def test_reset_emptied_the_queue_too(localcloud_stack, localcloud_reset):
    sqs = localcloud_stack.client("sqs")
    assert "Messages" not in sqs.receive_message(QueueUrl=localcloud_stack.outputs["jobs_queue_url"])
